"""Development certificates for the demo and tests (``flask pki init-dev``), and the dev CRL on revocation.

DEVELOPMENT ONLY: the dev CA's key lies unencrypted in ``PKI_DIR`` and every PKCS#12 has the passphrase
``Demo@2026`` (``app/pki.py``). Refused by the command unless ``PKI_DEV_ALLOWED``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from flask import current_app
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import or_, select

from app import pki
from app.extensions import db
from app.security.roles import ROLE_SELF_SERVICE
from app.signing.credentials import DEV_LABEL, active_credential, credential_status, issue_dev_credential
from models.accounts import Account, RoleAssignment
from models.signing import SigningCredential

__all__ = [
    "BATCH",
    "DEMO_STAFF",
    "DevIssue",
    "issue_dev_credentials",
    "issued_by",
    "revoke_on_dev_crl",
    "signing_accounts",
]

#: Accounts per batch (one commit each), so a long run can be resumed.
BATCH = 200
#: The demo staff account equipped besides the officers (it signs its own file in the demo).
DEMO_STAFF = "annv.syt"


@dataclass
class DevIssue:
    """What :func:`issue_dev_credentials` did: certificates issued, kept, names not found, and whether the limit
    stopped it before the last account."""

    created: int = 0
    skipped: int = 0
    missing: list[str] = field(default_factory=list)
    more: bool = False


def signing_accounts(usernames: list[str] | None):
    """SELECT of the accounts init-dev equips: the named ones, or officers (any role but self-service) and the
    demo staff ``annv.syt``; active accounts only, in id order."""
    stmt = select(Account).where(Account.active.is_(True))
    if usernames:
        return stmt.where(Account.username.in_(usernames)).order_by(Account.id)
    excluded = [ROLE_SELF_SERVICE, current_app.config.get("AUTH_ROLE_PUBLIC", "Public")]
    assigned = (select(RoleAssignment.user_id).join(Role, Role.id == RoleAssignment.role_id)
                .where(RoleAssignment.revoked_at.is_(None), Role.name.not_in(excluded)))
    held = (select(assoc_user_role.c.user_id).join(Role, Role.id == assoc_user_role.c.role_id)
            .where(Role.name.not_in(excluded)))
    return stmt.where(or_(Account.id.in_(assigned), Account.id.in_(held), Account.username == DEMO_STAFF)
                      ).order_by(Account.id)


def issued_by(cred: SigningCredential, ca: pki.DevCA) -> bool:
    """Whether the credential's certificate was signed by this dev CA's root (not merely by one of that name)."""
    try:
        x509.load_der_x509_certificate(cred.certificate).verify_directly_issued_by(ca.root_cert)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _keeps(cred, ca: pki.DevCA, force: bool) -> bool:
    """Whether init-dev leaves this credential alone: usable, and either not a dev credential (a certificate the
    user brought is never replaced) or, without ``force``, one issued by the current dev CA."""
    if cred is None or credential_status(cred)[0] != "ok":
        return False
    if cred.label != DEV_LABEL:
        return True
    return not force and issued_by(cred, ca)


def issue_dev_credentials(ca: pki.DevCA, usernames: list[str] | None, *, force: bool = False, limit: int = 500,
                          progress: Callable[[int], None] | None = None) -> DevIssue:
    """Give each account of :func:`signing_accounts` a dev-CA certificate unless it keeps a usable one; at most
    ``limit`` new ones. One commit per batch of :data:`BATCH` accounts (RSA keys take ~45 ms each), so an
    interrupted run keeps what it issued; ``progress(created)`` is called after each batch that issued any."""
    stmt = signing_accounts(usernames)
    result = DevIssue()
    last_id, seen = 0, set()
    while True:
        batch = list(db.session.scalars(stmt.where(Account.id > last_id).limit(BATCH)))
        if not batch:
            break
        for account in batch:
            last_id = account.id
            seen.add(account.username)
            if _keeps(active_credential(account), ca, force):
                result.skipped += 1
            elif result.created >= limit:
                result.more = True
            else:
                issue_dev_credential(account, ca)
                result.created += 1
        db.session.commit()
        if result.created and progress is not None:
            progress(result.created)
        if result.more:
            break
    result.missing = sorted(set(usernames or []) - seen)
    return result


def revoke_on_dev_crl(cred: SigningCredential) -> bool:
    """Put a revoked credential's certificate on the dev CRL when the current dev CA issued it; False otherwise
    (the issuing authority must revoke it and the CRL come through ``PKI_CRLS``)."""
    ca = pki.load_dev_ca()
    if ca is None or not issued_by(cred, ca):
        return False
    pki.revoke_serial(ca, int(cred.serial, 16))
    return True
