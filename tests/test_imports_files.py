"""Issue 19, items 1–4 and 6: the import template, the importers (template, CSV, 2C-BNV/2008, legacy encodings),
the dry run with its error report, the commit (new files as version 1, change sets for existing files, idempotent,
resumable), scope, and the screens.

Rules: HN-6.1 (the TT 06/2023 form), HN-6.3 (changes go through approval), HN-9.2 (an agency acts in its
subtree), domain.md §1.3 (2C-BNV/2008), §2 (code lists), §10 (names, CCCD, TCVN3/VNI).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from app.services import code_lists
from app.services.imports import use_cases as svc
from app.services.imports.layout import template_layout
from app.services.imports.template import write_template
from app.services.personnel import files
from models.imports import ImportJob, ImportRow
from models.national_sync import SyncItem
from models.personnel import ChangeSet, FileVersion, Person
from tests.factories import IsolatedClient, account, login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def inline(app, monkeypatch, tmp_path):
    """No Redis: jobs run in-process after the commit; imports kept under a temporary folder."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))


def client_for(app, username):
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(c, username).status_code == 302
    return c


# --------------------------------------------------------------------------- building files


def cccd_for(n: int, born: date, gender: str) -> str:
    """A CCCD consistent with the birth year and sex (Hà Nội's province code 001)."""
    century = (born.year - 1900) // 100
    g = 2 * century + (0 if gender == "nam" else 1)
    return f"001{g}{born.year % 100:02d}{n:06d}"


def _choice(kind: str, i: int) -> tuple[str, str]:
    options = code_lists.choices(kind)
    return options[i % len(options)]


def person_values(i: int) -> dict[str, tuple[str, object]]:
    """{field: (text written in the workbook, expected JSON value)} for every scalar item of person ``i``."""
    from app.services.imports.checks import SCALAR_SECTIONS

    gender = "nam" if i % 2 == 0 else "nu"
    born = date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
    out: dict[str, tuple[str, object]] = {}
    fixed = {
        "family_name": ("Nguyễn", "Nguyễn"), "middle_name": ("Thị Ngọc" if gender == "nu" else "Văn Đức",) * 2,
        "given_name": (f"Hường{i}", f"Hường{i}"),
        "gender": ("Nam" if gender == "nam" else "Nữ", gender),
        "birth_date": (born.strftime("%d/%m/%Y"), born.isoformat()),
        "cccd": (cccd_for(i, born, gender), cccd_for(i, born, gender)),
        "cccd_issued_on": ("15/06/2021", "2021-06-15"),
        "old_id_number": (f"{100000000 + i}", f"{100000000 + i}"),
        "recruited_on": ("01/09/2000" if born.year < 1980 else "01/09/2015",
                         "2000-09-01" if born.year < 1980 else "2015-09-01"),
        "joined_agency_on": ("01/01/2016", "2016-01-01"),
        "party_joined_on": ("19/05/2005", "2005-05-19"), "party_official_on": ("19/05/2006", "2006-05-19"),
        "first_org_joined_on": ("26/03/1998", "1998-03-26"),
        "enlisted_on": ("01/03/1999", "1999-03-01"), "discharged_on": ("01/03/2001", "2001-03-01"),
        "academic_title_year": ("2015", 2015),
    }
    rank_code, _rank_name = _choice("rank", i)
    group = code_lists.pay_group(rank_code)
    step = 2
    coefficient = code_lists.coefficient(group, step) if group else None
    fixed.update({"rank_code": (rank_code, rank_code), "salary_step": (str(step), step),
                  "salary_coefficient": (str(coefficient).replace(".", ",") if coefficient else "",
                                         str(coefficient) if coefficient else None)})
    for sec in SCALAR_SECTIONS:
        for f in sec.fields:
            if f.name in fixed:
                out[f.name] = fixed[f.name]
            elif f.type in ("text", "longtext"):
                text = f"{sec.label} – giá trị {i} ở Hà Nội"[: (f.max_length or 100)]
                out[f.name] = (text, text)
            elif f.type == "date":
                out[f.name] = ("12/12/2018", "2018-12-12")
            elif f.type == "int":
                value = int(f.min_value or 1) + 1
                out[f.name] = (str(value), value)
            elif f.type == "year":
                out[f.name] = ("2010", 2010)
            elif f.type == "money":
                out[f.name] = ("5.000.000", 5000000)
            elif f.type == "decimal":
                out[f.name] = ("1,25", "1.25")
            elif f.type == "code":
                code, name = _choice(f.code_list, i)
                out[f.name] = (name, code)
            elif f.type == "bool":
                out[f.name] = ("Có", True)
    if out["salary_coefficient"][0] == "":
        del out["salary_coefficient"]
    return out


def section_rows(i: int) -> dict[str, list[dict[str, tuple[str, object]]]]:
    """Rows of a few repeating sections for person ``i``: {section: [{field: (text, JSON)}]}."""
    level, _n = _choice("qualification", i)
    relation, relation_name = _choice("relation", i)
    rank_code, _r = _choice("rank", i + 1)
    group = code_lists.pay_group(rank_code)
    coefficient = code_lists.coefficient(group, 1) if group else None
    salary = {"start": ("01/2010", "2010-01"), "end": ("12/2012", "2012-12"), "rank_code": (rank_code, rank_code),
              "step": ("1", 1)}
    if coefficient:
        salary["coefficient"] = (str(coefficient).replace(".", ","), str(coefficient))
    return {
        "work": [{"start": ("09/2000", "2000-09"), "end": ("12/2015", "2015-12"),
                  "unit_name": (f"Phòng Tổ chức cán bộ {i}", f"Phòng Tổ chức cán bộ {i}"),
                  "title": ("Chuyên viên", "Chuyên viên")},
                 {"start": ("2016", "2016"), "unit_name": ("Sở Nội vụ Hà Nội", "Sở Nội vụ Hà Nội")}],
        "training_professional": [{"start": ("09/1996", "1996-09"), "end": ("06/2000", "2000-06"),
                                   "institution": ("Đại học Quốc gia Hà Nội", "Đại học Quốc gia Hà Nội"),
                                   "major": ("Luật học", "Luật học"), "level": (level, level)}],
        "relatives_own": [{"relation": (relation_name, relation), "full_name": ("Trần Thị Bích", "Trần Thị Bích"),
                           "birth_year": ("1940", 1940), "lives_abroad": ("Không", False)}],
        "salary_history": [salary],
    }


def filled_template(path: str, people: range, *, mutate=None) -> dict:
    """Write the template, then fill it with ``people`` (openpyxl); returns the expected values per CCCD."""
    write_template(path)
    wb = openpyxl.load_workbook(path)
    specs = {spec.key: spec for spec in template_layout()}
    expected = {}
    person_ws = wb[specs["person"].title]
    person_cols = {c.name: i + 1 for i, c in enumerate(specs["person"].columns)}
    lines = {key: 2 for key in specs}
    for i in people:
        values = person_values(i)
        rows = section_rows(i)
        cccd = values["cccd"][0]
        expected[cccd] = (values, rows)
        line = lines["person"]
        for name, (text, _json) in values.items():
            person_ws.cell(line, person_cols[name], text)
        lines["person"] += 1
        for key, key_rows in rows.items():
            ws = wb[specs[key].title]
            cols = {c.name: j + 1 for j, c in enumerate(specs[key].columns)}
            for row in key_rows:
                ws.cell(lines[key], cols["cccd"], cccd)
                for name, (text, _json) in row.items():
                    ws.cell(lines[key], cols[name], text)
                lines[key] += 1
    if mutate is not None:
        mutate(wb, specs)
    wb.save(path)
    return expected


def upload(db, user, unit, path: str, name: str = "nhap.xlsx", category: str = "cong_chuc") -> ImportJob:
    with open(path, "rb") as fh:
        job_id = svc.request_import(user, unit.id, category, name, fh.read()).id
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def committed(db, user, job) -> ImportJob:
    job_id = job.id
    svc.request_commit(user, job_id)
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def messages(db, job) -> list[list]:
    db.session.expire_all()
    out = []
    for row in db.session.scalars(select(ImportRow).where(ImportRow.job_id == job.id).order_by(ImportRow.row_no)):
        out += [list(e) for e in row.errors or []]
    return out


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --------------------------------------------------------------------------- the template and the full cycle


def test_template_follows_the_registry(app, codes, tmp_path):
    """Item 1: a person sheet with every scalar item of the registry, one sheet per repeating section, Vietnamese
    headers, drop-downs for coded columns fed by a hidden sheet of codes, an instructions sheet."""
    from app.services.personnel.syll import SECTIONS

    path = str(tmp_path / "mau.xlsx")
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Hướng dẫn"
    assert wb["DanhMuc"].sheet_state == "hidden"
    person = wb["Thông tin chung"]
    headers = [c.value for c in person[1]]
    assert headers[0] == "Số CCCD *" and headers[1] == "Đối tượng"
    scalar = [f for s in SECTIONS if not s.repeating for f in s.fields]
    assert len(headers) == len(scalar) + 1  # + Đối tượng; the CCCD is the first column
    for f in scalar:
        assert str(f.label) + (" *" if f.required else "") in headers
    for sec in SECTIONS:
        if sec.repeating:
            ws = next(ws for ws in wb.worksheets if ws.title.split()[0] == sec.items[0])
            assert [c.value for c in ws[1]][0] == "Số CCCD *"
            assert len([c.value for c in ws[1]]) == len(sec.fields) + 1
    validations = person.data_validations.dataValidation
    ethnicity_col = openpyxl.utils.get_column_letter(headers.index("Dân tộc *") + 1)
    assert any(v.type == "list" and ethnicity_col in str(v.sqref) and "DanhMuc" in v.formula1 for v in validations)


def test_full_cycle_on_the_demo_city(app, demo, inline, tmp_path, unit_by_name):
    """Acceptance: the template filled with 200 people and their sections, dry run (nothing written), commit:
    every item of every person reads back equal; each file is version 1 with source "import" pointing at the
    upload (its SHA-256 kept); importing the same file again changes nothing."""
    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    path = str(tmp_path / "200.xlsx")
    expected = filled_template(path, range(1, 201))
    people_before = count(db, Person)
    job = upload(db, officer, unit, path)
    assert (job.stage, job.status, job.file_format) == ("dry_run", "finished", "template"), job.error
    assert messages(db, job) == []
    assert (job.valid_rows, job.error_rows, job.total) == (200, 0, 200)
    assert count(db, Person) == people_before  # the dry run writes nothing to the files
    job = committed(db, officer, job)
    assert (job.stage, job.status, job.created_count, job.change_set_count) == ("commit", "finished", 200, 0), job.error
    from app.crypto import blind_index

    for cccd, (values, rows) in expected.items():
        person = db.session.scalar(select(Person).where(Person.cccd_index == blind_index(cccd)))
        assert person is not None and person.org_unit_id == unit.id and person.version_no == 1
        snap = files.snapshot(person)
        for sec_values in snap["sections"].values():
            if isinstance(sec_values, dict):
                for name, (_text, want) in values.items():
                    if name in sec_values:
                        assert sec_values[name] == want, (cccd, name, sec_values[name], want)
        for key, want_rows in rows.items():
            got = snap["sections"][key]
            assert len(got) == len(want_rows), (cccd, key)
            for got_row, want_row in zip(got, want_rows, strict=True):
                for name, (_text, want) in want_row.items():
                    assert got_row[name] == want, (cccd, key, name)
        version = db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id))
        assert (version.version_no, version.source, version.import_job_id) == (1, "import", job.id)
        # The version written a batch at a time is the file as read back from the database, byte for byte.
        assert version.snapshot == snap and version.sha256 == hashlib.sha256(
            files.canonical_json(snap).encode("utf-8")).hexdigest(), cccd
        assert person.completeness == files.completeness(snap)
    assert count(db, SyncItem, SyncItem.person_id.in_(select(ImportRow.person_id).where(
        ImportRow.job_id == job.id)), SyncItem.version_no == 1, SyncItem.status == "queued") == 200
    again = upload(db, officer, unit, path)
    assert again.valid_rows == 200 and again.error_rows == 0
    versions = count(db, FileVersion)
    sets = count(db, ChangeSet)
    again = committed(db, officer, again)
    assert (again.created_count, again.change_set_count, again.unchanged_count) == (0, 0, 200)
    assert count(db, FileVersion) == versions and count(db, ChangeSet) == sets  # zero changes


# --------------------------------------------------------------------------- the dry run's report


def _fill(wb, specs, line: int, name: str, value, sheet: str = "person"):
    spec = specs[sheet]
    col = next(i + 1 for i, c in enumerate(spec.columns) if c.name == name)
    wb[spec.title].cell(line, col).value = value


def test_error_report_one_error_of_each_kind(app, demo, inline, tmp_path, unit_by_name):
    """Item 3: a workbook seeded with one error of each kind — CCCD vs birth date, dates out of order, salary
    coefficient vs ngạch and bậc, a required item missing, a value not in its code list (with the closest names),
    a date that does not exist, a formula, two rows with one CCCD, a CCCD active elsewhere in the city, a table
    row whose period ends before it starts, a section row whose person is not in the file — each reported on its
    row and cell; a probable duplicate (same name and birth date, another CCCD) is a warning; nothing written; the
    report is the same workbook with an error column and the wrong cells highlighted."""
    from app.services import personnel as people

    db = demo
    officer = account(db, "syt.tccb")
    admin = account(db, "sonoivu.admin")
    unit = unit_by_name("Khoa Cấp cứu")
    elsewhere = unit_by_name("Phòng Hành chính tư pháp")
    v10 = person_values(10)
    people.create_person(admin, {"org_unit_id": elsewhere.id, "category": "cong_chuc", "full_name": "Lê Văn Khác",
                                 "gender": v10["gender"][1], "birth_date": v10["birth_date"][0],
                                 "cccd": v10["cccd"][0]})
    v12 = person_values(12)
    people.create_person(admin, {"org_unit_id": elsewhere.id, "category": "cong_chuc",
                                 "family_name": v12["family_name"][0], "middle_name": v12["middle_name"][0],
                                 "given_name": v12["given_name"][0], "gender": v12["gender"][1],
                                 "birth_date": v12["birth_date"][0], "cccd": cccd_for(999, date(1972, 1, 13),
                                                                                     v12["gender"][1])})
    with_coefficient = next(i for i in range(3, 40) if "salary_coefficient" in person_values(i))

    def mutate(wb, specs):
        _fill(wb, specs, 2, "birth_date", "05/03/1955")           # person 1: CCCD vs birth year
        _fill(wb, specs, 3, "joined_agency_on", "01/01/1990")     # person 2: joined before recruited
        _fill(wb, specs, with_coefficient + 1, "salary_coefficient", "9,99")
        _fill(wb, specs, 5, "given_name", None)                   # person 4: required item missing
        _fill(wb, specs, 6, "ethnicity", "Kinhh")                 # person 5: not in the code list
        _fill(wb, specs, 7, "cccd_issued_on", "31/02/2021")       # person 6: no such day
        _fill(wb, specs, 8, "residence", "=1+1")                  # person 7: a formula
        _fill(wb, specs, 9, "cccd", person_values(9)["cccd"][0])  # person 8: person 9's CCCD
        spec = specs["work"]
        ws = wb[spec.title]
        start = next(i + 1 for i, c in enumerate(spec.columns) if c.name == "start")
        for row in range(2, ws.max_row + 1):                     # person 11: a work row ending before it starts
            if ws.cell(row, 1).value == person_values(11)["cccd"][0]:
                ws.cell(row, start, "01/2020")
                break

    path = str(tmp_path / "loi.xlsx")
    filled_template(path, range(1, 13), mutate=mutate)
    before = (count(db, Person), count(db, FileVersion), count(db, ChangeSet))
    job = upload(db, officer, unit, path)
    assert job.status == "finished", job.error
    assert (count(db, Person), count(db, FileVersion), count(db, ChangeSet)) == before
    found = messages(db, job)
    person_sheet = "Thông tin chung"

    def at(line, field, text):
        hits = [m for m in found if m[0] == person_sheet and m[1] == line and m[2] == field and text in m[3]]
        assert hits, (line, field, text, [m for m in found if m[1] == line])

    at(2, "cccd", "năm sinh")
    at(3, "joined_agency_on", "không được sau")
    at(with_coefficient + 1, "salary_coefficient", "không đúng bậc")
    at(5, "given_name", "bắt buộc")
    at(6, "ethnicity", "“Kinh”")
    at(7, "cccd_issued_on", "không hợp lệ")
    at(8, "residence", "công thức")
    at(9, "cccd", "nhiều dòng")
    at(10, "cccd", "nhiều dòng")
    at(11, "cccd", "ngoài phạm vi")
    work_title = next(s.title for s in template_layout() if s.key == "work")
    assert any(m[0] == work_title and m[2] == "end" and "bắt đầu sau" in m[3] for m in found), found
    assert any(m[2] == "cccd" and "không có trong trang" in m[3] for m in found)  # person 8's own rows
    rows = {r.line: r for r in db.session.scalars(select(ImportRow).where(ImportRow.job_id == job.id,
                                                                          ImportRow.row_no > 0))}
    assert rows[13].status == "valid" and any("trùng người" in w[3] for w in rows[13].warnings)
    assert job.error_rows == 11 and job.valid_rows == 1, (job.error_rows, job.valid_rows)
    # The report: the same sheets, an error column, the wrong cells highlighted.
    _job, report_key = svc.open_report(officer, job.id)
    wb = openpyxl.load_workbook(svc.import_store().local_path(report_key))
    assert wb.sheetnames == openpyxl.load_workbook(path, read_only=True).sheetnames
    ws = wb[person_sheet]
    headers = [c.value for c in ws[1]]
    err_col = headers.index("Lỗi / cảnh báo") + 1
    person_cols = {c.name: i + 1 for i, c in enumerate(template_layout()[0].columns)}
    assert "không được sau" in ws.cell(3, err_col).value
    assert ws.cell(3, person_cols["joined_agency_on"]).fill.fgColor.rgb.endswith("F8CBAD")
    assert ws.cell(3, person_cols["birth_date"]).fill.fgColor.rgb in ("00000000", None)
    assert ws.cell(6, person_cols["ethnicity"]).value == "Kinhh"
    assert ws.cell(13, err_col).value.startswith("Cảnh báo")
    # Committing writes the one valid row only.
    done = committed(db, officer, job)
    assert (done.created_count, done.refused_count) == (1, 0)


# --------------------------------------------------------------------------- CSV, 2C-BNV/2008, legacy encodings


def _csv_bytes(rows: list[list[str]], delimiter: str, bom: bool, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _person_csv(people: range) -> list[list[str]]:
    spec = template_layout()[0]
    rows = [[c.header for c in spec.columns]]
    for i in people:
        values = person_values(i)
        rows.append([values.get(c.name, ("", None))[0] for c in spec.columns])
    return rows


@pytest.mark.parametrize("delimiter,bom", [(";", True), (",", False)])
def test_csv_with_or_without_bom_either_delimiter(app, demo, inline, tmp_path, unit_by_name, delimiter, bom):
    """Item 2: a CSV of the person sheet, UTF-8 with or without BOM, ";" or "," — read the same."""
    from app.crypto import blind_index

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    path = tmp_path / "nhap.csv"
    path.write_bytes(_csv_bytes(_person_csv(range(1, 4)), delimiter, bom))
    job = upload(db, officer, unit, str(path), "nhap.csv")
    assert (job.status, job.file_format, job.valid_rows, job.error_rows) == ("finished", "csv", 3, 0), \
        messages(db, job)
    job = committed(db, officer, job)
    assert job.created_count == 3
    for i in range(1, 4):
        values = person_values(i)
        person = db.session.scalar(select(Person).where(Person.cccd_index == blind_index(values["cccd"][0])))
        assert person.full_name == f"Nguyễn {values['middle_name'][0]} {values['given_name'][0]}"
        assert person.ethnicity == values["ethnicity"][1] and person.birth_date.isoformat() == values["birth_date"][1]


def test_legacy_2c_sheet(app, demo, inline, tmp_path, unit_by_name):
    """Item 2: the 2C-BNV/2008 layout — full name split, quê quán split into commune/district/province, the
    9-digit CMND kept as the former number, the CCCD from its own column, items mapped to TT 06/2023."""
    from app.crypto import blind_index
    from app.services.imports.layout import legacy_layout

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    province_code, province = _choice("province", 0)
    ethnicity_code, ethnicity = _choice("ethnicity", 0)
    religion_code, religion = _choice("religion", 0)
    born = date(1975, 4, 30)
    cccd = cccd_for(77, born, "nu")
    values = {"cccd": cccd, "full_name": "Tôn Nữ Thị Hà", "birth_date": "30/04/1975", "gender": "Nữ",
              "birthplace": "Huế", "hometown": f"Phường Vĩnh Ninh, Thành phố Huế, {province}",
              "ethnicity": ethnicity, "religion": religion, "residence": "Số 1 Tràng Tiền, Hà Nội",
              "recruited_on": "01/09/1998", "recruiting_unit": "Sở Y tế", "id_number": "012345678",
              "cccd_issued_on": "10/10/2021", "health": "Tốt"}
    spec = legacy_layout()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2C"
    cols = [c for c in spec.columns if c.name in values]
    ws.append([c.header for c in cols])
    ws.append([values[c.name] for c in cols])
    path = str(tmp_path / "2c.xlsx")
    wb.save(path)
    job = upload(db, officer, unit, path, "2c.xlsx")
    assert (job.status, job.file_format) == ("finished", "2c"), job.error
    assert job.valid_rows == 1, messages(db, job)
    job = committed(db, officer, job)
    person = db.session.scalar(select(Person).where(Person.cccd_index == blind_index(cccd)))
    assert (person.family_name, person.middle_name, person.given_name) == ("Tôn Nữ", "Thị", "Hà")
    assert (person.hometown_commune, person.hometown_district, person.hometown_province) == (
        "Phường Vĩnh Ninh", "Thành phố Huế", province_code)
    assert person.old_id_number == "012345678" and person.cccd == cccd
    assert (person.ethnicity, person.religion, person.gender) == (ethnicity_code, religion_code, "nu")


#: Real words with every tone of every vowel, and đ: (Unicode, TCVN3 as read in Latin-1, VNI as read in Latin-1).
#: A few TCVN3 spellings are anchors checked by hand against published conversions ("B¸t X¸t" = Bát Xát, "Mêng
#: Kh­¬ng" = Mường Khương, "B¶o Th¾ng" = Bảo Thắng); the rest follow the same table.
LEGACY_SAMPLES = [
    ("Bát Xát", "B¸t X¸t", "Baùt Xaùt"),
    ("Mường Khương", "M\xadêng Kh\xad¬ng", "Möôøng Khöông"),
    ("Bảo Thắng", "B¶o Th¾ng", "Baûo Thaéng"),
    ("Nguyễn Văn Đức", "NguyÔn V¨n §øc", "Nguyeãn Vaên Ñöùc"),
    ("Hà Nội", "Hµ Néi", "Haø Noäi"),
]


def _all_tones() -> list[str]:
    import unicodedata

    words = []
    for vowel in "aăâeêioôơuưy":
        for tone in ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323"):
            words.append(unicodedata.normalize("NFC", "t" + vowel + tone + "n"))
    return words + ["đi", "Đồng"]


def test_tcvn3_and_vni_converted_exactly():
    """Item 2, domain.md §10: the anchors convert exactly, both ways of detection agree, and every tone of every
    vowel (and đ) round-trips through each table (each toned letter has exactly one legacy spelling)."""
    from app.text_legacy import TCVN3, VNI, detect, from_tcvn3, from_vni, to_unicode

    for uni, tcvn3, vni in LEGACY_SAMPLES:
        assert detect(tcvn3) == "tcvn3" and from_tcvn3(tcvn3) == uni, tcvn3
        assert detect(vni) == "vni" and from_vni(vni) == uni, vni
        assert to_unicode(uni) == (uni, "unicode")
    letters = {ch for w in _all_tones() for ch in w if ord(ch) > 0x7F}
    tcvn3_back = {v: k for k, v in TCVN3.items()}
    vni_back = {}
    for k, v in VNI.items():
        vni_back.setdefault(v, k)
    for letter in letters:
        low = letter.lower()
        assert low in tcvn3_back or low in ("đ",) and "đ" in tcvn3_back, letter
        assert letter in vni_back, letter
    for word in _all_tones():
        tcvn3 = "".join(tcvn3_back.get(ch, tcvn3_back.get(ch.lower(), ch)) for ch in word)
        vni = "".join(vni_back.get(ch, ch) for ch in word)
        # One short word may be ambiguous alone; a file's other cells give the hint (``sources``: the encoding
        # found so far).
        assert to_unicode(tcvn3, hint="tcvn3")[0].lower() == word.lower(), (word, tcvn3)
        assert to_unicode(vni, hint="vni")[0] == word, (word, vni)
    assert len(set(TCVN3.values())) == len(TCVN3)
    assert detect("Tô Hoài, Hoà Bình, Thuý, Huê") == "unicode"
    assert from_tcvn3("NGUYÔN V¡N A") == "NGUYỄN VĂN A"


def _as_tcvn3(text: str) -> str:
    """``text`` as typed in .VnTime (TCVN3), read as Latin-1; characters TCVN3 lacks become "-"."""
    from app.text_legacy import TCVN3

    back = {v: k for k, v in TCVN3.items()}
    out = []
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ch)
        else:
            out.append(back.get(ch) or back.get(ch.lower()) or ("-" if ord(ch) > 0xFF else ch))
    return "".join(out)


def test_legacy_text_in_a_csv_and_a_workbook(app, demo, inline, tmp_path, unit_by_name):
    """A CSV saved in TCVN3 bytes (headers included) and a workbook typed in VNI are converted to Unicode NFC."""
    from app.text_legacy import VNI

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    rows = _person_csv(range(1, 2))
    spec = template_layout()[0]
    index = {c.name: i for i, c in enumerate(spec.columns)}
    rows[1][index["family_name"]] = "Nguyễn"
    rows[1][index["middle_name"]] = "Văn Đức"
    rows[1][index["residence"]] = "Hà Nội"
    path = tmp_path / "tcvn3.csv"
    path.write_bytes(_csv_bytes([[_as_tcvn3(v) for v in row] for row in rows], ";", False, "latin-1"))
    job = upload(db, officer, unit, str(path), "tcvn3.csv")
    assert job.valid_rows == 1, messages(db, job)
    assert job.encoding == "tcvn3"
    job = committed(db, officer, job)
    person = db.session.get(Person, db.session.scalar(select(ImportRow.person_id).where(ImportRow.job_id == job.id)))
    assert (person.family_name, person.middle_name, person.residence) == ("Nguyễn", "Văn Đức", "Hà Nội")
    # A workbook whose name cells were typed in VNI-Times.
    back = {}
    for k, v in VNI.items():
        back.setdefault(v, k)
    path = str(tmp_path / "vni.xlsx")

    def vni(wb, specs):
        _fill(wb, specs, 2, "family_name", "".join(back.get(ch, ch) for ch in "Trương"))
        _fill(wb, specs, 2, "middle_name", "".join(back.get(ch, ch) for ch in "Thị Mỹ"))

    filled_template(path, range(5, 6), mutate=vni)
    job = upload(db, officer, unit, path)
    assert job.valid_rows == 1 and job.encoding == "vni", messages(db, job)
    job = committed(db, officer, job)
    person = db.session.get(Person, db.session.scalar(select(ImportRow.person_id).where(ImportRow.job_id == job.id)))
    assert (person.family_name, person.middle_name) == ("Trương", "Thị Mỹ")


# --------------------------------------------------------------------------- scope and the screens


def test_an_agency_imports_only_into_its_subtree(app, demo, inline, tmp_path, unit_by_name):
    """Item 6, HN-9.2: Sở Y tế's officer cannot import into Sở Tư pháp (403 on the page, nothing kept), and does
    not see Sở Tư pháp's imports; Sở Nội vụ's administrator imports anywhere."""
    db = demo
    path = tmp_path / "nhap.csv"
    path.write_bytes(_csv_bytes(_person_csv(range(1, 2)), ";", True))
    outside = unit_by_name("Phòng Hành chính tư pháp")
    officer = account(db, "syt.tccb")
    with pytest.raises(svc.ForbiddenError):
        upload(db, officer, outside, str(path))
    assert count(db, ImportJob) == 0
    c = client_for(app, "syt.tccb")
    with open(path, "rb") as fh:
        resp = c.post("/imports/upload", data={"unit_id": outside.id, "category": "cong_chuc",
                                              "file": (fh, "nhap.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 403 and count(db, ImportJob) == 0
    admin_job = upload(db, account(db, "sonoivu.admin"), outside, str(path))
    assert admin_job.valid_rows == 1
    assert c.get(f"/imports/{admin_job.id}").status_code == 404
    assert f'data-import-id="{admin_job.id}"' not in c.get("/imports/").get_data(as_text=True)
    assert f'data-import-id="{admin_job.id}"' in client_for(app, "sonoivu.admin").get("/imports/").get_data(
        as_text=True)


def test_screens_upload_page_report_commit_accounts(app, demo, inline, tmp_path, unit_by_name):
    """Item 6: the menu, the template download, the upload form, the job page with its counts, the report, the
    commit button; then one personal account per imported person with the printable hand-out (agency admin)."""
    db = demo
    unit = unit_by_name("Khoa Cấp cứu")
    c = client_for(app, "syt.tccb")
    home = c.get("/imports/").get_data(as_text=True)
    assert "Dữ liệu" in home and "Nhập hồ sơ từ tệp" in home
    template = c.get("/imports/template")
    assert template.status_code == 200 and template.mimetype == XLSX
    assert "Thông tin chung" in openpyxl.load_workbook(io.BytesIO(template.data), read_only=True).sheetnames
    path = tmp_path / "nhap.csv"
    path.write_bytes(_csv_bytes(_person_csv(range(1, 4)), ";", True))
    with open(path, "rb") as fh:
        resp = c.post("/imports/upload", data={"unit_id": unit.id, "category": "cong_chuc",
                                              "file": (fh, "Danh sách.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    job_id = int(re.search(r"/imports/(\d+)$", resp.headers["Location"]).group(1))
    page = c.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "3 người hợp lệ" in page and "import-commit" in page
    # A file without any issue has no report to download: the page says so (a report is tested below).
    assert "import-clean" in page and "import-report" not in page
    assert c.get(f"/imports/{job_id}/report").status_code == 404
    assert c.get(f"/imports/{job_id}/status").get_json()["status"] == "finished"
    assert c.post(f"/imports/{job_id}/commit").status_code == 302
    page = c.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "3 hồ sơ mới" in page
    assert "import-accounts" in page  # the button shows; a TCCB officer may not grant the role: refused
    refused = c.post(f"/imports/{job_id}/accounts")
    assert refused.status_code == 403
    admin = client_for(app, "syt.quantri")
    handout = admin.post(f"/imports/{job_id}/accounts")
    assert handout.status_code == 200 and "password-handout" in handout.get_data(as_text=True)
    assert handout.headers["Cache-Control"].startswith("no-store")
    db.session.expire_all()
    linked = db.session.scalar(select(func.count()).select_from(Person).join(
        ImportRow, ImportRow.person_id == Person.id).where(ImportRow.job_id == job_id, Person.account_id.is_not(None)))
    assert linked == 3
    again = admin.post(f"/imports/{job_id}/accounts")
    assert again.status_code == 302  # nobody left without an account


# --------------------------------------------------------------------------- hostile files (item 5)


def _zip(path, entries: dict[str, bytes], *, level: int = 6):
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in entries.items():
            z.writestr(name, data)


def _refused(db, user, unit, path, name, text):
    with pytest.raises(svc.ValidationError) as exc:
        upload(db, user, unit, str(path), name)
    assert any(text in m for m in exc.value.messages), exc.value.messages


def test_hostile_uploads_are_refused_before_anything_is_kept(app, demo, inline, tmp_path, unit_by_name):
    """Item 5: a zip bomb disguised as XLSX (its declared sizes and ratio read from the ZIP directory before
    openpyxl opens it), a file that is not a workbook, an old binary .xls, a macro-enabled workbook, a CSV with NUL
    bytes — each refused at the upload with a Vietnamese message, nothing kept, quickly."""
    import time
    import zipfile

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    started = time.monotonic()
    bomb = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:  # 200 MB of zeros, about 200 KB compressed
            block = b"\0" * (1 << 20)
            for _i in range(200):
                fh.write(block)
    assert bomb.stat().st_size < 1_000_000
    _refused(db, officer, unit, bomb, "bom.xlsx", "bom nén")
    pdf = tmp_path / "x.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    _refused(db, officer, unit, pdf, "x.xlsx", "không phải bảng tính")
    xls = tmp_path / "cu.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    _refused(db, officer, unit, xls, "cu.xls", ".xls")
    notzip = tmp_path / "hong.xlsx"
    notzip.write_bytes(b"PK\x03\x04" + os.urandom(200))
    _refused(db, officer, unit, notzip, "hong.xlsx", "hỏng")
    macro = tmp_path / "macro.xlsm"
    _zip(macro, {"[Content_Types].xml": b"<Types><Override ContentType='application/vnd.ms-excel.sheet."
                                        b"macroEnabled.main+xml'/></Types>",
                 "xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"\0" * 100})
    _refused(db, officer, unit, macro, "macro.xlsm", "macro")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"S\xe1\xbb\x91 CCCD;H\xe1\xbb\x8d\n001080012345\0;L\xc3\xaa\n")
    _refused(db, officer, unit, nul, "nul.csv", "NUL")
    assert count(db, ImportJob) == 0 and not os.listdir(app.config["IMPORT_FOLDER"]) if os.path.isdir(
        app.config["IMPORT_FOLDER"]) else True
    assert time.monotonic() - started < 30


def test_a_million_rows_long_cells_and_formulas(app, demo, inline, tmp_path, unit_by_name, monkeypatch):
    """Item 5: a sheet of 1,048,576 rows stops the dry run at the row cap with a Vietnamese message (bounded time
    and memory: the sheet is streamed); a 20,000-character cell is cut and reported on its cell; a formula is
    reported on its cell, its text never used."""
    import time
    import tracemalloc
    import zipfile

    from app.services.imports import sources

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    monkeypatch.setattr(sources, "MAX_ROWS", 50_000)  # the same code path, a smaller cap (the suite stays fast)
    big = tmp_path / "trieu-dong.xlsx"
    rows = 1_048_576
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Thông tin chung" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     f'spreadsheetml/2006/main"><dimension ref="A1:B{rows}"/><sheetData>'
                     '<row r="1"><c r="A1" t="inlineStr"><is><t>Số CCCD</t></is></c><c r="B1" t="inlineStr"><is>'
                     '<t>Tên</t></is></c></row>'.encode())
            chunk = []
            for r in range(2, rows + 1):
                chunk.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>0010800{r:05d}</t></is></c></row>')
                if len(chunk) == 10_000:
                    fh.write("".join(chunk).encode())
                    chunk = []
            fh.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    started = time.monotonic()
    tracemalloc.start()
    job = upload(db, officer, unit, str(big), "trieu-dong.xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert job.status == "failed" and "quá 50.000 dòng" in job.error, job.error
    assert count(db, ImportRow, ImportRow.job_id == job.id) == 0
    assert time.monotonic() - started < 120 and peak < 300 * 1024 * 1024, (time.monotonic() - started, peak)

    def mutate(wb, specs):
        _fill(wb, specs, 2, "residence", "Hà Nội " * 3000)   # 21,000 characters
        _fill(wb, specs, 3, "main_duties", '=HYPERLINK("http://x","bấm")')

    path = str(tmp_path / "dai.xlsx")
    filled_template(path, range(1, 3), mutate=mutate)
    job = upload(db, officer, unit, path)
    found = messages(db, job)
    assert any(m[1] == 2 and m[2] == "residence" and "4.000 ký tự" in m[3] for m in found), found
    assert any(m[1] == 3 and m[2] == "main_duties" and "công thức" in m[3] for m in found), found
    staged = db.session.scalar(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.line == 2))
    assert len(staged.data["scalar"]["residence"]) <= 4001
    assert job.error_rows == 2


# --------------------------------------------------------------------------- fuzz (item 5)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_legacy_converters(text):
    """Any text: detection and conversion never fail, give NFC, and leave a text with letters beyond Latin-1
    (Unicode Vietnamese) unchanged but for normalisation."""
    import unicodedata

    from app.text_legacy import detect, from_tcvn3, from_vni, to_unicode

    out, encoding = to_unicode(text)
    assert encoding in ("unicode", "tcvn3", "vni") and detect(text) == encoding
    assert unicodedata.is_normalized("NFC", out)
    assert unicodedata.is_normalized("NFC", from_tcvn3(text)) and unicodedata.is_normalized("NFC", from_vni(text))
    if any(ord(ch) > 0xFF for ch in text):
        assert out == unicodedata.normalize("NFC", text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000) | st.text(max_size=600).map(lambda t: t.encode("utf-8")))
def test_fuzz_csv_reader(tmp_path, data):
    """Any bytes: the upload check refuses with a Vietnamese message or the CSV reader yields text cells —
    never another exception; cells are NFC, without control characters, at most MAX_CELL (+1) long."""
    import unicodedata

    from app.services.imports import sources

    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        kind = sources.check_upload(data)
        if kind != "csv":
            return
        source = sources.open_source(str(path), "csv")
        for _line, cells in source.sheet("CSV").rows:
            for cell in cells:
                assert unicodedata.is_normalized("NFC", cell.text)
                assert len(cell.text) <= sources.MAX_CELL + 1
                assert not any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in cell.text)
    except sources.FileRefused as exc:
        assert exc.message


# --------------------------------------------------------------------------- a worker killed mid-commit


def _commit_queued_for_a_worker(app, db, monkeypatch, tmp_path, unit_by_name, people: int):
    """An upload of ``people`` new files dry-run in-process, its commit requested on a queue of its own for a real
    worker (short lease, no queue grace): (job id, the queue, the import folder)."""
    import uuid

    from redis import Redis
    from rq import Queue

    from tests.test_job_recovery import LEASE

    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_TIMEOUT_SECONDS", LEASE)
    monkeypatch.setitem(app.config, "JOB_QUEUE_GRACE_SECONDS", 0)
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    officer = account(db, "syt.tccb")
    path = str(tmp_path / f"{people}.xlsx")
    filled_template(path, range(1, people + 1))
    job = upload(db, officer, unit_by_name("Khoa Cấp cứu"), path)  # the dry run in-process
    assert job.valid_rows == people
    queue = Queue(f"cbccvc_test_import_{uuid.uuid4().hex[:8]}", connection=Redis.from_url(app.config["REDIS_URL"]))
    monkeypatch.setitem(app.extensions, "rq_queue", queue)
    svc.request_commit(officer, job.id)
    return job.id, queue, folder


def _resumed_once(db, job_id: int, people: int, logs) -> None:
    """The import finished on its second attempt with one file, version 1, per person: nothing written twice."""
    from tests.test_job_recovery import row_of

    done = row_of(db, ImportJob, job_id)
    assert (done.status, done.done, done.created_count, done.attempts) == ("finished", people, people, 2), logs()
    assert count(db, FileVersion, FileVersion.import_job_id == job_id) == people
    assert count(db, ImportRow, ImportRow.job_id == job_id, ImportRow.outcome == "created") == people


def test_a_worker_killed_mid_commit_resumes_exactly_once(app, demo, monkeypatch, tmp_path, unit_by_name):
    """Item 4: a real ``rq worker`` SIGKILLed in the middle of a commit leaves some rows written (each with its
    outcome, in one transaction); the reconciler re-queues the row; a new worker writes exactly the rest — every
    person has one file, version 1."""
    import time

    from jobs.reconcile import reconcile
    from tests.test_job_recovery import LEASE, Workers, row_of, wait_for

    db = demo
    job_id, queue, folder = _commit_queued_for_a_worker(app, db, monkeypatch, tmp_path, unit_by_name, 12)
    pool = Workers(app, tmp_path)
    try:
        worker = pool.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.6, IMPORT_COMMIT_BATCH=2,
                           IMPORT_FOLDER=str(folder))
        wait_for(lambda: row_of(db, ImportJob, job_id).done >= 3, what="3 rows", logs=pool.logs)
        pool.kill(worker)
        killed = row_of(db, ImportJob, job_id)
        written = killed.done
        assert killed.status == "running" and 3 <= written < 12
        assert count(db, ImportRow, ImportRow.job_id == job_id, ImportRow.outcome.is_not(None)) == written
        assert count(db, FileVersion, FileVersion.import_job_id == job_id) == written
        time.sleep(LEASE + 0.5)
        assert reconcile()["requeued"] == 1
        pool.finish(pool.start(app.config["REDIS_URL"], queue.name, burst=True, IMPORT_FOLDER=str(folder)))
    finally:
        pool.close()
        queue.empty()
    _resumed_once(db, job_id, 12, pool.logs)


def test_an_existing_cccd_becomes_a_change_set_awaiting_approval(app, demo, inline, tmp_path, unit_by_name):
    """Item 4, HN-6.3: a second file with a known CCCD, one item changed and one table row added, opens a change
    set submitted for approval with exactly those two changes; the approved file is not touched; the same file
    once more while it awaits approval changes nothing."""
    from app.crypto import blind_index

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    path = str(tmp_path / "1.xlsx")
    expected = filled_template(path, range(1, 2))
    committed(db, officer, upload(db, officer, unit, path))
    cccd = next(iter(expected))
    person_id = db.session.scalar(select(Person.id).where(Person.cccd_index == blind_index(cccd)))

    def change(wb, specs):
        _fill(wb, specs, 2, "residence", "Số 5 Lý Thường Kiệt, Hà Nội")
        ws = wb[specs["work"].title]
        ws.append([cccd, "01/2024", None, "Bệnh viện Thanh Nhàn", "Trưởng khoa"])

    path2 = str(tmp_path / "2.xlsx")
    filled_template(path2, range(1, 2), mutate=change)
    job = committed(db, officer, upload(db, officer, unit, path2))
    assert (job.created_count, job.change_set_count, job.refused_count) == (0, 1, 0), messages(db, job)
    cs = db.session.scalar(select(ChangeSet).where(ChangeSet.person_id == person_id))
    assert cs.status == "submitted" and sorted((i.section, i.op) for i in cs.items) == [
        ("documents", "set"), ("work", "add")]
    person = db.session.get(Person, person_id)
    assert person.residence == expected[cccd][0]["residence"][1] and person.version_no == 1
    again = committed(db, officer, upload(db, officer, unit, path2))
    assert (again.change_set_count, again.unchanged_count) == (0, 1)
    assert count(db, ChangeSet, ChangeSet.person_id == person_id) == 1


def test_the_commit_checks_again_what_changed_since_the_dry_run(app, demo, inline, tmp_path, unit_by_name):
    """Item 4: the commit re-checks from the values the dry run parsed — a CCCD that got a file meanwhile becomes
    an update (here: nothing differs, "unchanged"), a code that expired meanwhile refuses its row with the message
    of the dry run's checks; the rest is written."""
    from datetime import timedelta

    from models.codes import CodeItem

    db = demo
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    filled_template(str(tmp_path / "3.xlsx"), range(1, 4))
    filled_template(str(tmp_path / "2.xlsx"), range(2, 3))
    first = upload(db, officer, unit, str(tmp_path / "3.xlsx"))
    assert (first.valid_rows, first.error_rows) == (3, 0)
    second = upload(db, officer, unit, str(tmp_path / "2.xlsx"))
    assert committed(db, officer, second).created_count == 1  # person 2 has a file now
    relation = _choice("relation", 1)[0]
    assert relation not in {_choice("relation", 2)[0], _choice("relation", 3)[0]}
    items = list(db.session.scalars(select(CodeItem).where(CodeItem.kind == "relation", CodeItem.code == relation)))
    try:
        for item in items:
            item.valid_to = date.today() - timedelta(days=1)
        db.session.commit()
        code_lists.clear_cache()
        job = committed(db, officer, first)
    finally:
        for item in db.session.scalars(select(CodeItem).where(CodeItem.kind == "relation",
                                                              CodeItem.code == relation)):
            item.valid_to = None
        db.session.commit()
        code_lists.clear_cache()
    assert (job.status, job.created_count, job.unchanged_count, job.refused_count) == ("finished", 1, 1, 1), job.error
    refused = db.session.scalar(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.outcome == "refused"))
    assert refused.line == 2 and any("không có trong danh mục" in e[3] for e in refused.errors), refused.errors
    assert count(db, FileVersion, FileVersion.import_job_id == job.id) == 1


def test_a_large_upload_is_read_by_a_second_process(app, codes, tmp_path):
    """The dry run of a large upload reads it in a forked process (``staging.stage_in_child``): the same people in
    the same order, the same file issues and legacy encodings as reading in-process; a refused file is refused
    with its message."""
    from app.services.imports import staging
    from app.services.imports.sources import FileRefused, open_source
    from app.text_legacy import VNI

    back = {}
    for k, v in VNI.items():
        back.setdefault(v, k)

    def oddities(wb, specs):
        _fill(wb, specs, 3, "family_name", "".join(back.get(ch, ch) for ch in "Trương"))  # VNI
        ws = wb[specs["person"].title]
        ws.cell(1, ws.max_column + 1).value = "Cột lạ"  # an unknown column: a file issue
        _fill(wb, specs, 4, "given_name", "=1+1")  # a formula

    path = str(tmp_path / "30.xlsx")
    filled_template(path, range(1, 31), mutate=oddities)
    with app.test_request_context():
        issues_here: list = []
        source = open_source(path, "xlsx")
        here = [st.to_json() for st in staging.stage(source, "template", issues_here)]
        issues_there: list = []
        encodings: dict = {}
        there = [st.to_json() for st in staging.stage_in_child(path, "xlsx", "template", issues_there, encodings)]
        assert len(there) == 30 and there == here
        assert any(issue[2] == "given_name" for st in there for issue in st["issues"])  # the formula
        assert issues_there == issues_here and issues_here
        assert encodings == source.encodings and encodings.get("found") == {"vni"}
        bad = tmp_path / "hong.xlsx"
        bad.write_bytes(b"PK\x03\x04 not really a workbook")
        with pytest.raises(FileRefused) as refused:
            list(staging.stage_in_child(str(bad), "xlsx", "template", [], {}))
        assert "Không đọc được bảng tính" in refused.value.message


def test_a_large_commit_is_written_by_two_processes(app, demo, inline, tmp_path, unit_by_name, monkeypatch):
    """A large commit is shared by forked processes (``IMPORT_COMMIT_PROCESSES``), each writing its share of the
    rows in its own transactions: every person gets exactly one file, version 1, and every row its outcome."""
    import jobs.imports as job_module
    from app.services.imports import staging

    db = demo
    monkeypatch.setitem(app.config, "IMPORT_PARALLEL_MIN_ROWS", 0)
    monkeypatch.setitem(app.config, "IMPORT_COMMIT_PROCESSES", 2)
    monkeypatch.setitem(app.config, "IMPORT_COMMIT_BATCH", 4)
    monkeypatch.setattr(staging, "can_fork", lambda: True)
    shares = tmp_path / "shares.txt"
    real = job_module._commit_rows

    def spy(job_id, actor_id, run, part=None):
        with open(shares, "a") as fh:
            fh.write(f"{os.getpid()} {part}\n")
        return real(job_id, actor_id, run, part)

    monkeypatch.setattr(job_module, "_commit_rows", spy)
    officer = account(db, "syt.tccb")
    unit = unit_by_name("Khoa Cấp cứu")
    path = str(tmp_path / "30.xlsx")
    expected = filled_template(path, range(1, 31))
    job = committed(db, officer, upload(db, officer, unit, path))
    assert (job.status, job.created_count, job.done, job.refused_count) == ("finished", 30, 30, 0), job.error
    seen = [line.split(" ", 1) for line in shares.read_text().splitlines()]
    assert {part for _pid, part in seen} == {"(0, 2)", "(1, 2)", "None"}
    assert len({pid for pid, part in seen if part != "None"}) == 2 and str(os.getpid()) in {
        pid for pid, part in seen if part == "None"}
    from app.crypto import blind_index

    indexes = [blind_index(cccd) for cccd in expected]
    assert count(db, Person, Person.cccd_index.in_(indexes)) == 30
    assert count(db, FileVersion, FileVersion.import_job_id == job.id, FileVersion.version_no == 1) == 30
    assert count(db, ImportRow, ImportRow.job_id == job.id, ImportRow.outcome == "created") == 30


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def test_a_worker_killed_while_two_processes_commit_leaves_no_writer_and_resumes_once(app, demo, monkeypatch, tmp_path,
                                                                                    unit_by_name):
    """The commit shared by two forked processes (``IMPORT_COMMIT_PROCESSES``) in a real ``rq worker``: SIGKILL of
    the worker and its horse takes the two commit processes with it (nobody goes on writing on their own); what
    was committed has its outcome; the re-queued run writes exactly the rest — one file per person."""
    import time

    from jobs.reconcile import reconcile
    from tests.test_job_recovery import LEASE, Workers, row_of, wait_for, zombie

    db = demo
    job_id, queue, folder = _commit_queued_for_a_worker(app, db, monkeypatch, tmp_path, unit_by_name, 16)
    settings = {"IMPORT_COMMIT_PROCESSES": 2, "IMPORT_PARALLEL_MIN_ROWS": 0, "IMPORT_COMMIT_BATCH": 2,
                "IMPORT_FOLDER": str(folder)}
    pool = Workers(app, tmp_path)
    try:
        worker = pool.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.6, **settings)
        wait_for(lambda: row_of(db, ImportJob, job_id).done >= 4, what="4 rows", logs=pool.logs)
        horses = _children(worker.pid)
        writers = [pid for horse in horses for pid in _children(horse)]
        assert len(writers) == 2, (horses, writers, pool.logs())  # the two commit processes
        pool.kill(worker)
        wait_for(lambda: all(zombie(pid) for pid in writers), timeout=10, what="commit processes gone")
        time.sleep(1.5)
        killed = row_of(db, ImportJob, job_id)
        written = killed.done
        assert killed.status == "running" and 4 <= written < 16
        time.sleep(1.5)
        assert row_of(db, ImportJob, job_id).done == written  # nobody left writing
        assert count(db, ImportRow, ImportRow.job_id == job_id, ImportRow.outcome.is_not(None)) == written
        assert count(db, FileVersion, FileVersion.import_job_id == job_id) == written
        time.sleep(LEASE + 0.5)
        assert reconcile()["requeued"] == 1
        pool.finish(pool.start(app.config["REDIS_URL"], queue.name, burst=True, **settings))
    finally:
        pool.close()
        queue.empty()
    _resumed_once(db, job_id, 16, pool.logs)
