"""The job-runner base: one place for the lifecycle of a leased job row (queued → running → finished / failed).

A job module declares a :class:`LeasedJob` (its :class:`~jobs.leases.JobKind`, the Vietnamese message of a
failure, the row's columns its result reports) and writes only its body, :meth:`LeasedJob.run`. The runner:

- opens the job's app context (``jobs.base.job_context``: the caller's, or the worker's app);
- leaves a missing row or one already done alone (running twice does nothing twice);
- takes the row's lease (``leases.claim``: queued → running, ``attempts`` + 1), or returns when a live run holds it;
- gives the body a :class:`Run`: heartbeats that carry the progress (``progress``), a forced ``beat``, and
  ``finish`` (running → finished under the lease);
- on :class:`~jobs.leases.LeaseLost` stops writing nothing; on any other error rolls back, marks the row failed
  with its Vietnamese message (the kind's ``fail_values`` written, e.g. a passphrase blanked) and removes what
  the run left behind (the kind's ``cleanup``: partial files). The traceback goes to the log, not to the page.
"""

from __future__ import annotations

import logging
from typing import Any

from app.extensions import db
from jobs import leases
from jobs.base import job_context

__all__ = ["LeasedJob", "Run"]

log = logging.getLogger(__name__)


class Run:
    """One run of a leased row: its token, a throttled heartbeat, progress and the end of the run."""

    def __init__(self, kind: leases.JobKind, row_id: int, token: str):
        self.kind, self.row_id, self.token = kind, row_id, token
        self._heartbeat: leases.Heartbeat | None = None

    def beat(self, *, conn=None, **values: Any) -> None:
        """Renew the lease now, writing ``values`` (in ``conn``'s transaction when given); LeaseLost if it is gone."""
        leases.beat(self.kind.model, self.row_id, self.token, conn=conn, **values)

    def progress(self, *, force: bool = False, meta: tuple[int, int] | None = None, **values: Any) -> None:
        """Progress ``values`` into the row with the heartbeat (at most every few seconds unless ``force``) and,
        best-effort, ``meta`` = (done, total) into the RQ job's ``meta``."""
        if self._heartbeat is None:
            self._heartbeat = leases.Heartbeat(self.kind.model, self.row_id, self.token)
        self._heartbeat(force=force, **values)
        if meta is not None:
            leases.meta_progress(*meta)

    def finish(self, *, conn=None, **values: Any) -> None:
        """Running → finished with ``values``, the lease dropped (in ``conn``'s transaction when given: what the
        job writes about its end commits with it); LeaseLost when another run holds the row."""
        if not leases.release(self.kind.model, self.row_id, self.token, "finished", conn=conn, **values):
            raise leases.LeaseLost(f"{self.kind.model.__tablename__} {self.row_id}")


class LeasedJob:
    """Base of a job whose database row is leased: subclasses set :attr:`kind`, :meth:`failure_message` and
    :meth:`run`; the job function calls :meth:`__call__` with the row's id."""

    #: The row's kind (``leases.register``).
    kind: leases.JobKind
    #: Columns of the row that the job's result reports besides its status.
    summary_fields: tuple[str, ...] = ("done", "total")

    def failure_message(self) -> str:
        """The Vietnamese error a failed run leaves on the row."""
        raise NotImplementedError

    def run(self, row, run: Run) -> dict:
        """The body: do the work under the lease (``run``), call ``run.finish`` and return the summary."""
        raise NotImplementedError

    def is_done(self, row) -> bool:
        """Whether the row needs no run (finished or failed)."""
        return row.status in ("finished", "failed")

    def before_claim(self, row) -> dict | None:
        """A summary to return instead of running (a row the job must refuse before taking its lease), or None."""
        return None


    def summary(self, status: str, row=None) -> dict:
        """``{"status": …, <summary_fields>: …}`` — from ``row``, else zeros."""
        return {"status": status, **{f: (getattr(row, f) if row is not None else 0) for f in self.summary_fields}}

    def __call__(self, row_id: int) -> dict:
        """Run the job of row ``row_id`` through its whole lifecycle; returns the summary."""
        model = self.kind.model
        with job_context():
            row = db.session.get(model, row_id)
            if row is None:
                return self.summary("missing")
            if self.is_done(row):
                return self.summary(row.status, row)
            refused = self.before_claim(row)
            if refused is not None:
                return refused
            token = leases.claim(model, row_id)
            if token is None:  # a live run holds it, or it ended meanwhile
                db.session.refresh(row)
                return self.summary(row.status, row)
            try:
                db.session.refresh(row)
                return self.run(row, Run(self.kind, row_id, token))
            except leases.LeaseLost:  # another run holds the row now: leave it, write nothing
                log.warning("%s %s: lease lost, this run stops", model.__tablename__, row_id)
                db.session.rollback()
                return self.summary("lost")
            except Exception:  # the row says what went wrong, in Vietnamese; the traceback goes to the log
                log.exception("%s %s failed", model.__tablename__, row_id)
                db.session.rollback()
                try:
                    released = leases.release(model, row_id, token, "failed", conn=db.session.connection(),
                                              error=self.failure_message(), **self.kind.fail_values)
                    if released and self.kind.on_failed is not None:  # committed with the failure: once
                        self.kind.on_failed(row_id)
                    db.session.commit()
                except Exception:  # the row must say "failed" even when the job's own note cannot be written
                    log.exception("%s %s: the failure's note was not written", model.__tablename__, row_id)
                    db.session.rollback()
                    released = leases.release(model, row_id, token, "failed", error=self.failure_message(),
                                              **self.kind.fail_values)
                if released:
                    self.kind.cleanup(row_id)
                return self.summary("failed")
