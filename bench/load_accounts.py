"""The accounts and the work of ``make load`` (issue 20 item 6), prepared through the app's own services.

:func:`prepare` runs in an app context on any city (the 250,000-person bench city, the demo city of the tests) and
is idempotent: a second run finds what the first made and only tops it up.

* **Approvers** — agency accounts ``load.tt.NN`` holding *Thủ trưởng* on one unit each (the largest children of
  the root unit, one unit per approver, so that two simulated approvers never decide the same change set).
* **Staff** — personal accounts of people of those units (the generated city gives every person one; a person
  without one gets one through ``create_personal_accounts`` + ``link_account``), spread over the units.
* **Officers** — ``load.tccb.NN``, *Cán bộ TCCB* on the root unit and its subtree.
* **Report viewers** — ``load.xem.NN``, *Xem báo cáo* on the root unit and its subtree.
* **Passwords** — every load account gets the load password without a forced change the way a person gets one:
  the administrator resets it (``reset_password``) and the owner changes the default at "first login"
  (``change_own_password``). Accounts already on the load password are left alone.
* **Work for the approvers** — each approver unit is topped up to ``pending_per_unit`` submitted change sets
  (an officer saves the *Sức khỏe* section of a file and submits it on the person's behalf: ``save_section`` +
  ``submit``), so that the inbox and the bulk approval do real work from the first second.

Nothing here bypasses a check of the services: the actor is an administrator of the city (``admin``), and every
step is one use case (one transaction).
"""

from __future__ import annotations

import math
import random

#: Shares of the simulated users by kind (issue 20 item 6): staff 60 %, officers 20 %, approvers 12 %, viewers 8 %.
SHARES = {"staff": 60, "officer": 20, "approver": 12, "viewer": 8}
REQUEST_NUMBER = "LOAD-2026"


def pool_sizes(users: int) -> dict[str, int]:
    """Accounts of each kind for ``users`` simulated users: at least as many as locust can start of that kind."""
    total = sum(SHARES.values())
    return {kind: max(1, math.ceil(users * share / total)) + 1 for kind, share in SHARES.items()}


def _account(username: str):
    from sqlalchemy import func, select

    from app.extensions import db
    from models.accounts import Account

    return db.session.scalar(select(Account).where(func.lower(Account.username) == username.lower()))


def _holds(account, role_name: str, unit_id: int) -> bool:
    from sqlalchemy import select

    from app.extensions import db
    from app.security import scope
    from models.accounts import RoleAssignment

    rows = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == account.id,
                                                           RoleAssignment.org_unit_id == unit_id)).all()
    return any(r.role.name == role_name and r.include_descendants and r.in_force(scope.today()) for r in rows)


def _agency_account(actor, username: str, role_name: str, unit, first: str, last: str):
    """The agency account ``username`` with ``role_name`` on ``unit`` (subtree), created or completed."""
    from app.services.accounts import assignments, lifecycle

    account = _account(username)
    if account is None:
        account, _password = lifecycle.create_account(actor, lifecycle.AccountData(
            username=username, first_name=first, last_name=last, email=f"{username}@load.cbccvc.local",
            org_unit_id=unit.id, kind="agency", role_name=role_name, include_descendants=True,
            request_number=REQUEST_NUMBER))
    elif not _holds(account, role_name, unit.id):
        assignments.grant_role(actor, account.id, role_name, unit.id, include_descendants=True,
                               request_number=REQUEST_NUMBER)
    return account


def _ensure_password(actor, account, password: str) -> None:
    """The load password, no forced change: a reset by the administrator, then the owner's own change."""
    from werkzeug.security import check_password_hash

    from app.extensions import db
    from app.services.accounts import lifecycle

    db.session.refresh(account)
    if (not account.must_change_password and account.active and account.locked_at is None
            and account.password and check_password_hash(account.password, password)):
        return
    default = lifecycle.reset_password(actor, account.id)
    lifecycle.change_own_password(_account(account.username), default, password, password)


def _units(root, count: int, min_people: int):
    """The ``count`` children of ``root`` with the most active people of the profile (ties by id)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.profiles import active_profile
    from models.org_units import OrgUnit
    from models.personnel import Person

    child = OrgUnit.__table__.alias("child")
    member = OrgUnit.__table__.alias("member")
    rows = db.session.execute(
        select(child.c.id, func.count(Person.id).label("n"))
        .select_from(child)
        .join(member, member.c.path.like(child.c.path + "%"))
        .join(Person, Person.org_unit_id == member.c.id)
        .where(child.c.parent_id == root.id, child.c.status == "active", Person.status == "active",
               Person.category.in_(active_profile().categories))
        .group_by(child.c.id).having(func.count(Person.id) >= min_people)
        .order_by(func.count(Person.id).desc(), child.c.id).limit(count)).all()
    return [db.session.get(OrgUnit, uid) for uid, _n in rows]


def _not_moving(query):
    """``query`` (of people) without those whose file is on a move (read-only while it travels)."""
    from sqlalchemy import exists

    from models.personnel import Person
    from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

    return query.where(~exists().where(Transfer.person_id == Person.id, Transfer.status.in_(OPEN_TRANSFER_STATUSES)))


def _people_of(unit, limit: int, exclude: set[int]) -> list:
    """Active people of the profile in ``unit``'s subtree without an open change set nor a move, by id."""
    from sqlalchemy import exists, select

    from app.extensions import db
    from app.profiles import active_profile
    from app.workflow import OPEN_STATUSES
    from models.org_units import OrgUnit
    from models.personnel import ChangeSet, Person

    query = (select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id)
             .where(OrgUnit.path.like(unit.path + "%"), Person.status == "active",
                    Person.category.in_(active_profile().categories),
                    ~exists().where(ChangeSet.person_id == Person.id, ChangeSet.status.in_(OPEN_STATUSES)))
             .order_by(Person.id))
    if exclude:
        query = query.where(Person.id.not_in(exclude))
    return list(db.session.scalars(_not_moving(query).limit(limit)))


def _submitted_in(unit) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from models.org_units import OrgUnit
    from models.personnel import ChangeSet, Person

    return db.session.scalar(select(func.count(ChangeSet.id)).join(Person, Person.id == ChangeSet.person_id)
                             .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
                             .where(ChangeSet.status == "submitted", OrgUnit.path.like(unit.path + "%")))


def _staff_of(actor, unit, count: int, taken: set[int]) -> list[tuple[str, int]]:
    """(username, person id) of ``count`` people of ``unit`` with a personal account (made when missing)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.security.roles import ROLE_SELF_SERVICE
    from app.services.accounts import lifecycle
    from app.services.errors import use_case
    from app.services.personnel import people as people_svc
    from models.accounts import Account
    from models.personnel import Person

    rows = db.session.execute(
        select(Account.username, Person.id).join(Person, Person.account_id == Account.id)
        .where(Person.id.in_([p.id for p in _people_with_accounts(unit, count * 3, taken)]), Account.active)
        .order_by(Person.id)).all()
    found = [(u, pid) for u, pid in rows if _self_service(u, ROLE_SELF_SERVICE)][:count]
    if len(found) < count:  # a city without personal accounts (the demo city): make them as the agency would
        for person in _people_of(unit, count - len(found), taken | {pid for _u, pid in found}):
            if person.account_id is not None:
                continue

            @use_case
            def open_account(p=person):
                (account, _pw), = lifecycle.create_personal_accounts(actor, [(p.full_name, p.org_unit)],
                                                                     request_number=REQUEST_NUMBER)
                people_svc.link_account(actor, p.id, account.id)
                return account.username

            found.append((open_account(), person.id))
    for _u, pid in found:
        taken.add(pid)
    db.session.expire_all()
    return found


def _self_service(username: str, role_name: str) -> bool:
    account = _account(username)
    return account is not None and any(r.name == role_name for r in account.roles)


def _people_with_accounts(unit, limit: int, exclude: set[int]) -> list:
    from sqlalchemy import select

    from app.extensions import db
    from app.profiles import active_profile
    from models.org_units import OrgUnit
    from models.personnel import Person

    query = (select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id)
             .where(OrgUnit.path.like(unit.path + "%"), Person.status == "active", Person.account_id.is_not(None),
                    Person.category.in_(active_profile().categories))
             .order_by(Person.id).limit(limit))
    if exclude:
        query = query.where(Person.id.not_in(exclude))
    return list(db.session.scalars(_not_moving(query)))


def _health(person, rng: random.Random) -> dict:
    """The form of the *Sức khỏe* section with a new height and weight (the rest as approved)."""
    from app.services.personnel import files

    approved = files.snapshot(person)["sections"]["health"]
    height = rng.choice([h for h in range(150, 186) if str(h) != str(approved.get("height_cm"))])  # a change, always
    return {"health": approved.get("health") or "Bình thường", "height_cm": str(height),
            "weight_kg": str(rng.randint(45, 90)), "blood_group": approved.get("blood_group") or ""}


def _top_up(officer, unit, target: int, taken: set[int], rng: random.Random) -> int:
    """Submitted change sets in ``unit``'s subtree up to ``target`` (officer's edits on the person's behalf)."""
    from app.extensions import db
    from app.services import personnel as svc

    missing = target - _submitted_in(unit)
    made = 0
    if missing <= 0:
        return 0
    for person in _people_of(unit, missing, taken):
        svc.save_section(officer, person.id, "health", _health(person, rng))
        svc.submit(officer, person.id, "Cập nhật chiều cao, cân nặng (tải cuối tháng)")
        made += 1
    db.session.expire_all()
    return made


def _clear_staff_files(staff: list) -> int:
    """Approve (as the unit's head) what the staff submitted in an earlier run and is still waiting, so that every
    staff user starts with a file to update; returns how many."""
    from sqlalchemy import select

    from app.extensions import db
    from app.services import personnel as svc
    from models.personnel import ChangeSet

    done = 0
    for _username, pid, approver in staff:
        cs_id = db.session.scalar(select(ChangeSet.id).where(ChangeSet.person_id == pid,
                                                             ChangeSet.status == "submitted"))
        if cs_id is not None:
            svc.approve(approver, cs_id, "Đồng ý")
            done += 1
    db.session.expire_all()
    return done


def prepare(*, users: int, root_name: str, admin: str, password: str, pending_per_unit: int = 40,
            log=print) -> dict:
    """Make (or find) the load accounts and the approvers' work; returns what the locustfile needs."""
    from sqlalchemy import select

    from app.extensions import db
    from app.security.roles import ROLE_HEAD, ROLE_HR_OFFICER, ROLE_REPORT_VIEWER
    from models.org_units import OrgUnit

    actor = _account(admin)
    if actor is None:
        raise LookupError(f"no account {admin!r} (the city's administrator)")
    root = db.session.scalars(select(OrgUnit).where(OrgUnit.name == root_name, OrgUnit.status == "active")
                              .order_by(OrgUnit.level, OrgUnit.id)).first()
    if root is None:
        raise LookupError(f"no unit {root_name!r}")
    sizes = pool_sizes(users)
    units = _units(root, sizes["approver"], min_people=3)
    if not units:
        raise LookupError(f"{root_name!r} has no child unit with people")
    rng = random.Random()
    officers = [_agency_account(actor, f"load.tccb.{i:02d}", ROLE_HR_OFFICER, root, f"TCCB {i:02d}", "Tải")
                for i in range(1, sizes["officer"] + 1)]
    viewers = [_agency_account(actor, f"load.xem.{i:02d}", ROLE_REPORT_VIEWER, root, f"Xem {i:02d}", "Tải")
               for i in range(1, sizes["viewer"] + 1)]
    approvers = [_agency_account(actor, f"load.tt.{i:02d}", ROLE_HEAD, unit, f"Thủ trưởng {i:02d}", "Tải")
                 for i, unit in enumerate(units, start=1)]
    taken: set[int] = set()
    per_unit = math.ceil(sizes["staff"] / len(units))
    staff = []
    for approver, unit in zip(approvers, units, strict=True):
        staff.extend((username, pid, approver) for username, pid in _staff_of(actor, unit, per_unit, taken))
    staff = staff[:max(sizes["staff"], len(units))]
    names = [a.username for a in officers + viewers + approvers] + [u for u, _pid, _a in staff]
    for username in names:
        _ensure_password(actor, _account(username), password)
    decided = _clear_staff_files(staff)
    made = sum(_top_up(officers[0], unit, pending_per_unit, taken, rng) for unit in units)
    log(f"load: {len(staff)} staff, {len(officers)} officers, {len(approvers)} approvers (one unit each), "
        f"{len(viewers)} report viewers; {decided} staff submissions of an earlier run approved; {made} change "
        f"sets submitted for the approvers ({pending_per_unit} waiting per unit)")
    return {
        "password": password,
        "root": {"id": root.id, "name": root.name},
        "staff": [u for u, _pid, _a in staff],
        "officer": [a.username for a in officers],
        "viewer": [a.username for a in viewers],
        "approver": [a.username for a in approvers],
        "approver_units": [{"id": u.id, "name": u.name} for u in units],
    }
