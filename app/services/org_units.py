"""Org tree use cases: create, update/rename, move, merge, consolidate, split, dissolve (HN-3.9, HN-21.2).

Every restructuring is first *planned* (validated, nothing written) — the plan is what the preview
screens show — and then *applied* in one transaction that records an :class:`OrgEvent`. Units are
never deleted. Anything that references a unit (accounts now, people from the personnel aggregate on)
registers itself with :func:`register_unit_reference` and is carried along by every event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.services.errors import Errors, NotFoundError, ValidationError, use_case
from app.text import clean, search_key
from models.org_units import (
    ROOT_TYPE,
    STATUS_ACTIVE,
    STATUS_CLOSED,
    UNIT_TYPES,
    OrgEvent,
    OrgEventUnit,
    OrgUnit,
)

__all__ = [
    "Decision",
    "NewUnit",
    "RestructurePlan",
    "UnitData",
    "ancestors",
    "children",
    "consolidate_units",
    "create_unit",
    "dissolve_unit",
    "get_unit",
    "merge_units",
    "move_unit",
    "plan_consolidate",
    "plan_dissolve",
    "plan_merge",
    "plan_move",
    "plan_split",
    "rebuild_paths",
    "register_unit_reference",
    "search_units",
    "split_unit",
    "subtree_ids",
    "unit_history",
    "update_unit",
    "validate_code",
]

#: Accepted shapes of a mã định danh (QĐ 20/2020/QĐ-TTg, amended QĐ 09/2025; domain.md §4).
CODE_PATTERNS = (
    re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"),  # 2020 form, 4 levels: 000.00.00.H29
    re.compile(r"^[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"),  # older 3-level form: 00.09.H29
    re.compile(r"^[A-Z][0-9]{2}(\.[0-9]{2,3}){1,4}$"),  # post-2025 dotted-forward form: H01.151.01
)

MAX_NAME = 255
MAX_SHORT_NAME = 100
MAX_ADDRESS = 500
MAX_DECISION_NUMBER = 100


# --------------------------------------------------------------------------- references carried along


@dataclass(frozen=True)
class UnitReference:
    """A column elsewhere that places a row in a unit (an account, a person ...)."""

    key: str
    label: Any
    column: InstrumentedAttribute


_REFERENCES: dict[str, UnitReference] = {}


def register_unit_reference(key: str, label: Any, column: InstrumentedAttribute) -> None:
    """Declare that rows with ``column`` = unit id belong to that unit and move with it."""
    _REFERENCES[key] = UnitReference(key, label, column)


def _register_builtin_references() -> None:
    from models.accounts import Account

    register_unit_reference("accounts", _l("Tài khoản"), Account.org_unit_id)


_register_builtin_references()


def _member_counts(unit_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each unit id, how many rows of each registered reference point at it (one query per reference)."""
    ids = list(unit_ids)
    counts: dict[int, dict[str, int]] = {uid: {} for uid in ids}
    if not ids:
        return counts
    for ref in _REFERENCES.values():
        rows = db.session.execute(
            select(ref.column, func.count()).where(ref.column.in_(ids)).group_by(ref.column)
        ).all()
        for uid, n in rows:
            counts[uid][ref.key] = n
    return counts


def reference_labels() -> dict[str, str]:
    """Translated label of each registered reference, for screens."""
    return {key: str(ref.label) for key, ref in _REFERENCES.items()}


# --------------------------------------------------------------------------- input values


@dataclass
class Decision:
    """The decision (quyết định) behind an event: number, signing date, effective date, note."""

    number: str | None = None
    date: date | None = None
    effective_date: date | None = None
    note: str | None = None

    @property
    def effective(self) -> date:
        """The day the change takes effect (the decision date when not given)."""
        return self.effective_date or self.date or date.today()


@dataclass
class UnitData:
    """Descriptive fields of a unit, as entered on a form or a command line."""

    name: str | None = None
    short_name: str | None = None
    unit_type: str | None = None
    parent_id: int | None = None
    ma_dinh_danh: str | None = None
    bien_che_quota: int | None = None
    address: str | None = None
    valid_from: date | None = None


@dataclass
class NewUnit:
    """A unit a plan will create; ``unit`` is filled when the plan is applied."""

    data: UnitData
    parent: OrgUnit
    unit: OrgUnit | None = None

    @property
    def name(self) -> str:
        """The name the new unit will have."""
        return clean(self.data.name)


Target = OrgUnit | NewUnit


@dataclass
class RestructurePlan:
    """What an event will do. Built by ``plan_*`` without writing; applied by the matching use case."""

    event_type: str
    decision: Decision
    subject: OrgUnit | None = None
    create: list[NewUnit] = field(default_factory=list)
    close: list[tuple[OrgUnit, Target | None]] = field(default_factory=list)
    child_moves: list[tuple[OrgUnit, Target]] = field(default_factory=list)
    member_moves: list[tuple[OrgUnit, Target, dict[str, int]]] = field(default_factory=list)
    receivers: list[OrgUnit] = field(default_factory=list)
    old_parent: OrgUnit | None = None

    @property
    def member_totals(self) -> dict[str, int]:
        """Rows moved per reference, summed over every source unit."""
        totals: dict[str, int] = {}
        for _src, _dst, counts in self.member_moves:
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
        return totals


# --------------------------------------------------------------------------- queries


def get_unit(unit_id: Any, *, field_name: str = "unit_id", open_only: bool = False) -> OrgUnit:
    """Load a unit by id or raise a translated :class:`NotFoundError` (also for a malformed id)."""
    try:
        uid = int(unit_id)
    except (TypeError, ValueError):
        uid = None
    unit = db.session.get(OrgUnit, uid) if uid is not None else None
    if unit is None:
        raise NotFoundError(_("Không tìm thấy đơn vị có mã %(id)s.", id=unit_id))
    if open_only and not unit.is_open:
        raise ValidationError({field_name: [_("Đơn vị %(name)s đã chấm dứt hoạt động.", name=unit.name)]})
    return unit


def subtree_ids(unit: OrgUnit, *, include_closed: bool = False):
    """A SELECT of the ids of ``unit`` and all its descendants: one prefix match on the indexed path."""
    stmt = select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%"))
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    return stmt


def children(parent_id: int | None, *, include_closed: bool = False, limit: int = 200, offset: int = 0):
    """Direct children of a unit (roots when ``parent_id`` is None), each with its count of open children.

    Two queries whatever the number of children: the page of children, then one grouped count.
    Returns ``(rows, has_more)`` where rows are ``(unit, child_count)``.
    """
    stmt = select(OrgUnit).where(
        OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id
    )
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    stmt = stmt.order_by(OrgUnit.status, OrgUnit.search_key, OrgUnit.id).offset(offset).limit(limit + 1)
    units = list(db.session.scalars(stmt))
    has_more = len(units) > limit
    units = units[:limit]
    counts = _child_counts([u.id for u in units], include_closed=include_closed)
    return [(u, counts.get(u.id, 0)) for u in units], has_more


def _child_counts(ids: list[int], *, include_closed: bool = False) -> dict[int, int]:
    if not ids:
        return {}
    stmt = select(OrgUnit.parent_id, func.count()).where(OrgUnit.parent_id.in_(ids)).group_by(OrgUnit.parent_id)
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    return dict(db.session.execute(stmt).all())


def search_units(query: str, *, limit: int = 20, include_closed: bool = False, within: OrgUnit | None = None):
    """Units whose name, short name or code contains ``query``, ignoring case and diacritics.

    ``"so noi vu"`` finds "Sở Nội vụ". At most ``limit`` rows, shallowest first.
    """
    key = search_key(query)
    if not key:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(OrgUnit).where(OrgUnit.search_key.like(pattern, escape="\\"))
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    if within is not None:
        stmt = stmt.where(OrgUnit.path.like(within.path + "%"))
    stmt = stmt.order_by(OrgUnit.level, OrgUnit.search_key, OrgUnit.id).limit(limit)
    return list(db.session.scalars(stmt))


def ancestors(units: Iterable[OrgUnit]) -> dict[int, OrgUnit]:
    """All ancestors of the given units, loaded in one query, keyed by id."""
    ids = {aid for u in units for aid in u.ancestor_ids}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}


def unit_history(unit: OrgUnit) -> list[tuple[OrgEvent, str]]:
    """Every event the unit took part in, newest first, with the unit's role in each."""
    rows = db.session.execute(
        select(OrgEvent, OrgEventUnit.role)
        .join(OrgEventUnit, OrgEventUnit.event_id == OrgEvent.id)
        .where(OrgEventUnit.unit_id == unit.id)
        .order_by(OrgEvent.effective_date.desc(), OrgEvent.id.desc())
    ).all()
    return [(event, role) for event, role in rows]


# --------------------------------------------------------------------------- validation helpers


def validate_code(code: str | None) -> str | None:
    """Normalise a mã định danh (trim, upper case); return None when empty. Raises nothing."""
    value = clean(code).upper()
    return value or None


def _code_is_valid(code: str) -> bool:
    return any(p.match(code) for p in CODE_PATTERNS)


def _check_decision(decision: Decision, errors: Errors, *, required: bool = True) -> None:
    number = clean(decision.number)
    if required and not number:
        errors.add("decision_number", _("Số quyết định là bắt buộc."))
    if len(number) > MAX_DECISION_NUMBER:
        errors.add("decision_number", _("Số quyết định dài quá %(max)s ký tự.", max=MAX_DECISION_NUMBER))
    if required and decision.date is None:
        errors.add("decision_date", _("Ngày quyết định là bắt buộc."))
    if decision.date and decision.effective_date and decision.effective_date < decision.date:
        errors.add("effective_date", _("Ngày hiệu lực không được trước ngày quyết định."))


def _check_unit_data(
    data: UnitData,
    errors: Errors,
    *,
    prefix: str = "",
    existing: OrgUnit | None = None,
    freed_codes: Iterable[str] = (),
    taken_codes: set[str] | None = None,
) -> None:
    """Validate descriptive fields; ``freed_codes`` are codes of units the same event closes."""
    name = clean(data.name)
    if not name:
        errors.add(prefix + "name", _("Tên đơn vị là bắt buộc."))
    elif len(name) > MAX_NAME:
        errors.add(prefix + "name", _("Tên đơn vị dài quá %(max)s ký tự.", max=MAX_NAME))
    if len(clean(data.short_name)) > MAX_SHORT_NAME:
        errors.add(prefix + "short_name", _("Tên viết tắt dài quá %(max)s ký tự.", max=MAX_SHORT_NAME))
    if len(clean(data.address)) > MAX_ADDRESS:
        errors.add(prefix + "address", _("Địa chỉ dài quá %(max)s ký tự.", max=MAX_ADDRESS))
    if data.unit_type not in UNIT_TYPES:
        errors.add(prefix + "unit_type", _("Loại đơn vị không hợp lệ."))
    if data.bien_che_quota is not None and (not isinstance(data.bien_che_quota, int) or data.bien_che_quota < 0):
        errors.add(prefix + "bien_che_quota", _("Chỉ tiêu biên chế phải là số nguyên không âm."))
    code = validate_code(data.ma_dinh_danh)
    if code:
        if not _code_is_valid(code):
            errors.add(
                prefix + "ma_dinh_danh",
                _(
                    "Mã định danh %(code)s không đúng định dạng của QĐ 20/2020/QĐ-TTg "
                    "(ví dụ 000.00.00.H29, 00.09.H29 hoặc H01.151.01).",
                    code=code,
                ),
            )
        elif code not in set(freed_codes):
            holder = db.session.scalar(
                select(OrgUnit).where(OrgUnit.ma_dinh_danh == code, OrgUnit.status == STATUS_ACTIVE)
            )
            if holder is not None and (existing is None or holder.id != existing.id):
                errors.add(
                    prefix + "ma_dinh_danh",
                    _(
                        "Mã định danh %(code)s đã được dùng cho đơn vị đang hoạt động %(name)s.",
                        code=code,
                        name=holder.name,
                    ),
                )
        if taken_codes is not None:
            if code in taken_codes:
                errors.add(
                    prefix + "ma_dinh_danh", _("Mã định danh %(code)s bị trùng trong cùng quyết định.", code=code)
                )
            taken_codes.add(code)


def _load_parent(parent_id: Any, errors: Errors, field_name: str = "parent_id") -> OrgUnit | None:
    """Load an open parent unit or record why it cannot be one."""
    try:
        return get_unit(parent_id, field_name=field_name, open_only=True)
    except NotFoundError:
        errors.add(field_name, _("Đơn vị cấp trên không tồn tại."))
    except ValidationError as exc:
        for msg in exc.messages:
            errors.add(field_name, msg)
    return None


def _load_open(unit_id: Any, errors: Errors, field_name: str) -> OrgUnit | None:
    try:
        return get_unit(unit_id, field_name=field_name, open_only=True)
    except NotFoundError as exc:
        errors.add(field_name, exc.messages[0])
    except ValidationError as exc:
        for msg in exc.messages:
            errors.add(field_name, msg)
    return None


def _inside(unit: OrgUnit, root: OrgUnit) -> bool:
    """True when ``unit`` is ``root`` or one of its descendants."""
    return unit.path.startswith(root.path)


def _open_children(unit: OrgUnit) -> list[OrgUnit]:
    stmt = (
        select(OrgUnit)
        .where(OrgUnit.parent_id == unit.id, OrgUnit.status == STATUS_ACTIVE)
        .order_by(OrgUnit.search_key, OrgUnit.id)
    )
    return list(db.session.scalars(stmt))


def _has_members(counts: dict[str, int]) -> bool:
    return any(counts.values())


# --------------------------------------------------------------------------- writers (no commit)


def _new_unit(data: UnitData, parent: OrgUnit | None, valid_from: date) -> OrgUnit:
    unit = OrgUnit(
        name=clean(data.name),
        short_name=clean(data.short_name) or None,
        unit_type=data.unit_type,
        level=(parent.level + 1) if parent else 1,
        parent_id=parent.id if parent else None,
        path="",
        search_key="",
        ma_dinh_danh=validate_code(data.ma_dinh_danh),
        bien_che_quota=data.bien_che_quota,
        address=clean(data.address) or None,
        valid_from=data.valid_from or valid_from,
        status=STATUS_ACTIVE,
    )
    _refresh_search_key(unit)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()
    return unit


def _refresh_search_key(unit: OrgUnit) -> None:
    unit.search_key = search_key(" ".join(x for x in (unit.name, unit.short_name, unit.ma_dinh_danh) if x))


def _move_subtree(unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Re-parent ``unit`` and rewrite path and level of its whole subtree with one UPDATE."""
    old_prefix = unit.path
    new_prefix = new_parent.path + f"{unit.id}/"
    delta = new_parent.level + 1 - unit.level
    unit.parent_id = new_parent.id
    db.session.flush()
    db.session.execute(
        update(OrgUnit)
        .where(OrgUnit.path.like(old_prefix + "%"))
        .values(
            path=literal(new_prefix) + func.substr(OrgUnit.path, len(old_prefix) + 1),
            level=OrgUnit.level + delta,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def _move_members(source: OrgUnit, target: OrgUnit) -> dict[str, int]:
    moved = {}
    for ref in _REFERENCES.values():
        result = db.session.execute(
            update(ref.column.class_)
            .where(ref.column == source.id)
            .values({ref.column.key: target.id})
            .execution_options(synchronize_session=False)
        )
        moved[ref.key] = result.rowcount
    return moved


def _record_event(plan: RestructurePlan, actor, details: dict, roles: list[tuple[OrgUnit, str]]) -> OrgEvent:
    event = OrgEvent(
        event_type=plan.event_type,
        decision_number=clean(plan.decision.number) or None,
        decision_date=plan.decision.date,
        effective_date=plan.decision.effective,
        note=clean(plan.decision.note) or None,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        details=details,
    )
    seen = set()
    for unit, role in roles:
        if (unit.id, role) in seen:
            continue
        seen.add((unit.id, role))
        event.units.append(OrgEventUnit(unit_id=unit.id, role=role))
    db.session.add(event)
    db.session.flush()
    return event


def _resolve(target: Target) -> OrgUnit:
    return target.unit if isinstance(target, NewUnit) else target


def _apply(plan: RestructurePlan, actor, extra_details: dict | None = None) -> OrgEvent:
    """Write a validated plan: close, create, move sub-units and members, record the event."""
    effective = plan.decision.effective
    roles: list[tuple[OrgUnit, str]] = []
    details: dict[str, Any] = dict(extra_details or {})
    # Close first, so a new unit may take over the code of a unit the same decision closes.
    for unit, _successor in plan.close:
        unit.status = STATUS_CLOSED
        unit.valid_to = effective
    db.session.flush()
    for new in plan.create:
        new.unit = _new_unit(new.data, new.parent, effective)
        roles.append((new.unit, "created"))
    for unit, successor in plan.close:
        if successor is not None:
            unit.successor_id = _resolve(successor).id
        roles.append((unit, "closed"))
    details["moved_units"] = []
    for child, target in plan.child_moves:
        dest = _resolve(target)
        details["moved_units"].append({"unit_id": child.id, "from": child.parent_id, "to": dest.id})
        roles.append((child, "moved"))
        _move_subtree(child, dest)
    details["moved_members"] = []
    for source, target, _counts in plan.member_moves:
        dest = _resolve(target)
        moved = _move_members(source, dest)
        details["moved_members"].append({"from": source.id, "to": dest.id, "counts": moved})
    for receiver in plan.receivers:
        roles.append((receiver, "receiver"))
    for new in plan.create:
        if new.unit is not None:
            details.setdefault("created_units", []).append(new.unit.id)
    if plan.subject is not None:
        roles.insert(0, (plan.subject, "subject"))
    return _record_event(plan, actor, details, roles)


# --------------------------------------------------------------------------- create / update


@use_case
def create_unit(data: UnitData, decision: Decision, actor=None) -> OrgUnit:
    """Create a unit under an open parent (or the city root when the tree is empty)."""
    errors = Errors()
    _check_decision(decision, errors)
    parent = None
    if data.parent_id not in (None, ""):
        parent = _load_parent(data.parent_id, errors)
    else:
        if data.unit_type != ROOT_TYPE:
            errors.add("parent_id", _("Đơn vị cấp trên là bắt buộc."))
        elif db.session.scalar(
            select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.status == STATUS_ACTIVE).limit(1)
        ):
            errors.add("parent_id", _("Cây tổ chức đã có đơn vị gốc; hãy chọn đơn vị cấp trên."))
    if parent is not None and data.unit_type == ROOT_TYPE:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    _check_unit_data(data, errors)
    errors.raise_if_any()
    plan = RestructurePlan("create", decision)
    unit = _new_unit(data, parent, decision.effective)
    if parent is None:
        plan.subject = unit
        _record_event(plan, actor, {"after": _snapshot(unit)}, [(unit, "created")])
    else:
        _record_event(plan, actor, {"after": _snapshot(unit)}, [(unit, "created"), (parent, "new_parent")])
    return unit


_EDITABLE = ("name", "short_name", "unit_type", "ma_dinh_danh", "bien_che_quota", "address", "valid_from")


def _snapshot(unit: OrgUnit) -> dict[str, Any]:
    values = {name: getattr(unit, name) for name in _EDITABLE}
    values["valid_from"] = unit.valid_from.isoformat() if unit.valid_from else None
    values["parent_id"] = unit.parent_id
    return values


@use_case
def update_unit(unit_id: Any, data: UnitData, decision: Decision, actor=None) -> OrgUnit:
    """Change a unit's descriptive fields; a change of name is recorded as a rename (đổi tên).

    A rename needs a decision number and date; other corrections may be recorded without one.
    """
    unit = get_unit(unit_id)
    errors = Errors()
    if not unit.is_open:
        errors.add("unit_id", _("Đơn vị %(name)s đã chấm dứt hoạt động; không thể sửa.", name=unit.name))
    renamed = clean(data.name) != unit.name
    _check_decision(decision, errors, required=renamed)
    if data.unit_type == ROOT_TYPE and unit.parent_id is not None:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    if unit.parent_id is None and data.unit_type != ROOT_TYPE:
        errors.add("unit_type", _("Đơn vị gốc phải có loại UBND Thành phố."))
    _check_unit_data(data, errors, existing=unit)
    errors.raise_if_any()
    before = _snapshot(unit)
    unit.name = clean(data.name)
    unit.short_name = clean(data.short_name) or None
    unit.unit_type = data.unit_type
    unit.ma_dinh_danh = validate_code(data.ma_dinh_danh)
    unit.bien_che_quota = data.bien_che_quota
    unit.address = clean(data.address) or None
    unit.valid_from = data.valid_from or unit.valid_from
    _refresh_search_key(unit)
    after = _snapshot(unit)
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changes:
        raise ValidationError({"name": [_("Không có thay đổi nào để lưu.")]})
    plan = RestructurePlan("rename" if renamed else "update", decision, subject=unit)
    _record_event(plan, actor, {"changes": changes}, [(unit, "subject")])
    return unit


# --------------------------------------------------------------------------- move


def plan_move(unit_id: Any, new_parent_id: Any, decision: Decision) -> RestructurePlan:
    """Validate moving a unit (with its subtree) under another parent; writes nothing."""
    errors = Errors()
    _check_decision(decision, errors)
    unit = _load_open(unit_id, errors, "unit_id")
    parent = _load_parent(new_parent_id, errors, "new_parent_id")
    if unit is not None and parent is not None:
        if unit.parent_id is None:
            errors.add("unit_id", _("Không thể chuyển đơn vị gốc của cây tổ chức."))
        elif _inside(parent, unit):
            errors.add(
                "new_parent_id",
                _(
                    "Không thể chuyển %(unit)s vào %(parent)s vì %(parent)s là chính nó hoặc đơn vị cấp dưới của nó.",
                    unit=unit.name,
                    parent=parent.name,
                ),
            )
        elif parent.id == unit.parent_id:
            errors.add("new_parent_id", _("Đơn vị đã trực thuộc %(parent)s.", parent=parent.name))
    errors.raise_if_any()
    plan = RestructurePlan("move", decision, subject=unit, old_parent=unit.parent)
    plan.child_moves.append((unit, parent))
    plan.receivers.append(parent)
    return plan


@use_case
def move_unit(unit_id: Any, new_parent_id: Any, decision: Decision, actor=None) -> OrgEvent:
    """Move a unit and its whole subtree under a new parent (cycles refused)."""
    plan = plan_move(unit_id, new_parent_id, decision)
    old_parent = plan.old_parent
    event = _apply(plan, actor, {"from": old_parent.id, "to": plan.receivers[0].id})
    db.session.add(OrgEventUnit(event_id=event.id, unit_id=old_parent.id, role="old_parent"))
    return event


# --------------------------------------------------------------------------- merge (sáp nhập)


def plan_merge(source_id: Any, target_id: Any, decision: Decision) -> RestructurePlan:
    """Validate merging unit A into unit B: A's sub-units and members go to B, A closes."""
    errors = Errors()
    _check_decision(decision, errors)
    source = _load_open(source_id, errors, "source_id")
    target = _load_open(target_id, errors, "target_id")
    if source is not None and target is not None:
        if source.id == target.id:
            errors.add("target_id", _("Đơn vị nhận sáp nhập phải khác đơn vị bị sáp nhập."))
        elif source.parent_id is None:
            errors.add("source_id", _("Không thể sáp nhập đơn vị gốc của cây tổ chức."))
        elif _inside(target, source):
            errors.add(
                "target_id",
                _("Không thể sáp nhập %(source)s vào đơn vị cấp dưới của chính nó.", source=source.name),
            )
    errors.raise_if_any()
    plan = RestructurePlan("merge", decision, subject=source)
    plan.close.append((source, target))
    plan.child_moves = [(child, target) for child in _open_children(source)]
    plan.member_moves.append((source, target, _member_counts([source.id])[source.id]))
    plan.receivers.append(target)
    return plan


@use_case
def merge_units(source_id: Any, target_id: Any, decision: Decision, actor=None) -> OrgEvent:
    """Merge (sáp nhập) A into B."""
    plan = plan_merge(source_id, target_id, decision)
    return _apply(plan, actor, {"source": plan.subject.id, "target": plan.receivers[0].id})


# --------------------------------------------------------------------------- consolidate (hợp nhất)


def plan_consolidate(source_ids: list[Any], new: UnitData, decision: Decision) -> RestructurePlan:
    """Validate consolidating A + B (+ ...) into a new unit C under ``new.parent_id``."""
    errors = Errors()
    _check_decision(decision, errors)
    sources: list[OrgUnit] = []
    for sid in dict.fromkeys(s for s in source_ids if s not in (None, "")):
        unit = _load_open(sid, errors, "source_ids")
        if unit is not None:
            if unit.parent_id is None:
                errors.add("source_ids", _("Không thể hợp nhất đơn vị gốc của cây tổ chức."))
            sources.append(unit)
    if len(sources) < 2 and not errors:
        errors.add("source_ids", _("Hợp nhất cần ít nhất hai đơn vị."))
    for a in sources:
        for b in sources:
            if a.id != b.id and _inside(b, a):
                errors.add(
                    "source_ids",
                    _("%(child)s là đơn vị cấp dưới của %(parent)s; không thể hợp nhất hai đơn vị này.",
                      child=b.name, parent=a.name),
                )
    parent = _load_parent(new.parent_id, errors, "parent_id")
    if parent is not None:
        for s in sources:
            if _inside(parent, s):
                errors.add(
                    "parent_id",
                    _("Đơn vị cấp trên của đơn vị mới không được nằm trong %(name)s, đơn vị sẽ chấm dứt.", name=s.name),
                )
    if new.unit_type == ROOT_TYPE:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    _check_unit_data(new, errors, freed_codes=[s.ma_dinh_danh for s in sources if s.ma_dinh_danh])
    errors.raise_if_any()
    target = NewUnit(new, parent)
    plan = RestructurePlan("consolidate", decision)
    plan.create.append(target)
    counts = _member_counts([s.id for s in sources])
    for s in sources:
        plan.close.append((s, target))
        plan.child_moves.extend((child, target) for child in _open_children(s))
        plan.member_moves.append((s, target, counts[s.id]))
    return plan


@use_case
def consolidate_units(source_ids: list[Any], new: UnitData, decision: Decision, actor=None) -> OrgEvent:
    """Consolidate (hợp nhất) several units into a new one; the sources close."""
    plan = plan_consolidate(source_ids, new, decision)
    return _apply(plan, actor, {"sources": [s.id for s, _t in plan.close]})


# --------------------------------------------------------------------------- split (chia tách)


def plan_split(
    source_id: Any,
    new_units: list[UnitData],
    child_targets: dict[Any, Any],
    members_target: Any,
    decision: Decision,
) -> RestructurePlan:
    """Validate splitting A into new units (≥ 2) under A's parent.

    ``child_targets`` maps each open sub-unit id of A to the index (0-based) of the new unit it joins;
    every sub-unit must be placed. ``members_target`` is the index of the new unit that receives A's
    accounts and people.
    """
    errors = Errors()
    _check_decision(decision, errors)
    source = _load_open(source_id, errors, "source_id")
    if source is None:
        errors.raise_if_any()
    if source.parent_id is None:
        errors.add("source_id", _("Không thể chia tách đơn vị gốc của cây tổ chức."))
    specs = [d for d in new_units if any(clean(getattr(d, f)) for f in ("name", "short_name", "ma_dinh_danh"))]
    if len(specs) < 2:
        errors.add("new_units", _("Chia tách cần ít nhất hai đơn vị mới."))
    taken: set[str] = set()
    for i, spec in enumerate(specs):
        if spec.unit_type == ROOT_TYPE:
            errors.add(f"new_units-{i}-unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
        _check_unit_data(
            spec, errors, prefix=f"new_units-{i}-",
            freed_codes=[source.ma_dinh_danh] if source.ma_dinh_danh else [], taken_codes=taken,
        )
    kids = _open_children(source)
    targets = [NewUnit(spec, source.parent) for spec in specs]

    def pick(raw: Any, field_name: str, label: str) -> NewUnit | None:
        try:
            idx = int(raw)
        except (TypeError, ValueError):
            idx = -1
        if 0 <= idx < len(targets):
            return targets[idx]
        errors.add(field_name, _("Hãy chọn đơn vị mới tiếp nhận %(what)s.", what=label))
        return None

    wanted = {str(k): v for k, v in (child_targets or {}).items()}
    known = {str(c.id) for c in kids}
    for extra in sorted(set(wanted) - known):
        errors.add(
            "child_targets",
            _("Đơn vị %(id)s không phải đơn vị trực thuộc đang hoạt động của đơn vị bị chia tách.", id=extra),
        )
    plan = RestructurePlan("split", decision, subject=source)
    for child in kids:
        target = pick(wanted.get(str(child.id)), f"child-{child.id}", child.name)
        if target is not None:
            plan.child_moves.append((child, target))
    counts = _member_counts([source.id])[source.id]
    if _has_members(counts) or members_target not in (None, ""):
        target = pick(members_target, "members_target", str(_l("tài khoản và nhân sự trực thuộc")))
        if target is not None:
            plan.member_moves.append((source, target, counts))
    errors.raise_if_any()
    plan.create = targets
    plan.close.append((source, None))
    return plan


@use_case
def split_unit(
    source_id: Any,
    new_units: list[UnitData],
    child_targets: dict[Any, Any],
    members_target: Any,
    decision: Decision,
    actor=None,
) -> OrgEvent:
    """Split (chia tách) A into new units; A closes."""
    plan = plan_split(source_id, new_units, child_targets, members_target, decision)
    return _apply(plan, actor, {"source": plan.subject.id})


# --------------------------------------------------------------------------- dissolve (giải thể)


def plan_dissolve(source_id: Any, receiver_id: Any, decision: Decision) -> RestructurePlan:
    """Validate dissolving a unit. Its open sub-units and members need a receiving unit."""
    errors = Errors()
    _check_decision(decision, errors)
    source = _load_open(source_id, errors, "source_id")
    receiver = None
    if receiver_id not in (None, ""):
        receiver = _load_open(receiver_id, errors, "receiver_id")
    if source is None:
        errors.raise_if_any()
    if source.parent_id is None:
        errors.add("source_id", _("Không thể giải thể đơn vị gốc của cây tổ chức."))
    if receiver is not None and _inside(receiver, source):
        errors.add(
            "receiver_id",
            _("Đơn vị tiếp nhận không được là %(name)s hoặc đơn vị cấp dưới của nó.", name=source.name),
        )
    kids = _open_children(source)
    counts = _member_counts([source.id])[source.id]
    if receiver is None and (kids or _has_members(counts)):
        errors.add(
            "receiver_id",
            _(
                "%(name)s còn %(units)s đơn vị trực thuộc và %(members)s tài khoản/nhân sự; hãy chọn đơn vị tiếp nhận.",
                name=source.name,
                units=len(kids),
                members=sum(counts.values()),
            ),
        )
    errors.raise_if_any()
    plan = RestructurePlan("dissolve", decision, subject=source)
    plan.close.append((source, None))
    if receiver is not None:
        plan.receivers.append(receiver)
        plan.child_moves = [(child, receiver) for child in kids]
        plan.member_moves.append((source, receiver, counts))
    return plan


@use_case
def dissolve_unit(source_id: Any, receiver_id: Any, decision: Decision, actor=None) -> OrgEvent:
    """Dissolve (giải thể) a unit; it closes and stays readable in the history."""
    plan = plan_dissolve(source_id, receiver_id, decision)
    return _apply(plan, actor, {"source": plan.subject.id})


# --------------------------------------------------------------------------- maintenance


@use_case
def rebuild_paths() -> int:
    """Recompute every unit's path and level from ``parent_id`` (repair tool); returns rows changed.

    Loads (id, parent_id, path, level) only — four integers/strings per unit — level by level.
    """
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.path, OrgUnit.level)).all()
    by_parent: dict[int | None, list[tuple[int, str, int]]] = {}
    for uid, pid, path, level in rows:
        by_parent.setdefault(pid, []).append((uid, path, level))
    changed: list[dict[str, Any]] = []
    stack: list[tuple[int | None, str, int]] = [(None, "/", 0)]
    while stack:
        pid, prefix, depth = stack.pop()
        for uid, path, level in by_parent.get(pid, []):
            want = f"{prefix}{uid}/"
            if want != path or level != depth + 1:
                changed.append({"b_id": uid, "b_path": want, "b_level": depth + 1})
            stack.append((uid, want, depth + 1))
    if changed:
        from sqlalchemy import bindparam

        db.session.execute(
            update(OrgUnit.__table__)
            .where(OrgUnit.__table__.c.id == bindparam("b_id"))
            .values(path=bindparam("b_path"), level=bindparam("b_level")),
            changed,
        )
    return len(changed)
