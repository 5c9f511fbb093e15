"""THE scope function: where on the org tree may this user do action X on resource Y (design.md §3).

*What* a user may do is a Flask-AppBuilder permission held by a role; *where* is the set of role
assignments (role, org unit, include sub-units, valid from/to, not revoked) plus valid delegations
(ủy quyền, HN-6.4). A permission counts on a unit only through an assignment (or delegation) whose role
holds that permission and whose unit covers it. Default deny: no grant, no unit.

Every list, show, edit, action, download, export, job, API call and picker asks :func:`unit_ids` (a
SELECT usable in ``IN``) or :func:`allows` (one unit). People's files join the same answer in the
personnel aggregate: their unit in scope, or their own file, or a valid consent grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_app_context
from sqlalchemy import false, or_, select

from app.extensions import db
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_ACCOUNT
from models.accounts import Account, Delegation, RoleAssignment
from models.org_units import OrgUnit

__all__ = [
    "DELEGATED_PERMISSIONS",
    "Grant",
    "account_ids",
    "allows",
    "forget",
    "grants_for",
    "today",
    "unit_ids",
    "valid_assignments",
]

#: What a delegation of each action lets the delegate do on the delegated unit.
DELEGATED_PERMISSIONS = {
    "manage_accounts": {(ACTION_READ, RESOURCE_ACCOUNT), (ACTION_WRITE, RESOURCE_ACCOUNT)},
    "approve": {("can_approve", "PersonnelFile")},
}


@dataclass(frozen=True)
class Grant:
    """One place where a permission holds: a unit (and maybe its subtree), and where it came from."""

    unit_id: int
    unit_path: str
    include_descendants: bool
    role_name: str | None
    source: str  # "role" or "delegation"

    def covers(self, unit: OrgUnit) -> bool:
        """True when ``unit`` lies inside this grant."""
        if self.include_descendants:
            return unit.path.startswith(self.unit_path)
        return unit.id == self.unit_id


def today() -> date:
    """The day validity is judged on (a function so that tests may move it)."""
    return date.today()


def _cache() -> dict:
    if not has_app_context():
        return {}
    if not hasattr(g, "_scope_cache"):
        g._scope_cache = {}
    return g._scope_cache


def forget(user_id: int | None = None) -> None:
    """Drop cached grants (after assignments, delegations or roles change in this request/context)."""
    cache = _cache()
    if user_id is None:
        cache.clear()
    else:
        for key in [k for k in cache if k[1] == user_id]:
            del cache[key]


def _user_id(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def valid_assignments(user) -> list[RoleAssignment]:
    """The user's role assignments in force today (one query, cached for the request)."""
    uid = _user_id(user)
    if uid is None or not getattr(user, "is_active", False):
        return []
    key = ("assignments", uid)
    cache = _cache()
    if key not in cache:
        day = today()
        cache[key] = list(
            db.session.scalars(
                select(RoleAssignment)
                .where(
                    RoleAssignment.user_id == uid,
                    RoleAssignment.revoked_at.is_(None),
                    RoleAssignment.valid_from <= day,
                    or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= day),
                )
                .order_by(RoleAssignment.id)
            ).unique()
        )
    return cache[key]


def _role_permissions(role) -> set[tuple[str, str]]:
    key = ("role_perms", role.id)
    cache = _cache()
    if key not in cache:
        cache[key] = current_app.appbuilder.sm.get_role_permissions(role)
    return cache[key]


def _valid_delegations(user) -> list[Delegation]:
    uid = _user_id(user)
    if uid is None:
        return []
    key = ("delegations", uid)
    cache = _cache()
    if key not in cache:
        day = today()
        cache[key] = list(
            db.session.scalars(
                select(Delegation).where(
                    Delegation.delegate_id == uid,
                    Delegation.revoked_at.is_(None),
                    Delegation.valid_from <= day,
                    Delegation.valid_to >= day,
                )
            )
        )
    return cache[key]


def grants_for(user, action: str, resource: str) -> list[Grant]:
    """Every grant under which ``user`` may do ``action`` on ``resource`` today."""
    grants = []
    for assignment in valid_assignments(user):
        if (action, resource) in _role_permissions(assignment.role):
            unit = assignment.org_unit
            grants.append(Grant(unit.id, unit.path, assignment.include_descendants, assignment.role.name, "role"))
    for delegation in _valid_delegations(user):
        if (action, resource) in DELEGATED_PERMISSIONS.get(delegation.action, ()):
            unit = delegation.org_unit
            grants.append(Grant(unit.id, unit.path, delegation.include_descendants, None, "delegation"))
    return grants


def unit_ids(user, action: str, resource: str):
    """SELECT of the ids of the open and closed units where ``user`` may do ``action`` on ``resource``.

    Use it in ``column.in_(...)``; it is one indexed prefix match per grant. Deny yields an empty SELECT.
    """
    grants = grants_for(user, action, resource)
    if not grants:
        return select(OrgUnit.id).where(false())
    conditions = [
        OrgUnit.path.like(grant.unit_path + "%") if grant.include_descendants else OrgUnit.id == grant.unit_id
        for grant in grants
    ]
    return select(OrgUnit.id).where(or_(*conditions))


def allows(user, action: str, resource: str, unit: OrgUnit | int | None) -> bool:
    """True when ``user`` may do ``action`` on ``resource`` at ``unit`` (a unit or its id)."""
    if unit is None:
        return False
    if not isinstance(unit, OrgUnit):
        try:
            unit = db.session.get(OrgUnit, int(unit))
        except (TypeError, ValueError):
            return False
        if unit is None:
            return False
    return any(grant.covers(unit) for grant in grants_for(user, action, resource))


def account_ids(user, action: str):
    """SELECT of the account ids ``user`` may read/write: accounts of units in scope, and always their own."""
    uid = _user_id(user)
    stmt = select(Account.id).where(Account.org_unit_id.in_(unit_ids(user, action, RESOURCE_ACCOUNT)))
    if uid is not None and action == ACTION_READ:
        stmt = stmt.union(select(Account.id).where(Account.id == uid))
    return stmt
