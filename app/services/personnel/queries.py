"""Reading people at city scale: the scoped, filtered, Vietnamese-ordered list and the CCCD lookup.

One statement for the page (explicit columns, the unit name joined), one bounded count (never a full
``count(*)``: it stops at :data:`COUNT_CAP`). Name search matches every word of the query inside the
diacritic-free ``search_key`` (a trigram index serves it on PostgreSQL), so "dang van duc" finds
"Đặng Văn Đức" and "ton nu ha" finds "Tôn Nữ Thị Hà". Order: tên, then họ + đệm (``sort_key``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app.crypto import blind_index
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services.personnel.checks import normalize_cccd
from app.services.personnel.people import ACTIVE_STATUSES, ARCHIVE_STATUSES
from app.text import search_key
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = ["COUNT_CAP", "PersonFilter", "PersonPage", "list_people"]

COUNT_CAP = 10_000


@dataclass
class PersonFilter:
    """What the person list is narrowed to (every field optional)."""

    unit_id: int | None = None
    include_sub_units: bool = True
    category: str | None = None
    #: "active" (default), "archive", "all" or one status key
    status: str = "active"
    rank_code: str | None = None
    gender: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    q: str | None = None


@dataclass
class PersonPage:
    """One page of the list: rows (mappings), the bounded total and paging facts."""

    rows: list
    total: int
    total_capped: bool
    page: int
    page_size: int
    has_next: bool = False
    units: dict = field(default_factory=dict)


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _conditions(user, flt: PersonFilter, today: date) -> list:
    conds = [scope.person_filter(user, ACTION_READ)]
    if flt.unit_id:
        unit = db.session.get(OrgUnit, flt.unit_id)
        if unit is None:
            conds.append(Person.id.is_(None))
        elif flt.include_sub_units:
            conds.append(Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%"))))
        else:
            conds.append(Person.org_unit_id == unit.id)
    if flt.status == "active":
        conds.append(Person.status.in_(ACTIVE_STATUSES))
    elif flt.status == "archive":
        conds.append(Person.status.in_(ARCHIVE_STATUSES))
    elif flt.status and flt.status != "all":
        conds.append(Person.status == flt.status)
    if flt.category:
        conds.append(Person.category == flt.category)
    if flt.rank_code:
        conds.append(Person.rank_code == flt.rank_code)
    if flt.gender:
        conds.append(Person.gender == flt.gender)
    if flt.age_min is not None:
        conds.append(Person.birth_date <= _years_ago(today, flt.age_min))
    if flt.age_max is not None:
        conds.append(Person.birth_date > _years_ago(today, flt.age_max + 1))
    q = (flt.q or "").strip()
    digits = normalize_cccd(q)
    if q and re.fullmatch(r"[\d .]+", q) and len(digits) in (9, 12):
        conds.append(Person.cccd_index == blind_index(digits))
    elif q:
        for word in search_key(q).split():
            conds.append(Person.search_key.like(f"%{word}%"))
    return conds


LIST_COLUMNS = (Person.id, Person.family_name, Person.middle_name, Person.given_name, Person.gender,
                Person.birth_date, Person.birth_date_precision, Person.category, Person.status, Person.rank_code,
                Person.position, Person.org_unit_id, Person.completeness, Person.cccd, Person.account_id)


def list_people(user, flt: PersonFilter, page: int = 0, page_size: int = 25, today: date | None = None) -> PersonPage:
    """One page of the files ``user`` may read, filtered and in Vietnamese order (two statements)."""
    today = today or date.today()
    page = max(0, int(page or 0))
    page_size = max(1, min(int(page_size or 25), 100))
    conds = _conditions(user, flt, today)
    stmt = (select(*LIST_COLUMNS, OrgUnit.name.label("unit_name"))
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .where(*conds)
            .order_by(Person.sort_key, Person.id)
            .offset(page * page_size).limit(page_size + 1))
    rows = list(db.session.execute(stmt).mappings())
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    capped = select(Person.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped))
    return PersonPage(rows=rows, total=min(total, COUNT_CAP), total_capped=total > COUNT_CAP, page=page,
                      page_size=page_size, has_next=has_next)
