"""Cross-cutting column mixins shared by the aggregates."""

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Integer, String, Text, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["BackgroundJobMixin", "InForceMixin", "TimestampMixin", "utcnow"]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (evaluated per call, never at import)."""
    return datetime.now(UTC)


class TimestampMixin:
    """Adds ``created_at`` / ``updated_at`` columns, filled by the database session at flush time."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class InForceMixin:
    """A dated grant (role assignment, consent, delegation): ``valid_from``, ``valid_to`` (None: no end),
    ``revoked_at``. :meth:`in_force` is THE rule of "in force on this day", in Python and in SQL."""

    @hybrid_method
    def in_force(self, day: date) -> bool:
        """In force on ``day``: started, not past ``valid_to`` (the last day counts), not revoked."""
        return self.revoked_at is None and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @in_force.expression
    def in_force(cls, day: date):  # noqa: N805 - the SQL form receives the class (or an alias of it)
        """SQL form of :meth:`in_force` (a condition on the class or an ``aliased`` copy of it)."""
        return and_(cls.revoked_at.is_(None), cls.valid_from <= day,
                    or_(cls.valid_to.is_(None), cls.valid_to >= day))

    def is_valid_on(self, day: date) -> bool:
        """Same as :meth:`in_force` (kept for callers that read better this way)."""
        return self.in_force(day)


class BackgroundJobMixin:
    """The row of a background job a page follows (design.md §4): status queued → running → finished | failed
    (an export also → expired), progress (``done`` of ``total``), the error, the RQ job id ("inline" when run
    in-process) and its times.

    The row is the truth, not Redis: a run takes a lease (``lease_token``, ``attempts`` + 1) and renews
    ``heartbeat_at`` with every progress update; every update is conditional on the lease, so a run that lost
    it stops. ``jobs.reconcile`` fails or re-queues rows whose worker is gone (running with a stale heartbeat,
    queued with no RQ job). ``note`` tells the user why a row waits (e.g. the queue was unreachable).
    """

    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queue_job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Last sign of life of the run holding the lease (renewed with every progress update).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Runs started so far (a re-queued row is run again, finishing only what is left).
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: The lease of the run in progress (random); None when no run holds it.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    #: A Vietnamese note for the user while the row waits (queue unreachable, re-queued after a crash …).
    note: Mapped[str | None] = mapped_column(Text)

    def _progress(self) -> int:
        """Items dealt with so far (a job may count skipped ones too)."""
        return self.done

    @property
    def percent(self) -> int:
        """Progress 0–100 (100 once finished, even when there was nothing to do)."""
        if self.status == "finished":
            return 100
        return min(99, int(100 * self._progress() / self.total)) if self.total else 0
