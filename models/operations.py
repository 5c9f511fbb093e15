"""Maintenance notices (issue 20 item 4; HCM-4.2): Sở Nội vụ's administrators announce a maintenance window ahead
(start, end, message); every page shows it as a banner from ``MAINTENANCE_NOTICE_LEAD_HOURS`` before the start
until the end. A notice is cancelled, never deleted (``cancelled_at``); both changes are in the change log
(``__audited__``)."""

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import utcnow

__all__ = ["MaintenanceNotice"]


class MaintenanceNotice(Model):
    """One announced maintenance window."""

    __tablename__ = "maintenance_notice"
    __table_args__ = (
        # The banner's read: notices not cancelled whose end is still ahead (a handful of rows).
        Index("ix_maintenance_notice_ends_at", "ends_at"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey(
        "ab_user.id", name="fk_maintenance_notice_created_by_id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey(
        "ab_user.id", name="fk_maintenance_notice_cancelled_by_id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<MaintenanceNotice {self.id} {self.starts_at}–{self.ends_at}>"
