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

import hashlib
import io
import sys
import types
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.security import scope
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.national_sync import batches, outbox
from models.national_sync import SyncBatch, SyncItem, SyncManifest, SyncReceipt
from models.personnel import FileVersion, Person
from tests.factories import PASSPHRASE, TZ, account, officer_change, person_for, use_profile, with_certificates


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


# --------------------------------------------------------------------------- the monthly batch and the approval


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def batch_state(db, batch_id: int) -> SyncBatch:
    db.session.expire_all()
    return db.session.get(SyncBatch, batch_id)


def files_in(db, unit, *numbers, officer: str = "sonoivu.admin") -> list[Person]:
    """Files opened in ``unit`` (each version 1, queued)."""
    return [person_for(db, unit, cccd=f"0010800{n:05d}", name=f"Đỗ Văn Số{n}", officer=officer) for n in numbers]


def test_monthly_cycle_hanoi_up_to_approved(app, demo, unit_by_name, clock, rq_queue):
    """HN-14.1: in the last 5 days of December the head of Sở Y tế submits its batch (its files since the last batch,
    Khoa Cấp cứu's included: HN-15); HN-14.2: a Sở Nội vụ officer approves it (no signature in Hà Nội: an unsigned
    manifest is kept); the send job is queued with the batch's id only."""
    syt = unit_by_name("Sở Y tế")
    clock.set(date(2026, 12, 20))
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 11, 12)
    files_in(demo, unit_by_name("Sở Tư pháp"), 13)  # another agency's
    clock.set(date(2026, 12, 28))
    head = account(demo, "syt.thutruong")
    preview = batches.preview_monthly(head, syt.id)
    assert preview["count"] == 2 and preview["open"] and preview["period"] == "2026-12"
    assert [u.name for u in batches.agencies_for(head)] == ["Sở Y tế", "Phòng Tổ chức cán bộ"]
    batch = batches.submit_monthly(head, syt.id)
    assert (batch.state, batch.record_count, batch.kind, batch.period) == ("submitted", 2, "monthly", "2026-12")
    assert demo.session.scalar(select(func.count()).select_from(SyncItem).where(
        SyncItem.monthly_batch_id == batch.id)) == 2
    with pytest.raises(ValidationError, match="đã được trình"):
        batches.submit_monthly(head, syt.id)
    officer = account(demo, "sonoivu.chuyenvien")
    [approved] = batches.approve_batches(officer, [str(batch.id)])
    batch = batch_state(demo, batch.id)
    assert (batch.state, batch.status, batch.approved_by_id, batch.total) == ("sending", "queued", officer.id, 2)
    manifest = demo.session.get(SyncManifest, batch.manifest_id)
    assert not manifest.signed and manifest.record_count == 2 and manifest.pdf.startswith(b"%PDF")
    assert demo.session.scalar(select(func.count()).select_from(SyncItem).where(SyncItem.batch_id == batch.id)) == 2
    [job] = rq_queue.jobs
    assert job.func_name == "jobs.national_sync.send_batch" and job.args == (batch.id,)


def test_submitting_outside_the_window_or_without_authority_is_refused(app, demo, unit_by_name, clock, rq_queue):
    """HN-14.1: outside the last 5 days the head's submission is refused in Vietnamese; a TCCB officer (no approve
    authority) is refused; a unit without an agency account is not an agency (HN-15); nothing is written."""
    syt = unit_by_name("Sở Y tế")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 21)
    clock.set(date(2026, 12, 20))
    with pytest.raises(ValidationError, match="5 ngày cuối tháng.*27/12/2026.*31/12/2026"):
        batches.submit_monthly(account(demo, "syt.thutruong"), syt.id)
    clock.set(date(2026, 12, 29))
    with pytest.raises(ForbiddenError, match="trình được đợt đồng bộ"):
        batches.submit_monthly(account(demo, "syt.tccb"), syt.id)
    with pytest.raises(ValidationError, match="không có tài khoản cơ quan"):
        batches.submit_monthly(account(demo, "syt.thutruong"), unit_by_name("Khoa Cấp cứu").id)
    with pytest.raises(NotFoundError):
        batches.submit_monthly(account(demo, "syt.thutruong"), unit_by_name("Sở Tư pháp").id)
    assert count(demo, SyncBatch) == 0
    assert demo.session.scalar(select(func.count()).select_from(SyncItem).where(
        SyncItem.monthly_batch_id.is_not(None))) == 0


def test_approval_refusals_change_nothing(app, demo, unit_by_name, clock, rq_queue):
    """HN-14.2: the head of Sở Y tế may not approve their own agency's batch (no Sở Nội vụ authority); the Sở Nội vụ
    officer who submitted a batch may not approve it (four eyes); after the window's deadline the approval is
    refused and the batch is returned instead (its records wait for the next batch)."""
    syt, snv = unit_by_name("Sở Y tế"), unit_by_name("Sở Nội vụ")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 31)
    files_in(demo, unit_by_name("Phòng Công chức, viên chức"), 32)
    clock.set(date(2026, 12, 30))
    batch = batches.submit_monthly(account(demo, "syt.thutruong"), syt.id)
    own = batches.submit_monthly(account(demo, "sonoivu.giamdoc"), snv.id)  # the Director heads Sở Nội vụ
    with pytest.raises(ForbiddenError, match="Sở Nội vụ"):
        batches.approve_batches(account(demo, "syt.thutruong"), [batch.id])
    with pytest.raises(ValidationError, match="không tự phê duyệt"):
        batches.approve_batches(account(demo, "sonoivu.giamdoc"), [batch.id, own.id])
    clock.set(date(2027, 1, 4))
    with pytest.raises(ValidationError, match="chỉ được phê duyệt từ 27/12/2026 đến hết 31/12/2026"):
        batches.approve_batches(account(demo, "sonoivu.chuyenvien"), [batch.id])
    for b in (batch, own):
        assert batch_state(demo, b.id).state == "submitted"
    assert count(demo, SyncManifest) == 0 and len(rq_queue) == 0
    with pytest.raises(ValidationError, match="lý do"):
        batches.return_batch(account(demo, "sonoivu.chuyenvien"), batch.id, " ")
    batches.return_batch(account(demo, "sonoivu.chuyenvien"), batch.id, "Quá hạn phê duyệt")
    assert batch_state(demo, batch.id).state == "returned"
    assert demo.session.scalar(select(func.count()).select_from(SyncItem).where(
        SyncItem.monthly_batch_id == batch.id)) == 0
    clock.set(date(2027, 1, 28))  # next window: a new batch takes the records again
    again = batches.submit_monthly(account(demo, "syt.thutruong"), syt.id)
    assert again.id != batch.id and again.record_count == 1 and again.period == "2027-01"


def test_monthly_cycle_hcm_director_signs_several_batches_at_once(app, demo, unit_by_name, clock, rq_queue, dev_ca,
                                                                   monkeypatch):
    """HCM-7.3, HCM-11.7: the Director of Sở Nội vụ approves two agencies' batches at once with one PAdES signature
    on one manifest listing both batches and their records with their SHA-256; the signature verifies when the PDF
    is read back (pyHanko); a Sở Nội vụ officer may not approve in HCM; a wrong passphrase writes nothing."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from app.services.national_sync.manifest import digest_of
    from app.signing import FIELD_APPROVER, verify_pdf

    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "sonoivu.giamdoc")
    syt, stp = unit_by_name("Sở Y tế"), unit_by_name("Sở Tư pháp")
    syt_files = files_in(demo, unit_by_name("Khoa Cấp cứu"), 41, 42)
    files_in(demo, unit_by_name("Phòng Hành chính tư pháp"), 43)
    clock.set(date(2026, 12, 31))
    from app.security.roles import ROLE_HEAD
    from tests.factories import hr_officer

    hr_officer(demo, "stp.thutruong", stp, role_name=ROLE_HEAD)
    first = batches.submit_monthly(account(demo, "syt.thutruong"), syt.id)
    second = batches.submit_monthly(account(demo, "stp.thutruong"), stp.id)
    ids = [first.id, second.id]
    with pytest.raises(ForbiddenError):
        batches.approve_batches(account(demo, "sonoivu.chuyenvien"), ids, PASSPHRASE)
    with pytest.raises(ValidationError, match="mật khẩu chứng thư số"):
        batches.approve_batches(account(demo, "sonoivu.giamdoc"), ids)
    with pytest.raises(ValidationError):
        batches.approve_batches(account(demo, "sonoivu.giamdoc"), ids, "sai-mat-khau")
    assert count(demo, SyncManifest) == 0 and {batch_state(demo, i).state for i in ids} == {"submitted"}
    approved = batches.approve_batches(account(demo, "sonoivu.giamdoc"), ids, PASSPHRASE)
    assert {b.state for b in approved} == {"sending"}
    [manifest_id] = {batch_state(demo, i).manifest_id for i in ids}
    manifest = demo.session.get(SyncManifest, manifest_id)
    assert manifest.signed and manifest.batch_count == 2 and manifest.record_count == 3
    assert hashlib.sha256(manifest.pdf).hexdigest() == manifest.sha256
    reports = verify_pdf(manifest.pdf)
    assert len(reports) == 1 and reports[0].valid
    reader = PdfFileReader(io.BytesIO(manifest.pdf))
    assert [s.field_name for s in reader.embedded_signatures] == [FIELD_APPROVER]
    text_of_pdf = poppler_text(manifest.pdf)
    versions = {v.person_id: v for v in demo.session.scalars(select(FileVersion).where(
        FileVersion.person_id.in_([p.id for p in syt_files])))}
    lines = [f"{p.cccd}:1:{versions[p.id].sha256}" for p in syt_files]
    for line in lines:
        assert line in text_of_pdf
    assert digest_of(lines) in text_of_pdf
    assert len(rq_queue) == 2


def poppler_text(pdf: bytes) -> str:
    from tests.factories import poppler

    return " ".join(poppler("pdftotext", pdf, "-layout").split())


# --------------------------------------------------------------------------- screens


def test_screens_submit_list_approve(app, demo, unit_by_name, clock, rq_queue):
    """The head submits from "Trình đợt đồng bộ hằng tháng", the batch page lists its records, Sở Nội vụ's queue shows
    it with a checkbox and approves it in one POST; the lists show only the reader's scope; dates are dd/mm/yyyy."""
    from tests.clients import body, client_for

    syt = unit_by_name("Sở Y tế")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 51)
    files_in(demo, unit_by_name("Phòng Hành chính tư pháp"), 52)
    clock.set(date(2026, 12, 28))
    head = client_for(app, "syt.thutruong")
    page = body(head.get("/national-sync/submit"))
    assert "27/12/2026" in page and f'value="{syt.id}"' in page
    resp = head.post("/national-sync/submit", data={"agency_unit_id": str(syt.id)})
    assert resp.status_code == 302, body(resp)
    batch = demo.session.scalar(select(SyncBatch).where(SyncBatch.agency_unit_id == syt.id))
    page = body(head.get(f"/national-sync/batch/{batch.id}"))
    assert "Đỗ Văn Số51" in page and "Chờ Sở Nội vụ phê duyệt" in page and "Số52" not in page
    listing = body(head.get("/national-sync/"))
    assert batch.batch_key in listing
    assert head.get("/national-sync/approvals/").status_code == 403
    officer = client_for(app, "sonoivu.chuyenvien")
    queue = body(officer.get("/national-sync/approvals/"))
    assert f'name="ids" value="{batch.id}"' in queue and 'id="sync-approve-form"' in queue
    resp = officer.post("/national-sync/approvals/approve", data={"ids": [str(batch.id)]})
    assert resp.status_code == 302
    assert batch_state(demo, batch.id).state == "sending"
    assert officer.get("/national-sync/overdue/").status_code == 200
    assert officer.get("/national-sync/reconciliation/").status_code == 200
    manifest = officer.get(f"/national-sync/batch/{batch.id}/manifest")
    assert manifest.status_code == 200 and manifest.data.startswith(b"%PDF")
