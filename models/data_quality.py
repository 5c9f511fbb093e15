"""Data quality (issue 17): the register of unclear or contradictory data on a file (HN-17.4) and the quarterly
data-quality reports an agency signs and submits to Sở Nội vụ (HN-21.6).

A :class:`DataIssue` names one item of the Sơ yếu lý lịch (a section key of ``app/services/personnel/syll.py``
and, when the reporter knows it, one field of it), says what is wrong, and is tracked from ``open`` to
``resolved`` (the data was corrected, or explained) or ``rejected`` (the data was right). Open issues count in the
quality figures (``app/services/reports/quality.py``).
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import utcnow

__all__ = ["ISSUE_STATUSES", "DataIssue", "QualityReport"]

#: Status -> label of a data issue.
ISSUE_STATUSES = {
    "open": _l("Đang chờ xử lý"),
    "resolved": _l("Đã xử lý"),
    "rejected": _l("Không chấp nhận"),
}


class DataIssue(Model):
    """One report of unclear or contradictory data on a file (HN-17.4)."""

    __tablename__ = "data_issue"
    __audited__ = True
    __table_args__ = (
        Index("ix_data_issue_person_status", "person_id", "status"),
        Index("ix_data_issue_status_reported", "status", "reported_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("person.id", name="fk_data_issue_person_id"),
                                           nullable=False)
    #: The unit of the file when the issue was reported (the audit trail's unit; scope follows the file).
    org_unit_id: Mapped[int] = mapped_column(Integer, ForeignKey("org_unit.id", name="fk_data_issue_org_unit_id"),
                                             nullable=False)
    #: A section key of the SYLL registry and, optionally, one of its fields.
    section: Mapped[str] = mapped_column(String(40), nullable=False)
    field: Mapped[str | None] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    #: open | resolved | rejected
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    reported_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_data_issue_reported_by_id"))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_data_issue_resolved_by_id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person = relationship("Person")
    reported_by = relationship("Account", foreign_keys=[reported_by_id])
    resolved_by = relationship("Account", foreign_keys=[resolved_by_id])


class QualityReport(Model):
    """The quarterly data-quality report of a unit (HN-21.6): its figures, the PDF signed by the head, and when it
    was submitted to Sở Nội vụ."""

    __tablename__ = "quality_report"
    __audited__ = True
    __audit_exclude__ = {"pdf"}
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "quarter", name="uq_quality_report_unit_quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(Integer, ForeignKey("org_unit.id", name="fk_quality_report_org_unit_id"),
                                             nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    quarter: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: The figures the PDF shows (JSON), as computed when it was signed.
    figures: Mapped[dict] = mapped_column(JSON, nullable=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_quality_report_signed_by_id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    org_unit = relationship("OrgUnit")
    signed_by = relationship("Account", foreign_keys=[signed_by_id])
