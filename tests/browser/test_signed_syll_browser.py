"""Browser test of signed documents (issue 15 item 2) in real headless Chromium (pytest-playwright, sync API).

In HCM, the person signed their change and the TCCB officer authenticated it by signature; the head approves it
on the review page with the certificate's passphrase, comes back to the review page, opens "Chữ ký số" and sees
the three signatures listed (Người khai, Cán bộ TCCB thẩm định, Thủ trưởng phê duyệt), all valid; the PDF
downloaded from that page validates in pyHanko with the same three signatures.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSPHRASE, PASSWORD, account, documents, person_for, shot, use_profile, with_certificates

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture()
def authenticated(app, db, dev_ca, monkeypatch):
    """HCM, jobs in-process: annv.syt signed a change of their file, syt.tccb authenticated it by signature; it
    waits for the head's approval. Returns (person id, change set id)."""
    from app.services import code_lists
    from app.services import personnel as svc

    use_profile(app, monkeypatch, "hcm")
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    code_lists.load_code_lists()
    with_certificates(db, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    svc.save_section(account(db, "annv.syt"), person.id, "documents", documents())
    cs = svc.submit(account(db, "annv.syt"), person.id, "Đổi nơi ở", passphrase=PASSPHRASE)
    assert svc.approve(account(db, "syt.tccb"), cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    return person.id, cs.id


def test_signed_syll_opens_from_the_review_page_with_its_three_signatures(page: Page, live_server, db,
                                                                          authenticated, js_errors):
    """HCM-7.2b: the head approves by signature on the review page; the review page then links the signed SYLL;
    its "Chữ ký số" page lists the three signatures with their fields, all valid; the downloaded PDF agrees."""
    from app.signing import verify_pdf
    from models.personnel import ChangeSet

    person_id, cs_id = authenticated
    page.goto(live_server + "/login/")
    page.fill("#username", "syt.thutruong")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))

    # The review page before the decision: the signed SYLL so far (person and officer) is already in reach.
    page.goto(f"{live_server}/people/changes/{cs_id}")
    expect(page.locator("#signed-documents li")).to_have_count(1)
    page.fill("#approve-passphrase", PASSPHRASE)
    page.fill("#approve-comment", "Đồng ý")
    page.click("#btn-approve")
    expect(page.locator(".alert-success")).to_contain_text("Đã phê duyệt")
    db.session.expire_all()
    assert db.session.get(ChangeSet, cs_id).status == "approved"

    # Back on the review page: open "Chữ ký số".
    page.goto(f"{live_server}/people/changes/{cs_id}")
    signed = page.locator("#signed-documents")
    expect(signed).to_contain_text("Lần gửi thứ 1")
    shot(page, "signed_syll_review.png")
    signed.locator("a.signed-panel").click()
    expect(page).to_have_url(re.compile(rf"/people/{person_id}/changes/{cs_id}/signatures\?round=1$"))
    rows = page.locator("#signature-panel tbody tr.signature-line")
    expect(rows).to_have_count(3)
    expect(page.locator("#verdict")).to_have_attribute("data-valid", "true")
    expected = [("NguoiKhai", "Người khai"), ("CanBoTCCB", "Cán bộ TCCB thẩm định"),
                ("ThuTruong", "Thủ trưởng phê duyệt")]
    for i, (field, label) in enumerate(expected):
        row = rows.nth(i)
        expect(row).to_have_attribute("data-field", field)
        expect(row).to_have_attribute("data-valid", "true")
        expect(row.locator(".role")).to_contain_text(label)
        expect(row.locator(".verdict")).to_contain_text("Hợp lệ")
        expect(row.locator(".signing-time")).to_have_text(re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d"))
    expect(rows.nth(0).locator(".step")).to_contain_text("Nguyễn Văn An")
    expect(rows.nth(2).locator(".step")).to_contain_text("Phê duyệt")
    shot(page, "signed_syll_signatures.png")

    # The PDF downloaded from the panel: the same three signatures, valid in pyHanko.
    with page.expect_download() as info:
        page.click("#btn-download-signed")
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and "ký số" in download.suggested_filename
    reports = verify_pdf(open(download.path(), "rb").read())
    assert [r.field for r in reports] == [field for field, _label in expected]
    assert all(r.bottom_line for r in reports), [r.summary for r in reports]
    signers = page.locator("#signature-panel .signer")
    for i, report in enumerate(reports):
        expect(signers.nth(i)).to_contain_text(report.signer)
