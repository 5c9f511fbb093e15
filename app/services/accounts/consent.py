"""Consent grants (HN-8.3) and delegations (HN-6.4): dated, documented, revocable once.

Every public function is one transaction and also a security-log event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_WRITE, RESOURCE_CONSENT, RESOURCE_DELEGATION
from app.security.roles import role_config
from app.services.accounts.authority import get_account, load_unit
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.text import clean
from models.accounts import DELEGATION_ACTIONS, ConsentGrant, Delegation
from models.mixins import utcnow
from models.org_units import OrgUnit, Subtree

__all__ = ["delegate", "grant_consent", "revoke_consent", "revoke_delegation"]


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
    unit = load_unit(unit_id, errors)
    if not clean(purpose):
        errors.add("purpose", _("Mục đích khai thác là bắt buộc."))
    if not clean(document_number):
        errors.add("document_number", _("Số văn bản đồng ý là bắt buộc."))
    start, end = _period(valid_from, valid_to, errors)
    if person_id not in (None, "") and unit is not None:
        from models.personnel import Person

        try:
            person = db.session.get(Person, as_id(person_id))
        except (TypeError, ValueError):
            person = None
        if person is None or not Subtree.of(unit).covers(person.org_unit):
            errors.add("person_id", _("Không tìm thấy hồ sơ này trong đơn vị đã chọn."))
        else:
            person_id = person.id
    else:
        person_id = None
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
    """End a consent grant now (once: a revoked grant is a field error)."""
    try:
        grant = db.session.get(ConsentGrant, as_id(grant_id))
    except (TypeError, ValueError):
        grant = None
    if grant is None:
        raise NotFoundError(_("Không tìm thấy văn bản cho phép khai thác có mã %(id)s.", id=grant_id))
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_CONSENT, grant.org_unit_id):
        raise ForbiddenError(_("Bạn không có thẩm quyền thu hồi văn bản này."))
    if grant.revoked_at is not None:
        raise ValidationError({"revoked": [_("Văn bản cho phép khai thác này đã bị thu hồi.")]})
    grant.revoked_at = utcnow()
    audit.log_security("consent_revoked", user=actor, detail={"grant": grant.id})
    return grant


def _can_delegate(actor, action: str, unit: OrgUnit) -> bool:
    """The delegator must hold the power it delegates, on that unit."""
    for assignment in scope.valid_assignments(actor):
        covers = (Subtree.of(assignment.org_unit).covers(unit) if assignment.include_descendants
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
    unit = load_unit(unit_id, errors)
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
    """Revoke a delegation (its delegator, or whoever may delegate on that unit); once only."""
    try:
        row = db.session.get(Delegation, as_id(delegation_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFoundError(_("Không tìm thấy ủy quyền có mã %(id)s.", id=delegation_id))
    if row.delegator_id != getattr(actor, "id", None) and not (
        scope.allows(actor, ACTION_WRITE, RESOURCE_DELEGATION, row.org_unit_id)
        and _can_delegate(actor, row.action, row.org_unit)
    ):
        raise ForbiddenError(_("Bạn không có quyền thu hồi ủy quyền này."))
    if row.revoked_at is not None:
        raise ValidationError({"revoked": [_("Ủy quyền này đã bị thu hồi.")]})
    row.revoked_at = utcnow()
    scope.forget(row.delegate_id)
    audit.log_security("delegation_revoked", user=actor, detail={"delegation": row.id})
    return row
