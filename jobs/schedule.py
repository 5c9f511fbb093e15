"""Periodic jobs, declared as one table (design.md §4). Later issues add sync windows.

Times are written in Việt Nam time (Asia/Ho_Chi_Minh, UTC+7 all year). Two ways to run them:

- ``make worker``: an RQ worker plus RQ's own cron scheduler (``rq cron jobs.rq_cron``; rq ≥ 2.4 has a
  ``CronScheduler``, no extra package). RQ evaluates cron expressions in UTC, so :func:`utc_cron` shifts the
  hour of each entry (Việt Nam keeps no daylight saving time, so the shift is fixed);
- a system cron calling ``flask reminders run`` (each job also has a CLI command), e.g.
  ``0 7 * * * cd /srv/cbccvc && .venv/bin/flask reminders run``;
- the embedded default (``make run`` without ``REDIS_URL``): a thread of the server process runs the table
  (``jobs/scheduler.py``, started by ``run.py``).

Every periodic job is safe to run twice (reminders are idempotent). With Redis down RQ's cron scheduler does
not run: a system cron calling ``flask jobs reconcile`` every few minutes covers the reconciler then
(``deploy/``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["PERIODIC_JOBS", "TIMEZONE", "register_rq_cron", "utc_cron"]

TIMEZONE = "Asia/Ho_Chi_Minh"

#: (job id, dotted path of the function, cron expression in Asia/Ho_Chi_Minh time)
PERIODIC_JOBS: list[tuple[str, str, str]] = [
    # HCM-7.1, HCM-7.2, HCM-7.2a–c, HN-7, HN-17.5, HN-18.3: near and past deadlines, in the bell and by e-mail.
    ("reminders", "jobs.reminders.run_reminders", "0 7 * * *"),
    # Issue 16 (HN-12.2.1, HN-12.3, HCM-8.3, HCM-8.4): exits whose effective date has come — archive, lock the login.
    ("transfers-effective", "jobs.transfers.apply_effective_moves", "5 0 * * *"),
    # Issue 15: the e-mail digest of the event notices (submitted, returned, approved …) written in the bell at once.
    ("notices-digest", "jobs.notices.send_notices", "0,10,20,30,40,50 * * * *"),
    # Bulk decisions no worker picked up within BULK_PASSPHRASE_TTL_MINUTES: failed, passphrase blanked.
    ("bulk-decisions-expire", "jobs.approvals.expire_stale", "0,15,30,45 * * * *"),
    # Issue 13: job rows whose worker is gone (stale heartbeat) are re-queued or failed, queued rows Redis lost
    # are queued again, export files past EXPORT_RETENTION_HOURS are deleted (also `flask jobs reconcile`).
    ("jobs-reconcile", "jobs.reconcile.reconcile", "1,6,11,16,21,26,31,36,41,46,51,56 * * * *"),
    # Issue 20 (HN-11.1, HN-11.2, HCM-10.1, HCM-10.2): the month's encrypted backup when the month has none yet (the
    # 1st; the next days retry a failure), then its verification (a scratch restore) and the retention prune.
    ("backup-monthly", "jobs.backups.monthly_backup", "0 22 * * *"),
    # Issue 18 (ND27-SYNC): approved versions gathered per agency into event batches and sent, well within the day
    # the decree allows; batches whose retry time has come are queued again.
    ("national-sync", "jobs.national_sync.tick", "3,8,13,18,23,28,33,38,43,48,53,58 * * * *"),
    # Issue 18: what the national side holds per agency compared with what we sent (the reconciliation report).
    ("national-reconcile", "jobs.national_sync.reconcile_national", "30 2 * * *"),
    # Issue 20 (the month-end peak): the data-quality figures read lately worked out again before they expire.
    ("kept-figures", "jobs.reports.refresh_kept_figures", "2,7,12,17,22,27,32,37,42,47,52,57 * * * *"),
]


def _shift_field(field: str, offset: int, modulo: int) -> tuple[str, set[int]]:
    """Shift every number of a comma-separated cron field by ``-offset``; returns it and the day carries."""
    values, carries = [], set()
    for part in field.split(","):
        if not part.isdigit():
            raise ValueError(f"cron field {field!r}: only plain numbers can be moved to UTC")
        shifted = int(part) - offset
        carries.add(shifted // modulo)
        values.append(str(shifted % modulo))
    return ",".join(values), carries


def utc_cron(expression: str, tz: str = TIMEZONE) -> str:
    """The cron ``expression`` written in ``tz`` time, rewritten in UTC (what RQ's scheduler reads).

    Minute and hour must be plain numbers (or lists of them). When the shift moves the time to another day,
    the day-of-month, month and day-of-week fields must all be ``*``; anything else raises ValueError.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron expression {expression!r}: five fields expected")
    minute, hour, dom, month, dow = fields
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    total = int(offset.total_seconds() // 60)
    off_hours, off_minutes = divmod(total, 60)
    minute, minute_carry = _shift_field(minute, off_minutes, 60) if off_minutes else (minute, {0})
    if minute_carry != {0} and len(minute_carry) > 1:
        raise ValueError(f"cron expression {expression!r}: minutes cross an hour differently")
    hour, day_carry = _shift_field(hour, off_hours - min(minute_carry), 24) if hour != "*" else (hour, {0})
    if day_carry != {0} and (dom, month, dow) != ("*", "*", "*"):
        raise ValueError(f"cron expression {expression!r}: the UTC time falls on another day; write it in UTC")
    return " ".join((minute, hour, dom, month, dow))


def register_rq_cron(queue_name: str = "cbccvc") -> int:
    """Register every periodic job with RQ's cron scheduler (called by the ``rq cron`` config module)."""
    import importlib

    from rq import cron

    for job_id, dotted, expression in PERIODIC_JOBS:
        module, _sep, name = dotted.rpartition(".")
        func = getattr(importlib.import_module(module), name)
        cron.register(func, queue_name, cron=utc_cron(expression), name=job_id, job_timeout=3600)
    return len(PERIODIC_JOBS)
