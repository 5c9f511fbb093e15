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

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Integer, and_, cast, exists, false, literal, null, or_, select, union
from sqlalchemy.orm import aliased

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
from models.org_units import OrgUnit, Subtree, unit_or_subtree
from models.personnel import Person

__all__ = [
    "DELEGATED_PERMISSIONS",
    "Grant",
    "PersonAccess",
    "account_ids",
    "allows",
    "authority_grants",
    "consents_for",
    "delegated_actions",
    "delegations_in_force",
    "field_level",
    "forget",
    "grants_for",
    "grants_of",
    "has_permission",
    "holders",
    "level_filter",
    "person_access",
    "person_filter",
    "person_ids",
    "reads_level_somewhere",
    "request_cache",
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
            return Subtree(self.unit_path).covers(unit)
        return unit.id == self.unit_id

    def condition(self):
        """SQL on ``OrgUnit``: the units inside this grant (one indexed prefix match, or one id)."""
        return unit_or_subtree(self.unit_id, self.unit_path, self.include_descendants)


def today() -> date:
    """The day validity is judged on (a function so that tests may move it)."""
    return date.today()


def request_cache() -> dict:
    """The per-request (per app context) cache of grants; :func:`forget` empties it."""
    if not has_app_context():
        return {}
    if not hasattr(g, "_scope_cache"):
        g._scope_cache = {}
    return g._scope_cache


def forget(user_id: int | None = None) -> None:
    """Drop cached grants (after assignments, delegations or roles change in this request/context)."""
    cache = request_cache()
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
    cache = request_cache()
    if key not in cache:
        cache[key] = list(
            db.session.scalars(
                select(RoleAssignment)
                .where(RoleAssignment.user_id == uid, RoleAssignment.in_force(today()))
                .order_by(RoleAssignment.id)
            ).unique()
        )
    return cache[key]


def _role_permissions(role) -> frozenset[tuple[str, str]]:
    """(permission, view) pairs of ``role`` — from the security manager's one query for the user's roles."""
    ids = _current_role_ids(role)
    key, cache = ("role_perms", ids), request_cache()  # outside a request too (services, CLI, tests)
    if key not in cache:
        cache[key] = current_app.appbuilder.sm.role_permissions(ids)
    return cache[key][role.id]


def _current_role_ids(role) -> tuple[int, ...]:
    """The role ids of the signed-in user's assignments (so every check of the request shares one query),
    or just ``role`` when it is not among them (another user's role, a CLI call)."""
    user = getattr(g, "user", None) if has_request_context() else None
    ids = {a.role_id for a in valid_assignments(user)} if user is not None else set()
    return tuple(sorted(ids)) if role.id in ids else (role.id,)


def valid_delegations(user) -> list[Delegation]:
    """The delegations the user holds today as delegate (one query, cached for the request)."""
    uid = _user_id(user)
    if uid is None:
        return []
    key = ("delegations", uid)
    cache = request_cache()
    if key not in cache:
        cache[key] = list(db.session.scalars(
            select(Delegation).where(Delegation.delegate_id == uid, delegations_in_force(today()))))
    return cache[key]


def delegations_in_force(day: date):
    """SQL on ``Delegation``: the delegations that count on ``day`` — THE delegation rule of the scope, the
    workflow and the reminders (ủy quyền, HN-6.4: dated, expires by itself, revocable)."""
    return Delegation.in_force(day)


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
    return select(OrgUnit.id).where(or_(*[grant.condition() for grant in grants]))


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
    cache = request_cache()
    if key not in cache:
        cache[key] = list(db.session.scalars(
            select(ConsentGrant).where(ConsentGrant.grantee_id == uid, ConsentGrant.in_force(today()))
            .order_by(ConsentGrant.id)
        ))
    return cache[key]


def _consent_place(grant: ConsentGrant) -> Grant:
    """The unit (and maybe subtree) a unit-wide consent grant covers, as a :class:`Grant`."""
    return Grant(grant.org_unit_id, grant.org_unit.path, grant.include_descendants, None, "consent")


def _consent_conditions(user) -> list:
    conditions = []
    for grant in consents_for(user):
        if grant.person_id is not None:
            conditions.append(Person.id == grant.person_id)
        elif grant.org_unit_id is not None:
            units = select(OrgUnit.id).where(_consent_place(grant).condition())
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
            grant.condition() for grant in grants]))))
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
                    grant.person_id is None and grant.org_unit_id is not None and _consent_place(grant).covers(unit)):
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


# --------------------------------------------------------------------------- holders of an authority

def _role_ids(permission: tuple[str, str] | None, names: tuple[str, ...], except_roles: frozenset[str]) -> list[int]:
    """Ids of the roles holding ``permission`` or named in ``names``, except the roles named in
    ``except_roles`` (cached for the request)."""
    key = ("role_ids", 0, permission, tuple(names), except_roles)
    cache = request_cache()
    if key not in cache:
        cache[key] = [role.id for role in current_app.appbuilder.sm.get_all_roles()
                      if role.name not in except_roles
                      and (role.name in names or (permission is not None and permission in _role_permissions(role)))]
    return cache[key]


def delegated_actions(permission: tuple[str, str]) -> list[str]:
    """The delegation actions whose delegate gains ``permission`` (:data:`DELEGATED_PERMISSIONS`)."""
    return [action for action, perms in DELEGATED_PERMISSIONS.items() if permission in perms]


def grants_of(day: date, *, permission: tuple[str, str] | None = None, roles: tuple[str, ...] = (),
              delegation_actions: tuple[str, ...] | list[str] = (), delegator_needs_role: bool = False,
              user_id: int | None = None, except_roles: frozenset[str] = frozenset()):
    """SELECT (user_id, unit_id, unit_path, include_descendants, delegator_id) of the places held on ``day``:
    assignments in force of a role holding ``permission`` or named in ``roles``, and delegations in force
    (:func:`delegations_in_force`) of one of ``delegation_actions`` — when ``delegator_needs_role``, only
    those whose delegator (active) holds one of those roles over the delegated unit. Active accounts only;
    ``user_id`` narrows it to one user; ``except_roles`` leaves roles out. None when nothing can hold it."""
    role_ids = _role_ids(permission, roles, frozenset(except_roles))
    branches = []
    if role_ids:
        au = aliased(OrgUnit)
        stmt = (select(RoleAssignment.user_id.label("user_id"), au.id.label("unit_id"), au.path.label("unit_path"),
                       RoleAssignment.include_descendants.label("include_descendants"),
                       cast(null(), Integer).label("delegator_id"))
                .select_from(RoleAssignment)
                .join(au, au.id == RoleAssignment.org_unit_id)
                .join(Account, and_(Account.id == RoleAssignment.user_id, Account.active.is_(True)))
                .where(RoleAssignment.role_id.in_(role_ids), RoleAssignment.in_force(day)))
        if user_id is not None:
            stmt = stmt.where(RoleAssignment.user_id == user_id)
        branches.append(stmt)
    if delegation_actions and (role_ids or not delegator_needs_role):
        du = aliased(OrgUnit)
        stmt = (select(Delegation.delegate_id.label("user_id"), du.id.label("unit_id"), du.path.label("unit_path"),
                       Delegation.include_descendants.label("include_descendants"),
                       Delegation.delegator_id.label("delegator_id"))
                .select_from(Delegation)
                .join(du, du.id == Delegation.org_unit_id)
                .join(Account, and_(Account.id == Delegation.delegate_id, Account.active.is_(True)))
                .where(Delegation.action.in_(list(delegation_actions)), delegations_in_force(day)))
        if user_id is not None:
            stmt = stmt.where(Delegation.delegate_id == user_id)
        if delegator_needs_role:
            ra, au2, delegator = aliased(RoleAssignment), aliased(OrgUnit), aliased(Account)
            stmt = stmt.where(exists(
                select(literal(1)).select_from(ra)
                .join(au2, au2.id == ra.org_unit_id)
                .join(delegator, and_(delegator.id == ra.user_id, delegator.active.is_(True)))
                .where(ra.user_id == Delegation.delegator_id, ra.role_id.in_(role_ids), ra.in_force(day),
                       unit_or_subtree(au2.id, au2.path, ra.include_descendants, id_column=du.id,
                                       path_column=du.path))))
        branches.append(stmt)
    if not branches:
        return None
    return union(*branches) if len(branches) > 1 else branches[0]


def authority_grants(authority, day: date, *, user_id: int | None = None,
                     except_roles: frozenset[str] = frozenset()):
    """:func:`grants_of` for an authority of the city profile (``app.profiles.Authority``) — who may act on an
    approval step: the roles holding its permission on personnel files and the delegations giving it, or its
    named roles and the delegations of its ``delegation_action`` by a holder of one of them."""
    if authority.action:
        permission = (authority.action, RESOURCE_PERSONNEL)
        actions = delegated_actions(permission) if authority.delegation_action is not None else []
        return grants_of(day, permission=permission, delegation_actions=actions, user_id=user_id,
                         except_roles=except_roles)
    actions = [authority.delegation_action] if authority.delegation_action else []
    return grants_of(day, roles=tuple(authority.roles), delegation_actions=actions, delegator_needs_role=True,
                     user_id=user_id, except_roles=except_roles)


def holders(grants, unit_ids, *, with_delegator: bool = True):
    """THE holders query: SELECT (unit_id, user_id[, delegator_id]) of the users holding ``grants`` (a
    :func:`grants_of` / :func:`authority_grants` SELECT) over each unit of ``unit_ids`` (ids, or a SELECT of
    them). The workflow asks it whether a user may act on a step; the reminders ask it whom to remind.
    Without ``with_delegator``: distinct (unit_id, user_id) pairs."""
    places = grants.subquery("places")
    unit = aliased(OrgUnit)
    columns = [unit.id.label("unit_id"), places.c.user_id]
    if with_delegator:
        columns.append(places.c.delegator_id)
    stmt = (select(*columns).select_from(unit)
            .join(places, unit_or_subtree(places.c.unit_id, places.c.unit_path, places.c.include_descendants,
                                          id_column=unit.id, path_column=unit.path))
            .where(unit.id.in_(unit_ids)))
    return stmt if with_delegator else stmt.distinct()
