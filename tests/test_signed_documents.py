"""Signed documents in reach (issue 15 item 2): the signed Sơ yếu lý lịch of an HCM submission opens from the
review page, the file's history, the version page and the person's own page, with its "Chữ ký số" panel; the
print offers it after approval; an officer signs a print.

HCM-3.4, HCM-7.2b, HCM-7.2c (the person signs, the TCCB officer authenticates, the head approves, on one PDF);
HN-8.2 (outside the scope, or below the level the unmasked PDF needs, the same 404 as a missing document);
HN-8.4/HCM-9.4 (a signed print), design.md (every read/export in the access log). PDFs are read back with
pyHanko (``verify_pdf``) and poppler.
"""

import re

import pytest
from sqlalchemy import func, select

from app.services import personnel as svc
from app.signing import verify_pdf
from models.approvals import ChangeSetDocument
from models.audit import AccessLog
from models.personnel import ChangeSet
from tests.clients import body, client_for
from tests.factories import PASSPHRASE, account, documents, flat, person_for, poppler, use_profile, with_certificates
from tests.url_routes import without_per_response_tokens

THREE = ["NguoiKhai", "CanBoTCCB", "ThuTruong"]


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the session's loaded copy)."""


def events(db, name: str) -> list[AccessLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessLog).where(AccessLog.event == name).order_by(AccessLog.id)))


def pdf_of(resp) -> bytes:
    assert resp.status_code == 200, (resp.status_code, body(resp)[:500])
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "private, no-store"
    return resp.data


def hrefs(page: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', page)


@pytest.fixture()
def hcm_signed(app, demo, dev_ca, monkeypatch):
    """HCM: annv.syt signs a change of their file; the TCCB officer returns it (round 1, the person's signature
    only); the person signs it again; the officer authenticates and the head approves, each signing (round 2:
    three signatures). Returns (person, change set)."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "syt.tccb", "syt.thutruong")
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt")
    staff, tccb, head = (account(demo, u) for u in ("annv.syt", "syt.tccb", "syt.thutruong"))
    svc.save_section(staff, person.id, "documents", documents())
    cs = svc.submit(staff, person.id, "Đổi nơi ở", passphrase=PASSPHRASE)
    svc.return_change_set(tccb, cs.id, "Thiếu bản sao CCCD")
    svc.save_section(account(demo, "annv.syt"), person.id, "documents", documents(phone="0987 654 321"))
    cs = svc.submit(account(demo, "annv.syt"), person.id, "Gửi lại", passphrase=PASSPHRASE)
    assert svc.approve(account(demo, "syt.tccb"), cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    version = svc.approve(account(demo, "syt.thutruong"), cs.id, "Phê duyệt", passphrase=PASSPHRASE)
    assert version.version_no == 2
    demo.session.expire_all()
    cs = demo.session.get(ChangeSet, cs.id)
    assert cs.round == 2 and cs.status == "approved"
    return demo.session.get(type(person), person.id), cs


def test_signed_syll_opens_from_the_review_page_history_and_own_page(app, demo, hcm_signed):
    """HCM-7.2b: the head's review page links the signed SYLL of each round; the PDF downloaded there carries
    the three signatures, valid in pyHanko; the "Chữ ký số" panel lists them with their field (Người khai, Cán
    bộ TCCB thẩm định, Thủ trưởng phê duyệt), signer, time and verdict; the file's history, the version page and
    "Hồ sơ của tôi" open the same PDF; each download and panel is in the access log."""
    person, cs = hcm_signed
    head = client_for(app, "syt.thutruong")
    review = body(head.get(f"/people/changes/{cs.id}"))
    assert 'id="signed-documents"' in review
    pdf_urls = hrefs(review, rf"/people/{person.id}/changes/{cs.id}/signed\?round=\d")
    panel_urls = hrefs(review, rf"/people/{person.id}/changes/{cs.id}/signatures\?round=\d")
    assert [u[-1] for u in pdf_urls] == ["1", "2"] and [u[-1] for u in panel_urls] == ["1", "2"]

    signed = pdf_of(head.get(pdf_urls[1]))
    stored = demo.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id,
                                                                 ChangeSetDocument.round == 2))
    assert signed == stored.content
    reports = verify_pdf(signed)
    assert [r.field for r in reports] == THREE
    assert all(r.bottom_line for r in reports), [r.summary for r in reports]
    assert "0987 654 321" in flat(poppler("pdftotext", signed))  # the file as proposed in round 2
    first = verify_pdf(pdf_of(head.get(pdf_urls[0])))  # round 1: returned after the person's signature only
    assert [r.field for r in first] == ["NguoiKhai"] and first[0].bottom_line
    assert re.search(r"filename\*=UTF-8''S%C6%A1%20y%E1%BA%BFu", head.get(pdf_urls[1]).headers["Content-Disposition"])

    page = body(head.get(panel_urls[1]))
    assert 'id="verdict" data-valid="true"' in page
    rows = re.findall(r'<tr class="signature-line success" data-field="(\w+)" data-valid="true">', page)
    assert rows == THREE
    for label in ("Người khai", "Cán bộ TCCB thẩm định", "Thủ trưởng phê duyệt", "Kiểm tra, xác thực",
                  "Phê duyệt", "Nguyễn Văn An"):
        assert label in page, label
    for report in reports:
        assert report.signer in page
    assert f'href="/people/changes/{cs.id}"' in page and "lần 1" in page
    assert f'id="btn-download-signed" href="{pdf_urls[1]}"' in page

    # The file's history and the version page.
    file_page = body(head.get(f"/people/{person.id}"))
    assert f'id="btn-print-signed" href="/people/{person.id}/changes/{cs.id}/signed?round=2"' in file_page
    assert f'href="/people/{person.id}/changes/{cs.id}/signatures?round=2"' in file_page
    assert 'id="btn-print-syll"' in file_page  # the plain print stays
    version_page = body(head.get(f"/people/{person.id}/versions/2"))
    assert f'id="btn-version-signed" href="/people/{person.id}/changes/{cs.id}/signed?round=2"' in version_page
    assert "btn-version-signed" not in body(head.get(f"/people/{person.id}/versions/1"))  # opened without one

    # The person's own page.
    staff = client_for(app, "annv.syt")
    own = body(staff.get("/my/file/"))
    assert f'id="btn-print-signed" href="/my/file/changes/{cs.id}/signed?round=2"' in own
    assert pdf_of(staff.get(f"/my/file/changes/{cs.id}/signed?round=2")) == stored.content
    assert pdf_of(staff.get(f"/my/file/changes/{cs.id}/signed")) == stored.content  # the current round
    own_panel = body(staff.get(f"/my/file/changes/{cs.id}/signatures"))
    assert re.findall(r'data-field="(\w+)" data-valid="true"', own_panel) == THREE
    assert "/people/changes/" not in own_panel  # the person has no review page

    downloads = events(demo, "download_signed_syll")
    assert len(downloads) == 5
    assert {(e.object_type, e.object_id) for e in downloads} == {("ChangeSet", str(cs.id))}
    assert [e.detail["round"] for e in downloads] == [2, 1, 2, 2, 2]
    assert downloads[0].detail["signed_field"] == ",".join(THREE) and downloads[0].user_name == "syt.thutruong"
    log_page = body(client_for(app, "sonoivu.admin").get("/audit/access/?event=download_signed_syll"))
    assert set(re.findall(r'data-event="(\w+)"', log_page)) == {"download_signed_syll"}
    for text in ("Tải sơ yếu lý lịch đã ký số", "Lần gửi", "Người khai, Cán bộ tổ chức cán bộ, Thủ trưởng cơ quan"):
        assert text in log_page, text
    reads = [e for e in events(demo, "read") if e.object_type == "ChangeSet" and "signatures" in (e.detail or {})]
    assert [(e.user_name, e.detail["signatures"]) for e in reads] == [("syt.thutruong", 3), ("annv.syt", 3)]


def test_who_may_not_open_a_signed_syll_gets_the_same_404_as_a_missing_one(app, demo, hcm_signed):
    """HN-8.2, HN-4.3: the signed PDF holds the whole file unmasked, so a reader below the full level (the report
    viewer, the agency's account administrator, the Sở Nội vụ officer who did not act on it) gets the 404 of a
    missing document — same body — and no link; a round, change set or file that does not exist alike; another
    person's change set under "Hồ sơ của tôi" too."""
    person, cs = hcm_signed
    admin = client_for(app, "sonoivu.admin")
    missing = admin.get(f"/people/{person.id}/changes/999999/signed")
    assert missing.status_code == 404 and "Không tìm thấy bản sơ yếu lý lịch đã ký số." in body(missing)
    reference = without_per_response_tokens(body(missing))
    for url in (f"/people/{person.id}/changes/{cs.id}/signed?round=7", f"/people/999999/changes/{cs.id}/signed",
                f"/people/{person.id}/changes/{cs.id}/signatures?round=7"):
        resp = admin.get(url)
        assert resp.status_code == 404 and without_per_response_tokens(body(resp)) == reference, url
    for username in ("xem.baocao", "syt.quantri", "sonoivu.chuyenvien"):
        reader = client_for(app, username)
        reference = without_per_response_tokens(body(reader.get(f"/people/{person.id}/changes/999999/signed")))
        for what in ("signed", "signatures"):
            resp = reader.get(f"/people/{person.id}/changes/{cs.id}/{what}")
            assert resp.status_code == 404, (username, what)
            assert without_per_response_tokens(body(resp)) == reference, (username, what)  # the menu is the user's
        assert "btn-print-signed" not in body(reader.get(f"/people/{person.id}"))
    officer = client_for(app, "syt.tccb")
    assert officer.get(f"/my/file/changes/{cs.id}/signed").status_code == 404  # not the officer's own file
    assert events(demo, "download_signed_syll") == []
    denied = [e for e in events(demo, "denied") if (e.detail or {}).get("what") == "signed_syll"]
    assert len(denied) == 6


def test_an_actor_of_the_chain_below_the_full_level_opens_what_they_signed(app, demo, dev_ca, monkeypatch):
    """HCM-7.2a: the Sở Nội vụ officer (level 2) authenticated a BTV-managed person's file by signature; they
    open that signed PDF, and another change set they did not act on stays a 404."""
    from sqlalchemy import text

    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "annv.syt", "sonoivu.chuyenvien")
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt")
    demo.session.execute(text("UPDATE person SET btv_managed = true WHERE id = :p"), {"p": person.id})
    demo.session.commit()
    svc.save_section(account(demo, "annv.syt"), person.id, "documents", documents())
    cs = svc.submit(account(demo, "annv.syt"), person.id, passphrase=PASSPHRASE)
    snv = client_for(app, "sonoivu.chuyenvien")
    assert snv.get(f"/people/{person.id}/changes/{cs.id}/signed").status_code == 404  # not acted yet
    assert svc.approve(account(demo, "sonoivu.chuyenvien"), cs.id, "Đúng", passphrase=PASSPHRASE) is None
    reports = verify_pdf(pdf_of(snv.get(f"/people/{person.id}/changes/{cs.id}/signed")))
    assert [r.field for r in reports] == ["NguoiKhai", "CanBoTCCB"] and all(r.bottom_line for r in reports)
    review = body(snv.get(f"/people/changes/{cs.id}"))
    assert f"/people/{person.id}/changes/{cs.id}/signatures?round=1" in review


def test_an_officer_signs_a_print(app, demo, dev_ca, monkeypatch):
    """HN-8.4, HCM-9.4: "Ký số bản in": the TCCB officer signs the print of the approved version with their
    certificate (their field, CanBoTCCB), the head in the approver's visible field; a missing or wrong passphrase
    and a missing certificate are refused in Vietnamese with nothing produced; only officers of the file may."""
    use_profile(app, monkeypatch, "hcm")
    with_certificates(demo, dev_ca, "syt.tccb", "syt.thutruong")
    person = person_for(demo, account(demo, "annv.syt").org_unit, "annv.syt", name="Đặng Thị Hoà",
                        cccd="001180012345", gender="nu")
    url = f"/people/syll/{person.id}/sign"
    officer = client_for(app, "syt.tccb")
    assert f'id="btn-sign-print" href="{url}"' in body(officer.get(f"/people/{person.id}"))
    form = body(officer.get(url))
    assert 'id="sign-print-form"' in form and 'name="passphrase"' in form and "phiên bản đã duyệt 1" in form
    before = demo.session.scalar(select(func.count()).select_from(ChangeSetDocument))

    resp = officer.post(url, data={})
    assert resp.status_code == 400 and "Hãy nhập mật khẩu chứng thư số để ký." in body(resp)
    resp = officer.post(url, data={"passphrase": "sai-mat-khau"})
    assert resp.status_code == 400 and resp.mimetype == "text/html" and "mật khẩu" in body(resp).lower()
    nocert = client_for(app, "sonoivu.admin")
    resp = nocert.post(url, data={"passphrase": PASSPHRASE})
    assert resp.status_code == 400 and "chưa có chứng thư số" in body(resp)
    assert events(demo, "sign_print") == []
    assert [e.detail.get("reason") for e in events(demo, "sign_refused")][:1] == ["wrong_passphrase"]

    signed = pdf_of(officer.post(url, data={"passphrase": PASSPHRASE}))
    reports = verify_pdf(signed)
    assert [r.field for r in reports] == ["CanBoTCCB"] and reports[0].bottom_line, reports[0].summary
    assert "phiên bản 1" in reports[0].reason and reports[0].location == "TP. Hồ Chí Minh"
    assert "ĐẶNG THỊ HOÀ" in flat(poppler("pdftotext", signed)).upper()
    head = client_for(app, "syt.thutruong")
    by_head = verify_pdf(pdf_of(head.post(url + "?version=1", data={"passphrase": PASSPHRASE})))
    assert [r.field for r in by_head] == ["ThuTruong"] and by_head[0].bottom_line
    logged = events(demo, "sign_print")
    assert [(e.user_name, e.object_id, e.detail["signed_field"], e.detail["version_no"]) for e in logged] == [
        ("syt.tccb", str(person.id), "CanBoTCCB", 1), ("syt.thutruong", str(person.id), "ThuTruong", 1)]
    assert demo.session.scalar(select(func.count()).select_from(ChangeSetDocument)) == before

    # Only officers of the file: a reader is refused, the person has no such page, a missing version is a 404.
    viewer = client_for(app, "xem.baocao")
    assert viewer.get(url).status_code == 403 and viewer.post(url, data={"passphrase": PASSPHRASE}).status_code == 403
    assert "btn-sign-print" not in body(viewer.get(f"/people/{person.id}"))
    staff = client_for(app, "annv.syt")
    assert staff.get(url).status_code == 403
    assert "btn-sign-print" not in body(staff.get("/my/file/"))
    assert officer.get(url + "?version=9").status_code == 404
    assert officer.get("/people/syll/999999/sign").status_code == 404
    assert len(events(demo, "sign_print")) == 2
