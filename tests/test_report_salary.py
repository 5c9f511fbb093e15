"""Danh sách và tiền lương (issue 17, item 2): ngạch, bậc, hệ số and allowances of the people in force of a unit;
the next regular step raise from the salary table's own interval (NĐ 204/2004: 36 months for the A groups, 24 for
B and C) or the seniority allowance at the last bậc; those due in the next 6 months; an XLSX of the same.
Figures are checked against hand-written SQL and Python over the same rows, the XLSX read back with openpyxl."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app.security import scope
from app.services import code_lists
from app.services.transfers.retirement import add_months
from tests.clients import body, client_for


@pytest.fixture()
def today(monkeypatch):
    day = date(2026, 12, 6)
    monkeypatch.setattr(scope, "today", lambda: day)
    return day


def expected_due(db, unit_path: str, today: date) -> dict[int, date]:
    """Hand-written: active people under the unit with a known ngạch group and step date, whose bậc date + the
    group's interval falls in the next 6 months."""
    rows = db.session.execute(text(
        "SELECT p.id, p.rank_code, p.salary_since FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
        "WHERE u.path LIKE :path AND p.status IN ('active', 'suspended') AND p.salary_since IS NOT NULL "
        "AND p.salary_step IS NOT NULL"), {"path": unit_path + "%"}).all()
    interval = dict(db.session.execute(text(
        "SELECT pay_group, max(interval_months) FROM salary_step GROUP BY pay_group")).all())
    out = {}
    for pid, rank, since in rows:
        months = interval.get(code_lists.pay_group(rank) or "")
        if months:
            due = add_months(since, months)
            if today <= due <= add_months(today, 6):
                out[pid] = due
    return out


def test_step_raises_due_match_the_salary_table_nd_204(app, demo_people, unit_by_name, today):
    """NĐ 204/2004: the people due a raise in the next 6 months are exactly those the salary table's intervals
    give, with their dates; syt.tccb sees only Sở Y tế's subtree."""
    db = demo_people
    unit = unit_by_name("Sở Y tế")
    expected = expected_due(db, unit.path, today)
    assert expected, "the demo should have someone due a raise"
    client = client_for(app, "syt.tccb")
    page = body(client.get(f"/reports/salary/?unit_id={unit.id}&only=raise"))
    shown = [int(x) for x in re.findall(r'class="salary-row" data-id="(\d+)"', page)]
    assert len(expected) <= 50 and set(shown) == set(expected)
    for pid, due in expected.items():
        if pid in shown:
            assert due.strftime("%d/%m/%Y") in page
    outside = unit_by_name("Sở Tư pháp")
    assert client.get(f"/reports/salary/?unit_id={outside.id}").status_code == 404
    assert client.get("/reports/salary/?unit_id=abc").status_code == 400


def test_salary_xlsx_reads_back(app, demo_people, unit_by_name, today, inline_exports):
    """The XLSX (a background export, run in-process) holds the same people and figures (numbers as numbers, dates
    as dates), strings never formulas."""
    from tests.clients import export_report

    db = demo_people
    unit = unit_by_name("Sở Y tế")
    client = client_for(app, "syt.thutruong")
    _export_id, state = export_report(client, f"/reports/salary/xlsx?unit_id={unit.id}")
    resp = client.get(state["download_url"])
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên" and rows[0][5] == "Hệ số"
    count = db.session.execute(text(
        "SELECT count(*) FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :path "
        "AND p.status IN ('active', 'suspended')"), {"path": unit.path + "%"}).scalar()
    assert len(rows) - 1 == count
    coefficients = sorted(float(c) for (c,) in db.session.execute(text(
        "SELECT p.salary_coefficient FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :path "
        "AND p.status IN ('active', 'suspended') AND p.salary_coefficient IS NOT NULL"), {"path": unit.path + "%"}))
    assert sorted(r[5] for r in rows[1:] if r[5] is not None) == pytest.approx(coefficients)
    logged = db.session.execute(text("SELECT count(*) FROM access_log WHERE event = 'export' "
                                     "AND detail->>'report' = 'salary'")).scalar()
    assert logged == 1
    assert client_for(app, "annv.syt").get("/reports/salary/").status_code == 403
