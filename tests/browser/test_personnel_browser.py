"""Browser test of "Hồ sơ của tôi" in real headless Chromium (pytest-playwright, sync API).

A staff member signs in, lands on their own file, edits one section, attaches the proof, reads the diff
and submits it for approval — the way HN-6.2/HN-6.3/HCM-7.2c describe self-service updates.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.factories import PASSWORD, shot

pytestmark = pytest.mark.usefixtures("demo_people")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_PHONE = "0987 654 321"
PROOF_NAME = "Giấy xác nhận số điện thoại.pdf"


def test_staff_updates_own_file_with_proof_and_submits(page: Page, live_server, db, js_errors):
    """HN-6.2, HN-6.3, HCM-7.2c: "Hồ sơ của tôi" — edit a section, attach proof, see the diff, submit."""
    from models.accounts import Account
    from models.personnel import Attachment, ChangeSet, Person

    # 1. Sign in: a self-service account lands on its own file.
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#username", "annv.syt")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).to_have_url(re.compile(r"/my/file/$"))
    expect(page.locator("#person-name")).to_have_text("Nguyễn Văn An")
    expect(page.locator("#file-tabs")).to_contain_text("Thông tin chung")
    shot(page, "my_file.png")

    # 2. A long code list (provinces) is a search box fed by the server, not a dropdown of every entry.
    page.goto(live_server + "/my/file/edit/identity")
    picker = page.locator("#hometown_province + .select2-container")
    expect(picker).to_be_visible()
    picker.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("ha noi")
    expect(page.locator(".select2-results__option", has_text="Thành phố Hà Nội")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator('p.readonly-field#file_number')).to_have_count(1)  # the agency's item: read-only

    # 3. Edit one section: the new phone number goes to the draft, highlighted on the file page.
    page.goto(live_server + "/my/file/")
    page.locator("#section-documents .btn-edit-section").click()
    expect(page).to_have_url(re.compile(r"/my/file/edit/documents$"))
    page.fill("#phone", NEW_PHONE)
    page.click("#btn-save-section")
    expect(page).to_have_url(re.compile(r"/my/file/#tab-general$"))
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu")
    changed = page.locator('#section-documents tr.changed[data-field="phone"]')
    expect(changed).to_contain_text(NEW_PHONE)
    expect(page.locator("#draft-banner")).to_be_visible()

    # 4. The draft page: exactly that change, then the proof.
    page.click("#link-draft")
    expect(page).to_have_url(re.compile(r"/my/file/draft$"))
    entries = page.locator(".diff-entry")
    expect(entries).to_have_count(1)
    expect(entries.locator("tbody tr")).to_have_count(1)
    expect(entries.locator('tr[data-field="phone"] .diff-new')).to_have_text(NEW_PHONE)
    page.set_input_files("#attachment-file", files=[{"name": PROOF_NAME, "mimeType": "application/pdf",
                                                      "buffer": PDF}])
    page.select_option("#attachment-kind", "giay_to_tuy_than")
    page.select_option("#attachment-section", "documents")
    page.fill("#attachment-description", "Bản chụp xác nhận của nhà mạng")
    page.click("#btn-upload")
    expect(page.locator(".alert-success")).to_contain_text("Đã đính kèm tài liệu")
    expect(page.locator("a.attachment-link")).to_have_text(re.compile(re.escape(PROOF_NAME)))
    shot(page, "my_file_draft.png")

    # 5. Submit: the draft is now waiting for the head of the agency; editing is closed meanwhile.
    page.fill("#submit-note", "Đổi số điện thoại liên hệ")
    page.click("#btn-submit")
    expect(page.locator(".alert-success")).to_contain_text("Đã gửi đề nghị thay đổi")
    expect(page.locator("#draft-status")).to_contain_text("Chờ duyệt")
    expect(page.locator("#btn-submit")).to_have_count(0)
    shot(page, "my_file_submitted.png")
    page.goto(live_server + "/my/file/")
    expect(page.locator("#submitted-banner")).to_be_visible()
    expect(page.locator("#section-documents .btn-edit-section")).to_have_count(0)

    # 6. The database agrees: one submitted change set with the proof; the approved file is unchanged.
    db.session.expire_all()
    staff = db.session.scalar(select(Account).where(Account.username == "annv.syt"))
    person = db.session.scalar(select(Person).where(Person.account_id == staff.id))
    cs = db.session.scalar(select(ChangeSet).where(ChangeSet.person_id == person.id))
    assert cs.status == "submitted" and cs.note == "Đổi số điện thoại liên hệ"
    assert [(i.section, i.op) for i in cs.items] == [("documents", "set")]
    assert db.session.scalar(select(Attachment.original_name).where(Attachment.change_set_id == cs.id)) == PROOF_NAME
    assert person.phone != NEW_PHONE and person.version_no == 1
