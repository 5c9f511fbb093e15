"""Issue 15 item 5, the small things of a working day: switching the language keeps the page, a refused upload
keeps the chosen document type, a message is shown once."""

import io
import re

import pytest
from sqlalchemy import select

from models.personnel import Attachment, ChangeSet
from tests.clients import body, client_for, count
from tests.factories import account, login
from tests.test_personnel_views import DOCUMENTS, PDF, person_for


def flashes(page: str) -> list[str]:
    """The texts of the flashed messages of a page (FAB's flash area)."""
    return [" ".join(re.sub(r"<[^>]+>|×", " ", m).split())
            for m in re.findall(r'<div class="alert alert-\w+ flash-message">(.*?)</div>', page, re.S)]


# --------------------------------------------------------------------------- language


def test_switching_language_comes_back_to_the_same_page(app, demo):
    """The navbar's language links carry the current page; /lang/<locale> returns there in the new language."""
    c = client_for(app, "sonoivu.admin")
    page = body(c.get("/people/?q=nguyen&page=1"))
    link = re.search(r'href="([^"]*/lang/en[^"]*)" class="locale-link"', page)
    assert link, "no link to English in the navbar"
    assert link.group(1) == "/lang/en?next=/people/?q%3Dnguyen%26page%3D1"
    resp = c.get(link.group(1))
    assert resp.status_code == 302 and resp.headers["Location"] == "/people/?q=nguyen&page=1"
    english = body(c.get(resp.headers["Location"]))
    assert 'href="/lang/vi?next=/people/?q%3Dnguyen%26page%3D1"' in english
    resp = c.get("/lang/vi?next=/org/tree")
    assert resp.headers["Location"] == "/org/tree"
    assert "Cây cơ cấu tổ chức" in body(c.get("/org/tree"))
    # Without next (an old bookmark): the same-site page it came from, else home.
    assert c.get("/lang/vi", headers={"Referer": "http://localhost/people/archive"}).headers["Location"] == \
        "/people/archive"
    assert c.get("/lang/vi").headers["Location"] == "/"
    assert c.get("/lang/xx?next=/org/tree").status_code == 404


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "evil.example", "/lang/en?next=/x", " //evil.example",
])
def test_language_switch_is_no_open_redirect(app, demo, target):
    """``next`` outside this site (or malformed) is ignored, as is a foreign Referer: back to the home page."""
    c = client_for(app, "sonoivu.admin")
    resp = c.get("/lang/en", query_string={"next": target}, headers={"Referer": "https://evil.example/p"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/", resp.headers["Location"]
    assert c.get("/people/").status_code == 200
    # Control characters never reach the view (the request guard's 400).
    assert c.get("/lang/en", query_string={"next": "/people/\r\nSet-Cookie: x=1"}).status_code == 400


def test_login_page_offers_the_other_language(client, demo):
    """A fresh session is in Vietnamese: the login page's menu offers English (not Vietnamese again) and comes
    back to the login page."""
    page = body(client.get("/login/"))
    assert 'href="/lang/en?next=/login/"' in page and 'data-locale="vi"' not in page
    resp = client.get("/lang/en?next=/login/")
    assert resp.headers["Location"] == "/login/"
    assert 'data-locale="vi"' in body(client.get("/login/"))


# --------------------------------------------------------------------------- a refused upload


@pytest.mark.parametrize("case", ["wrong_type", "too_big", "empty"])
def test_refused_upload_keeps_the_document_type(app, demo, monkeypatch, case):
    """The officer attaches a proof to a person's draft; refused (not a PDF/JPEG/PNG, too big, no file), the draft
    page comes back with the message next to the file field and the chosen type and section still selected;
    nothing is stored."""
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    officer = client_for(app, "syt.tccb")
    assert officer.post(f"/people/{person.id}/edit/documents", data=DOCUMENTS).status_code == 302
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    upload = {"wrong_type": (io.BytesIO(b"PK\x03\x04 a zip"), "hồ sơ.zip"),
              "too_big": (io.BytesIO(PDF + b"0" * (1024 * 1024)), "Quyết định.pdf"),
              "empty": (io.BytesIO(b""), "")}[case]
    before = count(db, Attachment)
    resp = officer.post(f"/people/{person.id}/attachments", data={
        "attachment-file": upload, "attachment-kind": "van_bang", "attachment-section": "education",
        "attachment-description": "Bằng thạc sĩ"}, content_type="multipart/form-data")
    assert resp.status_code == 400
    page = body(resp)
    form = page[page.index('id="attachment-form"'):]
    form = form[:form.index("</form>")]
    errors = dict(re.findall(r'field-error" data-field="([^"]+)">([^<]*)<', form))
    assert set(errors) == {"file"}, errors
    assert {"wrong_type": "Chỉ nhận tệp PDF, JPEG hoặc PNG.", "too_big": "Tệp lớn hơn 1 MB.",
            "empty": "Hãy chọn tệp cần đính kèm."}[case] in errors["file"]
    assert re.search(r'<option selected value="van_bang">', form), "the document type was not kept"
    assert re.search(r'<option selected value="education">', form)
    assert 'value="Bằng thạc sĩ"' in form
    assert count(db, Attachment) == before
    # Then the same form with a good file goes through, with that type.
    resp = officer.post(f"/people/{person.id}/attachments", data={
        "attachment-file": (io.BytesIO(PDF), "Bằng thạc sĩ.pdf"), "attachment-kind": "van_bang",
        "attachment-section": "education"}, content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Attachment.kind).order_by(Attachment.id.desc()).limit(1)) == "van_bang"


# --------------------------------------------------------------------------- messages once


def test_message_after_a_successful_action_is_shown_once(app, demo):
    """Saving a section, attaching, submitting: the page after each has its message exactly once."""
    db = demo
    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    page = body(staff.post("/my/file/edit/documents", data=DOCUMENTS, follow_redirects=True))
    assert len([m for m in flashes(page) if m.startswith("Đã lưu")]) == 1, flashes(page)
    assert page.count("Đã lưu “") == 1
    page = body(staff.post("/my/file/attachments", data={
        "attachment-file": (io.BytesIO(PDF), "CCCD.pdf"), "attachment-kind": "giay_to_tuy_than",
        "attachment-section": "documents"}, content_type="multipart/form-data", follow_redirects=True))
    assert flashes(page) == ["Đã đính kèm tài liệu."] and page.count("Đã đính kèm tài liệu.") == 1
    page = body(staff.post("/my/file/submit", data={"submit-note": "Cập nhật"}, follow_redirects=True))
    assert flashes(page) == ["Đã gửi đề nghị thay đổi; hồ sơ chờ phê duyệt."]
    assert page.count("Đã gửi đề nghị thay đổi") == 1
    assert count(db, ChangeSet, ChangeSet.status == "submitted") == 1


def test_no_file_message_is_shown_once(app, demo):
    """An account without a file that asks to print "its" SYLL or open its draft lands on "Hồ sơ của tôi", which
    says why once (it used to be flashed as well)."""
    c = client_for(app, "sonoivu.admin")
    for url in ("/my/file/syll/print", "/my/file/draft"):
        page = body(c.get(url, follow_redirects=True))
        assert page.count("chưa gắn với hồ sơ nào") == 1, url
        assert flashes(page) == []


def test_default_password_notice_is_shown_once(client, demo):
    """HN-6.2: a user who must change the default password is sent to the password page, which says so once —
    however many pages were asked for before — and without a rule number."""
    annv = account(demo, "annv.syt")
    annv.must_change_password = True
    demo.session.commit()
    assert login(client, "annv.syt").status_code == 302
    for url in ("/people/", "/org/tree", "/my/file/"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/password")
    page = body(client.get("/my/password"))
    assert page.count("Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống.") == 1
    assert "HN-6.2" not in page
    resp = client.get("/org/api/children", headers={"Accept": "application/json"})
    assert resp.status_code == 403
    assert resp.get_json()["message"] == "Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống."


def test_locked_account_gets_one_message(client, demo, app):
    """A locked account's login says it is locked, once, without FAB's "invalid login" beside it."""
    for _ in range(app.config["AUTH_MAX_FAILED_LOGINS"]):
        login(client, "annv.syt", "Sai-mat-khau-1")
    demo.session.expire_all()
    assert account(demo, "annv.syt").is_locked
    client.get("/login/")  # shows the failures' messages
    page = body(client.post("/login/", data={"username": "annv.syt", "password": "Demo@2026"},
                            follow_redirects=True))
    assert flashes(page) == ["Tài khoản đã bị khóa. Liên hệ quản trị cơ quan để mở khóa."]
    # A wrong password of an unlocked account is FAB's one message.
    page = body(client.post("/login/", data={"username": "syt.tccb", "password": "Sai-mat-khau-1"},
                            follow_redirects=True))
    assert len(flashes(page)) == 1 and "khóa" not in flashes(page)[0]


def test_a_message_flashed_twice_is_shown_once(app, demo):
    """Two requests that flash the same message before a page is shown (two tabs, a redirect chain): once."""
    c = client_for(app, "annv.syt")
    with c.session_transaction() as sess:
        sess["_flashes"] = [("warning", "Thông báo thử."), ("warning", "Thông báo thử."), ("info", "Khác.")]
    assert flashes(body(c.get("/notifications/"))) == ["Thông báo thử.", "Khác."]
