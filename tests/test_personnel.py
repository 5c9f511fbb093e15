"""The personnel file: every SYLL item stored, change sets, versions, encryption, search and bad input.

HN-6.1, HCM-3.1 (the TT 06/2023 form, all items), HN-6.2/HN-6.3/HCM-7.2c (self-service drafts with proof,
nothing reaches the approved file before approval), HN-4.3/HCM-6.2 (restricted fields encrypted),
HN-12.3 (leaving is not deleting).
"""

import hashlib
import re
from datetime import date

import pytest
from sqlalchemy import func, inspect, select, text

from app import crypto
from app.security import scope
from app.services import personnel as svc
from app.services import transfers
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.personnel import files
from app.services.personnel.syll import FORM_ITEMS, SECTIONS, fields_for_item
from models.audit import ChangeLog
from models.personnel import SECTION_MODELS, ChangeItem, FileVersion, Person
from tests.factories import DOMAIN_MD, PDF, account, person_for


@pytest.fixture(autouse=True)
def code_lists_loaded(codes):
    """The national code lists (the demo seed loads them too)."""


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_item_of_the_form_is_stored_and_editable(app, db):
    """HN-6.1, HCM-3.1: each item 1–38 of domain.md §1.1 has a field, a column and a section that edits it."""
    with open(DOMAIN_MD, encoding="utf-8") as fh:
        doc = fh.read()
    table = doc.split("### 1.1", 1)[1].split("### 1.2", 1)[0]
    items = re.findall(r"^\| (\d+(?:\.\d)?) \|", table, flags=re.M)
    assert len(items) >= 50, items
    assert set(items) <= set(FORM_ITEMS), set(items) - set(FORM_ITEMS)
    for item in items:
        found = fields_for_item(item)
        assert found, f"item {item} has no field"
        for sec, field in found:
            model = SECTION_MODELS[sec.table] if sec.repeating else Person
            columns = {c.key for c in inspect(model).columns}
            assert field.name in columns, f"item {item}: {model.__tablename__}.{field.name} missing"
            assert str(field.label)
    # The header: photo and file number.
    assert {s.key for s, _f in fields_for_item("0")} == {"identity"}
    assert any(s.key == "photo" for s in SECTIONS)


def test_staff_edit_two_sections_with_proof_then_approval(app, demo):
    """HN-6.3, HCM-7.2c: the draft never touches the approved file; the diff is exactly the change;
    approval writes an immutable version with its SHA-256."""
    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = account(db, "annv.syt")
    before = files.snapshot(person)
    svc.save_section(staff, person.id, "documents", {
        "cccd": "001080012345", "cccd_issued_on": "01/02/2021", "phone": "0912 345 678",
        "residence": "Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội"})
    svc.save_section(staff, person.id, "work", {"start": "09/2002", "end": "", "unit_name": "Sở Y tế Hà Nội",
                                                "title": "Chuyên viên"})
    svc.add_attachment(staff, person.id, PDF, "Quyết định tuyển dụng Đặng.pdf", "quyet_dinh", "work")
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert files.snapshot(person)["sections"] == before["sections"], "approved file changed before approval"
    _p, cs, snap, _overlay = svc.draft_view(staff, person.id)
    entries = files.diff(snap, list(cs.items))
    changed = {(e.section.key, f.name, new) for e in entries for f, _old, new in e.changes}
    assert changed == {
        ("documents", "cccd_issued_on", "01/02/2021"), ("documents", "phone", "0912 345 678"),
        ("documents", "residence", "Số 5 phố Huế, phường Hai Bà Trưng, Hà Nội"),
        ("work", "start", "09/2002"), ("work", "unit_name", "Sở Y tế Hà Nội"), ("work", "title", "Chuyên viên"),
    }
    svc.submit(staff, person.id, "Cập nhật nơi ở và quá trình công tác")
    with pytest.raises(ForbiddenError):
        svc.approve(staff, cs.id)  # nobody approves their own file
    head = account(db, "syt.thutruong")
    version = svc.approve(head, cs.id, "Đồng ý")
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.version_no == 2 and person.phone == "0912 345 678"
    assert files.snapshot(person)["sections"]["work"][0]["unit_name"] == "Sở Y tế Hà Nội"
    stored = db.session.get(FileVersion, version.id)
    assert stored.sha256 == hashlib.sha256(files.canonical_json(stored.snapshot).encode()).hexdigest()
    with pytest.raises(ValidationError):
        svc.approve(head, cs.id)  # approving twice


def test_sensitive_columns_hold_no_plaintext_and_rotation(app, demo):
    """HN-4.3, HCM-6.2: CCCD, phone, health … are ciphertext in every table, including drafts, versions and
    the change log; rotation re-encrypts everything; the old key decrypts until it is retired."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt", cccd="001080054321")
    svc.save_section(staff, person.id, "health", {"health": "Tiểu đường type 2", "height_cm": "170",
                                                  "blood_group": "O"})
    svc.save_section(staff, person.id, "documents", {"cccd": "001080054321", "cccd_issued_on": "01/02/2021",
                                                     "phone": "0987654321", "residence": "Hà Nội"})
    svc.add_attachment(staff, person.id, PDF, "CCCD.pdf", "giay_to_tuy_than")
    cs = svc.submit(staff, person.id)
    svc.approve(account(db, "syt.thutruong"), cs.id)
    with db.engine.connect() as conn:
        raw = [bytes(r[0]) for r in conn.execute(text("SELECT cccd FROM person UNION ALL SELECT phone FROM person "
                                                      "UNION ALL SELECT health FROM person "
                                                      "UNION ALL SELECT values FROM change_item "
                                                      "UNION ALL SELECT snapshot FROM file_version")) if r[0]]
        logs = " ".join(str(r[0]) + str(r[1]) for r in conn.execute(text("SELECT before, after FROM change_log")))
    assert raw
    for secret in ("001080054321", "0987654321", "Tiểu đường"):
        assert all(secret.encode() not in blob for blob in raw)
        assert secret not in logs
    assert all(blob.startswith(b"\x01\x02t1") for blob in raw)
    app.config["ENCRYPTION_ACTIVE_KEY"] = "t2"
    crypto.reset_keyring()
    try:
        counts = crypto.rotate(db.session, db.metadata)
        assert counts.get("person.cccd", 0) >= 1 and counts.get("file_version.snapshot", 0) >= 2
        with db.engine.connect() as conn:
            blobs = [bytes(r[0]) for r in conn.execute(text("SELECT cccd FROM person WHERE cccd IS NOT NULL"))]
        assert blobs and all(b.startswith(b"\x01\x02t2") for b in blobs)
        db.session.expire_all()
        assert db.session.get(Person, person.id).health == "Tiểu đường type 2"
        assert crypto.rotate(db.session, db.metadata) == {} or sum(crypto.rotate(db.session, db.metadata).values()) == 0
    finally:
        app.config["ENCRYPTION_ACTIVE_KEY"] = "t1"
        crypto.reset_keyring()


@pytest.mark.parametrize("query,expected", [
    ("dang van duc", {"Đặng Văn Đức"}),
    ("ĐẶNG", {"Đặng Văn Đức"}),
    ("hoa", {"Nguyễn Thị Hoà", "Nguyễn Thị Hòa"}),
    ("hòa", {"Nguyễn Thị Hoà", "Nguyễn Thị Hòa"}),
    ("ton nu ha", {"Tôn Nữ Thị Hà"}),
])
def test_name_search_hard_cases(app, demo, query, expected):
    """domain.md §10: đ/Đ, tone placement hoà/hòa, compound surnames; search ignores diacritics."""
    db = demo
    unit = account(db, "syt.tccb").org_unit
    for i, name in enumerate(["Đặng Văn Đức", "Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "Tôn Nữ Thị Hà", "Dương Văn An"]):
        person_for(db, unit, name=name, cccd=f"00108009{i:04d}")
    page = svc.list_people(account(db, "syt.tccb"), svc.PersonFilter(q=query, unit_id=unit.id), page_size=50)
    names = {" ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p) for r in page.rows}
    assert names == expected


def test_vietnamese_order_and_compound_surname_split(app, demo):
    """Lists sort by tên, then họ + đệm, in Vietnamese order (Dương < Đặng; a < ă < â; tones)."""
    db = demo
    unit = account(db, "syt.tccb").org_unit
    people = ["Trần Văn Ân", "Lê Thị Ăn", "Vũ Văn An", "Tôn Nữ Thị Hà", "Lê Hà", "Nguyễn Văn Đức", "Phạm Dung"]
    for i, name in enumerate(people):
        person_for(db, unit, name=name, cccd=f"00108007{i:04d}")
    ton = db.session.scalar(select(Person).where(Person.given_name == "Hà", Person.middle_name == "Thị"))
    assert (ton.family_name, ton.middle_name) == ("Tôn Nữ", "Thị")
    page = svc.list_people(account(db, "syt.tccb"), svc.PersonFilter(unit_id=unit.id), page_size=50)
    order = [r.given_name + "/" + r.family_name for r in page.rows]
    assert order == ["An/Vũ", "Ăn/Lê", "Ân/Trần", "Dung/Phạm", "Đức/Nguyễn", "Hà/Lê", "Hà/Tôn Nữ"]


def test_list_of_a_large_unit_reads_one_page(app, demo):
    """design.md §7: the list of a 10,000-person unit reads one page of rows in a constant number of statements."""
    db = demo
    tccb = account(db, "syt.tccb")
    unit = tccb.org_unit
    rows = [{"org_unit_id": unit.id, "category": "vien_chuc", "status": "active", "version_no": 1,
             "completeness": 50, "family_name": "Nguyễn", "middle_name": "Văn", "given_name": f"Tên{i:05d}",
             "search_key": f"nguyen van ten{i:05d}", "sort_key": f"T{i:05d}", "gender": "nam"}
            for i in range(10_000)]
    db.session.execute(Person.__table__.insert(), rows)
    db.session.commit()
    statements = []

    def count_statement(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    from sqlalchemy import event

    svc.list_people(tccb, svc.PersonFilter(unit_id=unit.id), page=0, page_size=25)  # warm the scope cache
    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        first = svc.list_people(tccb, svc.PersonFilter(unit_id=unit.id), page=0, page_size=25)
        n_small = len(statements)
        statements.clear()
        svc.list_people(tccb, svc.PersonFilter(unit_id=unit.id), page=3, page_size=100)
        n_large = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert len(first.rows) == 25 and first.total == 10_000 and first.has_next
    assert n_small == n_large <= 3, statements


def test_bad_input_is_reported_in_vietnamese_and_changes_nothing(app, demo):
    """Every problem of a submission at once, next to its field; nothing written."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    before = (count(db, ChangeItem), files.snapshot(person))
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "documents", {"cccd": "079180012345", "cccd_issued_on": "31/02/2020",
                                                         "phone": "x" * 30, "residence": ""})
    errors = err.value.errors
    assert set(errors) >= {"cccd", "cccd_issued_on", "phone", "residence"}, errors
    assert "CCCD" in " ".join(errors["cccd"]) or "tỉnh" in " ".join(errors["cccd"]).lower()
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "salary", {"rank_code": "01.003", "salary_step": "3",
                                                      "salary_coefficient": "3,33"})
    assert "salary_coefficient" in err.value.errors  # A1 step 3 is 3,00
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "identity", {"family_name": "Nguyễn", "given_name": "An",
                                                        "gender": "khác", "birth_date": "1980",
                                                        "birthplace": "Hà Nội", "hometown_commune": "Xã A",
                                                        "hometown_province": "99", "ethnicity": "Kinh",
                                                        "religion": "Không"})
    assert {"gender", "hometown_province"} <= set(err.value.errors)
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "work", {"start": "13/2005", "end": "01/2004", "unit_name": ""})
    assert {"start", "unit_name"} <= set(err.value.errors)
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "work", {"start": "05/2005", "end": "01/2004", "unit_name": "X"})
    assert "end" in err.value.errors
    with pytest.raises(NotFoundError):
        svc.save_section(staff, person.id, "no_such_section", {})
    with pytest.raises(NotFoundError):
        svc.save_section(staff, person.id, "work", {"start": "2005", "unit_name": "X"}, row_id=999999)
    with pytest.raises(ValidationError) as err:
        svc.add_attachment(staff, person.id, b"MZ\x90\x00 not a pdf", "virus.exe", "quyet_dinh")
    assert "file" in err.value.errors
    with pytest.raises(ValidationError):
        svc.submit(staff, person.id)  # nothing to submit
    db.session.expire_all()
    assert (count(db, ChangeItem), files.snapshot(db.session.get(Person, person.id))) == before
    all_messages = " ".join(m for msgs in errors.values() for m in msgs)
    assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", all_messages)


def test_scope_consent_and_out_of_scope(app, demo, unit_by_name):
    """Files are read through the scope: own file, units in scope, consent grants; a forged id is a 404."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit)
    outsider = account(db, "xem.baocao")
    other_unit = unit_by_name("Sở Tư pháp")
    foreign = person_for(db, account(db, "syt.tccb").org_unit, name="Lê Văn Bình", cccd="001080099999")
    foreign.org_unit_id = other_unit.id
    db.session.commit()
    tccb = account(db, "syt.tccb")
    with pytest.raises(NotFoundError):
        svc.get_person(tccb, foreign.id)
    with pytest.raises(NotFoundError):
        svc.get_person(tccb, "abc")
    access = scope.person_access(outsider, person)
    assert access.read and not access.write and access.level == 1
    assert scope.person_access(tccb, person).level == 3
    from models.accounts import ConsentGrant

    db.session.add(ConsentGrant(grantee_id=tccb.id, person_id=foreign.id, purpose="Thẩm tra", document_number="1/CV",
                                valid_from=date(2020, 1, 1), valid_to=date(2099, 1, 1)))
    db.session.commit()
    scope.forget()
    assert svc.get_person(tccb, foreign.id).id == foreign.id
    assert scope.person_access(tccb, foreign).consent_id is not None
    assert not scope.person_access(tccb, foreign).write


def test_leaving_keeps_the_file_read_only(app, demo):
    """HN-12.3, HCM-8.4: retirement moves the file to the archive; nothing is deleted; no more edits."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    tccb = account(db, "syt.tccb")
    with pytest.raises(ValidationError):
        transfers.leave(tccb, person.id, "on_holiday", None, "")
    transfers.leave(tccb, person.id, "retired", date(2026, 10, 1), "15/QĐ-SYT")
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.status == "retired" and person.version_no == 2
    with pytest.raises(ValidationError):
        svc.save_section(tccb, person.id, "health", {"health": "Tốt"})
    scope.forget()
    with pytest.raises(NotFoundError):  # the person's access ended with the decision (HN-12.2.1)
        svc.save_section(account(db, "annv.syt"), person.id, "health", {"health": "Tốt"})
    archive = svc.list_people(tccb, svc.PersonFilter(status="archive", unit_id=staff.org_unit_id))
    assert [r.id for r in archive.rows] == [person.id]
    active = svc.list_people(tccb, svc.PersonFilter(unit_id=staff.org_unit_id, q="nguyen van an"))
    assert person.id not in [r.id for r in active.rows]
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(
        ChangeLog.object_type == "Person", ChangeLog.action == "delete")) == 0


def test_restructuring_carries_people_with_their_unit(app, demo, unit_by_name):
    """HN-3.9: a merge moves the files of the closed unit to the receiving unit (people are a unit reference)."""
    from app.services import org_units
    from app.services.org_units import Decision

    db = demo
    source, target = unit_by_name("Ban Thi đua - Khen thưởng"), unit_by_name("Phòng Công chức, viên chức")
    person = person_for(db, source, name="Hồ Văn Mai", cccd="001080023456", officer="sonoivu.admin")
    plan = org_units.plan_merge(source.id, target.id, Decision("9/QĐ-UBND", date(2026, 5, 1)))
    assert plan.member_totals["people"] >= 1
    org_units.merge_units(source.id, target.id, Decision("9/QĐ-UBND", date(2026, 5, 1)))
    db.session.expire_all()
    assert db.session.get(Person, person.id).org_unit_id == target.id


def test_consent_for_one_file_must_name_a_file_of_that_unit(app, demo, unit_by_name):
    """HN-8.3: a consent may cover one person's file; the file must belong to the consenting unit."""
    from app.services import accounts

    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit)
    head = account(db, "syt.thutruong")
    grantee = account(db, "xem.baocao")
    with pytest.raises(ValidationError) as err:
        accounts.grant_consent(head, grantee.id, unit_by_name("Sở Y tế").id, purpose="Thẩm tra", document_number="2/CV",
                               valid_to=date(2099, 1, 1), person_id="999999")
    assert "person_id" in err.value.errors
    grant = accounts.grant_consent(head, grantee.id, unit_by_name("Sở Y tế").id, purpose="Thẩm tra",
                                   document_number="3/CV", valid_to=date(2099, 1, 1), include_descendants=True,
                                   person_id=str(person.id))
    assert grant.person_id == person.id


def test_hometown_may_name_a_province_of_its_time(app, demo):
    """domain.md §6: quê quán and nơi sinh refer to historical units (Thái Bình before the 2025 merger)."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    svc.save_section(staff, person.id, "identity", {
        "family_name": "Nguyễn", "middle_name": "Văn", "given_name": "An", "gender": "nam", "birth_date": "05/03/1980",
        "birthplace": "Thái Bình", "birthplace_province": "Thái Bình", "hometown_commune": "Xã Vũ Thư",
        "hometown_province": "34", "ethnicity": "H'Mông", "religion": "Không"})
    values = svc.draft_view(staff, person.id)[1].items[0].values
    assert (values["birthplace_province"], values["hometown_province"], values["ethnicity"]) == ("34", "34", "08")


def test_every_section_has_an_edit_form_with_all_its_fields(app, demo, client):
    """HN-6.1: each field of each section (items 0–38) is editable on a screen — the agency's edit form."""
    from tests.factories import login

    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit)
    login(client, "syt.tccb")
    for sec in SECTIONS:
        if sec.key == "photo":
            continue
        response = client.get(f"/people/{person.id}/edit/{sec.key}")
        assert response.status_code == 200, sec.key
        page = response.get_data(as_text=True)
        for field in sec.fields:
            assert f'name="{field.name}"' in page, f"{sec.key}.{field.name} not on its form"
    assert 'id="photo-form"' in client.get(f"/people/{person.id}/draft").get_data(as_text=True)


def test_former_cmnd_is_kept_encrypted_and_found(app, demo):
    """domain.md §10: the legacy 9-digit CMND is accepted beside the CCCD, encrypted, found by exact number."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    base = {"cccd": "001080012345", "cccd_issued_on": "01/02/2021", "residence": "Hà Nội"}
    with pytest.raises(ValidationError) as err:
        svc.save_section(staff, person.id, "documents", {**base, "old_id_number": "12345A"})
    assert "old_id_number" in err.value.errors
    svc.save_section(staff, person.id, "documents", {**base, "old_id_number": "012 345 678"})
    svc.add_attachment(staff, person.id, PDF, "CMND.pdf", "giay_to_tuy_than")
    svc.approve(account(db, "syt.thutruong"), svc.submit(staff, person.id).id)
    page = svc.list_people(account(db, "syt.tccb"), svc.PersonFilter(q="012345678"))
    assert [r.id for r in page.rows] == [person.id]
    with db.engine.connect() as conn:
        raw = bytes(conn.execute(text("SELECT old_id_number FROM person WHERE id = :i"), {"i": person.id}).scalar())
    assert b"345" not in raw
