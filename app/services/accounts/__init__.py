"""Accounts aggregate services: who creates which account, grants, restricts, extends and revokes access
(HN-9, HCM-11.2).

Authority follows the tree: an actor manages accounts only where the scope function gives it
``can_write`` on ``Account`` (its role assignments, or a delegation), and grants only the roles its
role lists as ``grantable`` — never above its own rights (HN-9.2). Every public function is one
transaction; every grant, revocation, lock and reset is also a security-log event.

Modules: ``passwords`` (policy, generation, hashing), ``authority`` (loading and the ``_require_*``
checks), ``queries`` (read only, never commit), ``lifecycle`` (create, rename, reset, lock, unlock,
passwords), ``assignments`` (grant, restrict, extend, revoke) and ``consent`` (consent grants and
delegations).
"""

from app.services.accounts.assignments import extend_assignment, grant_role, restrict_assignment, revoke_assignment
from app.services.accounts.authority import can_manage, get_account, grantable_role_names, grantable_roles
from app.services.accounts.consent import delegate, grant_consent, revoke_consent, revoke_delegation
from app.services.accounts.lifecycle import (
    EMAIL_RE,
    MAX_BULK,
    USERNAME_RE,
    USERNAME_RULE,
    AccountData,
    bulk_create_accounts,
    change_own_password,
    create_account,
    lock_account,
    make_username,
    rename_account,
    request_password_reset,
    reset_password,
    resolve_password_request,
    unlock_account,
)
from app.services.accounts.passwords import check_password_policy, generate_password
from app.services.accounts.queries import (
    MAX_ASSIGNMENTS_SHOWN,
    PAGE_SIZE,
    AccountPage,
    account_assignment,
    accounts_in_scope,
    assignment_status,
    assignments_of,
    open_password_requests,
    password_request_in_scope,
    roles_in_force,
    search_accounts,
    visible_account,
)
from app.services.errors import ForbiddenError, NotFoundError, ValidationError

__all__ = [
    "EMAIL_RE",
    "MAX_ASSIGNMENTS_SHOWN",
    "MAX_BULK",
    "PAGE_SIZE",
    "USERNAME_RE",
    "USERNAME_RULE",
    "AccountData",
    "AccountPage",
    "ForbiddenError",
    "NotFoundError",
    "ValidationError",
    "account_assignment",
    "accounts_in_scope",
    "assignment_status",
    "assignments_of",
    "bulk_create_accounts",
    "can_manage",
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
