"""Issue 18, the national sync pipeline: the outbox at approval, the monthly batch and Sở Nội vụ's approval (signed in
HCM), the per-event batches and the send job, resending, the overdue list and reminders, the compliance column.

Rules: ND27-SYNC (per event, within 1 calendar day of the approval), ND27-ID (the identifier is the số định danh
cá nhân), HN-14.1 / HCM-7.3 (the monthly window: the last 5 days), HN-14.2 / HCM-7.3 (Sở Nội vụ approves),
HCM-11.7 (its Director signs), HN-15 (units without an agency account are sent by their superior), HN-21.3 (sync
completion in the compliance figures).

Two kinds of send tests: against :class:`FakeNational` (an in-process stand-in of the national client's interface:
the job's own logic — chunks, receipts, resume, retries — with a controlled clock), and, guarded by
``importorskip``, against the real stand-in server process with the real HTTP client (task A's
``tests/national_stub.py`` and ``app/national/client.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.security import scope
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.national_sync import outbox
from models.national_sync import SyncItem
from models.personnel import Person
from tests.factories import TZ, account, officer_change, person_for


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the checks of a save read them)."""


class Clock:
    """The sync's clock and the scope's day, moved by the test (Việt Nam time)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.moment = datetime(2026, 12, 28, 9, tzinfo=TZ).astimezone(UTC)
        monkeypatch.setattr(outbox, "_now", lambda: self.moment)
        monkeypatch.setattr(scope, "today", lambda: self.moment.astimezone(TZ).date())

    def set(self, day: date, hour: int = 9, minute: int = 0) -> None:
        self.moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)

    def advance(self, **delta) -> None:
        self.moment = self.moment + timedelta(**delta)


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def approved_change(db, unit, n: int, *, approver: str = "syt.thutruong"):
    """A file in ``unit`` (version 1) with one approved change (version 2), Hà Nội's one-step chain."""
    from app.services import personnel as svc

    cs = officer_change(db, unit, n)
    version = svc.approve(account(db, approver), cs.id, "Đồng ý")
    return db.session.get(Person, cs.person_id), version


def items_of(db, person_id: int) -> list[SyncItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(SyncItem).where(SyncItem.person_id == person_id)
                                   .order_by(SyncItem.version_no)))


# --------------------------------------------------------------------------- profile data


def test_profiles_hold_the_sync_rules(app):
    """ND27-SYNC: per event within 1 calendar day in both cities; HN-14.1 / HCM-7.3: the last 5 days of the month;
    HN-14.2 / HCM-7.3: Sở Nội vụ approves; HCM-11.7: its Director signs in HCM only; HN-15: superior sends."""
    from app.profiles import load_profile

    hn, hcm = load_profile("hanoi").national_sync, load_profile("hcm").national_sync
    for sync in (hn, hcm):
        assert sync.per_event and sync.event_deadline_days == 1 and not sync.event_deadline_working
        assert sync.window_last_days == 5 and sync.snv_approves and sync.superior_sends
        assert sync.submit_authority.action == "can_approve"
    assert not hn.manifest_signature and hcm.manifest_signature
    assert set(hn.approve_authority.roles) == {"Giám đốc Sở Nội vụ", "Chuyên viên Sở Nội vụ"}
    assert hcm.approve_authority.roles == ("Giám đốc Sở Nội vụ",)


def test_window_and_deadline_come_from_the_profile(app, clock):
    """HN-14.1: 27–31/12/2026 (a Thursday: approval until then); 26–30/5/2027, the 30th a Sunday → approval until
    Monday 31/5. ND27-SYNC: due 24 hours after the approval."""
    from app.profiles import load_profile

    sync = load_profile("hanoi").national_sync
    assert outbox.window_of(2026, 12, sync) == (date(2026, 12, 27), date(2026, 12, 31), date(2026, 12, 31))
    assert outbox.window_of(2027, 5, sync)[2] == date(2027, 5, 31)
    assert outbox.window_of(2027, 10, sync) == (date(2027, 10, 27), date(2027, 10, 31), date(2027, 11, 1))
    moment = datetime(2026, 12, 4, 16, 30, tzinfo=TZ)
    assert outbox.due_at(moment, sync) == moment + timedelta(days=1)


# --------------------------------------------------------------------------- the outbox


def test_an_approval_queues_its_version_in_the_same_transaction(app, demo, unit_by_name, clock):
    """The new file (version 1) is queued, then superseded by the approved change (version 2), both with the
    sending agency (Sở Y tế holds agency accounts; Khoa Cấp cứu does not: HN-15) and a deadline 1 day later."""
    unit = unit_by_name("Khoa Cấp cứu")
    person, version = approved_change(demo, unit, 1)
    first, second = items_of(demo, person.id)
    assert (first.version_no, first.status) == (1, "superseded")
    assert (second.version_no, second.status, second.file_version_id) == (2, "queued", version.id)
    assert second.agency_unit_id == unit_by_name("Sở Y tế").id
    assert second.due_at == second.queued_at + timedelta(days=1) == clock.moment + timedelta(days=1)


def test_a_refused_approval_queues_nothing(app, demo, unit_by_name, clock):
    """An approval that fails (here: a TCCB officer has no approve authority) writes no version and no item."""
    from app.services import personnel as svc

    cs = officer_change(demo, unit_by_name("Khoa Cấp cứu"), 2)
    before = demo.session.scalar(select(func.count()).select_from(SyncItem))
    with pytest.raises((ForbiddenError, ValidationError, NotFoundError)):
        svc.approve(account(demo, "syt.tccb"), cs.id)
    demo.session.rollback()
    assert demo.session.scalar(select(func.count()).select_from(SyncItem)) == before


def test_bulk_approval_queues_each_version(app, demo, unit_by_name, clock, monkeypatch):
    """The inbox's bulk approval goes through the same approval: one item per version it writes."""
    from app.services.personnel.bulk import request_bulk_decision

    monkeypatch.setitem(app.extensions, "rq_queue", None)  # the job runs in-process
    unit = unit_by_name("Khoa Cấp cứu")
    sets = [officer_change(demo, unit, n) for n in (3, 4)]
    request_bulk_decision(account(demo, "syt.thutruong"), "approve", [str(cs.id) for cs in sets])
    for cs in sets:
        items = items_of(demo, cs.person_id)
        assert [(i.version_no, i.status) for i in items] == [(1, "superseded"), (2, "queued")]


def test_superior_with_an_agency_account_sends_hn_15(app, demo, unit_by_name, clock):
    """HN-15: a unit without an agency account is sent by its nearest superior that has one; once Bệnh viện Thanh
    Nhàn gets its own agency account it sends its files; a unit with no account above (Sở Tư pháp's) is sent by
    its level-2 agency."""
    from app.services import accounts as acc

    khoa = unit_by_name("Khoa Cấp cứu")
    assert outbox.sending_agency_id(khoa) == unit_by_name("Sở Y tế").id
    hospital = unit_by_name("Bệnh viện Thanh Nhàn")
    acc.create_account(account(demo, "sonoivu.admin"), acc.AccountData(
        username="bvtn.coquan", last_name="Bệnh viện", first_name="Thanh Nhàn", org_unit_id=hospital.id,
        kind="agency", role_name="Quản trị cơ quan"))
    assert outbox.sending_agency_id(khoa) == hospital.id
    person = person_for(demo, khoa, cccd="001080099001", name="Lê Văn Khoa")
    [item] = items_of(demo, person.id)
    assert item.agency_unit_id == hospital.id
    assert outbox.sending_agency_id(unit_by_name("Phòng Hành chính tư pháp")) == unit_by_name("Sở Tư pháp").id


def test_a_newer_version_supersedes_unsent_and_rejected_ones_not_accepted(app, demo, unit_by_name, clock):
    """Only the newest version not delivered is sent: queued and rejected older versions are superseded, an
    accepted one stays accepted."""
    from app.services import personnel as svc

    person, _version = approved_change(demo, unit_by_name("Khoa Cấp cứu"), 5)
    officer, head = account(demo, "syt.tccb"), account(demo, "syt.thutruong")
    demo.session.execute(text("UPDATE sync_item SET status = 'rejected' WHERE person_id = :p AND version_no = 2"),
                         {"p": person.id})
    demo.session.commit()
    svc.save_section(officer, person.id, "documents", {"cccd": "001080000005", "cccd_issued_on": "01/02/2021",
                                                       "phone": "0912 000 005", "residence": "Số 9 Hàng Bạc"})
    svc.approve(head, svc.submit(officer, person.id).id)
    assert [(i.version_no, i.status) for i in items_of(demo, person.id)] == [
        (1, "superseded"), (2, "superseded"), (3, "queued")]
    demo.session.execute(text("UPDATE sync_item SET status = 'accepted' WHERE person_id = :p AND version_no = 3"),
                         {"p": person.id})
    demo.session.commit()
    svc.save_section(officer, person.id, "documents", {"cccd": "001080000005", "cccd_issued_on": "01/02/2021",
                                                       "phone": "0912 000 006", "residence": "Số 9 Hàng Bạc"})
    svc.approve(head, svc.submit(officer, person.id).id)
    assert [(i.version_no, i.status) for i in items_of(demo, person.id)][2:] == [(3, "accepted"), (4, "queued")]


def test_the_demo_seed_queues_nothing(app, demo_people):
    """The demo's files stand for data the national database holds already: no outbox rows."""
    assert demo_people.session.scalar(select(func.count()).select_from(SyncItem)) == 0
