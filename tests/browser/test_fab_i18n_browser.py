"""Issue 15 item 4 in real headless Chromium: what Flask-AppBuilder's own scripts show is Vietnamese too.

ab.js starts FAB's select boxes with select2's English messages and the placeholder "Select a State"; its
actions alert "No row selected" with an "OK" button; its confirm dialog said "Cancel". These texts exist only
once the scripts ran, so the page crawl (tests/test_page_crawl.py) cannot see them: this test clicks.
"""


import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """An English-speaking browser: the page's language must not follow it (the app's default is Vietnamese)."""
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1366, "height": 900}}


def test_fab_select_boxes_alerts_and_dialogs_speak_vietnamese(page: Page, live_server, db, js_errors):
    """A FAB select box (a role's permissions) has a Vietnamese placeholder and says "Không tìm thấy kết quả."
    for a search finding nothing; an action clicked with no row selected alerts "Chưa chọn dòng nào." with a
    "Đóng" button; the delete confirmation offers "Hủy" and "Đồng ý"."""
    sign_in(page, live_server, "sonoivu.admin")

    page.goto(live_server + "/roles/add")
    box = page.locator("#permissions + .select2")
    expect(box.locator("input.select2-search__field")).to_have_attribute("placeholder", "Chọn giá trị")
    box.click()
    page.keyboard.type("khong co quyen nao nhu the")
    expect(page.locator(".select2-results__message")).to_have_text("Không tìm thấy kết quả.")
    page.keyboard.press("Escape")

    page.goto(live_server + "/org-units/list/")
    page.locator("button.dropdown-toggle", has_text="Thao tác").click()
    page.locator("a.export_csv_menu_item").click()
    alert = page.locator("#modal-alert")
    expect(alert.locator(".modal-text")).to_have_text("Chưa chọn dòng nào.")
    expect(alert.locator("button")).to_have_text("Đóng")
    alert.locator("button").click()

    confirm = page.locator("#modal-confirm")
    expect(confirm.locator("button[data-dismiss='modal']")).to_have_text("Hủy", use_inner_text=True)
    expect(confirm.locator("#modal-confirm-ok")).to_have_text("Đồng ý", use_inner_text=True)
    shown = page.evaluate("() => { const b = document.body.cloneNode(true);"
                          " b.querySelectorAll('script').forEach(s => s.remove()); return b.textContent; }")
    for english in ("Select a State", "No row selected", "Cancel", "No results found", "OK"):
        assert english not in shown
