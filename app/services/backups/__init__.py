"""Backups aggregate (issue 20): encrypted archives, restore, verification, retention. See :mod:`.service`."""

from app.services.backups.retention import Kept, prune_plan
from app.services.backups.service import (
    ArchiveRefused,
    RestoreReport,
    archive_path,
    backup_keys,
    backup_store,
    backups_this_month,
    create_backup,
    inspect_archive,
    latest_backup,
    list_backups,
    manifest_text,
    prune_backups,
    restore_backup,
    verify_backup,
)

__all__ = [
    "ArchiveRefused",
    "Kept",
    "RestoreReport",
    "archive_path",
    "backup_keys",
    "backup_store",
    "backups_this_month",
    "create_backup",
    "inspect_archive",
    "latest_backup",
    "list_backups",
    "manifest_text",
    "prune_backups",
    "prune_plan",
    "restore_backup",
    "verify_backup",
]
