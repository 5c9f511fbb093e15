"""Cross-cutting column mixins shared by the aggregates."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["BackgroundJobMixin", "TimestampMixin", "utcnow"]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (evaluated per call, never at import)."""
    return datetime.now(UTC)


class TimestampMixin:
    """Adds ``created_at`` / ``updated_at`` columns, filled by the database session at flush time."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class BackgroundJobMixin:
    """The row of a background job a page follows (design.md §4): status queued → running → finished | failed,
    progress (``done`` of ``total``), the error, the RQ job id ("inline" when run in-process) and its times."""

    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queue_job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def _progress(self) -> int:
        """Items dealt with so far (a job may count skipped ones too)."""
        return self.done

    @property
    def percent(self) -> int:
        """Progress 0–100 (100 once finished, even when there was nothing to do)."""
        if self.status == "finished":
            return 100
        return min(99, int(100 * self._progress() / self.total)) if self.total else 0
