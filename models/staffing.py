"""Staffing aggregate (HN-3.1/3.2, HN-8.1, HCM-9.3): the quotas (biên chế) units are given and the catalogue of
job positions (vị trí việc làm) with the count approved per unit.

- :class:`UnitQuota` — the quota of a unit for a year and a kind (biên chế công chức, số lượng người làm việc,
  hợp đồng lao động), set by a decision (number, date). **Rows are never overwritten**: a new decision is a new
  row, and the quota in force on a day is the row of the latest decision dated on or before it (a window
  function). The service refuses a decision dated before the one in force, so the order of entry and the order
  of the decisions agree.
- :class:`JobPosition` — one position of the catalogue: its code, name, group (lãnh đạo quản lý, chuyên môn
  nghiệp vụ, hỗ trợ phục vụ) and the ngạch/CDNN it requires (a ``rank`` code of the national code lists).
  ``org_unit_id`` is None for the city's common catalogue (Sở Nội vụ), else the agency that owns the position.
  The code never changes once created: a person's current position is **linked by code**
  (``person.job_position_code``, item 30.3 of the SYLL) — no new column on ``person``.
- :class:`JobPositionQuota` — the count of a position approved for a unit, by decision, with the same history
  rule as the quotas.

A quota or a count given to a unit covers the people of its whole subtree (a sở's biên chế công chức covers
its phòng and chi cục); the reports count them that way.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import utcnow

__all__ = ["JobPosition", "JobPositionQuota", "POSITION_GROUPS", "QUOTA_KINDS", "UnitQuota"]

#: Kinds of quota (keys; labels in ``app/services/staffing.py``).
QUOTA_KINDS = ("cong_chuc", "so_nguoi_lam_viec", "hop_dong")
#: Groups of job positions (NĐ 62/2020, NĐ 106/2020): keys; labels in the service.
POSITION_GROUPS = ("lanh_dao", "chuyen_mon", "ho_tro")


class UnitQuota(Model):
    """One decision giving a unit its quota of one kind for one year (history: never updated)."""

    __tablename__ = "unit_quota"
    __audited__ = True
    __table_args__ = (
        Index("ix_unit_quota_unit_year_kind", "org_unit_id", "year", "kind", "decision_date", "id"),
        Index("ix_unit_quota_year", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_unit_quota_org_unit_id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    quota: Mapped[int] = mapped_column(Integer, nullable=False)
    decision_number: Mapped[str] = mapped_column(String(100), nullable=False)
    decision_date: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_unit_quota_created_by_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    org_unit = relationship("OrgUnit")


class JobPosition(Model):
    """One job position (vị trí việc làm) of the catalogue."""

    __tablename__ = "job_position"
    __audited__ = True
    __table_args__ = (
        Index("uq_job_position_code", "code", unique=True),
        Index("ix_job_position_org_unit", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The code people's files carry (``person.job_position_code``, 40 characters like it); never changes.
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    group: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The ngạch / chức danh nghề nghiệp the position requires (code list ``rank``); None: no particular one.
    rank_code: Mapped[str | None] = mapped_column(String(20))
    #: The agency owning the position; None for the city's common catalogue.
    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_job_position_org_unit_id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 nullable=False)

    org_unit = relationship("OrgUnit")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class JobPositionQuota(Model):
    """One decision approving the count of a position for a unit (history: never updated)."""

    __tablename__ = "job_position_quota"
    __audited__ = True
    __table_args__ = (
        Index("ix_job_position_quota_unit", "org_unit_id", "job_position_id", "decision_date", "id"),
        Index("ix_job_position_quota_position", "job_position_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_position_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("job_position.id", name="fk_job_position_quota_job_position_id"), nullable=False)
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_job_position_quota_org_unit_id"), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    decision_number: Mapped[str] = mapped_column(String(100), nullable=False)
    decision_date: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_job_position_quota_created_by_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    job_position = relationship("JobPosition")
    org_unit = relationship("OrgUnit")
