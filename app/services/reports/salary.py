"""Danh sách và tiền lương (issue 17, item 2): ngạch, bậc, hệ số, phụ cấp of the people in force of a unit
subtree, with the next regular step raise and the retirement date; the people due a step raise in the next months.

Regular step raises (nâng bậc lương thường xuyên, NĐ 204/2004/NĐ-CP and TT 08/2013/TT-BNV): after
``interval_months`` at the current bậc — the salary table's own data (``salary_step.interval_months``: 36 for
the A groups, 24 for B and C, 60 for chuyên gia cao cấp) — unless the bậc is the group's last, where the
seniority allowance beyond the scale (phụ cấp thâm niên vượt khung) takes over: 5 % after the interval, then +1 %
a year. The ngạch's pay group comes from the code list (``code_item.extra.pay_group``). Everything is one SQL
statement per page (each ngạch's interval and last bậc as a CASE over its code, built from the cached salary
table); retirement dates come from ``app/services/transfers/retirement.py`` for the page's rows only.

:func:`salary_summary` is the page's count and its chart in one grouped statement: how many people, how many are
due a raise in the window, and per month of the next year how many are due a raise and how many reach retirement
(each month's birth months from the retirement schedule, as ``retirements_due`` does). :func:`write_salary_xlsx`
writes the rows as an XLSX (constant memory, ``workbook.py``) for the report export job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, String, and_, case, cast, false, func, literal, or_, select, text

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services import code_lists
from app.services.personnel.people import ACTIVE_STATUSES
from models.org_units import OrgUnit, Subtree
from models.personnel import Person

__all__ = ["HEADERS", "RAISE_MONTHS", "RETIRE_MONTHS", "SalaryRow", "SalarySummary", "StepRule", "raise_due_condition",
           "salary_rows", "salary_summary", "step_rules", "to_row", "write_salary_xlsx"]

#: The horizons of the page, its chart and its XLSX (months): "due a step raise", and the retirement column.
RAISE_MONTHS = 6
RETIRE_MONTHS = 12
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


def _conditions(actor, unit: OrgUnit | None) -> list:
    """The people in force of ``unit``'s subtree (the reader's whole scope when None) that ``actor`` reads."""
    conditions = [Person.status.in_(ACTIVE_STATUSES),
                  Person.org_unit_id.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_PERSONNEL))]
    if unit is not None:
        conditions.append(Person.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())))
    return conditions


def salary_rows(actor, unit: OrgUnit | None, *, due_within: tuple[date, date] | None = None):
    """(SELECT of the rows, SELECT for their count): the people in force of ``unit``'s subtree (the reader's whole
    scope when None) that ``actor`` reads, with their pay and next raise; only those due a raise between the two
    days of ``due_within`` when given. Ordered by unit then name."""
    rules = _rules()
    conditions = _conditions(actor, unit)
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



# --------------------------------------------------------------------------- the page's figures and its chart


@dataclass(frozen=True)
class SalarySummary:
    """The people of the list (``total``), those due a raise in the window (``due``), and per month of the next
    ``len(months)`` months ``(first day, raises due, retirements)``."""

    total: int
    due: int
    months: list[tuple[date, int, int]]


def _month_start(day: date, months: int = 0) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def salary_summary(actor, unit: OrgUnit | None, due_within: tuple[date, date], *, months: int = 12) -> SalarySummary:
    """One grouped statement over the people of :func:`salary_rows`: their number, those due a raise between the
    days of ``due_within``, and for each calendar month from ``due_within[0]``'s: the raises falling in it and
    the people whose retirement date (``retirement.retirement_date``: the first day of the month after the age is
    reached) is its first day."""
    from app.services.transfers.retirement import birth_month_schedule

    rules = _rules()
    first, last = due_within
    has_due = and_(Person.salary_since.is_not(None), Person.salary_step.is_not(None))
    # Each person's next raise computed once (the ngạch's CASE and the date arithmetic), not once per month's
    # filter: OFFSET 0 keeps the database from folding the subquery into the aggregate's expressions.
    src = (select(case((has_due, _add_months(Person.salary_since, rules.interval_months)), else_=None).label("due"),
                  Person.gender, Person.birth_date)
           .where(*_conditions(actor, unit)).offset(0).subquery("src"))
    due = src.c.due
    starts = [_month_start(first, i) for i in range(months + 1)]
    schedule = {gender: dict((retires, born) for born, retires in birth_month_schedule(gender, starts[0], starts[-1]))
                for gender in ("nam", "nu")}
    measures = [func.count().label("total"), func.count().filter(and_(due >= first, due <= last)).label("due")]
    for i, (lo, hi) in enumerate(zip(starts, starts[1:], strict=False)):
        measures.append(func.count().filter(and_(due >= lo, due < hi)).label(f"raise_{i}"))
        born = [and_(src.c.gender == gender, src.c.birth_date >= schedule[gender][lo],
                     src.c.birth_date < _month_start(schedule[gender][lo], 1))
                for gender in ("nam", "nu") if lo in schedule[gender]]
        measures.append(func.count().filter(or_(*born) if born else false()).label(f"retire_{i}"))
    if db.session.get_bind().dialect.name == "postgresql":
        # Some thirty FILTER expressions over a city's people cross PostgreSQL's JIT threshold, and compiling them
        # costs more than running them (as for BM02).
        db.session.execute(text("SET LOCAL jit = off"))
    row = db.session.execute(select(*measures).select_from(src)).one()
    m = row._mapping
    return SalarySummary(int(m["total"]), int(m["due"]), [
        (lo, int(m[f"raise_{i}"]), int(m[f"retire_{i}"])) for i, lo in enumerate(starts[:-1])])


# --------------------------------------------------------------------------- XLSX

#: The columns of the list and of its XLSX.
HEADERS = (_l("Họ và tên"), _l("Đơn vị"), _l("Ngạch, chức danh nghề nghiệp"), _l("Nhóm"), _l("Bậc"), _l("Hệ số"),
           _l("Hưởng từ"), _l("Phụ cấp TNVK (%)"), _l("Phụ cấp chức vụ"), _l("Phụ cấp kiêm nhiệm"),
           _l("Nâng bậc, phụ cấp tiếp theo"), _l("Nghỉ hưu (12 tháng tới)"))
#: Columns of coefficients and percentages (two decimals).
DECIMAL_COLUMNS = (5, 7, 8, 9)


def write_salary_xlsx(path: str, rows, retire_limit: date, progress: Callable[[int], None] | None = None) -> int:
    """Write the rows of :func:`salary_rows` (streamed) as an XLSX at ``path`` (constant memory): numbers as
    numbers, dates as dates, text never a formula; the retirement date only when it is on or before
    ``retire_limit``. ``progress(n)`` after each row; returns the number of rows."""
    from app.services import code_lists
    from app.services.reports.workbook import SafeSheet, new_workbook
    from app.services.transfers.retirement import retirement_date

    book = new_workbook(path)
    try:
        out = SafeSheet(book, book.add_worksheet(str(_l("Danh sách lương"))),
                        (30, 36, 30, 8, 8, 8, 12, 10, 10, 10, 14, 14))
        bold, decimal = out.format(bold=True), out.format(num_format="0.00")
        for i, header in enumerate(HEADERS):
            out.text(0, i, str(header), bold)
        out.sheet.freeze_panes(1, 0)
        ranks = code_lists.labels("rank")
        n = 0
        for n, raw in enumerate(db.session.execute(rows.execution_options(yield_per=1000)), start=1):
            r = to_row(raw)
            retire = retirement_date(r.birth_date, r.gender, r.birth_precision)
            cells = [r.name, r.unit, ranks.get(r.rank_code, r.rank_code or ""), r.pay_group or "", r.step,
                     r.coefficient, r.since, r.seniority_pct, r.allowance_position, r.allowance_concurrent,
                     r.next_raise, retire if retire is not None and retire <= retire_limit else None]
            for i, value in enumerate(cells):
                out.value(n, i, value, decimal if i in DECIMAL_COLUMNS else None)
            if progress is not None:
                progress(n)
    finally:
        book.close()
    return n
