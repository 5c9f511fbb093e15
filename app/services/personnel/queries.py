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

The approver's inbox (:func:`inbox`, issue 8) is one statement too: the change sets whose pending step the
user may act on (``workflow.awaiting_condition``), earliest deadline first, with the total as a window count;
overdue is computed against today's Vietnamese date, never stored.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy import and_, false, func, select

from app import audit, workdays, workflow
from app.crypto import blind_index
from app.extensions import db
from app.profiles import CityProfile, active_profile
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services.errors import ServiceError
from app.services.personnel.checks import normalize_cccd
from app.services.personnel.people import ACTIVE_STATUSES, ARCHIVE_STATUSES
from app.services.personnel.syll import section
from app.text import search_key
from models.accounts import Account
from models.approvals import ApprovalStep
from models.org_units import OrgUnit, Subtree
from models.personnel import ChangeSet, FileVersion, Person

__all__ = ["COUNT_CAP", "InboxFilter", "InboxPage", "InboxRow", "PersonFilter", "PersonPage", "SearchRateLimited",
           "awaiting_ids", "file_history", "get_version", "id_number_query", "inbox", "list_people", "own_person_id",
           "person_conditions", "step_choices"]

COUNT_CAP = 10_000
log = logging.getLogger(__name__)


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
    #: Set by the exact-number search guard: what the access log records of it (never the number).
    id_search: dict | None = None


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
    #: Shown above the list (e.g. an exact CCCD search the user may not make).
    notice: str | None = None


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _unit_scope_implied(user, unit: OrgUnit, with_sub_units: bool) -> bool:
    """True when every file of the unit filter lies inside the user's read scope (the scope test is redundant)."""
    for grant in scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL):
        if grant.include_descendants and Subtree(grant.unit_path).covers(unit):
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
                conds.append(Person.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())))
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
    number = id_number_query(q)
    if number is not None:
        name, digits = number
        column = Person.cccd_index if name == "cccd" else Person.old_id_index
        # Only the files on which the user reads the number in clear (a masked number must not be confirmed).
        conds += [column == blind_index(digits), scope.level_filter(user, section("documents").field(name).level)]
    elif q:
        for word in search_key(q).split():
            conds.append(Person.search_key.like(f"%{word}%"))
    return conds


def person_conditions(user, flt: PersonFilter, today: date | None = None) -> list:
    """The list's WHERE conditions on ``Person`` for ``flt`` in ``user``'s scope (the people export streams them)."""
    return _conditions(user, flt, today or date.today())


def id_number_query(q: str | None) -> tuple[str, str] | None:
    """``(registry field, digits)`` when ``q`` is a whole CCCD (12 digits) or CMND (9 digits), else None."""
    q = (q or "").strip()
    if not q or not re.fullmatch(r"[\d .]+", q):
        return None
    digits = normalize_cccd(q)
    return {12: ("cccd", digits), 9: ("old_id_number", digits)}.get(len(digits))


class SearchRateLimited(ServiceError):
    """Too many exact searches by identity number in the window (``CCCD_SEARCH_RATE_LIMIT``)."""

    status = 429


def _within_id_search_limit(user) -> bool:
    """Count one exact identity-number search of ``user``; False past ``CCCD_SEARCH_RATE_LIMIT`` (default 30 per
    hour per user), kept in the app's rate-limit storage (``RATELIMIT_STORAGE_URI``) so every process shares it.
    A storage failure refuses the search (it is the guard against guessing)."""
    item = parse_limit(current_app.config.get("CCCD_SEARCH_RATE_LIMIT") or "30 per hour")
    try:
        return _id_search_limiter().hit(item, "id_search", str(getattr(user, "id", None)))
    except Exception:  # noqa: BLE001 - the storage is down: fail closed, logged
        log.exception("rate-limit storage unavailable for the identity-number search")
        return False


def _id_search_limiter():
    """The app's rate-limit strategy (Flask-Limiter of the security manager, with its storage and fallback);
    when that limiter is not set up (``RATELIMIT_ENABLED`` off), a fixed window on ``RATELIMIT_STORAGE_URI``."""
    try:
        return current_app.appbuilder.sm.limiter.limiter
    except (AttributeError, AssertionError):
        pass
    strategy = current_app.extensions.get("cbccvc_id_search_limiter")
    if strategy is None:
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        strategy = FixedWindowRateLimiter(storage_from_string(
            current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))
        current_app.extensions["cbccvc_id_search_limiter"] = strategy
    return strategy


def _guard_id_search(user, flt: PersonFilter) -> str | None:
    """Before an exact CCCD/CMND search: the notice when the user may not search by number (the search then
    matches nothing); SearchRateLimited past the limit. Every such search is in the access log with the number's
    blind index, never the number."""
    number = id_number_query(flt.q)
    if number is None:
        return None
    name, digits = number
    allowed = scope.reads_level_somewhere(user, section("documents").field(name).level)
    detail = {"kind": name, "index": blind_index(digits), "allowed": allowed}
    if allowed and not _within_id_search_limit(user):
        audit.log_access("id_search", user=user, object_type="Person", detail={**detail, "rate_limited": True})
        raise SearchRateLimited(_("Bạn đã tìm theo số định danh quá nhiều lần; hãy thử lại sau."))
    flt.id_search = detail
    return None if allowed else _("Bạn không có quyền tìm theo số định danh (CCCD/CMND): số này chỉ hiện "
                                  "đầy đủ với người được xem rõ.")


LIST_COLUMNS = (Person.id, Person.family_name, Person.middle_name, Person.given_name, Person.gender,
                Person.birth_date, Person.birth_date_precision, Person.category, Person.status, Person.rank_code,
                Person.position, Person.org_unit_id, Person.completeness, Person.cccd, Person.account_id)


def list_people(user, flt: PersonFilter, page: int = 0, page_size: int = 25, today: date | None = None) -> PersonPage:
    """One page of the files ``user`` may read, filtered and in Vietnamese order (one statement, two past
    :data:`COUNT_CAP` matches; see the module docstring)."""
    today = today or date.today()
    page = max(0, int(page or 0))
    page_size = max(1, min(int(page_size or 25), 100))
    notice = _guard_id_search(user, flt)
    conds = _conditions(user, flt, today)
    if notice:
        conds.append(false())
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
    if flt.id_search is not None:
        audit.log_access("id_search", user=user, object_type="Person",
                         detail={**flt.id_search, "matches": min(total, COUNT_CAP)})
    return PersonPage(rows=rows[:page_size], total=min(total, COUNT_CAP), total_capped=total > COUNT_CAP,
                      page=page, page_size=page_size, has_next=has_next, notice=notice)


@dataclass
class InboxFilter:
    """What the approver's inbox is narrowed to: a unit and its sub-units, a step of the chains."""

    unit_id: int | None = None
    step_key: str | None = None


@dataclass
class InboxRow:
    """One change set awaiting the user: its pending step, deadlines and on whose delegation they act."""

    id: int
    #: The submission shown (the bulk form sends it back: a decision is taken on what the user saw).
    round: int
    person_id: int
    full_name: str
    unit_name: str
    chain: str | None
    step_key: str
    step_label: str
    signature_required: bool
    rule: str | None
    due_date: date | None
    window_start: date | None
    window_end: date | None
    overall_due: date | None
    submitted_at: datetime | None
    signed_at: datetime | None
    submitted_by: str | None
    on_behalf: bool
    note: str | None
    overdue: bool
    overdue_workdays: int = 0
    delegator_id: int | None = None
    delegator_name: str | None = None


@dataclass
class InboxPage:
    """One page of the inbox, the number of change sets awaiting (all pages) and paging facts."""

    rows: list[InboxRow]
    total: int
    page: int
    page_size: int
    has_next: bool = False
    today: date | None = None


def step_choices(profile: CityProfile | None = None) -> list[tuple[str, str]]:
    """(step key, label) of every step of the profile's chains; one key, its labels joined (for the filter)."""
    profile = profile or active_profile()
    labels: dict[str, list[str]] = {}
    for chain in profile.chains.values():
        for step in chain.steps:
            names = labels.setdefault(step.key, [])
            if str(step.label) not in names:
                names.append(str(step.label))
    return [(key, " / ".join(names)) for key, names in labels.items()]


def _step_label(profile: CityProfile, chain: str | None, seq: int, key: str) -> str:
    try:
        return str(profile.chains[chain].steps[seq].label)
    except (KeyError, IndexError, TypeError):
        return key


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _full_name(*parts) -> str:
    return " ".join(p for p in parts if p)


INBOX_COLUMNS = (
    ChangeSet.id, ChangeSet.round, ChangeSet.chain, ChangeSet.submitted_at, ChangeSet.signed_at,
    ChangeSet.due_date.label("overall_due"), ChangeSet.note, ChangeSet.on_behalf,
    ApprovalStep.key.label("step_key"), ApprovalStep.seq, ApprovalStep.authority, ApprovalStep.due_date,
    ApprovalStep.window_start, ApprovalStep.signature_required, ApprovalStep.rule,
    Person.id.label("person_id"), Person.family_name, Person.middle_name, Person.given_name, Person.org_unit_id,
    OrgUnit.name.label("unit_name"), OrgUnit.path.label("unit_path"), Account.username.label("submitted_by"),
)


def _inbox_select(user, conditions: list, today: date):
    """The awaiting change sets of ``user`` (their pending step of the current round) with ``conditions``."""
    overdue = func.coalesce(ApprovalStep.due_date < today, false())
    return (
        select(*INBOX_COLUMNS, overdue.label("overdue"))
        .select_from(ApprovalStep)
        .join(ChangeSet, and_(ChangeSet.id == ApprovalStep.change_set_id, ChangeSet.round == ApprovalStep.round))
        .join(Person, Person.id == ChangeSet.person_id)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(Account, Account.id == ChangeSet.submitted_by_id)
        .where(workflow.awaiting_condition(user), ChangeSet.status == "submitted", *conditions)
    )


def _delegators(user, rows, profile: CityProfile) -> dict[int, int | None]:
    """Change set id -> the delegator whose delegation alone lets ``user`` act (None: their own authority).

    The places where the user holds each authority are a few rows of the request's cache, so this costs no
    query per row; the same rule as ``workflow.can_act``.
    """
    places = {key: workflow.authority_units(user, authority) for key, authority in profile.authorities.items()
              if any(r.authority == key for r in rows)}
    out: dict[int, int | None] = {}
    for r in rows:
        unit = SimpleNamespace(id=r.org_unit_id, path=r.unit_path)
        matching = [p for p in places.get(r.authority, []) if p.covers(unit)]
        direct = any(p.delegator_id is None for p in matching)
        out[r.id] = None if direct or not matching else matching[0].delegator_id
    return out


def inbox(user, flt: InboxFilter | None = None, page: int = 0, page_size: int = 50,
          today: date | None = None) -> InboxPage:
    """One page of the change sets whose pending step ``user`` may act on (``workflow.awaiting_condition``:
    their own authority or a valid delegation, never their own file), earliest deadline first (no deadline
    last), then earliest submission. One statement for the page and its total, one more for the names of
    delegators when some row is acted on under a delegation, whatever the page size."""
    flt = flt or InboxFilter()
    today = today or workflow.local_today()
    page = max(0, int(page or 0))
    page_size = max(1, min(int(page_size or 50), 100))
    profile = active_profile()
    conds = []
    if flt.unit_id:
        unit = db.session.get(OrgUnit, flt.unit_id)
        conds.append(Subtree.of(unit).condition() if unit is not None else false())
    if flt.step_key:
        conds.append(ApprovalStep.key == flt.step_key)
    stmt = (_inbox_select(user, conds, today).add_columns(func.count().over().label("total"))
            .order_by(ApprovalStep.due_date.asc().nulls_last(), ChangeSet.submitted_at, ChangeSet.id)
            .offset(page * page_size).limit(page_size + 1))
    found = list(db.session.execute(stmt))
    total = found[0].total if found else 0
    rows = found[:page_size]
    delegators = _delegators(user, rows, profile) if rows else {}
    names = {}
    wanted = {d for d in delegators.values() if d is not None}
    if wanted:
        names = {a.id: _full_name(a.last_name, a.first_name) or a.username for a in db.session.execute(
            select(Account.id, Account.username, Account.first_name, Account.last_name)
            .where(Account.id.in_(wanted)))}
    late = [r.due_date for r in rows if r.overdue]
    if late:
        workdays.calendar().prepare(min(late), today)
    out = []
    for r in rows:
        delegator = delegators.get(r.id)
        out.append(InboxRow(
            id=r.id, round=r.round, person_id=r.person_id,
            full_name=_full_name(r.family_name, r.middle_name, r.given_name),
            unit_name=r.unit_name, chain=r.chain, step_key=r.step_key,
            step_label=_step_label(profile, r.chain, r.seq, r.step_key), signature_required=r.signature_required,
            rule=r.rule, due_date=r.due_date, window_start=r.window_start,
            window_end=_month_end(r.window_start) if r.window_start else None, overall_due=r.overall_due,
            submitted_at=r.submitted_at, signed_at=r.signed_at, submitted_by=r.submitted_by,
            on_behalf=bool(r.on_behalf), note=r.note, overdue=bool(r.overdue),
            overdue_workdays=workdays.count_workdays(r.due_date, today) if r.overdue else 0,
            delegator_id=delegator, delegator_name=names.get(delegator) if delegator else None,
        ))
    return InboxPage(rows=out, total=total, page=page, page_size=page_size, has_next=len(found) > page_size,
                     today=today)


def awaiting_ids(user, change_set_ids) -> dict[int, tuple[bool, int]]:
    """Of ``change_set_ids``, those awaiting ``user`` (as in :func:`inbox`): id -> (the step needs a signature,
    the submission's round). One statement."""
    ids = list(change_set_ids)
    if not ids:
        return {}
    stmt = _inbox_select(user, [ChangeSet.id.in_(ids)], workflow.local_today())
    return {r.id: (bool(r.signature_required), r.round) for r in db.session.execute(stmt)}


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
