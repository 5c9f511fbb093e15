"""Events notify people (issue 15, item 1): a submission, each step done, a return, an approval, the end of a bulk
decision, an account created or reset, a lost password — the people concerned get a bell notification at once,
written in the event's own transaction (``app.services.notifications`` says who is told of what), never twice when a
job runs again, and an e-mail digest where a mail server is configured (``jobs.notices``). ``make run`` runs the
periodic jobs in-process (``jobs/scheduler.py``).
"""

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from app.security import scope
from app.services import accounts as acc
from app.services import notifications as notes_svc
from app.services import personnel as svc
from app.services.errors import ForbiddenError, ValidationError
from app.services.personnel import bulk as bulk_svc
from jobs import approvals as bulk_jobs
from jobs.notices import send_notices
from jobs.reminders import run_reminders
from jobs.scheduler import InProcessScheduler, start_in_process_scheduler
from models.accounts import Account
from models.notifications import EVENT_KINDS, Notification
from models.personnel import ChangeSet, Person
from tests.clients import body, client_for
from tests.factories import (
    PASSPHRASE,
    PDF,
    account,
    at,
    documents,
    officer_change,
    person_for,
    use_profile,
    with_certificates,
)
from tests.test_reminders import mails_to, smtp  # noqa: F401 - the local SMTP server fixture

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RULE_ID = re.compile(r"\b(HN|HCM|NĐ|ND|TT)-?\s?\d")


@pytest.fixture(autouse=True)
def code_lists_and_inline_jobs(codes, app, monkeypatch):
    """The national code lists; jobs run in-process."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)


def told(db, kind=None) -> list[Notification]:
    """The notifications (of ``kind``), oldest first, read afresh."""
    db.session.expire_all()
    stmt = select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def who(rows) -> list[str]:
    return sorted(n.user.username for n in rows)


def staff_change(db, *, passphrase=None, phone="0987 654 321"):
    """annv.syt changes their own file (with a proof) and submits it; returns (person, change set)."""
    person = db.session.scalar(select(Person).where(Person.account_id == account(db, "annv.syt").id)) or \
        person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = account(db, "annv.syt")
    svc.save_section(staff, person.id, "documents", documents(phone=phone))
    svc.add_attachment(staff, person.id, PDF, "Giấy xác nhận.pdf", "khac", "documents")
    cs = svc.submit(staff, person.id, "Đổi số điện thoại", passphrase=passphrase)
    scope.forget()
    return db.session.get(Person, person.id), db.session.get(ChangeSet, cs.id)


def check_text(n: Notification) -> None:
    """Vietnamese, no rule id, a link inside the app."""
    assert n.kind in EVENT_KINDS and n.title and n.body
    assert not RULE_ID.search(n.title) and not RULE_ID.search(n.body), (n.title, n.body)
    assert n.link is None or n.link.startswith("/")


# --------------------------------------------------------------------------- the approval chain


def test_hn_submission_tells_the_approvers_and_approval_tells_the_person(app, demo, monkeypatch):
    """HN-6.4: annv.syt submits — the heads who may approve it (the unit's head and the Director of Sở Nội vụ,
    city-wide) are told at once, not the person, not the TCCB officer, not the administrator; the head approves —
    annv.syt is told, with a link to their own file; the head is told nothing more."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    at(monkeypatch, date(2026, 1, 20))
    person, cs = staff_change(db)
    waiting = told(db, "step_waiting")
    assert who(waiting) == ["sonoivu.giamdoc", "syt.thutruong"]
    n = next(n for n in waiting if n.user.username == "syt.thutruong")
    check_text(n)
    assert n.title == "Đề nghị thay đổi hồ sơ của Nguyễn Văn An chờ bạn xử lý"
    assert f"đã gửi đề nghị số {cs.id} ngày 20/01/2026" in n.body
    assert "kỳ phê duyệt từ 27/01/2026, hạn 02/02/2026" in n.body
    assert n.link == f"/people/changes/{cs.id}" and n.due_date == date(2026, 2, 2)
    assert (n.object_type, n.read_at, n.emailed_at) == ("step", None, None)

    version = svc.approve(account(db, "syt.thutruong"), cs.id, "Đồng ý")
    [done] = told(db, "change_approved")
    check_text(done)
    assert done.user.username == "annv.syt" and done.link == "/my/file/"
    assert done.title == "Đề nghị thay đổi hồ sơ của bạn đã được phê duyệt"
    assert f"phiên bản {version.version_no}" in done.body
    assert len(told(db)) == 3


def test_hcm_each_signature_step_tells_the_next_signer(app, demo, dev_ca, monkeypatch):
    """HCM-7.2b: the person signs and submits — the TCCB officer is told; the officer verifies (signed) — the
    head, the next signer, is told (not the officer again, not the person); the head approves — the person."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    with_certificates(db, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    at(monkeypatch, date(2026, 2, 12))
    _person, cs = staff_change(db, passphrase=PASSPHRASE)
    assert [(n.user.username, n.due_date) for n in told(db, "step_waiting")] == [("syt.tccb", date(2026, 2, 26))]
    at(monkeypatch, date(2026, 2, 26))
    assert svc.approve(account(db, "syt.tccb"), cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    waiting = told(db, "step_waiting")
    # The head of the unit, and the Director of Sở Nội vụ who holds the same authority city-wide.
    assert waiting[0].user.username == "syt.tccb" and who(waiting[1:]) == ["sonoivu.giamdoc", "syt.thutruong"]
    nxt = next(n for n in waiting if n.user.username == "syt.thutruong")
    check_text(nxt)
    assert "đã hoàn thành bước “Kiểm tra, xác thực” ngày 26/02/2026" in nxt.body
    assert "Bước “Phê duyệt” chờ bạn xử lý, hạn" in nxt.body
    assert nxt.object_id != waiting[0].object_id  # one notice per step
    at(monkeypatch, date(2026, 3, 2))
    svc.approve(account(db, "syt.thutruong"), cs.id, "Phê duyệt", passphrase=PASSPHRASE)
    assert who(told(db, "change_approved")) == ["annv.syt"]


def test_return_tells_the_person_and_the_officer_who_prepared_it(app, demo, monkeypatch):
    """A change the TCCB officer prepared for annv.syt is returned by the head with a reason: annv.syt (link to
    their file) and the officer (link to the file page) are told, with the reason; submitted again and approved,
    both are told again — a new round is a new step."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt", cccd="001080012345")
    officer = account(db, "syt.tccb")
    svc.save_section(officer, person.id, "documents", documents())
    cs = svc.submit(officer, person.id, "Đổi nơi ở")
    assert "đã gửi đề nghị số" in told(db, "step_waiting")[0].body
    assert "thay cho người có hồ sơ" in told(db, "step_waiting")[0].body
    svc.return_change_set(account(db, "syt.thutruong"), cs.id, "Thiếu giấy xác nhận cư trú")
    returned = told(db, "change_returned")
    assert who(returned) == ["annv.syt", "syt.tccb"]
    links = {n.user.username: n.link for n in returned}
    assert links == {"annv.syt": "/my/file/", "syt.tccb": f"/people/{person.id}"}
    for n in returned:
        check_text(n)
        assert "Lý do: Thiếu giấy xác nhận cư trú" in n.body
    assert {n.title for n in returned} == {"Đề nghị thay đổi hồ sơ của bạn bị trả lại",
                                           "Đề nghị thay đổi hồ sơ của Nguyễn Văn An bị trả lại"}

    svc.save_section(officer, person.id, "documents", documents(phone="0987 000 111"))
    svc.submit(account(db, "syt.tccb"), person.id)
    svc.return_change_set(account(db, "syt.thutruong"), cs.id, "Vẫn thiếu")
    assert len(told(db, "change_returned")) == 4
    svc.submit(account(db, "syt.tccb"), person.id)
    svc.approve(account(db, "syt.thutruong"), cs.id)
    assert who(told(db, "change_approved")) == ["annv.syt", "syt.tccb"]


def test_a_file_without_account_tells_the_officer(app, demo, unit_by_name, monkeypatch):
    """The person has no account yet: the officer who prepared the change is the one told of the approval."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    cs = officer_change(db, unit_by_name("Khoa Cấp cứu"), 1)
    svc.approve(account(db, "syt.thutruong"), cs.id)
    assert who(told(db, "change_approved")) == ["syt.tccb"]


def test_a_refused_decision_tells_nobody(app, demo, monkeypatch):
    """A decision that is refused writes no notice (the notice is in the decision's transaction)."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    _person, cs = staff_change(db)
    before = len(told(db))
    with pytest.raises(ForbiddenError):  # the TCCB officer holds no approval authority
        svc.approve(account(db, "syt.tccb"), cs.id)
    with pytest.raises(ValidationError):  # a return needs its reason
        svc.return_change_set(account(db, "syt.thutruong"), cs.id, "  ")
    assert len(told(db)) == before


# --------------------------------------------------------------------------- bulk decisions


def test_bulk_decision_tells_the_requester_once_and_each_person(app, demo, unit_by_name, monkeypatch):
    """HN-6.4: the head approves three change sets at once: the officer who prepared them is told of each
    approval, the head once of the end with the counts; running the job again tells nobody again."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(3)]
    head = account(db, "syt.thutruong")
    row = bulk_svc.request_bulk_decision(head, "approve", [cs.id for cs in made], "Đồng ý")
    assert len(told(db, "change_approved")) == 3
    [end] = told(db, "bulk_finished")
    check_text(end)
    assert end.user.username == "syt.thutruong" and end.link == f"/people/changes/?bulk={row.id}"
    assert end.title == f"Đã xử lý xong 3 đề nghị (xử lý hàng loạt số {row.id})"
    assert "3 đã phê duyệt, 0 đã xác thực và chuyển bước sau, 0 đã trả lại, 0 không xử lý được" in end.body
    total = len(told(db))

    assert bulk_jobs.run_bulk_decision(row.id)["status"] == "finished"  # a finished row: nothing again
    db.session.execute(text("UPDATE bulk_decision SET status = 'queued', lease_token = NULL WHERE id = :i"),
                       {"i": row.id})
    db.session.commit()
    assert bulk_jobs.run_bulk_decision(row.id)["status"] == "finished"  # re-run: every item already decided
    assert len(told(db)) == total


def test_a_failed_bulk_decision_tells_the_requester(app, demo, unit_by_name, monkeypatch):
    """A bulk decision that fails tells its requester it stopped (in the transaction that marks it failed)."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    cs = officer_change(db, unit_by_name("Khoa Cấp cứu"), 1)
    row = bulk_svc.start_bulk_decision(account(db, "syt.thutruong"), "approve", [cs.id])

    def boom(_row):
        raise RuntimeError("mất kết nối")

    monkeypatch.setattr(bulk_jobs, "_run", boom)
    assert bulk_jobs.dispatch(row.id).return_value()["status"] == "failed"
    [end] = told(db, "bulk_finished")
    assert end.title == f"Lần xử lý hàng loạt số {row.id} bị dừng" and "Lỗi hệ thống" in end.body
    assert "mất kết nối" not in end.body

    # A bulk decision no worker picked up in time fails by the periodic expiry: its requester is told, once.
    monkeypatch.undo()
    use_profile(app, monkeypatch, "hanoi")
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    waiting = bulk_svc.start_bulk_decision(account(db, "syt.thutruong"), "approve", [cs.id])
    later = bulk_jobs._now() + timedelta(minutes=app.config["BULK_PASSPHRASE_TTL_MINUTES"] + 1)  # noqa: SLF001
    assert bulk_jobs.expire_stale(later) == 1 and bulk_jobs.expire_stale(later) == 0
    [expired] = [n for n in told(db, "bulk_finished") if n.object_id == waiting.id]
    assert expired.title == f"Lần xử lý hàng loạt số {waiting.id} bị dừng"
    assert "Không có tiến trình nền nào nhận việc kịp thời" in expired.body


# --------------------------------------------------------------------------- accounts


def test_accounts_created_reset_and_lost_passwords(app, demo, monkeypatch):
    """HN-6.2, HCM-15.4: a new account (one, or in bulk) is told to its holder; each reset too; a lost password
    reported by anyone reaches the account managers of the account's unit, not again while unread."""
    db = demo
    admin = account(db, "sonoivu.admin")
    unit = account(db, "annv.syt").org_unit
    new, _password = acc.create_account(admin, acc.AccountData(
        username="lethib.syt", last_name="Lê Thị", first_name="Bình", email="lethib@demo.cbccvc.local",
        org_unit_id=unit.id))
    rows = acc.bulk_create_accounts(admin, unit.id, "Trần Văn Cường\nPhạm Thị Dung; dung@demo.cbccvc.local")
    created = told(db, "account_created")
    assert who(created) == sorted(["lethib.syt", *(r["username"] for r in rows)])
    check_text(created[0])
    assert created[0].title == "Tài khoản lethib.syt đã được tạo cho bạn" and "đổi mật khẩu" in created[0].body
    assert created[0].body.startswith(admin.display_name)

    acc.reset_password(account(db, "syt.quantri"), new.id)
    acc.reset_password(account(db, "syt.quantri"), new.id)
    reset = told(db, "password_reset")
    assert who(reset) == ["lethib.syt", "lethib.syt"]
    check_text(reset[0])

    acc.request_password_reset("lethib.syt", "0912 345 678", "Mất điện thoại")
    acc.request_password_reset("LETHIB.SYT", None, None)
    acc.request_password_reset("khong.ton.tai", None, None)
    [lost] = told(db, "password_request")
    check_text(lost)
    assert lost.user.username == "syt.quantri" and lost.link == "/password-requests/"
    notes_svc.mark_read(account(db, "syt.quantri"), lost.id)
    acc.request_password_reset("lethib.syt", None, None)
    assert len(told(db, "password_request")) == 2


# --------------------------------------------------------------------------- language, bell, e-mail


def test_notices_are_written_in_vietnamese_whatever_the_actors_language(app, demo, monkeypatch):
    """An approver reading the English interface still writes the person's notice in Vietnamese."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    _person, cs = staff_change(db)
    with force_locale("en"):
        svc.approve(account(db, "syt.thutruong"), cs.id)
    [done] = told(db, "change_approved")
    assert done.title == "Đề nghị thay đổi hồ sơ của bạn đã được phê duyệt"


def test_bell_lights_up_for_the_approver_then_for_the_staff_member(app, demo, monkeypatch):
    """The navbar's bell: the head sees 2 unread after two submissions, opens one and lands on its review page;
    after the approval the staff member's bell shows it and the notice opens their own file."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    _person, cs = staff_change(db)
    head = client_for(app, "syt.thutruong")
    page = body(head.get("/people/changes/"))
    assert 'id="notification-count"' in page and ">1</span>" in page
    listing = body(head.get("/notifications/"))
    assert "Đề nghị thay đổi hồ sơ của Nguyễn Văn An chờ bạn xử lý" in listing and "Đề nghị chờ xử lý" in listing
    nid = db.session.scalar(select(Notification.id).join(Account, Account.id == Notification.user_id)
                            .where(Account.username == "syt.thutruong"))
    opened = head.get(f"/notifications/{nid}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/people/changes/{cs.id}")
    assert 'id="notification-count"' not in body(head.get("/people/changes/"))
    assert head.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đồng ý"}).status_code == 302
    staff = client_for(app, "annv.syt")
    page = body(staff.get("/my/file/"))
    assert 'id="notification-count"' in page and ">1</span>" in page
    assert "đã được phê duyệt" in body(staff.get("/notifications/"))


def test_notice_digest_emails_once_and_apart_from_the_reminders(app, demo, smtp, monkeypatch):  # noqa: F811
    """E-mail where configured: the notices job sends each user one digest of their new notices (after the commit
    that wrote them), with links on APP_BASE_URL; a second run sends nothing; the daily reminders' digest does
    not carry them; no mail server, nothing is sent and the notices wait in the bell."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    _person, cs = staff_change(db)
    assert smtp.messages == []  # nothing is sent inside the use case
    assert run_reminders(date(2026, 1, 5))["emails_sent"] == 0
    counts = send_notices()
    assert counts["sent"] == 2 and counts["failed"] == 0
    [mail] = mails_to(smtp, "syt.thutruong@demo.cbccvc.local")
    assert mail["Subject"] == "[CSDL CBCCVC] Bạn có 1 thông báo mới"
    text_ = mail.get_body().get_content()
    assert "Nguyễn Văn An" in text_ and f"https://cbccvc.example.vn/people/changes/{cs.id}" in text_
    assert not RULE_ID.search(text_)
    assert send_notices()["sent"] == 0 and len(smtp.messages) == 2

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    svc.approve(account(db, "syt.thutruong"), cs.id)
    assert send_notices() == {"sent": 0, "failed": 0, "skipped": 1}
    unmailed = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "change_approved", Notification.emailed_at.is_(None)))
    assert unmailed == 1


# --------------------------------------------------------------------------- the periodic jobs in-process

CALLS: list[str] = []


def record_a() -> None:
    CALLS.append("a")


def record_b() -> None:
    CALLS.append("b")


def fail() -> None:
    CALLS.append("fail")
    raise RuntimeError("hỏng")


def test_in_process_scheduler_runs_the_table_on_time(app):
    """``make run`` without Redis: the table's jobs run in this process at their Việt Nam times — each once per
    matching minute, missed minutes caught up once, a failing job logged and retried at its next time."""
    jobs = [("a", f"{__name__}.record_a", "0 7 * * *"), ("b", f"{__name__}.record_b", "0,10,20,30,40,50 * * * *"),
            ("f", f"{__name__}.fail", "5 * * * *")]
    sched = InProcessScheduler(app, jobs, catch_up=False)
    CALLS.clear()
    assert sched.tick(datetime(2026, 3, 2, 6, 58, tzinfo=TZ)) == []  # the first look notes the time
    assert sched.tick(datetime(2026, 3, 2, 7, 0, 20, tzinfo=TZ)) == ["a", "b"]
    assert sched.tick(datetime(2026, 3, 2, 7, 0, 50, tzinfo=TZ)) == []  # same minute: once
    assert sched.tick(datetime(2026, 3, 2, 0, 9, tzinfo=UTC)) == ["f"]  # 07:09 in Việt Nam: 07:05 was missed
    assert sched.tick(datetime(2026, 3, 2, 7, 31, tzinfo=TZ)) == ["b"]  # 07:10 … 07:30 missed: b once
    assert CALLS == ["a", "b", "fail", "b"] and sched.runs == {"a": 1, "b": 2, "f": 1}


def test_in_process_scheduler_starts_only_for_the_embedded_default(app, monkeypatch):
    """Never under tests nor with Redis; when started, its thread runs every job once at start (catch-up)."""
    from jobs.schedule import PERIODIC_JOBS

    assert start_in_process_scheduler(app) is None  # testing
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/14")
    assert start_in_process_scheduler(app) is None
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "IN_PROCESS_SCHEDULER", "0")
    assert start_in_process_scheduler(app) is None
    assert {d for _i, d, _c in InProcessScheduler(app).jobs} == {d for _i, d, _c in PERIODIC_JOBS}
    assert ("notices-digest", "jobs.notices.send_notices", "0,10,20,30,40,50 * * * *") in PERIODIC_JOBS

    CALLS.clear()
    sched = InProcessScheduler(app, [("a", f"{__name__}.record_a", "0 7 * * *")], poll_seconds=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while not CALLS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert CALLS == ["a"] and sched._thread.name == "cbccvc-periodic-jobs"  # noqa: SLF001
        assert isinstance(sched._thread, threading.Thread) and sched._thread.daemon  # noqa: SLF001
    finally:
        sched.stop()
    assert not sched._thread.is_alive()  # noqa: SLF001
