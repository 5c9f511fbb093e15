"""Lists of moves for the screens: outgoing and incoming moves of the reader's scope, a file's moves, and the
retirements coming (NĐ 135/2020 ages as data, ``app/services/transfers/retirement.py``)."""

from __future__ import annotations

from sqlalchemy import Select, and_, case, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from models.org_units import OrgUnit
from models.personnel import Person
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

__all__ = ["DIRECTIONS", "moves_of", "overdue_condition", "transfer_list"]

#: outgoing: the move leaves a unit of the reader's scope; incoming: it arrives in one.
DIRECTIONS = ("outgoing", "incoming")
#: The origin and destination units of the lists, aliased once (building two aliases per page cost ~1 ms).
_ORIGIN, _DESTINATION = aliased(OrgUnit, name="origin"), aliased(OrgUnit, name="destination")


def _conditions(actor, direction: str, status: str, kind: str | None, overdue_only: bool) -> list:
    column = Transfer.from_unit_id if direction == "outgoing" else Transfer.to_unit_id
    conditions = [column.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_PERSONNEL))]
    if status == "open":
        conditions.append(Transfer.status.in_(OPEN_TRANSFER_STATUSES))
    elif status in ("completed", "cancelled"):
        conditions.append(Transfer.status == status)
    if kind:
        conditions.append(Transfer.kind == kind)
    if overdue_only:
        conditions.append(overdue_condition(scope.today()))
    return conditions


def transfer_list(actor, direction: str, *, status: str = "open", kind: str | None = None,
                  overdue_only: bool = False) -> tuple[Select, Select]:
    """(rows, count) SELECTs of the moves leaving (``outgoing``) or arriving in (``incoming``) the units where
    ``actor`` reads personnel files — open ones first by deadline (no deadline last), then the newest. Rows are
    plain columns (the list shows names and dates; a file's row holds encrypted items not worth loading); the
    count SELECT has no join. The competent authority sees the between-agency moves waiting for it in its
    outgoing list through its own (city-wide) scope."""
    conditions = _conditions(actor, direction, status, kind, overdue_only)
    origin, destination = _ORIGIN, _DESTINATION
    is_open = case((Transfer.status.in_(OPEN_TRANSFER_STATUSES), 0), else_=1)
    no_due = case((Transfer.due_date.is_(None), 1), else_=0)
    rows = (select(Transfer.id, Transfer.kind, Transfer.status, Transfer.decision_number, Transfer.decision_date,
                   Transfer.effective_date, Transfer.due_date, Transfer.external_place, Person.family_name,
                   Person.middle_name, Person.given_name, origin.name.label("from_name"),
                   destination.name.label("to_name"))
            .join(Person, Person.id == Transfer.person_id)
            .outerjoin(origin, origin.id == Transfer.from_unit_id)
            .outerjoin(destination, destination.id == Transfer.to_unit_id)
            .where(*conditions)
            .order_by(is_open, no_due, Transfer.due_date, Transfer.id.desc()))
    return rows, select(Transfer.id).where(*conditions)


def moves_of(person_id: int) -> list[Transfer]:
    """Every move of one file, newest first (the caller has checked read access to the file)."""
    return list(db.session.scalars(select(Transfer).where(Transfer.person_id == person_id)
                                   .order_by(Transfer.id.desc())))


def overdue_condition(day):
    """SQL on ``Transfer``: open and past its deadline on ``day``."""
    return and_(Transfer.status.in_(OPEN_TRANSFER_STATUSES), Transfer.due_date < day)



