"""Four eyes (issue 15, item 6): an officer who prepared a change on someone's behalf — opened the draft for them,
or sent it for approval in their name — verifies, approves or returns no step of that change set, alone or in
bulk; a colleague with the authority does. The rule lives in the workflow's one check (``workflow.can_act`` /
``may_decide`` and its SQL form ``may_decide_condition``), so the review page, the inbox, bulk requests, the bulk
job and the reminders all follow it. Every refusal leaves the database as it was.
"""

from datetime import date

import pytest
from sqlalchemy import select, text

from app import workflow
from app.security import scope
from app.services import personnel as svc
from app.services.errors import ForbiddenError, ValidationError
from app.services.personnel import bulk as bulk_svc
from jobs import approvals as bulk_jobs
from jobs.reminders import run_reminders
from models.approvals import ApprovalStep, BulkDecision
from models.notifications import Notification
from models.personnel import ChangeSet
from tests.clients import body, client_for
from tests.factories import (
    PASSPHRASE,
    PDF,
    account,
    at,
    documents,
    officer_change,
    person_for,
    second_officer,
    use_profile,
    with_certificates,
)

#: The tables a decision writes (the access log is left out: a refused request is logged by design).
DECIDED_TABLES = ("person", "change_set", "change_item", "approval_step", "file_version", "change_set_document",
                  "bulk_decision", "bulk_decision_item", "notification", "change_log", "attachment")

FOUR_EYES = "thay cho người có hồ sơ nên không được xác thực"


@pytest.fixture(autouse=True)
def code_lists_and_inline_jobs(codes, app, monkeypatch):
    """The national code lists; jobs run in-process."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)


def fingerprint(db) -> dict[str, str]:
    """Table -> checksum of every row (read afresh)."""
    db.session.expire_all()
    return {t: db.session.scalar(text(f"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' "
                                      f"ORDER BY x::text)), '') FROM {t} x")) for t in DECIDED_TABLES}


def own_draft_sent_by_officer(db, officer="syt.tccb", username="annv.syt"):
    """``username``'s own file: the TCCB officer prepares a change for them and submits it."""
    person = person_for(db, account(db, username).org_unit, username, cccd="001080012345")
    drafter = account(db, officer)
    svc.save_section(drafter, person.id, "documents", documents())
    cs = svc.submit(drafter, person.id, "Đổi nơi ở")
    scope.forget()
    return db.session.get(ChangeSet, cs.id)


# --------------------------------------------------------------------------- alone


def test_hcm_drafting_officer_cannot_verify_return_or_see_it_a_colleague_can(app, demo, dev_ca, monkeypatch):
    """HCM-7.2b step 1: the TCCB officer who prepared a change on annv.syt's behalf holds the review authority but
    may not verify (sign) it, nor return it; the inbox does not offer it, the review page shows no decision form,
    a POST is a 403 — nothing changes. A colleague TCCB officer sees it, verifies it, and the head approves."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    colleague = second_officer(db)
    with_certificates(db, dev_ca, "syt.tccb", colleague.username, "syt.thutruong")
    at(monkeypatch, date(2026, 11, 10))
    cs = own_draft_sent_by_officer(db)
    tccb = account(db, "syt.tccb")
    assert cs.on_behalf and cs.created_by_id == tccb.id and workflow.prepared_by(cs, tccb.id)
    step = db.session.scalar(select(ApprovalStep).where(ApprovalStep.change_set_id == cs.id,
                                                        ApprovalStep.status == "pending"))
    assert step.authority == "tccb" and workflow.holds_authority(tccb, step, cs.person)[0]
    assert workflow.can_act(tccb, step, cs.person) == (False, None)
    officer = client_for(app, "syt.tccb")  # signed in first: a login writes its own rows
    before = fingerprint(db)

    with pytest.raises(ForbiddenError) as err:
        workflow.check_can_act(tccb, db.session.get(ChangeSet, cs.id))
    assert FOUR_EYES in str(err.value)
    with pytest.raises(ForbiddenError):
        svc.approve(tccb, cs.id, "Đã đối chiếu", passphrase=PASSPHRASE)
    with pytest.raises(ForbiddenError):
        svc.return_change_set(tccb, cs.id, "Thiếu giấy tờ")
    assert cs.id not in [r.id for r in svc.inbox(account(db, "syt.tccb")).rows]
    assert fingerprint(db) == before

    page = body(officer.get(f"/people/changes/{cs.id}"))
    assert 'id="review-page"' in page and 'id="btn-approve"' not in page and 'id="btn-return"' not in page
    resp = officer.post(f"/people/changes/{cs.id}/approve",
                        data={"approve-comment": "Đã đối chiếu", "approve-passphrase": PASSPHRASE})
    assert resp.status_code == 403 and FOUR_EYES in body(resp)
    resp = officer.post(f"/people/changes/{cs.id}/return", data={"return-reason": "Thiếu giấy tờ"})
    assert resp.status_code == 403
    assert fingerprint(db) == before

    scope.forget()
    assert [r.id for r in svc.inbox(account(db, colleague.username)).rows] == [cs.id]
    assert svc.approve(account(db, colleague.username), cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    version = svc.approve(account(db, "syt.thutruong"), cs.id, "Phê duyệt", passphrase=PASSPHRASE)
    assert version is not None and db.session.get(ChangeSet, cs.id).status == "approved"


def test_hn_administrator_who_drafted_or_sent_cannot_approve_the_final_step(app, demo, monkeypatch):
    """HN-6.4: the final (only) step too. The city administrator, who may write and approve everywhere, prepares a
    change for annv.syt and may not approve it; nor a change annv.syt drafted that the administrator sent for
    approval in their name. The head of the unit approves both."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    admin = account(db, "sonoivu.admin")
    drafted = own_draft_sent_by_officer(db, officer="sonoivu.admin")
    before = fingerprint(db)
    with pytest.raises(ForbiddenError):
        svc.approve(admin, drafted.id, "Đồng ý")
    assert drafted.id not in [r.id for r in svc.inbox(admin).rows]
    assert fingerprint(db) == before
    assert svc.approve(account(db, "syt.thutruong"), drafted.id, "Đồng ý") is not None

    # annv.syt drafts their own change (with proof); the administrator sends it for them.
    staff = account(db, "annv.syt")
    person_id = drafted.person_id
    svc.save_section(staff, person_id, "documents", documents(phone="0987 654 321"))
    svc.add_attachment(staff, person_id, PDF, "Giấy xác nhận.pdf", "khac", "documents")
    sent = svc.submit(account(db, "sonoivu.admin"), person_id, "Gửi thay")
    assert not sent.on_behalf and workflow.prepared_by(sent, admin.id)
    before = fingerprint(db)
    with pytest.raises(ForbiddenError):
        svc.approve(account(db, "sonoivu.admin"), sent.id, "Đồng ý")
    assert fingerprint(db) == before
    assert svc.approve(account(db, "syt.thutruong"), sent.id, "Đồng ý") is not None


def test_python_and_sql_forms_of_the_rule_agree(app, demo, unit_by_name, monkeypatch):
    """``can_act`` (Python), the inbox (``awaiting_condition``, SQL) and ``step_actors`` (who is told a step
    waits for them) name the same users for a change the TCCB officer prepared and one their colleague did."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    colleague = second_officer(db).username
    unit = unit_by_name("Khoa Cấp cứu")
    mine = officer_change(db, unit, 1)
    theirs = officer_change(db, unit, 2, officer=colleague)
    users = ("syt.tccb", colleague, "syt.thutruong", "sonoivu.admin", "annv.syt")
    for cs in (mine, theirs):
        cs = db.session.get(ChangeSet, cs.id)
        step = workflow.current_step(cs)
        actors = set(workflow.step_actors(step, cs.person))
        for username in users:
            scope.forget()
            user = account(db, username)
            python = workflow.can_act(user, step, cs.person)[0]
            sql = cs.id in [r.id for r in svc.inbox(user).rows]
            assert python == sql == (user.id in actors), (cs.id, username, python, sql)
        assert (account(db, "syt.tccb").id in actors) == (cs.id == theirs.id)
        assert (account(db, colleague).id in actors) == (cs.id == mine.id)


def test_drafting_officer_is_not_reminded_a_colleague_is(app, demo, monkeypatch):
    """HCM-7.2b: the reminders ask the same rule — the review step of a change syt.tccb prepared is reminded to
    their colleague, not to them (12/2/2026 + 5 WD across Tết → 26/2/2026, reminded on 24/2)."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    colleague = second_officer(db)
    at(monkeypatch, date(2026, 2, 12))
    cs = own_draft_sent_by_officer(db)
    counts = run_reminders(date(2026, 2, 24), send_email=False)
    assert counts["approval_due"] == 1
    db.session.expire_all()
    reminded = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "approval_due")))
    assert reminded == {colleague.id}
    assert cs.id


# --------------------------------------------------------------------------- in bulk


def test_bulk_request_of_own_drafts_is_refused_and_nothing_is_written(app, demo, dev_ca, unit_by_name, monkeypatch):
    """HCM-7.2b in bulk: syt.tccb ticks two changes they prepared and one a colleague prepared — the request is
    refused up front naming the two, no bulk row, nothing decided (service and page alike); the colleague's
    change alone goes through."""
    db = demo
    use_profile(app, monkeypatch, "hcm")
    colleague = second_officer(db).username
    with_certificates(db, dev_ca, "syt.tccb")
    at(monkeypatch, date(2026, 11, 10))
    unit = unit_by_name("Khoa Cấp cứu")
    own = [officer_change(db, unit, n) for n in range(2)]
    other = officer_change(db, unit, 5, officer=colleague)
    ids = [own[0].id, other.id, own[1].id]
    page = client_for(app, "syt.tccb")  # signed in first: a login writes its own rows
    before = fingerprint(db)
    with pytest.raises(ValidationError) as err:
        bulk_svc.request_bulk_decision(account(db, "syt.tccb"), "approve", ids, passphrase=PASSPHRASE)
    message = " ".join(err.value.errors["ids"])
    assert FOUR_EYES in message and f"{own[0].id}, {own[1].id}" in message and str(other.id) not in message
    with pytest.raises(ValidationError):
        bulk_svc.request_bulk_decision(account(db, "syt.tccb"), "return", [own[0].id], "Thiếu giấy tờ")
    assert fingerprint(db) == before

    resp = page.post("/people/changes/bulk", data={"ids": ids, "action": "approve", "passphrase": PASSPHRASE})
    assert resp.status_code == 400 and FOUR_EYES in body(resp)
    assert fingerprint(db) == before

    row = bulk_svc.request_bulk_decision(account(db, "syt.tccb"), "approve", [other.id], passphrase=PASSPHRASE)
    db.session.expire_all()
    assert [r["outcome"] for r in db.session.get(BulkDecision, row.id).results] == ["forwarded"]


def test_bulk_job_refuses_own_drafts_through_the_same_check(app, demo, unit_by_name, monkeypatch):
    """A bulk decision that names a change its requester prepared (a row written before the rule, or forged) is
    refused item by item by the job — the ordinary use case asks ``can_act`` — and nothing of it changes."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    unit = unit_by_name("Khoa Cấp cứu")
    admin = account(db, "sonoivu.admin")
    made = [officer_change(db, unit, n, officer="sonoivu.admin") for n in range(2)]
    ids = [cs.id for cs in made]
    with pytest.raises(ValidationError):
        bulk_svc.start_bulk_decision(admin, "approve", ids)
    row = BulkDecision(requested_by_id=admin.id, action="approve", comment="Đồng ý", change_set_ids=ids,
                       total=len(ids), done=0, results=[], status="queued")
    db.session.add(row)
    db.session.commit()
    steps_before = {cs_id: list(db.session.execute(text(
        "SELECT id, status, actor_id FROM approval_step WHERE change_set_id = :c ORDER BY id"), {"c": cs_id}))
        for cs_id in ids}
    versions_before = db.session.scalar(text("SELECT count(*) FROM file_version"))

    assert bulk_jobs.run_bulk_decision(row.id)["status"] == "finished"
    db.session.expire_all()
    done = db.session.get(BulkDecision, row.id)
    assert [r["outcome"] for r in done.results] == ["refused", "refused"]
    assert all(FOUR_EYES in r["message"] for r in done.results)
    for cs_id in ids:
        assert db.session.get(ChangeSet, cs_id).status == "submitted"
        assert list(db.session.execute(text(
            "SELECT id, status, actor_id FROM approval_step WHERE change_set_id = :c ORDER BY id"),
            {"c": cs_id})) == steps_before[cs_id]
    assert db.session.scalar(text("SELECT count(*) FROM file_version")) == versions_before
