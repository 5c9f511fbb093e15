"""Role assignment use cases: grant, restrict, extend and revoke, each on a written request (HN-9, HCM-11.2).

Every public function is one transaction and also a security-log event; ``ab_user_role`` (FAB's own
screens) is kept equal to the roles of the assignments in force.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.services.accounts.authority import (
    get_account,
    load_unit,
    require_grantable,
    require_manage_account,
    role_names,
)
from app.services.errors import Errors, NotFoundError, ValidationError, use_case
from app.text import clean
from models.accounts import Account, RoleAssignment
from models.mixins import utcnow

__all__ = ["extend_assignment", "grant_role", "restrict_assignment", "revoke_assignment", "sync_fab_roles"]


def _require_request_number(number: str | None, errors: Errors) -> None:
    if not clean(number):
        errors.add("request_number", _("Số văn bản đề nghị là bắt buộc."))


@use_case
def grant_role(actor, account_id: Any, role_name: str, unit_id: Any, *, include_descendants: bool = False,
               valid_from: date | None = None, valid_to: date | None = None,
               request_number: str | None = None) -> RoleAssignment:
    """Grant a role on a unit to an account, on a written request."""
    account = get_account(account_id)
    errors = Errors()
    unit = load_unit(unit_id, errors)
    if role_name not in role_names():
        errors.add("role_name", _("Vai trò không hợp lệ."))
    _require_request_number(request_number, errors)
    start = valid_from or scope.today()
    if valid_to is not None and valid_to < start:
        errors.add("valid_to", _("Ngày hết hạn không được trước ngày bắt đầu."))
    errors.raise_if_any()
    require_manage_account(actor, account)
    require_grantable(actor, unit, role_name)
    role = current_app.appbuilder.sm.find_role(role_name)
    assignment = RoleAssignment(user_id=account.id, role_id=role.id, org_unit_id=unit.id,
                                include_descendants=bool(include_descendants), valid_from=start, valid_to=valid_to,
                                granted_by_id=getattr(actor, "id", None), request_number=clean(request_number))
    with audit.reason(clean(request_number)):
        db.session.add(assignment)
        db.session.flush()
        sync_fab_roles(account)
        db.session.flush()
    audit.log_security("role_granted", user=actor, detail={"account": account.username, "role": role_name,
                                                           "unit": unit.id, "request": clean(request_number)})
    return assignment


def _assignment_for(actor, assignment_id: Any) -> RoleAssignment:
    try:
        assignment = db.session.get(RoleAssignment, as_id(assignment_id))
    except (TypeError, ValueError):
        assignment = None
    if assignment is None:
        raise NotFoundError(_("Không tìm thấy phân quyền có mã %(id)s.", id=assignment_id))
    require_manage_account(actor, assignment.user)
    require_grantable(actor, assignment.org_unit, assignment.role.name)
    if assignment.revoked_at is not None:
        raise ValidationError({"assignment": [_("Phân quyền này đã bị thu hồi.")]})
    return assignment


def sync_fab_roles(account: Account) -> None:
    """Keep ab_user_role (shown on FAB's own screens) equal to the roles of in-force assignments."""
    day = scope.today()
    roles = {a.role.id: a.role for a in db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == account.id)) if a.in_force(day)}
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
        sync_fab_roles(assignment.user)
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
        sync_fab_roles(assignment.user)
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
        sync_fab_roles(assignment.user)
        db.session.flush()
    audit.log_security("role_revoked", user=actor, detail={"assignment": assignment.id,
                                                          "request": clean(request_number)})
    return assignment
