"""Accounts use cases: who creates which account, grants, restricts, extends and revokes access (HN-9, HCM-11.2).

Authority follows the tree: an actor manages accounts only where the scope function gives it
``can_write`` on ``Account`` (its role assignments, or a delegation), and grants only the roles its
role lists as ``grantable`` — never above its own rights (HN-9.2). Every public function is one
transaction; every grant, revocation, lock and reset is also a security-log event.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    ACTION_WRITE,
    RESOURCE_ACCOUNT,
    RESOURCE_CONSENT,
    RESOURCE_DELEGATION,
    RESOURCE_ORG_UNIT,
)
from app.security.roles import ROLE_CONFIGS, ROLE_SELF_SERVICE, role_config
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.services.org_units import get_unit
from app.text import clean, search_key
from models.accounts import (
    ACCOUNT_KINDS,
    DELEGATION_ACTIONS,
    Account,
    ConsentGrant,
    Delegation,
    PasswordRequest,
    RoleAssignment,
)
from models.mixins import utcnow
from models.org_units import OrgUnit

__all__ = [
    "AccountData",
    "AccountPage",
    "account_assignment",
    "accounts_in_scope",
    "assignment_status",
    "assignments_of",
    "can_manage",
    "ForbiddenError",
    "bulk_create_accounts",
    "change_own_password",
    "check_password_policy",
    "create_account",
    "delegate",
    "extend_assignment",
    "generate_password",
    "get_account",
    "grant_consent",
    "grant_role",
    "grantable_role_names",
    "grantable_roles",
    "lock_account",
    "make_username",
    "open_password_requests",
    "password_request_in_scope",
    "rename_account",
    "request_password_reset",
    "reset_password",
    "resolve_password_request",
    "restrict_assignment",
    "revoke_assignment",
    "revoke_consent",
    "revoke_delegation",
    "roles_in_force",
    "search_accounts",
    "unlock_account",
    "visible_account",
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


# --------------------------------------------------------------------------- passwords


def generate_password(length: int = 12) -> str:
    """A default password that satisfies the policy (no look-alike characters)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length - 1)) + secrets.choice("@#$%&*!?")
        if check_password_policy(pw) == []:
            return pw


def check_password_policy(password: str | None) -> list[str]:
    """Problems of a password against the policy, in Vietnamese (empty when it is acceptable)."""
    pw = password or ""
    problems = []
    min_len = current_app.config.get("PASSWORD_MIN_LENGTH", 10)
    if len(pw) < min_len:
        problems.append(_("Mật khẩu phải có ít nhất %(n)s ký tự.", n=min_len))
    if not re.search(r"[a-z]", pw) or not re.search(r"[A-Z]", pw):
        problems.append(_("Mật khẩu phải có cả chữ thường và chữ hoa."))
    if not re.search(r"[0-9]", pw):
        problems.append(_("Mật khẩu phải có ít nhất một chữ số."))
    if not re.search(r"[^A-Za-z0-9]", pw):
        problems.append(_("Mật khẩu phải có ít nhất một ký tự đặc biệt."))
    return problems


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))


# --------------------------------------------------------------------------- authority


def get_account(account_id: Any) -> Account:
    """Load an account or raise a translated NotFoundError (also for a malformed id)."""
    try:
        account = db.session.get(Account, int(account_id))
    except (TypeError, ValueError):
        account = None
    if account is None:
        raise NotFoundError(_("Không tìm thấy tài khoản có mã %(id)s.", id=account_id))
    return account


def _role_names() -> list[str]:
    return [cfg["name"] for cfg in ROLE_CONFIGS]


def grantable_roles(actor, unit: OrgUnit) -> list[str]:
    """Roles ``actor`` may grant at ``unit``: from each of its grants covering the unit (HN-9.2)."""
    names: set[str] = set()
    for assignment in scope.valid_assignments(actor):
        if not assignment.include_descendants and assignment.org_unit_id != unit.id:
            continue
        if assignment.include_descendants and not unit.path.startswith(assignment.org_unit.path):
            continue
        if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, unit):
            continue
        try:
            cfg = role_config(assignment.role.name)
        except KeyError:
            continue
        allowed = _role_names() if cfg.get("grantable") == "*" else list(cfg.get("grantable", []))
        if unit.id == assignment.org_unit_id:
            allowed = [r for r in allowed if r not in cfg.get("below_only", [])]
        names.update(allowed)
    for grant in scope.grants_for(actor, ACTION_WRITE, RESOURCE_ACCOUNT):
        if grant.source == "delegation" and grant.covers(unit):
            names.add(ROLE_SELF_SERVICE)
    return [n for n in _role_names() if n in names]


def _require_manage(actor, unit: OrgUnit) -> None:
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, unit):
        audit.log_security("denied", user=actor, detail={"what": "manage_accounts", "unit": unit.id})
        raise ForbiddenError(_("Bạn không có quyền quản lý tài khoản của %(unit)s.", unit=unit.name))


def _require_manage_account(actor, account: Account) -> None:
    if account.org_unit_id is None or not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, account.org_unit_id):
        audit.log_security("denied", user=actor, detail={"what": "manage_account", "account": account.id})
        raise ForbiddenError(_("Bạn không có quyền quản lý tài khoản %(name)s.", name=account.username))
    if account.id == getattr(actor, "id", None):
        raise ForbiddenError(_("Không thể tự thay đổi quyền hoặc trạng thái tài khoản của chính mình."))


def _outranked_by(actor, account: Account) -> RoleAssignment | None:
    """An assignment of ``account`` (in force or still to start) that ``actor`` could not grant, if any."""
    day = scope.today()
    for assignment in _assignments_not_ended(account.id, day):
        if assignment.role.name not in grantable_roles(actor, assignment.org_unit):
            return assignment
    return None


def _require_take_over(actor, account: Account) -> None:
    """Reset, lock, unlock or rename only accounts whose every right the actor could itself grant (HN-9.2).

    Otherwise an agency administrator could reset the password of an account holding higher rights
    (a city-wide role, or a peer administrator of the same agency) and log in as it.
    """
    _require_manage_account(actor, account)
    above = _outranked_by(actor, account)
    if above is not None:
        audit.log_security("denied", user=actor, detail={"what": "take_over", "account": account.id,
                                                         "assignment": above.id})
        raise ForbiddenError(
            _("Tài khoản %(name)s giữ vai trò %(role)s tại %(unit)s, vượt quá quyền của bạn.",
              name=account.username, role=above.role.name, unit=above.org_unit.name)
        )


def _assignments_not_ended(user_id: int, day: date) -> list[RoleAssignment]:
    return list(db.session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.revoked_at.is_(None),
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
        ).order_by(RoleAssignment.id)
    ).unique())


def _load_unit(unit_id: Any, errors: Errors, field: str = "org_unit_id") -> OrgUnit | None:
    try:
        return get_unit(unit_id, field_name=field, open_only=True)
    except NotFoundError as exc:
        errors.add(field, exc.messages[0])
    except ValidationError as exc:
        for m in exc.messages:
            errors.add(field, m)
    return None


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
    return _escape_like(text) + "%"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
        password=_hash(password),
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
    unit = _load_unit(data.org_unit_id, errors)
    if data.role_name not in _role_names():
        errors.add(prefix + "role_name", _("Vai trò không hợp lệ."))
    if data.valid_to is not None and data.valid_to < scope.today():
        errors.add(prefix + "valid_to", _("Ngày hết hạn không được trước hôm nay."))
    return unit


def _require_grantable(actor, unit: OrgUnit, role_name: str) -> None:
    _require_manage(actor, unit)
    if role_name not in grantable_roles(actor, unit):
        audit.log_security("denied", user=actor, detail={"what": "grant", "role": role_name, "unit": unit.id})
        raise ForbiddenError(
            _("Bạn không được cấp vai trò %(role)s tại %(unit)s (vượt quá quyền của mình).", role=role_name,
              unit=unit.name)
        )


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
    _require_grantable(actor, unit, data.role_name)
    password = generate_password()
    account = _new_account(actor, data, unit, password)
    audit.log_security("account_created", user=actor,
                       detail={"account": account.username, "role": data.role_name, "unit": unit.id})
    return account, password


@use_case
def bulk_create_accounts(actor, unit_id: Any, lines: str, request_number: str | None = None) -> list[dict]:
    """One personal account per person (HCM-4.4) from lines "Họ và tên[; email]"; all or nothing.

    Returns ``[{"name", "username", "password"}]`` for the printable hand-out list.
    """
    errors = Errors()
    unit = _load_unit(unit_id, errors)
    rows = [line for line in (lines or "").splitlines() if line.strip()]
    if not rows:
        errors.add("lines", _("Hãy nhập ít nhất một người (mỗi dòng một người)."))
    if len(rows) > MAX_BULK:
        errors.add("lines", _("Mỗi lần tạo tối đa %(n)s tài khoản.", n=MAX_BULK))
    errors.raise_if_any()
    _require_grantable(actor, unit, ROLE_SELF_SERVICE)
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
        _new_account(actor, spec, unit, password)
        result.append({"name": f"{spec.last_name} {spec.first_name}".strip(), "username": spec.username,
                       "password": password, "unit": unit.name})
    audit.log_security("accounts_bulk_created", user=actor, detail={"unit": unit.id, "count": len(result)})
    return result


# --------------------------------------------------------------------------- grant / restrict / extend / revoke


def _require_request_number(number: str | None, errors: Errors) -> None:
    if not clean(number):
        errors.add("request_number", _("Số văn bản đề nghị là bắt buộc (HCM-11.2)."))


@use_case
def grant_role(actor, account_id: Any, role_name: str, unit_id: Any, *, include_descendants: bool = False,
               valid_from: date | None = None, valid_to: date | None = None,
               request_number: str | None = None) -> RoleAssignment:
    """Grant a role on a unit to an account, on a written request."""
    account = get_account(account_id)
    errors = Errors()
    unit = _load_unit(unit_id, errors)
    if role_name not in _role_names():
        errors.add("role_name", _("Vai trò không hợp lệ."))
    _require_request_number(request_number, errors)
    start = valid_from or scope.today()
    if valid_to is not None and valid_to < start:
        errors.add("valid_to", _("Ngày hết hạn không được trước ngày bắt đầu."))
    errors.raise_if_any()
    _require_manage_account(actor, account)
    _require_grantable(actor, unit, role_name)
    role = current_app.appbuilder.sm.find_role(role_name)
    assignment = RoleAssignment(user_id=account.id, role_id=role.id, org_unit_id=unit.id,
                                include_descendants=bool(include_descendants), valid_from=start, valid_to=valid_to,
                                granted_by_id=getattr(actor, "id", None), request_number=clean(request_number))
    with audit.reason(clean(request_number)):
        db.session.add(assignment)
        db.session.flush()
        _sync_fab_roles(account)
        db.session.flush()
    audit.log_security("role_granted", user=actor, detail={"account": account.username, "role": role_name,
                                                           "unit": unit.id, "request": clean(request_number)})
    return assignment


def _assignment_for(actor, assignment_id: Any) -> RoleAssignment:
    try:
        assignment = db.session.get(RoleAssignment, int(assignment_id))
    except (TypeError, ValueError):
        assignment = None
    if assignment is None:
        raise NotFoundError(_("Không tìm thấy phân quyền có mã %(id)s.", id=assignment_id))
    _require_manage_account(actor, assignment.user)
    _require_grantable(actor, assignment.org_unit, assignment.role.name)
    if assignment.revoked_at is not None:
        raise ValidationError({"assignment": [_("Phân quyền này đã bị thu hồi.")]})
    return assignment


def _sync_fab_roles(account: Account) -> None:
    """Keep ab_user_role (shown on FAB's own screens) equal to the roles of in-force assignments."""
    day = scope.today()
    roles = {a.role.id: a.role for a in db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == account.id)) if a.is_valid_on(day)}
    account.roles = list(roles.values())
    scope.forget(account.id)


@use_case
def restrict_assignment(actor, assignment_id: Any, *, request_number: str | None,
                        valid_to: date | None = None, drop_descendants: bool = False) -> RoleAssignment:
    """Hạn chế: narrow an assignment to its own unit and/or end it earlier, on a written request."""
    errors = Errors()
    _require_request_number(request_number, errors)
    if not drop_descendants and valid_to is None:
        errors.add("valid_to", _("Hãy chọn cách hạn chế: bỏ đơn vị cấp dưới hoặc rút ngắn thời hạn."))
    errors.raise_if_any()
    assignment = _assignment_for(actor, assignment_id)
    if valid_to is not None:
        if assignment.valid_to is not None and valid_to >= assignment.valid_to:
            raise ValidationError({"valid_to": [_("Ngày hết hạn mới phải sớm hơn ngày hết hạn hiện tại.")]})
        if valid_to < assignment.valid_from:
            raise ValidationError({"valid_to": [_("Ngày hết hạn không được trước ngày bắt đầu.")]})
    with audit.reason(clean(request_number)):
        if valid_to is not None:
            assignment.valid_to = valid_to
        if drop_descendants:
            assignment.include_descendants = False
        assignment.request_number = clean(request_number)
        _sync_fab_roles(assignment.user)
        db.session.flush()
    audit.log_security("role_restricted", user=actor, detail={"assignment": assignment.id,
                                                              "request": clean(request_number)})
    return assignment


@use_case
def extend_assignment(
    actor, assignment_id: Any, *, valid_to: date | None, request_number: str | None
) -> RoleAssignment:
    """Gia hạn: move an assignment's end date later (or remove it), on a written request."""
    errors = Errors()
    _require_request_number(request_number, errors)
    errors.raise_if_any()
    assignment = _assignment_for(actor, assignment_id)
    if assignment.valid_to is None:
        raise ValidationError({"valid_to": [_("Phân quyền này không có thời hạn, không cần gia hạn.")]})
    if valid_to is not None and valid_to <= assignment.valid_to:
        raise ValidationError({"valid_to": [_("Ngày hết hạn mới phải muộn hơn ngày hết hạn hiện tại.")]})
    if valid_to is not None and valid_to < scope.today():
        raise ValidationError({"valid_to": [_("Ngày hết hạn không được trước hôm nay.")]})
    with audit.reason(clean(request_number)):
        assignment.valid_to = valid_to
        assignment.request_number = clean(request_number)
        _sync_fab_roles(assignment.user)
        db.session.flush()
    audit.log_security("role_extended", user=actor, detail={"assignment": assignment.id,
                                                           "request": clean(request_number)})
    return assignment


@use_case
def revoke_assignment(actor, assignment_id: Any, *, request_number: str | None) -> RoleAssignment:
    """Thu hồi: end an assignment now, on a written request."""
    errors = Errors()
    _require_request_number(request_number, errors)
    errors.raise_if_any()
    assignment = _assignment_for(actor, assignment_id)
    with audit.reason(clean(request_number)):
        assignment.revoked_at = utcnow()
        assignment.revoked_by_id = getattr(actor, "id", None)
        assignment.request_number = clean(request_number)
        _sync_fab_roles(assignment.user)
        db.session.flush()
    audit.log_security("role_revoked", user=actor, detail={"assignment": assignment.id,
                                                          "request": clean(request_number)})
    return assignment


# --------------------------------------------------------------------------- account maintenance


@use_case
def rename_account(actor, account_id: Any, new_username: str) -> Account:
    """Change a username (HN-3.8)."""
    account = get_account(account_id)
    _require_take_over(actor, account)
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
    """Give a new default password (to be changed at next login); also unlocks. Returns it (shown once)."""
    account = get_account(account_id)
    _require_take_over(actor, account)
    password = generate_password()
    account.password = _hash(password)
    account.must_change_password = True
    account.locked_at = None
    account.fail_login_count = 0
    audit.log_security("password_reset", user=actor, detail={"account": account.username})
    return password


@use_case
def lock_account(actor, account_id: Any) -> Account:
    """Lock an account (no login until unlocked)."""
    account = get_account(account_id)
    _require_take_over(actor, account)
    account.locked_at = utcnow()
    audit.log_security("account_locked", user=actor, detail={"account": account.username})
    return account


@use_case
def unlock_account(actor, account_id: Any) -> Account:
    """Unlock an account locked by an administrator or by repeated failed logins."""
    account = get_account(account_id)
    _require_take_over(actor, account)
    account.locked_at = None
    account.fail_login_count = 0
    audit.log_security("account_unlocked", user=actor, detail={"account": account.username})
    return account


@use_case
def change_own_password(user, old_password: str, new_password: str, confirm: str) -> None:
    """A user changes their own password (forced at first login, HN-6.2)."""
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
    user.password = _hash(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
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
    audit.log_security("password_request", user=account, detail={"username": name, "request": req.id})
    return req


@use_case
def resolve_password_request(actor, request_id: Any, document_number: str | None) -> str:
    """Resolve a lost-password request on its written report: reset the password and return it.

    Only requests of units where ``actor`` manages accounts are found (HCM-15.4).
    """
    req = password_request_in_scope(actor, request_id)
    if not clean(document_number):
        raise ValidationError({"document_number": [_("Số văn bản báo mất mật khẩu là bắt buộc (HCM-15.4).")]})
    if req.user_id is None:
        raise ValidationError({"username": [_("Tên đăng nhập %(name)s không tồn tại.", name=req.username)]})
    password = reset_password(actor, req.user_id)
    req.status = "resolved"
    req.resolved_at = utcnow()
    req.resolved_by_id = getattr(actor, "id", None)
    req.document_number = clean(document_number)
    return password


# --------------------------------------------------------------------------- consent and delegation


def _period(valid_from: date | None, valid_to: date | None, errors: Errors) -> tuple[date, date | None]:
    start = valid_from or scope.today()
    if valid_to is None:
        errors.add("valid_to", _("Ngày hết hạn là bắt buộc."))
    elif valid_to < start:
        errors.add("valid_to", _("Ngày hết hạn không được trước ngày bắt đầu."))
    return start, valid_to


@use_case
def grant_consent(actor, grantee_id: Any, unit_id: Any, *, purpose: str | None, document_number: str | None,
                  valid_to: date | None, valid_from: date | None = None, include_descendants: bool = False,
                  person_id: int | None = None) -> ConsentGrant:
    """Record a written consent (HN-8.3) letting a user read a unit's files (or one person's) for a period."""
    grantee = get_account(grantee_id)
    errors = Errors()
    unit = _load_unit(unit_id, errors)
    if not clean(purpose):
        errors.add("purpose", _("Mục đích khai thác là bắt buộc."))
    if not clean(document_number):
        errors.add("document_number", _("Số văn bản đồng ý là bắt buộc (HN-8.3)."))
    start, end = _period(valid_from, valid_to, errors)
    errors.raise_if_any()
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_CONSENT, unit):
        audit.log_security("denied", user=actor, detail={"what": "consent", "unit": unit.id})
        raise ForbiddenError(_("Bạn không có thẩm quyền cho phép khai thác dữ liệu của %(unit)s.", unit=unit.name))
    grant = ConsentGrant(grantee_id=grantee.id, org_unit_id=unit.id, include_descendants=bool(include_descendants),
                         person_id=person_id, purpose=clean(purpose), document_number=clean(document_number),
                         valid_from=start, valid_to=end, granted_by_id=getattr(actor, "id", None))
    db.session.add(grant)
    db.session.flush()
    audit.log_security("consent_granted", user=actor, detail={"grant": grant.id, "grantee": grantee.username})
    return grant


@use_case
def revoke_consent(actor, grant_id: Any) -> ConsentGrant:
    """End a consent grant now."""
    try:
        grant = db.session.get(ConsentGrant, int(grant_id))
    except (TypeError, ValueError):
        grant = None
    if grant is None:
        raise NotFoundError(_("Không tìm thấy văn bản cho phép khai thác có mã %(id)s.", id=grant_id))
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_CONSENT, grant.org_unit_id):
        raise ForbiddenError(_("Bạn không có thẩm quyền thu hồi văn bản này."))
    grant.revoked_at = utcnow()
    audit.log_security("consent_revoked", user=actor, detail={"grant": grant.id})
    return grant


def _can_delegate(actor, action: str, unit: OrgUnit) -> bool:
    """The delegator must hold the power it delegates, on that unit."""
    for assignment in scope.valid_assignments(actor):
        covers = (unit.path.startswith(assignment.org_unit.path) if assignment.include_descendants
                  else assignment.org_unit_id == unit.id)
        if not covers:
            continue
        try:
            cfg = role_config(assignment.role.name)
        except KeyError:
            continue
        if action in cfg.get("delegable", []) or cfg.get("grantable") == "*":
            return True
    return False


@use_case
def delegate(actor, delegate_id: Any, unit_id: Any, action: str, *, document_number: str | None,
             valid_to: date | None, valid_from: date | None = None, include_descendants: bool = True) -> Delegation:
    """Ủy quyền (HN-6.4): delegate approval or account management on a unit to a named user for a period."""
    delegate_account = get_account(delegate_id)
    errors = Errors()
    unit = _load_unit(unit_id, errors)
    if action not in DELEGATION_ACTIONS:
        errors.add("action", _("Nội dung ủy quyền không hợp lệ."))
    if not clean(document_number):
        errors.add("document_number", _("Số văn bản ủy quyền là bắt buộc."))
    if delegate_account.id == getattr(actor, "id", None):
        errors.add("delegate_id", _("Không thể ủy quyền cho chính mình."))
    start, end = _period(valid_from, valid_to, errors)
    errors.raise_if_any()
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_DELEGATION, unit) or not _can_delegate(actor, action, unit):
        audit.log_security("denied", user=actor, detail={"what": "delegate", "action": action, "unit": unit.id})
        raise ForbiddenError(_("Bạn không có quyền ủy quyền %(what)s tại %(unit)s.",
                               what=str(DELEGATION_ACTIONS[action]).lower(), unit=unit.name))
    row = Delegation(delegator_id=actor.id, delegate_id=delegate_account.id, org_unit_id=unit.id,
                     include_descendants=bool(include_descendants), action=action,
                     document_number=clean(document_number), valid_from=start, valid_to=end)
    db.session.add(row)
    db.session.flush()
    scope.forget(delegate_account.id)
    audit.log_security("delegated", user=actor, detail={"delegation": row.id, "to": delegate_account.username,
                                                       "action": action})
    return row


@use_case
def revoke_delegation(actor, delegation_id: Any) -> Delegation:
    """Revoke a delegation (its delegator, or whoever may delegate on that unit)."""
    try:
        row = db.session.get(Delegation, int(delegation_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFoundError(_("Không tìm thấy ủy quyền có mã %(id)s.", id=delegation_id))
    if row.delegator_id != getattr(actor, "id", None) and not (
        scope.allows(actor, ACTION_WRITE, RESOURCE_DELEGATION, row.org_unit_id)
        and _can_delegate(actor, row.action, row.org_unit)
    ):
        raise ForbiddenError(_("Bạn không có quyền thu hồi ủy quyền này."))
    row.revoked_at = utcnow()
    scope.forget(row.delegate_id)
    audit.log_security("delegation_revoked", user=actor, detail={"delegation": row.id})
    return row


# --------------------------------------------------------------------------- queries (read only, never commit)

#: Vietnamese letters with diacritics (both cases) and their search-key letter, for SQL ``translate``.
_VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI_FROM = _VI_LETTERS + _VI_LETTERS.upper()
_VI_TO = "".join(search_key(c) for c in _VI_FROM)

#: Account list page size (design for 250,000 accounts: always a bounded page).
PAGE_SIZE = 50


def accounts_in_scope(actor):
    """SELECT of the accounts ``actor`` may see (their units in scope, and always their own)."""
    conditions = [Account.org_unit_id.in_(scope.unit_ids(actor, ACTION_READ, RESOURCE_ACCOUNT))]
    uid = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None
    if uid is not None:
        conditions.append(Account.id == uid)
    return select(Account).where(or_(*conditions))


def _name_match(query: str):
    """WHERE clause: username or "họ tên" contains ``query``, ignoring case (and diacritics on PostgreSQL)."""
    raw = "%" + _escape_like(clean(query).lower()) + "%"
    full_name = func.coalesce(Account.last_name, "") + " " + func.coalesce(Account.first_name, "")
    conditions = [Account.username.ilike(raw, escape="\\"), full_name.ilike(raw, escape="\\")]
    key = "%" + _escape_like(search_key(query)) + "%"
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
            stmt = stmt.where(Account.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%"))))
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
        RoleAssignment.user_id.in_(account_ids),
        RoleAssignment.revoked_at.is_(None),
        RoleAssignment.valid_from <= day,
        or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
    ).order_by(RoleAssignment.id)).unique():
        result[assignment.user_id].append(assignment)
    return result


def visible_account(actor, account_id: Any) -> Account:
    """The account if ``actor`` may read it; NotFoundError otherwise (also for a forged or malformed id)."""
    try:
        wanted = int(account_id)
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
        assignment = db.session.get(RoleAssignment, int(assignment_id))
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
    if assignment.revoked_at is not None:
        return "revoked"
    if assignment.valid_to is not None and assignment.valid_to < day:
        return "expired"
    if assignment.valid_from > day:
        return "pending"
    return "active"


def can_manage(actor, account: Account) -> bool:
    """Whether to offer ``actor`` the management forms of ``account`` (the services re-check everything)."""
    return (account.id != getattr(actor, "id", None) and account.org_unit_id is not None
            and scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, account.org_unit_id))


def grantable_role_names(actor) -> list[str]:
    """Every role ``actor`` may grant somewhere (for a role select; the unit is checked on submit)."""
    names: set[str] = set()
    for grant in scope.grants_for(actor, ACTION_WRITE, RESOURCE_ACCOUNT):
        if grant.source == "delegation":
            names.add(ROLE_SELF_SERVICE)
            continue
        try:
            cfg = role_config(grant.role_name)
        except KeyError:
            continue
        names.update(_role_names() if cfg.get("grantable") == "*" else cfg.get("grantable", []))
    return [n for n in _role_names() if n in names]


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
        wanted = int(request_id)
    except (TypeError, ValueError):
        wanted = None
    req = None
    if wanted is not None:
        req = db.session.scalars(_requests_in_scope(actor).where(PasswordRequest.id == wanted)).first()
    if req is None:
        raise NotFoundError(_("Không tìm thấy yêu cầu cấp lại mật khẩu đang chờ xử lý."))
    return req
