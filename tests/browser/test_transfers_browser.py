"""Browser test of a move between two agencies (issue 16; HN-12.1, HCM-8.2) in real headless Chromium.

The losing agency's TCCB officer records the decision from the file page (unit picker, decision, its scan); Sở Nội
vụ moves the file and the account from the move's page; the gaining agency's officer finds it in "Tiếp nhận,
chuyển đến", receives it and opens the file; the old officer gets 404 on it.
"""

from datetime import date

from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import sign_in
from tests.factories import account, hr_officer, person_for, shot

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_move_between_agencies_recorded_moved_received(page: Page, browser: Browser, browser_context_args,
                                                       live_server, demo, unit_by_name, app, monkeypatch, js_errors):
    """HN-12.1, HCM-8.2: record → move → receive, each by its own actor, in the browser."""
    monkeypatch.setitem(app.config, "CITY_PROFILE", "hcm")
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    db = demo
    hr_officer(db, "sgd.tccb", unit_by_name("Sở Giáo dục và Đào tạo"))
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    today = date.today().strftime("%d/%m/%Y")

    # 1. The losing agency records the decision from the file page.
    sign_in(page, live_server, "syt.tccb")
    page.goto(f"{live_server}/people/{person.id}")
    page.locator("#move-links a", has_text="giữa các cơ quan").click()
    picker = page.locator("#to_unit_id + .select2-container")
    picker.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("chu van an")
    page.locator(".select2-results__option", has_text="Trường THPT Chu Văn An").first.click()
    page.fill("#new_title", "Giáo viên")
    page.fill("#decision_number", "321/QĐ-UBND")
    page.fill("#decision_date", today)
    page.fill("#effective_date", today)
    page.set_input_files("#scan", files=[{"name": "QĐ 321.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#transfer-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận quyết định")
    expect(page.locator("#transfer-status")).to_have_text("Đã ghi nhận quyết định")
    move_url = page.url
    page.goto(f"{live_server}/people/{person.id}")
    expect(page.locator("#transit-banner")).to_be_visible()
    expect(page.locator(".btn-edit-section")).to_have_count(0)
    shot(page, "transfer_1_recorded.png")

    # 2. Sở Nội vụ moves the file and the account.
    snv = browser.new_context(**browser_context_args).new_page()
    sign_in(snv, live_server, "sonoivu.admin")
    snv.goto(move_url)
    snv.locator(".move-form button").click()
    expect(snv.locator(".alert-success")).to_contain_text("chờ đơn vị mới tiếp nhận")
    expect(snv.locator("#transfer-status")).to_have_text("Đang chuyển, chờ tiếp nhận")

    # 3. The gaining agency finds it in its incoming list, receives it and opens the file.
    gain = browser.new_context(**browser_context_args).new_page()
    sign_in(gain, live_server, "sgd.tccb")
    gain.goto(live_server + "/transfers/incoming")
    row = gain.locator("#transfers-table tr.transfer-row", has_text="Nguyễn Văn An")
    expect(row).to_contain_text("Đang chuyển, chờ tiếp nhận")
    row.locator("a").first.click()
    gain.locator(".receive-form button").click()
    expect(gain.locator(".alert-success")).to_contain_text("Đã tiếp nhận hồ sơ")
    expect(gain.locator("#transfer-status")).to_have_text("Hoàn tất")
    gain.locator("#transfer-file-link").click()
    expect(gain.locator("#person-file")).to_be_visible()
    expect(gain.locator("#moves")).to_contain_text("321/QĐ-UBND")
    expect(gain.locator(".btn-edit-section").first).to_be_visible()
    shot(gain, "transfer_3_received.png")

    # 4. The losing officer has lost the file.
    js_errors.expect_failed_load(f"{live_server}/people/{person.id}")
    response = page.goto(f"{live_server}/people/{person.id}")
    assert response.status == 404
