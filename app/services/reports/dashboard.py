"""The dashboard (issue 17, item 5): the figures a report viewer or a head sees first, in their scope.

- **Headcount** of the people in force (status ``active`` / ``suspended``) by category, sex, age band (BM02/BNV's
  bands: 30 and under, 31–40, 41–50, 51–60, over 60, at the day), highest qualification and ngạch group (the
  "tương đương" groups of BM02/BNV columns 7–11, read from the ngạch code list) — **one** statement: a
  ``UNION ALL`` of five ``GROUP BY`` over ``person``.
- **Trend over 12 months**: the people in force at the end of each of the last 12 months (the current month
  ends today) — one pass over ``person`` with one ``SUM(CASE …)`` per month. The history is approximated from
  what a file says about its start and end: a person counts at a month's end when their file started by then
  (the recruitment day, else the recruitment decision's day, else the day they joined the agency; a file with
  none of them is counted from before the window) and had not left by then (an archived file left on its
  ``status_since``; an archived file without that day counts as gone the whole window). People are counted
  in the unit they are in today (moves between units inside the scope do not change the total). A suspension
  stays "in force", as on the compliance page.
- **Overdue work**: the compliance page's own figures (``app/services/compliance.py``) for the user's scope:
  pending approval steps and those overdue, moves past their deadline, late updates, people without an account.

Everything is scoped to the units whose files the user may read (``scope.unit_ids`` with read on personnel
files); nothing loads people into Python.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, select, text, union_all

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services import code_lists, compliance
from app.services.personnel.people import ACTIVE_STATUSES, ARCHIVE_STATUSES, CATEGORIES
from models.personnel import Person

__all__ = ["AGE_BANDS", "DIMENSIONS", "RANK_GROUPS", "Dashboard", "Slice", "dashboard", "month_ends"]

#: The breakdowns, in the page's order: key -> title.
DIMENSIONS = {
    "category": _l("Theo đối tượng"),
    "gender": _l("Theo giới tính"),
    "age": _l("Theo độ tuổi"),
    "qualification": _l("Theo trình độ chuyên môn"),
    "rank_group": _l("Theo ngạch, chức danh nghề nghiệp"),
}
#: Age bands (BM02/BNV columns 32–35 and beyond): (key, label, youngest age, oldest age; None = open).
AGE_BANDS = (
    ("le30", _l("Từ 30 tuổi trở xuống"), None, 30),
    ("31_40", _l("Từ 31 đến 40 tuổi"), 31, 40),
    ("41_50", _l("Từ 41 đến 50 tuổi"), 41, 50),
    ("51_60", _l("Từ 51 đến 60 tuổi"), 51, 60),
    ("gt60", _l("Trên 60 tuổi"), 61, None),
)
#: The ngạch groups (the ``equiv`` of the ngạch code list), BM02/BNV columns 7–11.
RANK_GROUPS = {
    "CVCC": _l("Chuyên viên cao cấp và tương đương"),
    "CVC": _l("Chuyên viên chính và tương đương"),
    "CV": _l("Chuyên viên và tương đương"),
    "CS": _l("Cán sự và tương đương"),
    "NV": _l("Nhân viên"),
}
#: Key of the rows without a value (no birth date, no qualification, no ngạch …) and of unknown codes.
NONE_KEY, OTHER_KEY = "_none", "_other"


@dataclass(frozen=True)
class Slice:
    """One bar: its key, label and count."""

    key: str
    label: str
    count: int


@dataclass
class Dashboard:
    """The figures of one user's dashboard on ``day``."""

    day: date
    total: int
    breakdowns: dict[str, list[Slice]]
    #: (last day of the month, people in force then), oldest first; the last one is ``day``.
    trend: list[tuple[date, int]]
    #: The compliance page's totals for the scope (None when the scope holds no unit).
    work: compliance.ComplianceRow | None = None
    notes: list[str] = field(default_factory=list)


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def month_ends(day: date, months: int = 12) -> list[date]:
    """The last day of each of the ``months`` months ending with ``day``'s month (that one ends on ``day``)."""
    out = []
    year, month = day.year, day.month
    for _i in range(months):
        out.append(min(day, date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _age_band(day: date):
    """SQL: the age band key of ``Person.birth_date`` at ``day`` (born after D - (n+1) years = at most n years old)."""
    whens = [(Person.birth_date.is_(None), literal(NONE_KEY))]
    for key, _label, _low, high in AGE_BANDS:
        if high is not None:
            whens.append((Person.birth_date > _years_ago(day, high + 1), literal(key)))
    return case(*whens, else_=literal(AGE_BANDS[-1][0]))


def _rank_groups(day: date) -> dict[str, str]:
    """ngạch code -> group (``equiv``) from the code list valid on ``day``."""
    groups = {}
    for item in code_lists.entries("rank", day):
        equiv = (item.extra or {}).get("equiv")
        if equiv in RANK_GROUPS:
            groups[item.code] = equiv
    return groups


def _rank_group(day: date):
    groups = _rank_groups(day)
    known = case(groups, value=Person.rank_code, else_=literal(OTHER_KEY)) if groups else literal(OTHER_KEY)
    return case((Person.rank_code.is_(None), literal(NONE_KEY)), else_=known)


def _in_scope(user):
    return [Person.org_unit_id.in_(scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL))]


def _headcounts(user, day: date) -> list[tuple[str, str, int]]:
    """(dimension, key, count) of the people in force — one statement: the scope's files read once into a CTE of
    their five keys (materialized on PostgreSQL), then the five GROUP BYs over it joined by UNION ALL (each GROUP BY
    on the table itself read an agency's 8,000 files five times: 71 ms of the dashboard's 140 on the bench city)."""
    where = [Person.status.in_(ACTIVE_STATUSES), *_in_scope(user)]
    keys = {
        "category": Person.category,
        "gender": func.coalesce(Person.gender, NONE_KEY),
        "age": _age_band(day),
        "qualification": func.coalesce(Person.highest_qualification, NONE_KEY),
        "rank_group": _rank_group(day),
    }
    scoped = select(*[expr.label(dim) for dim, expr in keys.items()]).where(*where).cte("scoped")
    if db.session.get_bind().dialect.name == "postgresql":
        scoped = scoped.prefix_with("MATERIALIZED")
    parts = [select(literal(dim).label("dim"), scoped.c[dim].label("key"), func.count().label("n"))
             .group_by(scoped.c[dim]) for dim in keys]
    return [(r.dim, r.key, int(r.n)) for r in db.session.execute(union_all(*parts))]


def _trend(user, day: date) -> list[tuple[date, int]]:
    """People in force at each month's end (see the module docstring) — one pass, one SUM per month."""
    ends = month_ends(day)
    start = func.coalesce(Person.recruited_on, Person.decision_date, Person.joined_agency_on)
    left = Person.status.in_(ARCHIVE_STATUSES)
    counted = Person.status.in_(ACTIVE_STATUSES + ARCHIVE_STATUSES)

    def counted_at(end: date):
        started = or_(start.is_(None), start <= end)
        present = or_(~left, and_(Person.status_since.is_not(None), Person.status_since > end))
        return func.sum(case((and_(started, present), 1), else_=0))

    first = ends[0]
    # Files archived before the window started count in no month: leave them out of the scan.
    gone_before = and_(left, or_(Person.status_since.is_(None), Person.status_since <= first))
    row = db.session.execute(select(*[counted_at(e).label(f"m{i}") for i, e in enumerate(ends)])
                             .where(counted, ~gone_before, *_in_scope(user))).one()
    return [(e, int(row[i] or 0)) for i, e in enumerate(ends)]


def _labels(day: date) -> dict[str, dict[str, str]]:
    return {
        "category": {k: str(v) for k, v in CATEGORIES.items()},
        "gender": code_lists.labels("gender"),
        "age": {key: str(label) for key, label, _lo, _hi in AGE_BANDS},
        "qualification": code_lists.labels("qualification"),
        "rank_group": {k: str(v) for k, v in RANK_GROUPS.items()},
    }


def _none_label(dim: str) -> str:
    return {"age": _("Chưa có ngày sinh"), "qualification": _("Chưa có thông tin"),
            "rank_group": _("Chưa xếp ngạch"), "gender": _("Chưa có thông tin")}.get(dim, _("Chưa có thông tin"))


def _slices(counts: list[tuple[str, str, int]], labels: dict[str, dict[str, str]]) -> dict[str, list[Slice]]:
    """The counts per dimension in a fixed order: the code list's (or band's) order, then unknown codes, then the
    rows without a value."""
    out: dict[str, list[Slice]] = {}
    for dim in DIMENSIONS:
        got = {key: n for d, key, n in counts if d == dim}
        known = labels[dim]
        slices = [Slice(k, label, got.pop(k)) for k, label in known.items() if k in got]
        none = got.pop(NONE_KEY, 0)
        other = got.pop(OTHER_KEY, 0)
        slices += [Slice(k, k, n) for k, n in sorted(got.items())]  # codes the list does not know (kept visible)
        if other:
            slices.append(Slice(OTHER_KEY, _("Ngạch khác"), other))
        if none:
            slices.append(Slice(NONE_KEY, _none_label(dim), none))
        out[dim] = slices
    return out


def dashboard(user, day: date | None = None, *, with_work: bool = True) -> Dashboard:
    """The dashboard of ``user`` on ``day`` (today in Việt Nam by default): headcounts, trend, overdue work."""
    from app.workflow import local_today

    day = day or local_today()
    if db.session.get_bind().dialect.name == "postgresql":
        # The five GROUP BYs of an agency's 8,000 people cross PostgreSQL's JIT threshold, and compiling their
        # expressions costs more than running them (134 ms instead of 52 ms on the bench city, as for BM02).
        db.session.execute(text("SET LOCAL jit = off"))
    counts = _headcounts(user, day)
    breakdowns = _slices(counts, _labels(day))
    total = sum(s.count for s in breakdowns["category"])
    work = None
    if with_work and scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL):
        work = compliance.compliance_table(user, day=day).total
    return Dashboard(day=day, total=total, breakdowns=breakdowns, trend=_trend(user, day), work=work)
