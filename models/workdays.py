"""Working-day calendar: the overrides Sở Nội vụ administrators add on top of the ``holidays`` package.

A government notice can arrive late (an extra day off, a Saturday worked to pay back a swapped weekday), and
the package may lag behind it; each such notice becomes one row here. ``app/workdays.py`` layers the rows over
the package's Vietnamese calendar; a row always wins over the package for its day.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import utcnow

__all__ = ["OVERRIDE_KINDS", "OVERRIDE_OFF", "OVERRIDE_WORK", "WEEKDAY_NAMES", "WorkdayOverride"]

OVERRIDE_OFF = "off"
OVERRIDE_WORK = "work"

#: What an override makes of its day.
OVERRIDE_KINDS = {
    OVERRIDE_OFF: _l("Ngày nghỉ"),
    OVERRIDE_WORK: _l("Ngày làm việc"),
}

#: Monday … Sunday in Vietnamese (``app.workdays.weekday_name``).
WEEKDAY_NAMES = (
    _l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"),
)


class WorkdayOverride(Model):
    """One day made a day off (``off``) or a working day (``work``) by a notice, whatever the package says."""

    __tablename__ = "workday_override"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("day", name="uq_workday_override_day"),
        CheckConstraint("kind IN ('off', 'work')", name="ck_workday_override_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    #: ``off`` or ``work`` (:data:`OVERRIDE_KINDS`).
    kind: Mapped[str] = mapped_column(String(4), nullable=False)
    #: Why, with the notice that decided it ("Thông báo số …/TB-BNV ngày …").
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_workday_override_created_by_id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    created_by = relationship("Account", foreign_keys=[created_by_id])

    @property
    def kind_label(self) -> str:
        """The kind in Vietnamese."""
        return str(OVERRIDE_KINDS.get(self.kind, self.kind))

    @property
    def weekday_label(self) -> str:
        """The day of the week in Vietnamese ("Thứ Bảy")."""
        return str(WEEKDAY_NAMES[self.day.weekday()]) if self.day else ""

    def __str__(self) -> str:
        return f"{self.day.isoformat() if self.day else '?'} {self.kind}"
