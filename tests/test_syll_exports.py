"""Print and export of the SYLL (issue 7, part 5): "In sơ yếu lý lịch" and a unit's SYLLs as a ZIP job.

HCM-9.5 (staff print their own SYLL), HN-3.11 (export and print are exploitation, inside the scope: HN-8.2),
HN-4.3/HCM-6.2 (the reader's level masks restricted items), design.md §4–5 (exports are jobs with progress,
scoped, in the access log).
"""

import io
import math
import re
import unicodedata
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from app.crypto import mask
from app.services import transfers
from models.audit import AccessLog
from models.exports import ExportJob
from models.org_units import OrgUnit
from models.personnel import Person
from tests.factories import IsolatedClient, account, flat, hoa, login, person_for, poppler


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the session's loaded copy)."""


def client_for(app, username):
    """A signed-in test client of its own."""
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(c, username).status_code == 302
    return c


def events(db, name: str) -> list[AccessLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessLog).where(AccessLog.event == name).order_by(AccessLog.id)))


def pdf_text(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    return flat(poppler("pdftotext", resp.data, "-layout"))


def test_print_own_file_and_files_in_scope_only(app, demo_people, unit_by_name):
    """HCM-9.5, HN-8.2: staff print their own file (full, logged with the version, a download with a Vietnamese file
    name); another file is 403 for them; an officer prints files of the units in scope (404 outside, as for an
    id that does not exist: issue 13 §9); a reader of level 1 gets restricted items masked (HN-4.3)."""
    db = demo_people
    staff_account = account(db, "annv.syt")
    own = db.session.scalar(select(Person).where(Person.account_id == staff_account.id))
    staff = client_for(app, "annv.syt")
    page = staff.get("/my/file/").get_data(as_text=True)
    assert 'id="btn-print-syll"' in page and 'href="/my/file/syll/print"' in page
    resp = staff.get("/my/file/syll/print")
    text = pdf_text(resp)
    assert own.full_name in text and own.cccd in text  # the own file in full
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''S%C6%A1%20y%E1%BA%BFu%20l%C3%BD" in disposition
    assert resp.headers["Cache-Control"] == "private, no-store"
    logged = events(db, "print_syll")
    assert [(r.object_type, r.object_id, r.detail["version_no"], r.user_name) for r in logged] == [
        ("Person", str(own.id), own.version_no, "annv.syt")]

    other = hoa(db)
    assert staff.get(f"/people/syll/{other.id}/print").status_code == 403

    officer = client_for(app, "syt.tccb")
    assert f'href="/people/syll/{other.id}/print"' in officer.get(f"/people/{other.id}").get_data(as_text=True)
    text = pdf_text(officer.get(f"/people/syll/{other.id}/print"))
    assert "Nguyễn Thị Hoà" in text and other.cccd in text
    assert pdf_text(officer.get(f"/people/syll/{other.id}/print?version=1"))
    assert officer.get(f"/people/syll/{other.id}/print?version=9").status_code == 404
    outside = db.session.scalar(select(Person).where(Person.family_name == "Đặng", Person.given_name == "Đức"))
    refused = officer.get(f"/people/syll/{outside.id}/print")
    assert refused.status_code == 404 and "Không tìm thấy hồ sơ." in refused.get_data(as_text=True)
    assert officer.get("/people/syll/999999/print").status_code == 404
    assert len(events(db, "print_syll")) == 3

    viewer = client_for(app, "xem.baocao")  # read on Sở Y tế, restricted-access level 1
    text = pdf_text(viewer.get(f"/people/syll/{other.id}/print"))
    assert other.cccd not in text and mask(other.cccd) in text and "Nguyễn Thị Hoà" in text


def test_batch_export_of_a_unit_as_a_zip_job(app, demo_people, rq_queue, unit_by_name, monkeypatch):
    """design.md §5, HN-3.11: an officer exports a unit of their scope; the RQ job writes one PDF per active
    person (``<họ tên>_<id>.pdf``, NFC) into a ZIP, progress reaches 100 %, the download is scoped to the
    requester and everything is in the access log."""
    from rq import SimpleWorker

    import jobs.exports as export_jobs

    monkeypatch.setattr(export_jobs, "BATCH_SIZE", 3)
    db = demo_people
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    expected = {pid: name for pid, name in db.session.execute(
        select(Person.id, func.concat_ws(" ", Person.family_name, func.nullif(Person.middle_name, ""),
                                         Person.given_name))
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(OrgUnit.path.like(unit.path + "%"), Person.status.in_(("active", "suspended"))))}
    assert len(expected) >= 4
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    export_id = int(re.search(r"/people/syll/exports/(\d+)$", resp.headers["Location"]).group(1))
    assert len(rq_queue) == 1
    state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
    assert state["status"] == "queued" and state["percent"] == 0 and state["download_url"] is None

    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
    assert state["status"] == "finished", state
    assert (state["percent"], state["done"], state["total"], state["skipped"]) == (100, len(expected),
                                                                                   len(expected), 0)
    db.session.expire_all()
    job = rq_queue.fetch_job(db.session.get(ExportJob, export_id).queue_job_id)
    assert job.meta["progress"] == {"done": len(expected), "total": len(expected)}
    page = officer.get(f"/people/syll/exports/{export_id}").get_data(as_text=True)
    assert 'id="export-progress"' in page and "100%" in page and state["download_url"] in page

    download = officer.get(state["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{name}_{pid}.pdf" for pid, name in expected.items())
        assert all(unicodedata.is_normalized("NFC", n) for n in names)
        first_id, first_name = next(iter(expected.items()))
        pdf = archive.read(f"{first_name}_{first_id}.pdf")
        assert pdf.startswith(b"%PDF") and first_name in flat(poppler("pdftotext", pdf, "-layout"))
        assert all(archive.read(n).startswith(b"%PDF") for n in names)

    assert [r.object_id for r in events(db, "export_syll_batch")] == [str(unit.id)]
    batches = events(db, "export_syll")
    assert len(batches) == math.ceil(len(expected) / 3)
    assert sorted(pid for r in batches for pid in r.detail["person_ids"]) == sorted(expected)
    assert [r.object_id for r in events(db, "export_syll_zip")] == [str(export_id)]

    head = client_for(app, "syt.thutruong")  # someone else's export: as if it did not exist
    assert head.get(f"/people/syll/exports/{export_id}/status").status_code == 404
    assert head.get(state["download_url"]).status_code == 404
    assert officer.get("/people/syll/exports/999999/status").status_code == 404


def test_batch_export_refuses_bad_or_out_of_scope_units_and_queues_nothing(app, demo, rq_queue, unit_by_name):
    """HN-8.2: a unit outside the officer's scope (403), an unknown unit or none (400): a Vietnamese message
    next to the picker, no export row, nothing queued; staff without read on personnel files get 403."""
    db = demo
    officer = client_for(app, "syt.tccb")
    form = officer.get("/people/syll/exports").get_data(as_text=True)
    assert 'class="form-control unit-picker"' in form and "for=people_read" in form
    outside = officer.post("/people/syll/exports", data={"unit_id": unit_by_name("Sở Tư pháp").id})
    assert outside.status_code == 403 and "nằm ngoài phạm vi hồ sơ bạn được xem" in outside.get_data(as_text=True)
    unknown = officer.post("/people/syll/exports", data={"unit_id": "999999"})
    assert unknown.status_code == 400 and "Không tìm thấy đơn vị." in unknown.get_data(as_text=True)
    missing = officer.post("/people/syll/exports", data={})
    assert missing.status_code == 400 and "Hãy chọn đơn vị" in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 0 and len(rq_queue) == 0
    staff = client_for(app, "annv.syt")
    assert staff.get("/people/syll/exports").status_code == 403
    assert staff.post("/people/syll/exports", data={"unit_id": unit_by_name("Khoa Cấp cứu").id}).status_code == 403


def test_batch_export_runs_in_process_without_redis(app, demo, unit_by_name, monkeypatch, tmp_path):
    """jobs/__init__.py: with no Redis the export runs inside the request; archived files are left out."""
    db = demo
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    unit = unit_by_name("Khoa Cấp cứu")
    kept = person_for(db, unit, name="Trần Thị Bình", cccd="001185022222", born="1985", gender="nu")
    gone = person_for(db, unit, name="Lê Văn Hưu", cccd="001080033333")
    transfers.leave(account(db, "syt.tccb"), gone.id, "retired", date(2026, 1, 1), "12/QĐ-SYT")
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    assert resp.status_code == 302
    state = officer.get(resp.headers["Location"] + "/status").get_json()
    assert (state["status"], state["percent"], state["done"]) == ("finished", 100, 1)
    with zipfile.ZipFile(io.BytesIO(officer.get(state["download_url"]).data)) as archive:
        assert archive.namelist() == [f"Trần Thị Bình_{kept.id}.pdf"]
