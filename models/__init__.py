"""All mapped models. Importing this package registers every table on ``Model.metadata``."""

from models import (  # noqa: F401
    accounts,
    approvals,
    audit,
    backups,
    codes,
    data_quality,
    exports,
    imports,
    national_sync,
    notifications,
    operations,
    org_units,
    personnel,
    signing,
    staffing,
    transfers,
    workdays,
)

__all__ = ["accounts", "approvals", "audit", "backups", "codes", "data_quality", "exports", "imports",
           "national_sync", "notifications", "operations", "org_units", "personnel", "signing", "staffing", "transfers",
           "workdays"]
