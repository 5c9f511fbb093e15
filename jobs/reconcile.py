"""The reconciler of background jobs (issue 13, items 11–12): the database rows are the truth, not Redis.

:func:`reconcile` (a periodic job of ``jobs/schedule.py``, and ``flask jobs reconcile`` for a system cron or by
hand) looks at every leased job row (``jobs/leases.py``; the job modules it imports register their kinds):

- **running with a stale heartbeat** (no progress for ``JOB_HEARTBEAT_TIMEOUT_SECONDS``): its worker is gone.
  The row is queued again — the re-run finishes only what is left — unless it may not be (attempts used up,
  a signed bulk decision whose passphrase or TTL is gone): then it fails with a Vietnamese message, its
  partial files removed and its passphrase blanked. A page never shows "running" past that point;
- **queued with no live RQ job** (never queued because Redis was down, or lost with Redis's memory) and
  untouched for ``JOB_QUEUE_GRACE_SECONDS``: queued again;
- finished exports past ``EXPORT_RETENTION_HOURS``: the file deleted, the row marked expired;
- bulk decisions nobody ran within ``BULK_PASSPHRASE_TTL_MINUTES``: failed, passphrase blanked.

Safe to run twice and from two places at once (each change compares and sets the row in one statement).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from jobs import leases
from jobs import national_sync as _national_sync  # noqa: F401 - registers the send job's kind (issue 18)
from jobs.approvals import expire_stale
from jobs.base import job_context
from jobs.exports import expire_exports
from jobs.imports import run_commit as _import_kinds  # noqa: F401 - registers the import jobs' kinds

__all__ = ["reconcile"]

log = logging.getLogger(__name__)

#: RQ statuses of a job that will still run (or is running).
LIVE_RQ_STATUSES = ("queued", "started", "scheduled", "deferred")


def _rq_job_alive(queue, job_id: str | None) -> bool:
    """Whether Redis still holds RQ job ``job_id`` in a state that will run it (raises on a Redis outage)."""
    if not job_id:
        return False
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    return str(getattr(status, "value", status)) in LIVE_RQ_STATUSES


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Fail or re-queue the job rows whose worker is gone, re-queue rows Redis lost, expire old exports and
    unclaimed passphrases. Returns counts: requeued, failed, expired_exports, expired_bulk."""
    with job_context():
        now = now or datetime.now(UTC)
        counts = {"requeued": 0, "failed": 0, "expired_exports": 0, "expired_bulk": 0}
        queue = current_app.extensions.get("rq_queue")
        grace = now - timedelta(seconds=int(current_app.config.get("JOB_QUEUE_GRACE_SECONDS", 120)))
        redis_ok = True
        for kind in leases.kinds():
            model = kind.model
            stale = list(db.session.scalars(select(model).where(
                *kind.own_rows(), model.status == "running",
                func.coalesce(model.heartbeat_at, model.started_at, model.created_at) < leases.stale_before(now))))
            for row in stale:
                log.warning("%s %s: running without a heartbeat since %s; its worker is gone",
                            model.__tablename__, row.id, row.heartbeat_at)
                outcome = leases.requeue(kind, row, now=now)
                counts["failed" if outcome == "failed" else "requeued"] += bool(outcome)
            db.session.rollback()
            if queue is None or not redis_ok:
                continue
            waiting = list(db.session.scalars(select(model).where(
                *kind.own_rows(), model.status == "queued",
                func.coalesce(model.heartbeat_at, model.created_at) < grace)))
            for row in waiting:
                try:
                    alive = _rq_job_alive(queue, row.queue_job_id)
                except Exception as exc:  # noqa: BLE001 - Redis down: try again at the next run
                    log.warning("reconcile: Redis unreachable (%s: %s); queued rows are kept for the next run",
                                type(exc).__name__, exc)
                    redis_ok = False
                    break
                if not alive:
                    log.warning("%s %s: queued but its RQ job %s is gone; queued again", model.__tablename__,
                                row.id, row.queue_job_id)
                    outcome = leases.requeue(kind, row, now=now, note=leases.queue_note())
                    counts["failed" if outcome == "failed" else "requeued"] += bool(outcome)
            db.session.rollback()
        counts["expired_exports"] = expire_exports(now)
        counts["expired_bulk"] = expire_stale(now)
        db.session.rollback()
        if any(counts.values()):
            log.info("reconcile: %s", counts)
        return counts
