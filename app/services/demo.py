"""Demo data: code lists, the demo city, one login per role and ~200 full personnel files (``flask seed-demo``).

The city is the active profile's (``CityProfile.demo_city``: Hà Nội's ``app/seeds/demo_city.py``, Hồ Chí Minh's
``app/seeds/demo_city_hcm.py``). Idempotent: units are matched by mã định danh, users by username, and people are
only created while the database has none.
"""

import importlib
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.profiles import active_profile
from app.security.roles import ROLE_SELF_SERVICE
from app.seeds.demo_city import DEMO_PASSWORD, DemoCity
from app.seeds.demo_people import DEFAULT_SEED, generate_people
from app.services import code_lists
from app.services.errors import use_case
from app.services.org_units import Decision, UnitData, create_unit
from app.services.personnel import files
from app.services.personnel.people import refresh_derived
from models.accounts import Account, RoleAssignment
from models.org_units import STATUS_ACTIVE, OrgUnit, Subtree
from models.personnel import SECTION_MODELS, Person

__all__ = ["demo_city", "seed_demo", "is_empty"]


def demo_city(profile=None) -> DemoCity:
    """The demo city of ``profile`` (the active city profile by default)."""
    profile = profile or active_profile()
    return importlib.import_module(profile.demo_city).CITY


def is_empty() -> bool:
    """True when the database holds no org unit yet."""
    return db.session.scalar(select(OrgUnit.id).limit(1)) is None


@use_case
def seed_demo(seed: int = DEFAULT_SEED, people: bool = True) -> dict[str, int]:
    """Load the code lists, create the demo city's missing units and users, then its people; one transaction.

    Units are matched by their mã định danh among open units, users by username, and people are created
    only when there is no person yet (``app/seeds/demo_people/``, deterministic for a ``seed``), so
    running it again changes nothing. ``people=False`` leaves the files out (tests that open their own).
    """
    code_lists.load_code_lists()
    city = demo_city()
    existing = dict(
        db.session.execute(
            select(OrgUnit.ma_dinh_danh, OrgUnit.id).where(
                OrgUnit.ma_dinh_danh.in_([u["code"] for u in city.units]), OrgUnit.status == STATUS_ACTIVE
            )
        ).all()
    )
    decision = Decision(number=city.decision["number"], date=city.decision["date"])
    created_units = 0
    for spec in city.units:
        if spec["code"] in existing:
            continue
        parent_id = existing.get(spec["parent_code"]) if spec["parent_code"] else None
        unit = create_unit(
            UnitData(
                name=spec["name"],
                short_name=spec["short_name"],
                unit_type=spec["unit_type"],
                parent_id=parent_id,
                ma_dinh_danh=spec["code"],
                bien_che_quota=spec["bien_che_quota"],
            ),
            decision,
        )
        existing[spec["code"]] = unit.id
        created_units += 1
    sm = current_app.appbuilder.sm
    created_users = 0
    for username, role_name, first, last, home_code, scope_code, subtree in city.users:
        if db.session.scalar(select(Account.id).where(Account.username == username)):
            continue
        role = sm.find_role(role_name)
        if role is None:
            raise LookupError(f"role {role_name} missing: run `flask sync-roles` first")
        user = Account(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.cbccvc.local",
            active=True,
            org_unit_id=existing.get(home_code),
            kind="personal" if role_name == ROLE_SELF_SERVICE else "agency",
            must_change_password=False,
        )
        user.password = _hash(DEMO_PASSWORD)
        user.roles = [role]
        db.session.add(user)
        db.session.flush()
        db.session.add(RoleAssignment(user_id=user.id, role_id=role.id, org_unit_id=existing[scope_code],
                                      include_descendants=subtree, valid_from=city.decision["date"],
                                      request_number=city.decision["number"]))
        created_users += 1
    db.session.flush()
    created_people = _seed_people(city, existing, seed) if people else 0
    if created_people:
        _seed_pending_changes(city.pending_officer)
    return {"units": created_units, "users": created_users, "people": created_people}


#: Demo change sets waiting in the approvers' inbox: entered by the city's ``pending_officer`` on behalf of people
#: of its unit (so that, under four eyes, the others of the chain can act on them).
PENDING_COUNT = 3


def _seed_pending_changes(officer_name: str) -> None:
    """A few submitted change sets (a new line of "Quá trình công tác"), so the inbox and the chain of the
    active city profile show something on the first login; people whose dates refuse the line are skipped."""
    from app.security import scope
    from app.services.errors import ValidationError
    from app.services.personnel import change_sets

    scope.forget()  # grants cached in this context may belong to an earlier session
    officer = db.session.scalar(select(Account).where(Account.username == officer_name))
    if officer is None or officer.org_unit is None:
        return
    unit_ids = select(OrgUnit.id).where(Subtree.of(officer.org_unit).condition())
    candidates = db.session.scalars(
        select(Person.id).where(Person.org_unit_id.in_(unit_ids), Person.account_id.is_(None),
                                Person.status == "active").order_by(Person.id).limit(PENDING_COUNT * 10))
    done = 0
    for person_id in candidates:
        if done == PENDING_COUNT:
            break
        try:
            change_sets.save_section(officer, person_id, "work", {
                "start": "01/2026", "end": "", "unit_name": officer.org_unit.name,
                "title": "Tham gia tổ công tác số hóa hồ sơ"})
            change_sets.submit(officer, person_id, "Bổ sung quá trình công tác năm 2026 (dữ liệu mẫu)")
            done += 1
        except ValidationError:
            continue


#: Positions whose holders the demo treats as managed by Ban Thường vụ Thành ủy (HCM-7.2a).
LEADER_TITLES = ("Giám đốc", "Chủ tịch")


class _CodeListScale:
    """The salary table of the loaded code lists, as the people generator asks for it (memoised)."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, date], tuple[int, int]] = {}

    def group(self, rank_code: str, on: date) -> str | None:
        """Pay group of ``rank_code`` on ``on``."""
        return code_lists.pay_group(rank_code, on)

    def steps(self, group: str, on: date) -> tuple[int, int]:
        """(number of bậc, months between bậc) of ``group`` on ``on``."""
        key = (group, on)
        if key not in self._steps:
            rows = code_lists.steps(group, on)
            self._steps[key] = (len(rows), rows[0].interval_months or 36)
        return self._steps[key]

    def coefficient(self, group: str, step: int, on: date) -> Decimal | None:
        """Hệ số of bậc ``step`` of ``group`` on ``on``."""
        return code_lists.coefficient(group, step, on)


def _seed_people(city: DemoCity, unit_ids: dict[str, int], seed: int) -> int:
    """Create the demo people (version 1 of each file) unless the database already has people."""
    if db.session.scalar(select(Person.id).limit(1)) is not None:
        return 0
    specs = [s for s in generate_people(city.units, _CodeListScale(), seed, locale=city.locale,
                                        prefix_map=city.prefix_map) if s.unit_code in unit_ids]
    accounts = dict(db.session.execute(
        select(Account.username, Account.id).where(Account.username.in_([s.account for s in specs if s.account]))
    ).all())
    # The active city profile decides which people follow a special chain; the demo marks the agency leaders
    # as managed by Ban Thường vụ Thành ủy where the profile has such a chain (HCM-7.2a).
    profile = active_profile()
    btv_chain = any("btv_managed" in rule.when for rule in profile.chain_rules)
    with audit.reason("Dữ liệu mẫu (flask seed-demo)"):
        people = []
        for spec in specs:
            person = Person(org_unit_id=unit_ids[spec.unit_code], version_no=0, **spec.person)
            person.btv_managed = btv_chain and (spec.person.get("position") or "").startswith(LEADER_TITLES)
            # Linked directly: the demo links agency logins too (syt.tccb, syt.thutruong), which
            # people.link_account refuses, so that "no self-approval" can be shown.
            person.account_id = accounts.get(spec.account) if spec.account else None
            refresh_derived(person)
            people.append(person)
        db.session.add_all(people)
        db.session.flush()
        for person, spec in zip(people, specs, strict=True):
            for table, rows in spec.rows.items():
                model = SECTION_MODELS[table]
                db.session.add_all(model(person_id=person.id, **row) for row in rows)
        db.session.flush()
        for person in people:
            files.write_version(person, None, None, sync=False)
    return len(people)


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)
