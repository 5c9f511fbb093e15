"""The demo people of ``flask seed-demo``: full, consistent, versioned files; deterministic and idempotent.

Seeding takes a few seconds, so the read-only checks share one seeded database (``seeded``: the session's
seeded copy, restored once for the module); the tests that seed again (idempotence, determinism) come last
and use the per-test ``db``.
"""

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from models.personnel import SECTION_MODELS, FileVersion, Person, SalaryRecord, WorkRecord


def _month(value: str) -> int:
    return int(value[:4]) * 12 + int(value[5:7]) - 1


@pytest.fixture(scope="module")
def seeded_once(app):
    """The demo city with its people (the session's seeded copy, ``demo_people``), once for this module."""
    from app.extensions import db as _db
    from tests.conftest import reset_tables

    with app.app_context():
        reset_tables(app, "demo_people")
        yield _db
        _db.session.remove()


@pytest.fixture()
def seeded(seeded_once):
    """The module's seeded database; the test's reads are rolled back so that no lock outlives the test."""
    yield seeded_once
    seeded_once.session.rollback()


@pytest.fixture()
def people(seeded):
    """Every seeded person, in creation order."""
    return list(seeded.session.scalars(select(Person).order_by(Person.id)))


def test_seed_creates_people_in_every_leaf_unit(seeded, people):
    from app.seeds.demo_city import DEMO_UNITS
    from models.org_units import OrgUnit

    assert 180 <= len(people) <= 240
    parents = {u["parent_code"] for u in DEMO_UNITS}
    leaves = {u["code"] for u in DEMO_UNITS if u["code"] not in parents}
    code_of = dict(seeded.session.execute(select(OrgUnit.id, OrgUnit.ma_dinh_danh)).all())
    per_unit = Counter(code_of[p.org_unit_id] for p in people if p.status == "active")
    assert leaves <= set(per_unit)
    assert all(3 <= per_unit[code] <= 9 for code in leaves)
    # Family names follow their real frequencies (Nguyễn ≈ 38 %).
    share = sum(p.family_name == "Nguyễn" for p in people) / len(people)
    assert 0.25 <= share <= 0.5
    names = {p.full_name for p in people}
    for hard in ("Đặng Văn Đức", "Tôn Nữ Thị Hà", "Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "Âu Dương Minh Khang"):
        assert hard in names
    moan = next(p for p in people if p.given_name == "Moan")
    assert (moan.family_name, moan.middle_name, moan.ethnicity) == ("Ênuôl", "Y", "12")
    archived = [p for p in people if p.status in ("retired", "resigned", "deceased")]
    assert 3 <= len(archived) <= 5
    assert all(p.status_since and p.status_decision for p in archived)


def test_every_file_has_version_1_with_its_hash(seeded, people):
    from app.services.personnel import files

    versions = {v.person_id: v for v in seeded.session.scalars(select(FileVersion))}
    assert set(versions) == {p.id for p in people}
    for person in people:
        version = versions[person.id]
        assert version.version_no == 1 == person.version_no
        assert version.sha256 == hashlib.sha256(files.canonical_json(version.snapshot).encode()).hexdigest()
    # Nearly every file is complete; a few are left incomplete for the quality dashboards.
    complete = sum(p.completeness == 100 for p in people)
    assert complete >= 0.85 * len(people)


def test_files_are_full(seeded, people):
    rows = {table: seeded.session.scalar(select(func.count()).select_from(model))
            for table, model in SECTION_MODELS.items()}
    assert sum(rows.values()) / len(people) >= 10
    for table in ("training_record", "work_record", "evaluation_record", "relative", "salary_record",
                  "allowance_record"):
        assert rows[table] > len(people) / 2, table
    kinds = dict(seeded.session.execute(text("SELECT kind, count(*) FROM training_record GROUP BY kind")).all())
    assert set(kinds) == {"professional", "political", "management", "defence", "it", "language"}
    assert 0.3 <= sum(p.party_joined_on is not None for p in people) / len(people) <= 0.6


def test_highest_qualification_matches_the_training_table(seeded, people):
    order = {"TC": 0, "CD": 1, "DH": 2, "ThS": 3, "TS": 4}
    rows = seeded.session.execute(
        text("SELECT person_id, level FROM training_record WHERE kind = 'professional'")).all()
    best: dict[int, str] = {}
    for person_id, level in rows:
        if person_id not in best or order[level] > order[best[person_id]]:
            best[person_id] = level
    for person in people:
        assert best[person.id] == person.highest_qualification, person.full_name


def test_every_cccd_passes_the_check(seeded, people):
    from app.services.personnel.checks import check_cccd

    assert len({p.cccd for p in people}) == len(people)
    for person in people:
        assert check_cccd(person.cccd, person.birth_date, person.gender) == [], person.full_name
        assert person.cccd_index
        if person.cccd_issued_on:
            assert person.cccd_issued_on > person.birth_date


def test_rank_step_and_coefficient_follow_the_salary_table(seeded, people):
    from app.services import code_lists

    def expected(rank, step, on=None):
        return code_lists.coefficient(code_lists.pay_group(rank, on), step, on)

    for person in people:
        assert person.rank_code and person.salary_step
        assert Decimal(person.salary_coefficient) == expected(person.rank_code, person.salary_step), person.full_name
    history = list(seeded.session.scalars(select(SalaryRecord).order_by(SalaryRecord.person_id,
                                                                         SalaryRecord.position)))
    by_person: dict[int, list[SalaryRecord]] = {}
    for row in history:
        by_person.setdefault(row.person_id, []).append(row)
        on = date.fromisoformat(f"{row.start}-01")
        assert Decimal(row.coefficient) == expected(row.rank_code, row.step, on)
    current = {p.id: p for p in people}
    for person_id, rows in by_person.items():
        last = rows[-1]
        person = current[person_id]
        assert (last.rank_code, last.step) == (person.rank_code, person.salary_step)
        for a, b in zip(rows, rows[1:], strict=False):
            assert _month(b.start) == _month(a.end) + 1  # consecutive
            if a.rank_code == b.rank_code:
                assert b.step == a.step + 1
                if a.start != "2004-10":  # the conversion to the 2004 tables starts mid-bậc
                    assert _month(b.start) - _month(a.start) >= 24


def test_work_periods_are_consecutive_and_end_in_the_current_unit(seeded, people):
    rows = list(seeded.session.scalars(select(WorkRecord).order_by(WorkRecord.person_id, WorkRecord.position)))
    by_person: dict[int, list[WorkRecord]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    for person in people:
        periods = by_person[person.id]
        assert 2 <= len(periods) <= 5
        for a, b in zip(periods, periods[1:], strict=False):
            assert a.end is not None and _month(b.start) > _month(a.end), person.full_name
        assert (periods[-1].end is None) == (person.status == "active")
        assert person.joined_agency_on >= person.recruited_on > person.birth_date


def test_family_birth_years_fit_the_age(seeded, people):
    rows = seeded.session.execute(text("SELECT person_id, relation, birth_year FROM relative")).all()
    birth = {p.id: p.birth_date.year for p in people}
    for person_id, relation, year in rows:
        if relation in ("CHA", "ME"):
            assert birth[person_id] - year >= 18
        elif relation == "CON":
            assert year - birth[person_id] >= 18


def test_linked_accounts(seeded, people):
    from models.accounts import Account

    linked = {a.username: a.id for a in seeded.session.scalars(
        select(Account).where(Account.username.in_(["annv.syt", "syt.tccb", "syt.thutruong"])))}
    by_account = {p.account_id: p for p in people if p.account_id}
    assert set(linked.values()) <= set(by_account)
    annv = by_account[linked["annv.syt"]]
    assert annv.full_name == "Nguyễn Văn An"
    assert annv.completeness == 100
    account = seeded.session.get(Account, linked["annv.syt"])
    assert annv.org_unit_id == account.org_unit_id
    assert by_account[linked["syt.thutruong"]].position == "Giám đốc Sở Y tế"


def test_seed_is_idempotent(db):
    from app.services import demo as demo_service

    first = demo_service.seed_demo()
    assert first["units"] > 0 and first["people"] > 0
    count = db.session.scalar(select(func.count()).select_from(Person))
    assert count == first["people"]
    assert demo_service.seed_demo() == {"units": 0, "users": 0, "people": 0}
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def test_seed_is_deterministic(db):
    from app.services import demo as demo_service
    from tests.conftest import APP_TABLES

    def names():
        demo_service.seed_demo()
        out = [(p.full_name, p.cccd, str(p.birth_date)) for p in db.session.scalars(select(Person).order_by(Person.id))]
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE"))
        return out

    first = names()
    assert first and first == names()


def test_generator_without_database():
    """The generator alone: same seed -> same people, another seed -> other people."""
    from app.seeds.code_lists import RANK, SALARY_STEPS
    from app.seeds.demo_city import DEMO_UNITS
    from app.seeds.demo_people import generate_people

    class Scale:
        def group(self, rank, on):
            return next(e.extra["pay_group"] for e in RANK.entries if e.code == rank
                        and (e.valid_from is None or e.valid_from <= on) and (e.valid_to is None or on <= e.valid_to))

        def steps(self, group, on):
            rows = [r for r in SALARY_STEPS if r.pay_group == group]
            return len(rows), rows[0].interval_months

        def coefficient(self, group, step, on):
            return next(r.coefficient for r in SALARY_STEPS if r.pay_group == group and r.step == step)

    a = generate_people(DEMO_UNITS, Scale(), 1)
    b = generate_people(DEMO_UNITS, Scale(), 1)
    c = generate_people(DEMO_UNITS, Scale(), 2)
    assert [p.person for p in a] == [p.person for p in b]
    assert [p.rows for p in a] == [p.rows for p in b]
    assert [p.full_name for p in a] != [p.full_name for p in c]
