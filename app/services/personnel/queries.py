"""Reading people at city scale: the scoped, filtered, Vietnamese-ordered list and the CCCD lookup.

Paging at city scale (issue 6, measured by ``make bench``): the matching ``(id, sort_key)`` pairs are
collected first, bounded at :data:`COUNT_CAP` + 1, then sorted, counted (a window count) and cut to the page,
and only the page's rows are read in full — one statement, whatever the page number, because a planner walking
the global ``sort_key`` index to find a subtree's or a search's rows reads tens of thousands of rows first.
Only when more than :data:`COUNT_CAP` rows match does a second statement walk the ``sort_key`` index for the
page (matches are dense then, so the walk is short) and the total shows as "more than 10,000".

Name search matches every word of the query inside the diacritic-free ``search_key`` (a trigram index
serves it on PostgreSQL), so "dang van duc" finds "Đặng Văn Đức" and "ton nu ha" finds
"Tôn Nữ Thị Hà". Order: tên, then họ + đệm (``sort_key``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select

from app.crypto import blind_index
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_APPROVE, ACTION_READ, ACTION_WRITE, RESOURCE_PERSONNEL
from app.services.personnel.checks import normalize_cccd
from app.services.personnel.people import ACTIVE_STATUSES, ARCHIVE_STATUSES
from app.text import search_key
from models.accounts import Account
from models.org_units import OrgUnit
from models.personnel import ChangeSet, FileVersion, Person

__all__ = ["COUNT_CAP", "PersonFilter", "PersonPage", "file_history", "get_version", "list_people", "own_person_id",
           "pending_change_sets"]

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


def _unit_scope_implied(user, unit: OrgUnit, with_sub_units: bool) -> bool:
    """True when every file of the unit filter lies inside the user's read scope (the scope test is redundant)."""
    for grant in scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL):
        if grant.include_descendants and unit.path.startswith(grant.unit_path):
            return True
        if not with_sub_units and grant.covers(unit):
            return True
    return False


def _conditions(user, flt: PersonFilter, today: date) -> list:
    conds = []
    scope_implied = False
    if flt.unit_id:
        unit = db.session.get(OrgUnit, flt.unit_id)
        if unit is None:
            conds.append(Person.id.is_(None))
        else:
            if flt.include_sub_units:
                conds.append(Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%"))))
            else:
                conds.append(Person.org_unit_id == unit.id)
            scope_implied = _unit_scope_implied(user, unit, flt.include_sub_units)
    if not scope_implied:
        conds.insert(0, scope.person_filter(user, ACTION_READ))
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
    if q and re.fullmatch(r"[\d .]+", q) and len(digits) == 12:
        conds.append(Person.cccd_index == blind_index(digits))
    elif q and re.fullmatch(r"[\d .]+", q) and len(digits) == 9:
        conds.append(Person.old_id_index == blind_index(digits))
    elif q:
        for word in search_key(q).split():
            conds.append(Person.search_key.like(f"%{word}%"))
    return conds


LIST_COLUMNS = (Person.id, Person.family_name, Person.middle_name, Person.given_name, Person.gender,
                Person.birth_date, Person.birth_date_precision, Person.category, Person.status, Person.rank_code,
                Person.position, Person.org_unit_id, Person.completeness, Person.cccd, Person.account_id)


def list_people(user, flt: PersonFilter, page: int = 0, page_size: int = 25, today: date | None = None) -> PersonPage:
    """One page of the files ``user`` may read, filtered and in Vietnamese order (one statement, two past
    :data:`COUNT_CAP` matches; see the module docstring)."""
    today = today or date.today()
    page = max(0, int(page or 0))
    page_size = max(1, min(int(page_size or 25), 100))
    conds = _conditions(user, flt, today)
    matches = select(Person.id, Person.sort_key).where(*conds).limit(COUNT_CAP + 1).subquery("matches")
    keys = (select(matches.c.id, matches.c.sort_key, func.count().over().label("total"))
            .order_by(matches.c.sort_key, matches.c.id)
            .offset(page * page_size).limit(page_size + 1).subquery("page_keys"))
    stmt = (select(*LIST_COLUMNS, OrgUnit.name.label("unit_name"), keys.c.total)
            .select_from(keys)
            .join(Person, Person.id == keys.c.id)
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .order_by(keys.c.sort_key, keys.c.id))
    rows = list(db.session.execute(stmt).mappings())
    if rows:
        total = rows[0]["total"]
    elif page:
        total = db.session.scalar(select(func.count()).select_from(matches))
    else:
        total = 0
    if total > COUNT_CAP:
        walk = (select(*LIST_COLUMNS, OrgUnit.name.label("unit_name"))
                .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
                .where(*conds)
                .order_by(Person.sort_key, Person.id)
                .offset(page * page_size).limit(page_size + 1))
        rows = list(db.session.execute(walk).mappings())
    has_next = len(rows) > page_size
    return PersonPage(rows=rows[:page_size], total=min(total, COUNT_CAP), total_capped=total > COUNT_CAP,
                      page=page, page_size=page_size, has_next=has_next)


def pending_change_sets(user, offset: int = 0, limit: int = 50) -> tuple[list, bool]:
    """One page of submitted change sets awaiting ``user``: those they may approve, and those in their write
    scope (the TCCB officer's review queue) — never their own file. Returns (rows, has_more); one query."""
    uid = getattr(user, "id", None)
    stmt = (
        select(ChangeSet.id, ChangeSet.submitted_at, ChangeSet.note, ChangeSet.on_behalf, ChangeSet.status,
               Person.id.label("person_id"), Person.family_name, Person.middle_name, Person.given_name,
               OrgUnit.name.label("unit_name"), Account.username.label("submitted_by"))
        .join(Person, Person.id == ChangeSet.person_id)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(Account, Account.id == ChangeSet.submitted_by_id)
        .where(ChangeSet.status == "submitted",
               or_(scope.person_filter(user, ACTION_APPROVE),
                   and_(scope.person_filter(user, ACTION_WRITE), Person.account_id.is_distinct_from(uid))))
        .order_by(ChangeSet.submitted_at, ChangeSet.id)
        .offset(max(0, offset)).limit(limit + 1)
    )
    rows = list(db.session.execute(stmt).mappings())
    return rows[:limit], len(rows) > limit


def file_history(person_id: int, limit: int = 50) -> tuple[list, list]:
    """(versions, change sets) of a file, newest first: one bounded query each (the caller checked read)."""
    versions = list(db.session.execute(
        select(FileVersion.version_no, FileVersion.created_at, FileVersion.sha256, FileVersion.change_set_id,
               Account.username.label("created_by"))
        .outerjoin(Account, Account.id == FileVersion.created_by_id)
        .where(FileVersion.person_id == person_id)
        .order_by(FileVersion.version_no.desc()).limit(limit)).mappings())
    change_sets = list(db.session.execute(
        select(ChangeSet.id, ChangeSet.status, ChangeSet.created_at, ChangeSet.submitted_at, ChangeSet.decided_at,
               ChangeSet.decision_comment, ChangeSet.on_behalf, Account.username.label("created_by"))
        .outerjoin(Account, Account.id == ChangeSet.created_by_id)
        .where(ChangeSet.person_id == person_id)
        .order_by(ChangeSet.id.desc()).limit(limit)).mappings())
    return versions, change_sets


def get_version(person_id: int, version_no: int) -> FileVersion | None:
    """Version ``version_no`` of a file (the caller checked read), None if there is none."""
    return db.session.scalar(select(FileVersion).where(FileVersion.person_id == person_id,
                                                       FileVersion.version_no == version_no))


def own_person_id(user) -> int | None:
    """Id of the file linked to ``user``'s account (one account, one person: HCM-4.4)."""
    uid = getattr(user, "id", None)
    return db.session.scalar(select(Person.id).where(Person.account_id == uid)) if uid is not None else None
