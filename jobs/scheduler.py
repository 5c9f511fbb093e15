"""The periodic jobs in-process, for the embedded default (``make run`` without ``REDIS_URL``).

Production runs ``jobs/schedule.py``'s table with RQ's cron scheduler (``make worker``); without Redis there is
no worker, so ``run.py`` starts an :class:`InProcessScheduler`: one daemon thread of the server process that
wakes every few seconds, finds the entries whose cron expression (Việt Nam time) matched a minute since its last
look, and runs each once, in an app context of its own (its own database session), one after the other. A job
that fails is logged and runs again at its next time. When it starts it runs every job once (catch-up: the
07:00 reminders of a server started at 09:00), which is safe because every periodic job is idempotent.

It never starts under tests (``app.testing``), with ``REDIS_URL`` set, or with ``IN_PROCESS_SCHEDULER=0``; a test
builds one and calls :meth:`InProcessScheduler.tick` itself, or starts it.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from flask import Flask

from app.extensions import db
from jobs.schedule import PERIODIC_JOBS, TIMEZONE

__all__ = ["InProcessScheduler", "start_in_process_scheduler"]

log = logging.getLogger(__name__)

#: How far back a tick looks for missed minutes (a server asleep longer runs each missed job once anyway).
MAX_LOOKBACK = timedelta(hours=2)


def _resolve(dotted: str) -> Callable[[], object]:
    module, _sep, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


class InProcessScheduler:
    """Runs ``jobs`` ((id, dotted path, cron in ``TIMEZONE``) rows, :data:`jobs.schedule.PERIODIC_JOBS` by default)
    in a daemon thread of this process."""

    def __init__(self, app: Flask, jobs: Iterable[tuple[str, str, str]] = PERIODIC_JOBS, *,
                 poll_seconds: float = 15.0, catch_up: bool = True, clock: Callable[[], datetime] | None = None):
        self.app = app
        self.jobs = list(jobs)
        for _id, _dotted, expression in self.jobs:
            if not croniter.is_valid(expression):
                raise ValueError(f"cron expression {expression!r} is not valid")
        self.poll_seconds = poll_seconds
        self.catch_up = catch_up
        self.tz = ZoneInfo(TIMEZONE)
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.runs: dict[str, int] = {job_id: 0 for job_id, _d, _e in self.jobs}
        self._checked: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _minute(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz).replace(second=0, microsecond=0)

    def due(self, now: datetime) -> list[tuple[str, str]]:
        """The (id, dotted path) of the jobs whose expression matched a minute after the last look, up to ``now``
        (each once). The first look only notes the time."""
        current = self._minute(now)
        last, self._checked = self._checked, current
        if last is None or current <= last:
            return []
        start = max(last + timedelta(minutes=1), current - MAX_LOOKBACK)
        found = []
        for job_id, dotted, expression in self.jobs:
            nxt = croniter(expression, start - timedelta(minutes=1)).get_next(datetime)
            if nxt <= current:
                found.append((job_id, dotted))
        return found

    def run_job(self, job_id: str, dotted: str) -> bool:
        """Run one job in an app context of its own; False (logged) when it raised."""
        with self.app.app_context():
            try:
                _resolve(dotted)()
                return True
            except Exception:  # noqa: BLE001 - a periodic job that fails is retried at its next time
                log.exception("in-process job %s failed", job_id)
                return False
            finally:
                self.runs[job_id] = self.runs.get(job_id, 0) + 1
                db.session.remove()

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run the jobs due since the last tick; returns their ids."""
        ran = []
        for job_id, dotted in self.due(now or self.clock()):
            if self._stop.is_set():
                break
            self.run_job(job_id, dotted)
            ran.append(job_id)
        return ran

    def run_all(self) -> list[str]:
        """Run every job once (the catch-up when the scheduler starts)."""
        for job_id, dotted, _expression in self.jobs:
            if self._stop.is_set():
                break
            self.run_job(job_id, dotted)
        return [job_id for job_id, _d, _e in self.jobs]

    def _loop(self) -> None:
        self.due(self.clock())  # note the start time
        if self.catch_up:
            self.run_all()
        while not self._stop.wait(self.poll_seconds):
            self.tick()

    def start(self) -> InProcessScheduler:
        """Start the daemon thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="cbccvc-periodic-jobs", daemon=True)
            self._thread.start()
            log.info("in-process scheduler: %s periodic jobs (%s)", len(self.jobs),
                     ", ".join(job_id for job_id, _d, _e in self.jobs))
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop after the job it is running, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def start_in_process_scheduler(app: Flask) -> InProcessScheduler | None:
    """Start the periodic jobs in this process when there is no RQ worker to run them: no ``REDIS_URL``, not
    testing, ``IN_PROCESS_SCHEDULER`` (config or environment) not ``0``. Returns the scheduler, or None."""
    wanted = app.config.get("IN_PROCESS_SCHEDULER", os.environ.get("IN_PROCESS_SCHEDULER", "1"))
    if app.config.get("REDIS_URL") or app.testing or str(wanted).strip().lower() in ("0", "false", "no", "off"):
        return None
    return InProcessScheduler(app).start()
