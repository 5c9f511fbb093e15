"""Demo data: the demo city and one login per role (``flask seed-demo``). Idempotent."""

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.security.roles import ROLE_SELF_SERVICE
from app.seeds.demo_city import DEMO_DECISION, DEMO_PASSWORD, DEMO_UNITS, DEMO_USERS
from app.services.errors import use_case
from app.services.org_units import Decision, UnitData, create_unit
from models.accounts import Account, RoleAssignment
from models.org_units import STATUS_ACTIVE, OrgUnit

__all__ = ["seed_demo", "is_empty"]


def is_empty() -> bool:
    """True when the database holds no org unit yet."""
    return db.session.scalar(select(OrgUnit.id).limit(1)) is None


@use_case
def seed_demo() -> dict[str, int]:
    """Create the demo city's units and demo users that are missing; one transaction.

    Units are matched by their mã định danh among open units, users by username, so running it
    again changes nothing.
    """
    existing = dict(
        db.session.execute(
            select(OrgUnit.ma_dinh_danh, OrgUnit.id).where(
                OrgUnit.ma_dinh_danh.in_([u["code"] for u in DEMO_UNITS]), OrgUnit.status == STATUS_ACTIVE
            )
        ).all()
    )
    decision = Decision(number=DEMO_DECISION["number"], date=DEMO_DECISION["date"])
    created_units = 0
    for spec in DEMO_UNITS:
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
    for username, role_name, first, last, home_code, scope_code, subtree in DEMO_USERS:
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
                                      include_descendants=subtree, valid_from=DEMO_DECISION["date"],
                                      request_number=DEMO_DECISION["number"]))
        created_users += 1
    db.session.flush()
    return {"units": created_units, "users": created_users}


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)
