"""Compliance per unit (HN-21.3, HN-17.5, HN-18.3): how complete and how timely each unit's files are.

For each row unit (by default the level-2 units — sở, ban, ngành, UBND cấp huyện — or, for a user whose
scope is narrower, the top units of that scope; ``unit_id`` drills down to a unit's children plus a row for
the people attached to the unit itself):

- people in force (status ``active`` / ``suspended``) in the unit's subtree;
- files complete: completeness ≥ ``COMPLETENESS_THRESHOLD`` (default 100), and their share;
- change sets approved in the last 12 months, and the share approved on time: the Việt Nam date of the
  decision is on or before the due date of the submission's final step (a step without a due date is on
  time);
- pending approval steps, and those overdue (due date before the day);
- people in force without a personal account;
- moves (issue 16) still open past their deadline, counted in the unit the file sits in;
- updates sent late in the last 12 months: submitted after the update deadline that the day of the change
  started (HN-6.3, HCM-7.2c; issue 16);
- the national sync (HN-21.3 counts sync completion; issue 18): of the versions approved in the last 12 months
  (superseded ones left out), the share the national database accepted by their deadline (ND27-SYNC), and the
  versions not delivered past their deadline now.

Everything is scoped to the units whose files the user may read (``app/security/scope.py``), and the table
is **one** grouped statement: per-unit aggregates of person, change set and approval step (UNION ALL), rolled
up to the row units — on PostgreSQL by the row's id read from each unit's materialised path (a hash join),
elsewhere by a prefix match. Sorting is done by the same statement (``?sort=people``, ``-overdue`` …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, case, cast, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services.errors import NotFoundError
from app.services.national_sync.outbox import now as sync_now
from app.services.personnel.people import ACTIVE_STATUSES
from models.approvals import ApprovalStep
from models.national_sync import OPEN_ITEM_STATUSES, SyncItem
from models.org_units import STATUS_ACTIVE, OrgUnit, Subtree
from models.personnel import ChangeSet, Person
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

__all__ = ["COLUMNS", "SORT_KEYS", "ComplianceRow", "ComplianceTable", "compliance_table", "local_date"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MEASURES = ("people", "complete", "no_account", "approved", "on_time", "pending", "overdue", "moves_overdue",
            "late_updates", "sync_items", "sync_on_time", "sync_overdue")

#: Sortable columns: key -> header (the page's column order).
COLUMNS = {
    "name": _l("Đơn vị"),
    "people": _l("Số người đang công tác"),
    "complete_pct": _l("Tỷ lệ hồ sơ đầy đủ"),
    "approved": _l("Đề nghị đã duyệt (12 tháng)"),
    "on_time_pct": _l("Tỷ lệ duyệt đúng hạn"),
    "pending": _l("Bước đang chờ xử lý"),
    "overdue": _l("Bước quá hạn"),
    "no_account": _l("Chưa có tài khoản"),
    "moves_overdue": _l("Điều động quá hạn"),
    "late_updates": _l("Cập nhật trễ hạn (12 tháng)"),
    "sync_pct": _l("Đồng bộ CSDL quốc gia đúng hạn (12 tháng)"),
    "sync_overdue": _l("Quá hạn đồng bộ CSDL quốc gia"),
}
SORT_KEYS = tuple(COLUMNS)


def local_date(column):
    """SQL: the Việt Nam calendar date of a timezone-aware timestamp column (UTC+7, no daylight saving)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Ho_Chi_Minh", column), Date)
    return func.date(column, "+7 hours")


@dataclass(frozen=True)
class ComplianceRow:
    """One row: a unit's subtree (or, ``direct``, only the people attached to the unit itself)."""

    unit_id: int
    name: str
    ma_dinh_danh: str | None
    direct: bool
    has_children: bool
    people: int = 0
    complete: int = 0
    no_account: int = 0
    approved: int = 0
    on_time: int = 0
    pending: int = 0
    overdue: int = 0
    moves_overdue: int = 0
    late_updates: int = 0
    sync_items: int = 0
    sync_on_time: int = 0
    sync_overdue: int = 0

    @property
    def complete_pct(self) -> float | None:
        """Share of complete files, in percent (None without people)."""
        return round(100 * self.complete / self.people, 1) if self.people else None

    @property
    def on_time_pct(self) -> float | None:
        """Share of approvals on time, in percent (None without approvals)."""
        return round(100 * self.on_time / self.approved, 1) if self.approved else None

    @property
    def sync_pct(self) -> float | None:
        """Share of the 12 months' approved versions accepted nationally by their deadline (None without any)."""
        return round(100 * self.sync_on_time / self.sync_items, 1) if self.sync_items else None

    @property
    def drillable(self) -> bool:
        """True when the row can be opened to its children."""
        return self.has_children and not self.direct


@dataclass
class ComplianceTable:
    """The table of one level: its parent unit (None at the top), rows, the total and the sort."""

    parent: OrgUnit | None
    rows: list[ComplianceRow]
    total: ComplianceRow | None
    sort: str
    descending: bool
    day: date
    threshold: int
    #: (id, name, readable) of the parent's ancestors, root first, then the parent itself.
    trail: list[tuple[int, str, bool]] = field(default_factory=list)


def _since(day: date) -> datetime:
    """Start (UTC) of the 12 months ending on ``day``."""
    try:
        first = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        first = day.replace(year=day.year - 1, day=28)
    return datetime.combine(first + timedelta(days=1), time(), TZ).astimezone(UTC)


def _unit_stats(readable, day: date, threshold: int):
    """SELECT (unit_id, measures…) per unit of ``readable`` (a SELECT of unit ids; None: every unit), two rows
    a unit summed by the roll-up: the people (one pass over ``person``), and the last 12 months' approvals
    and the pending steps of its files.

    The final step of an approved change set is the step of its last round with no later step (an
    anti-join, cheaper than ranking the steps)."""
    since = _since(day)
    later = aliased(ApprovalStep, name="later")
    final = aliased(ApprovalStep, name="final")
    is_final = and_(final.change_set_id == ChangeSet.id, final.round == ChangeSet.round,
                    ~exists(select(literal(1)).where(later.change_set_id == final.change_set_id,
                                                     later.round == final.round, later.seq > final.seq)))
    on_time = or_(final.due_date.is_(None), local_date(ChangeSet.decided_at) <= final.due_date)
    zero, one = literal(0), literal(1)
    approvals = (
        select(ChangeSet.person_id.label("person_id"), one.label("approved"),
               case((on_time, 1), else_=0).label("on_time"), zero.label("pending"), zero.label("overdue"),
               zero.label("moves_overdue"), zero.label("late_updates"), zero.label("sync_items"),
               zero.label("sync_on_time"), zero.label("sync_overdue"))
        .select_from(ChangeSet).outerjoin(final, is_final)
        .where(ChangeSet.status == "approved", ChangeSet.decided_at >= since))
    steps = (
        select(ChangeSet.person_id, zero, zero, one, case((ApprovalStep.due_date < day, 1), else_=0), zero, zero, zero,
               zero, zero)
        .select_from(ApprovalStep).join(ChangeSet, ChangeSet.id == ApprovalStep.change_set_id)
        .where(ApprovalStep.status == "pending"))
    moves = (select(Transfer.person_id, zero, zero, zero, zero, one, zero, zero, zero, zero)
             .where(Transfer.status.in_(OPEN_TRANSFER_STATUSES), Transfer.due_date < day))
    late = (select(ChangeSet.person_id, zero, zero, zero, zero, zero, one, zero, zero, zero)
            .where(ChangeSet.submitted_at >= since, ChangeSet.update_due.is_not(None),
                   local_date(ChangeSet.submitted_at) > ChangeSet.update_due))
    recent, open_ = SyncItem.queued_at >= since, SyncItem.status.in_(OPEN_ITEM_STATUSES)
    sync = (select(SyncItem.person_id, zero, zero, zero, zero, zero, zero, case((recent, 1), else_=0),
                   case((and_(recent, SyncItem.status == "accepted", SyncItem.answered_at <= SyncItem.due_at), 1),
                        else_=0),
                   case((and_(open_, SyncItem.due_at < sync_now()), 1), else_=0))
            .where(SyncItem.status != "superseded", or_(recent, open_)))
    events = union_all(approvals, steps, moves, late, sync).subquery("events")
    active = Person.status.in_(ACTIVE_STATUSES)

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    people = (
        select(Person.org_unit_id.label("unit_id"), count_if(active).label("people"),
               count_if(and_(active, Person.completeness >= threshold)).label("complete"),
               count_if(and_(active, Person.account_id.is_(None))).label("no_account"),
               zero.label("approved"), zero.label("on_time"), zero.label("pending"), zero.label("overdue"),
               zero.label("moves_overdue"), zero.label("late_updates"), zero.label("sync_items"),
               zero.label("sync_on_time"), zero.label("sync_overdue"))
        .where(*([] if readable is None else [Person.org_unit_id.in_(readable)]))
        .group_by(Person.org_unit_id))
    owner = aliased(Person, name="owner")
    # ``owner`` needs only (id, org_unit_id): PostgreSQL reads them from ix_person_org_unit_sort (index-only).
    activity = (
        select(owner.org_unit_id, zero, zero, zero,
               *[func.sum(events.c[m]) for m in ("approved", "on_time", "pending", "overdue", "moves_overdue",
                                                 "late_updates", "sync_items", "sync_on_time", "sync_overdue")])
        .select_from(events).join(owner, owner.id == events.c.person_id)
        .where(*([] if readable is None else [owner.org_unit_id.in_(readable)]))
        .group_by(owner.org_unit_id))
    return union_all(people, activity).subquery("unit_stats")


def _sort_expression(rows, key: str):
    if key == "complete_pct":
        return rows.c.complete * 1.0 / func.nullif(rows.c.people, 0)
    if key == "on_time_pct":
        return rows.c.on_time * 1.0 / func.nullif(rows.c.approved, 0)
    if key == "sync_pct":
        return rows.c.sync_on_time * 1.0 / func.nullif(rows.c.sync_items, 0)
    return rows.c[key]


def _tops(user) -> tuple[list[int], list[int]]:
    """(subtree unit ids, single unit ids): the user's readable grants not inside another one."""
    grants = scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)
    subtree = [g for g in grants if g.include_descendants]
    tops_sub = {g.unit_id: g for g in subtree
                if not any(o.unit_id != g.unit_id and Subtree(o.unit_path).covers(g.unit_path) for o in subtree)}
    singles = {g.unit_id for g in grants if not g.include_descendants
               and not any(Subtree(o.unit_path).covers(g.unit_path) for o in subtree)}
    return list(tops_sub), sorted(singles - set(tops_sub))


def compliance_table(user, unit_id: int | None = None, sort: str = "name", *, day: date | None = None
                     ) -> ComplianceTable:
    """The compliance table ``user`` may read: the children of ``unit_id`` (plus its own people), or the top
    level. ``sort`` is a key of :data:`COLUMNS`, ``-`` first for descending; an unknown key sorts by name.
    Raises NotFoundError for a unit that does not exist or lies outside the user's scope."""
    from app.workflow import local_today

    day = day or local_today()
    threshold = int(current_app.config.get("COMPLETENESS_THRESHOLD", 100))
    descending = sort.startswith("-") if sort else False
    key = (sort or "name").lstrip("-")
    if key not in COLUMNS:
        key, descending = "name", False
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL)
    parent = None
    if unit_id is not None:
        parent = db.session.get(OrgUnit, unit_id)
        if parent is None or not scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, parent):
            raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
    else:
        subtree, singles = _tops(user)
        if len(subtree) == 1 and not singles:
            top = db.session.get(OrgUnit, subtree[0])
            if top is not None and top.parent_id is None:
                parent = top  # the city: its level-2 units
        if parent is None:
            return _table(None, subtree, singles, readable, day, threshold, key, descending)
    children = select(OrgUnit.id).where(OrgUnit.parent_id == parent.id, OrgUnit.status == STATUS_ACTIVE)
    if any(g.include_descendants and Subtree(g.unit_path).covers(parent)
           for g in scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)):
        # The whole subtree is readable: count it without a scope filter (the whole city: no filter at all).
        readable = None if parent.parent_id is None else select(OrgUnit.id).where(
            Subtree.of(parent).condition())
    else:
        children = children.where(OrgUnit.id.in_(readable))
    table = _table(parent, children, [parent.id], readable, day, threshold, key, descending)
    table.trail = _trail(user, parent)
    return table


def _trail(user, unit: OrgUnit) -> list[tuple[int, str, bool]]:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
    grants = scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)
    trail = []
    for i in ids:
        path = "/" + "/".join(str(x) for x in ids[:ids.index(i) + 1]) + "/"
        readable = any((g.include_descendants and Subtree(g.unit_path).covers(path)) or g.unit_id == i for g in grants)
        trail.append((i, names.get(i, str(i)), readable))
    return trail


def _fast_rollup() -> bool:
    """True on PostgreSQL: roll the units up by the id read from their path (``split_part``)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _table(parent: OrgUnit | None, subtree_ids, direct_ids: list[int], readable, day: date, threshold: int,
           key: str, descending: bool) -> ComplianceTable:
    """Run the one grouped statement for the row units (``subtree_ids``: SELECT or list; ``direct_ids``)."""
    stats = _unit_stats(readable, day, threshold)
    su = aliased(OrgUnit, name="su")
    sums = [func.sum(stats.c[m]).label(m) for m in MEASURES]
    if parent is not None and _fast_rollup():
        # Row = the child of ``parent`` on each unit's path (or the parent itself): a hash join on an id.
        depth = parent.path.count("/") + 1
        row_key = case((su.id == parent.id, parent.id),
                       else_=cast(func.nullif(func.split_part(su.path, "/", depth), ""), Integer))
        agg = (select(row_key.label("row_id"), *sums)
               .select_from(stats).join(su, su.id == stats.c.unit_id)
               .where(Subtree.of(parent).condition(su.path))
               .group_by(row_key).subquery("agg"))
    else:
        ru = aliased(OrgUnit, name="ru")
        in_subtree = ru.id.in_(subtree_ids) if not isinstance(subtree_ids, list) or subtree_ids else literal(False)
        covers = or_(and_(in_subtree, Subtree(ru.path).condition(su.path)),
                     and_(ru.id.in_(direct_ids or [-1]), su.id == ru.id))
        agg = (select(ru.id.label("row_id"), *sums)
               .select_from(stats).join(su, su.id == stats.c.unit_id).join(ru, covers)
               .group_by(ru.id).subquery("agg"))
    unit = aliased(OrgUnit, name="unit")
    child = aliased(OrgUnit, name="child")
    is_direct = unit.id.in_(direct_ids or [-1])
    in_rows = or_(unit.id.in_(subtree_ids) if not isinstance(subtree_ids, list) or subtree_ids else literal(False),
                  is_direct)
    measures = [func.coalesce(agg.c[m], 0).label(m) for m in MEASURES]
    rows = (select(unit.id.label("unit_id"), unit.name.label("name"), unit.ma_dinh_danh.label("ma_dinh_danh"),
                   is_direct.label("direct"),
                   exists(select(literal(1)).where(child.parent_id == unit.id)).label("has_children"), *measures)
            .select_from(unit).outerjoin(agg, agg.c.row_id == unit.id)
            .where(in_rows).subquery("rows"))
    order = _sort_expression(rows, key)
    order = order.desc() if descending else order.asc()
    result = db.session.execute(
        select(rows).order_by(order.nulls_last(), rows.c.name, rows.c.unit_id)).all()
    out = []
    for r in result:
        row = ComplianceRow(r.unit_id, r.name, r.ma_dinh_danh, bool(r.direct), bool(r.has_children),
                            *(int(getattr(r, m) or 0) for m in MEASURES))
        if row.direct and parent is not None and not any(getattr(row, m) for m in MEASURES):
            continue  # nobody attached to the parent itself: no row for it
        out.append(row)
    total = None
    if out:
        total = ComplianceRow(parent.id if parent else 0, _("Tổng cộng"), None, False, False,
                              *(sum(getattr(r, m) for r in out) for m in MEASURES))
    return ComplianceTable(parent, out, total, key, descending, day, threshold)
