"""All mapped models. Importing this package registers every table on ``Model.metadata``."""

from models import accounts, audit, org_units  # noqa: F401

__all__ = ["accounts", "audit", "org_units"]
