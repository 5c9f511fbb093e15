"""Account lifecycle use cases: create (one or in bulk), rename, reset, lock, unlock, passwords (HN-3.8, HN-6.2,
HCM-4.4, HCM-15.4).

Every public function is one transaction; every creation, reset, lock and unlock is also a security-log event.
A new account, a reset password and a lost-password report are notices to the people concerned, written in the
same transaction (``app.services.notifications``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash

from app import audit
from app.extensions import db
from app.security import scope
from app.security.roles import ROLE_SELF_SERVICE
from app.security.session import end_sessions
from app.services import notifications
from app.services.accounts.authority import (
    get_account,
    load_unit,
    require_grantable,
    require_take_over,
    role_names,
)
from app.services.accounts.passwords import check_password_policy, generate_password, hash_password
from app.services.accounts.queries import escape_like, password_request_in_scope
from app.services.errors import Errors, ValidationError, use_case
from app.text import clean, search_key
from models.accounts import ACCOUNT_KINDS, Account, PasswordRequest, RoleAssignment
from models.mixins import utcnow
from models.org_units import OrgUnit

__all__ = [
    "EMAIL_RE",
    "MAX_BULK",
    "USERNAME_RE",
    "USERNAME_RULE",
    "AccountData",
    "bulk_create_accounts",
    "change_own_password",
    "create_account",
    "create_personal_accounts",
    "lock_account",
    "make_username",
    "rename_account",
    "request_password_reset",
    "reset_password",
    "resolve_password_request",
    "unlock_account",
]

USERNAME_RULE = _l("Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch.")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_BULK = 500


@dataclass
class AccountData:
    """Fields of a new account."""

    username: str | None = None
    last_name: str | None = None  # họ và tên đệm
    first_name: str | None = None  # tên
    email: str | None = None
    org_unit_id: Any = None
    kind: str = "personal"
    role_name: str = ROLE_SELF_SERVICE
    include_descendants: bool = False
    request_number: str | None = None
    valid_to: date | None = None


# --------------------------------------------------------------------------- create


def make_username(full_name: str, taken: set[str]) -> str:
    """Vietnamese convention: given name + initials of family and middle names ("Nguyễn Văn An" -> "annv")."""
    words = search_key(full_name).split()
    if not words:
        base = "canbo"
    else:
        base = re.sub(r"[^a-z0-9]", "", words[-1] + "".join(w[0] for w in words[:-1])) or "canbo"
    base = base[:40]
    if len(base) < 3:
        base = (base + "cb")[:3]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def _username_base(full_name: str) -> str:
    """The username ``make_username`` would start from (before a number is added)."""
    return make_username(full_name, set())


def _taken_usernames(bases: set[str]) -> set[str]:
    """Existing usernames starting with one of ``bases`` (never the whole table)."""
    if not bases:
        return set()
    taken: set[str] = set()
    ordered = sorted(bases)
    for i in range(0, len(ordered), 100):
        chunk = ordered[i:i + 100]
        taken.update(db.session.scalars(select(func.lower(Account.username)).where(
            or_(*[func.lower(Account.username).like(_like_prefix(b), escape="\\") for b in chunk]))))
    return taken


def _like_prefix(text: str) -> str:
    return escape_like(text) + "%"


def _split_name(full_name: str) -> tuple[str, str]:
    words = clean(full_name).split()
    return " ".join(words[:-1]), (words[-1] if words else "")


def _new_account(actor, data: AccountData, unit: OrgUnit, password: str) -> Account:
    username = clean(data.username).lower()
    account = Account(
        username=username,
        first_name=clean(data.first_name) or username,
        last_name=clean(data.last_name) or "",
        email=clean(data.email).lower() or f"{username}@khong-co-email.invalid",
        active=True,
        org_unit_id=unit.id,
        kind=data.kind,
        must_change_password=True,
        password=hash_password(password),
    )
    db.session.add(account)
    db.session.flush()
    role = current_app.appbuilder.sm.find_role(data.role_name)
    db.session.add(
        RoleAssignment(
            user_id=account.id,
            role_id=role.id,
            org_unit_id=unit.id,
            include_descendants=data.include_descendants,
            valid_from=scope.today(),
            valid_to=data.valid_to,
            granted_by_id=getattr(actor, "id", None),
            request_number=clean(data.request_number) or None,
        )
    )
    account.roles = [role]
    return account


def _check_new_account(actor, data: AccountData, errors: Errors, prefix: str = "") -> OrgUnit | None:
    username = clean(data.username).lower()
    if not USERNAME_RE.match(username):
        errors.add(prefix + "username", str(USERNAME_RULE))
    elif db.session.scalar(select(Account.id).where(func.lower(Account.username) == username)):
        errors.add(prefix + "username", _("Tên đăng nhập %(name)s đã tồn tại.", name=username))
    email = clean(data.email).lower()
    if email:
        if not EMAIL_RE.match(email):
            errors.add(prefix + "email", _("Địa chỉ thư điện tử không hợp lệ."))
        elif db.session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
            errors.add(prefix + "email", _("Thư điện tử %(email)s đã được dùng cho tài khoản khác.", email=email))
    if not clean(data.first_name):
        errors.add(prefix + "first_name", _("Tên là bắt buộc."))
    if data.kind not in ACCOUNT_KINDS:
        errors.add(prefix + "kind", _("Loại tài khoản không hợp lệ."))
    unit = load_unit(data.org_unit_id, errors)
    if data.role_name not in role_names():
        errors.add(prefix + "role_name", _("Vai trò không hợp lệ."))
    if data.valid_to is not None and data.valid_to < scope.today():
        errors.add(prefix + "valid_to", _("Ngày hết hạn không được trước hôm nay."))
    return unit


@use_case
def create_account(actor, data: AccountData) -> tuple[Account, str]:
    """Create one account with its role on a unit; returns it and its default password (shown once).

    An empty username is made from the name by the Vietnamese convention (``make_username``).
    """
    errors = Errors()
    full_name = clean(f"{clean(data.last_name)} {clean(data.first_name)}")
    if not clean(data.username) and clean(data.first_name):
        base = _username_base(full_name)
        data = replace(data, username=make_username(full_name, _taken_usernames({base})))
    unit = _check_new_account(actor, data, errors)
    errors.raise_if_any()
    require_grantable(actor, unit, data.role_name)
    password = generate_password()
    account = _new_account(actor, data, unit, password)
    notifications.account_created(account, actor)
    audit.log_security("account_created", user=actor,
                       detail={"account": account.username, "role": data.role_name, "unit": unit.id})
    return account, password


@use_case
def bulk_create_accounts(actor, unit_id: Any, lines: str, request_number: str | None = None) -> list[dict]:
    """One personal account per person (HCM-4.4) from lines "Họ và tên[; email]"; all or nothing.

    Returns ``[{"name", "username", "password"}]`` for the printable hand-out list.
    """
    errors = Errors()
    unit = load_unit(unit_id, errors)
    rows = [line for line in (lines or "").splitlines() if line.strip()]
    if not rows:
        errors.add("lines", _("Hãy nhập ít nhất một người (mỗi dòng một người)."))
    if len(rows) > MAX_BULK:
        errors.add("lines", _("Mỗi lần tạo tối đa %(n)s tài khoản.", n=MAX_BULK))
    errors.raise_if_any()
    require_grantable(actor, unit, ROLE_SELF_SERVICE)
    taken = _taken_usernames({_username_base(line.partition(";")[0]) for line in rows})
    emails: set[str] = set()
    specs = []
    for i, line in enumerate(rows, start=1):
        name, _sep, email = line.partition(";")
        name, email = clean(name), clean(email).lower()
        if len(name.split()) < 2:
            errors.add("lines", _("Dòng %(n)s: cần họ và tên đầy đủ.", n=i))
            continue
        if email and (not EMAIL_RE.match(email) or email in emails):
            errors.add("lines", _("Dòng %(n)s: thư điện tử không hợp lệ hoặc bị trùng.", n=i))
            continue
        if email and db.session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
            errors.add("lines", _("Dòng %(n)s: thư điện tử %(email)s đã được dùng.", n=i, email=email))
            continue
        emails.add(email)
        last, first = _split_name(name)
        specs.append(AccountData(username=make_username(name, taken), last_name=last, first_name=first, email=email,
                                 org_unit_id=unit.id, request_number=request_number))
    errors.raise_if_any()
    result = []
    for spec in specs:
        password = generate_password()
        notifications.account_created(_new_account(actor, spec, unit, password), actor)
        result.append({"name": f"{spec.last_name} {spec.first_name}".strip(), "username": spec.username,
                       "password": password, "unit": unit.name})
    audit.log_security("accounts_bulk_created", user=actor, detail={"unit": unit.id, "count": len(result)})
    return result


def create_personal_accounts(actor, people: list[tuple[str, OrgUnit]],
                             request_number: str | None = None) -> list[tuple[Account, str]]:
    """One personal account (role Cán bộ công chức) per (full name, unit) — the bulk creation of
    :func:`bulk_create_accounts` for people given by their files (an import, issue 19); caller's transaction.
    Returns (account, default password) in order; ForbiddenError where the actor may not grant the role (HN-9.2)."""
    if len(people) > MAX_BULK:
        raise ValidationError({"__all__": [_("Mỗi lần tạo tối đa %(n)s tài khoản.", n=MAX_BULK)]})
    for unit in {unit.id: unit for _name, unit in people}.values():
        require_grantable(actor, unit, ROLE_SELF_SERVICE)
    taken = _taken_usernames({_username_base(name) for name, _unit in people})
    made = []
    for name, unit in people:
        last, first = _split_name(name)
        spec = AccountData(username=make_username(name, taken), last_name=last, first_name=first, email="",
                           org_unit_id=unit.id, request_number=request_number)
        password = generate_password()
        account = _new_account(actor, spec, unit, password)
        notifications.account_created(account, actor)
        made.append((account, password))
    audit.log_security("accounts_bulk_created", user=actor, detail={"count": len(made), "source": "import"})
    return made


# --------------------------------------------------------------------------- account maintenance


@use_case
def rename_account(actor, account_id: Any, new_username: str) -> Account:
    """Change a username (HN-3.8)."""
    account = get_account(account_id)
    require_take_over(actor, account)
    username = clean(new_username).lower()
    if not USERNAME_RE.match(username):
        raise ValidationError({"username": [str(USERNAME_RULE)]})
    if db.session.scalar(select(Account.id).where(func.lower(Account.username) == username, Account.id != account.id)):
        raise ValidationError({"username": [_("Tên đăng nhập %(name)s đã tồn tại.", name=username)]})
    old = account.username
    account.username = username
    audit.log_security("account_renamed", user=actor, detail={"account": account.id, "from": old, "to": username})
    return account


@use_case
def reset_password(actor, account_id: Any) -> str:
    """Give a new default password (to be changed at next login); also unlocks and ends every session of the
    account. Returns it (shown once)."""
    account = get_account(account_id)
    require_take_over(actor, account)
    password = generate_password()
    account.password = hash_password(password)
    account.must_change_password = True
    account.locked_at = None
    account.fail_login_count = 0
    end_sessions(account.id)
    notifications.password_reset(account, actor)
    audit.log_security("password_reset", user=actor, detail={"account": account.username})
    return password


@use_case
def lock_account(actor, account_id: Any) -> Account:
    """Lock an account (no login until unlocked); every open session of the account ends."""
    account = get_account(account_id)
    require_take_over(actor, account)
    account.locked_at = utcnow()
    end_sessions(account.id)
    audit.log_security("account_locked", user=actor, detail={"account": account.username})
    return account


@use_case
def unlock_account(actor, account_id: Any) -> Account:
    """Unlock an account locked by an administrator or by repeated failed logins."""
    account = get_account(account_id)
    require_take_over(actor, account)
    account.locked_at = None
    account.fail_login_count = 0
    audit.log_security("account_unlocked", user=actor, detail={"account": account.username})
    return account


@use_case
def change_own_password(user, old_password: str, new_password: str, confirm: str) -> None:
    """A user changes their own password (forced at first login, HN-6.2); every other session of the account
    ends (the one making the change stays signed in)."""
    errors = Errors()
    if not user.password or not check_password_hash(user.password, old_password or ""):
        errors.add("old_password", _("Mật khẩu hiện tại không đúng."))
    for problem in check_password_policy(new_password):
        errors.add("new_password", problem)
    if new_password != confirm:
        errors.add("confirm", _("Mật khẩu nhập lại không khớp."))
    if old_password and new_password == old_password:
        errors.add("new_password", _("Mật khẩu mới phải khác mật khẩu cũ."))
    errors.raise_if_any()
    user.password = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_sessions(user.id, keep_current=True)
    audit.log_security("password_changed", user=user)


# --------------------------------------------------------------------------- lost password (HCM-15.4)


@use_case
def request_password_reset(username: str, contact: str | None, note: str | None) -> PasswordRequest:
    """Anyone reports a lost or stolen password; the request reaches the account's agency administrators."""
    name = clean(username).lower()
    if not name:
        raise ValidationError({"username": [_("Tên đăng nhập là bắt buộc.")]})
    account = db.session.scalar(select(Account).where(func.lower(Account.username) == name))
    req = PasswordRequest(username=name[:128], user_id=account.id if account else None,
                          org_unit_id=account.org_unit_id if account else None,
                          contact=clean(contact)[:200] or None, note=clean(note) or None, status="open")
    db.session.add(req)
    db.session.flush()
    notifications.password_request(account)
    audit.log_security("password_request", user=account, detail={"username": name, "request": req.id})
    return req


@use_case
def resolve_password_request(actor, request_id: Any, document_number: str | None) -> str:
    """Resolve a lost-password request on its written report: reset the password and return it.

    Only requests of units where ``actor`` manages accounts are found (HCM-15.4).
    """
    req = password_request_in_scope(actor, request_id)
    if not clean(document_number):
        raise ValidationError({"document_number": [_("Số văn bản báo mất mật khẩu là bắt buộc.")]})
    if req.user_id is None:
        raise ValidationError({"username": [_("Tên đăng nhập %(name)s không tồn tại.", name=req.username)]})
    password = reset_password(actor, req.user_id)
    req.status = "resolved"
    req.resolved_at = utcnow()
    req.resolved_by_id = getattr(actor, "id", None)
    req.document_number = clean(document_number)
    return password
