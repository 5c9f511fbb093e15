"""Leases of job rows (issue 13, items 11–12): the database row is the truth of a background job, not Redis.

A run takes the row's lease (:func:`claim`: queued → running, or running with a stale heartbeat; ``attempts``
+ 1, a random ``lease_token``) and renews ``heartbeat_at`` with every progress update (:func:`beat`), each update
conditional on its token: a run that lost its lease (the reconciler gave the row to another run) gets
:class:`LeaseLost` and stops. :func:`release` ends the run (finished / failed) under the same condition.

:func:`dispatch` queues a row's job after the commit that wrote it, with RQ's failure callback
(:func:`on_job_failure`) so the row is told at once when RQ sees the job fail or abandoned; when Redis cannot be
reached the row stays queued with a Vietnamese note, for the reconciler (``jobs/reconcile.py``) to queue later.
Each job module registers its :class:`JobKind` (model, function, what to clean on failure, whether a dead run
may be re-queued) with :func:`register`; services queue a job by its dotted name (:func:`dispatch_named`, from
``app.services.errors.after_commit``), so they never import the job modules. The lifecycle of one run (claim,
progress, finish, failure) is ``jobs/runner.py``.
"""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, update

from app.extensions import db
from jobs import InlineJob
from jobs.base import job_context

__all__ = [
    "JobKind",
    "LeaseLost",
    "Heartbeat",
    "beat",
    "claim",
    "dispatch",
    "dispatch_named",
    "after_failure",
    "fail",
    "item_delay",
    "kind_of",
    "meta_progress",
    "on_job_failure",
    "register",
    "release",
    "requeue",
    "stale_before",
]

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The row's lease is held by another run (or the row ended meanwhile): this run must stop, writing nothing."""


@dataclass
class JobKind:
    """How the lease machinery treats the rows of one job function."""

    #: The model (a :class:`~models.mixins.BackgroundJobMixin` subclass).
    model: type
    #: Dotted path of the job function, called with the row's id (``rq.job.Job.func_name``).
    func_name: str
    job_timeout: int = 3600
    result_ttl: int = 24 * 3600
    #: ``retry_refusal(row, now)``: None when a dead run may be re-queued, else the Vietnamese reason it may not.
    retry_refusal: Callable[[Any, datetime], str | None] = field(default=lambda row, now: None)
    #: Extra column values written when the row fails (e.g. blank a passphrase).
    fail_values: dict = field(default_factory=dict)
    #: ``cleanup(row_id)``: remove what a dead or failed run left behind (partial files).
    cleanup: Callable[[int], None] = field(default=lambda row_id: None)
    #: ``on_failed(row_id)``: what the job writes in the session when its row fails (a notice to the requester);
    #: called once, by whoever marked the row failed, and committed with that change when it can be. None: nothing.
    on_failed: Callable[[int], None] | None = None
    #: ``rows()``: SQL condition on ``model`` selecting this kind's rows, when several kinds share one table
    #: (export_job: a unit's SYLLs, the people list …); None: every row of the table.
    rows: Callable[[], Any] | None = None

    def own_rows(self) -> list:
        """The WHERE conditions selecting this kind's rows (none when the kind has the table to itself)."""
        return [] if self.rows is None else [self.rows()]


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Declare a job function whose row is leased (called by the job modules at import)."""
    _KINDS[kind.func_name] = kind
    return kind


def kinds() -> list[JobKind]:
    """Every registered kind (of the job modules imported: the reconciler imports them all)."""
    return list(_KINDS.values())


def _function(func_name: str) -> Callable[..., Any]:
    """The function of a dotted path, its module imported by name — as RQ does; services name their jobs this way,
    so that they never import the job modules that import them."""
    module, _sep, name = func_name.rpartition(".")
    return getattr(importlib.import_module(module), name)


def kind_of(func_name: str) -> JobKind | None:
    """The kind of a job function's dotted path (its module imported, so registered), or None."""
    if func_name not in _KINDS and func_name.startswith("jobs."):
        try:
            _function(func_name)
        except (ImportError, AttributeError):
            return None
    return _KINDS.get(func_name)


def _now() -> datetime:
    return datetime.now(UTC)


def heartbeat_timeout() -> int:
    """Seconds without a heartbeat after which a running row's worker is taken for dead."""
    return int(current_app.config.get("JOB_HEARTBEAT_TIMEOUT_SECONDS", 180))


def stale_before(now: datetime | None = None) -> datetime:
    """Heartbeats older than this are stale."""
    return (now or _now()) - timedelta(seconds=heartbeat_timeout())


def item_delay() -> None:
    """Sleep ``JOB_ITEM_DELAY_SECONDS`` per item (0 by default; fault tests slow a job down to kill it mid-way)."""
    delay = float(current_app.config.get("JOB_ITEM_DELAY_SECONDS") or 0)
    if delay > 0:
        time.sleep(delay)


def _execute(stmt, conn=None):
    if conn is not None:
        return conn.execute(stmt)
    with db.engine.begin() as own:
        return own.execute(stmt)


def claim(model, row_id: int) -> str | None:
    """Take the lease of row ``row_id`` (its own transaction): a queued row, or a running one whose heartbeat is
    stale. Returns the token, or None when the row is finished, failed, or held by a live run."""
    token = uuid.uuid4().hex
    now = _now()
    result = _execute(
        update(model)
        .where(model.id == row_id, or_(model.status == "queued",
                                       and_(model.status == "running",
                                            or_(model.heartbeat_at.is_(None), model.heartbeat_at < stale_before(now)))))
        .values(status="running", lease_token=token, heartbeat_at=now, attempts=model.attempts + 1, error=None,
                note=None, finished_at=None, started_at=now))
    return token if result.rowcount else None


def beat(model, row_id: int, token: str, *, conn=None, **values) -> None:
    """Renew the heartbeat (and write ``values``) under the lease; LeaseLost when the lease is no longer ours.

    ``conn``: the caller's connection (the update joins its transaction), else a short transaction of its own.
    """
    result = _execute(update(model).where(model.id == row_id, model.lease_token == token, model.status == "running")
                      .values(heartbeat_at=_now(), **values), conn)
    if not result.rowcount:
        raise LeaseLost(f"{model.__tablename__} {row_id}")


def release(model, row_id: int, token: str, status: str, *, conn=None, **values) -> bool:
    """End the run holding ``token``: ``status`` (finished / failed), the lease dropped (in ``conn``'s transaction
    when given, else its own). False if it was lost."""
    now = _now()
    result = _execute(update(model).where(model.id == row_id, model.lease_token == token)
                      .values(status=status, lease_token=None, heartbeat_at=now, finished_at=now, **values), conn)
    return bool(result.rowcount)


class Heartbeat:
    """Beats at most every ``interval`` seconds (a quarter of the timeout, at most 10 s) unless forced."""

    def __init__(self, model, row_id: int, token: str):
        self.model, self.row_id, self.token = model, row_id, token
        self.interval = min(10.0, heartbeat_timeout() / 4)
        self.last = time.monotonic()

    def __call__(self, *, force: bool = False, **values) -> None:
        """Beat (with ``values``) if forced or due."""
        if force or time.monotonic() - self.last >= self.interval:
            beat(self.model, self.row_id, self.token, **values)
            self.last = time.monotonic()


def meta_progress(done: int, total: int) -> None:
    """Progress into the RQ job's ``meta`` (a convenience for RQ dashboards): best-effort, never fails the job —
    the row holds the progress the pages read. A Redis outage is logged and ignored."""
    try:
        from rq import get_current_job

        job = get_current_job()
        if job is not None:
            job.meta["progress"] = {"done": done, "total": total}
            job.save_meta()
    except Exception as exc:  # noqa: BLE001 - Redis down, timeouts …: the job goes on
        log.warning("progress not written to the RQ job (%s: %s)", type(exc).__name__, exc)


# --------------------------------------------------------------------------- queueing


def queue_note() -> str:
    """The note of a row that waits because the queue was unreachable."""
    return _("Hàng đợi việc nền tạm thời không truy cập được; yêu cầu đã được ghi lại và sẽ tự chạy khi hàng đợi "
             "hoạt động trở lại.")


def dispatch(kind: JobKind, row_id: int, func: Callable[[int], Any] | None = None, *, note: str | None = None):
    """Queue the job of row ``row_id`` (after the commit that wrote it): RQ with the failure callback, or run it
    now without Redis (the ``InlineJob``). When Redis cannot be reached the row stays queued with a note and
    None is returned — never an exception to the page. ``func``: the kind's function unless given."""
    model = kind.model
    func = func or _function(kind.func_name)
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        job = InlineJob(func(row_id))
        _execute(update(model).where(model.id == row_id).values(queue_job_id=job.id))
        return job
    from rq import Callback

    job_id = f"{model.__tablename__}-{row_id}-{uuid.uuid4().hex[:12]}"
    _execute(update(model).where(model.id == row_id).values(queue_job_id=job_id, heartbeat_at=_now()))
    try:
        job = queue.enqueue(func, row_id, job_id=job_id, job_timeout=kind.job_timeout, result_ttl=kind.result_ttl,
                            failure_ttl=7 * 24 * 3600, on_failure=Callback(on_job_failure))
    except Exception as exc:  # noqa: BLE001 - the row stays queued; the reconciler queues it when Redis is back
        log.warning("%s %s could not be queued (%s: %s); left queued for the reconciler",
                    model.__tablename__, row_id, type(exc).__name__, exc)
        _execute(update(model).where(model.id == row_id, model.status == "queued").values(note=queue_note()))
        return None
    _execute(update(model).where(model.id == row_id, model.status == "queued", model.queue_job_id == job_id)
             .values(note=note))
    return job


def dispatch_named(func_name: str, row_id: int):
    """:func:`dispatch` the leased job named by its dotted path (how services queue their jobs after the commit:
    ``after_commit(dispatch_named, "jobs.exports.export_unit_syll", row.id)``)."""
    kind = kind_of(func_name)
    if kind is None:
        raise LookupError(f"no leased job {func_name}")
    return dispatch(kind, row_id)


def fail(kind: JobKind, row_id: int, message: str, *, only_if: tuple[str, ...] = ("queued", "running")) -> bool:
    """Fail the row (whatever run holds it) with a Vietnamese ``message``; cleanup and ``fail_values`` applied."""
    model = kind.model
    now = _now()
    result = _execute(update(model).where(model.id == row_id, model.status.in_(only_if))
                      .values(status="failed", lease_token=None, error=message, note=None, finished_at=now,
                              **kind.fail_values))
    if result.rowcount:
        kind.cleanup(row_id)
        after_failure(kind, row_id)
    return bool(result.rowcount)


def after_failure(kind: JobKind, row_id: int) -> None:
    """``kind.on_failed(row_id)`` in a transaction of its own, after the row was marked failed elsewhere; logged and
    rolled back when it fails (the row's own state is what counts). Nothing (no commit) for a kind without one."""
    if kind.on_failed is None:
        return
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False  # the caller's loaded rows keep what it read (the reconciler compares them)
    try:
        kind.on_failed(row_id)
        session.commit()
    except Exception:  # noqa: BLE001 - the failure is recorded on the row already
        log.exception("%s %s: what follows the failure was not written", kind.model.__tablename__, row_id)
        session.rollback()
    finally:
        session.expire_on_commit = keep


def dead_worker_message() -> str:
    """Why a row failed after its worker died too often."""
    return _("Tiến trình nền bị dừng nhiều lần khi đang chạy việc này; hãy thử lại sau hoặc báo quản trị hệ thống.")


def requeue(kind: JobKind, row, func: Callable[[int], Any] | None = None, *, now: datetime | None = None,
            note: str | None = None) -> str:
    """Give a row whose run is gone to a new run: queued again (then dispatched) if it may be, else failed.

    Returns "requeued" or "failed" (or "" when the row changed meanwhile). The row's status and lease are
    compared and set in one statement, so two reconcilers never both take it.
    """
    model = kind.model
    now = now or _now()
    refusal = kind.retry_refusal(row, now)
    max_attempts = int(current_app.config.get("JOB_MAX_ATTEMPTS", 3))
    if refusal is None and row.attempts >= max_attempts:
        refusal = dead_worker_message()
    if refusal is not None:
        return "failed" if fail(kind, row.id, refusal) else ""
    same = [model.id == row.id, model.status == row.status]
    same.append(model.lease_token.is_(None) if row.lease_token is None else model.lease_token == row.lease_token)
    same.append(model.heartbeat_at.is_(None) if row.heartbeat_at is None else model.heartbeat_at == row.heartbeat_at)
    note = note or _("Tiến trình nền bị dừng giữa chừng; việc được xếp hàng chạy tiếp phần còn lại.")
    result = _execute(update(model).where(*same).values(status="queued", lease_token=None, heartbeat_at=now,
                                                        note=note))
    if not result.rowcount:
        return ""
    kind.cleanup(row.id)
    job = dispatch(kind, row.id, func, note=note)
    if job is not None and isinstance(job, InlineJob):
        return "finished"
    return "requeued"


def on_job_failure(job, connection, exc_type, exc_value, tb) -> None:  # noqa: ARG001 - RQ's signature
    """RQ's failure callback (``enqueue(on_failure=Callback(on_job_failure))``): tell the row at once.

    A job RQ found abandoned (its worker died: ``AbandonedJobError``) is given to a new run when it may be
    (:func:`requeue`); any other failure (timeout, an error the job did not handle) fails the row. Only the RQ
    job the row points at may change it, and only while it is queued or running.
    """
    from rq.exceptions import AbandonedJobError

    try:
        with job_context():
            kind = kind_of(job.func_name)
            if kind is None or not job.args:
                return
            row = db.session.get(kind.model, int(job.args[0]))
            if row is None or row.queue_job_id != job.id or row.status not in ("queued", "running"):
                return
            log.warning("%s %s: RQ job %s failed (%s)", kind.model.__tablename__, row.id, job.id,
                        getattr(exc_type, "__name__", exc_type))
            if exc_type is AbandonedJobError or isinstance(exc_value, AbandonedJobError):
                requeue(kind, row)
            else:
                fail(kind, row.id, _("Việc nền bị dừng do lỗi hệ thống hoặc quá thời gian cho phép; hãy thử lại "
                                     "sau hoặc báo quản trị hệ thống."))
            db.session.rollback()
    except Exception:  # noqa: BLE001 - a callback must never take the worker down
        log.exception("failure callback of RQ job %s", getattr(job, "id", "?"))
