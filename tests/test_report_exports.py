"""Issue 17 item 6 (helper "b"): every report exported to XLSX as a background job, like the people list.

The report's "Tải XLSX" posts the page's arguments; an ``ExportJob`` row of kind ``report_<key>`` is queued (run by
a real RQ worker here, in-process elsewhere), its progress page follows it to the download. The workbook is
written in constant memory with the official layout (the BM02 header merged over two rows), its text never a
formula; the request (with the unit, day, kind), the rows written and the download are in the access log; only
the requester sees the export; the report is computed as the requester (scope and masking of the page).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select, text

from app.services import exports
from app.services.errors import NotFoundError, ValidationError
from app.services.reports import bm02
from app.services.reports.workbook import RowOrderError, SafeSheet, new_workbook
from models.audit import AccessLog
from models.exports import ExportJob
from tests.clients import body, client_for, export_report
from tests.factories import account

DAY = date(2026, 6, 15)


def events(db, name: str) -> list[AccessLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessLog).where(AccessLog.event == name).order_by(AccessLog.id)))


def workbook(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["Cache-Control"] == "private, no-store"
    return openpyxl.load_workbook(io.BytesIO(resp.data))


def test_a_report_viewer_exports_bm02_on_rq(app, demo_people, rq_queue, unit_by_name):
    """xem.baocao (Sở Y tế): the page's button posts its arguments; the row waits in the queue, an RQ worker writes
    the workbook with progress; the progress page and the list of exports show it; the download is the report
    of the viewer's scope (the same figures as the page's service); nobody else sees it."""
    from rq import SimpleWorker

    db = demo_people
    syt = unit_by_name("Sở Y tế")
    viewer = client_for(app, "xem.baocao")
    page = body(viewer.get(f"/reports/bm02/vien-chuc/?day={DAY:%d/%m/%Y}&depth=1"))
    assert re.search(r'<form method="post" action="/reports/bm02/vien-chuc/xlsx\?[^"]*" class="report-export-form">'
                     r'<input type="hidden" name="csrf_token"', page)
    export_id, state = export_report(viewer, f"/reports/bm02/vien-chuc/xlsx?day={DAY:%d/%m/%Y}&depth=1",
                                     expect="queued")
    assert state["percent"] == 0 and state["download_url"] is None and len(rq_queue) == 1
    row = db.session.get(ExportJob, export_id)
    assert (row.kind, row.org_unit_id) == ("report_bm02", None)
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    db.session.expire_all()  # the worker ran in this process: the client's requests share this session
    state = viewer.get(f"/reports/exports/{export_id}/status").get_json()
    report = bm02.bm02_report(account(db, "xem.baocao"), "vien-chuc", None, DAY, 1)
    assert (state["status"], state["percent"], state["done"], state["total"]) == (
        "finished", 100, len(report.rows) + 1, len(report.rows) + 1), state
    from tests.test_page_crawl import problems_of, read_page

    show = viewer.get(f"/reports/exports/{export_id}").get_data(as_text=True)
    assert 'id="report-export"' in show and state["download_url"] in show and "Báo cáo số lượng, chất lượng" in show
    listing = viewer.get("/reports/exports/").get_data(as_text=True)
    assert f'data-export-id="{export_id}"' in listing
    for html in (show, listing):  # Vietnamese pages, as the page crawl checks them
        assert not problems_of(read_page(html)[0])

    rows = list(workbook(viewer.get(state["download_url"])).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "BÁO CÁO SỐ LƯỢNG, CHẤT LƯỢNG VIÊN CHỨC" and syt.name in rows[2][0]
    numbers = next(i for i, r in enumerate(rows) if r[1] == "(1)")
    keys = [c.key for c in report.kind.columns]
    got = [(r[0], dict(zip(keys, r[1:], strict=True))) for r in rows[numbers + 1:]]
    assert got == [(r.name, {k: r.values.get(k) for k in keys}) for r in [*report.rows, report.total]]
    [asked] = events(db, "export_report")
    assert asked.object_id == str(export_id) and asked.detail["params"] == {
        "kind": "vien-chuc", "unit_id": None, "day": DAY.isoformat(), "depth": 1}
    assert [e.detail["rows"] for e in events(db, "export") if e.detail.get("kind") == "report_bm02"] == [
        state["done"]]
    assert [e.object_id for e in events(db, "export_report_xlsx")] == [str(export_id)]

    other = client_for(app, "syt.thutruong")  # someone else's export: as if it did not exist
    for url in (f"/reports/exports/{export_id}", f"/reports/exports/{export_id}/status", state["download_url"]):
        assert other.get(url).status_code == 404
    assert viewer.get(f"/people/export/{export_id}/status").status_code == 404  # not a people export
    assert viewer.get("/reports/exports/999999/download").status_code == 404


def test_every_report_exports_in_process(app, demo_people, inline_exports, unit_by_name):
    """Biên chế, vị trí việc làm and the salary list as exports (no Redis: the job runs after the request); each
    file is the page's report; each request is logged with its own parameters."""
    db = demo_people
    syt = unit_by_name("Sở Y tế")
    officer = client_for(app, "syt.tccb")
    for url, sheet_title in ((f"/reports/quotas/xlsx?unit_id={syt.id}&day={DAY:%d/%m/%Y}", "Biên chế"),
                             (f"/reports/positions/xlsx?unit_id={syt.id}&day={DAY:%d/%m/%Y}", "Vị trí việc làm"),
                             (f"/reports/salary/xlsx?unit_id={syt.id}&only=raise", "Danh sách lương")):
        _export_id, state = export_report(officer, url)
        book = workbook(officer.get(state["download_url"]))
        assert book.worksheets[0].title == sheet_title
    asked = [e.detail for e in events(db, "export_report")]
    assert [d["report"] for d in asked] == ["quotas", "positions", "salary"]
    assert asked[0]["params"] == {"unit_id": syt.id, "day": DAY.isoformat()}
    assert asked[2]["params"]["only"] == "raise" and asked[2]["params"]["unit_id"] == syt.id
    assert {e.org_unit_id for e in events(db, "export_report")} == {syt.id}


def test_refusals_write_nothing(app, demo_people, inline_exports, unit_by_name):
    """A unit outside the reader's scope (404), a bad day or depth (400), staff without reports (403): no export
    row, no job."""
    db = demo_people
    outside = unit_by_name("Sở Tư pháp")
    viewer = client_for(app, "xem.baocao")
    for url, status in ((f"/reports/bm02/cong-chuc/xlsx?unit_id={outside.id}", 404),
                        ("/reports/bm02/cong-chuc/xlsx?unit_id=abc", 404),
                        ("/reports/bm02/khac/xlsx", 404),
                        ("/reports/bm02/cong-chuc/xlsx?depth=7", 400),
                        (f"/reports/quotas/xlsx?unit_id={outside.id}", 404),
                        ("/reports/positions/xlsx?day=30/02/2026", 400),
                        (f"/reports/salary/xlsx?unit_id={outside.id}", 404),
                        ("/reports/salary/xlsx?unit_id=abc", 400)):
        assert viewer.post(url).status_code == status, url
    assert client_for(app, "annv.syt").post("/reports/quotas/xlsx").status_code == 403
    assert viewer.get("/reports/quotas/xlsx").status_code == 405  # no export on a GET
    assert db.session.scalar(text("SELECT count(*) FROM export_job")) == 0
    user = account(db, "xem.baocao")
    with pytest.raises(NotFoundError):
        exports.start_report_export(user, "khong-co", {})
    with pytest.raises(ValidationError):
        exports.start_report_export(user, "salary", {"only": "tat-ca"})


def test_report_cells_are_never_formulas(app, demo_people, inline_exports, unit_by_name):
    """A unit or position name starting like a formula is written as text with the quote prefix (BM02 with its
    merged header, the vị trí việc làm list); no formula in any sheet."""
    from app.services import staffing

    db = demo_people
    db.session.execute(text("UPDATE org_unit SET name = '=1+1 Khoa' WHERE name = 'Khoa Cấp cứu'"))
    db.session.commit()
    admin = account(db, "sonoivu.admin")
    position = staffing.create_position(admin, staffing.PositionData(code="VT-X", name="@SUM(A1:A2)",
                                                                     group="chuyen_mon"))
    staffing.set_position_count(admin, position.id, unit_by_name("Sở Y tế").id, 1, "+1/QĐ", DAY)
    client = client_for(app)
    for url in (f"/reports/bm02/cong-chuc/xlsx?unit_id={unit_by_name('Bệnh viện Thanh Nhàn').id}&depth=3",
                f"/reports/positions/xlsx?day={DAY:%d/%m/%Y}"):
        _export_id, state = export_report(client, url)
        resp = client.get(state["download_url"])
        cells = {c.value: c for ws in workbook(resp).worksheets for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str)}
        with zipfile.ZipFile(io.BytesIO(resp.data)) as archive:
            xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
        assert "<f>" not in xml and "<f " not in xml
        payloads = ["=1+1 Khoa"] if "bm02" in url else ["@SUM(A1:A2)", "+1/QĐ"]
        for payload in payloads:
            assert cells[payload].data_type == "s" and cells[payload].quotePrefix, payload


def test_report_exports_hold_no_masked_item(app, demo_people, inline_exports, unit_by_name):
    """Computed as the requester: a report viewer's workbooks list only people of their scope (Sở Y tế), all of
    them in the salary list, and never an item above their level (no CCCD in any cell)."""
    from models.personnel import Person

    db = demo_people
    viewer = client_for(app, "xem.baocao")
    secrets = {p.cccd for p in db.session.scalars(select(Person).where(Person.cccd.is_not(None)))}
    assert secrets
    inside = db.session.execute(text(
        "SELECT concat_ws(' ', p.family_name, nullif(p.middle_name, ''), p.given_name), u.name FROM person p "
        "JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE "
        "(SELECT path FROM org_unit WHERE name = 'Sở Y tế' ORDER BY id LIMIT 1) || '%' "
        "AND p.status IN ('active', 'suspended')")).all()
    for url in ("/reports/salary/xlsx", "/reports/positions/xlsx", "/reports/bm02/cong-chuc/xlsx"):
        _export_id, state = export_report(viewer, url)
        book = workbook(viewer.get(state["download_url"]))
        values = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                  if c is not None}
        assert not values & secrets, url
        if "salary" in url:
            listed = [(r[0], r[1]) for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
            assert sorted(listed) == sorted(tuple(r) for r in inside)


def test_a_dead_report_run_is_taken_up_again_by_its_own_job(app, demo_people, inline_exports):
    """A report export whose run died (stale lease, partial workbook) is queued again by the reconciler under the
    report job (the kinds share the table) and finished."""
    from jobs import leases
    from jobs.reconcile import reconcile

    db = demo_people
    job = exports.start_report_export(account(db, "sonoivu.chuyenvien"), "bm02", {"kind": "cap-xa", "day": DAY})
    token = leases.claim(ExportJob, job.id)
    part = inline_exports / f"export-{job.id}-{token}.xlsx.part"
    part.write_bytes(b"half a workbook")
    db.session.execute(text("UPDATE export_job SET heartbeat_at = :t WHERE id = :id"),
                       {"t": datetime.now(UTC) - timedelta(hours=1), "id": job.id})
    db.session.commit()
    counts = reconcile()
    assert counts["requeued"] == 1 and counts["failed"] == 0, counts
    db.session.expire_all()
    row = db.session.get(ExportJob, job.id)
    assert (row.status, row.attempts) == ("finished", 2) and row.done == row.total > 1, row.error
    assert not part.exists() and not [n for n in os.listdir(inline_exports) if n.endswith(".part")]
    assert row.download_name.startswith("Báo cáo số lượng, chất lượng cán bộ, công chức cấp xã")


def test_a_constant_memory_sheet_merges_over_two_rows_and_keeps_row_order(tmp_path):
    """The safe sheet: merges spanning two rows in constant memory (what ``merge_range`` cannot do there), and a
    cell written above the rows already left is refused instead of being lost."""
    path = str(tmp_path / "t.xlsx")
    book = new_workbook(path)
    out = SafeSheet(book, book.add_worksheet("T"))
    head = out.format(bold=True, border=1)
    out.merge(0, 0, 1, 0, "Đơn vị", head)
    out.merge(0, 1, 1, 1, "Tổng số", head)
    out.merge(0, 2, 0, 3, "Trong đó", head)
    out.text(1, 2, "Nữ", head)
    out.text(1, 3, "-Đảng viên", head)
    out.number(2, 1, 5)
    with pytest.raises(RowOrderError):
        out.text(1, 0, "muộn")
    out.close()
    book.close()
    sheet = openpyxl.load_workbook(path).active
    assert {str(m) for m in sheet.merged_cells.ranges} == {"A1:A2", "B1:B2", "C1:D1"}
    assert [c.value for c in sheet[1]] == ["Đơn vị", "Tổng số", "Trong đó", None]
    assert [c.value for c in sheet[2]] == [None, None, "Nữ", "-Đảng viên"] and sheet["D2"].quotePrefix
    assert sheet["A2"].border.left.style == "thin" and sheet["B3"].value == 5
