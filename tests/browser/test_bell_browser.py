"""Browser test of the bell (issue 15, item 1) in real headless Chromium (pytest-playwright, sync API).

A staff member submits a change of their own file: the approver's bell lights up at once; the approver opens the
notice, lands on the change, approves it; the staff member's bell lights up with the approval.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.pages import sign_in
from tests.factories import TIMEOUT_MS, shot

pytestmark = pytest.mark.usefixtures("demo_people")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_PHONE = "0987 654 321"


@pytest.fixture()
def hanoi_inline(app, monkeypatch):
    """Hà Nội's profile, jobs in-process."""
    monkeypatch.setitem(app.config, "CITY_PROFILE", "hanoi")
    monkeypatch.setitem(app.extensions, "rq_queue", None)


def test_submission_lights_the_approvers_bell_and_approval_the_staff_members(
        page: Page, browser: Browser, browser_context_args, live_server, db, hanoi_inline, js_errors):
    """HN-6.3, HN-6.4: annv.syt submits a new phone number with its proof; syt.thutruong's bell shows 1, the
    notice opens the change, the head approves it; annv.syt's bell then shows 1 and says it was approved."""
    from app.services.notifications import mark_all_read
    from models.accounts import Account
    from models.notifications import Notification
    from models.personnel import ChangeSet

    # 0. The demo's own pending changes told the heads already: they have read those.
    for username in ("syt.thutruong", "sonoivu.giamdoc"):
        mark_all_read(db.session.scalar(select(Account).where(Account.username == username)))

    # 1. The staff member: nothing in the bell yet; edit, attach the proof, submit.
    sign_in(page, live_server, "annv.syt")
    expect(page.locator("#notification-bell")).to_be_visible()
    expect(page.locator("#notification-count")).to_have_count(0)
    page.goto(live_server + "/my/file/edit/documents")
    page.fill("#phone", NEW_PHONE)
    page.click("#btn-save-section")
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu")
    page.goto(live_server + "/my/file/draft")
    page.set_input_files("#attachment-file", files=[{"name": "Xác nhận số điện thoại.pdf",
                                                      "mimeType": "application/pdf", "buffer": PDF}])
    page.select_option("#attachment-kind", "giay_to_tuy_than")
    page.select_option("#attachment-section", "documents")
    page.click("#btn-upload")
    expect(page.locator(".alert-success")).to_contain_text("Đã đính kèm tài liệu")
    page.fill("#submit-note", "Đổi số điện thoại liên hệ")
    page.click("#btn-submit")
    expect(page.locator(".alert-success")).to_contain_text("Đã gửi đề nghị thay đổi")
    db.session.expire_all()
    cs_id = db.session.scalar(select(ChangeSet.id).join(Account, Account.id == ChangeSet.submitted_by_id)
                              .where(ChangeSet.status == "submitted", Account.username == "annv.syt"))

    # 2. The approver, in a browser of their own: the bell lights up; the notice opens the change.
    context = browser.new_context(**browser_context_args)
    head = context.new_page()
    head.set_default_timeout(TIMEOUT_MS)
    try:
        sign_in(head, live_server, "syt.thutruong")
        expect(head.locator("#notification-count")).to_have_text("1")
        shot(head, "bell_approver.png")
        head.locator("#notification-bell a").click()
        expect(head).to_have_url(re.compile(r"/notifications/"))
        row = head.locator("#notification-list .notification-row.unread")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Đề nghị thay đổi hồ sơ của Nguyễn Văn An chờ bạn xử lý")
        row.locator("a.notification-link").click()
        expect(head).to_have_url(re.compile(rf"/people/changes/{cs_id}$"))
        expect(head.locator("#notification-count")).to_have_count(0)  # read once opened
        head.fill("#approve-comment", "Đồng ý")
        head.click("#btn-approve")
        expect(head.locator(".alert-success")).to_contain_text("Đã phê duyệt")
    finally:
        context.close()

    # 3. The staff member: the bell lights up with the approval.
    page.goto(live_server + "/my/file/")
    expect(page.locator("#notification-count")).to_have_text("1")
    page.locator("#notification-bell a").click()
    row = page.locator("#notification-list .notification-row.unread")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Đề nghị thay đổi hồ sơ của bạn đã được phê duyệt")
    shot(page, "bell_staff_approved.png")
    row.locator("a.notification-link").click()
    expect(page).to_have_url(re.compile(r"/my/file/$"))

    db.session.expire_all()
    assert db.session.get(ChangeSet, cs_id).status == "approved"
    told = sorted(db.session.execute(select(Account.username, Notification.kind).join(
        Account, Account.id == Notification.user_id).where(Notification.title.contains("Nguyễn Văn An"))))
    assert told == [("sonoivu.giamdoc", "step_waiting"), ("syt.thutruong", "step_waiting")]
    assert db.session.scalar(select(Account.username).join(Notification, Notification.user_id == Account.id)
                             .where(Notification.kind == "change_approved")) == "annv.syt"
