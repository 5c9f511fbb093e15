"""Cross-cutting column mixins shared by the aggregates."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["TimestampMixin", "utcnow"]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (evaluated per call, never at import)."""
    return datetime.now(UTC)


class TimestampMixin:
    """Adds ``created_at`` / ``updated_at`` columns, filled by the database session at flush time."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )
