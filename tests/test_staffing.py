"""Issue 17: staffing data (biên chế, vị trí việc làm) and their reports (HN-3.1/3.2, HN-8.1, HCM-9.3).

- a quota's history: a new decision supersedes the one in force, which is kept; a decision dated earlier, in the
  future or recorded twice is refused with a Vietnamese message and nothing is written;
- scope: an agency's TCCB officer maintains only its subtree (another agency's unit: 403 and nothing written, its
  quota's page: 404; the city's common catalogue: Sở Nội vụ only);
- the reports' figures against hand-written SQL on the demo people (biên chế: quota vs people in post per unit and
  kind; vị trí việc làm: approved vs filled, people whose ngạch is not the position's), scoped;
- the XLSX files read back with openpyxl (figures, dates, a formula-looking text kept as text);
- the change log names the rows in Vietnamese.
"""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, text

from app.services import staffing as svc
from app.services.errors import ForbiddenError, ValidationError
from app.services.reports import staffing as reports
from models.audit import ChangeLog
from models.staffing import JobPosition, JobPositionQuota, UnitQuota
from tests.clients import body, client_for, count
from tests.factories import account

TODAY = date.today()
#: Two decision days of this year, never in the future (the service refuses those).
D1, D2 = (date(TODAY.year, 1, 2), date(TODAY.year, 1, 3)) if TODAY >= date(TODAY.year, 1, 3) else (
    TODAY - timedelta(days=1), TODAY)
YEAR = D1.year
CATEGORIES = {"cong_chuc": ("can_bo", "cong_chuc"), "so_nguoi_lam_viec": ("vien_chuc",),
              "hop_dong": ("nguoi_lao_dong",)}


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def in_post(db, unit, kind: str) -> int:
    """Hand-written: people in post of the kind's categories in the unit's subtree."""
    return db.session.execute(text(
        "SELECT count(*) FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
        "WHERE u.path LIKE :path || '%' AND p.status IN ('active', 'suspended') AND p.category = ANY(:cats)"),
        {"path": unit.path, "cats": list(CATEGORIES[kind])}).scalar()


# --------------------------------------------------------------------------- history


def test_a_new_decision_supersedes_and_the_old_one_is_kept(demo, unit_by_name):
    db = demo
    admin = account(db, "sonoivu.admin")
    syt = unit_by_name("Sở Y tế")
    first = svc.set_quota(admin, syt.id, YEAR, "cong_chuc", 50, "12/QĐ-UBND", D1, "Giao lần đầu")
    second = svc.set_quota(admin, syt.id, YEAR, "cong_chuc", 55, "30/QĐ-UBND", D2)
    other = svc.set_quota(admin, syt.id, YEAR, "hop_dong", 7, "31/QĐ-UBND", D2)

    rows = db.session.execute(svc.quota_list(admin, unit_id=syt.id, year=YEAR)).all()
    assert [(r.UnitQuota.kind, r.UnitQuota.quota) for r in rows] == [("cong_chuc", 55), ("hop_dong", 7)]
    current, history = svc.quota_history(admin, first.id)
    assert [h.id for h in history] == [second.id, first.id]
    db.session.expire_all()
    assert db.session.get(UnitQuota, first.id).quota == 50  # never overwritten
    assert other.id not in [h.id for h in history]

    # The report reads the decision in force on its day.
    day1 = reports.quota_report(admin, syt.id, D1)
    assert [(r.kind, r.quota, r.decision_number) for r in day1.rows] == [("cong_chuc", 50, "12/QĐ-UBND")]
    day2 = reports.quota_report(admin, syt.id, D2)
    assert {(r.kind, r.quota) for r in day2.rows} == {("cong_chuc", 55), ("hop_dong", 7)}

    before = count(db, UnitQuota)
    cases = [
        # dated before the decision in force
        (dict(quota=60, decision_number="5/QĐ-UBND", decision_date=D1 - timedelta(days=1)), {"decision_date"}),
        # the same decision again
        (dict(quota=60, decision_number="30/qđ-ubnd", decision_date=D2), {"decision_number"}),
        # in the future
        (dict(quota=60, decision_number="40/QĐ-UBND", decision_date=TODAY + timedelta(days=1)), {"decision_date"}),
        # a negative quota, no decision
        (dict(quota=-1, decision_number=" ", decision_date=None), {"quota", "decision_number", "decision_date"}),
    ]
    for kwargs, fields in cases:
        with pytest.raises(ValidationError) as exc:
            svc.set_quota(admin, syt.id, YEAR, "cong_chuc", **kwargs)
        assert set(exc.value.errors) == fields, exc.value.errors
        assert all(re.search(r"[à-ỹ]", m) for m in exc.value.messages), exc.value.messages  # Vietnamese
    with pytest.raises(ValidationError) as exc:
        svc.set_quota(admin, syt.id, 1900, "bien_che", 1, "1/QĐ", D1)
    assert set(exc.value.errors) == {"year", "kind"}
    assert count(db, UnitQuota) == before


def test_the_quota_form_and_history_page(app, demo, unit_by_name):
    db = demo
    syt = unit_by_name("Sở Y tế")
    c = client_for(app, "sonoivu.admin")
    page = body(c.get(f"/staffing/quotas/new?unit={syt.id}&year={YEAR}&kind=cong_chuc"))
    assert '<option value="%s" selected>Sở Y tế</option>' % syt.id in page and 'selected value="cong_chuc"' in page
    data = {"csrf_token": csrf(page), "org_unit_id": syt.id, "year": YEAR, "kind": "cong_chuc", "quota": "40",
            "decision_number": "7/QĐ-UBND", "decision_date": D1.strftime("%d/%m/%Y")}
    resp = c.post("/staffing/quotas/new", data=data)
    assert resp.status_code == 302
    quota = db.session.scalar(select(UnitQuota).where(UnitQuota.decision_number == "7/QĐ-UBND"))
    history = body(c.get(resp.headers["Location"]))
    assert "Biên chế công chức năm %s: Sở Y tế" % YEAR in history and D1.strftime("%d/%m/%Y") in history
    # The same decision again: the form shows the message next to its field, nothing is written.
    resp = c.post("/staffing/quotas/new", data=data)
    assert resp.status_code == 400 and "đã được ghi nhận" in body(resp)
    assert count(db, UnitQuota) == 1 and quota is not None
    listing = body(c.get(f"/staffing/quotas/?year={YEAR}"))
    assert 'class="quota-row"' in listing and "7/QĐ-UBND" in listing


# --------------------------------------------------------------------------- scope


def test_an_agency_officer_maintains_only_its_subtree(app, demo, unit_by_name):
    db = demo
    admin = account(db, "sonoivu.admin")
    syt_unit, stp = unit_by_name("Khoa Cấp cứu"), unit_by_name("Sở Tư pháp")
    foreign = svc.set_quota(admin, stp.id, YEAR, "cong_chuc", 30, "9/QĐ-UBND", D1)
    common = svc.create_position(admin, svc.PositionData(code="cv-tccb", name="Chuyên viên về tổ chức cán bộ",
                                                         group="chuyen_mon", rank_code="01.003"))
    assert common.code == "CV-TCCB" and common.org_unit_id is None
    officer = account(db, "syt.tccb")

    with pytest.raises(ForbiddenError):
        svc.set_quota(officer, stp.id, YEAR, "cong_chuc", 99, "10/QĐ-UBND", D2)
    own = svc.set_quota(officer, syt_unit.id, YEAR, "so_nguoi_lam_viec", 12, "3/QĐ-SYT", D1)
    with pytest.raises(ValidationError) as exc:  # the city's common catalogue is Sở Nội vụ's
        svc.create_position(officer, svc.PositionData(code="BS-01", name="Bác sĩ", group="chuyen_mon"))
    assert "Sở Nội vụ" in exc.value.errors["org_unit_id"][0]
    with pytest.raises(ForbiddenError):
        svc.update_position(officer, common.id, svc.PositionData(name="Đổi tên", group="ho_tro"))
    with pytest.raises(ForbiddenError):
        svc.set_position_count(officer, common.id, stp.id, 3, "11/QĐ-UBND", D1)
    svc.set_position_count(officer, common.id, syt_unit.id, 3, "4/QĐ-SYT", D1)

    c = client_for(app, "syt.tccb")
    before = (count(db, UnitQuota), count(db, JobPosition), count(db, JobPositionQuota))
    page = body(c.get("/staffing/quotas/new"))
    resp = c.post("/staffing/quotas/new", data={
        "csrf_token": csrf(page), "org_unit_id": stp.id, "year": YEAR, "kind": "cong_chuc", "quota": "99",
        "decision_number": "10/QĐ-UBND", "decision_date": D2.strftime("%d/%m/%Y")})
    assert resp.status_code == 403 and "Sở Tư pháp" in body(resp)
    assert c.get(f"/staffing/quotas/{foreign.id}").status_code == 404
    assert c.get(f"/staffing/quotas/{own.id}").status_code == 200
    assert c.get(f"/staffing/positions/{common.id}/edit").status_code == 403
    resp = c.post(f"/staffing/positions/{common.id}/count", data={
        "csrf_token": csrf(page), "org_unit_id": stp.id, "count": "5", "decision_number": "12/QĐ-UBND",
        "decision_date": D2.strftime("%d/%m/%Y")})
    assert resp.status_code == 403
    assert (count(db, UnitQuota), count(db, JobPosition), count(db, JobPositionQuota)) == before
    listing = body(c.get(f"/staffing/quotas/?year={YEAR}"))
    assert "3/QĐ-SYT" in listing and "9/QĐ-UBND" not in listing
    db.session.expire_all()
    assert db.session.get(UnitQuota, foreign.id).quota == 30


# --------------------------------------------------------------------------- reports


@pytest.fixture()
def staffed(demo_people, unit_by_name):
    """Quotas of all three kinds on the demo people's units (one nested inside another of the same kind), and two
    positions held by the people of Sở Y tế's subtree."""
    db = demo_people
    admin = account(db, "sonoivu.admin")
    units = db.session.execute(text(
        "SELECT u.id, u.path, u.name, p.category, count(*) AS n FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
        "WHERE p.status IN ('active', 'suspended') GROUP BY u.id, u.path, u.name, p.category ORDER BY n DESC")).all()
    syt, stp = unit_by_name("Sở Y tế"), unit_by_name("Sở Tư pháp")
    svc.set_quota(admin, syt.id, YEAR, "cong_chuc", 3, "1/QĐ-UBND", D1)
    svc.set_quota(admin, syt.id, YEAR, "so_nguoi_lam_viec", 10_000, "2/QĐ-UBND", D1)
    svc.set_quota(admin, stp.id, YEAR, "cong_chuc", 20, "3/QĐ-UBND", D1)
    busiest_vc = next(u for u in units if u.category == "vien_chuc" and u.path.startswith(syt.path) and u.id != syt.id)
    svc.set_quota(admin, busiest_vc.id, YEAR, "so_nguoi_lam_viec", busiest_vc.n, "4/QĐ-SYT", D1)  # nested, even
    svc.set_quota(admin, syt.id, YEAR, "hop_dong", 0, "5/QĐ-UBND", D1)
    # Positions: the people of Sở Y tế's subtree by category; the required ngạch is the commonest one, so some match.
    ranks = dict(db.session.execute(text(
        "SELECT p.category, mode() WITHIN GROUP (ORDER BY p.rank_code) FROM person p JOIN org_unit u "
        "ON u.id = p.org_unit_id WHERE u.path LIKE :path || '%' AND p.rank_code IS NOT NULL GROUP BY p.category"),
        {"path": syt.path}).all())
    cv = svc.create_position(admin, svc.PositionData(code="VT-CC", name="Công chức chuyên môn", group="chuyen_mon",
                                                     rank_code=ranks["cong_chuc"]))
    vc = svc.create_position(admin, svc.PositionData(code="VT-VC", name="Viên chức chuyên môn", group="chuyen_mon",
                                                     rank_code=ranks["vien_chuc"]))
    db.session.execute(text(
        "UPDATE person SET job_position_code = CASE category WHEN 'cong_chuc' THEN 'VT-CC' ELSE 'VT-VC' END "
        "FROM org_unit u WHERE u.id = person.org_unit_id AND u.path LIKE :path || '%' "
        "AND category IN ('cong_chuc', 'vien_chuc')"), {"path": syt.path})
    db.session.commit()
    svc.set_position_count(admin, cv.id, syt.id, 2, "6/QĐ-UBND", D1)
    svc.set_position_count(admin, cv.id, syt.id, 4, "7/QĐ-UBND", D2)  # supersedes
    svc.set_position_count(admin, vc.id, syt.id, 10, "8/QĐ-UBND", D1)
    svc.set_position_count(admin, vc.id, busiest_vc.id, 1, "9/QĐ-SYT", D1)
    return {"syt": syt, "stp": stp, "nested": busiest_vc, "cv": cv, "vc": vc}


def test_quota_report_matches_hand_written_sql(app, staffed, demo_people):
    db = demo_people
    admin = account(db, "sonoivu.admin")
    report = reports.quota_report(admin, None, D2)
    units = {u.id: u for u in (staffed["syt"], staffed["stp"], staffed["nested"])}
    assert len(report.rows) == 5
    for row in report.rows:
        expected = in_post(db, units[row.unit_id], row.kind)
        assert row.in_post == expected, (row.unit_name, row.kind)
        assert row.state == ("over" if expected > row.quota else "under" if expected < row.quota else "even")
    states = {(r.unit_id, r.kind): r.state for r in report.rows}
    assert states[(staffed["nested"].id, "so_nguoi_lam_viec")] == "even"
    assert states[(staffed["syt"].id, "so_nguoi_lam_viec")] == "under"
    assert in_post(db, staffed["syt"], "cong_chuc") > 3 and states[(staffed["syt"].id, "cong_chuc")] == "over"
    # Totals of a kind add the rows not nested in another one of the same kind.
    vc_rows = [r for r in report.rows if r.kind == "so_nguoi_lam_viec"]
    syt_vc = next(r for r in vc_rows if r.unit_id == staffed["syt"].id)
    assert report.totals["so_nguoi_lam_viec"] == (syt_vc.quota, syt_vc.in_post)
    cc = [r for r in report.rows if r.kind == "cong_chuc"]
    assert report.totals["cong_chuc"] == (sum(r.quota for r in cc), sum(r.in_post for r in cc))

    # Scope: Sở Y tế's officer sees Sở Y tế's rows only, Sở Tư pháp is not in reach.
    officer = account(db, "syt.tccb")
    mine = reports.quota_report(officer, None, D2)
    assert {r.unit_id for r in mine.rows} == {staffed["syt"].id, staffed["nested"].id}
    assert [(r.kind, r.in_post) for r in mine.rows] == [(r.kind, r.in_post) for r in report.rows
                                                        if r.unit_id in (staffed["syt"].id, staffed["nested"].id)]
    c = client_for(app, "syt.tccb")
    assert c.get(f"/reports/quotas/?unit_id={staffed['stp'].id}").status_code == 404
    page = body(c.get(f"/reports/quotas/?day={D2:%d/%m/%Y}"))
    assert page.count('class="quota-report-row') == 4 and "Sở Tư pháp" not in page.split('id="quota-report"')[1]
    assert c.get("/reports/quotas/?day=31/02/2026").status_code == 400


def test_position_report_matches_hand_written_sql(app, staffed, demo_people):
    db = demo_people
    admin = account(db, "sonoivu.admin")
    report = reports.position_report(admin, None, D2)
    got = {(r.unit_id, r.code): r for r in report.rows}
    assert set(got) == {(staffed["syt"].id, "VT-CC"), (staffed["syt"].id, "VT-VC"), (staffed["nested"].id, "VT-VC")}
    assert got[(staffed["syt"].id, "VT-CC")].approved == 4  # the later decision
    assert reports.position_report(admin, None, D1).rows[0].approved == 2  # the earlier one on its day
    for (unit_id, code), row in got.items():
        unit = next(u for u in (staffed["syt"], staffed["nested"]) if u.id == unit_id)
        filled, mismatched = db.session.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE p.rank_code IS DISTINCT FROM j.rank_code) FROM person p "
            "JOIN org_unit u ON u.id = p.org_unit_id JOIN job_position j ON j.code = p.job_position_code "
            "WHERE u.path LIKE :path || '%' AND p.status IN ('active', 'suspended') AND j.code = :code"),
            {"path": unit.path, "code": code}).one()
        assert (row.filled, row.mismatched) == (filled, mismatched), (unit.name, code)
        assert row.filled > 0
    assert 0 < got[(staffed["syt"].id, "VT-VC")].mismatched < got[(staffed["syt"].id, "VT-VC")].filled

    expected = {r[0] for r in db.session.execute(text(
        "SELECT p.id FROM person p JOIN job_position j ON j.code = p.job_position_code "
        "WHERE p.status IN ('active', 'suspended') AND j.rank_code IS NOT NULL "
        "AND p.rank_code IS DISTINCT FROM j.rank_code"))}
    listed = {r.id for r in db.session.execute(reports.rank_mismatches(admin))}
    assert listed == expected and expected
    assert sum(r.mismatched for r in report.rows if r.unit_id == staffed["syt"].id) == len(expected)

    c = client_for(app, "xem.baocao")
    page = body(c.get(f"/reports/positions/?day={D2:%d/%m/%Y}"))
    assert page.count('class="position-report-row') == 3 and 'id="mismatch-table"' in page
    assert page.count('class="mismatch-row"') == min(50, len(expected))


def test_xlsx_read_back(app, staffed, demo_people, inline_exports):
    """Both reports as background exports (run in-process), read back with openpyxl."""
    from tests.clients import export_report

    db = demo_people
    admin = account(db, "sonoivu.admin")
    svc.set_quota(admin, staffed["stp"].id, YEAR, "hop_dong", 2, "=HYPERLINK(\"x\")", D2)
    c = client_for(app)
    _export_id, state = export_report(c, f"/reports/quotas/xlsx?day={D2:%d/%m/%Y}")
    resp = c.get(state["download_url"])
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = book.worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    head = rows.index(tuple(reports.quota_headers()))
    data = [r for r in rows[head + 1:] if isinstance(r[0], int)]
    report = reports.quota_report(admin, None, D2)
    assert [(r[1], r[2], r[3], r[4], r[6], r[7]) for r in data] == [
        (x.unit_name, str(svc.KIND_LABELS[x.kind]), x.quota, x.decision_number, x.in_post, x.difference)
        for x in report.rows]
    assert data[0][5].date() == D1 and rows[2][0] == f"Ngày báo cáo: {D2:%d/%m/%Y}"
    formula = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "=HYPERLINK(\"x\")")
    assert formula.data_type == "s" and formula.quotePrefix
    totals = {r[2]: (r[3], r[6]) for r in rows[head + 1:] if r[1] == "Tổng cộng"}
    assert totals == {str(svc.KIND_LABELS[k]): v for k, v in report.totals.items()}

    _export_id, state = export_report(c, f"/reports/positions/xlsx?day={D2:%d/%m/%Y}&unit_id={staffed['syt'].id}")
    book = openpyxl.load_workbook(io.BytesIO(c.get(state["download_url"]).data))
    first, second = book.worksheets
    rows = [r for r in first.iter_rows(values_only=True) if isinstance(r[0], int)]
    report = reports.position_report(admin, staffed["syt"].id, D2)
    assert [(r[2], r[6], r[9], r[11]) for r in rows] == [(x.code, x.approved, x.filled, x.mismatched)
                                                         for x in report.rows]
    people = [r for r in second.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(people) == db.session.scalar(select(func.count()).select_from(
        reports.rank_mismatches(admin, staffed["syt"].id).subquery()))
    assert state["done"] == state["total"] == len(rows) + len(people)
    logged = db.session.execute(text("SELECT count(*) FROM access_log WHERE event = 'export' "
                                     "AND detail->>'report' IN ('quotas', 'positions')")).scalar()
    assert logged == 2
    asked = db.session.execute(text("SELECT detail FROM access_log WHERE event = 'export_report' ORDER BY id")).all()
    assert [d["params"] for (d,) in asked] == [{"unit_id": None, "day": D2.isoformat()},
                                               {"unit_id": staffed["syt"].id, "day": D2.isoformat()}]


# --------------------------------------------------------------------------- the change log


def test_the_change_log_names_staffing_rows_in_vietnamese(app, demo, unit_by_name):
    db = demo
    admin = account(db, "sonoivu.admin")
    syt = unit_by_name("Sở Y tế")
    svc.set_quota(admin, syt.id, YEAR, "cong_chuc", 50, "12/QĐ-UBND", D1)
    position = svc.create_position(admin, svc.PositionData(code="KT-01", name="Kế toán viên", group="chuyen_mon",
                                                           rank_code="06.031", org_unit_id=syt.id))
    svc.update_position(admin, position.id, svc.PositionData(name="Kế toán viên", group="ho_tro", rank_code="06.031",
                                                             active=False))
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(
        ChangeLog.object_type.in_(("UnitQuota", "JobPosition")))) == 3
    page = body(client_for(app).get("/audit/changes/"))
    found = re.search(r'<table[^>]*id="change-log".*?</tbody>\n\s*</table>', page, re.S)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))
    assert f"Biên chế công chức năm {YEAR} của Sở Y tế" in shown and "Quyết định số 12/QĐ-UBND" in shown
    assert "Vị trí việc làm KT-01 Kế toán viên" in shown and "Danh mục riêng của Sở Y tế" in shown
    assert "Biên chế được giao" in shown and "Nhóm vị trí việc làm" in shown and "Hỗ trợ, phục vụ" in shown
    assert "(06.031)" in shown  # the ngạch by its name and code
    assert not re.search(r"\bNone\b|\bTrue\b|\bFalse\b|cong_chuc|ho_tro|rank_code|\d{4}-\d{2}-\d{2}", shown)


def test_the_change_log_names_a_count(app, demo, unit_by_name):
    db = demo
    admin = account(db, "sonoivu.admin")
    syt = unit_by_name("Sở Y tế")
    position = svc.create_position(admin, svc.PositionData(code="VT-01", name="Văn thư", group="ho_tro"))
    svc.set_position_count(admin, position.id, syt.id, 2, "13/QĐ-UBND", D1)
    page = body(client_for(app).get("/audit/changes/?object_type=JobPositionQuota"))
    assert "Số lượng vị trí VT-01 Văn thư tại Sở Y tế" in page and "Số lượng được duyệt" in page
