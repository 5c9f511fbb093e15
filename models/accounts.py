"""Accounts aggregate: logins, role assignments on the org tree, consent grants, delegations, password requests.

*What* a user may do comes from Flask-AppBuilder permissions of a role; *where* comes from
:class:`RoleAssignment` rows (role, org unit, include sub-units, validity) — read by ``app/security/scope.py``.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User as FabUser
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import InForceMixin, utcnow

__all__ = [
    "ACCOUNT_KINDS",
    "Account",
    "ConsentGrant",
    "DatedGrantMixin",
    "DELEGATION_ACTIONS",
    "Delegation",
    "PasswordRequest",
    "RoleAssignment",
]

ACCOUNT_KINDS = {
    "agency": _l("Tài khoản cơ quan"),
    "personal": _l("Tài khoản cá nhân"),
}

#: What a head may delegate (HN-6.4): action code -> label.
DELEGATION_ACTIONS = {
    "approve": _l("Phê duyệt hồ sơ"),
    "manage_accounts": _l("Tạo và quản lý tài khoản"),
}


class Account(FabUser):
    """A login (ab_user): an agency account (HN-3.6) or a personal account (HN-3.7), attached to a unit."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}
    __audited__ = True
    __audit_exclude__ = {"password"}

    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_ab_user_org_unit_id"), nullable=True, index=True
    )
    kind: Mapped[str | None] = mapped_column(String(10))
    #: The default password must be changed at first login (HN-6.2); also set by a reset.
    must_change_password: Mapped[bool | None] = mapped_column(Boolean, default=False)
    #: Set after repeated failed logins; only an administrator clears it.
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Stored in the session at login and compared on every request; logout, a lock, a password change or a
    #: reset raise it (``app/security/session.py``), which ends every session (and REST token) issued before.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])

    @property
    def is_locked(self) -> bool:
        """True while the account is locked out."""
        return self.locked_at is not None

    @property
    def display_name(self) -> str:
        """Vietnamese order: family and middle name (last_name) then given name (first_name)."""
        return " ".join(x for x in (self.last_name, self.first_name) if x)

    def get_full_name(self) -> str:
        """FAB's full name (the navbar, FAB's user pages) in Vietnamese order: "Trần Quốc Hùng", not
        "Hùng Trần Quốc"."""
        return self.display_name


#: FAB looks the account of a login up by ``lower(username)`` (``AUTH_USERNAME_CI``): without this index each
#: look-up reads the whole table (migration 0026).
Index("ix_ab_user_username_lower", func.lower(Account.__table__.c.username))


class RoleAssignment(InForceMixin, Model):
    """A role held on an org unit (and optionally its sub-units) for a period, on a written request (HCM-11.2)."""

    __tablename__ = "role_assignment"
    __audited__ = True
    __table_args__ = (
        Index("ix_role_assignment_user_id", "user_id"),
        Index("ix_role_assignment_org_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_role_assignment_user_id"), nullable=False
    )
    role_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_role.id", name="fk_role_assignment_role_id"), nullable=False
    )
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_role_assignment_org_unit_id"), nullable=False
    )
    include_descendants: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_role_assignment_granted_by_id")
    )
    request_number: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_role_assignment_revoked_by_id")
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    user = relationship("Account", foreign_keys=[user_id])
    role = relationship("Role", lazy="joined")
    org_unit = relationship("OrgUnit", lazy="joined")
    granted_by = relationship("Account", foreign_keys=[granted_by_id])


class DatedGrantMixin(InForceMixin):
    """A written, dated authorisation: document number, validity period, revocation (consents, delegations).
    It always has an end (``valid_to``): it expires by itself."""

    document_number: Mapped[str] = mapped_column(String(100), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class ConsentGrant(DatedGrantMixin, Model):
    """Written consent (HN-8.3, HCM-4.7) letting a user read a person's file, or a unit's files, for a period."""

    __tablename__ = "consent_grant"
    __audited__ = True
    __table_args__ = (Index("ix_consent_grant_grantee_id", "grantee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grantee_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_consent_grant_grantee_id"), nullable=False
    )
    #: Whose data: one unit's files (with or without sub-units), or one person's file (``person_id``).
    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_consent_grant_org_unit_id")
    )
    include_descendants: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    person_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("person.id", name="fk_consent_grant_person_id")
    )
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_consent_grant_granted_by_id")
    )

    grantee = relationship("Account", foreign_keys=[grantee_id])
    org_unit = relationship("OrgUnit")



class Delegation(DatedGrantMixin, Model):
    """Ủy quyền (HN-6.4): a head delegates approval or account management for a unit to a user, for a period."""

    __tablename__ = "delegation"
    __audited__ = True
    __table_args__ = (Index("ix_delegation_delegate_id", "delegate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegator_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_delegation_delegator_id"), nullable=False
    )
    delegate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_delegation_delegate_id"), nullable=False
    )
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_delegation_org_unit_id"), nullable=False
    )
    include_descendants: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    action: Mapped[str] = mapped_column(String(30), nullable=False)

    delegator = relationship("Account", foreign_keys=[delegator_id])
    delegate = relationship("Account", foreign_keys=[delegate_id])
    org_unit = relationship("OrgUnit")



class PasswordRequest(Model):
    """A lost/stolen password reported in writing (HCM-15.4); an agency administrator resolves it."""

    __tablename__ = "password_request"
    __audited__ = True
    __table_args__ = (Index("ix_password_request_status", "status", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(128), nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_password_request_user_id")
    )
    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_password_request_org_unit_id")
    )
    contact: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_password_request_resolved_by_id")
    )
    document_number: Mapped[str | None] = mapped_column(String(100))

    user = relationship("Account", foreign_keys=[user_id])
    org_unit = relationship("OrgUnit")
