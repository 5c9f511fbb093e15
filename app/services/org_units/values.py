"""Input values and the restructuring plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.text import clean
from models.org_units import (
    OrgUnit,
)

__all__ = ["Decision", "NewUnit", "RestructurePlan", "Target", "UnitData"]


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
    #: A split person by person: (source, new unit, the ids of the files it receives, counts moved per reference);
    #: applied before ``member_moves`` (which then carry the rest).
    person_moves: list[tuple[OrgUnit, Target, list[int], dict[str, int]]] = field(default_factory=list)
    receivers: list[OrgUnit] = field(default_factory=list)
    old_parent: OrgUnit | None = None

    @property
    def member_totals(self) -> dict[str, int]:
        """Rows moved per reference, summed over every source unit."""
        totals: dict[str, int] = {}
        moves = [counts for _s, _d, counts in self.member_moves]
        moves += [counts for _s, _d, _ids, counts in self.person_moves]
        for counts in moves:
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
        return totals

