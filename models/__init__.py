"""All mapped models. Importing this package registers every table on ``Model.metadata``."""

from models import accounts, audit, codes, org_units, personnel  # noqa: F401

__all__ = ["accounts", "audit", "codes", "org_units", "personnel"]
