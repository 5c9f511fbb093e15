"""`flask gen-city`: the synthetic city's shape (issue 6) on a small scale, so CI stays fast.

The 250,000-person generation itself runs only in `make bench`; here 2,000 people on ~300 units.
"""

import pytest
from sqlalchemy import func, select, text

from app.crypto import blind_index
from app.services import code_lists
from models.accounts import Account
from models.org_units import OrgUnit
from models.personnel import SECTION_MODELS, Person


def _generate(force=False, seed=7):
    from app.seeds.gen_city import gen_city

    return gen_city(2000, units=300, seed=seed, force=force, workers=1, log=lambda *_a, **_k: None)


def _names(db):
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        select(Person.family_name, Person.middle_name, Person.given_name).order_by(Person.id)).all()]


def test_generated_city_has_the_shape_the_bench_needs(app, db):
    """Four levels with consistent paths, ≥ 10 section rows per person, one linked account per person, valid
    CCCD blind indexes and salary coefficients; the same seed gives the same city; a full DB is refused."""
    from app.seeds.gen_city import GenCityError

    summary = _generate()
    levels = dict(db.session.execute(select(OrgUnit.level, func.count()).group_by(OrgUnit.level)).all())
    assert set(levels) >= {1, 2, 3, 4} and sum(levels.values()) >= 250
    bad_paths = db.session.execute(text(
        "SELECT count(*) FROM org_unit c JOIN org_unit p ON p.id = c.parent_id "
        "WHERE c.path <> p.path || c.id || '/' OR c.level <> p.level + 1")).scalar()
    assert bad_paths == 0
    people = db.session.scalar(select(func.count()).select_from(Person))
    assert people == summary["people"] == 2000
    rows = sum(db.session.scalar(select(func.count()).select_from(m)) for m in SECTION_MODELS.values())
    assert rows / people >= 10
    linked = db.session.scalar(
        select(func.count(func.distinct(Person.account_id))).where(Person.account_id.isnot(None)))
    personal = db.session.scalar(select(func.count()).select_from(Account).where(Account.kind == "personal"))
    assert linked == people and personal >= people
    for person in db.session.scalars(select(Person).order_by(Person.id).limit(50)):
        assert person.cccd_index == blind_index(person.cccd)
        if person.rank_code and person.salary_step:
            group = code_lists.pay_group(person.rank_code, person.salary_since)
            assert code_lists.coefficient(group, person.salary_step, person.salary_since) == person.salary_coefficient
    first = _names(db)
    with pytest.raises(GenCityError):
        _generate()
    _generate(force=True)
    assert _names(db) == first
    _generate(force=True, seed=8)
    assert _names(db) != first
