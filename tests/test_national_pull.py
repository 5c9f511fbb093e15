"""HN-12.2.2b: a receiving agency takes an arriving person's file from the national CBCCVC database by CCCD (the số
định danh cá nhân, ND27-ID) — the real client against the stand-in national server running as its own process."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.national.client import NationalClient
from app.national.records import record_of
from app.security import scope
from app.services import transfers as tr
from app.services.errors import ValidationError
from models.audit import AccessLog
from models.org_units import OrgUnit
from models.personnel import FileVersion, Person
from tests.factories import account
from tests.national_stub import national_stub  # noqa: F401 (fixture)


@pytest.fixture()
def stub(national_stub, app, monkeypatch):  # noqa: F811
    """The stand-in, emptied, and the app configured to reach it."""
    national_stub.reset()
    monkeypatch.setitem(app.config, "NATIONAL_API_URL", national_stub.url)
    monkeypatch.setitem(app.config, "NATIONAL_API_KEY", national_stub.key)
    monkeypatch.setitem(app.config, "NATIONAL_API_RETRIES", 0)
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setattr(scope, "today", lambda: date(2026, 5, 4))
    yield national_stub
    national_stub.clear_faults()


def _arrival(school, cccd: str) -> tr.ArrivalData:
    return tr.ArrivalData(org_unit_id=school.id, cccd=cccd, handover_date=date(2026, 4, 24),
                          external_place="Sở Giáo dục và Đào tạo Nam Định", decision_number="78/QĐ-SGDĐT",
                          decision_date=date(2026, 4, 28), effective_date=date(2026, 5, 4), from_national=True)


def _published(db, stub) -> tuple[dict, int]:
    """A demo file with two approved versions sent to the national side, then moved out of this city (its CCCD
    set aside): (the latest record, the number of versions)."""
    person_id = db.session.scalar(select(FileVersion.person_id).group_by(FileVersion.person_id)
                                  .having(func.count() >= 1).order_by(FileVersion.person_id).limit(1))
    person = db.session.get(Person, person_id)
    records = [record_of(person, v) for v in db.session.scalars(
        select(FileVersion).where(FileVersion.person_id == person_id).order_by(FileVersion.version_no))]
    with NationalClient(stub.url, stub.key, retries=0) as client:
        assert all(r.accepted for r in client.submit("pull-test", "000.00.00.H26", records).receipts)
    db.session.execute(text("UPDATE person SET cccd_index = 'moved-away' WHERE id = :p"), {"p": person_id})
    db.session.commit()
    return records[-1], len(records)


def test_pull_by_cccd_opens_the_file_with_its_national_history_hn_12_2_2b(stub, demo_people):
    """The officer ticks "Lấy hồ sơ từ CSDL quốc gia", types the CCCD: the whole file and its history come in
    through the hand-over import, the account is created, the look-up is in the access log."""
    db = demo_people
    record, held = _published(db, stub)
    school = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Trường THPT Kim Liên"))
    move, password = tr.arrive(account(db, "sonoivu.admin"), _arrival(school, record["identifier"]))
    assert move.status == "completed" and password
    person = db.session.get(Person, move.person_id)
    assert person.cccd == record["identifier"] and person.org_unit_id == school.id
    assert person.full_name == record["file"]["person"]["full_name"]
    versions = list(db.session.scalars(select(FileVersion.version_no).where(FileVersion.person_id == person.id)))
    assert len(versions) == held + 1  # the national history, then the new post (item 33)
    pulls = db.session.scalars(select(AccessLog).where(AccessLog.event == "national_pull")).all()
    assert [p.detail["result"] for p in pulls] == ["found"]


def test_pull_refusals_change_nothing(stub, demo_people, app, monkeypatch):
    """Unknown CCCD, a national side answering 500, a malformed CCCD, no connection configured: a Vietnamese
    message on the right field, no file, no move, no account."""
    db = demo_people
    school = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "Trường THPT Kim Liên"))
    admin = account(db, "sonoivu.admin")

    def counts():
        return tuple(db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("person", "transfer", "ab_user"))

    before = counts()
    cases = [("079199999999", None, "cccd", "không có hồ sơ"),
             ("079199999999", "error500", "from_national", "Không lấy được hồ sơ"),
             ("12345", None, "cccd", "12 chữ số")]
    for cccd, fault, field, words in cases:
        if fault:
            stub.set_fault(fault)
        with pytest.raises(ValidationError) as err:
            tr.arrive(admin, _arrival(school, cccd))
        assert words in " ".join(err.value.errors.get(field, [])), (cccd, fault, err.value.errors)
        db.session.rollback()
    monkeypatch.setitem(app.config, "NATIONAL_API_URL", None)
    with pytest.raises(ValidationError) as err:
        tr.arrive(admin, _arrival(school, "079199999999"))
    assert "chưa được cấu hình" in " ".join(err.value.errors["from_national"])
    db.session.rollback()
    assert counts() == before
