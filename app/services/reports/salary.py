"""Danh sách và tiền lương (issue 17, item 2): ngạch, bậc, hệ số, phụ cấp of the people in force of a unit
subtree, with the next regular step raise and the retirement date; the people due a step raise in the next months.

Regular step raises (nâng bậc lương thường xuyên, NĐ 204/2004/NĐ-CP and TT 08/2013/TT-BNV): after
``interval_months`` at the current bậc — the salary table's own data (``salary_step.interval_months``: 36 for
the A groups, 24 for B and C, 60 for chuyên gia cao cấp) — unless the bậc is the group's last, where the
seniority allowance beyond the scale (phụ cấp thâm niên vượt khung) takes over: 5 % after the interval, then +1 %
a year. The ngạch's pay group comes from the code list (``code_item.extra.pay_group``). Everything is one SQL
statement per page (each ngạch's interval and last bậc as a CASE over its code, built from the cached salary
table); retirement dates come from ``app/services/transfers/retirement.py`` for the page's rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, String, and_, case, cast, func, literal, select

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services import code_lists
from app.services.personnel.people import ACTIVE_STATUSES
from models.org_units import OrgUnit, Subtree
from models.personnel import Person

__all__ = ["SalaryRow", "StepRule", "raise_due_condition", "salary_rows", "step_rules", "to_row"]

#: Last bậc of a group reached: the seniority allowance starts at this rate, then grows by one point a year.
SENIORITY_START_PCT = 5


@dataclass(frozen=True)
class StepRule:
    """A ngạch's step rule: its pay group, months between bậc, and its last bậc."""

    rank_code: str
    pay_group: str
    interval_months: int
    last_step: int


def step_rules(on: date | None = None) -> list[StepRule]:
    """The rule of every ngạch/CDNN of the code list whose pay group has a salary table (cached code lists)."""
    out = []
    for code in code_lists.labels("rank"):
        group = code_lists.pay_group(code, on)
        rule = code_lists.step_rule(group, on)
        if rule is not None:
            out.append(StepRule(code, group, *rule))
    return out


@dataclass(frozen=True)
class _Rules:
    """The step rules as SQL expressions of ``person.rank_code`` (a CASE over the few ngạch of the code list: the
    same statement on PostgreSQL and the embedded SQLite)."""

    pay_group: object
    interval_months: object
    last_step: object


def _rules(on: date | None = None) -> _Rules:
    rules = step_rules(on)
    if not rules:
        none = literal(None)
        return _Rules(none, none, none)

    def by_code(attr):
        return case({r.rank_code: getattr(r, attr) for r in rules}, value=Person.rank_code)

    return _Rules(by_code("pay_group"), by_code("interval_months"), by_code("last_step"))


def _add_months(day_col, months_col):
    """SQL: ``day_col`` plus ``months_col`` months (PostgreSQL and the embedded SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(day_col + func.make_interval(0, months_col), Date)
    return func.date(day_col, "+" + cast(months_col, String) + " months")


def raise_due_condition(rules: _Rules, first: date, last: date):
    """SQL: the next regular step raise (or the first vượt khung rate) falls between ``first`` and ``last``."""
    due = _add_months(Person.salary_since, rules.interval_months)
    return and_(Person.salary_since.is_not(None), Person.salary_step.is_not(None), due >= first, due <= last)


@dataclass(frozen=True)
class SalaryRow:
    id: int
    name: str
    unit: str
    rank_code: str | None
    pay_group: str | None
    step: int | None
    last_step: int | None
    coefficient: object
    since: date | None
    percent: object
    seniority_pct: object
    allowance_position: object
    allowance_concurrent: object
    next_raise: date | None
    beyond_scale: bool
    birth_date: date | None
    birth_precision: str | None
    gender: str | None


def salary_rows(actor, unit: OrgUnit | None, *, due_within: tuple[date, date] | None = None):
    """(SELECT of the rows, SELECT for their count): the people in force of ``unit``'s subtree (the reader's whole
    scope when None) that ``actor`` reads, with their pay and next raise; only those due a raise between the two
    days of ``due_within`` when given. Ordered by unit then name."""
    rules = _rules()
    conditions = [Person.status.in_(ACTIVE_STATUSES),
                  Person.org_unit_id.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_PERSONNEL))]
    if unit is not None:
        conditions.append(Person.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())))
    if due_within is not None:
        conditions.append(raise_due_condition(rules, *due_within))
    next_raise = case((Person.salary_since.is_(None), None),
                      else_=_add_months(Person.salary_since, rules.interval_months))
    beyond = and_(Person.salary_step.is_not(None), rules.last_step.is_not(None),
                  Person.salary_step >= rules.last_step)
    rows = (select(Person.id, Person.family_name, Person.middle_name, Person.given_name, OrgUnit.name.label("unit"),
                   Person.rank_code, rules.pay_group.label("pay_group"), Person.salary_step,
                   rules.last_step.label("last_step"),
                   Person.salary_coefficient, Person.salary_since, Person.salary_percent,
                   Person.seniority_allowance_pct, Person.allowance_position, Person.allowance_concurrent,
                   next_raise.label("next_raise"), case((beyond, literal(True)), else_=literal(False)).label("beyond"),
                   Person.birth_date, Person.birth_date_precision, Person.gender)
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .where(*conditions)
            .order_by(OrgUnit.path, Person.sort_key, Person.id))
    return rows, select(Person.id).where(*conditions)


def to_row(r) -> SalaryRow:
    """A result row as a :class:`SalaryRow` (names in Vietnamese order)."""
    name = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
    next_raise = r.next_raise
    if isinstance(next_raise, str):  # SQLite's date()
        next_raise = date.fromisoformat(next_raise)
    return SalaryRow(r.id, name, r.unit, r.rank_code, r.pay_group, r.salary_step, r.last_step, r.salary_coefficient,
                     r.salary_since, r.salary_percent, r.seniority_allowance_pct, r.allowance_position,
                     r.allowance_concurrent, next_raise, bool(r.beyond), r.birth_date, r.birth_date_precision,
                     r.gender)

