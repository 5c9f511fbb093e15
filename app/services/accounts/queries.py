"""Read-only account queries (never commit): bounded searches, pages and lookups within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_ACCOUNT, RESOURCE_ORG_UNIT
from app.services.errors import NotFoundError, ValidationError
from app.services.org_units import get_unit
from app.text import clean, search_key
from models.accounts import Account, PasswordRequest, RoleAssignment
from models.org_units import OrgUnit, Subtree

__all__ = [
    "AccountPage",
    "MAX_ASSIGNMENTS_SHOWN",
    "PAGE_SIZE",
    "account_assignment",
    "account_by_username",
    "accounts_in_scope",
    "assignment_status",
    "assignments_of",
    "escape_like",
    "open_password_requests",
    "password_request_in_scope",
    "roles_in_force",
    "search_accounts",
    "visible_account",
]

#: Vietnamese letters with diacritics (both cases) and their search-key letter, for SQL ``translate``.
_VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI_FROM = _VI_LETTERS + _VI_LETTERS.upper()
_VI_TO = "".join(search_key(c) for c in _VI_FROM)

#: Account list page size (design for 250,000 accounts: always a bounded page).
PAGE_SIZE = 50


def account_by_username(username: str) -> Account | None:
    """The account named ``username`` (exact match), or None (operator commands; no scope check)."""
    return db.session.scalar(select(Account).where(Account.username == username))


def accounts_in_scope(actor):
    """SELECT of the accounts ``actor`` may see (their units in scope, and always their own)."""
    conditions = [Account.org_unit_id.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_ACCOUNT))]
    uid = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None
    if uid is not None:
        conditions.append(Account.id == uid)
    return select(Account).where(or_(*conditions))


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape character escaped (use ``escape="\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_match(query: str):
    """WHERE clause: username or "họ tên" contains ``query``, ignoring case (and diacritics on PostgreSQL)."""
    raw = "%" + escape_like(clean(query).lower()) + "%"
    full_name = func.coalesce(Account.last_name, "") + " " + func.coalesce(Account.first_name, "")
    conditions = [Account.username.ilike(raw, escape="\\"), full_name.ilike(raw, escape="\\")]
    key = "%" + escape_like(search_key(query)) + "%"
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        conditions.append(func.translate(func.lower(full_name), _VI_FROM, _VI_TO).like(key, escape="\\"))
    elif dialect == "sqlite":
        # The embedded database has no translate(): the same Python search key, as a connection function.
        db.session.connection().connection.dbapi_connection.create_function(
            "vi_search_key", 1, search_key, deterministic=True)
        conditions.append(func.vi_search_key(full_name).like(key, escape="\\"))
    return or_(*conditions)


@dataclass
class AccountPage:
    """One bounded page of accounts, with the roles each holds today (one query for the page)."""

    rows: list[Account]
    roles: dict[int, list[RoleAssignment]] = field(default_factory=dict)
    offset: int = 0
    limit: int = PAGE_SIZE
    has_more: bool = False


def search_accounts(actor, query: str | None = None, unit_id: Any = None, *, include_sub_units: bool = True,
                    offset: int = 0, limit: int = PAGE_SIZE) -> AccountPage:
    """Accounts in ``actor``'s scope matching a name/username and/or a unit; one page, no ``count(*)``.

    Ordered the Vietnamese way (tên, then họ và tên đệm). A unit outside the actor's reach is not found.
    """
    stmt = accounts_in_scope(actor).options(joinedload(Account.org_unit))
    if clean(query):
        stmt = stmt.where(_name_match(query))
    if unit_id not in (None, ""):
        unit = _unit_in_reach(actor, unit_id)
        if include_sub_units:
            stmt = stmt.where(Account.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())))
        else:
            stmt = stmt.where(Account.org_unit_id == unit.id)
    offset, limit = max(int(offset or 0), 0), max(min(int(limit or PAGE_SIZE), PAGE_SIZE), 1)
    rows = list(db.session.scalars(
        stmt.order_by(Account.first_name, Account.last_name, Account.id).offset(offset).limit(limit + 1)
    ).unique())
    page = rows[:limit]
    return AccountPage(rows=page, roles=roles_in_force([a.id for a in page]), offset=offset, limit=limit,
                       has_more=len(rows) > limit)


def _unit_in_reach(actor, unit_id: Any) -> OrgUnit:
    try:
        unit = get_unit(unit_id)
    except (NotFoundError, ValidationError):
        unit = None
    if unit is None or not (scope.allows(actor, ACTION_READ, RESOURCE_ORG_UNIT, unit)
                            or scope.allows(actor, ACTION_READ, RESOURCE_ACCOUNT, unit)):
        raise NotFoundError(_("Không tìm thấy đơn vị có mã %(id)s.", id=unit_id))
    return unit


def roles_in_force(account_ids: list[int]) -> dict[int, list[RoleAssignment]]:
    """The assignments in force today of each given account (one query), keyed by account id."""
    result: dict[int, list[RoleAssignment]] = {i: [] for i in account_ids}
    if not account_ids:
        return result
    day = scope.today()
    for assignment in db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id.in_(account_ids), RoleAssignment.in_force(day),
    ).order_by(RoleAssignment.id)).unique():
        result[assignment.user_id].append(assignment)
    return result


def visible_account(actor, account_id: Any) -> Account:
    """The account if ``actor`` may read it; NotFoundError otherwise (also for a forged or malformed id)."""
    try:
        wanted = as_id(account_id)
    except (TypeError, ValueError):
        wanted = None
    account = None
    if wanted is not None:
        account = db.session.scalars(accounts_in_scope(actor).where(Account.id == wanted)).first()
    if account is None:
        raise NotFoundError(_("Không tìm thấy tài khoản có mã %(id)s.", id=account_id))
    return account


def account_assignment(actor, account_id: Any, assignment_id: Any) -> tuple[Account, RoleAssignment]:
    """An assignment named in a URL together with its account; NotFoundError unless both match and are readable."""
    account = visible_account(actor, account_id)
    try:
        assignment = db.session.get(RoleAssignment, as_id(assignment_id))
    except (TypeError, ValueError):
        assignment = None
    if assignment is None or assignment.user_id != account.id:
        raise NotFoundError(_("Không tìm thấy phân quyền có mã %(id)s.", id=assignment_id))
    return account, assignment


#: How many assignments an account page shows (an account holds a handful; history is bounded too).
MAX_ASSIGNMENTS_SHOWN = 200


def assignments_of(account: Account) -> list[RoleAssignment]:
    """The account's role assignments, current and past, newest first (bounded)."""
    return list(db.session.scalars(
        select(RoleAssignment).options(joinedload(RoleAssignment.granted_by))
        .where(RoleAssignment.user_id == account.id)
        .order_by(RoleAssignment.revoked_at.is_(None).desc(), RoleAssignment.valid_from.desc(),
                  RoleAssignment.id.desc())
        .limit(MAX_ASSIGNMENTS_SHOWN)
    ).unique())


def assignment_status(assignment: RoleAssignment, day: date | None = None) -> str:
    """``revoked``, ``expired``, ``pending`` (starts later) or ``active``."""
    day = day or scope.today()
    if assignment.in_force(day):
        return "active"
    if assignment.revoked_at is not None:
        return "revoked"
    if assignment.valid_to is not None and assignment.valid_to < day:
        return "expired"
    return "pending"


def _requests_in_scope(actor):
    return select(PasswordRequest).where(
        PasswordRequest.status == "open",
        PasswordRequest.org_unit_id.in_(scope.unit_ids(actor, ACTION_WRITE, RESOURCE_ACCOUNT)),
    )


def open_password_requests(actor, *, offset: int = 0, limit: int = PAGE_SIZE) -> tuple[list[PasswordRequest], bool]:
    """Open lost-password requests of accounts where ``actor`` manages accounts, oldest first; one page."""
    offset, limit = max(int(offset or 0), 0), max(min(int(limit or PAGE_SIZE), PAGE_SIZE), 1)
    rows = list(db.session.scalars(
        _requests_in_scope(actor).options(joinedload(PasswordRequest.user), joinedload(PasswordRequest.org_unit))
        .order_by(PasswordRequest.created_at, PasswordRequest.id).offset(offset).limit(limit + 1)
    ).unique())
    return rows[:limit], len(rows) > limit


def password_request_in_scope(actor, request_id: Any) -> PasswordRequest:
    """An open request ``actor`` may resolve; NotFoundError otherwise (forged, resolved or out of scope)."""
    try:
        wanted = as_id(request_id)
    except (TypeError, ValueError):
        wanted = None
    req = None
    if wanted is not None:
        req = db.session.scalars(_requests_in_scope(actor).where(PasswordRequest.id == wanted)).first()
    if req is None:
        raise NotFoundError(_("Không tìm thấy yêu cầu cấp lại mật khẩu đang chờ xử lý."))
    return req
