"""Read-only queries on the tree: subtree, children with counts, search, history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.extensions import db
from app.request_input import as_id
from app.services.errors import NotFoundError, ValidationError
from app.text import search_key
from models.org_units import (
    STATUS_ACTIVE,
    SUB_UNIT_TYPES,
    OrgEvent,
    OrgEventUnit,
    OrgUnit,
    Subtree,
)

__all__ = ["ancestors", "children", "employing_agency", "find_unit", "get_unit", "search_units", "subtree_ids",
           "unit_history"]


# --------------------------------------------------------------------------- queries


def find_unit(unit_id: Any) -> OrgUnit | None:
    """The unit of a raw id (a form value, a URL part), or None — also for a malformed id."""
    try:
        uid = as_id(unit_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(OrgUnit, uid)


def get_unit(unit_id: Any, *, field_name: str = "unit_id", open_only: bool = False) -> OrgUnit:
    """Load a unit by id or raise a translated :class:`NotFoundError` (also for a malformed id); no unit at all is
    a :class:`ValidationError` on ``field_name`` ("Chưa chọn đơn vị")."""
    if unit_id is None or (isinstance(unit_id, str) and not unit_id.strip()):
        raise ValidationError({field_name: [_("Chưa chọn đơn vị.")]})
    unit = find_unit(unit_id)
    if unit is None:
        raise NotFoundError(_("Không tìm thấy đơn vị có mã %(id)s.", id=unit_id))
    if open_only and not unit.is_open:
        raise ValidationError({field_name: [_("Đơn vị %(name)s đã chấm dứt hoạt động.", name=unit.name)]})
    return unit


def subtree_ids(unit: OrgUnit, *, include_closed: bool = False):
    """A SELECT of the ids of ``unit`` and all its descendants: one prefix match on the indexed path."""
    stmt = select(OrgUnit.id).where(Subtree.of(unit).condition())
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    return stmt


def children(parent_id: int | None, *, include_closed: bool = False, limit: int = 200, offset: int = 0,
             within=None):
    """Direct children of a unit (roots when ``parent_id`` is None), each with its count of open children.

    Two queries whatever the number of children: the page of children, then one grouped count.
    Returns ``(rows, has_more)`` where rows are ``(unit, child_count)``. ``within`` (a SELECT of unit ids,
    from the scope function) limits both the children and their counts; with it, ``parent_id`` None
    means the top units of that scope rather than the root of the city.
    """
    if parent_id is None and within is not None:
        stmt = select(OrgUnit).where(
            OrgUnit.id.in_(within), or_(OrgUnit.parent_id.is_(None), OrgUnit.parent_id.not_in(within))
        )
    else:
        stmt = select(OrgUnit).where(
            OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id
        )
    if within is not None:
        stmt = stmt.where(OrgUnit.id.in_(within))
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    stmt = stmt.order_by(OrgUnit.status, OrgUnit.search_key, OrgUnit.id).offset(offset).limit(limit + 1)
    units = list(db.session.scalars(stmt))
    has_more = len(units) > limit
    units = units[:limit]
    counts = _child_counts([u.id for u in units], include_closed=include_closed, within=within)
    return [(u, counts.get(u.id, 0)) for u in units], has_more


def _child_counts(ids: list[int], *, include_closed: bool = False, within=None) -> dict[int, int]:
    if not ids:
        return {}
    stmt = select(OrgUnit.parent_id, func.count()).where(OrgUnit.parent_id.in_(ids)).group_by(OrgUnit.parent_id)
    if within is not None:
        stmt = stmt.where(OrgUnit.id.in_(within))
    if not include_closed:
        stmt = stmt.where(OrgUnit.status == STATUS_ACTIVE)
    return dict(db.session.execute(stmt).all())


def search_units(query: str, *, limit: int = 20, include_closed: bool = False, within: OrgUnit | None = None,
                 ids=None):
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
        stmt = stmt.where(Subtree.of(within).condition())
    if ids is not None:
        stmt = stmt.where(OrgUnit.id.in_(ids))
    stmt = stmt.order_by(OrgUnit.level, OrgUnit.search_key, OrgUnit.id).limit(limit)
    return list(db.session.scalars(stmt))


def ancestors(units: Iterable[OrgUnit]) -> dict[int, OrgUnit]:
    """All ancestors of the given units, loaded in one query, keyed by id."""
    ids = {aid for u in units for aid in u.ancestor_ids}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}


def employing_agency(unit: OrgUnit) -> OrgUnit:
    """The agency a unit belongs to: the unit itself, or the first unit above it that is not an internal part of an
    agency (``SUB_UNIT_TYPES``: phòng, ban, khoa …). One query for the chain."""
    if unit.unit_type not in SUB_UNIT_TYPES:
        return unit
    chain = ancestors([unit])
    for aid in reversed(unit.ancestor_ids):
        above = chain.get(aid)
        if above is not None and above.unit_type not in SUB_UNIT_TYPES:
            return above
    return unit


def unit_history(unit: OrgUnit) -> list[tuple[OrgEvent, str]]:
    """Every event the unit took part in, newest first, with the unit's role in each (a unit with two roles in
    one event — the subject that closes — its last role first: newest first within the event too)."""
    rows = db.session.execute(
        select(OrgEvent, OrgEventUnit.role)
        .join(OrgEventUnit, OrgEventUnit.event_id == OrgEvent.id)
        .where(OrgEventUnit.unit_id == unit.id)
        .order_by(OrgEvent.effective_date.desc(), OrgEvent.id.desc(), OrgEventUnit.id.desc())
    ).all()
    return [(event, role) for event, role in rows]

