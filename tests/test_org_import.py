"""Issue 19 item 5: a whole restructuring from a mapping sheet, previewed as one plan and applied in one transaction
(HN-3.9, HN-21.2), and a split that divides the staff person by person.

The 2025 reform of the demo's pre-reform districts: UBND huyện Gia Lâm's commune and town are consolidated into a new
commune, its schools and offices move into it and the district is dissolved; in quận Ba Đình two wards are
consolidated into a new ward that takes over a freed code, a third is renamed, the finance office is split person by
person and the district dissolved.
"""

import io
import zipfile
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select, text

from app.services import accounts as acc
from app.services.errors import ValidationError
from app.services.org_units import restructure, sheet
from app.services.org_units import use_cases as uc
from models.accounts import Account, RoleAssignment
from models.org_units import OrgEvent, OrgEventUnit, OrgUnit
from models.personnel import Person
from tests.factories import login

H = ".H26"
DECISION = ("1656/NQ-UBTVQH15", date(2025, 6, 16), date(2025, 7, 1))
TABLES = ("org_unit", "org_event", "org_event_unit", "person", "ab_user", "role_assignment", "change_log")


def workbook(events, allocations=()) -> bytes:
    """The downloaded template, filled: ``events`` rows are dicts by column key, ``allocations`` too."""
    wb = openpyxl.load_workbook(io.BytesIO(sheet.template_workbook()))
    for name, columns, rows in ((sheet.EVENTS_SHEET, sheet.EVENT_COLUMNS, events),
                                (sheet.ALLOCATION_SHEET, sheet.ALLOCATION_COLUMNS, allocations)):
        ws = wb[name]
        keys = [c[1] for c in columns]
        for r, row in enumerate(rows, start=2):
            for key, value in row.items():
                ws.cell(row=r, column=keys.index(key) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def event(kind, sources, target=None, **fields):
    number, signed, effective = DECISION
    return {"kind": kind, "sources": sources, "target": target, "decision_number": number, "decision_date": signed,
            "effective_date": effective, **fields}


def admin(db):
    return db.session.scalar(select(Account).where(Account.username == "sonoivu.admin"))


def unit(db, code):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.ma_dinh_danh == code + H, OrgUnit.status == "active"))


def fingerprint(db):
    return tuple(db.session.execute(text(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM {t} t")).one()
        for t in TABLES)


@pytest.fixture()
def reform(demo_people):
    """The reform's sheet for the demo city, with accounts and grants in the units it touches."""
    db = demo_people
    actor = admin(db)
    # an officer of a closing ward (and his grant there), and personal accounts for two finance officers
    officer, _ = acc.create_account(actor, acc.AccountData(username="tccb.dienbien", last_name="Lê Văn",
                                                           first_name="Biên", org_unit_id=unit(db, "000.03.41").id,
                                                           kind="agency", role_name="Cán bộ TCCB",
                                                           include_descendants=True))
    finance = unit(db, "000.02.41")
    people = list(db.session.scalars(select(Person).where(Person.org_unit_id == finance.id).order_by(Person.id)))
    for i, person in enumerate(people[:2]):
        account, _ = acc.create_account(actor, acc.AccountData(username=f"tckh.{i}", last_name=person.family_name,
                                                               first_name=person.given_name,
                                                               org_unit_id=finance.id))
        person.account_id = account.id
    db.session.commit()
    with_cccd = next(p for p in people if p.cccd)
    by_id = next(p for p in people if p.id != with_cccd.id)
    events = [
        # Gia Lâm: commune + town → a new commune, schools and offices into it, the district dissolved
        event("Hợp nhất", f"000.03.55{H}; 000.04.55{H}", f"000.00.00{H}", names="UBND xã Gia Lâm",
              types="UBND xã, phường, đặc khu", codes="H26.101"),
        event("Chuyển đơn vị cấp trên", f"001.02.55{H};002.02.55{H}", "H26.101"),
        event("sáp nhập", f"000.01.55{H}; 000.02.55{H}", "H26.101"),
        event("Giải thể", f"000.00.55{H}", "H26.101"),
        # Ba Đình: two wards → a new ward with a freed code, one renamed, the finance office split person by person
        event("Hợp nhất", f"000.03.41{H};000.05.41{H}", f"#{unit(db, '000.00.00').id}", names="UBND phường Ba Đình",
              codes=f"000.03.41{H}"),
        event("Đổi tên", f"000.04.41{H}", names="UBND phường Ngọc Hà (mới)"),
        event("Chia tách", f"000.02.41{H}", names="Phòng Tài chính; Phòng Kế hoạch", types="phong_ban",
              codes="H26.102.01; H26.102.02", rest="2"),
        event("Chuyển", f"000.01.41{H}", f"000.03.41{H}"),
        event("merge", "H26.102.01; H26.102.02", f"000.03.41{H}"),
        event("Giải thể", f"000.00.41{H}", f"000.00.00{H}"),
    ]
    for i, e in enumerate(events, start=1):
        e["number"] = i
    allocations = [{"event": 7, "cccd": with_cccd.cccd, "to": "1", "label": with_cccd.full_name},
                   {"event": 7, "person_id": by_id.id, "to": "Phòng Tài chính"}]
    return {"db": db, "actor": actor, "content": workbook(events, allocations), "officer": officer,
            "split_people": {with_cccd.id, by_id.id}, "finance": finance, "events": events,
            "allocations": allocations}


def test_template_has_its_sheets_and_no_formula(app, db):
    """The template: instructions, the two sheets with their headers and comments, the code lists."""
    wb = openpyxl.load_workbook(io.BytesIO(sheet.template_workbook()))
    assert wb.sheetnames[:3] == [sheet.INSTRUCTIONS_SHEET, sheet.EVENTS_SHEET, sheet.ALLOCATION_SHEET]
    assert [c.value for c in wb[sheet.EVENTS_SHEET][1]][:3] == ["STT", "Loại sự kiện", "Đơn vị nguồn"]
    assert not any(isinstance(c.value, str) and c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)
    parsed = sheet.parse_sheet(sheet.template_workbook())
    assert [i.message for i in parsed.issues] == ["Trang “Sự kiện” chưa có sự kiện nào."]


def test_preview_is_one_plan_and_writes_nothing(reform):
    """The whole sheet as one plan: units opening and closing, members counted once, grants that follow; nothing
    written."""
    db = reform["db"]
    before = fingerprint(db)
    plan = restructure.plan_restructure(reform["actor"], reform["content"])
    assert plan.ok, plan.errors
    assert fingerprint(db) == before
    assert [o["name"] for o in plan.opened] == ["UBND xã Gia Lâm", "UBND phường Ba Đình", "Phòng Tài chính",
                                                "Phòng Kế hoạch"]
    closed = {c["name"] for c in plan.closed}
    assert {"UBND huyện Gia Lâm", "UBND xã Bát Tràng", "UBND quận Ba Đình", "UBND phường Đội Cấn",
            "Phòng Tài chính - Kế hoạch quận Ba Đình", "Phòng Tài chính", "Phòng Kế hoạch"} <= closed
    # every person of the two districts ends elsewhere except those of the renamed ward and the moved schools
    moved_people = db.session.scalar(select(func.count()).select_from(Person).join(OrgUnit).where(
        OrgUnit.ma_dinh_danh.in_([c + H for c in ("000.01.55", "000.03.55", "000.04.55", "000.02.41", "000.03.41",
                                                  "000.05.41")])))
    assert plan.totals["people"] == moved_people
    assert plan.totals["accounts"] == 3
    grants = {(a["username"], a["to"]) for a in plan.assignments}
    assert ("tccb.dienbien", "UBND phường Ba Đình") in grants
    assert plan.assignments_total == plan.totals["role_assignments"] == 3
    split = next(e for e in plan.events if e.kind == "split")
    assert split.moved["people"] == 5 and split.moved["accounts"] == 2


def test_apply_reform_leaves_nobody_in_a_closed_unit(reform):
    """After the apply: every unit of the districts is closed or moved, no file, account or grant sits in a closed
    unit, every event is in the unit history, the split followed the sheet person by person."""
    db = reform["db"]
    first_event = db.session.scalar(select(func.max(OrgEvent.id)))
    plan = restructure.apply_restructure(reform["actor"], reform["content"])
    assert plan.ok
    for table, column in (("person", "org_unit_id"), ("ab_user", "org_unit_id"), ("role_assignment", "org_unit_id")):
        stuck = db.session.execute(text(
            f"SELECT count(*) FROM {table} t JOIN org_unit u ON u.id = t.{column} WHERE u.status = 'closed'"
            + (" AND t.revoked_at IS NULL" if table == "role_assignment" else ""))).scalar()
        assert stuck == 0, table
    for code in ("000.00.55", "000.00.41", "000.03.55", "000.05.41", "000.02.41", "000.01.55", "000.02.55"):
        assert db.session.scalar(select(OrgUnit.status).where(OrgUnit.ma_dinh_danh == code + H).order_by(
            OrgUnit.id).limit(1)) == "closed", code
    commune = db.session.scalar(select(OrgUnit).where(OrgUnit.ma_dinh_danh == "H26.101"))
    schools = db.session.scalars(select(OrgUnit).where(OrgUnit.name.in_(["Trường Tiểu học Đặng Xá",
                                                                         "Trường THCS Trâu Quỳ"]))).all()
    assert {s.parent_id for s in schools} == {commune.id} and all(s.path.startswith(commune.path) for s in schools)
    ward = unit(db, "000.03.41")
    assert ward.name == "UBND phường Ba Đình" and ward.parent_id == unit(db, "000.00.00").id
    assert db.session.get(RoleAssignment, db.session.scalar(select(RoleAssignment.id).where(
        RoleAssignment.user_id == reform["officer"].id))).org_unit_id == ward.id
    renamed = unit(db, "000.04.41")
    assert renamed.name == "UBND phường Ngọc Hà (mới)"
    # every row is in the history: one org event per event and source, each linked to its units
    events = db.session.scalars(select(OrgEvent).where(OrgEvent.id > first_event).order_by(OrgEvent.id)).all()
    assert [e.event_type for e in events] == ["consolidate", "move", "move", "merge", "merge", "dissolve",
                                              "consolidate", "rename", "split", "move", "merge", "merge", "dissolve"]
    assert all(e.decision_number == DECISION[0] and e.effective_date == DECISION[2] for e in events)
    links = db.session.execute(select(OrgEventUnit.event_id, OrgEventUnit.role).where(
        OrgEventUnit.event_id > first_event)).all()
    assert {eid for eid, _r in links} == {e.id for e in events}
    split = next(e for e in events if e.event_type == "split")
    assert sorted(p for m in split.details["moved_people"] for p in m["people"]) == sorted(reform["split_people"])
    assert sum(m["counts"]["accounts"] for m in split.details["moved_people"]) == 2


def test_forced_failure_halfway_changes_nothing(reform, monkeypatch):
    """One transaction: the 6th event failing after five were carried out leaves every table as it was."""
    db = reform["db"]
    before = fingerprint(db)
    calls = {"n": 0}
    real_update = uc.update_unit

    def failing(*args, **kwargs):
        calls["n"] += 1
        raise ValidationError({"name": ["Lỗi giả lập giữa chừng."]})

    monkeypatch.setattr(uc, "update_unit", failing)
    with pytest.raises(ValidationError) as exc:
        restructure.apply_restructure(reform["actor"], reform["content"])
    assert calls["n"] == 1 and "Dòng 7: Lỗi giả lập giữa chừng." in exc.value.messages
    db.session.rollback()
    assert fingerprint(db) == before
    monkeypatch.setattr(uc, "update_unit", real_update)
    assert restructure.apply_restructure(reform["actor"], reform["content"]).ok


@pytest.mark.parametrize("change, where, message", [
    (lambda ev, al: ev[1].update(target="H26.999"), "Sự kiện”, dòng 3, ô D3",
     "Không tìm thấy đơn vị đang hoạt động có mã định danh H26.999."),
    (lambda ev, al: ev[1].update(sources=f"000.00.55{H}", target=f"001.02.55{H}"),
     "dòng 3, ô D3", "vì Trường Tiểu học Đặng Xá là chính nó hoặc đơn vị cấp dưới của nó"),
    (lambda ev, al: al.append({"event": 7, "person_id": 1, "to": "1"}), "Phân bổ chia tách”, dòng 4, ô C4",
     "không thuộc đơn vị bị chia tách Phòng Tài chính - Kế hoạch quận Ba Đình"),
    (lambda ev, al: ev[0].update(codes="12345"), "dòng 2, ô G2", "không đúng định dạng"),
    (lambda ev, al: ev[3].update(kind="Xóa"), "dòng 5, ô B5", "Loại sự kiện “Xóa” không hợp lệ"),
    (lambda ev, al: ev[3].update(decision_date="31/02/2025"), "dòng 5, ô J5", "không phải ngày hợp lệ"),
    (lambda ev, al: ev[5].update(sources=f"000.05.41{H}"), "dòng 7, ô C7",
     "Đơn vị UBND phường Đội Cấn (mã 000.05.41.H26) đã chấm dứt hoạt động."),  # closed by row 6
])
def test_bad_sheets_say_where_and_write_nothing(reform, change, where, message):
    """Unknown unit, a cycle, a person not in the split source, a bad code, kind or date: a Vietnamese message on its
    row and cell, and nothing written."""
    db = reform["db"]
    events = [dict(e) for e in reform["events"]]
    allocations = [dict(a) for a in reform["allocations"]]
    change(events, allocations)
    content = workbook(events, allocations)
    before = fingerprint(db)
    plan = restructure.plan_restructure(reform["actor"], content)
    assert any(where in e and message in e for e in plan.errors), plan.errors
    with pytest.raises(ValidationError):
        restructure.apply_restructure(reform["actor"], content)
    db.session.rollback()
    assert fingerprint(db) == before


def xlsx_with(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_hostile_files_are_refused(app, db):
    """Not a workbook, a zip bomb, a macro, a formula, an overlong cell, too many rows: refused with a message."""
    def first(content):
        return [str(i) for i in sheet.parse_sheet(content).issues]

    assert "Tệp không phải bảng tính Excel (.xlsx)." in first(b"%PDF-1.4 not a workbook")[0]
    assert "bị hỏng" in first(b"PK\x03\x04" + b"\x00" * 100)[0]
    bomb = xlsx_with({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\x00" * (90 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024 and "giải nén quá lớn" in first(bomb)[0]
    macro = xlsx_with({"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"VBA"})
    assert "macro" in first(macro)[0]
    content = workbook([event("Giải thể", f"000.00.80{H}", names="x" * 3000),
                        {"kind": "Giải thể", "sources": "a_x0001_b"}])
    wb = openpyxl.load_workbook(io.BytesIO(content))
    wb[sheet.EVENTS_SHEET]["B3"] = "=1+1"
    out = io.BytesIO()
    wb.save(out)
    issues = first(out.getvalue())
    assert any("ô E2: Ô dài quá 2000 ký tự." in i for i in issues)
    assert any("ô B3: Ô chứa công thức" in i for i in issues)
    assert any("ô C3: Ô chứa ký tự điều khiển" in i for i in issues)
    many = workbook([event("Giải thể", f"000.00.80{H}")] * (sheet.MAX_EVENT_ROWS + 5))
    assert any("quá 1000 dòng" in i for i in first(many))
    # the last row of a sheet: refused from its declared size, without reading a million rows
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = book.add_worksheet(sheet.EVENTS_SHEET)
    ws.write_row(0, 0, ["STT", "Loại sự kiện"])
    ws.write_string(1048575, 1, "Giải thể")
    book.close()
    assert any("quá 1000 dòng" in i for i in first(out.getvalue()))


def test_split_person_by_person_service(demo_people):
    """plan_split/split_unit with people_targets: each new unit gets its list; their accounts follow; a file of
    another unit is refused."""
    db = demo_people
    actor = admin(db)
    finance = unit(db, "000.02.41")
    people = list(db.session.scalars(select(Person.id).where(Person.org_unit_id == finance.id).order_by(Person.id)))
    account, _ = acc.create_account(actor, acc.AccountData(username="tckh.x", last_name="Lê", first_name="X",
                                                           org_unit_id=finance.id))
    db.session.get(Person, people[0]).account_id = account.id
    db.session.commit()
    decision = uc.Decision(number="QĐ-1", date=date(2025, 7, 1))
    news = [uc.UnitData(name="Phòng A", unit_type="phong_ban"), uc.UnitData(name="Phòng B", unit_type="phong_ban")]
    outsider = db.session.scalar(select(Person.id).where(Person.org_unit_id != finance.id).limit(1))
    with pytest.raises(ValidationError) as exc:
        uc.plan_split(finance.id, news, {}, 1, decision, {people[0]: 0, outsider: 0})
    assert "không thuộc đơn vị bị chia tách" in exc.value.messages[0]
    plan = uc.plan_split(finance.id, news, {}, 1, decision, {people[0]: 0, people[1]: 0})
    assert plan.person_moves[0][3] == {"people": 2, "accounts": 1, "role_assignments": 1}
    event = uc.split_unit(finance.id, news, {}, 1, decision, actor=actor, people_targets={people[0]: 0, people[1]: 0})
    first, second = event.details["created_units"]
    where = dict(db.session.execute(select(Person.id, Person.org_unit_id).where(Person.id.in_(people))).all())
    assert where[people[0]] == where[people[1]] == first and {where[p] for p in people[2:]} == {second}
    assert db.session.get(Account, account.id).org_unit_id == first


def test_screen_upload_preview_confirm(reform, client):
    """The screen: the template downloads, an upload shows the plan and a confirm button, the confirm applies it."""
    db = reform["db"]
    login(client)
    resp = client.get("/org/import/template")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    page = client.get("/org/import/")
    assert page.status_code == 200 and "Sắp xếp tổ chức theo tệp" in page.get_data(as_text=True)
    resp = client.post("/org/import/", data={"file": (io.BytesIO(reform["content"]), "sap_xep.xlsx"),
                                            "preview": "1"}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "UBND xã Gia Lâm" in html and 'id="btn-confirm"' in html
    events = db.session.scalar(select(func.count()).select_from(OrgEvent))
    import re

    sheet_value = re.search(r'name="sheet"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="sheet"', html)
    resp = client.post("/org/import/", data={"sheet": sheet_value.group(1), "confirm": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(func.count()).select_from(OrgEvent)) == events + 13


def test_screen_is_for_the_city_administrators_only(reform, client):
    """An agency administrator and a Sở Nội vụ officer do not reach the screen."""
    for username in ("syt.quantri", "sonoivu.chuyenvien"):
        client.get("/logout/")
        login(client, username)
        assert client.get("/org/import/").status_code == 403
        assert client.get("/org/import/template").status_code == 403
