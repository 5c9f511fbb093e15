"""BM02/BNV and its family (issue 17 item 2): every column checked against hand-written SQL, the XLSX read back
with openpyxl, the PDF signed by the head and verified (pyHanko, pdfsig), the scope of the figures.

The expected figures come from one hand-written statement per report (correlated EXISTS subqueries on
``training_record``, the ancestor test by ``LIKE``, the NĐ 135/2020 retirement table typed in from its annex, the
ngạch codes typed from domain.md §2.5), never from the report's own column conditions. The demo files are given
a few extra facts first (a man past retirement age, IT and language degrees, an ethnic-language certificate), so
that no column is trivially zero.
"""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from app.services.errors import NotFoundError
from app.services.reports import bm02 as svc
from models.org_units import OrgUnit
from models.personnel import Person, TrainingRecord
from tests.factories import IsolatedClient, account, login, with_certificates

DAY = date(2026, 6, 15)

CC_RANKS = {"rank_cvcc": ("01.001", "04.023", "06.029"), "rank_cvc": ("01.002", "02.006", "04.024", "06.030"),
            "rank_cv": ("01.003", "02.007", "04.025", "06.031"), "rank_cs": ("01.004", "02.008", "06.032"),
            "rank_nv": ("01.005",)}
VC_GRADES = {"grade_i": ("V.07.01.01", "V.07.05.13", "V.07.04.30", "V.07.03.27", "V.07.02.24", "V.08.01.01"),
             "grade_ii": ("V.07.01.02", "V.07.05.14", "V.07.04.31", "V.07.03.28", "V.07.02.25", "V.08.01.02"),
             "grade_iii": ("V.07.01.03", "V.07.05.15", "V.07.04.32", "V.07.03.29", "V.07.02.26", "V.08.01.03"),
             "grade_iv": ()}

#: NĐ 135/2020/NĐ-CP, Phụ lục I (men) and II (women): born before → retirement age in months.
RETIRE_MEN = [("1961-01-01", 720), ("1961-10-01", 723), ("1962-07-01", 726), ("1963-04-01", 729),
              ("1964-01-01", 732), ("1964-10-01", 735), ("1965-07-01", 738), ("1966-04-01", 741)]
RETIRE_WOMEN = [("1966-01-01", 660), ("1966-09-01", 664), ("1967-05-01", 668), ("1968-01-01", 672),
                ("1968-09-01", 676), ("1969-05-01", 680), ("1970-01-01", 684), ("1970-09-01", 688),
                ("1971-05-01", 692), ("1972-01-01", 696), ("1972-09-01", 700), ("1973-05-01", 704),
                ("1974-01-01", 708), ("1974-09-01", 712), ("1975-05-01", 716)]


def _case(table, final):
    return "CASE " + " ".join(f"WHEN p.birth_date < DATE '{d}' THEN {m}" for d, m in table) + f" ELSE {final} END"


def _in(codes) -> str:
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")" if codes else "(NULL)"


def _has(where: str) -> str:
    return f"EXISTS (SELECT 1 FROM training_record t WHERE t.person_id = p.id AND {where})"


ENGLISH = "lower(t.language) IN (lower('Tiếng Anh'), lower('Anh'), lower('English'))"
TONGUE = ("lower(t.language) IN (SELECT lower('Tiếng ' || c.name) FROM code_item c WHERE c.kind = 'ethnicity' "
          "AND c.code BETWEEN '02' AND '54')")
DEGREE = "t.level IN ('DH', 'ThS', 'TS', 'TSKH')"
MIDDLE = "t.level IN ('TC', 'CD', 'DH', 'ThS', 'TS', 'TSKH')"
OTHER = f"t.language IS NOT NULL AND NOT ({ENGLISH}) AND NOT ({TONGUE})"

#: Column key -> condition, hand-written.
COMMON = {
    "total": "TRUE",
    "women": "p.gender = 'nu'",
    "party": "p.party_joined_on IS NOT NULL",
    "minority": "p.ethnicity BETWEEN '02' AND '54'",
    "religion": "p.religion IS NOT NULL AND p.religion <> '00'",
    "qual_doctor": "p.highest_qualification IN ('TS', 'TSKH')",
    "qual_master": "p.highest_qualification = 'ThS'",
    "qual_bachelor": "p.highest_qualification = 'DH'",
    "qual_college": "p.highest_qualification = 'CD'",
    "qual_middle": "p.highest_qualification = 'TC'",
    "qual_elementary": "p.highest_qualification = 'SC'",
    "political_cn": _has("t.kind = 'political' AND t.level = 'CN'"),
    "political_cc": _has("t.kind = 'political' AND t.level = 'CC'") + " AND NOT "
    + _has("t.kind = 'political' AND t.level = 'CN'"),
    "political_tc": _has("t.kind = 'political' AND t.level = 'TC'") + " AND NOT "
    + _has("t.kind = 'political' AND t.level IN ('CN', 'CC')"),
    "political_sc": _has("t.kind = 'political' AND t.level = 'SC'") + " AND NOT "
    + _has("t.kind = 'political' AND t.level IN ('CN', 'CC', 'TC')"),
    "it_middle": _has(f"((t.kind = 'it' AND {MIDDLE}) OR (t.kind = 'professional' AND {MIDDLE} AND "
                      "(lower(t.major) LIKE '%công nghệ thông tin%' OR lower(t.major) LIKE '%tin học%' "
                      "OR lower(t.major) LIKE '%khoa học máy tính%')))"),
    "english_degree": _has(f"t.kind = 'language' AND {ENGLISH} AND {DEGREE}"),
    "language_degree": _has(f"t.kind = 'language' AND {OTHER} AND {DEGREE}"),
    "ethnic_tongue": _has(f"t.kind = 'language' AND {TONGUE}"),
    "management_cvcc": _has("t.kind = 'management' AND t.level = 'CVCC'"),
    "management_cvc": _has("t.kind = 'management' AND t.level = 'CVC'") + " AND NOT "
    + _has("t.kind = 'management' AND t.level = 'CVCC'"),
    "management_cv": _has("t.kind = 'management' AND t.level = 'CV'") + " AND NOT "
    + _has("t.kind = 'management' AND t.level IN ('CVCC', 'CVC')"),
    "age_30": "a.age <= 30",
    "age_31_40": "a.age BETWEEN 31 AND 40",
    "age_41_50": "a.age BETWEEN 41 AND 50",
    "age_51_60": "a.age BETWEEN 51 AND 60",
    "age_women_51_55": "p.gender = 'nu' AND a.age BETWEEN 51 AND 55",
    "age_men_56_60": "p.gender = 'nam' AND a.age BETWEEN 56 AND 60",
    "over_retirement": f"(p.gender = 'nam' AND date_trunc('month', p.birth_date) + "
                       f"make_interval(months => {_case(RETIRE_MEN, 744)} + 1) <= DATE '{DAY}') OR "
                       f"(p.gender = 'nu' AND date_trunc('month', p.birth_date) + "
                       f"make_interval(months => {_case(RETIRE_WOMEN, 720)} + 1) <= DATE '{DAY}')",
}
COMMON["it_certificate"] = _has("t.kind = 'it'") + f" AND NOT ({COMMON['it_middle']})"
COMMON["english_certificate"] = _has(f"t.kind = 'language' AND {ENGLISH}") + f" AND NOT ({COMMON['english_degree']})"
COMMON["language_certificate"] = _has(f"t.kind = 'language' AND {OTHER}") + f" AND NOT ({COMMON['language_degree']})"

IN_COMMUNE = "EXISTS (SELECT 1 FROM org_unit x WHERE x.unit_type = 'ubnd_xa' AND u.path LIKE x.path || '%')"
KIND_SQL = {
    "cong-chuc": ("p.category = 'cong_chuc' AND NOT " + IN_COMMUNE,
                  {k: f"p.rank_code IN {_in(v)}" for k, v in CC_RANKS.items()}),
    "vien-chuc": ("p.category = 'vien_chuc' AND NOT " + IN_COMMUNE,
                  {k: f"p.rank_code IN {_in(v)}" for k, v in VC_GRADES.items()}),
    "cap-xa": ("p.category IN ('can_bo', 'cong_chuc') AND " + IN_COMMUNE, {
        **{k: f"p.rank_code IN {_in(v)}" for k, v in CC_RANKS.items()},
        "can_bo": "p.category = 'can_bo'", "cong_chuc": "p.category = 'cong_chuc'",
        "general_th": "p.general_education IN ('5/12','6/12','7/12','8/12','4/10','5/10','6/10')",
        "general_thcs": "p.general_education IN ('9/12','10/12','11/12','7/10','8/10','9/10')",
        "general_thpt": "p.general_education IN ('12/12','10/10')",
        "qual_none": "p.highest_qualification IS NULL OR p.highest_qualification NOT IN "
                     "('TSKH','TS','ThS','DH','CD','TC','SC')"}),
}


def expected(db, kind: str, prefix: str = "/") -> dict[str, int]:
    """Every column (but the quota) of ``kind`` for the people in force under the unit path ``prefix``."""
    where, own = KIND_SQL[kind]
    conditions = {**COMMON, **own}
    keys = [c.key for c in svc.KINDS[kind].columns if not c.quota]
    assert set(keys) <= set(conditions), set(keys) - set(conditions)
    counts = ",\n".join(f"count(*) FILTER (WHERE {conditions[k]}) AS \"{k}\"" for k in keys)
    sql = (f"SELECT {counts} FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
           f"CROSS JOIN LATERAL (SELECT extract(year FROM age(DATE '{DAY}', p.birth_date))::int AS age) a "
           f"WHERE p.status IN ('active', 'suspended') AND u.path LIKE :prefix AND {where}")
    row = db.session.execute(text(sql), {"prefix": prefix + "%"}).mappings().one()
    return dict(row)


def unit(db, name, parent=None) -> OrgUnit:
    stmt = select(OrgUnit).where(OrgUnit.name == name)
    if parent:
        stmt = stmt.where(OrgUnit.parent_id == select(OrgUnit.id).where(OrgUnit.name == parent).scalar_subquery())
    return db.session.scalars(stmt).one()


def _first(db, category, under: OrgUnit, offset=0) -> Person:
    return db.session.scalars(
        select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(Person.category == category, Person.status == "active", OrgUnit.path.like(under.path + "%"))
        .order_by(Person.id).offset(offset).limit(1)).one()


@pytest.fixture()
def facts(demo_people):
    """A few facts the demo does not hold, so that no column is trivially zero."""
    db = demo_people
    syt, city = unit(db, "Sở Y tế"), unit(db, "UBND Thành phố Hà Nội")
    old = _first(db, "cong_chuc", syt)
    old.birth_date, old.gender = date(1958, 3, 10), "nam"  # 68: past retirement age
    woman = _first(db, "cong_chuc", syt, 1)
    woman.birth_date, woman.gender = date(1971, 2, 1), "nu"  # 55 on the day: "nữ từ 51 đến 55"
    it, lang = _first(db, "cong_chuc", syt, 2), _first(db, "cong_chuc", city, 5)
    vc = _first(db, "vien_chuc", syt)
    for person, kind, extra in (
            (it, "it", {"level": "TC", "certificate": "Bằng trung cấp tin học"}),
            (it, "language", {"language": "Tiếng Anh", "level": "DH", "certificate": "Bằng cử nhân"}),
            (lang, "language", {"language": "Tiếng Pháp", "level": "ThS", "certificate": "Bằng thạc sĩ"}),
            (lang, "language", {"language": "Tiếng Ê-đê", "certificate": "Chứng chỉ tiếng Ê-đê"}),
            (lang, "professional", {"major": "Công nghệ thông tin", "level": "DH", "institution": "ĐH Bách khoa"}),
            (lang, "political", {"level": "CN", "institution": "Học viện Chính trị"}),
            (vc, "language", {"language": "Tiếng Anh", "level": "ThS", "certificate": "Bằng thạc sĩ"})):
        db.session.add(TrainingRecord(person_id=person.id, kind=kind, position=99,
                                      institution=extra.pop("institution", "Trường"), **extra))
    db.session.commit()
    return {"syt": syt, "city": city}


def values(row, kind):
    return {c.key: row.values[c.key] for c in svc.KINDS[kind].columns if not c.quota}


def row_named(report, name):
    return next(r for r in report.rows if r.name == name)


@pytest.mark.parametrize("kind", list(svc.KINDS))
def test_every_column_matches_hand_sql_for_a_unit_and_the_city(app, demo_people, facts, kind):
    """Every column of the report, for Sở Y tế's row and for the city total, equals the hand-written count; the
    rows of a level add up to their subtotal."""
    db = demo_people
    report = svc.bm02_report(account(db, "sonoivu.chuyenvien"), kind, day=DAY)
    assert report.root.id == facts["city"].id and report.depth == 2
    total = expected(db, kind)
    assert values(report.total, kind) == total
    if kind != "cap-xa":
        syt = row_named(report, "Sở Y tế")
        assert syt.role == "subtotal" and syt.depth == 1
        assert values(syt, kind) == expected(db, kind, facts["syt"].path)
        children = report.rows[report.rows.index(syt) + 1:]
        children = children[:next((i for i, r in enumerate(children) if r.depth == 1), len(children))]
        for key in total:
            assert sum(r.values[key] for r in children) == syt.values[key], key
    level1 = [r for r in report.rows if r.depth == 1]
    for key in total:
        assert sum(r.values[key] for r in level1) == total[key], key
    if kind == "cong-chuc":
        for key in ("over_retirement", "it_middle", "english_degree", "language_degree", "ethnic_tongue",
                    "political_cn", "women", "party", "rank_cvc", "qual_master"):
            assert total[key] > 0, key


def test_quota_is_the_topmost_quotas_of_the_subtree(app, demo_people, facts):
    """Column 1: a unit's own biên chế (not again its phòng's share), the city's is the sum of the level-2
    units'; communes count only in the commune report; the viên chức report has none yet."""
    db = demo_people
    user = account(db, "sonoivu.chuyenvien")
    report = svc.bm02_report(user, "cong-chuc", day=DAY)
    assert row_named(report, "Sở Y tế").values["quota"] == 160
    level2 = db.session.execute(text("SELECT sum(bien_che_quota) FROM org_unit WHERE level = 2")).scalar()
    assert report.total.values["quota"] == level2
    communes = db.session.execute(text(
        "SELECT sum(bien_che_quota) FROM org_unit WHERE unit_type = 'ubnd_xa'")).scalar()
    assert svc.bm02_report(user, "cap-xa", day=DAY).total.values["quota"] == communes
    assert svc.bm02_report(user, "vien-chuc", day=DAY).total.values["quota"] is None


def test_retirement_age_follows_nd135():
    """NĐ 135/2020/NĐ-CP: the published ages by month of birth."""
    assert svc.retirement_months("nam", 1960, 12) == 720
    assert svc.retirement_months("nam", 1961, 9) == 723 and svc.retirement_months("nam", 1961, 10) == 726
    assert svc.retirement_months("nam", 1966, 3) == 741 and svc.retirement_months("nam", 1966, 4) == 744
    assert svc.retirement_months("nu", 1966, 8) == 664 and svc.retirement_months("nu", 1966, 9) == 668
    assert svc.retirement_months("nu", 1975, 4) == 716 and svc.retirement_months("nu", 1975, 5) == 720
    for table, gender in ((RETIRE_MEN, "nam"), (RETIRE_WOMEN, "nu")):
        for (before, months), (_next, _m) in zip(table, table[1:], strict=False):
            y, m = int(before[:4]), int(before[5:7])
            prev = (y, m - 1) if m > 1 else (y - 1, 12)
            assert svc.retirement_months(gender, *prev) == months, (gender, before)


def test_one_grouped_statement_for_the_figures(app, demo_people, facts):
    """The figures are one statement (plus the unit names and quotas): people are never loaded."""
    from sqlalchemy import event

    db = demo_people
    user = account(db, "sonoivu.chuyenvien")
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        svc.bm02_report(user, "cong-chuc", day=DAY, depth=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    grouped = [s for s in seen if "ROLLUP" in s.upper()]
    assert len(grouped) == 1 and "FILTER (WHERE" in grouped[0]
    assert not [s for s in seen if "FROM person" in s and "ROLLUP" not in s.upper()]


def test_xlsx_has_the_official_layout_and_the_same_figures(app, client, demo_people, facts, inline_exports):
    """The XLSX (a background export, run in-process; read back with openpyxl): merged group headers, the column
    numbers, numbers as numbers, and the same figures as the hand-written SQL for Sở Y tế and the total. The
    request (with its unit, day, kind and depth), the rows written and the download are in the access log."""
    import openpyxl

    from tests.clients import export_report

    db = demo_people
    login(client, "sonoivu.chuyenvien")
    export_id, state = export_report(client, f"/reports/bm02/cong-chuc/xlsx?day={DAY:%d/%m/%Y}")
    resp = client.get(state["download_url"])
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    numbers = next(i for i, r in enumerate(rows) if r[1] == "(1)")
    assert list(rows[numbers][1:]) == [f"({i})" for i in range(1, 39)]
    merged = {str(m) for m in sheet.merged_cells.ranges}
    head = numbers - 1  # 1-based row of the group headers is numbers - 1
    assert f"B{head}:B{head + 1}" in merged and f"C{head}:C{head + 1}" in merged  # totals over both rows
    assert f"D{head}:G{head}" in merged and rows[head - 1][3] == "Trong đó"  # D..G: nữ … tôn giáo
    assert rows[head][3] == "Nữ" and rows[head][8] == "Chuyên viên chính và tương đương"
    keys = [c.key for c in svc.KINDS["cong-chuc"].columns]
    by_name = {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows[numbers + 1:]}
    syt, total = by_name["Sở Y tế"], by_name["Tổng cộng"]
    assert {k: v for k, v in syt.items() if k != "quota"} == expected(db, "cong-chuc", facts["syt"].path)
    assert {k: v for k, v in total.items() if k != "quota"} == expected(db, "cong-chuc")
    assert syt["quota"] == 160 and all(isinstance(v, int) for v in total.values())
    assert state["done"] == state["total"] == len(rows) - numbers - 1
    logged = db.session.execute(text("SELECT event, object_id, detail FROM access_log WHERE event IN "
                                     "('export_report', 'export', 'export_report_xlsx') ORDER BY id")).all()
    assert [(e, o) for e, o, _d in logged] == [("export_report", str(export_id)), ("export", str(export_id)),
                                               ("export_report_xlsx", str(export_id))]
    assert logged[0][2]["report"] == "bm02" and logged[0][2]["params"] == {
        "kind": "cong-chuc", "unit_id": None, "day": DAY.isoformat(), "depth": 2}
    assert logged[1][2]["rows"] == state["done"]


def test_page_shows_the_two_level_header_and_logs_the_view(app, client, demo_people, facts):
    db = demo_people
    login(client, "xem.baocao")
    resp = client.get("/reports/bm02/vien-chuc/?depth=1")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'colspan="4" class="text-center bm02-group">Chức danh nghề nghiệp' in body
    assert "(37)</th>" in body and "(38)</th>" not in body
    assert 'id="bm02-sign"' not in body  # a report viewer does not sign
    assert db.session.execute(text("SELECT count(*) FROM access_log WHERE event = 'view_report'")).scalar() == 1


def test_the_screen_shows_the_rows_a_page_at_a_time(app, client, demo_people, facts, monkeypatch):
    """A report of hundreds of units is shown a page of rows at a time, the total on every page; the pages
    together are every row once."""
    import re

    import views.reports.bm02 as view

    login(client, "xem.baocao")
    whole = client.get("/reports/bm02/vien-chuc/?depth=2").get_data(as_text=True)
    every = re.findall(r'data-unit="(\d+)"', whole)
    assert len(every) > 3
    monkeypatch.setattr(view, "SCREEN_ROWS", 3)
    seen, number = [], 1
    while True:
        page = client.get(f"/reports/bm02/vien-chuc/?depth=2&page={number}").get_data(as_text=True)
        rows = re.findall(r'data-unit="(\d+)"', page)
        assert 0 < len(rows) <= 3 and 'id="bm02-total"' in page
        seen += rows
        if "page=%d" % (number + 1) not in page:
            break
        number += 1
    assert seen == every and number == -(-len(every) // 3)
    assert client.get("/reports/bm02/vien-chuc/?page=abc").status_code == 400


def test_scope_a_unit_officer_sees_only_its_subtree(app, client, demo_people, facts):
    """syt.tccb: Sở Y tế's subtree by default; a unit outside it, a forged id or a missing unit is a 404 with a
    Vietnamese message (the service raises NotFoundError); a bad date or depth is a 400."""
    db = demo_people
    user = account(db, "syt.tccb")
    report = svc.bm02_report(user, "cong-chuc", day=DAY)
    assert report.root.id == facts["syt"].id
    assert values(report.total, "cong-chuc") == expected(db, "cong-chuc", facts["syt"].path)
    assert {r.unit_id for r in report.rows if r.role != "direct"} <= set(db.session.scalars(
        select(OrgUnit.id).where(OrgUnit.path.like(facts["syt"].path + "_%"))))
    outside = unit(db, "Sở Tư pháp")
    with pytest.raises(NotFoundError):
        svc.bm02_report(user, "cong-chuc", outside.id, DAY)
    login(client, "syt.tccb")
    for query in (f"unit_id={outside.id}", "unit_id=abc", "unit_id=99999999", "unit_id=-3"):
        resp = client.get(f"/reports/bm02/cong-chuc/?{query}")
        assert resp.status_code == 404, query
        assert "Không tìm thấy đơn vị trong phạm vi của bạn." in resp.get_data(as_text=True)
    assert client.post(f"/reports/bm02/cong-chuc/xlsx?unit_id={outside.id}").status_code == 404
    assert client.get("/reports/bm02/khac/").status_code == 404
    bad = client.get("/reports/bm02/cong-chuc/?day=31/02/2026")
    assert bad.status_code == 400 and 'id="bm02-table"' not in bad.get_data(as_text=True)
    assert client.post("/reports/bm02/cong-chuc/xlsx?depth=9").status_code == 400
    assert client.post("/reports/bm02/cong-chuc/xlsx?day=31/02/2026").status_code == 400
    assert db.session.execute(text("SELECT count(*) FROM export_job")).scalar() == 0  # nothing asked
    inside = client.get(f"/reports/bm02/cong-chuc/?unit_id={unit(db, 'Bệnh viện Thanh Nhàn').id}&depth=1")
    assert inside.status_code == 200 and "Khoa Cấp cứu" in inside.get_data(as_text=True)


def test_head_signs_the_pdf_and_it_verifies(app, demo_people, facts, dev_ca, tmp_path):
    """The head (Thủ trưởng) signs the report's PDF with their certificate: the signature verifies in pyHanko
    (and pdfsig when installed); the PDF holds the figures; a wrong passphrase is refused in Vietnamese; a TCCB
    officer cannot sign (403)."""
    import shutil
    import subprocess

    from app.signing import verify_pdf

    db = demo_people
    client = IsolatedClient(app)
    with_certificates(db, dev_ca, "syt.thutruong")
    officer = IsolatedClient(app)
    login(officer, "syt.tccb")
    assert officer.get("/reports/bm02/cong-chuc/sign").status_code == 403
    login(client, "syt.thutruong")
    url = f"/reports/bm02/cong-chuc/sign?day={DAY:%d/%m/%Y}"
    page = client.get(url)
    assert page.status_code == 200 and 'id="bm02-sign-form"' in page.get_data(as_text=True)
    wrong = client.post(url, data={"passphrase": "sai-mat-khau"})
    assert wrong.status_code == 400 and wrong.mimetype == "text/html"
    empty = client.post(url, data={"passphrase": ""})
    assert empty.status_code == 400 and "Hãy nhập mật khẩu chứng thư số để ký." in empty.get_data(as_text=True)
    resp = client.post(url, data={"passphrase": "Demo@2026"})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = resp.data
    reports = verify_pdf(pdf)
    assert len(reports) == 1 and reports[0].bottom_line and reports[0].intact and reports[0].trusted
    assert reports[0].field == "ThuTruong"
    path = tmp_path / "bm02.pdf"
    path.write_bytes(pdf)
    text_out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "BÁO CÁO SỐ LƯỢNG, CHẤT LƯỢNG CÔNG CHỨC" in text_out and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in text_out
    total_line = next(line for line in text_out.splitlines() if line.strip().startswith("Tổng cộng"))
    exp = expected(db, "cong-chuc", facts["syt"].path)
    assert total_line.split()[3] == str(exp["total"])  # "Tổng cộng", quota, then column 2
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert "Signature Field Name: ThuTruong" in out and "Signature Validation: Signature is Valid." in out
    events = [e for (e,) in db.session.execute(text(
        "SELECT event FROM access_log WHERE event IN ('sign_report', 'sign_refused') ORDER BY id"))]
    assert events[-1] == "sign_report"


def test_quota_comes_from_the_staffing_decision_in_force(app, demo_people, facts, unit_by_name):
    """Column 1 reads the công chức quota decided for the report's year (the latest decision dated on or before the
    report's day; a later one does not count yet), else the unit's former figure."""
    from app.services import staffing

    db = demo_people
    admin, viewer = account(db, "sonoivu.admin"), account(db, "sonoivu.chuyenvien")
    unit = unit_by_name("Sở Y tế")
    staffing.set_quota(admin, unit.id, DAY.year, "cong_chuc", 170, "12/QĐ-UBND", date(DAY.year, 1, 5))
    staffing.set_quota(admin, unit.id, DAY.year, "cong_chuc", 175, "99/QĐ-UBND", DAY + timedelta(days=1))
    staffing.set_quota(admin, unit.id, DAY.year, "so_nguoi_lam_viec", 900, "13/QĐ-UBND", date(DAY.year, 1, 5))
    report = svc.bm02_report(viewer, "cong-chuc", day=DAY)
    assert row_named(report, "Sở Y tế").values["quota"] == 170
    assert row_named(report, "Sở Tư pháp").values["quota"] == db.session.execute(text(
        "SELECT bien_che_quota FROM org_unit WHERE name = 'Sở Tư pháp'")).scalar()
