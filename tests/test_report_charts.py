"""Issue 17 item 2 (helper "b"): a chart on every report page, drawn by the vendored Chart.js from the figures the
page's service computed, each over its accessible table (as on the dashboard), with no script of its own inline.

For each page the chart's table is read back from the HTML and compared with the service's figures (the same
numbers the page's own table shows), or with hand-written SQL/Python for the salary page's monthly figures; the
statements a page runs are counted so that a chart never adds its own query.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, text

from app.security import scope
from app.services import code_lists
from app.services.reports import bm02, quality, staffing
from app.services.transfers.retirement import add_months, retirement_date
from tests.clients import body, client_for
from tests.factories import account
from tests.test_staffing import D2, staffed  # noqa: F401 - the fixture

CHART_JS = re.compile(r'<script src="/static/vendor/chartjs/chart\.umd\.min\.js" nonce="[^"]+"></script>')
CHARTS_JS = re.compile(r'<script src="/static/js/charts\.js" nonce="[^"]+"></script>')


def chart(page: str, key: str) -> tuple[list[str], list[tuple[str, list[str]]], str]:
    """(series names, rows as (label, data-values), the table's opening tag) of the chart ``key`` of a page."""
    assert f'<canvas id="chart-{key}"' in page, f"no canvas chart-{key}"
    start = page.index(f'id="table-{key}"')
    table = page[page.rindex("<table", 0, start):page.index("</table>", start)]
    opening = table[:table.index(">") + 1]
    series = re.findall(r'<th scope="col" class="text-right"[^>]*>([^<]*)</th>', table)
    rows = []
    for tr in re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>")[1], flags=re.S):
        label = re.search(r'<th scope="row">([^<]*)</th>', tr)
        if label is None:
            continue
        values = re.findall(r'data-value="([^"]*)"', tr)
        rows.append((label.group(1), values))
    return series, rows, opening


def scripts_ok(page: str) -> None:
    """Chart.js and the charts' script from the app with the CSP nonce; no inline script."""
    assert CHART_JS.search(page) and CHARTS_JS.search(page)
    assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))[^>]*>\s*\S', page), "an inline script"


def num(values: list[str]) -> list[float]:
    return [float(v) if v != "" else None for v in values]


class Statements:
    """Counts the statements sent to the database while it is active."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, *args):
        self.seen.append(statement)


def test_bm02_chart_is_the_first_level_rows_by_qualification(app, demo_people):
    """BM02 (each kind): stacked bars per first-level row with people, one series per trình độ chuyên môn column
    (and the rest), from the report's own rows: the parts add up to each row's headcount. No statement more than the
    page ran before the chart (one ROLLUP over people)."""
    db = demo_people
    user = account(db, "sonoivu.chuyenvien")
    client = client_for(app, "sonoivu.chuyenvien")
    for kind in bm02.KINDS:
        report = bm02.bm02_report(user, kind)
        with Statements(db.engine) as stmts:
            page = body(client.get(f"/reports/bm02/{kind}/"))
        scripts_ok(page)
        series, rows, opening = chart(page, "bm02-qualification")
        assert 'data-stacked="1"' in opening and 'data-kind="bar"' in opening
        quals = [c for c in report.kind.columns if c.group is bm02.G_QUAL]
        assert series[:len(quals)] == [str(c.header) for c in quals]
        first = [r for r in report.rows if r.depth == 1 and r.values["total"]]
        assert first
        assert [label for label, _v in rows] == [r.name for r in first]
        for (_label, values), r in zip(rows, first, strict=True):
            assert num(values)[:len(quals)] == [r.values[c.key] for c in quals]
            assert sum(num(values)) == r.values["total"]
        assert len([s for s in stmts.seen if "ROLLUP" in s.upper()]) == 1
        assert not [s for s in stmts.seen if "FROM person" in s and "ROLLUP" not in s.upper()]


def test_quota_and_position_charts(app, staffed):  # noqa: F811 - the fixture
    """Biên chế: quota and people in post per row; vị trí việc làm: approved and filled per row — the report's rows,
    in its order, two series each."""
    from app.extensions import db

    admin = account(db, "sonoivu.admin")
    client = client_for(app)
    page = body(client.get(f"/reports/quotas/?day={D2:%d/%m/%Y}"))
    scripts_ok(page)
    report = staffing.quota_report(admin, None, D2)
    series, rows, _opening = chart(page, "quotas")
    assert series == ["Biên chế được giao", "Số người hiện có"]
    assert [num(v) for _l, v in rows] == [[r.quota, r.in_post] for r in report.rows]
    assert [label for label, _v in rows][0].startswith(report.rows[0].unit_name + " — ")

    page = body(client.get(f"/reports/positions/?day={D2:%d/%m/%Y}"))
    scripts_ok(page)
    report = staffing.position_report(admin, None, D2)
    series, rows, _opening = chart(page, "positions")
    assert series == ["Số lượng được duyệt", "Số người đang giữ"]
    assert [num(v) for _l, v in rows] == [[r.approved, r.filled] for r in report.rows]


def test_a_long_report_charts_its_rows_furthest_from_the_quota(app, demo_people):
    """More rows than the chart holds: the chart keeps the 30 furthest from their quota and says so."""
    from app.services import staffing as staffing_svc

    db = demo_people
    admin = account(db, "sonoivu.admin")
    units = [r[0] for r in db.session.execute(text("SELECT id FROM org_unit ORDER BY id LIMIT 35"))]
    for n, unit_id in enumerate(units):
        staffing_svc.set_quota(admin, unit_id, D2.year, "hop_dong", 1000 + n, f"{n}/QĐ", D2)
    page = body(client_for(app).get(f"/reports/quotas/?day={D2:%d/%m/%Y}"))
    _series, rows, _opening = chart(page, "quotas")
    report = staffing.quota_report(admin, None, D2)
    assert len(report.rows) == 35 and len(rows) == 30
    assert "30 dòng chênh lệch nhiều nhất trong 35 dòng" in page
    kept = sorted(report.rows, key=lambda r: -abs(r.difference))[:30]
    assert sorted(num(v)[0] for _l, v in rows) == sorted(r.quota for r in kept)


@pytest.fixture()
def today(monkeypatch):
    day = date(2026, 12, 6)
    monkeypatch.setattr(scope, "today", lambda: day)
    return day


def test_salary_chart_counts_raises_and_retirements_per_month(app, demo_people, unit_by_name, today):
    """Danh sách và tiền lương: per month of the next year, the people whose next step raise falls in it and those
    whose retirement date (NĐ 135/2020, ``retirement_date``) is its first day — computed here in Python over every
    person of the unit; the page runs no more statements than its rows and one grouped count."""
    from app.services.transfers.retirement import birth_month_schedule

    db = demo_people
    unit = unit_by_name("Sở Y tế")
    for gender, months_ahead in (("nam", 3), ("nu", 7), ("nu", 7)):  # retiring in the coming year
        start = date(today.year, today.month, 1)
        born = birth_month_schedule(gender, add_months(start, months_ahead), add_months(start, 12))[0][0]
        db.session.execute(text(
            "UPDATE person SET birth_date = :born, birth_date_precision = 'month' WHERE id = (SELECT p.id FROM "
            "person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :path AND p.gender = :gender "
            "AND p.status = 'active' AND p.birth_date <> :born ORDER BY p.id LIMIT 1)"),
            {"born": born, "path": unit.path + "%", "gender": gender})
    db.session.commit()
    people = db.session.execute(text(
        "SELECT p.id, p.rank_code, p.salary_since, p.salary_step, p.birth_date, p.birth_date_precision, p.gender "
        "FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :path "
        "AND p.status IN ('active', 'suspended')"), {"path": unit.path + "%"}).all()
    interval = dict(db.session.execute(text(
        "SELECT pay_group, max(interval_months) FROM salary_step GROUP BY pay_group")).all())
    months = [date(today.year, today.month, 1)]
    for _ in range(12):
        months.append(add_months(months[-1], 1))
    raises, retires = [0] * 12, [0] * 12
    for p in people:
        step = interval.get(code_lists.pay_group(p.rank_code) or "")
        if step and p.salary_since and p.salary_step:
            due = add_months(p.salary_since, step)
            for i in range(12):
                raises[i] += months[i] <= due < months[i + 1]
        when = retirement_date(p.birth_date, p.gender, p.birth_date_precision)
        if when is not None and when in months[:12]:
            retires[months.index(when)] += 1
    assert any(raises) and any(retires), "the demo should have raises and retirements in the coming year"
    client = client_for(app, "syt.tccb")
    with Statements(db.engine) as stmts:
        page = body(client.get(f"/reports/salary/?unit_id={unit.id}"))
    scripts_ok(page)
    series, rows, opening = chart(page, "salary-months")
    assert 'data-kind="column"' in opening and len(series) == 2
    assert [label for label, _v in rows] == [m.strftime("%m/%Y") for m in months[:12]]
    assert [num(v) for _l, v in rows] == [[a, b] for a, b in zip(raises, retires, strict=True)]
    assert len([s for s in stmts.seen if "FROM person" in s]) == 2  # the page's rows, its count and the chart
    assert f"{len(people)}" in page


def test_quality_charts(app, demo_people, unit_by_name):
    """The ranking: each unit's share of files passing every rule (percent, 0–100); one unit's page: the share
    passing each criterion and all of them; its quarterly reports: the signed score of each quarter."""
    from models.data_quality import QualityReport

    db = demo_people
    user = account(db, "sonoivu.chuyenvien")
    client = client_for(app, "sonoivu.chuyenvien")
    table = quality.quality_table(user)
    page = body(client.get("/reports/quality/"))
    scripts_ok(page)
    series, rows, opening = chart(page, "quality-ranking")
    assert 'data-percent="1"' in opening
    assert [(label, num(v)) for label, v in rows] == [
        (r.name if not r.direct else f"{r.name} (trực thuộc trực tiếp)", [r.score]) for r in table.rows if r.people]

    syt = unit_by_name("Sở Y tế")
    _unit, summary = quality.unit_summary(user, syt.id)
    for year, quarter, score in ((2026, 1, 61.5), (2025, 4, 58.0)):
        db.session.add(QualityReport(org_unit_id=syt.id, year=year, quarter=quarter, due_date=date(year, 3, 25),
                                     figures={"score": score}, pdf=b"%PDF-1.7", sha256="0" * 64))
    db.session.commit()
    page = body(client.get(f"/reports/quality/unit/{syt.id}"))
    scripts_ok(page)
    _series, rows, _opening = chart(page, "quality-criteria")
    assert [num(v)[0] for _l, v in rows] == [summary.criterion_pct(k) for k in quality.CRITERIA] + [summary.score]
    _series, rows, opening = chart(page, "quality-quarters")
    assert rows == [("4/2025", ["58.0"]), ("1/2026", ["61.5"])] and 'data-kind="column"' in opening
