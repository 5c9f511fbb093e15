"""Working days: Tết 2026/2027, Giỗ Tổ, 30/4–1/5, 2/9, make-up Saturdays, overrides, CLI, admin screen.

Deadlines follow "trong thời hạn N ngày làm việc, kể từ ngày …" (HN-6.3, HCM-7.1, HCM-7.2, HCM-7.2c): the
day of the event does not count, day 1 is the next working day (BLDS 2015 Điều 147).
"""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from app import workdays as wd
from models.accounts import Account
from models.audit import ChangeLog
from models.workdays import WorkdayOverride
from tests.factories import login


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> list[date]:
    a, b = d(first), d(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def admin(db) -> Account:
    return db.session.scalar(select(Account).where(Account.username == "sonoivu.admin"))


def overrides(db) -> int:
    return db.session.scalar(select(func.count()).select_from(WorkdayOverride))


# --------------------------------------------------------------------------- the calendar itself


def test_tet_2026_deadline_crosses_tet(db):
    """HCM-7.2c: 5 WD from Thursday 12/02/2026 skip Tết Bính Ngọ (off 14/02–22/02/2026) and end on 26/02."""
    assert [day for day in span("2026-02-14", "2026-02-22") if wd.is_workday(day)] == []
    assert wd.is_workday(d("2026-02-13")) and wd.is_workday(d("2026-02-23"))
    assert wd.add_workdays(d("2026-02-12"), 1) == d("2026-02-13")
    assert wd.add_workdays(d("2026-02-12"), 2) == d("2026-02-23")
    assert wd.add_workdays(d("2026-02-12"), 5) == d("2026-02-26")
    assert wd.count_workdays(d("2026-02-12"), d("2026-02-26")) == 5
    # The event day itself never counts, even when it is a working day: 1 WD after Friday 13/02 is 23/02.
    assert wd.add_workdays(d("2026-02-13"), 1) == d("2026-02-23")
    assert wd.day_info(d("2026-02-17")).name == "Tết Nguyên Đán"


def test_tet_2027_deadline_crosses_tet(db):
    """HCM-7.2b: Tết Đinh Mùi (mùng 1 = Saturday 06/02/2027) by the package's rule: off Thursday 04/02 to
    Wednesday 10/02/2027 (no official 2027 notice in holidays 0.109: an override corrects it when one comes)."""
    assert [day for day in span("2027-02-04", "2027-02-10") if wd.is_workday(day)] == []
    assert wd.add_workdays(d("2027-02-03"), 1) == d("2027-02-11")
    assert wd.add_workdays(d("2027-02-03"), 5) == d("2027-02-17")
    assert wd.add_workdays(d("2027-01-29"), 15) == d("2027-02-26")
    assert wd.count_workdays(d("2027-02-03"), d("2027-02-17")) == 5


def test_hung_kings_30_april_1_may(db):
    """Giỗ Tổ 2026 falls on Sunday 26/04 (nghỉ bù Monday 27/04); 30/04–01/05 are Thursday–Friday."""
    assert not wd.is_workday(d("2026-04-27")) and "nghỉ bù" in wd.day_info(d("2026-04-27")).name
    assert wd.add_workdays(d("2026-04-24"), 1) == d("2026-04-28")
    assert wd.add_workdays(d("2026-04-29"), 1) == d("2026-05-04")
    assert wd.add_workdays(d("2026-04-24"), 5) == d("2026-05-06")
    # 2027: Giỗ Tổ Friday 16/04; 01/05 is a Saturday, so Monday 03/05 is the compensatory day.
    assert not wd.is_workday(d("2027-04-16")) and not wd.is_workday(d("2027-05-03"))
    assert wd.add_workdays(d("2027-04-29"), 1) == d("2027-05-04")


def test_national_day_and_the_make_up_saturday(db):
    """2/9/2026: Monday 31/08 is swapped with Saturday 22/08/2026 (a make-up Saturday the package knows),
    then 01/09–02/09; 2027: Thursday 02/09 plus Friday 03/09."""
    assert wd.is_workday(d("2026-08-22"))
    info = wd.day_info(d("2026-08-22"))
    assert info.working and info.source == "package" and "31/08/2026" in str(info.name)
    assert wd.add_workdays(d("2026-08-21"), 1) == d("2026-08-22")  # a deadline landing on the make-up Saturday
    assert wd.add_workdays(d("2026-08-20"), 2) == d("2026-08-22")
    assert not any(wd.is_workday(day) for day in span("2026-08-29", "2026-09-02"))
    assert wd.add_workdays(d("2026-08-28"), 1) == d("2026-09-03")
    assert not wd.is_workday(d("2027-09-02")) and not wd.is_workday(d("2027-09-03"))
    assert wd.add_workdays(d("2027-09-01"), 1) == d("2027-09-06")


def test_known_notice_new_year_2026(db):
    """Công văn 12729/VPCP-KGVX: Friday 02/01/2026 off, paid back on Saturday 10/01/2026 (missing in the package)."""
    assert not wd.is_workday(d("2026-01-02")) and wd.is_workday(d("2026-01-10"))
    assert wd.day_info(d("2026-01-10")).source == "builtin"
    assert wd.add_workdays(d("2025-12-31"), 1) == d("2026-01-05")
    assert wd.add_workdays(d("2026-01-09"), 1) == d("2026-01-10")
    assert wd.count_workdays(d("2025-12-31"), d("2026-12-31")) == 249


def test_month_window_and_helpers(db):
    """HN-7 / HN-14.1 window: the last 5 working days of a month; next/roll-forward; backwards counting."""
    assert wd.last_workdays_of_month(2026, 8) == span("2026-08-24", "2026-08-28")
    assert wd.last_workdays_of_month(2026, 5) == span("2026-05-25", "2026-05-29")
    assert wd.last_workdays_of_month(2027, 1) == span("2027-01-25", "2027-01-29")
    assert wd.last_workdays_of_month(2026, 2, 3) == span("2026-02-25", "2026-02-27")
    assert wd.next_workday(d("2026-02-13")) == d("2026-02-23")
    assert wd.roll_forward(d("2026-02-18")) == d("2026-02-23") and wd.roll_forward(d("2026-02-23")) == d("2026-02-23")
    assert wd.add_workdays(d("2026-02-23"), -1) == d("2026-02-13")
    assert wd.add_workdays(d("2026-02-23"), 0) == d("2026-02-23")
    assert wd.count_workdays(d("2026-02-23"), d("2026-02-13")) == -1
    assert wd.workdays_between(d("2026-02-13"), d("2026-02-23")) == [d("2026-02-13"), d("2026-02-23")]


def test_bounds_are_refused(db):
    """N above 400 and years outside 1990–2099 are refused with a Vietnamese message."""
    with pytest.raises(ValueError, match="tối đa là 400"):
        wd.add_workdays(d("2026-01-05"), 401)
    with pytest.raises(ValueError, match="tối đa là 400"):
        wd.add_workdays(d("2026-01-05"), -401)
    with pytest.raises(ValueError, match="ngoài phạm vi"):
        wd.is_workday(d("2100-01-04"))
    with pytest.raises(ValueError, match="ngoài phạm vi"):
        wd.add_workdays(d("2099-12-01"), 400)
    assert wd.add_workdays(d("2026-01-05"), 400).year == 2027


# --------------------------------------------------------------------------- overrides


def test_overrides_change_results_and_win_over_the_package(demo):
    """An extra day off delays a deadline; an extra working Saturday (or a package holiday made working) brings
    it forward; removing the override restores the package's answer; the change log keeps each change."""
    boss = admin(demo)
    start = d("2027-02-03")
    assert wd.add_workdays(start, 3) == d("2027-02-15")
    wd.add_override(boss, d("2027-02-11"), "off", "Thông báo giả định nghỉ thêm 11/02/2027")
    assert not wd.is_workday(d("2027-02-11"))
    assert wd.add_workdays(start, 3) == d("2027-02-16")
    wd.add_override(boss, d("2027-02-13"), "work", "Thông báo giả định làm bù thứ Bảy 13/02/2027")
    assert wd.add_workdays(start, 3) == d("2027-02-15") and wd.add_workdays(start, 2) == d("2027-02-13")
    assert wd.day_info(d("2027-02-13")).source == "override"
    wd.add_override(boss, d("2027-02-10"), "work", "Giả định: mùng 5 Tết đi làm")
    assert wd.add_workdays(start, 1) == d("2027-02-10")
    wd.remove_override(boss, d("2027-02-10"))
    wd.remove_override(boss, d("2027-02-11"))
    wd.remove_override(boss, d("2027-02-13"))
    assert wd.add_workdays(start, 3) == d("2027-02-15")
    actions = demo.session.scalars(select(ChangeLog.action).where(ChangeLog.object_type == "WorkdayOverride")).all()
    assert sorted(actions) == ["delete"] * 3 + ["insert"] * 3
    logged = demo.session.scalar(select(ChangeLog).where(ChangeLog.object_type == "WorkdayOverride",
                                                         ChangeLog.action == "insert").order_by(ChangeLog.id))
    assert logged.user_name == "sonoivu.admin" and logged.reason.startswith("Thông báo giả định")


def test_an_override_can_cancel_a_known_notice(demo):
    """The admin table wins over the built-in notices too: 'work' on 02/01/2026 cancels the swap's day off."""
    wd.add_override(admin(demo), d("2026-01-02"), "work", "Hủy hoán đổi (giả định)")
    assert wd.is_workday(d("2026-01-02")) and wd.add_workdays(d("2026-01-01"), 1) == d("2026-01-02")


def test_useless_or_bad_overrides_are_refused_and_change_nothing(demo):
    """'work' on a working weekday, 'off' on a Sunday or a holiday, a duplicate day, a missing reason, a bad kind,
    or a user without write on the calendar: a clear Vietnamese message and no row."""
    from app.services.errors import ForbiddenError, ValidationError

    boss = admin(demo)
    cases = [
        (d("2027-02-17"), "work", "x", "đã là ngày làm việc"),
        (d("2027-03-07"), "off", "x", "đã là ngày nghỉ (Nghỉ hằng tuần)"),
        (d("2027-02-08"), "off", "x", "đã là ngày nghỉ (Mùng ba Tết Nguyên Đán)"),
        (d("2027-02-17"), "off", "  ", "Hãy nhập lý do"),
        (d("2027-02-17"), "nghi", "x", "Loại điều chỉnh"),
        (None, "off", "x", "Hãy nhập ngày"),
    ]
    for day, kind, reason, message in cases:
        with pytest.raises(ValidationError) as exc:
            wd.add_override(boss, day, kind, reason)
        assert message in str(exc.value), (day, kind, str(exc.value))
    wd.add_override(boss, d("2027-02-17"), "off", "Lần đầu")
    with pytest.raises(ValidationError, match="đã có điều chỉnh"):
        wd.add_override(boss, d("2027-02-17"), "off", "Lần hai")
    reader = demo.session.scalar(select(Account).where(Account.username == "sonoivu.chuyenvien"))
    with pytest.raises(ForbiddenError, match="Chỉ quản trị Sở Nội vụ"):
        wd.add_override(reader, d("2027-02-18"), "off", "Không được phép")
    assert overrides(demo) == 1


def test_count_and_add_agree_on_random_dates(demo):
    """Property over random days of 2026–2027 (with overrides in place): count(a, add(a, n)) == n, the count
    equals a day-by-day walk, and add(a, n) is always a working day."""
    boss = admin(demo)
    wd.add_override(boss, d("2026-06-12"), "off", "Giả định")
    wd.add_override(boss, d("2027-03-13"), "work", "Giả định")
    rnd = random.Random(20260212)
    cal = wd.calendar()
    for _ in range(300):
        a = d("2026-01-01") + timedelta(days=rnd.randrange(730))
        n = rnd.randrange(-120, 121)
        due = wd.add_workdays(a, n)
        assert wd.count_workdays(a, due) == n, (a, n, due)
        assert n == 0 or wd.is_workday(due)
        b = a + timedelta(days=rnd.randrange(0, 200))
        walk = sum(1 for i in range(1, (b - a).days + 1) if cal.is_workday(a + timedelta(days=i)))
        assert wd.count_workdays(a, b) == walk == len(wd.workdays_between(a + timedelta(days=1), b))
        assert wd.count_workdays(b, a) == -len(wd.workdays_between(a, b - timedelta(days=1)))


def test_statements_are_bounded_and_the_cache_follows_changes(demo):
    """design.md §7: a 400-day deadline or a century-long count reads the overrides in one statement; the
    next answers come from the cache; changing an override drops the cache (no stale answer)."""
    boss = admin(demo)
    wd.add_override(boss, d("2027-06-11"), "off", "Giả định")
    wd.clear_cache()
    statements = []

    def count_statement(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(demo.engine, "before_cursor_execute", count_statement)
    try:
        due = wd.add_workdays(d("2026-03-02"), 400)
        assert len(statements) == 1
        wd.add_workdays(d("2026-05-04"), 300)
        wd.count_workdays(d("2026-03-02"), due)
        assert len(statements) == 1
        wd.clear_cache()
        statements.clear()
        assert wd.count_workdays(d("2000-01-01"), d("2099-12-31")) > 24000
        assert len(statements) == 1
    finally:
        event.remove(demo.engine, "before_cursor_execute", count_statement)
    before = wd.add_workdays(d("2027-06-09"), 2)
    wd.remove_override(boss, d("2027-06-11"))
    assert wd.add_workdays(d("2027-06-09"), 2) == before - timedelta(days=3) == d("2027-06-11")


# --------------------------------------------------------------------------- CLI


def test_cli(app, demo):
    """`flask workdays due/count/list/add-override/remove-override`; bad dates: Vietnamese error, exit 2."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workdays", "due", "2026-02-12", "5"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == "2026-02-26 (Thứ Năm)"
    result = runner.invoke(args=["workdays", "count", "2026-02-12", "2026-02-26"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == "5"
    result = runner.invoke(args=["workdays", "list", "2026"])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and lines[-1] == "Năm 2026: 249 ngày làm việc."
    assert any(line.startswith("2026-08-22  Thứ Bảy   làm việc") for line in lines)
    assert any(line.startswith("2026-02-17  Thứ Ba    nghỉ      Tết Nguyên Đán") for line in lines)
    for args, message in (
        (["due", "2026-02-30", "5"], "Ngày bắt đầu «2026-02-30» không phải là ngày hợp lệ (định dạng YYYY-MM-DD"),
        (["due", "12/02/2026", "5"], "không phải là ngày hợp lệ"),
        (["count", "2026-02-12", "hôm nay"], "Ngày B «hôm nay» không phải là ngày hợp lệ"),
        (["due", "2026-02-12", "năm"], "số ngày làm việc «năm» không phải là số nguyên"),
        (["due", "2026-02-12", "401"], "Số ngày làm việc tối đa là 400"),
        (["list", "2200"], "Năm 2200 nằm ngoài phạm vi"),
        (["due", "9999-12-30", "5"], "Năm 9999 nằm ngoài phạm vi"),
    ):
        result = runner.invoke(args=["workdays", *args])
        assert result.exit_code == 2 and result.output.startswith("Lỗi: ") and message in result.output, (
            args, result.output)
    result = runner.invoke(args=["workdays", "add-override", "2027-02-11", "off", "--reason", "TB giả định"])
    assert result.exit_code == 0, result.output
    assert overrides(demo) == 1
    result = runner.invoke(args=["workdays", "due", "2027-02-03", "3"])
    assert result.output.startswith("2027-02-16 (Thứ Ba)")
    result = runner.invoke(args=["workdays", "list", "2027"])
    assert "2027-02-11  Thứ Năm   nghỉ      TB giả định  [Điều chỉnh của Sở Nội vụ]" in result.output
    result = runner.invoke(args=["workdays", "add-override", "2027-02-14", "off", "--reason", "x"])
    assert result.exit_code == 1 and "đã là ngày nghỉ" in result.output
    result = runner.invoke(args=["workdays", "add-override", "2027-02-31", "off", "--reason", "x"])
    assert result.exit_code == 2
    assert runner.invoke(args=["workdays", "remove-override", "2027-02-11"]).exit_code == 0
    result = runner.invoke(args=["workdays", "remove-override", "2027-02-11"])
    assert result.exit_code == 1 and "Không có điều chỉnh" in result.output
    assert overrides(demo) == 0


# --------------------------------------------------------------------------- screens


def test_admin_screen(client, demo):
    """Sở Nội vụ's administrator adds, edits and deletes an override through the screen; a refused one shows
    the Vietnamese message and writes nothing; the year page and the calculator use the new calendar."""
    assert login(client).status_code == 302
    html = client.get("/workdays/overrides/add").get_data(as_text=True)
    assert "Điều chỉnh thành" in html and "Lý do, văn bản thông báo" in html
    resp = client.post("/workdays/overrides/add",
                       data={"day": "2027-02-11", "kind": "off", "reason": "Thông báo số 1/TB-BNV (giả định)"})
    assert resp.status_code == 302
    row = demo.session.scalar(select(WorkdayOverride))
    assert (row.day, row.kind, row.created_by.username) == (d("2027-02-11"), "off", "sonoivu.admin")
    html = client.get("/workdays/overrides/list/").get_data(as_text=True)
    assert "Thông báo số 1/TB-BNV" in html and "Thứ Năm" in html

    resp = client.post("/workdays/overrides/add", data={"day": "2027-02-17", "kind": "work", "reason": "x"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "đã là ngày làm việc" in html
    resp = client.post("/workdays/overrides/add", data={"day": "2027-02-21", "kind": "off", "reason": "x"})
    assert "Chủ nhật" in resp.get_data(as_text=True) and "đã là ngày nghỉ" in resp.get_data(as_text=True)
    resp = client.post("/workdays/overrides/add", data={"day": "2027-02-11", "kind": "off", "reason": "x"})
    assert "đã có điều chỉnh" in resp.get_data(as_text=True)
    assert overrides(demo) == 1

    html = client.get("/workdays/?year=2027&start=2027-02-03&n=3").get_data(as_text=True)
    assert 'data-day="2027-02-11" data-working="0" data-source="override"' in html
    assert "16/02/2027" in html and "Năm 2027 có 248 ngày làm việc." in html

    resp = client.post(f"/workdays/overrides/edit/{row.id}",
                       data={"day": "2027-02-12", "kind": "off", "reason": "Sửa: nghỉ 12/02/2027"})
    assert resp.status_code == 302
    demo.session.expire_all()
    assert demo.session.get(WorkdayOverride, row.id).day == d("2027-02-12")
    assert wd.add_workdays(d("2027-02-03"), 1) == d("2027-02-11")
    assert client.post(f"/workdays/overrides/delete/{row.id}").status_code == 302
    assert overrides(demo) == 0

    html = client.get("/workdays/?year=2026").get_data(as_text=True)
    assert 'data-day="2026-08-22" data-working="1"' in html and "Năm 2026 có 249 ngày làm việc." in html
    assert "Lịch ngày làm việc" in html
    html = client.get("/workdays/?year=abc&start=2026-02-12&n=999").get_data(as_text=True)
    assert "Năm không hợp lệ." in html and "phải từ 0 đến 400" in html


def test_read_only_users_get_403(client, demo):
    """Only Sở Nội vụ administrators write the calendar: a Sở Nội vụ officer reads it but every write is 403;
    a report viewer has no access at all."""
    wd.add_override(admin(demo), d("2027-02-11"), "off", "Giả định")
    row_id = demo.session.scalar(select(WorkdayOverride.id))
    assert login(client, "sonoivu.chuyenvien").status_code == 302
    assert client.get("/workdays/overrides/list/").status_code == 200
    assert client.get("/workdays/?year=2026").status_code == 200
    assert client.get("/workdays/overrides/add").status_code == 403
    assert client.post("/workdays/overrides/add",
                       data={"day": "2027-02-12", "kind": "off", "reason": "x"}).status_code == 403
    assert client.post(f"/workdays/overrides/edit/{row_id}",
                       data={"day": "2027-02-12", "kind": "off", "reason": "x"}).status_code == 403
    assert client.post(f"/workdays/overrides/delete/{row_id}").status_code == 403
    assert overrides(demo) == 1
    assert demo.session.get(WorkdayOverride, row_id).day == d("2027-02-11")
    client.post("/logout/")
    assert login(client, "xem.baocao").status_code == 302
    assert client.get("/workdays/overrides/list/").status_code == 403
    assert client.get("/workdays/").status_code == 403
