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


def _accounts_of(person_ids: list[int], unit_id: int):
    """A SELECT of the personal accounts of ``person_ids`` whose file and account both sit in ``unit_id``."""
    from models.accounts import Account
    from models.personnel import Person

    return (select(Account.id).join(Person, Person.account_id == Account.id)
            .where(Person.id.in_(person_ids), Person.org_unit_id == unit_id, Account.org_unit_id == unit_id))


def _assignments_of(accounts, unit_id: int):
    """The conditions of the role assignments of ``accounts`` (a SELECT of ids) on ``unit_id`` that follow them."""
    from models.accounts import RoleAssignment

    ref = REFERENCES.get("role_assignments")
    return [RoleAssignment.user_id.in_(accounts), RoleAssignment.org_unit_id == unit_id,
            *(ref.conditions() if ref else [])]


def people_of_unit(person_ids: Iterable[int], unit_id: int) -> tuple[set[int], dict[str, int]]:
    """Of ``person_ids``, those whose file sits in ``unit_id``, and what :func:`move_people` would move with them
    (their files, their personal accounts sitting in ``unit_id`` too, those accounts' role assignments there)."""
    from models.accounts import RoleAssignment
    from models.personnel import Person

    ids = sorted(set(person_ids))
    if not ids:
        return set(), {"people": 0, "accounts": 0, "role_assignments": 0}
    found = set(db.session.scalars(select(Person.id).where(Person.id.in_(ids), Person.org_unit_id == unit_id)))
    accounts = db.session.scalar(select(func.count()).select_from(_accounts_of(ids, unit_id).subquery()))
    assignments = db.session.scalar(select(func.count()).select_from(RoleAssignment).where(
        *_assignments_of(_accounts_of(ids, unit_id), unit_id)))
    return found, {"people": len(found), "accounts": accounts, "role_assignments": assignments}


def move_people(source_id: int, target_id: int, person_ids: Iterable[int]) -> dict[str, int]:
    """Move the files ``person_ids`` that sit in ``source_id`` to ``target_id``, with their personal accounts that
    sit there too and those accounts' role assignments on ``source_id``; three UPDATEs. Returns the rows moved per
    reference key."""
    from models.accounts import Account, RoleAssignment
    from models.personnel import Person

    ids = sorted(set(person_ids))
    if not ids:
        return {"people": 0, "accounts": 0, "role_assignments": 0}
    accounts = list(db.session.scalars(_accounts_of(ids, source_id)))
    assignments = db.session.execute(
        update(RoleAssignment).where(*_assignments_of(accounts, source_id)).values(org_unit_id=target_id)
        .execution_options(synchronize_session=False)).rowcount if accounts else 0
    moved_accounts = db.session.execute(
        update(Account).where(Account.id.in_(accounts)).values(org_unit_id=target_id)
        .execution_options(synchronize_session=False)).rowcount if accounts else 0
    people = db.session.execute(
        update(Person).where(Person.id.in_(ids), Person.org_unit_id == source_id)
        .values(org_unit_id=target_id).execution_options(synchronize_session=False)).rowcount
    return {"people": people, "accounts": moved_accounts, "role_assignments": assignments}
