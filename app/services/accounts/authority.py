"""Who may manage which account and grant which role (HN-9.2): loading, checks and the ``_require_*`` guards.

Authority follows the tree: an actor manages accounts only where the scope function gives it ``can_write``
on ``Account`` (its role assignments, or a delegation), and grants only the roles its role lists as
``grantable`` — never above its own rights. Every refusal is also a security-log event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_WRITE, RESOURCE_ACCOUNT
from app.security.roles import ROLE_CONFIGS, ROLE_SELF_SERVICE, role_config
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError
from app.services.org_units import get_unit
from models.accounts import Account, RoleAssignment
from models.org_units import OrgUnit, Subtree

__all__ = [
    "can_manage",
    "get_account",
    "grantable_role_names",
    "grantable_roles",
    "load_unit",
    "require_grantable",
    "require_manage_account",
    "require_take_over",
    "role_names",
]


def get_account(account_id: Any) -> Account:
    """Load an account or raise a translated NotFoundError (also for a malformed id)."""
    try:
        account = db.session.get(Account, as_id(account_id))
    except (TypeError, ValueError):
        account = None
    if account is None:
        raise NotFoundError(_("Không tìm thấy tài khoản có mã %(id)s.", id=account_id))
    return account


def role_names() -> list[str]:
    """Names of every role defined in ``app/security/roles.py``."""
    return [cfg["name"] for cfg in ROLE_CONFIGS]


def grantable_roles(actor, unit: OrgUnit) -> list[str]:
    """Roles ``actor`` may grant at ``unit``: from each of its grants covering the unit (HN-9.2)."""
    names: set[str] = set()
    for assignment in scope.valid_assignments(actor):
        if not assignment.include_descendants and assignment.org_unit_id != unit.id:
            continue
        if assignment.include_descendants and not Subtree.of(assignment.org_unit).covers(unit):
            continue
        if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, unit):
            continue
        try:
            cfg = role_config(assignment.role.name)
        except KeyError:
            continue
        allowed = role_names() if cfg.get("grantable") == "*" else list(cfg.get("grantable", []))
        if unit.id == assignment.org_unit_id:
            allowed = [r for r in allowed if r not in cfg.get("below_only", [])]
        names.update(allowed)
    for grant in scope.grants_for(actor, ACTION_WRITE, RESOURCE_ACCOUNT):
        if grant.source == "delegation" and grant.covers(unit):
            names.add(ROLE_SELF_SERVICE)
    return [n for n in role_names() if n in names]


def _require_manage(actor, unit: OrgUnit) -> None:
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_ACCOUNT, unit):
        audit.log_security("denied", user=actor, detail={"what": "manage_accounts", "unit": unit.id})
        raise ForbiddenError(_("Bạn không có quyền quản lý tài khoản của %(unit)s.", unit=unit.name))


def require_manage_account(actor, account: Account) -> None:
    """Raise ForbiddenError (logged) unless ``actor`` may manage ``account``, never their own."""
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


def require_take_over(actor, account: Account) -> None:
    """Reset, lock, unlock or rename only accounts whose every right the actor could itself grant (HN-9.2).

    Otherwise an agency administrator could reset the password of an account holding higher rights
    (a city-wide role, or a peer administrator of the same agency) and log in as it.
    """
    require_manage_account(actor, account)
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


def load_unit(unit_id: Any, errors: Errors, field: str = "org_unit_id") -> OrgUnit | None:
    """The open unit ``unit_id``, or None with the reason added to ``errors`` under ``field``."""
    try:
        return get_unit(unit_id, field_name=field, open_only=True)
    except NotFoundError as exc:
        errors.add(field, exc.messages[0])
    except ValidationError as exc:
        for m in exc.messages:
            errors.add(field, m)
    return None


def require_grantable(actor, unit: OrgUnit, role_name: str) -> None:
    """Raise ForbiddenError (logged) unless ``actor`` may grant ``role_name`` at ``unit``."""
    _require_manage(actor, unit)
    if role_name not in grantable_roles(actor, unit):
        audit.log_security("denied", user=actor, detail={"what": "grant", "role": role_name, "unit": unit.id})
        raise ForbiddenError(
            _("Bạn không được cấp vai trò %(role)s tại %(unit)s (vượt quá quyền của mình).", role=role_name,
              unit=unit.name)
        )


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
        names.update(role_names() if cfg.get("grantable") == "*" else cfg.get("grantable", []))
    return [n for n in role_names() if n in names]
