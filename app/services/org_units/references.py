"""Rows elsewhere that belong to a unit (accounts, people …) and move with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db

__all__ = ["REFERENCES", "UnitReference", "member_counts", "reference_labels", "register_unit_reference"]


# --------------------------------------------------------------------------- references carried along


@dataclass(frozen=True)
class UnitReference:
    """A column elsewhere that places a row in a unit (an account, a person ...)."""

    key: str
    label: Any
    column: InstrumentedAttribute


REFERENCES: dict[str, UnitReference] = {}


def register_unit_reference(key: str, label: Any, column: InstrumentedAttribute) -> None:
    """Declare that rows with ``column`` = unit id belong to that unit and move with it."""
    REFERENCES[key] = UnitReference(key, label, column)


def _register_builtin_references() -> None:
    from models.accounts import Account
    from models.personnel import Person

    register_unit_reference("accounts", _l("Tài khoản"), Account.org_unit_id)
    register_unit_reference("people", _l("Hồ sơ cán bộ, công chức, viên chức"), Person.org_unit_id)


_register_builtin_references()


def member_counts(unit_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each unit id, how many rows of each registered reference point at it (one query per reference)."""
    ids = list(unit_ids)
    counts: dict[int, dict[str, int]] = {uid: {} for uid in ids}
    if not ids:
        return counts
    for ref in REFERENCES.values():
        rows = db.session.execute(
            select(ref.column, func.count()).where(ref.column.in_(ids)).group_by(ref.column)
        ).all()
        for uid, n in rows:
            counts[uid][ref.key] = n
    return counts


def reference_labels() -> dict[str, str]:
    """Translated label of each registered reference, for screens."""
    return {key: str(ref.label) for key, ref in REFERENCES.items()}

