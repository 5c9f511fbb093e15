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


def test_a_delegate_submits_for_the_head_and_is_recorded(app, demo, unit_by_name, clock, rq_queue):
    """HN-14.1: "the competent or delegated person": the head delegates approval on Sở Y tế to its TCCB officer, who
    may then submit the month's batch; the batch records on whose delegation. The delegation expired: refused."""
    from app.services import accounts as acc

    syt = unit_by_name("Sở Y tế")
    head, officer = account(demo, "syt.thutruong"), account(demo, "syt.tccb")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 25)
    clock.set(date(2026, 12, 28))
    acc.delegate(head, officer.id, syt.id, "approve", document_number="05/UQ-SYT", valid_from=date(2026, 12, 1),
                 valid_to=date(2026, 12, 28))
    scope.forget()
    batch = batches.submit_monthly(officer, syt.id)
    assert (batch.submitted_by_id, batch.submitted_for_id) == (officer.id, head.id)
    batches.return_batch(account(demo, "sonoivu.chuyenvien"), batch.id, "Trình lại sau khi rà soát")
    clock.set(date(2026, 12, 29))  # the delegation ended on the 28th
    scope.forget()
    with pytest.raises(ForbiddenError):
        batches.submit_monthly(account(demo, "syt.tccb"), syt.id)
    assert batch_state(demo, batch.id).state == "returned"


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


def test_the_approval_is_of_the_submission_the_queue_showed(app, demo, unit_by_name, clock, rq_queue):
    """Each row of Sở Nội vụ's queue carries which submission of the batch it shows. A batch returned and submitted
    again (other records) after the queue was loaded is not approved — nor signed in HCM — unseen: nothing is
    approved, the queue says why; from the reloaded queue it is approved."""
    import re

    from tests.clients import body, client_for

    syt = unit_by_name("Sở Y tế")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 61)
    clock.set(date(2026, 12, 28))
    head, officer = client_for(app, "syt.thutruong"), client_for(app, "sonoivu.chuyenvien")
    assert head.post("/national-sync/submit", data={"agency_unit_id": str(syt.id)}).status_code == 302
    batch = demo.session.scalar(select(SyncBatch).where(SyncBatch.agency_unit_id == syt.id))
    queue = body(officer.get("/national-sync/approvals/"))
    seen = re.search(rf'name="seen-{batch.id}" value="([^"]+)"', queue).group(1)

    # Meanwhile: returned (another officer), a new file, submitted again the next day.
    batches.return_batch(account(demo, "sonoivu.giamdoc"), batch.id, "Bổ sung hồ sơ")
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 62)
    clock.set(date(2026, 12, 29))
    assert head.post("/national-sync/submit", data={"agency_unit_id": str(syt.id)}).status_code == 302
    resp = officer.post("/national-sync/approvals/approve", data={"ids": [str(batch.id)], f"seen-{batch.id}": seen},
                        follow_redirects=True)
    assert f"Các đợt {batch.batch_key} đã được trình lại sau khi bạn mở danh sách" in body(resp)
    assert batch_state(demo, batch.id).state == "submitted" and batch_state(demo, batch.id).manifest_id is None
    now = re.search(rf'name="seen-{batch.id}" value="([^"]+)"', body(resp)).group(1)
    assert now != seen
    resp = officer.post("/national-sync/approvals/approve", data={"ids": [str(batch.id)], f"seen-{batch.id}": now})
    assert resp.status_code == 302 and batch_state(demo, batch.id).state == "sending"


# ------------------------------------------------------------------------ the send job, against an in-process stand-in


class FakeError(Exception):
    """The client's error shape (``app.national.client.NationalError``): a Vietnamese message, retriable, status."""

    retriable = True

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


class FakeUnavailable(FakeError):
    pass


class FakeRefused(FakeError):
    retriable = False


class FakeBad(FakeError):
    pass


@dataclass(frozen=True)
class FakeReceipt:
    idempotency_key: str
    identifier: str
    version: int
    status: str
    code: str | None
    message: str | None


@dataclass(frozen=True)
class FakeResult:
    batch_id: str
    batch_key: str
    status: str
    receipts: tuple


@dataclass
class FakeNational:
    """The national client's interface, in process: stores each record key once, answers a replayed batch key with
    the stored result, rejects the identifiers in ``reject``, and misbehaves as told (``faults``, one per call)."""

    stored: dict = field(default_factory=dict)  # idempotency key -> (agency, identifier, version, sha256)
    results: dict = field(default_factory=dict)  # batch key -> FakeResult
    reject: set = field(default_factory=set)
    faults: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    def submit(self, batch_key, agency_code, records):
        self.calls.append((batch_key, [r["idempotency_key"] for r in records]))
        mode = self.faults.pop(0) if self.faults else None
        if mode == "unavailable":
            raise FakeUnavailable("CSDL quốc gia tạm thời không truy cập được.", 503)
        if mode == "refuse":
            raise FakeRefused("Khóa kết nối không hợp lệ.", 401)
        if mode == "malformed":
            raise FakeBad("Phản hồi không phải JSON hợp lệ.", 200)
        if batch_key in self.results:
            return self.results[batch_key]
        receipts = []
        for i, r in enumerate(records):
            if mode == "partial" and i >= max(1, len(records) // 2):
                continue
            if r["identifier"] in self.reject:
                receipts.append(FakeReceipt(r["idempotency_key"], r["identifier"], r["version"], "rejected",
                                            "INVALID_CODE", "Mã ngạch không có trong danh mục."))
                continue
            self.stored.setdefault(r["idempotency_key"], (agency_code, r["identifier"], r["version"], r["sha256"]))
            receipts.append(FakeReceipt(r["idempotency_key"], r["identifier"], r["version"], "accepted", None, None))
        if mode == "unknown_receipt":
            receipts.append(FakeReceipt("999999999999:1", "999999999999", 1, "accepted", None, None))
        result = FakeResult(f"N{len(self.results) + 1}", batch_key, "partial" if mode == "partial" else "complete",
                            tuple(receipts))
        if mode != "unknown_receipt":
            self.results[batch_key] = result
        if mode == "drop":  # stored, then the connection dropped before the answer arrived
            raise FakeUnavailable("Kết nối bị ngắt.", None)
        return result

    def latest(self, agency_code):
        found = {}
        for agency, identifier, version, sha in self.stored.values():
            if agency == agency_code and (identifier not in found or version > found[identifier][0]):
                found[identifier] = (version, sha)
        return found

    def agency_summary(self, agency_code):
        from app.services.national_sync.manifest import digest_of

        latest = self.latest(agency_code)
        return {"count": len(latest), "digest": digest_of(f"{i}:{v}:{s}" for i, (v, s) in latest.items())}

    def agency_records(self, agency_code, cursor=None, limit=1000):
        rows = sorted(self.latest(agency_code).items())
        start = int(cursor or 0)
        page = [{"identifier": i, "version": v, "sha256": s} for i, (v, s) in rows[start:start + limit]]
        return page, (str(start + limit) if start + limit < len(rows) else None)


def fake_record_of(person, version) -> dict:
    """A record of the contract (``app.national.records.record_of``'s shape) with a small file."""
    return {"identifier": person.cccd, "version": version.version_no, "sha256": version.sha256,
            "idempotency_key": f"{person.cccd}:{version.version_no}", "file": {"meta": {"id": person.id}}}


@pytest.fixture()
def fake_national(app, monkeypatch):
    """The send job talks to a :class:`FakeNational`; jobs run in-process; retries wait 60 s then double."""
    from jobs import national_sync as job

    fake = FakeNational()
    monkeypatch.setattr(job, "national_client", lambda: fake)
    monkeypatch.setattr(job, "_errors", lambda: (FakeError, FakeRefused, FakeBad))
    monkeypatch.setattr(job, "_record_of", fake_record_of)
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "NATIONAL_SYNC_RETRY_SECONDS", 60)
    return fake


def tick():
    from jobs.national_sync import tick as run_tick

    return run_tick()


def statuses(db, person_ids) -> list[str]:
    db.session.expire_all()
    return [s for (s,) in db.session.execute(select(SyncItem.status).where(
        SyncItem.person_id.in_(person_ids), SyncItem.status != "superseded").order_by(SyncItem.person_id))]


def test_per_event_sends_within_the_deadline_in_chunks(app, demo, unit_by_name, clock, fake_national, monkeypatch):
    """ND27-SYNC: files approved at 09:00 are sent by the tick a few minutes later, in chunks (here of 2 records),
    every receipt stored, each record stored once nationally, accepted well before the deadline (+1 day)."""
    monkeypatch.setitem(app.config, "NATIONAL_SYNC_CHUNK", 2)
    people = files_in(demo, unit_by_name("Khoa Cấp cứu"), 61, 62, 63, 64, 65)
    clock.advance(minutes=5)
    assert tick() == {"gathered": 1, "retried": 0}
    assert statuses(demo, [p.id for p in people]) == ["accepted"] * 5
    [batch] = demo.session.scalars(select(SyncBatch))
    assert (batch.kind, batch.state, batch.status, batch.accepted_count, batch.done) == ("event", "sent", "finished",
                                                                                          5, 5)
    assert len(fake_national.calls) == 3 and [len(k) for _key, k in fake_national.calls] == [2, 2, 1]
    assert len(fake_national.stored) == 5 and count(demo, SyncReceipt) == 5
    for item in demo.session.scalars(select(SyncItem)):
        assert item.answered_at <= item.due_at and item.identifier == demo.session.get(Person, item.person_id).cccd
    assert tick() == {"gathered": 0, "retried": 0}  # nothing left: nothing sent twice
    assert len(fake_national.calls) == 3


def test_unavailable_national_side_retries_with_backoff_then_overdue_and_reminded(app, demo, unit_by_name, clock,
                                                                                   fake_national):
    """A retriable error leaves the batch queued with a Vietnamese note and a retry time (60 s, then 120 s …); the
    tick does not send it before; past the day the records are overdue (the list, the reminders to the agency's
    officers); once the national side answers, everything is accepted exactly once."""
    from jobs.reminders import run_reminders
    from models.notifications import Notification
    from tests.clients import body, client_for

    people = files_in(demo, unit_by_name("Khoa Cấp cứu"), 71, 72)
    fake_national.faults = ["unavailable", "unavailable"]
    tick()
    batch = demo.session.scalar(select(SyncBatch))
    assert (batch.state, batch.status, batch.retries) == ("sending", "queued", 1)
    assert batch.retry_at == clock.moment + timedelta(seconds=60) and "tự gửi lại" in batch.note
    clock.advance(seconds=30)
    assert tick()["retried"] == 0
    clock.advance(seconds=31)
    assert tick()["retried"] == 1
    batch = batch_state(demo, batch.id)
    assert batch.retries == 2 and batch.retry_at == clock.moment + timedelta(seconds=120)
    clock.advance(days=1, minutes=1)  # a day later, still not delivered: overdue
    overdue = body(client_for(app, "syt.tccb").get("/national-sync/overdue/"))
    assert "Đỗ Văn Số71" in overdue and "Đỗ Văn Số72" in overdue
    run_reminders(clock.moment.astimezone(TZ).date(), send_email=False)
    told = demo.session.scalars(select(Notification.user_id).where(Notification.kind == "sync_overdue")).all()
    assert account(demo, "syt.tccb").id in told and account(demo, "syt.thutruong").id in told
    assert account(demo, "sonoivu.admin").id not in told
    assert run_reminders(clock.moment.astimezone(TZ).date(), send_email=False)["sync_overdue"] == 0  # once
    assert tick()["retried"] == 1
    assert statuses(demo, [p.id for p in people]) == ["accepted", "accepted"]
    assert len(fake_national.stored) == 2 and count(demo, SyncReceipt) == 2


def test_refusal_fails_the_batch_then_sở_nội_vụ_retries(app, demo, unit_by_name, clock, fake_national):
    """A refusal (authentication) is not retried: the batch fails with the national side's Vietnamese message;
    Sở Nội vụ sends it again once the key is fixed; only Sở Nội vụ may (the head may not)."""
    people = files_in(demo, unit_by_name("Khoa Cấp cứu"), 81)
    fake_national.faults = ["refuse"]
    tick()
    batch = demo.session.scalar(select(SyncBatch))
    assert (batch.state, batch.status, batch.error) == ("failed", "failed", "Khóa kết nối không hợp lệ.")
    assert statuses(demo, [p.id for p in people]) == ["queued"]
    with pytest.raises(NotFoundError):
        batches.retry_batch(account(demo, "syt.thutruong"), batch.id)
    batches.retry_batch(account(demo, "sonoivu.chuyenvien"), batch.id)
    assert batch_state(demo, batch.id).state == "sent"
    assert statuses(demo, [p.id for p in people]) == ["accepted"]


@pytest.mark.parametrize("fault", ["malformed", "unknown_receipt"])
def test_a_bad_answer_is_logged_and_changes_nothing(app, demo, unit_by_name, clock, fake_national, fault):
    """A malformed answer, or a receipt for a record never sent, is logged (the app's log and the access log) and
    changes no local state: no receipt, the records still queued; the next try delivers them once."""
    from models.audit import AccessLog

    people = files_in(demo, unit_by_name("Khoa Cấp cứu"), 91, 92)
    fake_national.faults = [fault]
    tick()
    assert count(demo, SyncReceipt) == 0 and statuses(demo, [p.id for p in people]) == ["queued", "queued"]
    batch = demo.session.scalar(select(SyncBatch))
    assert (batch.state, batch.status, batch.retries) == ("sending", "queued", 1)
    logged = demo.session.scalars(select(AccessLog).where(AccessLog.event == "national_bad_response")).all()
    assert len(logged) == 1 and logged[0].object_id == str(batch.id)
    clock.advance(minutes=2)
    tick()
    assert statuses(demo, [p.id for p in people]) == ["accepted", "accepted"] and count(demo, SyncReceipt) == 2


def test_partial_answers_and_dropped_connections_resume_without_duplicates(app, demo, unit_by_name, clock,
                                                                          fake_national, monkeypatch):
    """A partial answer (some records without a receipt) is completed in the same run by sending those again; a
    connection dropped after the national side stored a chunk is retried with the same chunk key and answered
    with the stored result: every record stored once nationally, one receipt each locally."""
    monkeypatch.setitem(app.config, "NATIONAL_SYNC_CHUNK", 4)
    people = files_in(demo, unit_by_name("Khoa Cấp cứu"), 101, 102, 103, 104)
    fake_national.faults = ["partial"]
    tick()
    assert statuses(demo, [p.id for p in people]) == ["accepted"] * 4
    assert len(fake_national.calls) == 2 and len(fake_national.calls[1][1]) == 2
    more = files_in(demo, unit_by_name("Khoa Cấp cứu"), 105, 106)
    fake_national.faults = ["drop"]
    tick()
    assert statuses(demo, [p.id for p in more]) == ["queued", "queued"] and len(fake_national.stored) == 6
    clock.advance(minutes=2)
    tick()
    assert fake_national.calls[-1][0] == fake_national.calls[-2][0]  # the same chunk key: the stored answer
    assert statuses(demo, [p.id for p in more]) == ["accepted", "accepted"]
    assert len(fake_national.stored) == 6 and count(demo, SyncReceipt) == 6


def test_rejected_records_are_resent_but_never_an_accepted_one(app, demo, unit_by_name, clock, fake_national):
    """A rejected record shows its code and message on the batch page with a resend button; the TCCB officer resends
    it and the next tick delivers it; resending an accepted record, or by someone outside the file's unit, is
    refused in Vietnamese and changes nothing."""
    from tests.clients import body, client_for

    [person] = files_in(demo, unit_by_name("Khoa Cấp cứu"), 111)
    fake_national.reject = {person.cccd}
    tick()
    [item] = demo.session.scalars(select(SyncItem).where(SyncItem.person_id == person.id))
    assert (item.status, item.receipt_code) == ("rejected", "INVALID_CODE")
    batch = demo.session.scalar(select(SyncBatch))
    assert (batch.state, batch.rejected_count) == ("partial", 1)
    officer = client_for(app, "syt.tccb")
    page = body(officer.get(f"/national-sync/batch/{batch.id}"))
    assert "Mã ngạch không có trong danh mục." in page and f"/national-sync/item/{item.id}/resend" in page
    with pytest.raises(NotFoundError):
        batches.resend_item(account(demo, "annv.syt"), item.id)
    resp = officer.post(f"/national-sync/item/{item.id}/resend?batch={batch.id}")
    assert resp.status_code == 302
    fake_national.reject = set()
    clock.advance(minutes=5)
    tick()
    demo.session.expire_all()
    assert demo.session.get(SyncItem, item.id).status == "accepted"
    with pytest.raises(ValidationError, match="đã được CSDL quốc gia tiếp nhận"):
        batches.resend_item(account(demo, "syt.tccb"), item.id)
    assert demo.session.get(SyncItem, item.id).status == "accepted"


def test_without_a_national_connection_nothing_is_gathered_and_a_monthly_batch_fails_clearly(
        app, demo, unit_by_name, clock, monkeypatch):
    """No NATIONAL_API_URL: the tick gathers nothing (the records wait, overdue after a day); an approved monthly
    batch fails with a Vietnamese message naming the missing connection."""
    from jobs import national_sync as job

    monkeypatch.setattr(job, "national_client", lambda: None)
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 121)
    assert tick() == {"gathered": 0, "retried": 0} and count(demo, SyncBatch) == 0
    clock.set(date(2026, 12, 29))
    batch = batches.submit_monthly(account(demo, "syt.thutruong"), unit_by_name("Sở Y tế").id)
    batches.approve_batches(account(demo, "sonoivu.chuyenvien"), [batch.id])
    batch = batch_state(demo, batch.id)
    assert batch.state == "failed" and "Chưa cấu hình kết nối tới CSDL quốc gia" in batch.error


def test_monthly_batch_confirms_the_month_and_reconciles(app, demo, unit_by_name, clock, fake_national):
    """With the per-event mode on, the month's batch lists what the events sent (nothing sent twice) and sends what
    they had not; once sent, the reconciliation compares the national side's summary with ours: a match, then a
    record the national side lost and one it has that we never sent are reported."""
    from jobs.national_sync import reconcile_national
    from models.national_sync import SyncDifference, SyncReconciliation

    syt = unit_by_name("Sở Y tế")
    clock.set(date(2026, 12, 27))
    sent = files_in(demo, unit_by_name("Khoa Cấp cứu"), 131, 132)
    tick()
    late = files_in(demo, unit_by_name("Khoa Cấp cứu"), 133)  # approved, not gathered yet
    calls = len(fake_national.calls)
    clock.set(date(2026, 12, 30))
    batch = batches.submit_monthly(account(demo, "syt.thutruong"), syt.id)
    assert batch.record_count == 3
    batches.approve_batches(account(demo, "sonoivu.chuyenvien"), [batch.id])
    batch = batch_state(demo, batch.id)
    assert (batch.state, batch.accepted_count) == ("sent", 3)
    assert len(fake_national.calls) == calls + 1 and fake_national.calls[-1][1] == [f"{late[0].cccd}:1"]
    assert statuses(demo, [p.id for p in sent + late]) == ["accepted"] * 3
    runs = demo.session.scalars(select(SyncReconciliation)).all()
    assert [r.status for r in runs] == ["match"] and runs[0].our_count == 3
    code = syt.ma_dinh_danh
    lost = f"{sent[0].cccd}:1"
    fake_national.stored.pop(lost)
    fake_national.stored["079099000001:1"] = (code, "079099000001", 1, "ab" * 32)
    assert reconcile_national(syt.id) == {"agencies": 1, "match": 0, "differ": 1, "error": 0}
    run = demo.session.scalar(select(SyncReconciliation).order_by(SyncReconciliation.id.desc()))
    assert (run.missing_count, run.unexpected_count, run.different_count) == (1, 1, 0)
    kinds = {d.kind: d for d in demo.session.scalars(select(SyncDifference).where(
        SyncDifference.reconciliation_id == run.id))}
    assert kinds["missing"].person_id == sent[0].id and kinds["unexpected"].identifier == "079099000001"
    from tests.clients import body, client_for

    page = body(client_for(app, "sonoivu.chuyenvien").get(f"/national-sync/reconciliation/?agency={syt.id}"))
    assert "Đỗ Văn Số131" in page, page
    assert "079*******01" in page


# --------------------------------------------------------------------------- against the stand-in server (task A)
# The real HTTP client (app/national/client.py) against the stand-in national server run as a process
# (tests/national_stub.py): skipped where task A's code is not in the tree.

try:
    from tests.national_stub import national_stub  # noqa: F401 - the fixture (task A)

    HAVE_STUB = True
except ImportError:
    HAVE_STUB = False

#: Each misbehaviour of the stand-in and what the first run makes of it: failed (not retriable), retry (retriable:
#: the batch waits), bad (a bad answer: logged, retried), sent (the run copes: a partial answer completed, a slow one
#: waited for).
FAULTS = {"refuse": "failed", "timeout": "retry", "error500": "retry", "rate_limit": "retry", "drop": "retry",
          "partial": "sent", "slow": "sent", "malformed": "bad", "wrong_type": "bad", "huge": "bad",
          "unknown_receipt": "bad"}


@pytest.fixture()
def stub(app, request, monkeypatch):
    """The stand-in server (a real process), reset, with the app's client configured for it; jobs in-process."""
    if not HAVE_STUB:
        pytest.skip("task A's stand-in national server (tests/national_stub.py) is not in this tree")
    pytest.importorskip("app.national.client")
    server = request.getfixturevalue("national_stub")
    server.reset()
    monkeypatch.setitem(app.config, "NATIONAL_API_URL", server.url)
    monkeypatch.setitem(app.config, "NATIONAL_API_KEY", server.key)
    monkeypatch.setitem(app.config, "NATIONAL_API_TIMEOUT", 3)
    monkeypatch.setitem(app.config, "NATIONAL_API_RETRIES", 0)  # every fault reaches the job (no client retry)
    monkeypatch.setitem(app.config, "NATIONAL_SYNC_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    return server


def queue_demo_files(db, unit, n: int) -> list[Person]:
    """``n`` complete demo files that ``unit`` sends (its subtree's, HN-15), their latest version queued (as an
    approval would)."""
    from models.org_units import OrgUnit, Subtree

    people = [p for p in db.session.scalars(select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id).where(
        Subtree.of(unit).condition(), Person.status == "active", Person.cccd_index.is_not(None))
        .order_by(Person.id).limit(4 * n)) if outbox.sending_agency_id(p.org_unit) == unit.id][:n]
    for person in people:
        version = db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id,
                                                              FileVersion.version_no == person.version_no))
        outbox.queue_version(person, version)
    db.session.commit()
    return people


def drive(db, clock, rounds: int = 6) -> None:
    """Tick until no batch is being sent (advancing the clock past each retry time)."""
    for _round in range(rounds):
        tick()
        db.session.expire_all()
        waiting = db.session.scalar(select(func.max(SyncBatch.retry_at)).where(SyncBatch.state == "sending"))
        if waiting is None and not db.session.scalar(select(func.count()).select_from(SyncBatch).where(
                SyncBatch.state == "sending")):
            return
        clock.moment = max(clock.moment, waiting or clock.moment) + timedelta(seconds=1)
    raise AssertionError("batches still sending")


def stub_keys(server) -> list[tuple]:
    """(identifier, version) of every record the stand-in holds (one per stored record)."""
    return [(str(r["identifier"]), int(r["version"])) for r in server.records()]


def one_receipt_each(db) -> None:
    """Every delivered item has exactly one receipt (nothing stored twice)."""
    per_item = db.session.execute(select(SyncReceipt.item_id, func.count()).group_by(SyncReceipt.item_id)).all()
    assert per_item and all(n == 1 for _item, n in per_item), per_item


@pytest.mark.parametrize("city", ["hanoi", "hcm"])
def test_stub_a_months_cycle(app, stub, demo_people, unit_by_name, clock, dev_ca, monkeypatch, city):
    """A month under each profile with the real client and server: the head submits in the window, Sở Nội vụ
    approves (the Director signs in HCM), the job sends, every record gets its receipt, the server holds each
    version once; Khoa Cấp cứu's files go under Sở Y tế's code (HN-15)."""
    db = demo_people
    use_profile(app, monkeypatch, city)
    people = queue_demo_files(db, unit_by_name("Sở Y tế"), 12)
    clock.set(date(2026, 12, 29))
    batch = batches.submit_monthly(account(db, "syt.thutruong"), unit_by_name("Sở Y tế").id)
    assert batch.record_count == len(people)
    if city == "hcm":
        with_certificates(db, dev_ca, "sonoivu.giamdoc")
        batches.approve_batches(account(db, "sonoivu.giamdoc"), [batch.id], PASSPHRASE)
    else:
        batches.approve_batches(account(db, "sonoivu.chuyenvien"), [batch.id])
    drive(db, clock)
    batch = batch_state(db, batch.id)
    assert (batch.state, batch.accepted_count, batch.rejected_count) == ("sent", len(people), 0), [
        (i.receipt_code, i.receipt_message) for i in db.session.scalars(select(SyncItem))]
    one_receipt_each(db)
    keys = stub_keys(stub)
    assert sorted(keys) == sorted((p.cccd, p.version_no) for p in people)
    assert {r["agency_code"] for r in stub.records()} == {unit_by_name("Sở Y tế").ma_dinh_danh}


def test_stub_per_event_within_the_deadline(app, stub, demo, unit_by_name, clock):
    """ND27-SYNC with the real client: approved at 09:00, sent by the tick at 09:05, accepted before 09:00 the next
    day (the clock advanced by the test)."""
    person, version = approved_change(demo, unit_by_name("Khoa Cấp cứu"), 141)
    clock.advance(minutes=5)
    drive(demo, clock)
    item = demo.session.scalar(select(SyncItem).where(SyncItem.file_version_id == version.id))
    assert item.status in ("accepted", "rejected") and item.answered_at <= item.due_at, item.receipt_message
    assert item.status == "accepted", (item.receipt_code, item.receipt_message)
    assert (person.cccd, 2) in stub_keys(stub)


@pytest.mark.parametrize("mode", list(FAULTS))
def test_stub_each_fault_mode_nothing_lost_nothing_duplicated(app, stub, demo_people, unit_by_name, clock, mode):
    """Each misbehaviour of the stand-in, checked on both sides: a refusal fails the batch with the national side's
    Vietnamese message (Sở Nội vụ sends it again); an outage, a timeout, a 500, a 429, a dropped connection leave it
    waiting with a note; a bad answer (malformed, wrong type, too big, a receipt for a record never sent) is logged
    and changes nothing locally; a partial or slow answer is completed in the same run. In the end every record is
    accepted with one receipt, and the server holds each version once."""
    from models.audit import AccessLog

    db = demo_people
    people = queue_demo_files(db, unit_by_name("Sở Y tế"), 6)
    params = {"timeout": {"delay": 5}, "slow": {"delay": 1}, "partial": {"accept": 2}, "rate_limit": {"retry_after": 1}}
    stub.set_fault(mode, count=1, **params.get(mode, {}))
    tick()
    batch = db.session.scalar(select(SyncBatch))
    expected = FAULTS[mode]
    if expected == "failed":
        assert (batch.state, batch.status) == ("failed", "failed") and "401" in batch.error
        assert count(db, SyncReceipt) == 0
        batches.retry_batch(account(db, "sonoivu.chuyenvien"), batch.id)
    elif expected in ("retry", "bad"):
        assert (batch.state, batch.status, batch.retries) == ("sending", "queued", 1) and batch.note
        assert count(db, SyncReceipt) == 0 and set(statuses(db, [p.id for p in people])) <= {"queued"}
        logged = db.session.scalar(select(func.count()).select_from(AccessLog).where(
            AccessLog.event == "national_bad_response"))
        assert logged == (1 if expected == "bad" else 0)
    else:
        assert batch.state == "sent"
    drive(db, clock)
    batch = batch_state(db, batch.id)
    assert (batch.state, batch.accepted_count) == ("sent", len(people))
    one_receipt_each(db)
    keys = stub_keys(stub)
    assert sorted(keys) == sorted((p.cccd, p.version_no) for p in people)
    assert stub.pending_faults() == []


def test_stub_worker_killed_mid_batch_finishes_exactly_once(app, stub, demo_people, unit_by_name, tmp_path,
                                                           monkeypatch):
    """A real worker SIGKILLed in the middle of a batch (chunks of 2, slowed down): the reconciler sees the stale
    heartbeat and queues the batch again; a restarted worker sends the rest (the chunk in flight again under the
    same key: the server's stored answer); every record one receipt, held once by the server."""
    import os
    import signal
    import subprocess
    import time
    import uuid

    from redis import Redis
    from rq import Queue

    db = demo_people
    queue = Queue(f"cbccvc_test_sync_{uuid.uuid4().hex[:8]}", connection=Redis.from_url(app.config["REDIS_URL"]))
    monkeypatch.setitem(app.extensions, "rq_queue", queue)
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_TIMEOUT_SECONDS", 3)
    monkeypatch.setitem(app.config, "JOB_QUEUE_GRACE_SECONDS", 0)
    people = queue_demo_files(db, unit_by_name("Sở Y tế"), 10)
    [batch_id] = batches.gather_event_batches()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cfg = app.config
    env = {**os.environ, "DATABASE_URL": os.environ.get("TEST_DATABASE_URL", cfg["SQLALCHEMY_DATABASE_URI"]),
           "REDIS_URL": cfg["REDIS_URL"], "ENCRYPTION_KEYS": cfg["ENCRYPTION_KEYS"],
           "ENCRYPTION_ACTIVE_KEY": cfg["ENCRYPTION_ACTIVE_KEY"], "BLIND_INDEX_KEY": cfg["BLIND_INDEX_KEY"],
           "CITY_PROFILE": "hanoi", "PYTHONPATH": root, "JOB_HEARTBEAT_TIMEOUT_SECONDS": "3",
           "NATIONAL_API_URL": stub.url, "NATIONAL_API_KEY": stub.key, "NATIONAL_SYNC_CHUNK": "2",
           "JOB_ITEM_DELAY_SECONDS": "1"}
    rq = os.path.join(os.path.dirname(sys.executable), "rq")
    procs = []

    def start(*extra):
        log = open(tmp_path / f"worker-{len(procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([rq, "worker", "--url", cfg["REDIS_URL"], *extra, queue.name], cwd=root, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    def done() -> int:
        return batch_state(db, batch_id).done

    def kill_worker(proc) -> None:
        """SIGKILL the worker and its work horse (RQ gives the horse a session of its own), as a crash would."""
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
                horses = [int(pid) for pid in fh.read().split()]
        except OSError:
            horses = []
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in horses:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)
        for pid in horses:
            while not gone(pid):
                time.sleep(0.1)

    def gone(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True

    try:
        worker = start()
        deadline = time.monotonic() + 90
        while done() < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done() >= 2, (tmp_path / "worker-0.log").read_text()
        kill_worker(worker)
        killed = batch_state(db, batch_id)
        assert killed.status == "running" and killed.done < len(people)
        time.sleep(3.5)
        from jobs.reconcile import reconcile

        assert reconcile()["requeued"] == 1
        start("--burst").wait(180)
    finally:
        for proc in procs:
            if proc.poll() is None:
                kill_worker(proc)
        queue.empty()
    batch = batch_state(db, batch_id)
    assert batch.state in ("sent", "partial") and batch.done == len(people) and batch.attempts >= 1
    one_receipt_each(db)
    keys = stub_keys(stub)
    assert len(keys) == len(set(keys)) == batch.accepted_count


# --------------------------------------------------------------------------- compliance (HN-21.3)


def test_compliance_counts_sync_completion_hn_21_3(app, demo, unit_by_name, clock, fake_national):
    """HN-21.3: the compliance table shows, per unit, the share of the 12 months' approved versions accepted
    nationally by their deadline, and the versions overdue now."""
    from app.services.compliance import compliance_table
    from tests.clients import body, client_for

    on_time = files_in(demo, unit_by_name("Khoa Cấp cứu"), 151, 152)
    tick()
    fake_national.faults = ["unavailable"] * 10
    files_in(demo, unit_by_name("Khoa Cấp cứu"), 153)
    tick()
    clock.advance(days=2)
    table = compliance_table(account(demo, "sonoivu.admin"))
    syt = next(r for r in table.rows if r.name == "Sở Y tế")
    assert (syt.sync_items, syt.sync_on_time, syt.sync_overdue) == (3, 2, 1) and syt.sync_pct == 66.7
    other = next(r for r in table.rows if r.name == "Sở Tư pháp")
    assert (other.sync_items, other.sync_overdue) == (0, 0) and other.sync_pct is None
    page = body(client_for(app, "sonoivu.admin").get("/compliance/?sort=-sync_overdue"))
    assert "Đồng bộ CSDL quốc gia đúng hạn" in page and "66,7" in page
    assert len(on_time) == 2


# --------------------------------------------------------------------------- the SYLL header (ND27-ID)


def test_syll_header_prints_the_identifier_nd27_id(app, demo, unit_by_name):
    """ND27-ID: the printed SYLL's "Mã số định danh" is the file's identifier, the số định danh cá nhân (the CCCD);
    a reader who may not see the CCCD sees it masked there too."""
    from app.pdf import render_syll

    [person] = files_in(demo, unit_by_name("Khoa Cấp cứu"), 161)
    version = demo.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id))
    full = poppler_text(render_syll(version).data)
    assert f"Mã số định danh: {person.cccd}" in full
    masked = poppler_text(render_syll(version, reader_level=0).data)
    assert "Mã số định danh:" in masked and person.cccd not in masked


def test_an_imported_hand_over_package_queues_its_new_version_only(app, demo, unit_by_name, clock):
    """An arrival with the other system's package (issue 12's import): the history of versions comes as it was,
    not queued; the version the import writes is queued for the national database like an approval's."""
    from app.services import transfers as tr
    from app.services.transfers import handover

    [source] = files_in(demo, unit_by_name("Bệnh viện Thanh Nhàn"), 171)
    package, doc = handover.build_package(demo.session.get(Person, source.id), None)
    demo.session.execute(text("UPDATE person SET cccd_index = 'moved-away' WHERE id = :p"), {"p": source.id})
    demo.session.commit()
    move, _password = tr.arrive(account(demo, "sonoivu.admin"), tr.ArrivalData(
        org_unit_id=unit_by_name("Trường THPT Kim Liên").id, category="vien_chuc", handover_date=date(2026, 12, 24),
        external_place="Sở Y tế Nam Định", decision_number="77/QĐ-SGDĐT", decision_date=date(2026, 12, 24),
        effective_date=date(2026, 12, 28), package=package))
    items = items_of(demo, move.person_id)
    assert [(i.status, i.file_version_id) for i in items] == [("queued", move.version_id)]
    assert items[0].version_no == len(doc["history"]) + 1


def test_two_gatherings_at_once_never_take_the_same_record(app, demo_people, monkeypatch):
    """ND27-SYNC: the periodic gathering can run twice at once (two schedulers, a retry): each queued record ends in
    exactly one event batch — two real transactions on two connections, started together (``SKIP LOCKED``)."""
    import threading

    db = demo_people
    rows = db.session.execute(select(Person, FileVersion).join(FileVersion, FileVersion.person_id == Person.id)
                              .order_by(FileVersion.id).limit(40)).all()
    for person, version in rows:
        outbox.queue_version(person, version)
    db.session.commit()
    queued = db.session.scalar(select(func.count()).select_from(SyncItem).where(SyncItem.status == "queued"))
    assert queued >= 20
    monkeypatch.setattr(batches, "dispatch_named", lambda *a, **k: None)  # gather only; nothing is sent
    start, created, errors = threading.Barrier(2), [], []

    def gather():
        try:
            with app.app_context():
                start.wait(timeout=10)
                created.append(batches.gather_event_batches())
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=gather) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SyncItem).where(SyncItem.batch_id.is_(None))) == 0
    totals = dict(db.session.execute(select(SyncBatch.id, SyncBatch.total)).all())
    per_batch = dict(db.session.execute(select(SyncItem.batch_id, func.count()).group_by(SyncItem.batch_id)).all())
    assert per_batch == totals and sum(totals.values()) == queued
    assert sorted(totals) == sorted(i for ids in created for i in ids)
