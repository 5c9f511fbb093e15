"""Org tree use cases: one public function = one use case = one transaction (HN-3.9, HN-21.2)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.request_input import parse_int
from app.services.errors import AfterCommit, Errors, ValidationError, after_commit, use_case
from app.services.org_units.queries import get_unit
from app.services.org_units.references import member_counts, people_of_unit
from app.services.org_units.validation import (
    check_decision,
    check_unit_data,
    has_members,
    is_inside,
    load_open,
    load_parent,
    open_children,
    validate_code,
)
from app.services.org_units.values import Decision, NewUnit, RestructurePlan, UnitData
from app.services.org_units.writers import apply_plan, new_unit, record_event, refresh_search_key, require_org_write
from app.text import clean
from jobs import enqueue
from models.org_units import (
    ROOT_TYPE,
    STATUS_ACTIVE,
    OrgEvent,
    OrgEventUnit,
    OrgUnit,
)

__all__ = [
    "consolidate_units",
    "create_unit",
    "dissolve_unit",
    "merge_units",
    "move_unit",
    "plan_consolidate",
    "plan_dissolve",
    "plan_merge",
    "plan_move",
    "plan_split",
    "rebuild_paths",
    "request_rebuild_paths",
    "split_unit",
    "update_unit",
]


# --------------------------------------------------------------------------- create / update


@use_case
def create_unit(data: UnitData, decision: Decision, actor=None) -> OrgUnit:
    """Create a unit under an open parent (or the city root when the tree is empty)."""
    errors = Errors()
    check_decision(decision, errors)
    parent = None
    if data.parent_id not in (None, ""):
        parent = load_parent(data.parent_id, errors)
    else:
        if data.unit_type != ROOT_TYPE:
            errors.add("parent_id", _("Đơn vị cấp trên là bắt buộc."))
        elif db.session.scalar(
            select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.status == STATUS_ACTIVE).limit(1)
        ):
            errors.add("parent_id", _("Cây tổ chức đã có đơn vị gốc; hãy chọn đơn vị cấp trên."))
    if parent is not None and data.unit_type == ROOT_TYPE:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    check_unit_data(data, errors)
    errors.raise_if_any()
    require_org_write(actor, [parent])
    plan = RestructurePlan("create", decision)
    unit = new_unit(data, parent, decision.effective)
    if parent is None:
        plan.subject = unit
        record_event(plan, actor, {"after": _snapshot(unit)}, [(unit, "created")])
    else:
        record_event(plan, actor, {"after": _snapshot(unit)}, [(unit, "created"), (parent, "new_parent")])
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
    check_decision(decision, errors, required=renamed)
    if data.unit_type == ROOT_TYPE and unit.parent_id is not None:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    if unit.parent_id is None and data.unit_type != ROOT_TYPE:
        errors.add("unit_type", _("Đơn vị gốc phải có loại UBND Thành phố."))
    check_unit_data(data, errors, existing=unit)
    errors.raise_if_any()
    require_org_write(actor, [unit])
    before = _snapshot(unit)
    unit.name = clean(data.name)
    unit.short_name = clean(data.short_name) or None
    unit.unit_type = data.unit_type
    unit.ma_dinh_danh = validate_code(data.ma_dinh_danh)
    unit.bien_che_quota = data.bien_che_quota
    unit.address = clean(data.address) or None
    unit.valid_from = data.valid_from or unit.valid_from
    refresh_search_key(unit)
    after = _snapshot(unit)
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changes:
        raise ValidationError({"name": [_("Không có thay đổi nào để lưu.")]})
    plan = RestructurePlan("rename" if renamed else "update", decision, subject=unit)
    record_event(plan, actor, {"changes": changes}, [(unit, "subject")])
    return unit


# --------------------------------------------------------------------------- move


def plan_move(unit_id: Any, new_parent_id: Any, decision: Decision) -> RestructurePlan:
    """Validate moving a unit (with its subtree) under another parent; writes nothing."""
    errors = Errors()
    check_decision(decision, errors)
    unit = load_open(unit_id, errors, "unit_id")
    parent = load_parent(new_parent_id, errors, "new_parent_id")
    if unit is not None and parent is not None:
        if unit.parent_id is None:
            errors.add("unit_id", _("Không thể chuyển đơn vị gốc của cây tổ chức."))
        elif is_inside(parent, unit):
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
    event = apply_plan(plan, actor, {"from": old_parent.id, "to": plan.receivers[0].id})
    db.session.add(OrgEventUnit(event_id=event.id, unit_id=old_parent.id, role="old_parent"))
    return event


# --------------------------------------------------------------------------- merge (sáp nhập)


def plan_merge(source_id: Any, target_id: Any, decision: Decision) -> RestructurePlan:
    """Validate merging unit A into unit B: A's sub-units and members go to B, A closes."""
    errors = Errors()
    check_decision(decision, errors)
    source = load_open(source_id, errors, "source_id")
    target = load_open(target_id, errors, "target_id")
    if source is not None and target is not None:
        if source.id == target.id:
            errors.add("target_id", _("Đơn vị nhận sáp nhập phải khác đơn vị bị sáp nhập."))
        elif source.parent_id is None:
            errors.add("source_id", _("Không thể sáp nhập đơn vị gốc của cây tổ chức."))
        elif is_inside(target, source):
            errors.add(
                "target_id",
                _("Không thể sáp nhập %(source)s vào đơn vị cấp dưới của chính nó.", source=source.name),
            )
    errors.raise_if_any()
    plan = RestructurePlan("merge", decision, subject=source)
    plan.close.append((source, target))
    plan.child_moves = [(child, target) for child in open_children(source)]
    plan.member_moves.append((source, target, member_counts([source.id])[source.id]))
    plan.receivers.append(target)
    return plan


@use_case
def merge_units(source_id: Any, target_id: Any, decision: Decision, actor=None) -> OrgEvent:
    """Merge (sáp nhập) A into B."""
    plan = plan_merge(source_id, target_id, decision)
    return apply_plan(plan, actor, {"source": plan.subject.id, "target": plan.receivers[0].id})


# --------------------------------------------------------------------------- consolidate (hợp nhất)


def plan_consolidate(source_ids: list[Any], new: UnitData, decision: Decision) -> RestructurePlan:
    """Validate consolidating A + B (+ ...) into a new unit C under ``new.parent_id``."""
    errors = Errors()
    check_decision(decision, errors)
    sources: list[OrgUnit] = []
    for sid in dict.fromkeys(s for s in source_ids if s not in (None, "")):
        unit = load_open(sid, errors, "source_ids")
        if unit is not None:
            if unit.parent_id is None:
                errors.add("source_ids", _("Không thể hợp nhất đơn vị gốc của cây tổ chức."))
            sources.append(unit)
    if len(sources) < 2 and not errors:
        errors.add("source_ids", _("Hợp nhất cần ít nhất hai đơn vị."))
    for a in sources:
        for b in sources:
            if a.id != b.id and is_inside(b, a):
                errors.add(
                    "source_ids",
                    _("%(child)s là đơn vị cấp dưới của %(parent)s; không thể hợp nhất hai đơn vị này.",
                      child=b.name, parent=a.name),
                )
    parent = load_parent(new.parent_id, errors, "parent_id")
    if parent is not None:
        for s in sources:
            if is_inside(parent, s):
                errors.add(
                    "parent_id",
                    _("Đơn vị cấp trên của đơn vị mới không được nằm trong %(name)s, đơn vị sẽ chấm dứt.", name=s.name),
                )
    if new.unit_type == ROOT_TYPE:
        errors.add("unit_type", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
    check_unit_data(new, errors, freed_codes=[s.ma_dinh_danh for s in sources if s.ma_dinh_danh])
    errors.raise_if_any()
    target = NewUnit(new, parent)
    plan = RestructurePlan("consolidate", decision)
    plan.create.append(target)
    counts = member_counts([s.id for s in sources])
    for s in sources:
        plan.close.append((s, target))
        plan.child_moves.extend((child, target) for child in open_children(s))
        plan.member_moves.append((s, target, counts[s.id]))
    return plan


@use_case
def consolidate_units(source_ids: list[Any], new: UnitData, decision: Decision, actor=None) -> OrgEvent:
    """Consolidate (hợp nhất) several units into a new one; the sources close."""
    plan = plan_consolidate(source_ids, new, decision)
    return apply_plan(plan, actor, {"sources": [s.id for s, _t in plan.close]})


# --------------------------------------------------------------------------- split (chia tách)


def plan_split(
    source_id: Any,
    new_units: list[UnitData],
    child_targets: dict[Any, Any],
    members_target: Any,
    decision: Decision,
    people_targets: dict[Any, Any] | None = None,
) -> RestructurePlan:
    """Validate splitting A into new units (≥ 2) under A's parent.

    ``child_targets`` maps each open sub-unit id of A to the index (0-based) of the new unit it joins;
    every sub-unit must be placed. ``people_targets`` (issue 19) maps a file's id to the index of the new unit it
    goes to, person by person: each must be a file of A; its personal account follows it. ``members_target`` is
    the index of the new unit that receives the rest of A's accounts, people and role assignments (needed when
    anything is left).
    """
    errors = Errors()
    check_decision(decision, errors)
    source = load_open(source_id, errors, "source_id")
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
        check_unit_data(
            spec, errors, prefix=f"new_units-{i}-",
            freed_codes=[source.ma_dinh_danh] if source.ma_dinh_danh else [], taken_codes=taken,
        )
    kids = open_children(source)
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
    counts = member_counts([source.id])[source.id]
    if people_targets:
        counts = _plan_people_split(plan, source, targets, people_targets, counts, errors)
    if has_members(counts) or members_target not in (None, ""):
        target = pick(members_target, "members_target", str(_l("tài khoản và nhân sự trực thuộc")))
        if target is not None:
            plan.member_moves.append((source, target, counts))
    errors.raise_if_any()
    plan.create = targets
    plan.close.append((source, None))
    return plan


def _plan_people_split(plan: RestructurePlan, source: OrgUnit, targets: list[NewUnit], people_targets: dict,
                       counts: dict[str, int], errors: Errors) -> dict[str, int]:
    """Add the person-by-person moves of a split to ``plan`` (files of ``source`` only, checked in one query per
    new unit); returns what is left in ``source`` for the members' target."""
    by_target: dict[int, list[int]] = {}
    for raw_person, raw_target in people_targets.items():
        pid, idx = parse_int(raw_person), parse_int(raw_target, 0, len(targets) - 1)
        if pid is None:
            errors.add("people_targets", _("Mã hồ sơ %(id)s không hợp lệ.", id=raw_person))
        elif idx is None:
            errors.add("people_targets", _("Hồ sơ %(id)s: hãy chọn đơn vị mới tiếp nhận.", id=pid))
        else:
            by_target.setdefault(idx, []).append(pid)
    left = dict(counts)
    for idx, pids in sorted(by_target.items()):
        found, moved = people_of_unit(pids, source.id)
        for pid in sorted(set(pids) - found):
            errors.add("people_targets", _("Hồ sơ %(id)s không thuộc đơn vị bị chia tách %(name)s.", id=pid,
                                           name=source.name))
        plan.person_moves.append((source, targets[idx], sorted(found), moved))
        for key, n in moved.items():
            left[key] = max(0, left.get(key, 0) - n)
    return left


@use_case
def split_unit(
    source_id: Any,
    new_units: list[UnitData],
    child_targets: dict[Any, Any],
    members_target: Any,
    decision: Decision,
    actor=None,
    people_targets: dict[Any, Any] | None = None,
) -> OrgEvent:
    """Split (chia tách) A into new units, its staff person by person when ``people_targets`` is given; A closes."""
    plan = plan_split(source_id, new_units, child_targets, members_target, decision, people_targets)
    return apply_plan(plan, actor, {"source": plan.subject.id})


# --------------------------------------------------------------------------- dissolve (giải thể)


def plan_dissolve(source_id: Any, receiver_id: Any, decision: Decision) -> RestructurePlan:
    """Validate dissolving a unit. Its open sub-units and members need a receiving unit."""
    errors = Errors()
    check_decision(decision, errors)
    source = load_open(source_id, errors, "source_id")
    receiver = None
    if receiver_id not in (None, ""):
        receiver = load_open(receiver_id, errors, "receiver_id")
    if source is None:
        errors.raise_if_any()
    if source.parent_id is None:
        errors.add("source_id", _("Không thể giải thể đơn vị gốc của cây tổ chức."))
    if receiver is not None and is_inside(receiver, source):
        errors.add(
            "receiver_id",
            _("Đơn vị tiếp nhận không được là %(name)s hoặc đơn vị cấp dưới của nó.", name=source.name),
        )
    kids = open_children(source)
    counts = member_counts([source.id])[source.id]
    if receiver is None and (kids or has_members(counts)):
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
    return apply_plan(plan, actor, {"source": plan.subject.id})


# --------------------------------------------------------------------------- maintenance


#: The job that runs :func:`rebuild_paths` (its dotted path: services name jobs, never import them).
REBUILD_PATHS_JOB = "jobs.org_units.rebuild_paths"


@use_case
def request_rebuild_paths() -> AfterCommit:
    """Queue :func:`rebuild_paths` as a background job once the transaction commits (RQ; in-process without
    Redis). Returns the pending call: its ``result`` is the queued job."""
    return after_commit(enqueue, REBUILD_PATHS_JOB)


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
