"""Daily reminders: deadlines near or past, in the bell and by e-mail, once (issue 8 part 5).

Rules: HCM-7.1 (account within 5 WD of the decision), HCM-7.2 (first entry within 5 WD of the account),
HCM-7.2b (TCCB review 5 WD, head 15 WD), HN-7 (the month's approval window), HN-17.5 / HN-18.3 (units urge
and follow up). E-mail goes to a small SMTP server run by the test on 127.0.0.1. Deadlines are Vietnamese
working days (Tết 2026 is 16–20/2); the workflow's clock is set per test.
"""

import email
import email.policy
import re
import socketserver
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, text

from app import workdays, workflow
from app.security import scope
from app.services import personnel as svc
from jobs.reminders import run_reminders
from models.accounts import Account, Delegation
from models.approvals import ApprovalStep
from models.notifications import Notification
from models.personnel import ChangeSet, Person
from tests.factories import IsolatedClient, account, login, person_for, second_officer, use_profile

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


# --------------------------------------------------------------------------- a local SMTP server

class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode("ascii"))

    def handle(self) -> None:
        server = self.server
        self._reply("220 test-smtp ESMTP")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            cmd = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._reply("250-test-smtp")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 test-smtp")
            elif verb == "MAIL":
                sender, rcpts = cmd.split(":", 1)[1].split()[0].strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                if server.reject:
                    self._reply("451 Try again later")
                    continue
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                server.messages.append({"from": sender, "to": rcpts, "message": message})
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("500 unknown command")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[dict] = []
        self.reject = False


@pytest.fixture()
def smtp(app, monkeypatch):
    """A local SMTP server; the app sends to it."""
    server = _SMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.server_address[1])
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://cbccvc.example.vn")
    yield server
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- helpers

@pytest.fixture(autouse=True)
def code_lists_loaded(codes):
    """The national code lists (the session's loaded copy)."""


def at(monkeypatch, day: date, hour: int = 9):
    """Set the workflow's clock to ``day`` (Việt Nam time)."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
    monkeypatch.setattr(workflow, "_now", lambda: moment)


def notes(db, kind=None):
    """{(username, object_type, object_id, due_date)} of the notifications (of ``kind``)."""
    db.session.expire_all()
    stmt = select(Account.username, Notification.object_type, Notification.object_id, Notification.due_date) \
        .join(Account, Account.id == Notification.user_id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return set(db.session.execute(stmt).all())


def officer_change(db, username, *, cccd, name="Nguyễn Văn An", officer="syt.tccb"):
    """A file linked to ``username``'s account with one change, submitted by a TCCB officer (``officer``) on the
    person's behalf (no proof or signature needed from an agency). Returns (person, change set)."""
    person = person_for(db, account(db, username).org_unit, username, name=name, cccd=cccd)
    officer = account(db, officer)
    svc.save_section(officer, person.id, "documents", {"cccd": cccd, "cccd_issued_on": "01/02/2021",
                                                       "phone": "0912 345 678", "residence": "Số 5 phố Huế"})
    cs = svc.submit(officer, person.id, "Đổi nơi ở")
    scope.forget()
    return db.session.get(Person, person.id), db.session.get(ChangeSet, cs.id)


def pending_step(db, cs):
    db.session.expire_all()
    return db.session.scalar(select(ApprovalStep).where(ApprovalStep.change_set_id == cs.id,
                                                        ApprovalStep.status == "pending"))


def delegation(db, delegator, delegate, unit, first: date, last: date, action="approve"):
    """A dated delegation (written directly: the service dates it from today)."""
    row = Delegation(delegator_id=account(db, delegator).id, delegate_id=account(db, delegate).id,
                     org_unit_id=unit.id, include_descendants=True, action=action, document_number="UQ-01/2026",
                     valid_from=first, valid_to=last)
    db.session.add(row)
    db.session.commit()
    return row


def may_act(monkeypatch, db, username, step, person, day):
    """The workflow's own answer (``can_act``) on ``day``: the reminders' reverse lookup must agree with it."""
    monkeypatch.setattr(scope, "today", lambda: day)
    scope.forget()
    allowed, _delegator = workflow.can_act(account(db, username), step, person)
    scope.forget()
    return allowed


def mails_to(smtp, address):
    return [m["message"] for m in smtp.messages if address in m["to"]]


# --------------------------------------------------------------------------- HCM-7.1, HCM-7.2

def test_hcm71_72_account_and_first_entry_reminders_once(app, demo, smtp, monkeypatch):
    """HCM-7.1: a file without account is reminded to the unit's account managers (Quản trị cơ quan and a
    delegate of account management — not the Sở Nội vụ administrator, not the TCCB officer) 2 WD before the
    5-WD deadline; HCM-7.2: the person who has an account but submitted nothing is reminded; one e-mail digest
    each; a second run adds and sends nothing."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    unit = account(db, "annv.syt").org_unit
    no_account = person_for(db, unit, None, name="Trần Thị Bích", cccd="001080000011")
    with_account = person_for(db, unit, "annv.syt", name="Nguyễn Văn An", cccd="001080012345")
    created = db.session.scalar(select(Person.created_at).where(Person.id == no_account.id)).astimezone(TZ).date()
    received = db.session.scalar(select(Account.created_on).where(Account.username == "annv.syt")).date()
    delegation(db, "syt.quantri", "xem.baocao", account(db, "syt.quantri").org_unit, date(2025, 1, 1),
               date(2030, 12, 31), action="manage_accounts")
    due = workdays.add_workdays(created, 5)

    early = run_reminders(workdays.add_workdays(created, 2))  # deadline 3 WD away: not yet
    assert early["account_missing"] == 0 and notes(db, "account_missing") == set()

    day = workdays.add_workdays(created, 3)  # deadline within 2 WD
    counts = run_reminders(day)
    assert counts["account_missing"] == 2
    assert notes(db, "account_missing") == {("syt.quantri", "person", no_account.id, due),
                                            ("xem.baocao", "person", no_account.id, due)}
    assert notes(db, "first_entry_missing") == {
        ("annv.syt", "person", with_account.id, workdays.add_workdays(received, 5))}
    assert counts["emails_sent"] == 3 and counts["emails_failed"] == 0
    [mail] = mails_to(smtp, "syt.quantri@demo.cbccvc.local")
    assert mail["Subject"] == "[CSDL CBCCVC] Bạn có 1 nhắc việc mới"
    body = mail.get_body().get_content()
    assert "Trần Thị Bích" in body and "cấp tài khoản trong 5 ngày làm việc" in body
    assert workdays.format_day(due) in body
    assert f"https://cbccvc.example.vn/people/{no_account.id}" in body
    [mine] = mails_to(smtp, "annv.syt@demo.cbccvc.local")
    mine_body = mine.get_body().get_content()
    assert "khai và ký số trong 5 ngày làm việc" in mine_body and "/my/file/" in mine_body

    again = run_reminders(day)
    assert again["account_missing"] == again["first_entry_missing"] == again["emails_sent"] == 0
    later = run_reminders(workdays.add_workdays(due, 3))  # overdue now: already reminded of this deadline
    assert later["account_missing"] == later["first_entry_missing"] == 0
    assert len(smtp.messages) == 3
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.emailed_at.is_(None))) == 0


def test_hcm72_first_entry_not_reminded_after_a_submission_and_hn_has_no_such_deadline(app, demo, monkeypatch):
    """HCM-7.2: once the person has submitted their file, no first-entry reminder; Hà Nội sets no deadline for
    accounts or first entry (regulations.md §12), so it reminds of neither."""
    db = demo
    unit = account(db, "annv.syt").org_unit
    person = person_for(db, unit, "annv.syt", cccd="001080012345")
    person_for(db, unit, None, name="Trần Thị Bích", cccd="001080000011")
    day = workdays.add_workdays(date.today(), 10)
    use_profile(app, monkeypatch, "hanoi")
    counts = run_reminders(day, send_email=False)
    assert counts["account_missing"] == counts["first_entry_missing"] == 0

    use_profile(app, monkeypatch, "hcm")
    staff = account(db, "annv.syt")
    db.session.add(ChangeSet(person_id=person.id, status="submitted", created_by_id=staff.id,
                             submitted_by_id=staff.id, submitted_at=datetime.now(TZ)))
    db.session.commit()
    counts = run_reminders(day, send_email=False)
    assert counts["first_entry_missing"] == 0 and counts["account_missing"] == 1
    assert {u for u, *_ in notes(db, "account_missing")} == {"syt.quantri"}


# --------------------------------------------------------------------------- approvals

def test_hcm72b_review_step_due_then_overdue_to_those_who_can_act(app, demo, smtp, monkeypatch):
    """HCM-7.2b: the TCCB review step (Thursday 12/2/2026 + 5 WD across Tết → 26/2/2026) is reminded to the
    TCCB officers of the unit 2 WD before (24/2), then once more when overdue (27/2); the head is not told
    (the step is not his yet), and the reverse lookup agrees with the workflow's ``can_act``."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    at(monkeypatch, date(2026, 2, 12))
    # Four eyes: a colleague prepared the change, syt.tccb verifies it.
    person, cs = officer_change(db, "annv.syt", cccd="001080012345", officer=second_officer(db).username)
    step = pending_step(db, cs)
    assert (step.authority, step.due_date) == ("tccb", date(2026, 2, 26))

    assert run_reminders(date(2026, 2, 23))["approval_due"] == 0  # 23/2 + 2 WD = 25/2 < 26/2
    counts = run_reminders(date(2026, 2, 24))
    assert counts["approval_due"] == 1 and counts["approval_overdue"] == 0
    assert notes(db, "approval_due") == {("syt.tccb", "step", step.id, date(2026, 2, 26))}
    for username in ("syt.tccb", "syt.thutruong", "sonoivu.admin", "annv.syt"):
        expected = username == "syt.tccb" or username == "sonoivu.admin"  # the admin may act, is not reminded
        assert may_act(monkeypatch, db, username, step, person, date(2026, 2, 24)) is expected, username
    [mail] = mails_to(smtp, "syt.tccb@demo.cbccvc.local")
    body = mail.get_body().get_content()
    assert "Nguyễn Văn An" in body and "26/02/2026" in body and f"/people/changes/{cs.id}" in body

    assert run_reminders(date(2026, 2, 25))["approval_due"] == 0  # same step, same deadline: once
    overdue = run_reminders(date(2026, 2, 27))
    assert overdue["approval_overdue"] == 1 and overdue["emails_sent"] == 1
    assert notes(db, "approval_overdue") == {("syt.tccb", "step", step.id, date(2026, 2, 26))}
    title = db.session.scalar(select(Notification.title).where(Notification.kind == "approval_overdue"))
    assert title == "Quá hạn xử lý đề nghị của Nguyễn Văn An"
    assert run_reminders(date(2026, 3, 2))["approval_overdue"] == 0
    assert len(smtp.messages) == 2


def personal_head(db, username, unit):
    """A second head of ``unit`` with a personal account (so that they have a file of their own)."""
    from app.security.roles import ROLE_HEAD
    from app.services import accounts as acc

    acc.create_account(account(db, "sonoivu.admin"), acc.AccountData(
        username=username, last_name="Vũ Đức", first_name="Thắng", email=f"{username}@demo.cbccvc.local",
        org_unit_id=unit.id, role_name=ROLE_HEAD, include_descendants=True))
    db.session.execute(text("UPDATE role_assignment SET valid_from = '2025-01-01' WHERE user_id = :u"),
                       {"u": account(db, username).id})
    db.session.commit()


def test_hn7_window_opens_then_due_never_to_the_person_themself(app, demo, smtp, monkeypatch):
    """HN-7: on the first day of the month's window (27/1/2026) each user who can approve pending files gets
    one reminder with the count — the heads, the Director of Sở Nội vụ (city-wide approval) and a delegate of
    a head — but never the person whose file it is (a head's own file); two working days before the deadline
    (2/2/2026, the month's last day moved off the weekend) comes the due reminder."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    unit = account(db, "syt.thutruong").org_unit
    delegation(db, "syt.thutruong", "xem.baocao", unit, date(2026, 1, 1), date(2026, 3, 31))
    personal_head(db, "truongkhoa.syt", unit)
    at(monkeypatch, date(2026, 1, 20))
    staff, cs1 = officer_change(db, "annv.syt", cccd="001080012345")
    head, cs2 = officer_change(db, "truongkhoa.syt", cccd="001080000002", name="Vũ Đức Thắng")
    s1, s2 = pending_step(db, cs1), pending_step(db, cs2)
    assert (s1.window_start, s1.due_date) == (date(2026, 1, 27), date(2026, 2, 2))

    assert run_reminders(date(2026, 1, 26))["window_open"] == 0
    counts = run_reminders(date(2026, 1, 27))
    assert counts["window_open"] == 4 and counts["approval_due"] == 0
    got = {u: t for u, t in db.session.execute(
        select(Account.username, Notification.title).join(Account, Account.id == Notification.user_id)
        .where(Notification.kind == "window_open"))}
    two = "Kỳ phê duyệt tháng 01/2026: 2 đề nghị chờ bạn phê duyệt"
    assert got == {"truongkhoa.syt": "Kỳ phê duyệt tháng 01/2026: 1 đề nghị chờ bạn phê duyệt",
                   "syt.thutruong": two, "sonoivu.giamdoc": two, "xem.baocao": two}
    day = date(2026, 1, 27)
    assert may_act(monkeypatch, db, "truongkhoa.syt", s2, head, day) is False  # own file
    assert may_act(monkeypatch, db, "truongkhoa.syt", s1, staff, day) is True
    assert may_act(monkeypatch, db, "xem.baocao", s2, head, day) is True  # delegate
    assert may_act(monkeypatch, db, "syt.quantri", s1, staff, day) is False  # manages accounts, not files
    assert run_reminders(date(2026, 1, 28))["window_open"] == 0  # once a month

    due = run_reminders(date(2026, 1, 29))  # 29/1 + 2 WD = 2/2
    assert due["approval_due"] == 7
    deadline = date(2026, 2, 2)
    assert notes(db, "approval_due") == {
        ("truongkhoa.syt", "step", s1.id, deadline),
        *{(u, "step", s.id, deadline) for u in ("syt.thutruong", "sonoivu.giamdoc", "xem.baocao") for s in (s1, s2)}}
    # One digest per user and run: each got the window one, then the due one.
    for user in ("truongkhoa.syt", "syt.thutruong", "sonoivu.giamdoc", "xem.baocao"):
        assert len(mails_to(smtp, f"{user}@demo.cbccvc.local")) == 2, user
    assert "2 nhắc việc" in mails_to(smtp, "xem.baocao@demo.cbccvc.local")[1]["Subject"]
    assert run_reminders(date(2026, 2, 24))["window_open"] == 4  # February's window: the steps still wait


# --------------------------------------------------------------------------- e-mail

def test_failed_email_is_retried_next_run_and_no_server_skips_email(app, demo, smtp, monkeypatch):
    """A refused e-mail leaves the notification un-mailed and the next run sends it; without a mail server the
    bell still gets its notifications and nothing is sent."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    at(monkeypatch, date(2026, 2, 12))
    officer_change(db, "annv.syt", cccd="001080012345", officer=second_officer(db).username)  # four eyes
    smtp.reject = True
    first = run_reminders(date(2026, 2, 24))
    assert first["approval_due"] == 1 and first["emails_sent"] == 0 and first["emails_failed"] == 1
    assert db.session.scalar(select(Notification.emailed_at).where(Notification.kind == "approval_due")) is None
    smtp.reject = False
    second = run_reminders(date(2026, 2, 24))
    assert second["approval_due"] == 0 and second["emails_sent"] == 1 and len(smtp.messages) == 1
    assert run_reminders(date(2026, 2, 24))["emails_sent"] == 0

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    third = run_reminders(date(2026, 2, 27))
    assert third["approval_overdue"] == 1 and third["emails_sent"] == 0 and len(smtp.messages) == 1
    assert db.session.scalar(select(Notification.emailed_at).where(Notification.kind == "approval_overdue")) is None


# --------------------------------------------------------------------------- the bell

def test_bell_count_list_open_and_mark_read(app, demo, monkeypatch):
    """The navbar shows the unread count at the cost of one statement; the list is newest first; opening a
    notification marks it read and goes to its page; someone else's notification is not found."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    unit = account(db, "annv.syt").org_unit
    people = [person_for(db, unit, None, name=f"Lê Văn Số{i}", cccd=f"00108000010{i}") for i in range(3)]
    day = workdays.add_workdays(date.today(), 4)
    assert run_reminders(day, send_email=False)["account_missing"] == 3
    newest = db.session.scalar(select(Notification).join(Account, Account.id == Notification.user_id)
                               .where(Account.username == "syt.quantri").order_by(Notification.id.desc()))
    db.session.execute(text("UPDATE notification SET created_at = created_at + interval '1 minute' WHERE id = :i"),
                       {"i": newest.id})
    db.session.commit()

    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, "syt.quantri").status_code == 302
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/people/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert 'id="notification-count"' in page and '>3</span>' in page
    assert len([s for s in statements if "notification" in s]) == 1

    listing = client.get("/notifications/").get_data(as_text=True)
    order = [int(x) for x in re.findall(r'class="notification-row[^"]*" data-id="(\d+)"', listing)]
    assert len(order) == 3 and order[0] == newest.id and order[1:] == sorted(order[1:], reverse=True)
    assert "Sắp đến hạn cấp tài khoản cho Lê Văn Số" in listing

    opened = client.get(f"/notifications/{newest.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/people/{newest.object_id}")
    assert newest.object_id in {p.id for p in people}
    assert '>2</span>' in client.get("/notifications/").get_data(as_text=True)
    other = db.session.scalar(select(Notification.id).where(Notification.id != newest.id))
    assert client.post(f"/notifications/{other}/read").status_code == 302
    assert '>1</span>' in client.get("/notifications/?unread=1").get_data(as_text=True)
    assert client.post("/notifications/read-all", follow_redirects=True).status_code == 200
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'id="notification-count"' not in page and 'id="notification-bell"' in page

    intruder = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(intruder, "annv.syt").status_code == 302
    assert intruder.get(f"/notifications/{newest.id}/open").status_code == 404
    assert intruder.post(f"/notifications/{other}/read").status_code == 404
    assert "notification-row" not in intruder.get("/notifications/").get_data(as_text=True)


# --------------------------------------------------------------------------- scheduler and CLI

def test_schedule_runs_reminders_at_seven_vietnam_time(app):
    """jobs/schedule.py: reminders daily at 07:00 Asia/Ho_Chi_Minh; RQ's cron scheduler reads UTC, so the table
    is shifted (00:00 UTC); ``rq cron jobs.rq_cron`` registers every periodic job."""
    from redis import Redis
    from rq.cron import CronScheduler

    from jobs.schedule import PERIODIC_JOBS, utc_cron

    assert ("reminders", "jobs.reminders.run_reminders", "0 7 * * *") in PERIODIC_JOBS
    assert utc_cron("0 7 * * *") == "0 0 * * *"
    assert utc_cron("30 6 * * *") == "30 23 * * *"
    assert utc_cron("0 9 25 * *") == "0 2 25 * *"
    with pytest.raises(ValueError):
        utc_cron("0 5 25 * *")  # would fall on the 24th in UTC
    scheduler = CronScheduler(connection=Redis.from_url(app.config["REDIS_URL"]))
    scheduler.load_config_from_file("jobs.rq_cron")
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {path for _id, path, _cron in PERIODIC_JOBS}
    job = jobs["jobs.reminders.run_reminders"]
    assert job.queue_name == "cbccvc"
    nxt = job.next_enqueue_time.astimezone(TZ)
    assert (nxt.hour, nxt.minute) == (7, 0) and nxt - datetime.now(TZ) <= timedelta(days=1)


def test_cli_reminders_run(app, demo, monkeypatch):
    """``flask reminders run --date``: counts per kind; a bad date is refused in Vietnamese (exit 2)."""
    use_profile(app, monkeypatch, "hcm")
    person_for(demo, account(demo, "annv.syt").org_unit, None, name="Trần Thị Bích", cccd="001080000011")
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["reminders", "run", "--date", "2026-02-30"])
    assert bad.exit_code == 2 and "không hợp lệ" in bad.output
    day = workdays.add_workdays(date.today(), 4).isoformat()
    ok = runner.invoke(args=["reminders", "run", "--date", day, "--no-email"])
    assert ok.exit_code == 0, ok.output
    assert "Chưa cấp tài khoản (HCM-7.1): 1" in ok.output
    assert "Chưa cấp tài khoản (HCM-7.1): 0" in runner.invoke(args=["reminders", "run", "--date", day]).output
