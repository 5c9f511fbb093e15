"""Issue 17, items 5–6 in real headless Chromium: the dashboard and the people list's XLSX export.

A report viewer signs in and lands on the dashboard; its charts are drawn by the vendored Chart.js (a canvas
with pixels per chart, each over its table) and no request leaves 127.0.0.1. An officer exports the filtered
people list to Excel: the progress page follows the background job to its end, the workbook downloads and is
read back with openpyxl.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.browser.pages import sign_in
from tests.factories import shot

pytestmark = pytest.mark.usefixtures("demo_people")

DRAWN = """canvas => {
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
  return {width: canvas.width, height: canvas.height, painted: painted,
          chart: !!(window.Chart && window.Chart.getChart(canvas))};
}"""


@pytest.fixture()
def requests_seen(page: Page):
    """Every URL the page requests (scripts, styles, fonts, XHR …)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def test_a_report_viewer_lands_on_the_dashboard_with_its_charts(page: Page, live_server, db, js_errors,
                                                                 requests_seen):
    """xem.baocao → /dashboard/: six charts drawn on canvases by Chart.js, each with its table; nothing is
    fetched from outside 127.0.0.1."""
    sign_in(page, live_server, "xem.baocao")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#dashboard")).to_have_attribute("data-charts-ready", "1")
    canvases = page.locator("#dashboard canvas")
    assert canvases.count() == 6
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        state = canvas.evaluate(DRAWN)
        assert state["chart"] and state["width"] > 0 and state["painted"] > 100, (canvas.get_attribute("id"), state)
        box = canvas.evaluate("c => c.closest('figure').querySelector('table.chart-data').id")
        assert page.locator(f"#{box} tbody tr").count() >= 1
    assert page.locator("#table-trend tbody tr").count() == 12
    total = int(page.locator("#figure-total").inner_text().replace(".", ""))
    assert total == db.session.execute(text(
        "SELECT count(*) FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE "
        "(SELECT path FROM org_unit WHERE name = 'Sở Y tế' ORDER BY id LIMIT 1) || '%' "
        "AND p.status IN ('active', 'suspended')")).scalar()
    shot(page, "dashboard.png")
    assert any(u.endswith("/static/vendor/chartjs/chart.umd.min.js") for u in requests_seen)
    outside = [u for u in requests_seen if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).hostname != "127.0.0.1"]
    assert outside == [], outside


def test_an_officer_downloads_the_people_list_as_xlsx(page: Page, live_server, app, db, js_errors, monkeypatch,
                                                      tmp_path, requests_seen):
    """syt.tccb filters the list (viên chức), clicks "Xuất Excel", follows the progress to the download link and
    gets a workbook whose rows are the filtered list."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)  # the job runs in-process
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    expected = [r[0] for r in db.session.execute(text(
        "SELECT concat_ws(' ', p.family_name, nullif(p.middle_name, ''), p.given_name) FROM person p "
        "JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE "
        "(SELECT path FROM org_unit WHERE name = 'Sở Y tế' ORDER BY id LIMIT 1) || '%' "
        "AND p.status IN ('active', 'suspended') AND p.category = 'vien_chuc' ORDER BY p.sort_key, p.id"))]
    assert expected
    sign_in(page, live_server, "syt.tccb")
    page.goto(live_server + "/people/?q=&status=active&sub_units=y&category=vien_chuc")
    page.click("#btn-export-people")
    expect(page).to_have_url(re.compile(r"/people/export/\d+$"))
    expect(page.locator("#people-export")).to_have_attribute("data-status", "finished")
    expect(page.locator("#export-progress")).to_have_text("100%")
    with page.expect_download() as info:
        page.click("#export-download")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        ws = openpyxl.load_workbook(io.BytesIO(fh.read())).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][1] == "Họ và tên"
    assert [r[1] for r in rows[1:]] == expected
    assert {r[7] for r in rows[1:]} == {"Viên chức"}
    shot(page, "people_export.png")
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests_seen if urlsplit(u).scheme.startswith("http"))


def test_a_report_viewer_downloads_bm02_and_opens_a_units_quality_page(page: Page, live_server, app, db, js_errors,
                                                                       monkeypatch, tmp_path, requests_seen):
    """Issue 17's acceptance: from the dashboard, the report viewer opens BM02 from the menu (its chart drawn by the
    vendored Chart.js over its table), exports it as XLSX (a background job: the progress page follows it to the
    download button; read back: the official header and the unit's total of công chức), then opens the quality
    page of a unit (its chart drawn)."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)  # the job runs in-process
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    sign_in(page, live_server, "xem.baocao")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.goto(live_server + "/reports/bm02/cong-chuc/")
    expect(page.locator("#bm02-kinds")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    state = page.locator("#chart-bm02-qualification").evaluate(DRAWN)
    assert state["chart"] and state["painted"] > 100, state
    page.click("#bm02-xlsx")
    expect(page).to_have_url(re.compile(r"/reports/exports/\d+$"))
    expect(page.locator("#report-export")).to_have_attribute("data-status", "finished")
    expect(page.locator("#export-progress")).to_have_text("100%")
    with page.expect_download() as info:
        page.click("#export-download")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        ws = openpyxl.load_workbook(io.BytesIO(fh.read())).worksheets[0]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("công chức" in c.lower() for c in cells)
    assert "B5:B6" in {str(m) for m in ws.merged_cells.ranges}  # the official header, over two rows
    page.goto(live_server + "/reports/quality/")
    link = page.locator("a[href*='/reports/quality/unit/']").first
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#quality-unit-page")).to_be_visible()
    expect(page.locator("#quality-rules")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
    state = page.locator("#chart-quality-criteria").evaluate(DRAWN)
    assert state["chart"] and state["painted"] > 100, state
    shot(page, "quality_unit.png")
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests_seen if urlsplit(u).scheme.startswith("http"))


def test_every_report_page_draws_its_chart(page: Page, live_server, db, js_errors, requests_seen):
    """The BM02 kinds, biên chế, vị trí việc làm, the salary list and the quality ranking: each page's chart is drawn
    on its canvas by the vendored Chart.js (a chart object, pixels), over its table; no JavaScript error, nothing
    fetched from outside."""
    sign_in(page, live_server, "sonoivu.chuyenvien")
    for path, key in (("/reports/bm02/vien-chuc/", "bm02-qualification"), ("/reports/bm02/cap-xa/",
                                                                          "bm02-qualification"),
                      ("/reports/quotas/", "quotas"), ("/reports/positions/", "positions"),
                      ("/reports/salary/", "salary-months"), ("/reports/quality/", "quality-ranking")):
        page.goto(live_server + path)
        expect(page.locator("body")).to_have_attribute("data-charts-ready", "1")
        expect(page.locator(f"#table-{key}")).to_be_visible()
        canvas = page.locator(f"#chart-{key}")
        if canvas.count():  # a report without rows (no quota decided in the demo) has its table only
            state = canvas.evaluate(DRAWN)
            assert state["chart"] and state["painted"] > 100, (path, state)
        shot(page, f"chart_{key}.png")
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requests_seen if urlsplit(u).scheme.startswith("http"))
