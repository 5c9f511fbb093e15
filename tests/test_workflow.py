"""Approval chains and deadlines from the city profiles (regulations.md §4, §5, §12; design.md §4).

Every test names the rule it checks. Deadlines are Vietnamese working days (``app/workdays.py``): the
event's day never counts; Tết 2026 is 16–20/2, Tết 2027 is 4–10/2, Saturday 22/8/2026 is a make-up working
day. The clock of the workflow is set per test so the dates are those of the regulation's examples.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from app import workflow
from app.profiles import load_profile, profile_names
from app.services import personnel as svc
from app.services.accounts import consent
from app.services.errors import ForbiddenError, ValidationError
from models.accounts import Delegation
from models.approvals import ApprovalStep, ChangeSetDocument
from models.personnel import ChangeSet, FileVersion, Person
from tests.factories import PASSPHRASE, PDF, account, at, documents, person_for, use_profile, with_certificates


@pytest.fixture(autouse=True)
def code_lists_loaded(codes):
    """The national code lists (the session's loaded copy)."""


def staff_change(db, *, passphrase=None, btv=False):
    """annv.syt's file with one change and a proof, submitted by annv.syt; returns (person, change set)."""
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    if btv:
        db.session.execute(text("UPDATE person SET btv_managed = true WHERE id = :p"), {"p": person.id})
        db.session.commit()
    staff = account(db, "annv.syt")
    svc.save_section(staff, person.id, "documents", documents())
    svc.add_attachment(staff, person.id, PDF, "Giấy xác nhận cư trú.pdf", "khac", "documents")
    cs = svc.submit(staff, person.id, "Đổi nơi ở", passphrase=passphrase)
    return db.session.get(Person, person.id), db.session.get(ChangeSet, cs.id)


def steps_of(db, cs):
    db.session.expire_all()
    return list(db.session.scalars(select(ApprovalStep).where(ApprovalStep.change_set_id == cs.id)
                                   .order_by(ApprovalStep.round, ApprovalStep.seq)))


def test_profiles_are_data_found_by_name():
    """design.md §4: the cities' rules are profiles; a third city is one more module of ``app/profiles``."""
    assert {"hanoi", "hcm"} <= set(profile_names())
    hn, hcm = load_profile("hanoi"), load_profile("hcm")
    assert [s.key for s in hn.chains["default"].steps] == ["approve"]
    assert [s.key for s in hcm.chains["default"].steps] == ["review", "approve"]
    assert [s.authority for s in hcm.chains["btv"].steps] == ["snv_officer", "snv_director"]
    assert hcm.covers("nguoi_lao_dong") and not hn.covers("nguoi_lao_dong")  # HCM-2 vs HN-2
    assert hcm.account_deadline.workdays == 5 and hn.account_deadline is None  # HCM-7.1
    with pytest.raises(ValueError):
        load_profile("danang")


def test_hn7_one_step_due_at_the_months_window(app, demo, monkeypatch):
    """HN-6.4, HN-7: one approval step by the head or a delegate, in the last 5 days of the month; the
    deadline is the month's last day (31/1/2026 is a Saturday: Monday 2/2/2026, BLDS Điều 148)."""
    use_profile(app, monkeypatch, "hanoi")
    at(monkeypatch, date(2026, 1, 20))
    _person, cs = staff_change(demo)
    [step] = steps_of(demo, cs)
    assert (step.key, step.status, step.authority) == ("approve", "pending", "head")
    assert step.window_start == date(2026, 1, 27) and step.due_date == date(2026, 2, 2)
    assert "HN-7" in step.rule and not step.signature_required
    assert cs.due_date is None  # no overall deadline in Hà Nội
    at(monkeypatch, date(2026, 11, 3))
    version = svc.approve(account(demo, "syt.thutruong"), cs.id, "Đồng ý")
    assert version is not None
    [step] = steps_of(demo, cs)
    assert step.status == "done" and step.actor.username == "syt.thutruong" and step.comment == "Đồng ý"


def test_hn63_staff_submission_needs_proof(app, demo, monkeypatch):
    """HN-6.3: a person's own change carries a digitised proof; HCM has no such rule (the signature is)."""
    use_profile(app, monkeypatch, "hanoi")
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt")
    staff = account(demo, "annv.syt")
    svc.save_section(staff, person.id, "documents", documents())
    with pytest.raises(ValidationError) as err:
        svc.submit(staff, person.id)
    assert "giấy tờ chứng minh thay đổi" in str(err.value.errors)
    assert demo.session.scalar(select(func.count()).select_from(ApprovalStep)) == 0


def test_hcm72b_review_then_approval_with_signatures_across_tet_2026(app, demo, dev_ca, monkeypatch):
    """HCM-7.2, HCM-7.2b: the person signs; the TCCB head authenticates by signature within 5 WD of it
    (Thursday 12/2/2026 + 5 WD crosses Tết 16–20/2 → 26/2/2026); the head of the unit approves by signature
    within 15 WD after that. A first entry (no approved version yet) has no 10-WD overall limit."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    at(monkeypatch, date(2026, 2, 12))
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt")
    # A file entered by the person for the first time: no approved version yet (nor its outbox row, issue 18).
    demo.session.execute(text("DELETE FROM sync_item WHERE person_id = :p"), {"p": person.id})
    demo.session.execute(text("DELETE FROM file_version WHERE person_id = :p"), {"p": person.id})
    demo.session.execute(text("UPDATE person SET version_no = 0 WHERE id = :p"), {"p": person.id})
    demo.session.commit()
    staff = account(demo, "annv.syt")
    svc.save_section(staff, person.id, "documents", documents())
    with pytest.raises(ValidationError):
        svc.submit(staff, person.id)  # HCM-7.2c: not signed
    with pytest.raises(ValidationError):
        svc.submit(staff, person.id, passphrase="sai-mat-khau")
    assert demo.session.scalar(select(func.count()).select_from(ApprovalStep)) == 0
    cs = svc.submit(staff, person.id, passphrase=PASSPHRASE)
    review, approval = steps_of(demo, cs)
    assert (review.status, review.authority, review.due_date) == ("pending", "tccb", date(2026, 2, 26))
    assert review.signature_required and "HCM-7.2b" in review.rule
    assert approval.status == "waiting" and approval.due_date is None
    assert cs.due_date is None
    head = account(demo, "syt.thutruong")
    with pytest.raises(ForbiddenError):
        svc.approve(head, cs.id, passphrase=PASSPHRASE)  # the review comes first
    tccb = account(demo, "syt.tccb")
    with pytest.raises(ValidationError):
        svc.approve(tccb, cs.id)  # a signature is required
    at(monkeypatch, date(2026, 2, 26))
    assert svc.approve(tccb, cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    review, approval = steps_of(demo, cs)
    assert review.status == "done" and review.signature_ref and review.actor_id == tccb.id
    assert approval.status == "pending" and approval.due_date == date(2026, 3, 19)  # 15 WD after 26/2
    at(monkeypatch, date(2026, 3, 2))
    version = svc.approve(head, cs.id, "Phê duyệt", passphrase=PASSPHRASE)
    assert version.version_no == 1
    demo.session.expire_all()
    assert demo.session.get(ChangeSet, cs.id).status == "approved"
    # The PDF carries the three signatures in order, all valid (pyHanko's bottom line, not only "intact").
    from app.signing import verify_pdf

    doc = demo.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id))
    assert doc.signed_fields == "NguoiKhai,CanBoTCCB,ThuTruong"
    reports = verify_pdf(doc.content)
    assert [r.field for r in reports] == ["NguoiKhai", "CanBoTCCB", "ThuTruong"]
    assert all(r.bottom_line for r in reports), [r.summary for r in reports]


def test_hcm72c_change_due_10_wd_after_signature_on_a_make_up_saturday(app, demo, dev_ca, monkeypatch):
    """HCM-7.2b, HCM-7.2c: a change signed Monday 17/8/2026 is reviewed within 5 WD — Saturday 22/8/2026, a
    make-up working day — and approved within 10 WD of the signature (28/8), before 15 WD would end."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb")
    at(monkeypatch, date(2026, 8, 17))
    _person, cs = staff_change(demo, passphrase=PASSPHRASE)
    assert cs.due_date == date(2026, 8, 28)
    review, _approval = steps_of(demo, cs)
    assert review.due_date == date(2026, 8, 22)
    at(monkeypatch, date(2026, 8, 18))
    svc.approve(account(demo, "syt.tccb"), cs.id, passphrase=PASSPHRASE)
    _review, approval = steps_of(demo, cs)
    assert approval.due_date == date(2026, 8, 28) and "HCM-7.2c" in approval.rule


def test_hcm_deadline_crossing_tet_2027(app, demo, dev_ca, monkeypatch):
    """HCM-7.2b across Tết 2027 (4–10/2): signed Monday 1/2/2027, the review is due Monday 15/2/2027; the
    overall 10 WD (HCM-7.2c) ends Monday 22/2/2027."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt")
    at(monkeypatch, date(2027, 2, 1))
    _person, cs = staff_change(demo, passphrase=PASSPHRASE)
    review, _approval = steps_of(demo, cs)
    assert review.due_date == date(2027, 2, 15)
    assert cs.due_date == date(2027, 2, 22)


def test_hcm72a_btv_managed_people_go_through_so_noi_vu(app, demo, dev_ca, monkeypatch):
    """HCM-7.2a: for people managed by Ban Thường vụ Thành ủy, a Sở Nội vụ officer authenticates (5 WD)
    and the Director of Sở Nội vụ approves (15 WD); the agency's TCCB officer and head cannot."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong", "sonoivu.chuyenvien",
                      "sonoivu.giamdoc")
    at(monkeypatch, date(2026, 11, 2))
    _person, cs = staff_change(demo, passphrase=PASSPHRASE, btv=True)
    assert cs.chain == "btv"
    review, approval = steps_of(demo, cs)
    assert (review.authority, approval.authority) == ("snv_officer", "snv_director")
    assert "HCM-7.2a" in review.rule and review.due_date == date(2026, 11, 9)
    for outsider in ("syt.tccb", "syt.thutruong"):
        with pytest.raises(ForbiddenError):
            svc.approve(account(demo, outsider), cs.id, passphrase=PASSPHRASE)
    svc.approve(account(demo, "sonoivu.chuyenvien"), cs.id, "Đã đối chiếu", passphrase=PASSPHRASE)
    with pytest.raises(ForbiddenError):
        svc.approve(account(demo, "syt.thutruong"), cs.id, passphrase=PASSPHRASE)
    version = svc.approve(account(demo, "sonoivu.giamdoc"), cs.id, passphrase=PASSPHRASE)
    assert version is not None


@pytest.mark.parametrize("profile", ["hanoi", "hcm"])
def test_same_scenario_under_both_profiles(app, demo, dev_ca, monkeypatch, profile):
    """design.md §4: switching CITY_PROFILE changes the chain and its deadlines, not the code. The same
    change by the same people: Hà Nội approves in one step at the month's window (HN-7); TP HCM needs the
    TCCB review then the head, both signed, within 10 WD of the person's signature (HCM-7.2b, 7.2c)."""
    use_profile(app, monkeypatch, profile)
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    at(monkeypatch, date(2026, 11, 10))
    _person, cs = staff_change(demo, passphrase=PASSPHRASE)
    steps = steps_of(demo, cs)
    expected = {"hanoi": [("approve", date(2026, 11, 30))], "hcm": [("review", date(2026, 11, 17)),
                                                                      ("approve", None)]}[profile]
    assert [(s.key, s.due_date) for s in steps] == expected
    # 24/11/2026, Ngày Văn hóa Việt Nam, is a day off from 2026: 10 WD after 10/11 end on 25/11.
    assert cs.due_date == {"hanoi": None, "hcm": date(2026, 11, 25)}[profile]
    acted = []
    for username in ("syt.tccb", "syt.thutruong"):
        try:
            version = svc.approve(account(demo, username), cs.id, passphrase=PASSPHRASE)
        except ForbiddenError:
            continue
        acted.append(username)
    assert acted == {"hanoi": ["syt.thutruong"], "hcm": ["syt.tccb", "syt.thutruong"]}[profile]
    assert version is not None and demo.session.get(ChangeSet, cs.id).status == "approved"


def test_refusals_change_nothing(app, demo, monkeypatch):
    """Self-approval, approval out of scope, after a delegation expired, and approving twice are refused;
    the file, the change set and its steps are unchanged (HN-6.4, design.md §3)."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    # The head's own file, changed by the head.
    head = account(db, "syt.thutruong")
    person = person_for(db, head.org_unit, name="Vũ Đức Thắng", cccd="001075000111", born="05/03/1975")
    # Linked directly, as the demo does: the head's login is an agency account (link_account refuses it).
    db.session.execute(text("UPDATE person SET account_id = :a WHERE id = :p"), {"a": head.id, "p": person.id})
    db.session.commit()
    svc.save_section(head, person.id, "documents", documents("001075000111", "0903 000 111"))
    svc.add_attachment(head, person.id, PDF, "Giấy tờ.pdf", "khac", "documents")
    cs = svc.submit(head, person.id)

    def state():
        db.session.expire_all()
        return (db.session.get(ChangeSet, cs.id).status, db.session.get(Person, person.id).version_no,
                [(s.status, s.actor_id) for s in steps_of(db, cs)],
                db.session.scalar(select(func.count()).select_from(FileVersion)))

    before = state()
    with pytest.raises(ForbiddenError):
        svc.approve(account(db, "syt.thutruong"), cs.id)  # self-approval
    with pytest.raises(ForbiddenError):
        svc.approve(account(db, "syt.tccb"), cs.id)  # write, not approve
    assert state() == before
    # Out of scope: reads the whole city, approves nowhere.
    with pytest.raises(ForbiddenError):
        svc.approve(account(db, "sonoivu.chuyenvien"), cs.id)
    assert state() == before
    # A delegation that expired yesterday lets nobody act.
    delegate = account(db, "syt.quantri")
    db.session.add(Delegation(delegator_id=head.id, delegate_id=delegate.id, org_unit_id=head.org_unit_id,
                              include_descendants=True, action="approve", document_number="01/UQ",
                              valid_from=date.today() - timedelta(days=30),
                              valid_to=date.today() - timedelta(days=1)))
    db.session.commit()
    from app.security import scope

    scope.forget()
    with pytest.raises((ForbiddenError, Exception)) as err:
        svc.approve(account(db, "syt.quantri"), cs.id)
    assert isinstance(err.value, ForbiddenError) or "Không tìm thấy" in str(err.value)
    assert state() == before
    # The director of Sở Nội vụ approves; approving twice is refused.
    svc.approve(account(db, "sonoivu.giamdoc"), cs.id)
    after = state()
    with pytest.raises(ValidationError):
        svc.approve(account(db, "sonoivu.giamdoc"), cs.id)
    assert state() == after and after[0] == "approved"


def test_valid_delegation_lets_the_delegate_act_and_is_recorded(app, demo, monkeypatch):
    """HN-6.4: the head delegates approval; the delegate approves and the step records on whose behalf."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    head = account(db, "syt.thutruong")
    consent.delegate(head, account(db, "syt.tccb").id, head.org_unit_id, "approve", document_number="12/UQ-SYT",
                     valid_to=date.today() + timedelta(days=30))
    _person, cs = staff_change(db)
    svc.approve(account(db, "syt.tccb"), cs.id, "Thừa ủy quyền")
    [step] = steps_of(db, cs)
    assert step.status == "done" and step.actor.username == "syt.tccb" and step.on_behalf_of_id == head.id


def test_return_needs_a_reason_and_a_resubmission_opens_round_two(app, demo, monkeypatch):
    """HCM-7.2c / HN-7: a return states its reason; the next submission starts the chain again."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    _person, cs = staff_change(db)
    head = account(db, "syt.thutruong")
    with pytest.raises(ValidationError):
        svc.return_change_set(head, cs.id, "  ")
    assert [s.status for s in steps_of(db, cs)] == ["pending"]
    svc.return_change_set(head, cs.id, "Thiếu bản chụp CCCD")
    assert [s.status for s in steps_of(db, cs)] == ["returned"]
    staff = account(db, "annv.syt")
    svc.submit(staff, cs.person_id)
    steps = steps_of(db, cs)
    assert [(s.round, s.status) for s in steps] == [(1, "returned"), (2, "pending")]
    with pytest.raises(ValidationError):
        workflow.cancel(db.session.get(ChangeSet, cs.id), staff)  # a submitted set is not cancelled by hand


def test_illegal_transitions_are_typed_errors():
    """design.md §4: the table is the only way a status moves."""
    cs = ChangeSet(status="approved")
    for action in ("submit", "act", "approve", "return", "cancel"):
        with pytest.raises(workflow.IllegalTransition):
            workflow._move(cs, action)  # noqa: SLF001
    assert cs.status == "approved"


def test_hcm_chain_through_the_web_pages(app, demo, dev_ca, monkeypatch):
    """HCM-7.2c, HCM-7.2b in the screens: "Hồ sơ của tôi" asks the person for the certificate's passphrase when
    sending (a wrong one is refused in Vietnamese and sends nothing); the TCCB officer authenticates and the head
    approves from "Đề nghị chờ duyệt", each signing; the file then shows version 2."""
    from tests.clients import body, client_for

    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    assert staff.post("/my/file/edit/documents", data=documents()).status_code == 302
    assert 'name="submit-passphrase"' in body(staff.get("/my/file/draft"))
    resp = staff.post("/my/file/submit", data={"submit-note": "Đổi nơi ở", "submit-passphrase": "sai"})
    assert resp.status_code == 400 and "mật khẩu" in body(resp).lower()
    assert demo.session.scalar(select(func.count()).select_from(ApprovalStep)) == 0
    resp = staff.post("/my/file/submit", data={"submit-note": "Đổi nơi ở", "submit-passphrase": PASSPHRASE})
    assert resp.status_code == 302, body(resp)
    cs = demo.session.scalar(select(ChangeSet))
    head, tccb = client_for(app, "syt.thutruong"), client_for(app, "syt.tccb")
    assert f'data-change-set-id="{cs.id}"' not in body(head.get("/people/changes/"))  # the review comes first
    assert f'data-change-set-id="{cs.id}"' in body(tccb.get("/people/changes/"))
    resp = tccb.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đã đối chiếu",
                                                               "approve-passphrase": PASSPHRASE})
    assert resp.status_code == 302, body(resp)
    assert f'data-change-set-id="{cs.id}"' in body(head.get("/people/changes/"))
    resp = head.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đồng ý",
                                                               "approve-passphrase": PASSPHRASE})
    assert resp.status_code == 302, body(resp)
    assert 'id="file-version">2<' in body(head.get(f"/people/{person.id}"))
    doc = demo.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id))
    assert doc.signed_fields == "NguoiKhai,CanBoTCCB,ThuTruong"
