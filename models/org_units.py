"""Org tree aggregate: units of the city, and the restructuring events that shaped them.

The adjacency list (``parent_id``) is the truth; ``path`` (``/1/17/230/``) is a materialised copy kept
by ``app.services.org_units`` so that "the subtree of X" is one indexed prefix match on PostgreSQL and
SQLite alike. A unit is never deleted: restructuring closes it (``status = closed``) and records an
:class:`OrgEvent` that says what moved where (HN-3.9, HN-21.2).
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, and_, or_, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import TimestampMixin, utcnow

__all__ = [
    "EVENT_TYPES",
    "EVENT_UNIT_ROLES",
    "OrgEvent",
    "OrgEventUnit",
    "OrgUnit",
    "UNIT_STATUSES",
    "UNIT_TYPES",
    "STATUS_ACTIVE",
    "STATUS_CLOSED",
    "SUB_UNIT_TYPES",
    "Subtree",
    "unit_or_subtree",
]

#: Unit types (code -> Vietnamese label). The root of a city is always ``ubnd_tp``.
UNIT_TYPES = {
    "ubnd_tp": _l("UBND Thành phố"),
    "so_nganh": _l("Sở, ban, ngành"),
    "ubnd_huyen": _l("UBND cấp huyện"),
    "dvsn": _l("Đơn vị sự nghiệp công lập"),
    "phong_ban": _l("Phòng, ban, đơn vị trực thuộc"),
    "ubnd_xa": _l("UBND xã, phường, đặc khu"),
    "hoi": _l("Hội, tổ chức được giao nhiệm vụ"),
    "khac": _l("Khác"),
}
ROOT_TYPE = "ubnd_tp"
#: Unit types that are parts of an agency (phòng, ban, khoa, tổ …), never the employing agency itself: the
#: SYLL header's "Cơ quan, đơn vị sử dụng" and the line between a move inside a unit and one between agencies.
SUB_UNIT_TYPES = frozenset({"phong_ban"})

STATUS_ACTIVE = "active"
STATUS_CLOSED = "closed"
UNIT_STATUSES = {STATUS_ACTIVE: _l("Đang hoạt động"), STATUS_CLOSED: _l("Đã đóng")}

#: Restructuring event types (code -> Vietnamese label).
EVENT_TYPES = {
    "create": _l("Thành lập"),
    "update": _l("Cập nhật thông tin"),
    "rename": _l("Đổi tên"),
    "move": _l("Chuyển đơn vị cấp trên"),
    "merge": _l("Sáp nhập"),
    "consolidate": _l("Hợp nhất"),
    "split": _l("Chia tách"),
    "dissolve": _l("Giải thể"),
}

#: How a unit took part in an event (code -> Vietnamese label).
EVENT_UNIT_ROLES = {
    "subject": _l("Đơn vị được điều chỉnh"),
    "created": _l("Đơn vị mới thành lập"),
    "closed": _l("Đơn vị chấm dứt hoạt động"),
    "receiver": _l("Đơn vị tiếp nhận"),
    "moved": _l("Đơn vị trực thuộc được chuyển"),
    "old_parent": _l("Đơn vị cấp trên cũ"),
    "new_parent": _l("Đơn vị cấp trên mới"),
}

_json = JSON().with_variant(JSONB(), "postgresql")


class OrgUnit(TimestampMixin, Model):
    """One unit of the city's org tree (UBND TP, sở, UBND cấp huyện, phòng, xã/phường, ...)."""

    __tablename__ = "org_unit"
    __audited__ = True
    __table_args__ = (
        Index("ix_org_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        Index("ix_org_unit_parent_id_status", "parent_id", "status"),
        Index(
            "uq_org_unit_open_ma_dinh_danh",
            "ma_dinh_danh",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index(
            "ix_org_unit_search_key_trgm",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(100))
    unit_type: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_org_unit_parent_id")
    )
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    #: Lower-case, diacritic-free name + short name + code, for search (kept by the service).
    search_key: Mapped[str] = mapped_column(String(500), nullable=False)
    ma_dinh_danh: Mapped[str | None] = mapped_column(String(20))
    bien_che_quota: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=STATUS_ACTIVE)
    #: For a unit closed by merge/consolidation: the unit that took over its staff and sub-units.
    successor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_org_unit_successor_id")
    )

    parent = relationship("OrgUnit", remote_side=[id], foreign_keys=[parent_id], lazy="joined", innerjoin=False)
    successor = relationship("OrgUnit", remote_side=[id], foreign_keys=[successor_id])

    @property
    def is_open(self) -> bool:
        """True while the unit operates (not merged, consolidated, split or dissolved)."""
        return self.status == STATUS_ACTIVE

    @property
    def type_label(self) -> str:
        """Vietnamese label of the unit type."""
        return str(UNIT_TYPES.get(self.unit_type, self.unit_type))

    @property
    def status_label(self) -> str:
        """Vietnamese label of the status."""
        return str(UNIT_STATUSES.get(self.status, self.status))

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read from the materialised path."""
        return [int(p) for p in self.path.strip("/").split("/")[:-1]] if self.path else []

    def audit_org_unit_id(self) -> int:
        """A unit's changes show in its own scope."""
        return self.id

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Subtree:
    """The subtree of a unit (the unit and everything below it), named by its materialised path.

    THE subtree test: :meth:`covers` in Python, :meth:`condition` in SQL — a prefix match ``LIKE '/1/17/%'``
    served by ``ix_org_unit_path`` (``text_pattern_ops``). Paths are ``/``-terminated digits, so ``/1/17/``
    never covers ``/1/170/`` and there is nothing to escape. ``path`` may also be a SQL expression (another
    unit's path column) to test one unit against another inside a statement.
    """

    path: Any

    @classmethod
    def of(cls, unit: "OrgUnit") -> "Subtree":
        """The subtree of ``unit``."""
        return cls(unit.path)

    def covers(self, unit: "OrgUnit | str") -> bool:
        """True when ``unit`` (a unit or a path) lies inside this subtree (the root itself included)."""
        return (unit if isinstance(unit, str) else unit.path).startswith(self.path)

    def condition(self, column: Any = None):
        """SQL: ``column`` (default ``org_unit.path``) lies inside this subtree."""
        column = OrgUnit.path if column is None else column
        return column.like(self.path + "%")


def unit_or_subtree(unit_id: Any, path: Any, include_descendants: Any, *, id_column: Any = None,
                    path_column: Any = None):
    """SQL: a unit (``id_column``/``path_column``, default ``org_unit``) lies in the place of a grant — the
    subtree at ``path`` when ``include_descendants``, else the unit ``unit_id`` alone. The grant's values may
    be Python values (one indexed condition) or columns of a grant row (both branches, chosen per row)."""
    id_column = OrgUnit.id if id_column is None else id_column
    subtree = Subtree(path).condition(path_column)
    if include_descendants is True:
        return subtree
    if include_descendants is False:
        return id_column == unit_id
    return or_(and_(include_descendants.is_(True), subtree), and_(include_descendants.is_(False), id_column == unit_id))


class OrgEvent(Model):
    """A recorded restructuring decision (create, rename, move, merge, consolidate, split, dissolve)."""

    __tablename__ = "org_event"
    __table_args__ = (Index("ix_org_event_decision_date", "decision_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(20), nullable=False)
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[date | None] = mapped_column(Date)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_org_event_actor_id")
    )
    #: The actor's username frozen at the time of the event.
    actor_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: What the event did: before/after values, and the rows it moved per reference (see services).
    details: Mapped[dict] = mapped_column(_json, nullable=False, default=dict)

    units = relationship("OrgEventUnit", back_populates="event", cascade="all, delete-orphan")

    @property
    def type_label(self) -> str:
        """Vietnamese label of the event type."""
        return str(EVENT_TYPES.get(self.event_type, self.event_type))


class OrgEventUnit(Model):
    """Links an event to each unit that took part in it, with the unit's role in the event."""

    __tablename__ = "org_event_unit"
    __table_args__ = (Index("ix_org_event_unit_unit_id", "unit_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_event.id", name="fk_org_event_unit_event_id", ondelete="CASCADE"),
        nullable=False,
    )
    unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_org_event_unit_unit_id"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)

    event = relationship("OrgEvent", back_populates="units")
    unit = relationship("OrgUnit")

    @property
    def role_label(self) -> str:
        """Vietnamese label of the unit's role in the event."""
        return str(EVENT_UNIT_ROLES.get(self.role, self.role))
