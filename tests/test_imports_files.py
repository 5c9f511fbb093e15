"""Issue 19, items 1–4 and 6: the import template, the importers (template, CSV, 2C-BNV/2008, legacy encodings),
the dry run with its error report, the commit (new files as version 1, change sets for existing files, idempotent,
resumable), scope, and the screens.

Rules: HN-6.1 (the TT 06/2023 form), HN-6.3 (changes go through approval), HN-9.2 (an agency acts in its
subtree), domain.md §1.3 (2C-BNV/2008), §2 (code lists), §10 (names, CCCD, TCVN3/VNI).
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from app.services import code_lists
from app.services.imports import use_cases as svc
from app.services.imports.layout import template_layout
from app.services.imports.template import write_template
from app.services.personnel import files
from app.services.personnel.syll import section
from jobs import imports as import_jobs
from models.imports import ImportJob, ImportRow
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
        for sec_key, sec_values in snap["sections"].items():
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
    again = upload(db, officer, unit, path)
    assert again.valid_rows == 200 and again.error_rows == 0
    versions = count(db, FileVersion)
    sets = count(db, ChangeSet)
    again = committed(db, officer, again)
    assert (again.created_count, again.change_set_count, again.unchanged_count) == (0, 0, 200)
    assert count(db, FileVersion) == versions and count(db, ChangeSet) == sets  # zero changes
