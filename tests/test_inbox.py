"""The approver's inbox and bulk decisions (issue 8, part 4): what awaits whom, deadlines, filters, bulk approve
and return through a background job, signatures from the web forms.

Rules: HN-6.4 (the head or a delegate approves), HN-7 (the month's window), HCM-7.2a (BTV-managed people: Sở Nội
vụ officer then Director), HCM-7.2b (TCCB review and signature, then the head), HCM-7.2c (the person signs),
design.md §4 (overdue is a query; jobs take ids, are safe to run twice), §7 (no per-row queries), §3 (the
passphrase is never stored in clear).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text

from app import workdays, workflow
from app.security import scope
from app.services import personnel as svc
from app.services.accounts import consent
from app.services.errors import NotFoundError, ValidationError
from jobs import approvals as bulk_jobs
from models.approvals import ApprovalStep, BulkDecision, ChangeSetDocument
from models.audit import ChangeLog
from models.personnel import ChangeSet, FileVersion, Person
from tests.clients import body, client_for, count
from tests.factories import (
    PASSPHRASE,
    account,
    at,
    documents,
    officer_change,
    person_for,
    second_officer,
    use_profile,
    with_certificates,
)


@pytest.fixture(autouse=True)
def code_lists_and_inline_jobs(codes, app, monkeypatch):
    """The national code lists; jobs run in-process (no Redis) unless a test gives its own queue."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)


def set_due(db, cs_id: int, due: date | None) -> None:
    db.session.execute(text("UPDATE approval_step SET due_date = :d WHERE change_set_id = :c AND status = 'pending'"),
                       {"d": due, "c": cs_id})
    db.session.commit()


def ids_of(page) -> list[int]:
    return [r.id for r in page.rows]


def inbox_of(db, username, **kwargs):
    scope.forget()
    return svc.inbox(account(db, username), **kwargs)


# --------------------------------------------------------------------------- the inbox query


def test_hn_inbox_sorted_by_deadline_with_window_and_overdue(app, demo, unit_by_name, monkeypatch):
    """HN-6.4, HN-7: the head sees the change sets of their agency awaiting approval, earliest deadline first
    (no deadline last, then by submission), with the month's window (27–31/01/2026, due Monday 2/2/2026) and
    overdue counted in working days; the TCCB officer (write, not approve) and the staff member see nothing."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    at(monkeypatch, date(2026, 1, 20))
    unit = unit_by_name("Khoa Cấp cứu")
    a, b, c, d = (officer_change(db, unit, n) for n in range(4))
    page = inbox_of(db, "syt.thutruong", today=date(2026, 1, 20))
    assert ids_of(page) == [a.id, b.id, c.id, d.id] and page.total == 4  # same deadline: by submission
    row = page.rows[0]
    assert (row.step_key, row.step_label, row.due_date) == ("approve", "Phê duyệt", date(2026, 2, 2))
    assert (row.window_start, row.window_end) == (date(2026, 1, 27), date(2026, 1, 31))
    assert row.full_name == "Trần Văn An" and row.unit_name == "Khoa Cấp cứu" and row.submitted_by == "syt.tccb"
    assert row.on_behalf and not row.overdue and row.delegator_id is None and "HN-7" in row.rule
    set_due(db, c.id, date(2026, 1, 26))
    set_due(db, a.id, None)
    page = inbox_of(db, "syt.thutruong", today=date(2026, 2, 9))
    assert ids_of(page) == [c.id, b.id, d.id, a.id]
    late = {r.id: (r.overdue, r.overdue_workdays) for r in page.rows}
    # 26/1 → 9/2: 27, 28, 29, 30/1, 2–6/2, 9/2 = 10 working days; 2/2 → 9/2 = 5.
    assert late == {c.id: (True, 10), b.id: (True, 5), d.id: (True, 5), a.id: (False, 0)}
    assert ids_of(inbox_of(db, "syt.tccb")) == [] and ids_of(inbox_of(db, "annv.syt")) == []
    assert ids_of(inbox_of(db, "sonoivu.giamdoc", today=date(2026, 2, 9))) == [c.id, b.id, d.id, a.id]
    # Paging: 2 a page, the total counts every page.
    first = inbox_of(db, "syt.thutruong", page=0, page_size=2, today=date(2026, 2, 9))
    second = inbox_of(db, "syt.thutruong", page=1, page_size=2, today=date(2026, 2, 9))
    assert (ids_of(first), first.has_next, first.total) == ([c.id, b.id], True, 4)
    assert (ids_of(second), second.has_next) == ([d.id, a.id], False)


def test_filters_by_unit_subtree_and_step(app, demo, unit_by_name, monkeypatch):
    """The unit filter keeps the unit and its sub-units; the step filter keeps one step of the chains."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    in_xanh_pon = officer_change(db, unit_by_name("Khoa Nội tổng hợp"), 1)
    in_thanh_nhan = officer_change(db, unit_by_name("Khoa Cấp cứu"), 2)
    office = officer_change(db, unit_by_name("Văn phòng Sở Y tế"), 3)
    flt = svc.InboxFilter
    assert set(ids_of(inbox_of(db, "syt.thutruong"))) == {in_xanh_pon.id, in_thanh_nhan.id, office.id}
    assert ids_of(inbox_of(db, "syt.thutruong", flt=flt(unit_id=unit_by_name("Bệnh viện Đa khoa Xanh Pôn").id))) \
        == [in_xanh_pon.id]
    assert ids_of(inbox_of(db, "syt.thutruong", flt=flt(unit_id=unit_by_name("Bệnh viện Thanh Nhàn").id))) \
        == [in_thanh_nhan.id]
    assert ids_of(inbox_of(db, "syt.thutruong", flt=flt(unit_id=unit_by_name("Sở Tư pháp").id))) == []
    assert ids_of(inbox_of(db, "syt.thutruong", flt=flt(unit_id=999999))) == []
    assert len(inbox_of(db, "syt.thutruong", flt=flt(step_key="approve")).rows) == 3
    assert inbox_of(db, "syt.thutruong", flt=flt(step_key="review")).rows == []


def test_hcm_inbox_tccb_review_then_head_and_btv_chain(app, demo, dev_ca, unit_by_name, monkeypatch):
    """HCM-7.2b: the TCCB officer sees the review step (with write, not approve), the head only once it is done;
    HCM-7.2a: a BTV-managed person's change awaits the Chuyên viên Sở Nội vụ, then the Director — never the
    agency's TCCB officer or head."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    with_certificates(db, dev_ca, "syt.tccb", "sonoivu.chuyenvien")
    at(monkeypatch, date(2026, 11, 10))
    unit = unit_by_name("Khoa Cấp cứu")
    drafter = second_officer(db).username  # four eyes: syt.tccb verifies what a colleague prepared
    cs = officer_change(db, unit, 1, officer=drafter)
    btv = officer_change(db, unit, 2, btv=True, officer=drafter)
    [row] = inbox_of(db, "syt.tccb").rows
    assert (row.id, row.step_key, row.step_label, row.signature_required) == (cs.id, "review", "Kiểm tra, xác thực",
                                                                              True)
    assert row.due_date == date(2026, 11, 17) and row.overall_due == date(2026, 11, 25)
    assert ids_of(inbox_of(db, "syt.thutruong")) == []
    [officer_row] = inbox_of(db, "sonoivu.chuyenvien").rows
    assert (officer_row.id, officer_row.step_label) == (btv.id, "Kiểm tra, xác thực (Sở Nội vụ)")
    assert ids_of(inbox_of(db, "sonoivu.giamdoc")) == []
    svc.approve(account(db, "syt.tccb"), cs.id, passphrase=PASSPHRASE)
    svc.approve(account(db, "sonoivu.chuyenvien"), btv.id, passphrase=PASSPHRASE)
    assert ids_of(inbox_of(db, "syt.tccb")) == []
    [head_row] = inbox_of(db, "syt.thutruong").rows
    assert (head_row.id, head_row.step_key, head_row.step_label) == (cs.id, "approve", "Phê duyệt")
    # The Director also holds approve city-wide (the "head" authority), so the agency's step shows too.
    director = {r.id: r.step_label for r in inbox_of(db, "sonoivu.giamdoc").rows}
    assert director[btv.id] == "Phê duyệt (Giám đốc Sở Nội vụ)"
    assert ids_of(inbox_of(db, "sonoivu.chuyenvien")) == []


def test_inbox_runs_the_same_statements_for_10_or_50_rows(app, demo, unit_by_name, monkeypatch):
    """design.md §7: the inbox of a delegate (HN-6.4) reads a page of 10 or of 50 rows — names, units, steps,
    delegator, overdue working days — in the same number of statements."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    head = account(db, "syt.thutruong")
    consent.delegate(head, account(db, "syt.quantri").id, head.org_unit_id, "approve", document_number="15/UQ-SYT",
                     valid_to=date.today() + timedelta(days=30))
    unit = unit_by_name("Khoa Cấp cứu")
    made = [officer_change(db, unit, n) for n in range(50)]
    for cs in made[::3]:
        set_due(db, cs.id, date(2026, 1, 5))
    delegate = account(db, "syt.quantri")
    scope.forget()
    warm = svc.inbox(delegate, page_size=50, today=date(2026, 2, 9))
    assert warm.total == 50 and len(warm.rows) == 50
    assert all(r.delegator_id == head.id and r.delegator_name == "Vũ Đức Thắng" for r in warm.rows)
    # 5/1 → 9/2/2026: 25 weekdays plus Saturday 10/1, a make-up working day for Friday 2/1.
    assert warm.rows[0].overdue and warm.rows[0].overdue_workdays == 26
    statements = []

    def count_statement(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        small = svc.inbox(delegate, page_size=10, today=date(2026, 2, 9))
        n_small = len(statements)
        statements.clear()
        large = svc.inbox(delegate, page_size=50, today=date(2026, 2, 9))
        n_large = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert (len(small.rows), len(large.rows)) == (10, 50)
    assert n_small == n_large <= 3, statements


# --------------------------------------------------------------------------- bulk decisions


def test_bulk_approve_three_in_hanoi(app, demo, unit_by_name, monkeypatch):
    """HN-6.4: the head approves three change sets at once; each gets its version, its step records the head,
    the change log has each decision, and the row keeps progress and outcomes."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(3)]
    head = account(db, "syt.thutruong")
    row = bulk_jobs.start_bulk_decision(head, "approve", [str(cs.id) for cs in made], "Đồng ý")
    assert (row.status, row.total, row.passphrase) == ("queued", 3, None)
    job = bulk_jobs.dispatch(row.id)
    assert job.return_value() == {"status": "finished", "done": 3, "total": 3}
    db.session.expire_all()
    row = db.session.get(BulkDecision, row.id)
    assert (row.status, row.done, row.percent, row.queue_job_id) == ("finished", 3, 100, "inline")
    assert [(r["id"], r["outcome"]) for r in row.results] == [(cs.id, "approved") for cs in made]
    assert all("phiên bản 2" in r["message"] for r in row.results) and row.results[0]["person"] == "Trần Văn An"
    for cs in made:
        fresh = db.session.get(ChangeSet, cs.id)
        assert fresh.status == "approved" and fresh.version_id is not None
        assert db.session.get(Person, fresh.person_id).version_no == 2
        [step] = fresh.steps
        assert (step.status, step.actor_id, step.comment) == ("done", head.id, "Đồng ý")
        logged = db.session.scalar(select(func.count()).select_from(ChangeLog).where(
            ChangeLog.object_type == "ChangeSet", ChangeLog.object_id == str(cs.id), ChangeLog.user_id == head.id))
        assert logged >= 1
    assert count(db, FileVersion) == 6
    assert bulk_jobs.run_bulk_decision(row.id)["status"] == "finished"  # twice: nothing decided twice
    assert count(db, FileVersion) == 6


def test_bulk_return_with_one_reason(app, demo, unit_by_name, monkeypatch):
    """A bulk return needs its reason (nothing written without it); each change set goes back with it."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(2)]
    head = account(db, "syt.thutruong")
    with pytest.raises(ValidationError) as err:
        bulk_jobs.start_bulk_decision(head, "return", [cs.id for cs in made], "   ")
    assert "Hãy nêu lý do trả lại." in err.value.errors["comment"]
    assert count(db, BulkDecision) == 0
    row = bulk_jobs.start_bulk_decision(head, "return", [cs.id for cs in made], "Thiếu bản chụp CCCD")
    bulk_jobs.dispatch(row.id)
    db.session.expire_all()
    assert [r["outcome"] for r in db.session.get(BulkDecision, row.id).results] == ["returned", "returned"]
    for cs in made:
        fresh = db.session.get(ChangeSet, cs.id)
        assert (fresh.status, fresh.decision_comment) == ("returned", "Thiếu bản chụp CCCD")
        assert [(s.status, s.comment) for s in fresh.steps] == [("returned", "Thiếu bản chụp CCCD")]


def test_one_refused_item_does_not_undo_the_others(app, demo, unit_by_name, monkeypatch):
    """Each change set is its own transaction: one decided meanwhile by someone else is refused with the
    workflow's Vietnamese message; the other two are approved."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    a, b, c = (officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(3))
    row = bulk_jobs.start_bulk_decision(account(db, "syt.thutruong"), "approve", [a.id, b.id, c.id])
    svc.approve(account(db, "sonoivu.giamdoc"), b.id, "Đã duyệt trước")  # before the job runs
    bulk_jobs.run_bulk_decision(row.id)
    db.session.expire_all()
    row = db.session.get(BulkDecision, row.id)
    assert row.status == "finished" and row.done == 3
    outcomes = {r["id"]: (r["outcome"], r["message"]) for r in row.results}
    assert outcomes[a.id][0] == outcomes[c.id][0] == "approved"
    assert outcomes[b.id] == ("refused", "Hồ sơ đã được xử lý: đề nghị đang ở trạng thái “Đã duyệt”; không có gì "
                                         "được thay đổi. Hãy tải lại trang.")
    assert [db.session.get(ChangeSet, i).status for i in (a.id, b.id, c.id)] == ["approved"] * 3
    assert db.session.get(ChangeSet, b.id).steps[0].comment == "Đã duyệt trước"


def test_ids_outside_the_inbox_are_refused_before_anything_is_queued(app, demo, rq_queue, unit_by_name,
                                                                    monkeypatch):
    """A forged or out-of-scope id is a Vietnamese 404; an id the user may read but not act on, a bad id, too
    many ids or none are a 400 on the inbox — no row written, nothing queued, nothing decided."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    mine = officer_change(db, unit_by_name("Khoa Cấp cứu"), 1)
    admin = account(db, "sonoivu.admin")
    outsider = person_for(db, unit_by_name("Sở Tư pháp"), name="Lò Văn Ngoài", cccd="001080099999",
                          officer="sonoivu.admin")
    svc.save_section(admin, outsider.id, "documents", documents(cccd="001080099999"))
    outside = svc.submit(admin, outsider.id)
    head = client_for(app, "syt.thutruong")
    tccb = client_for(app, "syt.tccb")

    def post(client, ids, action="approve", **data):
        return client.post("/people/changes/bulk", data={"ids": ids, "action": action, **data})

    for client, ids, status, message in (
            (head, [mine.id, 999999], 404, "Không tìm thấy đề nghị thay đổi."),
            (head, [mine.id, outside.id], 404, "Không tìm thấy đề nghị thay đổi."),
            (tccb, [mine.id], 400, "không còn chờ bạn xử lý"),
            (head, [str(mine.id), "1 OR 1=1"], 400, "Mã đề nghị không hợp lệ"),
            (head, [str(i) for i in range(1, 102)], 400, "tối đa 100 đề nghị"),
            (head, [], 400, "Hãy chọn ít nhất một đề nghị."),
    ):
        resp = post(client, ids)
        assert resp.status_code == status, (ids, body(resp)[:300])
        assert message in body(resp), (ids, message)
    resp = post(head, [mine.id], action="delete")
    assert resp.status_code == 400 and "Thao tác không hợp lệ." in body(resp)
    assert count(db, BulkDecision) == 0 and len(rq_queue) == 0
    assert db.session.get(ChangeSet, mine.id).status == "submitted"
    assert db.session.get(ChangeSet, outside.id).status == "submitted"
    with pytest.raises(NotFoundError):
        bulk_jobs.start_bulk_decision(account(db, "syt.thutruong"), "approve", [outside.id])
    # A valid batch is queued with the row's id only.
    resp = post(head, [mine.id])
    assert resp.status_code == 302 and "bulk=" in resp.headers["Location"]
    [job] = rq_queue.jobs
    assert job.args == (db.session.scalar(select(BulkDecision.id)),)


def test_a_bulk_decision_is_taken_on_the_submissions_the_inbox_showed(app, demo, rq_queue, unit_by_name,
                                                                      monkeypatch):
    """Each inbox row carries the submission (round) it shows. A change set returned and sent again with other
    content after the list was loaded refuses the batch (400 naming it, nothing written or queued); from the
    reloaded list the same batch is queued."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    a, b = (officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in (1, 2))
    head = client_for(app, "syt.thutruong")
    listing = body(head.get("/people/changes/"))
    shown = dict(re.findall(r'name="round-(\d+)" value="(\d+)"', listing))
    assert shown == {str(a.id): "1", str(b.id): "1"}

    officer = account(db, "syt.tccb")
    svc.return_change_set(account(db, "syt.thutruong"), b.id, "Sai số điện thoại")
    svc.save_section(officer, b.person_id, "documents", documents(cccd=b.person.cccd, phone="0987 000 111"))
    svc.submit(officer, b.person_id, "Đã sửa")
    for action, extra in (("approve", {}), ("return", {"comment": "Chưa đủ"})):
        resp = head.post("/people/changes/bulk", data={"ids": [a.id, b.id], "action": action, **extra,
                                                       **{f"round-{k}": v for k, v in shown.items()}})
        assert resp.status_code == 400, body(resp)[:300]
        assert f"Các đề nghị số {b.id} đã được trả lại và gửi lại với nội dung mới" in body(resp)
    assert count(db, BulkDecision) == 0 and len(rq_queue) == 0
    assert [db.session.get(ChangeSet, i).status for i in (a.id, b.id)] == ["submitted", "submitted"]

    shown = dict(re.findall(r'name="round-(\d+)" value="(\d+)"', body(head.get("/people/changes/"))))
    assert shown == {str(a.id): "1", str(b.id): "2"}
    resp = head.post("/people/changes/bulk", data={"ids": [a.id, b.id], "action": "approve",
                                                   **{f"round-{k}": v for k, v in shown.items()}})
    assert resp.status_code == 302 and "bulk=" in resp.headers["Location"]
    assert count(db, BulkDecision) == 1 and len(rq_queue) == 1

    # The job runs later (a busy queue, a Redis outage): ``a`` is returned and sent again before it does. The job
    # decides ``b`` (the submission asked on) and refuses ``a`` instead of approving its new content unseen.
    svc.return_change_set(account(db, "syt.thutruong"), a.id, "Sai số điện thoại")
    svc.save_section(officer, a.person_id, "documents", documents(cccd=a.person.cccd, phone="0987 000 222"))
    svc.submit(officer, a.person_id, "Đã sửa")
    row_id = db.session.scalar(select(BulkDecision.id))
    assert bulk_jobs.run_bulk_decision(row_id)["status"] == "finished"
    db.session.expire_all()
    outcomes = {r["id"]: (r["outcome"], r["message"]) for r in db.session.get(BulkDecision, row_id).results}
    assert outcomes[b.id][0] == "approved"
    assert outcomes[a.id][0] == "refused" and "gửi lại với nội dung mới (lần gửi thứ 2)" in outcomes[a.id][1]
    fresh = db.session.get(ChangeSet, a.id)
    assert (fresh.status, fresh.round, fresh.version_id) == ("submitted", 2, None)


def test_hcm_bulk_with_signatures_passphrase_encrypted_then_blanked(app, demo, dev_ca, rq_queue, unit_by_name,
                                                                   monkeypatch):
    """HCM-7.2b: the TCCB officer authenticates two change sets at once, each signed with their certificate;
    the passphrase is checked up front, kept only encrypted in the row (never in the RQ payload) and blanked
    when the job ends; then the head approves both, signed, from an in-process job; the PDFs carry both valid
    signatures in order."""
    from rq import SimpleWorker

    from app.signing import verify_pdf

    db = demo
    use_profile(app, monkeypatch, "hcm")
    with_certificates(db, dev_ca, "syt.tccb", "syt.thutruong")
    at(monkeypatch, date(2026, 11, 10))
    drafter = second_officer(db).username  # four eyes: syt.tccb verifies what a colleague prepared
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n, officer=drafter) for n in range(2)]
    tccb = account(db, "syt.tccb")
    with pytest.raises(ValidationError) as err:
        bulk_jobs.start_bulk_decision(tccb, "approve", [cs.id for cs in made])
    assert "passphrase" in err.value.errors
    with pytest.raises(ValidationError):
        bulk_jobs.start_bulk_decision(tccb, "approve", [cs.id for cs in made], passphrase="sai-mat-khau")
    assert count(db, BulkDecision) == 0

    officer = client_for(app, "syt.tccb")
    page = body(officer.get("/people/changes/"))
    assert 'id="passphrase-group"' in page and 'data-signature="1"' in page
    resp = officer.post("/people/changes/bulk", data={"ids": [cs.id for cs in made], "action": "approve",
                                                      "comment": "Đã đối chiếu bản gốc", "passphrase": PASSPHRASE})
    assert resp.status_code == 302
    bulk_id = db.session.scalar(select(BulkDecision.id))
    raw = db.session.execute(text("SELECT passphrase FROM bulk_decision WHERE id = :i"), {"i": bulk_id}).scalar()
    assert raw is not None and PASSPHRASE.encode() not in bytes(raw)
    [job] = rq_queue.jobs
    assert job.args == (bulk_id,) and not job.kwargs
    assert PASSPHRASE.encode() not in rq_queue.connection.hget(job.key, "data")
    state = officer.get(f"/people/changes/bulk/status?id={bulk_id}").get_json()
    assert (state["status"], state["done"], state["total"]) == ("queued", 0, 2)

    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    state = officer.get(f"/people/changes/bulk/status?id={bulk_id}").get_json()
    assert (state["status"], state["percent"]) == ("finished", 100)
    assert [r["label"] for r in state["results"]] == ["Đã xác thực, chuyển bước sau"] * 2
    db.session.expire_all()
    assert db.session.get(BulkDecision, bulk_id).passphrase is None
    assert rq_queue.fetch_job(job.id).meta["progress"] == {"done": 2, "total": 2}
    assert client_for(app, "syt.thutruong").get(f"/people/changes/bulk/status?id={bulk_id}").status_code == 404

    monkeypatch.setitem(app.extensions, "rq_queue", None)
    head = account(db, "syt.thutruong")
    row = bulk_jobs.start_bulk_decision(head, "approve", [cs.id for cs in made], passphrase=PASSPHRASE)
    bulk_jobs.dispatch(row.id)
    db.session.expire_all()
    row = db.session.get(BulkDecision, row.id)
    assert [r["outcome"] for r in row.results] == ["approved", "approved"] and row.passphrase is None
    for cs in made:
        steps = list(db.session.scalars(select(ApprovalStep).where(ApprovalStep.change_set_id == cs.id)
                                        .order_by(ApprovalStep.seq)))
        assert [(s.status, bool(s.signature_ref)) for s in steps] == [("done", True), ("done", True)]
        assert steps[0].comment == "Đã đối chiếu bản gốc"
        doc = db.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id))
        assert doc.signed_fields == "CanBoTCCB,ThuTruong"
        reports = verify_pdf(doc.content)
        assert [r.field for r in reports] == ["CanBoTCCB", "ThuTruong"] and all(r.bottom_line for r in reports)


def test_passphrase_is_blanked_when_the_job_fails(app, demo, dev_ca, unit_by_name, monkeypatch):
    """design.md §3: a job that fails still blanks the passphrase; the row says it failed."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    with_certificates(db, dev_ca, "syt.tccb")
    cs = officer_change(db, unit_by_name("Khoa Cấp cứu"), 1, officer=second_officer(db).username)  # four eyes
    row = bulk_jobs.start_bulk_decision(account(db, "syt.tccb"), "approve", [cs.id], passphrase=PASSPHRASE)
    assert row.passphrase == PASSPHRASE

    def boom(_row):
        raise RuntimeError("mất kết nối")

    monkeypatch.setattr(bulk_jobs, "_run", boom)
    assert bulk_jobs.dispatch(row.id).return_value()["status"] == "failed"
    db.session.expire_all()
    row = db.session.get(BulkDecision, row.id)
    # Issue 13: the row says it failed in Vietnamese; the exception's own text goes to the log, not to the page.
    assert (row.status, row.passphrase) == ("failed", None) and row.error.startswith("Lỗi hệ thống")
    assert db.session.get(ChangeSet, cs.id).status == "submitted"


def test_a_queued_bulk_decision_nobody_runs_expires_with_its_passphrase(app, demo, dev_ca, unit_by_name,
                                                                          monkeypatch):
    """A passphrase is never kept for a job that may never run: past BULK_PASSPHRASE_TTL_MINUTES the periodic
    job (jobs/schedule.py) fails the row and blanks it; a late worker then decides nothing."""
    from jobs.schedule import PERIODIC_JOBS

    db = demo
    use_profile(app, monkeypatch, "hcm")
    with_certificates(db, dev_ca, "syt.tccb")
    cs = officer_change(db, unit_by_name("Khoa Cấp cứu"), 1, officer=second_officer(db).username)  # four eyes
    # Written, not dispatched: no worker comes.
    row = bulk_jobs.start_bulk_decision(account(db, "syt.tccb"), "approve", [cs.id], passphrase=PASSPHRASE)
    assert bulk_jobs.expire_stale() == 0  # fresh: kept for the worker
    later = bulk_jobs._now() + timedelta(minutes=app.config["BULK_PASSPHRASE_TTL_MINUTES"] + 1)  # noqa: SLF001
    assert bulk_jobs.expire_stale(later) == 1
    db.session.expire_all()
    row = db.session.get(BulkDecision, row.id)
    assert (row.status, row.passphrase) == ("failed", None) and row.error
    assert bulk_jobs.run_bulk_decision(row.id)["status"] == "failed"
    assert db.session.get(ChangeSet, cs.id).status == "submitted"
    assert any(path == "jobs.approvals.expire_stale" for _id, path, _cron in PERIODIC_JOBS)


# --------------------------------------------------------------------------- the pages


def test_inbox_page_bulk_approve_and_review_chain(app, demo, unit_by_name, monkeypatch):
    """HN-7: the inbox shows overdue rows in red with the working days late, the window and the deadline; a
    bulk approval from the page shows its outcomes; the review page shows the chain with who acted."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(3)]
    today = workflow.local_today()
    due = today - timedelta(days=20)
    set_due(db, made[2].id, due)
    head = client_for(app, "syt.thutruong")
    page = body(head.get("/people/changes/"))
    order = [int(i) for i in re.findall(r'<tr data-change-set-id="(\d+)"', page)]
    assert order[0] == made[2].id and sorted(order) == sorted(cs.id for cs in made)
    late = workdays.count_workdays(due, today)
    assert re.search(rf'data-change-set-id="{made[2].id}" class="danger overdue"', page)
    assert f"Quá hạn {late} ngày làm việc" in page and "Cửa sổ phê duyệt" in page
    assert 'class="form-control unit-picker"' in page and "for=people_read" in page
    assert 'id="passphrase-group" style="display: none"' in page  # no signature in Hà Nội
    resp = head.post("/people/changes/bulk", data={"ids": [cs.id for cs in made], "action": "approve"})
    assert resp.status_code == 302
    page = body(head.get(resp.headers["Location"]))
    assert page.count('class="bulk-outcome">Đã duyệt<') == 3 and "Đã xử lý 3/3 đề nghị" in page
    assert "data-change-set-id" not in page.split('id="inbox-filter"')[1]  # nothing left to approve
    review = body(head.get(f"/people/changes/{made[0].id}"))
    assert 'id="approval-chain"' in review and 'data-status="done"' in review and "Vũ Đức Thắng" in review
    assert 'id="approve-form"' not in review


def test_review_page_signs_the_hcm_steps_and_the_person_signs_the_submission(app, demo, dev_ca,
                                                                              monkeypatch):
    """HCM-7.2c: the person signs the submission from the draft page's passphrase field; HCM-7.2b: the TCCB
    officer (write, not approve) authenticates from the review page with the passphrase, the head approves."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    with_certificates(db, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    assert staff.post("/my/file/edit/documents", data=documents()).status_code == 302
    draft = body(staff.get("/my/file/draft"))
    assert 'name="submit-passphrase"' in draft and 'type="password"' in draft
    resp = staff.post("/my/file/submit", data={"submit-note": "Đổi nơi ở"})
    assert resp.status_code == 400 and 'data-field="passphrase"' in body(resp)
    assert staff.post("/my/file/submit", data={"submit-passphrase": PASSPHRASE}).status_code == 302
    cs = db.session.scalar(select(ChangeSet).where(ChangeSet.person_id == person.id))
    assert cs.status == "submitted"

    officer = client_for(app, "syt.tccb")
    review = body(officer.get(f"/people/changes/{cs.id}"))
    assert 'name="approve-passphrase"' in review and "Xác thực, chuyển bước sau" in review
    assert 'data-step="review" data-status="pending"' in review
    assert 'data-step="approve" data-status="waiting"' in review
    resp = officer.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đã đối chiếu"})
    assert resp.status_code == 400 and 'data-field="passphrase"' in body(resp)
    resp = officer.post(f"/people/changes/{cs.id}/approve",
                        data={"approve-comment": "Đã đối chiếu", "approve-passphrase": PASSPHRASE})
    assert resp.status_code == 302
    head = client_for(app, "syt.thutruong")
    review = body(head.get(f"/people/changes/{cs.id}"))
    assert 'data-step="review" data-status="done"' in review and "Đã đối chiếu" in review and "Đã ký" in review
    again = officer.post(f"/people/changes/{cs.id}/approve", data={"approve-passphrase": PASSPHRASE})
    assert again.status_code == 409 and "đã được xử lý" in body(again)  # their step is done (issue 13, item 10)
    resp = head.post(f"/people/changes/{cs.id}/approve", data={"approve-passphrase": PASSPHRASE})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChangeSet, cs.id).status == "approved"
    doc = db.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id))
    assert doc.signed_fields == "NguoiKhai,CanBoTCCB,ThuTruong"
