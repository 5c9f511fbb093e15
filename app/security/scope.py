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
from app.request_input import as_id
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    RESOURCE_ACCOUNT,
    RESOURCE_MY_FILE,
    RESOURCE_PERSONNEL,
)
from models.accounts import Account, ConsentGrant, Delegation, RoleAssignment
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = [
    "DELEGATED_PERMISSIONS",
    "Grant",
    "PersonAccess",
    "account_ids",
    "allows",
    "consents_for",
    "field_level",
    "forget",
    "grants_for",
    "has_permission",
    "level_filter",
    "person_access",
    "person_filter",
    "person_ids",
    "reads_level_somewhere",
    "today",
    "unit_ids",
    "valid_assignments",
    "valid_delegations",
]

#: What a delegation of each action lets the delegate do on the delegated unit.
DELEGATED_PERMISSIONS = {
    "manage_accounts": {(ACTION_READ, RESOURCE_ACCOUNT), (ACTION_WRITE, RESOURCE_ACCOUNT)},
    "approve": {(ACTION_APPROVE, RESOURCE_PERSONNEL), (ACTION_READ, RESOURCE_PERSONNEL)},
}


@dataclass(frozen=True)
class Grant:
    """One place where a permission holds: a unit (and maybe its subtree), and where it came from."""

    unit_id: int
    unit_path: str
    include_descendants: bool
    role_name: str | None
    source: str  # "role" or "delegation"
    #: The delegator's account when the grant comes from a delegation.
    delegator_id: int | None = None

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


def valid_delegations(user) -> list[Delegation]:
    """The delegations the user holds today as delegate (one query, cached for the request)."""
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
    for delegation in valid_delegations(user):
        if (action, resource) in DELEGATED_PERMISSIONS.get(delegation.action, ()):
            unit = delegation.org_unit
            grants.append(Grant(unit.id, unit.path, delegation.include_descendants, None, "delegation",
                                delegation.delegator_id))
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
            unit = db.session.get(OrgUnit, as_id(unit))
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


def has_permission(user, action: str, resource: str) -> bool:
    """True when one of the user's roles in force holds ``action`` on ``resource`` (anywhere)."""
    return any((action, resource) in _role_permissions(a.role) for a in valid_assignments(user))


def consents_for(user) -> list[ConsentGrant]:
    """The consent grants (HN-8.3, HCM-4.7) in force today that let ``user`` read files."""
    uid = _user_id(user)
    if uid is None:
        return []
    key = ("consents", uid)
    cache = _cache()
    if key not in cache:
        day = today()
        cache[key] = list(db.session.scalars(
            select(ConsentGrant).where(
                ConsentGrant.grantee_id == uid,
                ConsentGrant.revoked_at.is_(None),
                ConsentGrant.valid_from <= day,
                ConsentGrant.valid_to >= day,
            ).order_by(ConsentGrant.id)
        ))
    return cache[key]


def _consent_conditions(user) -> list:
    conditions = []
    for grant in consents_for(user):
        if grant.person_id is not None:
            conditions.append(Person.id == grant.person_id)
        elif grant.org_unit_id is not None:
            units = (select(OrgUnit.id).where(OrgUnit.path.like(grant.org_unit.path + "%"))
                     if grant.include_descendants else select(OrgUnit.id).where(OrgUnit.id == grant.org_unit_id))
            conditions.append(Person.org_unit_id.in_(units))
    return conditions


def person_filter(user, action: str = ACTION_READ):
    """SQL condition on ``Person``: the files ``user`` may read / write / approve.

    Read = the units where a role (or delegation) gives read on personnel files, plus the user's own file,
    plus valid consent grants. Write = units with write, plus the own file when the role lets staff edit
    their own draft. Approve = units with approve (never the own file: nobody approves their own file).
    """
    uid = _user_id(user)
    if uid is None:
        return false()
    conditions = []
    if grants_for(user, action, RESOURCE_PERSONNEL):
        conditions.append(Person.org_unit_id.in_(unit_ids(user, action, RESOURCE_PERSONNEL)))
    if action in (ACTION_READ, ACTION_WRITE) and has_permission(user, action, RESOURCE_MY_FILE):
        conditions.append(Person.account_id == uid)
    if action == ACTION_READ:
        conditions.extend(_consent_conditions(user))
    if action == ACTION_APPROVE and conditions:
        return (or_(*conditions)) & ((Person.account_id.is_(None)) | (Person.account_id != uid))
    return or_(*conditions) if conditions else false()


def person_ids(user, action: str = ACTION_READ):
    """SELECT of the ids of the files ``user`` may act on (see :func:`person_filter`)."""
    return select(Person.id).where(person_filter(user, action))


@dataclass(frozen=True)
class PersonAccess:
    """What ``user`` may do with one file, and why (for screens, masking and the access log)."""

    read: bool
    write: bool
    approve: bool
    own: bool
    #: The consent grant the read relies on when nothing else allows it (log it with each read).
    consent_id: int | None
    #: Highest restricted-access level shown in clear (syll.LEVEL_*).
    level: int


def _grant_level(grant: Grant) -> int:
    """The restricted-access level a read grant gives (a delegation: 3; an unknown role: -1)."""
    from app.security.roles import role_config

    if grant.role_name is None:
        return 3
    try:
        cfg = role_config(grant.role_name)
    except KeyError:
        return -1
    return 3 if cfg["admin"] else cfg.get("field_level", 0)


def field_level(user, unit: OrgUnit) -> int:
    """Highest restricted-access level the user's roles on ``unit`` read in clear (-1: none)."""
    level = -1
    for grant in grants_for(user, ACTION_READ, RESOURCE_PERSONNEL):
        if grant.covers(unit):
            level = max(level, _grant_level(grant))
    return level


def level_filter(user, min_level: int):
    """SQL condition on ``Person``: the files on which ``user`` reads items of level ``min_level`` in clear —
    the rule of :func:`person_access` as a query (roles on the unit, the own file, approval, consent)."""
    uid = _user_id(user)
    if uid is None:
        return false()
    conditions = []
    grants = [grant for grant in grants_for(user, ACTION_READ, RESOURCE_PERSONNEL) if _grant_level(grant) >= min_level]
    if grants:
        conditions.append(Person.org_unit_id.in_(select(OrgUnit.id).where(or_(*[
            OrgUnit.path.like(grant.unit_path + "%") if grant.include_descendants else OrgUnit.id == grant.unit_id
            for grant in grants]))))
    if grants_for(user, ACTION_APPROVE, RESOURCE_PERSONNEL):
        conditions.append(Person.org_unit_id.in_(unit_ids(user, ACTION_APPROVE, RESOURCE_PERSONNEL))
                          & (Person.account_id.is_(None) | (Person.account_id != uid)))
    if has_permission(user, ACTION_READ, RESOURCE_MY_FILE):
        conditions.append(Person.account_id == uid)
    if min_level <= 1:
        conditions.extend(_consent_conditions(user))
    return or_(*conditions) if conditions else false()


def reads_level_somewhere(user, min_level: int) -> bool:
    """True when ``user`` reads items of level ``min_level`` in clear on some file other than their own
    (see :func:`level_filter`)."""
    if any(_grant_level(grant) >= min_level for grant in grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)):
        return True
    if grants_for(user, ACTION_APPROVE, RESOURCE_PERSONNEL):
        return True
    return min_level <= 1 and bool(consents_for(user))


def person_access(user, person: Person) -> PersonAccess:
    """The access of ``user`` to ``person``'s file (nothing allowed for an anonymous user)."""
    uid = _user_id(user)
    unit = person.org_unit
    own = uid is not None and person.account_id == uid
    read_unit = allows(user, ACTION_READ, RESOURCE_PERSONNEL, unit)
    own_read = own and has_permission(user, ACTION_READ, RESOURCE_MY_FILE)
    consent_id = None
    if not read_unit and not own_read:
        for grant in consents_for(user):
            if grant.person_id == person.id or (
                grant.person_id is None and grant.org_unit_id is not None and (
                    unit.path.startswith(grant.org_unit.path) if grant.include_descendants
                    else unit.id == grant.org_unit_id)):
                consent_id = grant.id
                break
    read = read_unit or own_read or consent_id is not None
    write = allows(user, ACTION_WRITE, RESOURCE_PERSONNEL, unit) or (
        own and has_permission(user, ACTION_WRITE, RESOURCE_MY_FILE))
    approve = not own and allows(user, ACTION_APPROVE, RESOURCE_PERSONNEL, unit)
    level = 3 if own_read else field_level(user, unit)
    if approve:
        level = 3
    if consent_id is not None:
        level = max(level, 1)
    return PersonAccess(read, write and read, approve and read, own, consent_id, level)
