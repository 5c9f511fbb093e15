"""Audit aggregate: the change log (every insert/update/delete of audited models) and the access log."""

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import utcnow

__all__ = ["AccessLog", "ChangeLog"]

_json = JSON().with_variant(JSONB(), "postgresql")


class ChangeLog(Model):
    """One audited change, written by a before_flush listener in the same transaction as the change."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_object", "object_type", "object_id"),
        Index("ix_change_log_time", "time"),
        Index("ix_change_log_org_unit_id", "org_unit_id"),
        Index("ix_change_log_user_name_time", "user_name", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str | None] = mapped_column(String(128))
    request_id: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    object_type: Mapped[str] = mapped_column(String(60), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(40))
    object_repr: Mapped[str | None] = mapped_column(String(255))
    #: The unit the object belongs to, so a unit's administrators see their subtree's changes.
    org_unit_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(_json)
    after: Mapped[dict | None] = mapped_column(_json)
    reason: Mapped[str | None] = mapped_column(String(500))


class AccessLog(Model):
    """Reads, exports, prints, downloads and security events (login, failure, lockout, role change, denial)."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_time", "time"),
        Index("ix_access_log_event", "event", "time"),
        Index("ix_access_log_user_id", "user_id", "time"),
        Index("ix_access_log_org_unit_id", "org_unit_id"),
        Index("ix_access_log_user_name_time", "user_name", "time"),
        Index("ix_access_log_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(30), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(40))
    org_unit_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict | None] = mapped_column(_json)
