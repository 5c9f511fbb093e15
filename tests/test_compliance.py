"""Compliance per unit (HN-21.3, HN-17.5, HN-18.3): exact figures on a small hand-made dataset, sorting,
drill-down, scope, and one grouped statement per table.

The dataset (day: Monday 15/6/2026), in the demo city:

- Sở Y tế, Phòng Tổ chức cán bộ: 4 people in force (completeness 100, 100, 80, 100; two without account)
  and one retired (not counted); change sets A (final step due 10/3, decided 10/3: on time — the earlier
  step's deadline does not count), B (due 1/4, decided 2/4 at 00:30 Việt Nam time, i.e. 1/4 in UTC: late),
  C (second round: round 1 due 10/1, round 2 due 20/5, decided 19/5: on time); G pending, due 12/6: overdue.
- Sở Y tế, Khoa Cấp cứu (level 4): 2 people (100, 50; no accounts); D approved 1/2/2026 without any step
  (no deadline: on time), E approved 1/5/2025 (more than 12 months ago: not counted); H pending, due 20/6.
- Sở Y tế itself: 1 person (100, with account).
- Sở Tư pháp, Phòng Hành chính tư pháp: 3 people (100 × 3, no accounts); F decided 10/6, due 5/6: late;
  I pending, due 1/6: overdue (plus a waiting step, not counted).
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.services import compliance as svc
from app.services.errors import NotFoundError
from models.approvals import ApprovalStep
from models.personnel import ChangeSet, Person
from tests.factories import IsolatedClient, account, login

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 6, 15)
FIGURES = ("people", "complete", "no_account", "approved", "on_time", "pending", "overdue")


def _person(db, unit, n, completeness, *, account_id=None, status="active"):
    row = {"org_unit_id": unit.id, "category": "cong_chuc", "status": status, "version_no": 1,
           "completeness": completeness, "family_name": "Nguyễn", "middle_name": "Văn", "given_name": f"Người{n}",
           "search_key": f"nguyen van nguoi{n}", "sort_key": f"N{n:03d}", "account_id": account_id}
    return db.session.execute(Person.__table__.insert().returning(Person.id), row).scalar_one()


def _change(db, person_id, status, *, decided=None, round_=1, steps=()):
    """A change set and its steps: (round, seq, status, due date)."""
    cs_id = db.session.execute(ChangeSet.__table__.insert().returning(ChangeSet.id), {
        "person_id": person_id, "status": status, "round": round_, "chain": "default",
        "submitted_at": datetime(2026, 1, 5, 9, tzinfo=TZ), "decided_at": decided}).scalar_one()
    for rnd, seq, step_status, due in steps:
        db.session.execute(ApprovalStep.__table__.insert(), {
            "change_set_id": cs_id, "round": rnd, "seq": seq, "key": "approve" if seq else "review",
            "authority": "head" if seq else "tccb", "status": step_status, "due_date": due})
    return cs_id


@pytest.fixture()
def dataset(demo, unit_by_name):
    db = demo
    syt, stp = unit_by_name("Sở Y tế"), unit_by_name("Sở Tư pháp")
    tccb = unit_by_name("Phòng Tổ chức cán bộ", "Sở Y tế")
    er = unit_by_name("Khoa Cấp cứu")
    hctp = unit_by_name("Phòng Hành chính tư pháp")
    a1, a2, a3 = (account(db, u).id for u in ("annv.syt", "xem.baocao", "syt.tccb"))
    p1 = _person(db, tccb, 1, 100, account_id=a1)
    p2 = _person(db, tccb, 2, 100, account_id=a2)
    _person(db, tccb, 3, 80)
    _person(db, tccb, 4, 100)
    _person(db, tccb, 5, 100, status="retired")
    e1 = _person(db, er, 6, 100)
    _person(db, er, 7, 50)
    _person(db, syt, 8, 100, account_id=a3)
    s1 = _person(db, hctp, 9, 100)
    _person(db, hctp, 10, 100)
    _person(db, hctp, 11, 100)
    _change(db, p1, "approved", decided=datetime(2026, 3, 10, 15, tzinfo=TZ),
            steps=[(1, 0, "done", date(2026, 3, 5)), (1, 1, "done", date(2026, 3, 10))])  # A: on time
    _change(db, p1, "approved", decided=datetime(2026, 4, 2, 0, 30, tzinfo=TZ),
            steps=[(1, 0, "done", date(2026, 3, 30)), (1, 1, "done", date(2026, 4, 1))])  # B: late
    _change(db, p1, "approved", decided=datetime(2026, 5, 19, 10, tzinfo=TZ), round_=2,
            steps=[(1, 0, "returned", date(2026, 1, 10)), (1, 1, "cancelled", None),
                   (2, 0, "done", date(2026, 5, 15)), (2, 1, "done", date(2026, 5, 20))])  # C: on time
    _change(db, p2, "submitted", steps=[(1, 0, "pending", date(2026, 6, 12)), (1, 1, "waiting", None)])  # G
    _change(db, e1, "approved", decided=datetime(2026, 2, 1, 10, tzinfo=TZ))  # D: no deadline
    _change(db, e1, "approved", decided=datetime(2025, 5, 1, 10, tzinfo=TZ),
            steps=[(1, 0, "done", date(2025, 4, 1))])  # E: too old
    _change(db, e1, "submitted", steps=[(1, 0, "pending", date(2026, 6, 20))])  # H
    _change(db, s1, "approved", decided=datetime(2026, 6, 10, 10, tzinfo=TZ),
            steps=[(1, 0, "done", date(2026, 6, 5))])  # F: late
    _change(db, s1, "submitted", steps=[(1, 0, "pending", date(2026, 6, 1)), (1, 1, "waiting", None)])  # I
    db.session.commit()
    return {"syt": syt, "stp": stp, "tccb": tccb, "er": er, "bv": unit_by_name("Bệnh viện Thanh Nhàn"),
            "root": unit_by_name("UBND Thành phố Hà Nội")}


def figures(row):
    return tuple(getattr(row, f) for f in FIGURES)


def by_name(table):
    return {("=" if r.direct else "") + r.name: figures(r) for r in table.rows}


def test_hn213_city_level_figures_are_exact(app, demo, dataset):
    """HN-21.3: per level-2 unit, people in force, complete files, approvals in the last 12 months and on
    time (decision's Việt Nam date ≤ the final step's due date), pending and overdue steps, no account."""
    table = svc.compliance_table(account(demo, "sonoivu.chuyenvien"), day=DAY)
    rows = by_name(table)
    assert rows["Sở Y tế"] == (7, 5, 4, 4, 3, 2, 1)
    assert rows["Sở Tư pháp"] == (3, 3, 3, 1, 0, 1, 1)
    assert rows["Sở Tài chính"] == (0,) * 7
    assert len(table.rows) == 11  # the level-2 units; nobody is attached to UBND TP itself
    syt = next(r for r in table.rows if r.name == "Sở Y tế")
    assert (syt.complete_pct, syt.on_time_pct) == (71.4, 75.0) and syt.drillable
    assert figures(table.total) == (10, 8, 7, 5, 3, 3, 2)
    assert table.parent.id == dataset["root"].id and table.threshold == 100


def test_drill_down_to_children_and_the_units_own_people(app, demo, dataset, monkeypatch):
    """Opening Sở Y tế lists its children (a hospital sums its departments) and a row for the people attached
    to the Sở itself; their total is the Sở's row. The portable prefix-match roll-up gives the same table as
    PostgreSQL's path-split one. A lower threshold counts the 80 % file as complete."""
    user = account(demo, "sonoivu.chuyenvien")
    table = svc.compliance_table(user, dataset["syt"].id, day=DAY)
    rows = by_name(table)
    assert rows == {"Văn phòng Sở Y tế": (0,) * 7, "Phòng Tổ chức cán bộ": (4, 3, 2, 3, 2, 1, 1),
                    "Bệnh viện Đa khoa Xanh Pôn": (0,) * 7, "Bệnh viện Thanh Nhàn": (2, 1, 2, 1, 1, 1, 0),
                    "=Sở Y tế": (1, 1, 0, 0, 0, 0, 0)}
    assert figures(table.total) == (7, 5, 4, 4, 3, 2, 1)
    assert [name for _i, name, _r in table.trail] == ["UBND Thành phố Hà Nội", "Sở Y tế"]
    monkeypatch.setattr(svc, "_fast_rollup", lambda: False)
    assert by_name(svc.compliance_table(user, dataset["syt"].id, day=DAY)) == rows
    monkeypatch.setitem(app.config, "COMPLETENESS_THRESHOLD", 80)
    assert by_name(svc.compliance_table(user, dataset["syt"].id, day=DAY))["Phòng Tổ chức cán bộ"][1] == 4


def test_sorting_is_done_by_the_statement(app, demo, dataset):
    """``?sort=``: any column, ascending or descending (``-``), ties by name, empty shares last."""
    user = account(demo, "sonoivu.chuyenvien")
    names = lambda sort: [r.name for r in svc.compliance_table(user, sort=sort, day=DAY).rows]  # noqa: E731
    assert names("-overdue")[:2] == ["Sở Tư pháp", "Sở Y tế"]
    assert names("-people")[:2] == ["Sở Y tế", "Sở Tư pháp"]
    assert names("complete_pct")[:2] == ["Sở Y tế", "Sở Tư pháp"]  # 71.4 % then 100 %, the rest (none) after
    assert names("-on_time_pct")[:2] == ["Sở Y tế", "Sở Tư pháp"]  # 75 % then 0 %
    assert names("name") == sorted(names("name")) and names("-name") == names("name")[::-1]
    table = svc.compliance_table(user, sort="bogus", day=DAY)
    assert (table.sort, table.descending) == ("name", False)


def test_one_grouped_statement_per_table(app, demo, dataset):
    """design.md §7: the table is one statement whatever the number of units (no per-unit queries)."""
    db = demo
    user = account(db, "sonoivu.chuyenvien")
    svc.compliance_table(user, day=DAY)  # the user's grants are cached for the request
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        svc.compliance_table(user, day=DAY)
        top = len([s for s in statements if "unit_stats" in s])
        assert top == 1 and len(statements) <= 3, statements
        statements.clear()
        svc.compliance_table(user, dataset["syt"].id, day=DAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The grouped statement, plus at most the parent unit and the names of its ancestors (breadcrumbs).
    assert len(statements) <= 3, statements
    assert len([s for s in statements if "unit_stats" in s]) == 1
    assert not [s for s in statements if "unit_stats" not in s and ("person" in s or "approval_step" in s)]


def test_scope_an_agency_sees_only_its_units(app, demo, dataset):
    """HN-8.2: the head of Sở Y tế sees Sở Y tế (and below), not Sở Tư pháp; another agency's unit is not
    found; the page is refused to roles without the report (self-service, agency account administrator)."""
    db = demo
    head = account(db, "syt.thutruong")
    table = svc.compliance_table(head, day=DAY)
    assert by_name(table) == {"Sở Y tế": (7, 5, 4, 4, 3, 2, 1)} and table.parent is None
    with pytest.raises(NotFoundError):
        svc.compliance_table(head, dataset["stp"].id, day=DAY)
    assert by_name(svc.compliance_table(head, dataset["bv"].id, day=DAY)) == {"Khoa Cấp cứu": (2, 1, 2, 1, 1, 1, 0)}

    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, "syt.thutruong").status_code == 302
    page = client.get("/compliance/?sort=-people").get_data(as_text=True)
    assert "Sở Y tế" in page and "Sở Tư pháp" not in page
    assert client.get(f"/compliance/?unit={dataset['stp'].id}").status_code == 404
    assert client.get("/compliance/?unit=abc").status_code == 404
    for username in ("annv.syt", "syt.quantri"):
        other = IsolatedClient(app, app.response_class, use_cookies=True)
        assert login(other, username).status_code == 302
        assert other.get("/compliance/").status_code == 403, username


def test_page_shows_the_figures_sorted_with_drill_down_links(app, demo, dataset, monkeypatch):
    """The page of Sở Nội vụ: sortable headers, the figures, a drill-down link per unit, the total row."""
    from app import workflow

    monkeypatch.setattr(workflow, "local_today", lambda: DAY)
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, "sonoivu.chuyenvien").status_code == 302
    page = client.get("/compliance/?sort=-overdue").get_data(as_text=True)
    order = re.findall(r'<tr class="compliance-row[^"]*" data-unit="(\d+)"', page)
    assert [int(x) for x in order[:2]] == [dataset["stp"].id, dataset["syt"].id]
    assert 'id="sorted-by" data-sort="-overdue"' in page
    syt_row = page[page.index(f'data-unit="{dataset["syt"].id}"'):]
    syt_row = syt_row[:syt_row.index("</tr>")]
    assert f'/compliance/?unit={dataset["syt"].id}' in syt_row.replace("&amp;", "&")
    assert "71,4&nbsp;%" in syt_row and "75,0&nbsp;%" in syt_row  # decimal comma (issue 15 item 4)
    assert re.search(r'col-overdue[^"]*">1<', syt_row) and re.search(r'col-people">7<', syt_row)
    total = page[page.index('id="compliance-total"'):]
    assert re.search(r'col-people">10<', total) and re.search(r'col-overdue[^"]*">2<', total)
    drill = client.get(f"/compliance/?unit={dataset['syt'].id}").get_data(as_text=True)
    assert "Bệnh viện Thanh Nhàn" in drill and "Sở Y tế (trực thuộc trực tiếp)" in drill
    assert 'id="compliance-trail"' in drill
