"""Personnel screens through the Flask test client: list, file page, self-service draft, approval, archive.

HN-6.2/HN-6.3/HCM-7.2c (the person edits a draft with proof; nothing reaches the approved file before
approval), HN-6.4 (no self-approval), HN-4.3/HCM-6.2 (restricted items masked per role), HN-8.2 (scope),
HN-12.3 (archive), design.md §7 (no per-row queries on the list).
"""

import functools
import io
import re

from sqlalchemy import event, select, text

from app.crypto import mask
from app.security import scope
from app.services import personnel as svc
from models.audit import AccessLog
from models.org_units import OrgUnit
from models.personnel import Attachment, ChangeItem, ChangeSet, Person
from tests.clients import body, client_for, count
from tests.factories import account
from tests.factories import person_for as base_person_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CCCD = "001080012345"


#: Files opened by these tests carry a name no demo person has.
person_for = functools.partial(base_person_for, name="Mạc Văn Thử", cccd=CCCD)


def field_errors(page: str) -> dict[str, str]:
    """Messages shown next to fields: data-field -> text."""
    return {m[0]: m[1] for m in re.findall(r'field-error" data-field="([^"]+)">([^<]*)<', page)}


def diff_fields(page: str) -> set[tuple[str, str]]:
    """(section, field) of every row of the diff blocks of a page."""
    found = set()
    for block in re.findall(r'class="panel panel-default diff-entry" data-section="([^"]+)"(.*?)</table>', page, re.S):
        for name in re.findall(r'<tr data-field="([^"]+)">', block[1]):
            found.add((block[0], name))
    return found


# --------------------------------------------------------------------------- list


def test_list_is_scoped_and_finds_names_without_diacritics(app, demo_people, unit_by_name):
    """HN-8.2: Sở Y tế's officer lists Sở Y tế's files only; "dang van duc" finds "Đặng Văn Đức" (Sở Nội vụ) for
    the city administrator and nothing for Sở Y tế; the CCCD is masked in the list; a bad filter value is
    reported next to its field and the list is still shown."""
    db = demo_people
    syt = unit_by_name("Sở Y tế")
    syt_units = set(db.session.scalars(select(OrgUnit.name).where(OrgUnit.path.like(syt.path + "%"))))
    person_for(db, unit_by_name("Khoa Cấp cứu"), name="Trần Thị Bình", cccd="001185022222", born="1985",
               gender="nu")
    person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Lò Văn Ngoaivi", cccd="001080033333",
               officer="sonoivu.admin")
    c = client_for(app, "syt.tccb")
    page = body(c.get("/people/?size=100"))
    units = set(re.findall(r'<td class="unit-name">([^<]*)</td>', page))
    assert units and units <= syt_units, units - syt_units
    assert "Ngoaivi" not in page
    assert re.search(r"Có \d+ hồ sơ", page)

    page = body(c.get("/people/?q=tran+thi+binh"))
    assert "Trần Thị Bình" in page and "Có 1 hồ sơ" in page
    assert "001185022222" not in page and mask("001185022222") in page
    assert "Trần Thị Bình" in body(c.get("/people/?q=001185022222"))  # an exact CCCD finds its file
    assert "Đặng Văn Đức" not in body(c.get("/people/?q=dang+van+duc"))  # Sở Nội vụ: out of scope

    resp = c.get("/people/?q=binh&age_min=abc&sub_units=y")
    assert resp.status_code == 200
    page = body(resp)
    assert "Tuổi phải là số nguyên" in field_errors(page)["age_min"]
    assert "Trần Thị Bình" in page

    admin = client_for(app, "sonoivu.admin")
    assert "Đặng Văn Đức" in body(admin.get("/people/?q=dang+van+duc"))
    assert "Ngoaivi" in body(admin.get("/people/?q=ngoaivi"))


def test_list_runs_the_same_statements_whatever_the_page_size(app, demo):
    """design.md §7: no per-row queries — the list page runs as many SQL statements for 50 rows as for 10."""
    db = demo
    unit = account(db, "syt.tccb").org_unit
    rows = [{"org_unit_id": unit.id, "category": "vien_chuc", "status": "active", "version_no": 1,
             "completeness": 40, "family_name": "Nguyễn", "middle_name": "Văn", "given_name": f"Tên{i:03d}",
             "search_key": f"nguyen van ten{i:03d}", "sort_key": f"T{i:03d}", "gender": "nam" if i % 2 else "nu",
             "rank_code": "01.003", "position": "Chuyên viên"} for i in range(80)]
    db.session.execute(Person.__table__.insert(), rows)
    db.session.commit()
    c = client_for(app, "syt.tccb")
    c.get("/people/?size=10")
    statements = []

    def count_statement(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        small = c.get("/people/?size=10")
        n_small = len(statements)
        statements.clear()
        large = c.get("/people/?size=50")
        n_large = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert small.status_code == large.status_code == 200
    assert body(large).count('class="person-link"') == 50
    assert body(small).count('class="person-link"') == 10
    assert n_small == n_large, statements


# --------------------------------------------------------------------------- file page


def test_file_page_masks_restricted_items_per_role(app, demo, unit_by_name):
    """HN-4.3, HCM-6.2: the report viewer sees the CCCD masked and "Hạn chế"; the TCCB officer sees it in
    clear; every view is in the access log; a forged or out-of-scope id is a 404 in Vietnamese."""
    db = demo
    person = person_for(db, unit_by_name("Khoa Cấp cứu"))
    outside = person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Lò Văn Ngoaivi", cccd="001080033333",
                         officer="sonoivu.admin")
    viewer = client_for(app, "xem.baocao")
    page = body(viewer.get(f"/people/{person.id}"))
    assert "Mạc Văn Thử" in page
    assert CCCD not in page and mask(CCCD) in page and "Hạn chế" in page
    assert 'class="btn btn-xs btn-default btn-edit-section"' not in page  # read-only role: no edit buttons
    officer = client_for(app, "syt.tccb")
    page = body(officer.get(f"/people/{person.id}"))
    assert CCCD in page
    assert "btn-edit-section" in page and "officer-forms" in page
    reads = count(db, AccessLog, AccessLog.event == "read", AccessLog.object_type == "Person",
                  AccessLog.object_id == str(person.id))
    assert reads == 2

    for pk in (999999, outside.id):
        resp = officer.get(f"/people/{pk}")
        assert resp.status_code == 404
        assert "Không tìm thấy hồ sơ." in body(resp)
    assert officer.get(f"/people/{person.id}/edit/no_such_section").status_code == 404
    assert viewer.get(f"/people/{person.id}/edit/identity").status_code == 403  # no write permission

    resp = officer.get(f"/people/{person.id}/versions/1")
    assert resp.status_code == 200 and "Toàn vẹn" in body(resp)
    assert officer.get(f"/people/{person.id}/versions/7").status_code == 404


def test_new_file_form(app, demo):
    """Lập hồ sơ mới: the name is split (compound surname corrected by hand), errors are shown next to fields."""
    db = demo
    unit = account(db, "syt.tccb").org_unit
    c = client_for(app, "syt.tccb")
    assert c.get("/people/new").status_code == 200
    before = count(db, Person)
    resp = c.post("/people/new", data={"org_unit_id": "", "category": "", "full_name": "", "gender": "",
                                       "birth_date": "31/02/1980", "cccd": ""})
    assert resp.status_code == 400
    errors = field_errors(body(resp))
    assert {"org_unit_id", "category", "full_name", "birth_date"} <= set(errors), errors
    assert count(db, Person) == before
    resp = c.post("/people/new", data={"org_unit_id": unit.id, "category": "vien_chuc",
                                       "full_name": "Tôn Nữ Thị Hạnh", "family_name": "Tôn Nữ", "middle_name": "Thị",
                                       "given_name": "Hạnh", "gender": "nu", "birth_date": "03/1990", "cccd": ""})
    assert resp.status_code == 302
    assert count(db, Person) == before + 1
    person = db.session.scalar(select(Person).where(Person.given_name == "Hạnh", Person.org_unit_id == unit.id))
    assert (person.family_name, person.middle_name, person.given_name) == ("Tôn Nữ", "Thị", "Hạnh")
    assert resp.headers["Location"].endswith(f"/people/{person.id}")
    page = body(c.get(f"/people/{person.id}"))
    assert "03/1990" in page and 'id="file-version">1<' in page


def test_officer_links_account_and_archives_the_file(app, demo):
    """HCM-4.4 (one account per person) and HN-12.3: leaving puts the file in the archive, read-only."""
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit)
    c = client_for(app, "syt.tccb")
    resp = c.post(f"/people/{person.id}/link", data={"link-username": "khong.co.ai"})
    assert resp.status_code == 400 and "Không tìm thấy tài khoản." in field_errors(body(resp))["username"]
    db.session.execute(text("UPDATE person SET account_id = NULL WHERE account_id = :a"),
                       {"a": account(db, "annv.syt").id})
    db.session.commit()
    assert c.post(f"/people/{person.id}/link", data={"link-username": "annv.syt"}).status_code == 302
    assert db.session.get(Person, person.id).account_id == account(db, "annv.syt").id

    resp = c.post(f"/people/{person.id}/leave", data={"leave-status": "retired", "leave-on": "", "leave-decision": ""})
    assert resp.status_code == 400 and {"on", "decision"} <= set(field_errors(body(resp)))
    resp = c.post(f"/people/{person.id}/leave", data={"leave-status": "retired", "leave-on": "2026-01-31",
                                                      "leave-decision": "12/QĐ-SYT"})
    assert resp.status_code == 302
    page = body(c.get(f"/people/{person.id}"))
    assert "Hồ sơ đã chuyển vào lưu trữ — chỉ xem" in page
    assert "btn-edit-section" not in page and "officer-forms" not in page
    assert "Mạc Văn Thử" in body(c.get("/people/archive"))
    assert "Mạc Văn Thử" not in body(c.get("/people/"))


# --------------------------------------------------------------------------- self-service


DOCUMENTS = {"cccd": CCCD, "cccd_issued_on": "01/02/2021", "phone": "0912 345 678",
             "residence": "Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội"}


def test_self_service_draft_submit_and_approval(app, demo):
    """HN-6.2, HN-6.3, HCM-7.2c: the person edits two sections and attaches a PDF through "Hồ sơ của tôi";
    the draft page shows exactly those changes, the approved file is unchanged until the head of the agency
    approves in "Đề nghị chờ duyệt"; then the file shows the new values as version 2."""
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    resp = staff.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/file/")
    page = body(staff.get("/my/file/"))
    assert "Mạc Văn Thử" in page and "officer-forms" not in page

    assert staff.post("/my/file/edit/documents", data=DOCUMENTS).status_code == 302
    resp = staff.post("/my/file/edit/work", data={"start": "09/2002", "end": "", "unit_name": "Sở Y tế Hà Nội",
                                                  "title": "Chuyên viên"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/file/#tab-career")
    resp = staff.post("/my/file/attachments", data={
        "attachment-file": (io.BytesIO(PDF), "Quyết định tuyển dụng Đặng.pdf"), "attachment-kind": "quyet_dinh",
        "attachment-section": "work", "attachment-description": "Bản sao"}, content_type="multipart/form-data")
    assert resp.status_code == 302, body(resp)

    draft = body(staff.get("/my/file/draft"))
    assert diff_fields(draft) == {("documents", "cccd_issued_on"), ("documents", "phone"), ("documents", "residence"),
                                  ("work", "start"), ("work", "unit_name"), ("work", "title")}
    assert "Quyết định tuyển dụng Đặng.pdf" in draft and "Thêm dòng" in draft
    with_draft = body(staff.get("/my/file/"))
    assert "0912 345 678" in with_draft and "draft-banner" in with_draft
    approved = body(staff.get("/my/file/?approved=1"))
    assert "0912 345 678" not in approved and "Sở Y tế Hà Nội" not in approved
    head = client_for(app, "syt.thutruong")
    assert "0912 345 678" not in body(head.get(f"/people/{person.id}"))  # the approver reads the approved file

    att = db.session.scalar(select(Attachment))
    resp = staff.get(f"/my/file/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF
    assert "filename*=UTF-8''Quy%E1%BA%BFt" in resp.headers["Content-Disposition"]

    assert staff.post("/my/file/submit", data={"submit-note": "Cập nhật nơi ở"}).status_code == 302
    cs = db.session.scalar(select(ChangeSet))
    assert cs.status == "submitted"
    assert "submitted-banner" in body(staff.get("/my/file/"))
    assert staff.get("/my/file/edit/documents").status_code == 302  # no edits while awaiting approval

    queue = body(head.get("/people/changes/"))
    assert f'data-change-set-id="{cs.id}"' in queue
    review = body(head.get(f"/people/changes/{cs.id}"))
    assert ("documents", "phone") in diff_fields(review) and "Quyết định tuyển dụng Đặng.pdf" in review
    resp = head.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đồng ý"})
    assert resp.status_code == 302
    page = body(head.get(f"/people/{person.id}"))
    assert "0912 345 678" in page and "Sở Y tế Hà Nội" in page and 'id="file-version">2<' in page
    mine = body(staff.get("/my/file/"))
    assert "0912 345 678" in mine and 'id="file-version">2<' in mine and "Đã duyệt" in mine
    db.session.expire_all()
    assert db.session.get(Person, person.id).version_no == 2


def test_bad_input_is_400_and_writes_nothing(app, demo):
    """Every problem at once, in Vietnamese, next to its field; nothing written (no draft, no item)."""
    db = demo
    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    before = (count(db, ChangeItem), count(db, ChangeSet))
    resp = staff.post("/my/file/edit/documents", data={"cccd": CCCD, "cccd_issued_on": "31/02/2020",
                                                       "phone": "x" * 30, "residence": ""})
    assert resp.status_code == 400
    errors = field_errors(body(resp))
    assert {"cccd_issued_on", "phone", "residence"} <= set(errors), errors
    assert "Ngày không hợp lệ" in errors["cccd_issued_on"] and "bắt buộc" in errors["residence"]
    assert 'value="xxxxxxxx' in body(resp)  # what was typed is kept
    assert (count(db, ChangeItem), count(db, ChangeSet)) == before
    assert staff.post("/my/file/edit/work?row_id=999999", data={"start": "2005", "unit_name": "X"}).status_code == 404
    assert staff.post("/my/file/undo/999999").status_code == 404
    assert (count(db, ChangeItem), count(db, ChangeSet)) == before
    resp = staff.post("/my/file/edit/identity", data={"family_name": "Nguyễn", "given_name": "An", "gender": "khác"})
    assert resp.status_code == 400 and "gender" in field_errors(body(resp))
    # the agency's own items (file number) are not offered to the person
    assert 'name="file_number"' not in body(staff.get("/my/file/edit/identity"))


def test_nobody_approves_their_own_file(app, demo):
    """HN-6.4: the head of the agency does not see their own submission in the queue and cannot approve it."""
    db = demo
    db.session.execute(text("UPDATE ab_user SET kind = 'personal' WHERE username = 'syt.thutruong'"))
    db.session.commit()  # demo heads sign in with the agency account; this head has a personal one
    head_account = account(db, "syt.thutruong")
    person = person_for(db, head_account.org_unit, "syt.thutruong", name="Vũ Đức Thắng", cccd="001080044444")
    head_account = account(db, "syt.thutruong")
    svc.save_section(head_account, person.id, "documents", {**DOCUMENTS, "cccd": "001080044444"})
    svc.add_attachment(head_account, person.id, PDF, "CCCD.pdf", "giay_to_tuy_than", "documents")
    cs = svc.submit(head_account, person.id)
    head = client_for(app, "syt.thutruong")
    assert f'data-change-set-id="{cs.id}"' not in body(head.get("/people/changes/"))
    resp = head.post(f"/people/changes/{cs.id}/approve", data={})
    assert resp.status_code == 403
    assert "tự phê duyệt" in body(resp)
    db.session.expire_all()
    assert db.session.get(ChangeSet, cs.id).status == "submitted"
    assert db.session.get(Person, person.id).version_no == 1


def test_what_is_sent_is_the_draft_the_page_showed(app, demo):
    """The draft page's submit form carries a keyed digest of the draft it shows (items, values, proof). When an
    officer changes the person's draft after the person opened the page, the person's "Gửi" sends nothing (400, in
    Vietnamese) and the page shows the draft as it is now; sending from it works."""
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    assert staff.post("/my/file/edit/documents", data=DOCUMENTS).status_code == 302
    svc.add_attachment(account(db, "annv.syt"), person.id, PDF, "CCCD.pdf", "giay_to_tuy_than", "documents")
    draft = body(staff.get("/my/file/draft"))
    seen = re.search(r'name="submit-draft"[^>]*value="([0-9a-f]{32})"', draft).group(1)
    assert seen == body(staff.get("/my/file/draft")).split('name="submit-draft"')[1].split('value="')[1][:32]

    # Meanwhile the agency's officer corrects the same draft.
    svc.save_section(account(db, "syt.tccb"), person.id, "documents", {**DOCUMENTS, "phone": "0987 000 333"})
    resp = staff.post("/my/file/submit", data={"submit-note": "Cập nhật", "submit-draft": "bản nháp cũ"})
    assert resp.status_code == 400 and "Bản nháp đã được sửa sau khi bạn mở trang" in body(resp)  # not ASCII
    resp = staff.post("/my/file/submit", data={"submit-note": "Cập nhật", "submit-draft": seen})
    page = body(resp)
    assert resp.status_code == 400 and "Bản nháp đã được sửa sau khi bạn mở trang; chưa có gì được gửi." in page
    assert "0987 000 333" in page
    now = re.search(r'name="submit-draft"[^>]*value="([0-9a-f]{32})"', page).group(1)
    assert now != seen and CCCD not in now
    db.session.expire_all()
    assert db.session.scalar(select(ChangeSet.status).where(ChangeSet.person_id == person.id)) == "draft"
    resp = staff.post("/my/file/submit", data={"submit-note": "Cập nhật", "submit-draft": now})
    assert resp.status_code == 302, body(resp)[:500]
    db.session.expire_all()
    assert db.session.scalar(select(ChangeSet.status).where(ChangeSet.person_id == person.id)) == "submitted"


def test_a_decision_is_taken_on_the_content_the_page_showed(app, demo):
    """The review page's decision forms carry the submission (round) they show. If the change set is returned and
    sent again with other content while the head has the page open (a delegate, another tab), the head's click
    decides nothing (409, in Vietnamese) and the page shows the new content; deciding from it works."""
    from tests.factories import documents, officer_change

    db = demo
    cs = officer_change(db, account(db, "syt.tccb").org_unit, 7)
    head = client_for(app, "syt.thutruong")
    page = body(head.get(f"/people/changes/{cs.id}"))
    assert re.search(r'name="approve-round"[^>]*value="1"', page) and 'name="return-round"' in page

    # Meanwhile: returned (the head's other tab), corrected and sent again by the officer — round 2.
    officer = account(db, "syt.tccb")
    svc.return_change_set(account(db, "syt.thutruong"), cs.id, "Sai số điện thoại")
    svc.save_section(officer, cs.person_id, "documents", documents(cccd=cs.person.cccd, phone="0987 000 111"))
    svc.submit(officer, cs.person_id, "Đã sửa")
    stale = [("approve", {"approve-comment": "Đồng ý", "approve-round": "1"}),
             ("return", {"return-reason": "Chưa đủ", "return-round": "1"}),
             ("approve", {"approve-comment": "Đồng ý", "approve-round": "hai"})]
    for action, data in stale:
        resp = head.post(f"/people/changes/{cs.id}/{action}", data=data)
        text_ = body(resp)
        assert resp.status_code == 409, (action, data, text_[:500])
        assert "gửi lại với nội dung mới (lần gửi thứ 2)" in text_ and "chưa có gì được thay đổi" in text_
        assert "0987 000 111" in text_ and re.search(r'name="approve-round"[^>]*value="2"', text_)
        db.session.expire_all()
        now = db.session.get(ChangeSet, cs.id)
        assert (now.status, now.round, now.version_id) == ("submitted", 2, None)
        assert db.session.get(Person, cs.person_id).version_no == 1

    resp = head.post(f"/people/changes/{cs.id}/approve", data={"approve-comment": "Đồng ý", "approve-round": "2"})
    assert resp.status_code == 302, body(resp)[:500]
    db.session.expire_all()
    assert db.session.get(ChangeSet, cs.id).status == "approved"
    assert db.session.get(Person, cs.person_id).version_no == 2


def test_my_file_without_a_file(app, demo):
    """An account not linked to any file is told whom to contact; nothing else is served."""
    c = client_for(app, "sonoivu.admin")
    page = body(c.get("/my/file/"))
    assert "chưa gắn với hồ sơ nào" in page
    resp = c.get("/my/file/draft")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/file/")
    assert c.get("/my/file/attachments/1").status_code == 404
    resp = c.get("/my/file/api/codes/province?q=ha+noi")
    assert any(r["text"] == "Thành phố Hà Nội" for r in resp.get_json()["results"])


def test_read_under_consent_is_logged_with_the_grant(app, demo, unit_by_name):
    """HN-8.3, HCM-4.7: a file outside the reader's units is readable only under a valid consent grant, and
    every such read names the grant in the access log; after revocation it is a 404 again."""
    from datetime import date

    from app.services import accounts

    db = demo
    person = person_for(db, unit_by_name("Sở Tư pháp"), officer="sonoivu.admin", name="Lý Thị Tâm",
                        cccd="001180012345", gender="nu")
    reader = client_for(app, "syt.tccb")
    assert reader.get(f"/people/{person.id}").status_code == 404
    grant = accounts.grant_consent(account(db, "sonoivu.giamdoc"), account(db, "syt.tccb").id,
                                   unit_by_name("Sở Tư pháp").id, purpose="Thẩm tra lý lịch",
                                   document_number="12/CV-STP", valid_to=date(2099, 1, 1), person_id=str(person.id))
    scope.forget()  # the test shares one app context (and its per-request scope cache) with the client
    page = reader.get(f"/people/{person.id}")
    assert page.status_code == 200 and "Lý Thị Tâm" in body(page)
    logged = db.session.scalars(select(AccessLog).where(AccessLog.event == "read", AccessLog.object_type == "Person",
                                                        AccessLog.object_id == str(person.id))).all()
    assert logged and logged[-1].detail == {"consent": grant.id}
    accounts.revoke_consent(account(db, "sonoivu.giamdoc"), grant.id)
    scope.forget()
    assert reader.get(f"/people/{person.id}").status_code == 404


def test_error_pages_are_vietnamese(app, demo):
    """A forged id or an unknown address gets a Vietnamese page in the app's layout, never Werkzeug's English."""
    c = client_for(app, "syt.tccb")
    for url, text_ in (("/people/999999", "Không tìm thấy hồ sơ."),
                       ("/people/abc", "Không tìm thấy trang hoặc dữ liệu được yêu cầu."),
                       ("/no/such/page", "Không tìm thấy trang hoặc dữ liệu được yêu cầu.")):
        resp = c.get(url)
        page = body(resp)
        assert resp.status_code == 404 and text_ in page and 'id="error-page"' in page, url
        assert "Not Found" not in page and "requested URL" not in page
    resp = c.post("/people/")
    assert resp.status_code == 405 and "Thao tác này không được phép" in body(resp)


def test_proof_opens_only_for_readers_of_sensitive_data(app, demo):
    """HN-4.3, HCM-6.2: digitised proof (ID cards, decisions) is sensitive: a level-1 reader sees that it exists,
    cannot open it (403, logged); the TCCB officer opens it with its Vietnamese name."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    att = svc.add_attachment(staff, person.id, PDF, "Quyết định nâng lương.pdf", "quyet_dinh")
    viewer = client_for(app, "xem.baocao")
    page = body(viewer.get(f"/people/{person.id}"))
    assert 'id="attachments-restricted"' in page and "Quyết định nâng lương.pdf" not in page
    assert viewer.get(f"/people/attachments/{att.id}").status_code == 403
    officer = client_for(app, "syt.tccb")
    resp = officer.get(f"/people/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF
    assert "Quy%E1%BA%BFt" in resp.headers["Content-Disposition"] or "Quyết" in resp.headers["Content-Disposition"]
