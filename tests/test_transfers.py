"""Transfers and leaving (issue 16): each kind of move under both city profiles, deadlines in working days across
holidays, the account following the file, access revoked on the effective date, the hand-over package out and in,
one file per person for life, and bad input that changes nothing.
"""

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.security import scope
from app.services import personnel as svc
from app.services import transfers as tr
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.transfers import handover
from models.accounts import Account, RoleAssignment
from models.notifications import Notification
from models.personnel import FileVersion, Person, WorkRecord
from models.transfers import Transfer
from tests.factories import PDF, account, documents, hr_officer, person_for, use_profile

#: The tables a move writes (the access log is left out: refusals are logged by design).
MOVE_TABLES = ("person", "transfer", "work_record", "file_version", "attachment", "role_assignment", "ab_user",
               "notification", "change_set", "change_log")


@pytest.fixture(autouse=True)
def code_lists_and_inline_jobs(codes, app, monkeypatch):
    """The national code lists; jobs run in-process."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)


def fingerprint(db) -> dict[str, str]:
    """Table -> checksum of every row (read afresh)."""
    db.session.expire_all()
    return {t: db.session.scalar(text(f"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' "
                                      f"ORDER BY x::text)), '') FROM {t} x")) for t in MOVE_TABLES}


def today_is(monkeypatch, day: date) -> None:
    monkeypatch.setattr(scope, "today", lambda: day)


def decision(kind, **extra) -> tr.MoveData:
    values = {"kind": kind, "decision_number": "125/QĐ-SYT", "decision_date": date(2026, 4, 20),
              "decision_signer": "Giám đốc Sở Y tế", "effective_date": date(2026, 4, 24)}
    values.update(extra)
    return tr.MoveData(**values)


def versions(db, person_id) -> list[int]:
    return list(db.session.scalars(select(FileVersion.version_no).where(FileVersion.person_id == person_id)
                                   .order_by(FileVersion.version_no)))


def in_force_roles(db, username) -> set[tuple[str, int]]:
    db.session.expire_all()
    acc = account(db, username)
    rows = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == acc.id))
    return {(r.role.name, r.org_unit_id) for r in rows if r.in_force(scope.today())}


# --------------------------------------------------------------------------- inside one unit


@pytest.mark.parametrize("profile", ["hcm", "hanoi"])
def test_within_unit_move_hcm_8_1(app, demo, unit_by_name, monkeypatch, profile):
    """HCM-8.1: the unit's officer moves the file to another section; due 15 WD after the effective date in HCM
    (24/04/2026 → 20/05/2026 across Giỗ Tổ, 30/4 and 1/5), no deadline in Hà Nội; item 33 gains the new post
    in an approved version whose reason is the decision."""
    use_profile(app, monkeypatch, profile)
    today_is(monkeypatch, date(2026, 4, 27))
    origin = unit_by_name("Phòng Tổ chức cán bộ", "Sở Y tế")
    destination = unit_by_name("Văn phòng Sở Y tế")
    person = person_for(db := demo, origin)
    before = versions(db, person.id)
    officer = account(db, "syt.tccb")
    move = tr.record_move(officer, person.id, decision("within_unit", to_unit_id=destination.id,
                                                       new_title="Chuyên viên", scan=PDF, scan_name="QĐ 125.pdf"))
    assert move.status == "recorded"
    if profile == "hcm":
        assert (move.due_date, move.deadline_rule) == (date(2026, 5, 20), "HCM-8.1")
    else:
        assert move.due_date is None
    assert move.attachment.original_name == "QĐ 125.pdf"
    tr.complete(officer, move.id)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.org_unit_id == destination.id
    assert versions(db, person.id) == before + [before[-1] + 1]
    post = db.session.scalar(select(WorkRecord).where(WorkRecord.person_id == person.id, WorkRecord.end.is_(None)))
    assert (post.start, post.title) == ("2026-04", "Chuyên viên")
    assert "Văn phòng Sở Y tế" in post.unit_name
    assert db.session.get(Transfer, move.id).status == "completed"
    reason = db.session.scalar(text("SELECT reason FROM change_log WHERE object_type = 'WorkRecord' "
                                    "AND action = 'insert' ORDER BY id DESC LIMIT 1"))
    assert reason == "125/QĐ-SYT"


# --------------------------------------------------------------------------- between agencies


@pytest.mark.parametrize("profile", ["hcm", "hanoi"])
def test_between_agencies_hn_12_1_hcm_8_2(app, demo, unit_by_name, monkeypatch, profile):
    """HN-12.1, HCM-8.2: the losing agency records the decision, Sở Nội vụ moves the file and the account, the
    gaining agency receives them (HCM: due 30 WD). Until received the file is read-only; afterwards the old unit's
    officer finds nothing, the new one edits it, the login is the same account, the person's officer role in
    the old agency no longer holds, and the person is told to check their file."""
    use_profile(app, monkeypatch, profile)
    today_is(monkeypatch, date(2026, 4, 27))
    db = demo
    school = unit_by_name("Trường THPT Chu Văn An")
    gainer = hr_officer(db, "sgd.tccb", unit_by_name("Sở Giáo dục và Đào tạo"))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    login_id = account(db, "annv.syt").id
    # The person also held an officer role in the old agency: it must not survive the move.
    db.session.add(RoleAssignment(user_id=login_id, role_id=app.appbuilder.sm.find_role("Cán bộ TCCB").id,
                                  org_unit_id=unit_by_name("Sở Y tế").id, include_descendants=True,
                                  valid_from=date(2025, 1, 1)))
    db.session.commit()
    loser, snv = account(db, "syt.tccb"), account(db, "sonoivu.admin")
    move = tr.record_move(loser, person.id, decision("between_agencies", to_unit_id=school.id, new_title="Giáo viên"))
    if profile == "hcm":
        assert (move.due_date, move.deadline_rule) == (date(2026, 6, 10), "HCM-8.2")
    else:
        assert move.due_date is None
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "transfer_waiting", Notification.user_id == snv.id)) == 1  # the authority is told
    with pytest.raises(ValidationError, match="đang chuyển công tác"):
        svc.save_section(loser, person.id, "documents", documents())
    with pytest.raises(ForbiddenError):
        tr.move(loser, move.id)
    with pytest.raises(ValidationError, match="Đã ghi nhận"):
        tr.receive(account(db, "sgd.tccb"), move.id)  # not moved by Sở Nội vụ yet
    tr.move(snv, move.id)
    scope.forget()
    with pytest.raises(NotFoundError):
        svc.get_person(account(db, "syt.tccb"), person.id)
    assert svc.get_person(account(db, "sgd.tccb"), person.id).id == person.id
    with pytest.raises(ValidationError, match="đang chuyển công tác"):
        svc.save_section(account(db, "sgd.tccb"), person.id, "documents", documents())
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "transfer_waiting", Notification.user_id == gainer.id)) == 1
    tr.receive(account(db, "sgd.tccb"), move.id)
    scope.forget()
    svc.save_section(account(db, "sgd.tccb"), person.id, "documents", documents())
    db.session.expire_all()
    moved = db.session.get(Person, person.id)
    assert moved.org_unit_id == school.id and moved.account_id == login_id
    assert account(db, "annv.syt").org_unit_id == school.id
    roles = in_force_roles(db, "annv.syt")
    assert ("Cán bộ công chức", school.id) in roles
    assert not any(name == "Cán bộ TCCB" for name, _unit in roles)
    told = db.session.scalar(select(Notification).where(Notification.user_id == login_id,
                                                        Notification.kind == "transfer_received"))
    assert "Trường THPT Chu Văn An" in told.title


# --------------------------------------------------------------------------- out of the city


@pytest.mark.parametrize("profile", ["hanoi", "hcm"])
def test_out_of_city_revokes_login_on_effective_date_hn_12_2_1(app, demo, unit_by_name, monkeypatch, profile):
    """HN-12.2.1 / HCM-8.3: recorded before its effective date, the move leaves the login working; on that day the
    daily job archives the file, revokes the account and ends its sessions; a second run does nothing more; Sở Nội
    vụ's hand-over package holds the official PDF and the JSON of the whole file and its history."""
    from tests.clients import body, client_for

    use_profile(app, monkeypatch, profile)
    db = demo
    today_is(monkeypatch, date(2026, 5, 4))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    svc.save_section(account(db, "syt.tccb"), person.id, "documents", documents())
    move = tr.record_move(account(db, "syt.tccb"), person.id, decision(
        "out_of_city", external_place="Bộ Y tế", decision_date=date(2026, 5, 4), effective_date=date(2026, 5, 15)))
    assert move.status == "recorded"
    assert tr.apply_effective(date(2026, 5, 14)) == {"completed": 0, "failed": 0}
    staff = client_for(app, "annv.syt")
    assert staff.get("/my/file/").status_code == 200
    today_is(monkeypatch, date(2026, 5, 15))
    assert tr.apply_effective() == {"completed": 1, "failed": 0}
    assert tr.apply_effective() == {"completed": 0, "failed": 0}
    db.session.expire_all()
    archived = db.session.get(Person, person.id)
    assert archived.status == "transferred_out" and archived.status_since == date(2026, 5, 15)
    assert db.session.get(Account, archived.account_id).locked_at is not None
    assert db.session.get(Transfer, move.id).access_revoked_at is not None
    assert staff.get("/my/file/", follow_redirects=False).status_code in (302, 401, 403)
    again = client_for(app, "annv.syt")  # a new login is refused too
    assert "/my/file" not in body(again.get("/", follow_redirects=True))
    open_draft = db.session.scalar(text("SELECT count(*) FROM change_set WHERE person_id = :p AND status IN "
                                        "('draft','submitted','returned')"), {"p": person.id})
    assert open_draft == 0
    package, doc = handover.build_package(archived, db.session.get(Transfer, move.id))
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert set(zf.namelist()) == {"ho-so.json", "so-yeu-ly-lich.pdf"}
        assert json.loads(zf.read("ho-so.json"))["person"]["cccd"] == "001080012345"
        assert zf.read("so-yeu-ly-lich.pdf").startswith(b"%PDF")
    assert [v["version_no"] for v in doc["history"]] == versions(db, person.id)
    assert doc["transfer"]["destination"] == "Bộ Y tế"


# --------------------------------------------------------------------------- into the city, back


@pytest.mark.parametrize("profile", ["hanoi", "hcm"])
def test_hand_over_round_trip_into_the_city_hn_12_2_2b(app, demo, unit_by_name, monkeypatch, profile):
    """HN-12.2.2b: the package another system hands over (the same JSON format) is imported by the receiving
    agency: every section and the whole history come in, the personal account is created, item 33 gains the
    new post, and the hand-over deadline (HN-12.2.2a: 10 WD; HCM sets none, HCM-8.3 goes through Sở Nội vụ in
    writing) is set."""
    use_profile(app, monkeypatch, profile)
    db = demo
    today_is(monkeypatch, date(2026, 5, 4))
    source = person_for(db, unit_by_name("Bệnh viện Thanh Nhàn"), name="Lê Thị Mai", cccd="001185012345",
                        born="02/09/1985", gender="nu")
    officer = account(db, "syt.tccb")
    svc.save_section(officer, source.id, "documents", documents(cccd="001185012345"))
    svc.submit(officer, source.id, "Khai lần đầu")
    package, doc = handover.build_package(db.session.get(Person, source.id), None)
    # The "other system": the same person is not in this city any more (here: its CCCD is moved aside).
    db.session.execute(text("UPDATE person SET cccd_index = 'moved-away' WHERE id = :p"), {"p": source.id})
    db.session.commit()
    school = unit_by_name("Trường THPT Kim Liên")
    admin = account(db, "sonoivu.admin")
    move, password = tr.arrive(admin, tr.ArrivalData(
        org_unit_id=school.id, category="vien_chuc", handover_date=date(2026, 4, 24), external_place="Sở Y tế Nam Định",
        decision_number="77/QĐ-SGDĐT", decision_date=date(2026, 4, 28), effective_date=date(2026, 5, 4),
        new_title="Nhân viên y tế trường học", package=package))
    assert password and move.status == "completed"
    expected = (date(2026, 5, 13), "HN-12.2.2a") if profile == "hanoi" else (None, None)
    assert (move.due_date, move.deadline_rule) == expected
    arrived = db.session.get(Person, move.person_id)
    assert arrived.id != source.id and arrived.full_name == "Lê Thị Mai" and arrived.account_id is not None
    assert versions(db, arrived.id) == [v["version_no"] for v in doc["history"]] + [len(doc["history"]) + 1]
    new_snapshot = db.session.scalar(select(FileVersion.snapshot).where(
        FileVersion.person_id == arrived.id, FileVersion.version_no == len(doc["history"]) + 1))
    for key, value in doc["file"]["snapshot"]["sections"].items():
        if key == "work":
            assert [r["unit_name"] for r in new_snapshot["sections"]["work"]][:len(value)] == \
                [r["unit_name"] for r in value]
            continue
        strip = (lambda rows: [{k: v for k, v in r.items() if k != "id"} for r in rows]) if isinstance(value, list) \
            else (lambda row: row)
        assert strip(new_snapshot["sections"][key]) == strip(value), key
    assert new_snapshot["sections"]["work"][-1]["title"] == "Nhân viên y tế trường học"


@pytest.mark.parametrize("profile", ["hcm", "hanoi"])
def test_re_recruitment_by_cccd_reopens_the_same_file_hn_12_3(app, demo, unit_by_name, monkeypatch, profile):
    """HN-12.3 / HCM-8.4: leaving archives the file (10 WD from the decision in HCM, no deadline in Hà Nội),
    revokes the login, deletes nothing; coming back with the same CCCD reopens that file with all its versions and
    the same account."""
    use_profile(app, monkeypatch, profile)
    db = demo
    today_is(monkeypatch, date(2026, 4, 27))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    officer = account(db, "syt.tccb")
    move = tr.record_move(officer, person.id, decision("leaving", leave_status="resigned"))
    expected = (date(2026, 5, 7), "HCM-8.4") if profile == "hcm" else (None, None)
    assert (move.status, move.due_date, move.deadline_rule) == ("completed", *expected)
    db.session.expire_all()
    assert db.session.get(Person, person.id).status == "resigned"
    assert account(db, "annv.syt").locked_at is not None
    kept = versions(db, person.id)
    with pytest.raises(ValidationError):
        tr.record_move(officer, person.id, decision("within_unit", to_unit_id=unit_by_name("Văn phòng Sở Y tế").id))
    comeback = dict(org_unit_id=unit_by_name("Văn phòng Sở Y tế").id, cccd="001080012345", category="cong_chuc",
                    handover_date=date(2026, 4, 27), decision_number="9/QĐ-SYT", decision_date=date(2026, 4, 27),
                    effective_date=date(2026, 4, 27))
    # A TCCB officer records the comeback; the account is the agency's account administrator's to reopen.
    back, password = tr.arrive(officer, tr.ArrivalData(**comeback))
    assert back.person_id == person.id and password is None
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "account_needed", Notification.user_id == account(db, "syt.quantri").id))
    assert told == 1 and account(db, "annv.syt").locked_at is not None
    with pytest.raises(ForbiddenError):
        tr.open_account(officer, back.id)
    assert tr.open_account(account(db, "syt.quantri"), back.id)
    db.session.expire_all()
    assert db.session.get(Person, person.id).status == "active"
    assert versions(db, person.id) == kept + [kept[-1] + 1]
    assert account(db, "annv.syt").locked_at is None and account(db, "annv.syt").id == person.account_id
    assert ("Cán bộ công chức", unit_by_name("Văn phòng Sở Y tế").id) in in_force_roles(db, "annv.syt")


# --------------------------------------------------------------------------- who is covered


def test_categories_come_from_the_profile_hn_2_hcm_2(app, demo, unit_by_name, monkeypatch):
    """HN-2 covers cán bộ, công chức, viên chức only; HCM-2 adds người lao động, tập sự, không chuyên trách."""
    unit = unit_by_name("Văn phòng Sở Y tế")
    data = {"org_unit_id": unit.id, "category": "nguoi_lao_dong", "full_name": "Phan Văn Tài", "gender": "nam",
            "birth_date": "01/01/1990", "cccd": "001090012345"}
    use_profile(app, monkeypatch, "hanoi")
    with pytest.raises(ValidationError, match="không áp dụng"):
        svc.create_person(account(demo, "syt.tccb"), data)
    use_profile(app, monkeypatch, "hcm")
    assert svc.create_person(account(demo, "syt.tccb"), data).category == "nguoi_lao_dong"


# --------------------------------------------------------------------------- bad input


def test_bad_input_changes_nothing(app, demo, unit_by_name, monkeypatch):
    """Each refusal has a Vietnamese message and leaves every table as it was."""
    use_profile(app, monkeypatch, "hcm")
    db = demo
    today_is(monkeypatch, date(2026, 4, 27))
    officer = account(db, "syt.tccb")
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    other = person_for(db, unit_by_name("Bệnh viện Thanh Nhàn"), name="Đỗ Văn Hải", cccd="001085012345",
                       born="01/01/1985")
    tr.record_move(officer, other.id, decision("between_agencies", to_unit_id=unit_by_name("Sở Tư pháp").id))
    archived = person_for(db, unit_by_name("Văn phòng Sở Y tế"), name="Vũ Thị Lan", cccd="001183012345",
                          born="01/01/1983", gender="nu")
    tr.record_move(officer, archived.id, decision("leaving", leave_status="retired"))
    package, _doc = handover.build_package(db.session.get(Person, person.id), None)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        tampered = zf.read("ho-so.json").replace(b'"given_name": "An"', '"given_name": "Ân"'.encode(), 1)
    assert b'"given_name": "\xc3\x82n"' in tampered
    stranger = hr_officer(db, "sgd.tccb", unit_by_name("Sở Giáo dục và Đào tạo"))
    before = fingerprint(db)
    school = unit_by_name("Trường THPT Chu Văn An")
    cases = [
        (lambda: tr.record_move(officer, person.id, decision("within_unit", to_unit_id=school.id)), "cùng cơ quan"),
        (lambda: tr.record_move(officer, person.id, decision("between_agencies", to_unit_id=school.id,
                                                             effective_date=date(2026, 4, 1))), "trước ngày ký"),
        (lambda: tr.record_move(officer, archived.id, decision("between_agencies", to_unit_id=school.id)),
         "lưu trữ"),
        (lambda: tr.record_move(officer, other.id, decision("out_of_city", external_place="Bộ Tư pháp")),
         "chưa hoàn tất"),
        (lambda: tr.record_move(officer, person.id, decision("between_agencies", to_unit_id=school.id,
                                                             scan=b"MZ\x90", scan_name="x.exe")), "PDF"),
        (lambda: tr.record_move(officer, person.id, decision("between_agencies", to_unit_id="999999")),
         "Không tìm thấy đơn vị"),
    ]
    arrival = dict(org_unit_id=unit_by_name("Văn phòng Sở Y tế").id, category="cong_chuc",
                   handover_date=date(2026, 4, 24), decision_number="1/QĐ", decision_date=date(2026, 4, 24),
                   effective_date=date(2026, 4, 27))
    cases += [
        (lambda: tr.arrive(officer, tr.ArrivalData(**arrival, package=b'{"format": "cbccvc-handover", ')),
         "JSON hợp lệ"),
        (lambda: tr.arrive(officer, tr.ArrivalData(**arrival, package=package[: len(package) // 2])), "không đầy đủ"),
        (lambda: tr.arrive(officer, tr.ArrivalData(**arrival, package=package)), "đang có hồ sơ hoạt động"),
        (lambda: tr.arrive(officer, tr.ArrivalData(**arrival, package=tampered)), "không khớp"),
    ]
    for call, message in cases:
        with pytest.raises(ValidationError, match=message):
            call()
    with pytest.raises(ForbiddenError):
        tr.arrive(officer, tr.ArrivalData(**{**arrival, "org_unit_id": school.id}, full_name="Hà Văn Tư",
                                          cccd="001095012345"))
    with pytest.raises(NotFoundError):
        tr.record_move(stranger, person.id, decision("leaving", leave_status="retired"))
    assert fingerprint(db) == before


# --------------------------------------------------------------------------- deadlines that are read


def test_move_deadlines_drive_reminders_and_the_compliance_page_hcm_8_2(app, demo, unit_by_name, monkeypatch):
    """HCM-8.2: a between-agency move due 10/06/2026 reminds Sở Nội vụ before it moves the file, then the gaining
    agency's officers once it waits there past its deadline (once per due date); the compliance page counts it as
    an overdue move of the unit the file sits in."""
    from app.services.compliance import compliance_table
    from jobs.reminders import run_reminders

    use_profile(app, monkeypatch, "hcm")
    db = demo
    today_is(monkeypatch, date(2026, 4, 27))
    gainer = hr_officer(db, "sgd.tccb", unit_by_name("Sở Giáo dục và Đào tạo"))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    move = tr.record_move(account(db, "syt.tccb"), person.id, decision(
        "between_agencies", to_unit_id=unit_by_name("Trường THPT Chu Văn An").id))
    assert move.due_date == date(2026, 6, 10)
    admin = account(db, "sonoivu.admin")

    def told(user, kind):
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.kind == kind, Notification.object_id == move.id))

    assert run_reminders(date(2026, 6, 9), send_email=False)["transfer_due"] >= 1
    assert told(admin, "transfer_due") == 1 and told(gainer, "transfer_due") == 0
    tr.move(admin, move.id)
    counts = run_reminders(date(2026, 6, 11), send_email=False)
    assert counts["transfer_overdue"] >= 1 and told(gainer, "transfer_overdue") == 1
    assert run_reminders(date(2026, 6, 11), send_email=False)["transfer_overdue"] == 0
    table = compliance_table(admin, day=date(2026, 6, 11))
    rows = {r.name: r.moves_overdue for r in table.rows}
    assert rows["Sở Giáo dục và Đào tạo"] == 1 and rows["Sở Y tế"] == 0


def test_the_daily_job_and_its_command(app, demo, unit_by_name, monkeypatch):
    """``flask transfers apply-effective``: the exits effective by the given day are carried out, a bad date
    exits with status 2."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    today_is(monkeypatch, date(2026, 5, 4))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    tr.record_move(account(db, "syt.tccb"), person.id, decision("leaving", leave_status="retired",
                                                                decision_date=date(2026, 5, 4),
                                                                effective_date=date(2026, 6, 1)))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["transfers", "apply-effective", "--date", "01/06/2026"]).exit_code == 2
    out = runner.invoke(args=["transfers", "apply-effective", "--date", "2026-06-01"])
    assert out.exit_code == 0 and "Đã thực hiện: 1" in out.output
    db.session.expire_all()
    assert db.session.get(Person, person.id).status == "retired"


def test_change_deadline_counts_from_the_day_of_the_change_hn_6_3(app, demo, unit_by_name, monkeypatch):
    """HN-6.3 / HCM-7.2c: a change set records the day the change happened (the draft's first day until the
    person says otherwise); the update is due 5 WD later; an unsent draft past it reminds its drafter; a
    submission after it counts as a late update of the unit on the compliance page."""
    from app import workflow
    from app.services.compliance import compliance_table
    from jobs.reminders import run_reminders
    from models.personnel import ChangeSet

    use_profile(app, monkeypatch, "hanoi")
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = account(db, "annv.syt")
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 4, 24))
    svc.save_section(staff, person.id, "documents", documents())
    cs = db.session.scalar(select(ChangeSet).where(ChangeSet.person_id == person.id, ChangeSet.status == "draft"))
    assert (cs.change_date, cs.update_due) == (date(2026, 4, 24), date(2026, 5, 6))  # across 27/4, 30/4, 1/5
    assert run_reminders(date(2026, 5, 5), send_email=False)["update_due"] == 1
    assert run_reminders(date(2026, 5, 7), send_email=False)["update_overdue"] == 1
    told = db.session.scalar(select(Notification).where(Notification.kind == "update_overdue"))
    assert told.user_id == staff.id and "24/04/2026" in told.body
    with pytest.raises(ValidationError, match="không được sau hôm nay"):
        svc.submit(staff, person.id, "Đổi nơi ở", change_date=date(2026, 4, 25))
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 5, 8))
    svc.add_attachment(staff, person.id, PDF, "Xác nhận.pdf", "giay_to_tuy_than", "documents")
    svc.submit(staff, person.id, "Đổi nơi ở", change_date=date(2026, 4, 20))
    db.session.expire_all()
    cs = db.session.get(ChangeSet, cs.id)
    assert (cs.change_date, cs.update_due) == (date(2026, 4, 20), date(2026, 4, 28))
    table = compliance_table(account(db, "sonoivu.admin"), day=date.today())
    assert {r.name: r.late_updates for r in table.rows}["Sở Y tế"] == 1


def test_account_deadline_counts_from_the_decision_hcm_7_1(app, demo, unit_by_name, monkeypatch):
    """HCM-7.1: the file records the day of the recruitment decision; the account is due 5 WD after it, not after
    the day the file was typed in."""
    from jobs.reminders import run_reminders

    use_profile(app, monkeypatch, "hcm")
    db = demo
    data = {"org_unit_id": unit_by_name("Văn phòng Sở Y tế").id, "category": "cong_chuc", "full_name": "Phan Văn Tài",
            "gender": "nam", "birth_date": "01/01/1990", "cccd": "001090012345"}
    with pytest.raises(ValidationError, match="không được sau hôm nay"):
        svc.create_person(account(db, "syt.tccb"), {**data, "decision_date": "01/01/2099"})
    person = svc.create_person(account(db, "syt.tccb"), {**data, "decision_date": date(2026, 4, 20)})
    assert person.decision_date == date(2026, 4, 20)
    run_reminders(date(2026, 5, 8), send_email=False)
    told = db.session.scalar(select(Notification).where(Notification.kind == "account_missing",
                                                        Notification.object_id == person.id).limit(1))
    assert told is not None and told.due_date == date(2026, 4, 28)  # 20/4 + 5 WD, Giỗ Tổ (27/4) off


def test_signed_hand_over_package_through_the_page_hn_12_2_1(app, demo, unit_by_name, monkeypatch, dev_ca):
    """HN-12.2.1: Sở Nội vụ downloads the package from the move's page, signed with its certificate when asked:
    the PDF carries the JSON inside and a valid signature; a wrong passphrase gives a Vietnamese message and no
    file; another agency's officer gets 403."""
    from app.signing import verify_pdf
    from tests.clients import body, client_for
    from tests.factories import PASSPHRASE, with_certificates

    use_profile(app, monkeypatch, "hanoi")
    db = demo
    today_is(monkeypatch, date(2026, 5, 4))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    move = tr.record_move(account(db, "syt.tccb"), person.id, decision(
        "out_of_city", external_place="Bộ Y tế", decision_date=date(2026, 5, 4), effective_date=date(2026, 5, 4)))
    with_certificates(db, dev_ca, "sonoivu.admin")
    admin = client_for(app, "sonoivu.admin")
    refused = admin.post(f"/transfers/{move.id}/package", data={"sign": "y", "passphrase": "sai"},
                         follow_redirects=True)
    assert refused.mimetype == "text/html" and "mật khẩu" in body(refused).lower()
    resp = admin.post(f"/transfers/{move.id}/package", data={"sign": "y", "passphrase": PASSPHRASE})
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        pdf, content = zf.read("so-yeu-ly-lich.pdf"), zf.read("ho-so.json")
    reports = verify_pdf(pdf)
    assert len(reports) == 1 and reports[0].valid, reports
    from pyhanko.pdf_utils.reader import PdfFileReader

    names = PdfFileReader(io.BytesIO(pdf)).root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert "ho-so.json" in [str(names[i]) for i in range(0, len(names), 2)]
    assert json.loads(content)["transfer"]["destination"] == "Bộ Y tế"
    assert client_for(app, "syt.tccb").post(f"/transfers/{move.id}/package").status_code == 403


def test_arrival_and_move_forms_through_the_pages(app, demo, unit_by_name, monkeypatch):
    """The forms answer in Vietnamese next to their fields and change nothing when refused; a good arrival hands
    out the new account's password once; a recorded decision opens its page."""
    from tests.clients import body, client_for

    use_profile(app, monkeypatch, "hanoi")
    db = demo
    admin = client_for(app, "sonoivu.admin")
    before = fingerprint(db)
    bad = admin.post("/transfers/arrive", data={"org_unit_id": unit_by_name("Văn phòng Sở Y tế").id,
                                                "decision_number": "3/QĐ", "decision_date": "01/12/2026",
                                                "effective_date": "30/11/2026", "handover_date": "01/12/2026",
                                                "package": (io.BytesIO(b'{"format": '), "ho-so.json")},
                     content_type="multipart/form-data")
    page = body(bad)
    assert bad.status_code == 400 and "JSON hợp lệ" in page and "không được trước ngày ký" in page
    assert fingerprint(db) == before
    good = admin.post("/transfers/arrive", data={
        "org_unit_id": unit_by_name("Văn phòng Sở Y tế").id, "cccd": "001095012345", "full_name": "Hà Văn Tư",
        "gender": "nam", "birth_date": "01/02/1995", "category": "cong_chuc", "decision_number": "3/QĐ",
        "decision_date": "01/12/2026", "effective_date": "01/12/2026", "handover_date": "01/12/2026",
        "external_place": "Sở Nội vụ tỉnh Nam Định"}, content_type="multipart/form-data")
    assert good.status_code == 200 and "Hà Văn Tư" in body(good) and "no-store" in good.headers["Cache-Control"]
    person = db.session.scalar(select(Person).where(Person.given_name == "Tư", Person.middle_name == "Văn"))
    assert person.account_id is not None
    officer = client_for(app, "syt.tccb")
    refused = officer.post(f"/transfers/new/{person.id}?kind=leaving", data={"decision_number": "",
                                                                             "leave_status": "retired"})
    assert refused.status_code == 400 and "Hãy nhập số quyết định" in body(refused)
    done = officer.post(f"/transfers/new/{person.id}?kind=leaving", data={
        "leave_status": "retired", "decision_number": "8/QĐ", "decision_date": "01/12/2026",
        "effective_date": "31/12/2026"})
    assert done.status_code == 302 and "/transfers/" in done.headers["Location"]
    assert "Nghỉ hưu, thôi việc, từ trần" in body(officer.get(done.headers["Location"]))
