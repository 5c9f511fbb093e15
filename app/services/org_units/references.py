"""Rows elsewhere that belong to a unit (accounts, people …) and move with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db

__all__ = ["REFERENCES", "UnitReference", "member_counts", "move_people", "people_of_unit", "reference_labels",
           "register_unit_reference"]


# --------------------------------------------------------------------------- references carried along


@dataclass(frozen=True)
class UnitReference:
    """A column elsewhere that places a row in a unit (an account, a person ...)."""

    key: str
    label: Any
    column: InstrumentedAttribute
    #: Only the rows meeting this SQL condition move (a function, called when the rows are counted or moved):
    #: role assignments that have not ended; None: every row.
    condition: Callable[[], Any] | None = None

    def conditions(self) -> list:
        """The extra SQL conditions of the rows that move (none, or the reference's ``condition``)."""
        return [] if self.condition is None else [self.condition()]


REFERENCES: dict[str, UnitReference] = {}


def register_unit_reference(key: str, label: Any, column: InstrumentedAttribute,
                            condition: Callable[[], Any] | None = None) -> None:
    """Declare that rows with ``column`` = unit id belong to that unit and move with it (those meeting
    ``condition()`` only, when given)."""
    REFERENCES[key] = UnitReference(key, label, column, condition)


def _assignment_not_ended():
    """A role assignment that still grants something (not revoked, not past its end): it follows its unit; ended
    ones stay where they were, as history."""
    from models.accounts import RoleAssignment

    return (RoleAssignment.revoked_at.is_(None)
            & or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= date.today()))


def _register_builtin_references() -> None:
    from models.accounts import Account, RoleAssignment
    from models.personnel import Person

    register_unit_reference("accounts", _l("Tài khoản"), Account.org_unit_id)
    register_unit_reference("people", _l("Hồ sơ cán bộ, công chức, viên chức"), Person.org_unit_id)
    # Issue 19: the grants on a unit follow it (a merged ward's officers keep their authority in the new ward).
    register_unit_reference("role_assignments", _l("Phân quyền (vai trò được giao)"), RoleAssignment.org_unit_id,
                            _assignment_not_ended)


_register_builtin_references()


def member_counts(unit_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each unit id, how many rows of each registered reference point at it (one query per reference)."""
    ids = list(unit_ids)
    counts: dict[int, dict[str, int]] = {uid: {} for uid in ids}
    if not ids:
        return counts
    for ref in REFERENCES.values():
        rows = db.session.execute(
            select(ref.column, func.count()).where(ref.column.in_(ids), *ref.conditions()).group_by(ref.column)
        ).all()
        for uid, n in rows:
            counts[uid][ref.key] = n
    return counts


def reference_labels() -> dict[str, str]:
    """Translated label of each registered reference, for screens."""
    return {key: str(ref.label) for key, ref in REFERENCES.items()}



# --------------------------------------------------------------------------- people one by one (a split)


def people_of_unit(person_ids: Iterable[int], unit_id: int) -> tuple[set[int], int]:
    """Of ``person_ids``, those whose file sits in ``unit_id``, and how many of their personal accounts sit there
    too (one query)."""
    from models.accounts import Account
    from models.personnel import Person

    ids = sorted(set(person_ids))
    if not ids:
        return set(), 0
    rows = db.session.execute(
        select(Person.id, Account.org_unit_id).outerjoin(Account, Account.id == Person.account_id)
        .where(Person.id.in_(ids), Person.org_unit_id == unit_id)).all()
    return {pid for pid, _a in rows}, sum(1 for _p, aunit in rows if aunit == unit_id)


def move_people(source_id: int, target_id: int, person_ids: Iterable[int]) -> dict[str, int]:
    """Move the files ``person_ids`` that sit in ``source_id`` to ``target_id``, their personal accounts with them
    (those that sat in ``source_id`` too); two UPDATEs. Returns the rows moved per reference key."""
    from models.accounts import Account
    from models.personnel import Person

    ids = sorted(set(person_ids))
    if not ids:
        return {"people": 0, "accounts": 0}
    accounts = db.session.execute(
        update(Account).where(Account.id.in_(select(Person.account_id).where(Person.id.in_(ids),
                                                                             Person.org_unit_id == source_id)),
                              Account.org_unit_id == source_id)
        .values(org_unit_id=target_id).execution_options(synchronize_session=False)).rowcount
    people = db.session.execute(
        update(Person).where(Person.id.in_(ids), Person.org_unit_id == source_id)
        .values(org_unit_id=target_id).execution_options(synchronize_session=False)).rowcount
    return {"people": people, "accounts": accounts}
