"""Browser test of "Sắp nghỉ hưu" (issue 16 item 4) in real headless Chromium: the TCCB officer opens it from the
menu, sees who retires in the next 12 months, widens the period to 24 months and narrows it to one unit with the
unit picker, then opens a file from the list. Rule NĐ135-4 (retirement ages of NĐ 135/2020/NĐ-CP).
"""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from app.security import scope
from tests.factories import PASSWORD, person_for, shot

TODAY = date(2026, 9, 15)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Vietnamese user's browser: vi-VN, Hà Nội time, a desktop screen."""
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1280, "height": 900}}


def test_retirements_list_in_the_browser(page: Page, live_server, demo, unit_by_name, monkeypatch, js_errors):
    """NĐ135-4: 12 months show the man born 06/1965 (retires 01/01/2027); 24 months and the unit Khoa Cấp cứu show
    the two people there (01/11/2027: born in 1966, year only, and a woman born 06/1970), not the others."""
    monkeypatch.setattr(scope, "today", lambda: TODAY)
    db = demo
    er = unit_by_name("Khoa Cấp cứu")
    hospital = unit_by_name("Bệnh viện Thanh Nhàn")
    person_for(db, hospital, name="Vũ Văn Sớm", cccd="001065001111", born="20/06/1965", officer="sonoivu.admin")
    person_for(db, er, name="Trần Văn Hưu", cccd="001066001234", born="1966", officer="sonoivu.admin")
    person_for(db, er, name="Phạm Thị Lan", cccd="001170001234", born="06/1970", gender="nu", officer="sonoivu.admin")
    person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Lò Văn Ngoaivi", cccd="001066005678",
               born="03/1966", officer="sonoivu.admin")

    page.goto(live_server + "/login/")
    page.fill("#username", "syt.tccb")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.locator(".navbar a.dropdown-toggle", has_text="Hồ sơ").click()
    page.locator(".navbar a", has_text="Sắp nghỉ hưu").click()
    expect(page.locator("h2")).to_have_text("Sắp nghỉ hưu")
    rows = page.locator("#retirements-table tr.retirement-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Vũ Văn Sớm")
    expect(rows.first).to_contain_text("01/01/2027")
    expect(rows.first).to_contain_text("61 tuổi 6 tháng")
    expect(page.locator("#retirements-period")).to_contain_text(
        "Từ ngày 15/09/2026 đến trước ngày 15/09/2027: 1 người.")

    page.select_option("#months", "24")
    picker = page.locator("#unit_id + .select2-container")
    picker.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("cap cuu")
    page.locator(".select2-results__option", has_text="Khoa Cấp cứu").first.click()
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"unit_id={er.id}"))
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Trần Văn Hưu")
    expect(rows.nth(0)).to_contain_text("1966")
    expect(rows.nth(1)).to_contain_text("Phạm Thị Lan")
    expect(rows.nth(1)).to_contain_text("06/1970")
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("01/11/2027")
    expect(page.locator("#retirements-by-unit tr.retirement-unit")).to_have_count(1)
    expect(page.locator("#retirements-by-unit")).to_contain_text("Khoa Cấp cứu")
    expect(page.locator("body")).not_to_contain_text("Ngoaivi")
    expect(page.locator("body")).not_to_contain_text("Vũ Văn Sớm")
    shot(page, "retirements_list.png")

    rows.nth(1).locator("a").click()
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    expect(page.locator("body")).to_contain_text("Phạm Thị Lan")
