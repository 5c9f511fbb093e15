"""Transfers aggregate (điều động, luân chuyển, chuyển công tác; nghỉ hưu, thôi việc …): one row per move.

A :class:`Transfer` carries the decision (number, date, signer, effective date, the scanned decision as an
attachment of the file), where the person goes from and to, its kind, its deadline in working days from the
city profile, and who did each step and when. Its status is written only by
``app/services/transfers/states.py`` (one table of transitions, like the approval workflow's). Overdue is a
query (``due_date < today`` on an open move), never a stored flag. A person has at most one open move
(a partial unique index).
"""

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import utcnow

__all__ = ["OPEN_TRANSFER_STATUSES", "TRANSFER_KINDS", "Transfer"]

#: Kinds of move (keys; labels in the service).
TRANSFER_KINDS = ("within_unit", "between_agencies", "out_of_city", "into_city", "leaving")
#: A move in one of these statuses is still under way (the file is "đang chuyển").
OPEN_TRANSFER_STATUSES = ("recorded", "moved")

_OPEN = "status IN ('recorded', 'moved')"


class Transfer(Model):
    """One move of one person (or their arrival, or their leaving the service)."""

    __tablename__ = "transfer"
    __audited__ = True
    __table_args__ = (
        Index("ix_transfer_person", "person_id", "id"),
        Index("ix_transfer_from_unit", "from_unit_id", "status", "due_date"),
        Index("ix_transfer_to_unit", "to_unit_id", "status", "due_date"),
        Index("ix_transfer_status_due", "status", "due_date"),
        Index("ix_transfer_status_effective", "status", "effective_date"),
        # One open move per person.
        Index("uq_transfer_person_open", "person_id", unique=True,
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("person.id", name="fk_transfer_person_id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: recorded → (moved →) completed, or cancelled (``app/services/transfers/states.py``)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="recorded")
    from_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_transfer_from_unit_id"))
    to_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_transfer_to_unit_id"))
    #: Outside the city: the new employer (out of the city) or the former one (into the city).
    external_place: Mapped[str | None] = mapped_column(String(300))
    #: Leaving the service: the archive status it ends in (retired, resigned, contract_ended, dismissed, deceased).
    leave_status: Mapped[str | None] = mapped_column(String(20))
    #: The post in the new place (chức danh, chức vụ), appended to item 33.
    new_title: Mapped[str | None] = mapped_column(String(200))
    decision_number: Mapped[str] = mapped_column(String(100), nullable=False)
    decision_date: Mapped[date] = mapped_column(Date, nullable=False)
    decision_signer: Mapped[str | None] = mapped_column(String(200))
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: Into the city: the day the file was handed over (HN-12.2.2a counts from it).
    handover_date: Mapped[date | None] = mapped_column(Date)
    #: The scanned decision (an attachment of the person's file, kind "quyet_dinh").
    attachment_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("attachment.id", name="fk_transfer_attachment_id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    deadline_rule: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    #: The file version that recorded the move (item 33 and the new unit / status).
    version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("file_version.id", name="fk_transfer_version_id"))
    #: When the personal account's access was revoked (out of the city, leaving the service).
    access_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    recorded_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_transfer_recorded_by_id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    moved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_transfer_moved_by_id"))
    moved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_transfer_completed_by_id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_transfer_cancelled_by_id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 nullable=False)

    person = relationship("Person")
    from_unit = relationship("OrgUnit", foreign_keys=[from_unit_id])
    to_unit = relationship("OrgUnit", foreign_keys=[to_unit_id])
    attachment = relationship("Attachment")
    recorded_by = relationship("Account", foreign_keys=[recorded_by_id])
    moved_by = relationship("Account", foreign_keys=[moved_by_id])
    completed_by = relationship("Account", foreign_keys=[completed_by_id])
    cancelled_by = relationship("Account", foreign_keys=[cancelled_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER_STATUSES

    def audit_org_unit_id(self) -> int | None:
        """A move shows in the change log of the unit it leaves (or, for an arrival, the one it enters)."""
        return self.from_unit_id or self.to_unit_id
