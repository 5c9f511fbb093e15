"""Tuổi nghỉ hưu (retirement ages) as data, and the retirements coming in a unit (issue 16 item 4).

Legal source — Nghị định 135/2020/NĐ-CP ngày 18/11/2020 của Chính phủ quy định về tuổi nghỉ hưu (in force from
01/01/2021), implementing khoản 2 Điều 169 Bộ luật Lao động 2019:

- Điều 4 khoản 1: in normal working conditions the retirement age is 60 years 3 months for men and 55 years
  4 months for women from 01/01/2021, then 3 more months a year for men until 62 in 2028 and 4 more months a
  year for women until 60 in 2035. Điều 4 khoản 2 → Phụ lục I, the schedule by the year of retirement
  ("năm nghỉ hưu"): :data:`AGE_SCHEDULE` is that table. Điều 4 khoản 3 → Phụ lục II, the table by month and
  year of birth (the age and the month the pension starts): it is not typed in here but *derived* from Phụ lục
  I by :func:`retirement_of` — a person retires at the age in force in the calendar year in which they reach it
  (a man born 09/1961 reaches 60 years 3 months in 12/2021: 60 y 3 m; one born 10/1961 would reach it in 2022,
  when the age is 60 y 6 m, which he reaches in 04/2022). ``tests/test_retirement.py`` checks rows of Phụ lục
  II against it (rule NĐ135-4).
- Điều 3 khoản 1: "thời điểm nghỉ hưu là kết thúc ngày cuối cùng của tháng đủ tuổi nghỉ hưu" — the end of the
  last day of the month in which the person reaches the age (:attr:`Retirement.last_day`); khoản 2: the pension
  ("thời điểm hưởng chế độ hưu trí") starts on the first day of the next month (:attr:`Retirement.starts_on`,
  what :func:`retirement_date` returns and the screens show as "ngày nghỉ hưu": the day from which a retirement
  decision lets the person retire); khoản 3: when only the year of birth is known, the birth date is taken as
  01/01 of that year. Only the month of birth matters (the age is reached in the birth month), so a date known
  to the month needs nothing more.

Not covered (they need facts the file does not hold): earlier retirement (Điều 5: heavy or hazardous work,
disadvantaged areas, reduced working capacity) and later retirement (Điều 6: working on past the age by agreement,
and the extensions other texts allow some cán bộ, công chức) — the list is the date by the normal schedule.

:func:`retirements_due` lists the active people of the reader's scope under a unit whose retirement date falls in
the next months. At city scale (250,000 people) nothing is loaded in full: the schedule gives, per sex, the
window of birth dates that can retire in the period, which the SQL filters on (``ix_person_birth_date``);
the retirement date of each birth month of the window is computed here from the table and handed to the same
statement as a ``CASE``, so sorting, paging and the per-unit counts are done by the database. (A birth date
known only to the year is stored as 01/01 of that year — ``personnel.checks.parse_partial_date`` — so the SQL
and :func:`retirement_of` agree on it.)
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Date, Select, and_, case, false, func, literal, null, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.request_input import parse_int
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services.errors import NotFoundError, ValidationError
from app.services.personnel.people import ACTIVE_STATUSES
from models.org_units import OrgUnit, Subtree
from models.personnel import Person

__all__ = [
    "AGE_SCHEDULE",
    "MAX_MONTHS",
    "add_months",
    "DueRetirements",
    "Retirement",
    "age_in_year",
    "birth_month_schedule",
    "retirement_of",
    "retirement_date",
    "retirements_due",
]

#: Tuổi nghỉ hưu in normal working conditions by the calendar year in which it is reached: per sex (the gender
#: code list: "nam", "nu"), rows ``(year, years, months)`` sorted by year; a row holds from its year until the
#: next row's, the last one for every later year ("từ năm 2028 / 2035 trở đi").
#: Rows 2021–2035: NĐ 135/2020/NĐ-CP, Điều 4 khoản 1 and Phụ lục I ("Lộ trình điều chỉnh tuổi nghỉ hưu đối với
#: người lao động trong điều kiện lao động bình thường"). Row 2020, for anyone who reached the age before
#: 01/01/2021: the law before it (Bộ luật Lao động 2012 Điều 187 khoản 1, Luật Bảo hiểm xã hội 2014 Điều 54:
#: nam đủ 60 tuổi, nữ đủ 55 tuổi).
AGE_SCHEDULE: dict[str, tuple[tuple[int, int, int], ...]] = {
    "nam": (
        (2020, 60, 0),
        (2021, 60, 3),
        (2022, 60, 6),
        (2023, 60, 9),
        (2024, 61, 0),
        (2025, 61, 3),
        (2026, 61, 6),
        (2027, 61, 9),
        (2028, 62, 0),
    ),
    "nu": (
        (2020, 55, 0),
        (2021, 55, 4),
        (2022, 55, 8),
        (2023, 56, 0),
        (2024, 56, 4),
        (2025, 56, 8),
        (2026, 57, 0),
        (2027, 57, 4),
        (2028, 57, 8),
        (2029, 58, 0),
        (2030, 58, 4),
        (2031, 58, 8),
        (2032, 59, 0),
        (2033, 59, 4),
        (2034, 59, 8),
        (2035, 60, 0),
    ),
}

#: The longest period the list looks ahead (months).
MAX_MONTHS = 60

_YEARS = {sex: [row[0] for row in rows] for sex, rows in AGE_SCHEDULE.items()}
_AGES = {sex: [row[1] * 12 + row[2] for row in rows] for sex, rows in AGE_SCHEDULE.items()}


def age_in_year(gender: str, year: int) -> int:
    """The retirement age, in months, of a person of ``gender`` who reaches it in ``year`` (Phụ lục I)."""
    i = bisect_right(_YEARS[gender], year) - 1
    return _AGES[gender][max(i, 0)]


def _month(d: date) -> int:
    """Month index of a date (year × 12 + month − 1)."""
    return d.year * 12 + d.month - 1


def _first_day(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def _last_day(month: int) -> date:
    return date.fromordinal(_first_day(month + 1).toordinal() - 1)


@dataclass(frozen=True)
class Retirement:
    """When one person retires under the normal schedule."""

    #: The retirement age: (years, months).
    age: tuple[int, int]
    #: Thời điểm nghỉ hưu: the end of this day, the last day of the month the age is reached (Điều 3 khoản 1).
    last_day: date
    #: Thời điểm hưởng chế độ hưu trí: the first day of the next month (Điều 3 khoản 2) — "ngày nghỉ hưu".
    starts_on: date


def _reach(gender: str, birth_month: int) -> tuple[int, int]:
    """(age in months, month index in which it is reached) for a person born in ``birth_month``: the age in force
    in the first year in which the person reaches the age of that year (Phụ lục II)."""
    ages = _AGES[gender]
    year = (birth_month + ages[0]) // 12
    while True:
        age = age_in_year(gender, year)
        reached = birth_month + age
        if reached // 12 <= year:
            return age, reached
        year += 1  # the age of ``year`` is reached after it: the next year's age applies (ages only grow)


def retirement_of(birth_date: date | None, gender: str | None, precision: str | None = "day") -> Retirement | None:
    """The retirement of a person born on ``birth_date`` (known to the ``precision`` "day", "month" or "year")
    of ``gender`` ("nam"/"nu"); None when the birth date or the sex is unknown.

    A birth date known only to the year counts as 01/01 of that year (NĐ 135/2020 Điều 3 khoản 3); the day of
    the month never matters (the age is reached in the month of birth)."""
    if birth_date is None or gender not in AGE_SCHEDULE:
        return None
    born = date(birth_date.year, 1, 1) if precision == "year" else birth_date
    age, reached = _reach(gender, _month(born))
    return Retirement(age=divmod(age, 12), last_day=_last_day(reached), starts_on=_first_day(reached + 1))


def retirement_date(birth_date: date | None, gender: str | None, precision: str | None = "day") -> date | None:
    """"Ngày nghỉ hưu": the first day of the month after the month in which the retirement age is reached — the
    day the pension starts (NĐ 135/2020 Điều 3 khoản 2), the day after the retirement moment (the end of the last
    day of that month, Điều 3 khoản 1). None when the birth date or the sex is unknown."""
    found = retirement_of(birth_date, gender, precision)
    return found.starts_on if found is not None else None


def birth_month_schedule(gender: str, start: date, end: date) -> list[tuple[date, date]]:
    """``(first day of a birth month, retirement date)`` for every birth month whose retirement date (see
    :func:`retirement_date`) falls in ``[start, end)``, in order; consecutive months, because the retirement date
    grows strictly with the birth month (one month later is reached at least one month later)."""
    ages = _AGES[gender]
    first = _month(start) - max(ages) - 2
    last = _month(end) - min(ages) + 1
    out = []
    for born in range(first, last + 1):
        retires_on = _first_day(_reach(gender, born)[1] + 1)
        if start <= retires_on < end:
            out.append((_first_day(born), retires_on))
    return out


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (the 31st becomes the month's last day when the month is shorter)."""
    month = _month(day) + months
    return _first_day(month).replace(day=min(day.day, _last_day(month).day))


# --------------------------------------------------------------------------- the list


@dataclass
class DueRetirements:
    """The retirements due in a period: the rows' SELECT (sorted by retirement date, then name) for a page,
    the count per unit and the period ``[start, end)``."""

    rows: Select
    #: (unit id, unit name, parent unit name, count), most retirements first.
    by_unit: list
    total: int
    start: date
    end: date
    months: int
    unit: OrgUnit | None


def _unit(actor, unit_id) -> OrgUnit | None:
    if unit_id is None or unit_id == "":
        return None
    number = parse_int(unit_id)
    unit = db.session.get(OrgUnit, number) if number is not None else None
    if unit is None or not scope.allows(actor, ACTION_READ, RESOURCE_PERSONNEL, unit):
        raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
    return unit


def retirements_due(actor, unit_id=None, months: int = 12) -> DueRetirements:
    """The active people (đang công tác, tạm đình chỉ) of the units where ``actor`` reads personnel files —
    under ``unit_id`` and its sub-units when given — whose retirement date (:func:`retirement_date`) falls in
    the next ``months`` months: from today (``scope.today()``) included to the same day ``months`` later
    excluded. People without a birth date or a sex are not listed (their date cannot be known).

    A unit that does not exist or lies outside the actor's scope is a NotFoundError; ``months`` outside
    1..:data:`MAX_MONTHS` a ValidationError. Nothing is written."""
    count = parse_int(months, 1, MAX_MONTHS)
    if count is None:
        raise ValidationError({"months": [_("Số tháng phải từ 1 đến %(max)s.", max=MAX_MONTHS)]})
    unit = _unit(actor, unit_id)
    start = scope.today()
    end = add_months(start, count)
    windows, whens = [], []
    for gender in AGE_SCHEDULE:
        months_of = birth_month_schedule(gender, start, end)
        if not months_of:
            continue
        lo, hi = months_of[0][0], add_months(months_of[-1][0], 1)
        windows.append(and_(Person.gender == gender, Person.birth_date >= lo, Person.birth_date < hi))
        for (born, retires_on), following in zip(months_of, [m for m, _r in months_of[1:]] + [hi], strict=True):
            whens.append((and_(Person.gender == gender, Person.birth_date >= born, Person.birth_date < following),
                          literal(retires_on, Date)))
    conditions = [Person.status.in_(ACTIVE_STATUSES),
                  Person.org_unit_id.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_PERSONNEL)),
                  or_(*windows) if windows else false()]
    if unit is not None:
        conditions.append(Person.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())))
    retires_on = (case(*whens, else_=None) if whens else null()).label("retires_on")
    rows = (select(Person.id, Person.family_name, Person.middle_name, Person.given_name, Person.gender,
                   Person.birth_date, Person.birth_date_precision, Person.org_unit_id,
                   OrgUnit.name.label("unit_name"), retires_on)
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .where(*conditions)
            .order_by(retires_on, Person.sort_key, Person.id))
    parent = aliased(OrgUnit)
    number = func.count(Person.id).label("count")
    by_unit = list(db.session.execute(
        select(OrgUnit.id, OrgUnit.name, parent.name.label("parent_name"), number)
        .select_from(Person)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(parent, parent.id == OrgUnit.parent_id)
        .where(*conditions)
        .group_by(OrgUnit.id, OrgUnit.name, parent.name)
        .order_by(number.desc(), OrgUnit.name, OrgUnit.id)))
    return DueRetirements(rows=rows, by_unit=by_unit, total=sum(r.count for r in by_unit), start=start, end=end,
                          months=count, unit=unit)
