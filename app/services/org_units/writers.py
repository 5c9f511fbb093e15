"""Low-level writers used by the use cases; they flush, never commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, text, update

from app.extensions import db
from app.services.errors import ForbiddenError
from app.services.org_units.references import REFERENCES, move_people
from app.services.org_units.validation import validate_code
from app.services.org_units.values import NewUnit, RestructurePlan, Target, UnitData
from app.text import clean, search_key
from models.org_units import (
    STATUS_ACTIVE,
    STATUS_CLOSED,
    OrgEvent,
    OrgEventUnit,
    OrgUnit,
    Subtree,
)

__all__ = ["apply_plan", "new_unit", "record_event", "refresh_search_key", "require_org_write"]


# --------------------------------------------------------------------------- writers (no commit)


def _next_unit_id() -> int:
    """Reserve the new unit's id first, so the row is inserted once with its final path."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(text("SELECT nextval(pg_get_serial_sequence('org_unit', 'id'))"))
    return (db.session.scalar(select(func.max(OrgUnit.id))) or 0) + 1  # SQLite: one writer at a time


def new_unit(data: UnitData, parent: OrgUnit | None, valid_from: date) -> OrgUnit:
    """Add an open unit under ``parent`` (id, path, level and search key set); no event recorded."""
    new_id = _next_unit_id()
    unit = OrgUnit(
        id=new_id,
        name=clean(data.name),
        short_name=clean(data.short_name) or None,
        unit_type=data.unit_type,
        level=(parent.level + 1) if parent else 1,
        parent_id=parent.id if parent else None,
        path=(parent.path if parent else "/") + f"{new_id}/",
        search_key="",
        ma_dinh_danh=validate_code(data.ma_dinh_danh),
        bien_che_quota=data.bien_che_quota,
        address=clean(data.address) or None,
        valid_from=data.valid_from or valid_from,
        status=STATUS_ACTIVE,
    )
    refresh_search_key(unit)
    db.session.add(unit)
    db.session.flush()
    return unit


def refresh_search_key(unit: OrgUnit) -> None:
    """Recompute the diacritic-free search key from the unit's name, short name and code."""
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
        .where(Subtree(old_prefix).condition())
        .values(
            path=literal(new_prefix) + func.substr(OrgUnit.path, len(old_prefix) + 1),
            level=OrgUnit.level + delta,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def _move_members(source: OrgUnit, target: OrgUnit) -> dict[str, int]:
    moved = {}
    for ref in REFERENCES.values():
        result = db.session.execute(
            update(ref.column.class_)
            .where(ref.column == source.id, *ref.conditions())
            .values({ref.column.key: target.id})
            .execution_options(synchronize_session=False)
        )
        moved[ref.key] = result.rowcount
    return moved


def record_event(plan: RestructurePlan, actor, details: dict, roles: list[tuple[OrgUnit, str]]) -> OrgEvent:
    """Add the org event of ``plan`` with its details and one link per (unit, role)."""
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


def require_org_write(actor, units) -> None:
    """Re-check, inside the transaction, that ``actor`` may restructure every unit involved (HN-9.1).

    ``actor`` None means the system itself (seed, migrations, maintenance jobs).
    """
    if actor is None:
        return
    from app import audit
    from app.security import scope
    from app.security.permissions import ACTION_WRITE, RESOURCE_ORG_UNIT

    for unit in units:
        if unit is not None and not scope.allows(actor, ACTION_WRITE, RESOURCE_ORG_UNIT, unit):
            audit.log_security("denied", user=actor, detail={"what": "org_write", "unit": unit.id})
            raise ForbiddenError(_("Bạn không có quyền điều chỉnh cơ cấu tổ chức của %(name)s.", name=unit.name))


def _plan_units(plan: RestructurePlan) -> list[OrgUnit]:
    units = [plan.subject, plan.old_parent, *plan.receivers]
    units += [u for u, _s in plan.close]
    units += [new.parent for new in plan.create]
    for child, target in plan.child_moves:
        units += [child, target.parent if isinstance(target, NewUnit) else target]
    return units


def apply_plan(plan: RestructurePlan, actor, extra_details: dict | None = None) -> OrgEvent:
    """Write a validated plan: close, create, move sub-units and members, record the event."""
    require_org_write(actor, _plan_units(plan))
    effective = plan.decision.effective
    roles: list[tuple[OrgUnit, str]] = []
    details: dict[str, Any] = dict(extra_details or {})
    # Close first, so a new unit may take over the code of a unit the same decision closes.
    for unit, _successor in plan.close:
        unit.status = STATUS_CLOSED
        unit.valid_to = effective
    db.session.flush()
    for new in plan.create:
        new.unit = new_unit(new.data, new.parent, effective)
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
    for source, target, person_ids, _counts in plan.person_moves:
        dest = _resolve(target)
        moved = move_people(source.id, dest.id, person_ids)
        details.setdefault("moved_people", []).append({"from": source.id, "to": dest.id, "people": sorted(person_ids),
                                                       "counts": moved})
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
    return record_event(plan, actor, details, roles)

