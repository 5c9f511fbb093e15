"""The monthly backup (issue 20; HN-11.1, HN-11.2, HCM-10.1, HCM-10.2): a periodic job of ``jobs/schedule.py``.

One run: make this month's backup when the month has none yet (so the daily schedule makes it on the first day and
retries on the next days after a failure; a second run the same month does nothing more), verify the newest backup
when it has not been verified (restore into a scratch database, check the manifest; a failure alerts Sở Nội vụ's
administrators), then delete what the retention rule lets go. Also ``flask backup create|verify|prune``.
"""

from __future__ import annotations

import logging

from jobs.base import job_context

__all__ = ["monthly_backup"]

log = logging.getLogger(__name__)


def monthly_backup() -> dict[str, object]:
    """Backup (if the month has none), verify the newest, prune; returns what was done. Skipped on SQLite."""
    from app.extensions import db
    from app.services import backups
    from app.services.errors import ServiceError

    with job_context():
        if db.engine.dialect.name != "postgresql":
            log.info("monthly backup skipped: the embedded SQLite database is not backed up by this job")
            return {"skipped": True}
        done: dict[str, object] = {"created": None, "verified": None, "pruned": 0}
        if not backups.backups_this_month():
            try:
                done["created"] = backups.create_backup("job").id
            except ServiceError as exc:  # recorded, logged and alerted by the service; retried tomorrow
                done["error"] = "; ".join(exc.messages)
        latest = backups.latest_backup()
        if latest is not None and latest.verified_ok is None:
            try:
                _row, report, _message = backups.verify_backup()
                done["verified"] = report is not None and report.ok
            except ServiceError as exc:
                done["error"] = "; ".join(exc.messages)
        done["pruned"] = len(backups.prune_backups())
        log.info("monthly backup: %s", done)
        return done
