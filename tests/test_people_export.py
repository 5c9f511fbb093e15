"""Issue 17, item 6: the people list (with its current filters) exported to XLSX as a background job.

The workbook is read back with openpyxl and compared with hand-written SQL on the demo city; formula injection is
escaped (text cells, quote prefix, no formula in the sheet's XML); the CCCD stays masked for a role without its
level; every step is in the access log; the job runs on RQ (a real worker, burst) and in-process without Redis.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import select, text

from app.crypto import mask
from models.audit import AccessLog
from models.exports import ExportJob
from models.personnel import Person
from tests.factories import IsolatedClient, login


@pytest.fixture()
def inline(app, monkeypatch, tmp_path):
    """No Redis: the job runs in-process after the request's commit."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))


def client_for(app, username):
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(c, username).status_code == 302
    return c


def events(db, name: str) -> list[AccessLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessLog).where(AccessLog.event == name).order_by(AccessLog.id)))


def export(client, query: str) -> tuple[int, dict]:
    """Start the export of the list with ``query`` (as the list page's button does); (export id, its state)."""
    resp = client.post(f"/people/export/?{query}")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    export_id = int(re.search(r"/people/export/(\d+)$", resp.headers["Location"]).group(1))
    return export_id, client.get(f"/people/export/{export_id}/status").get_json()


def workbook(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert resp.headers["Content-Disposition"].startswith("attachment") and ".xlsx" in resp.headers[
        "Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(resp.data))


def sheet_rows(wb) -> list[list]:
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def subtree_people(db, unit_name: str, category: str | None = None) -> list[Person]:
    """Hand-written SQL: the active people of a unit's subtree (and category), in the list's order."""
    ids = [r[0] for r in db.session.execute(text(
        "SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
        "WHERE u.path LIKE (SELECT path FROM org_unit WHERE name = :name ORDER BY id LIMIT 1) || '%' "
        "AND p.status IN ('active', 'suspended') AND (CAST(:cat AS text) IS NULL OR p.category = :cat) "
        "ORDER BY p.sort_key, p.id"), {"name": unit_name, "cat": category})]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [people[i] for i in ids]


def test_an_officer_exports_the_filtered_list_on_rq(app, demo_people, rq_queue, unit_by_name):
    """The officer's list of viên chức of Sở Y tế: queued, run by an RQ worker with progress, downloaded; the rows
    are the hand-written query's, in the list's order, with the CCCD in clear (the officer reads it); each step is
    in the access log; someone else cannot see or download it."""
    from rq import SimpleWorker

    db = demo_people
    unit = unit_by_name("Sở Y tế")
    expected = subtree_people(db, "Sở Y tế", "vien_chuc")
    assert len(expected) >= 5
    officer = client_for(app, "syt.tccb")
    listing = officer.get(f"/people/?q=&unit_id={unit.id}&sub_units=y&category=vien_chuc&status=active")
    assert 'id="btn-export-people"' in listing.get_data(as_text=True)
    export_id, state = export(officer, f"q=&unit_id={unit.id}&sub_units=y&category=vien_chuc&status=active")
    assert state["status"] == "queued" and state["percent"] == 0 and state["download_url"] is None
    assert len(rq_queue) == 1
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    state = officer.get(f"/people/export/{export_id}/status").get_json()
    assert (state["status"], state["percent"], state["done"], state["total"]) == (
        "finished", 100, len(expected), len(expected)), state
    page = officer.get(f"/people/export/{export_id}").get_data(as_text=True)
    assert 'id="export-progress"' in page and state["download_url"] in page
    assert f'data-export-id="{export_id}"' in officer.get("/people/export/").get_data(as_text=True)

    rows = sheet_rows(workbook(officer.get(state["download_url"])))
    assert rows[0][:2] == ["STT", "Họ và tên"] and rows[0][9] == "Số CCCD"
    body = rows[1:]
    assert [r[0] for r in body] == list(range(1, len(expected) + 1))
    assert [r[1] for r in body] == [" ".join(x for x in (p.family_name, p.middle_name, p.given_name) if x)
                                    for p in expected]
    assert [r[9] for r in body] == [p.cccd for p in expected]  # in clear: the officer reads level 2 items
    assert {r[7] for r in body} == {"Viên chức"} and all(r[8] in ("Đang công tác", "Tạm đình chỉ công tác")
                                                          for r in body)
    assert [r[10] for r in body] == [p.completeness for p in expected]
    asked = events(db, "export_people")
    assert [r.object_id for r in asked] == [str(export_id)]
    assert asked[0].detail["filters"]["category"] == "vien_chuc" and asked[0].detail["filters"]["unit_id"] == unit.id
    assert [r.detail["rows"] for r in events(db, "export") if r.detail.get("kind") == "people_xlsx"] == [len(expected)]
    assert [r.object_id for r in events(db, "export_people_xlsx")] == [str(export_id)]

    head = client_for(app, "syt.thutruong")  # someone else's export: as if it did not exist
    assert head.get(f"/people/export/{export_id}/status").status_code == 404
    assert head.get(state["download_url"]).status_code == 404
    assert officer.get(f"/people/syll/exports/{export_id}/status").status_code == 404  # not a SYLL export


def test_cells_that_would_be_formulas_are_written_as_text(app, demo_people, inline, unit_by_name):
    """Formula injection: a value starting with = + - @ is a text cell with Excel's quote prefix, kept as it is,
    and the sheet holds no formula at all."""
    db = demo_people
    people = subtree_people(db, "Bệnh viện Thanh Nhàn")[:4]
    payloads = ['=HYPERLINK("http://127.0.0.1/x","bấm")', "+1+2", "-3+4", "@SUM(A1:A2)"]
    for person, payload in zip(people, payloads, strict=True):
        db.session.execute(text("UPDATE person SET position = :v WHERE id = :id"), {"v": payload, "id": person.id})
    db.session.execute(text("UPDATE org_unit SET name = '=1+1 Bệnh viện' WHERE name = 'Khoa Cấp cứu'"))
    db.session.commit()
    officer = client_for(app, "syt.tccb")
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    export_id, state = export(officer, f"q=&unit_id={unit.id}&sub_units=y&status=active")
    assert state["status"] == "finished", state
    resp = officer.get(state["download_url"])
    ws = workbook(resp).worksheets[0]
    by_value = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                by_value[cell.value] = cell
    for payload in [*payloads, "=1+1 Bệnh viện"]:
        cell = by_value[payload]
        assert cell.data_type == "s" and cell.quotePrefix, payload
    assert ws.cell(2, 2).data_type == "s" and not ws.cell(2, 2).quotePrefix  # a name: plain text
    with zipfile.ZipFile(io.BytesIO(resp.data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_the_cccd_stays_masked_for_a_role_without_its_level(app, demo_people, inline, unit_by_name):
    """A report viewer (internal level) gets the list page's mask; the officer of the same unit the number."""
    db = demo_people
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    expected = subtree_people(db, "Bệnh viện Thanh Nhàn")
    assert any(p.cccd for p in expected)
    got = {}
    for username in ("xem.baocao", "syt.tccb"):
        client = client_for(app, username)
        _export_id, state = export(client, f"q=&unit_id={unit.id}&sub_units=y&status=active")
        assert state["status"] == "finished", state
        got[username] = [r[9] for r in sheet_rows(workbook(client.get(state["download_url"])))[1:]]
    assert got["xem.baocao"] == [mask(p.cccd) or None for p in expected]
    assert got["syt.tccb"] == [p.cccd for p in expected]
    assert not any(p.cccd and p.cccd in (got["xem.baocao"]) for p in expected)


def test_scope_and_refusals(app, demo_people, inline, unit_by_name):
    """Only the requester's scope is exported; an exact CCCD search, a unit outside the scope and staff without
    read on files are refused with nothing written."""
    db = demo_people
    officer = client_for(app, "syt.tccb")
    _export_id, state = export(officer, "q=&status=active&sub_units=y")
    expected = subtree_people(db, "Sở Y tế")
    rows = sheet_rows(workbook(officer.get(state["download_url"])))[1:]
    assert len(rows) == len(expected) and state["done"] == len(expected)
    before = db.session.scalar(select(ExportJob.id).order_by(ExportJob.id.desc()).limit(1))
    some_cccd = next(p.cccd for p in expected if p.cccd)
    refused = officer.post(f"/people/export/?q={some_cccd}&status=active", follow_redirects=True)
    assert "Không xuất danh sách tìm theo số CCCD/CMND" in refused.get_data(as_text=True)
    outside = officer.post(f"/people/export/?q=&unit_id={unit_by_name('Sở Tư pháp').id}&sub_units=y")
    assert outside.status_code == 403
    assert client_for(app, "annv.syt").post("/people/export/?q=").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(ExportJob.id).order_by(ExportJob.id.desc()).limit(1)) == before


def test_a_dead_run_is_taken_up_again_by_the_reconciler(app, demo_people, inline, unit_by_name, tmp_path):
    """A run that died mid-export (its lease held, its heartbeat stale, a partial workbook left behind) is queued
    again by the reconciler under the people export's own job (not the SYLL one: the kinds share the table); the
    re-run removes the partial file and finishes the workbook."""
    import os
    from datetime import UTC, datetime, timedelta

    from app.services import exports
    from app.services.personnel.queries import PersonFilter
    from jobs import leases
    from jobs.reconcile import reconcile
    from tests.factories import account

    db = demo_people
    unit = unit_by_name("Sở Y tế")
    job = exports.start_people_export(account(db, "syt.tccb"), PersonFilter(unit_id=unit.id, status="active"))
    export_id = job.id
    token = leases.claim(ExportJob, export_id)
    assert token
    part = tmp_path / f"export-{export_id}-{token}.xlsx.part"
    part.write_bytes(b"half a workbook")
    stale = datetime.now(UTC) - timedelta(hours=1)
    db.session.execute(text("UPDATE export_job SET heartbeat_at = :t WHERE id = :id"), {"t": stale, "id": export_id})
    db.session.commit()
    counts = reconcile()
    assert counts["requeued"] == 1 and counts["failed"] == 0, counts
    db.session.expire_all()
    row = db.session.get(ExportJob, export_id)
    assert (row.status, row.attempts, row.done) == ("finished", 2, len(subtree_people(db, "Sở Y tế"))), row.error
    assert not part.exists() and not [n for n in os.listdir(tmp_path) if n.endswith(".part")]
    assert os.path.isfile(tmp_path / row.stored_name) and row.stored_name.endswith(".xlsx")
