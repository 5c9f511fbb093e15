"""Issue 17, item 5: the dashboard's figures against hand-written SQL on the demo city, in each role's scope.

Headcounts by category, sex, age band, qualification and ngạch group; people in force at each of the last 12
months' ends (the approximation of ``app/services/reports/dashboard.py``, written again here in plain SQL); overdue
work; the page's accessible tables carry the same figures; heads and report viewers land on it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from app.services.reports import dashboard as svc
from app.workflow import local_today
from models.accounts import Account
from tests.clients import body, client_for

ACTIVE = "('active', 'suspended')"
SCOPE = "JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :prefix"

HEADCOUNT_SQL = {
    "category": "p.category",
    "gender": "coalesce(p.gender, '_none')",
    "qualification": "coalesce(p.highest_qualification, '_none')",
    "age": """CASE WHEN p.birth_date IS NULL THEN '_none'
                   WHEN date_part('year', age(:day, p.birth_date)) <= 30 THEN 'le30'
                   WHEN date_part('year', age(:day, p.birth_date)) <= 40 THEN '31_40'
                   WHEN date_part('year', age(:day, p.birth_date)) <= 50 THEN '41_50'
                   WHEN date_part('year', age(:day, p.birth_date)) <= 60 THEN '51_60'
                   ELSE 'gt60' END""",
    "rank_group": """CASE WHEN p.rank_code IS NULL THEN '_none'
                          ELSE coalesce((SELECT c.extra->>'equiv' FROM code_item c
                                         WHERE c.kind = 'rank' AND c.code = p.rank_code
                                           AND (c.valid_from IS NULL OR c.valid_from <= :day)
                                           AND (c.valid_to IS NULL OR c.valid_to >= :day)
                                           AND c.extra->>'equiv' IN ('CVCC', 'CVC', 'CV', 'CS', 'NV')
                                         LIMIT 1), '_other') END""",
}

TREND_SQL = f"""
WITH ends AS (
  SELECT least(CAST(:day AS date), (date_trunc('month', CAST(:day AS date)) - make_interval(months => k)
               + interval '1 month - 1 day')::date) AS e
  FROM generate_series(0, 11) AS k)
SELECT ends.e, count(x.id) FROM ends LEFT JOIN (
  SELECT p.id, coalesce(p.recruited_on, p.decision_date, p.joined_agency_on) AS started, p.status, p.status_since
  FROM person p {SCOPE}) x
  ON (x.started IS NULL OR x.started <= ends.e)
 AND (x.status IN {ACTIVE} OR (x.status NOT IN {ACTIVE} AND x.status_since > ends.e))
GROUP BY ends.e ORDER BY ends.e
"""

OVERDUE_SQL = f"""
SELECT count(*) FILTER (WHERE s.status = 'pending'),
       count(*) FILTER (WHERE s.status = 'pending' AND s.due_date < :day)
FROM approval_step s JOIN change_set cs ON cs.id = s.change_set_id JOIN person p ON p.id = cs.person_id {SCOPE}
"""


def prefix_of(db, username: str) -> str:
    """The subtree the demo role reads: the unit of its assignment (city roles: the root's)."""
    return db.session.execute(text(
        "SELECT u.path FROM role_assignment a JOIN ab_user x ON x.id = a.user_id JOIN org_unit u ON u.id = "
        "a.org_unit_id WHERE x.username = :name ORDER BY a.id LIMIT 1"), {"name": username}).scalar() + "%"


def hand_headcounts(db, prefix: str, day: date) -> dict[str, dict[str, int]]:
    out = {}
    for dim, expr in HEADCOUNT_SQL.items():
        rows = db.session.execute(text(f"SELECT {expr} AS k, count(*) FROM person p {SCOPE} "  # noqa: S608
                                       f"AND p.status IN {ACTIVE} GROUP BY 1"), {"prefix": prefix, "day": day})
        out[dim] = {k: n for k, n in rows}
    return out


def service_headcounts(board) -> dict[str, dict[str, int]]:
    return {dim: {s.key: s.count for s in slices} for dim, slices in board.breakdowns.items()}


@pytest.fixture()
def history(demo_people, unit_by_name):
    """Movement inside the 12 months, in Sở Y tế's subtree: a recent recruit, a retirement five months ago, an
    archived file without a date, and an overdue approval step."""
    db = demo_people
    day = local_today()
    ids = [r[0] for r in db.session.execute(text(
        "SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :prefix "
        "AND p.status = 'active' ORDER BY p.id LIMIT 3"), {"prefix": unit_by_name("Sở Y tế").path + "%"})]
    db.session.execute(text("UPDATE person SET recruited_on = :d WHERE id = :id"),
                       {"d": day - timedelta(days=62), "id": ids[0]})
    db.session.execute(text("UPDATE person SET status = 'retired', status_since = :d WHERE id = :id"),
                       {"d": day - timedelta(days=150), "id": ids[1]})
    db.session.execute(text("UPDATE person SET status = 'resigned', status_since = NULL WHERE id = :id"),
                       {"id": ids[2]})
    step = db.session.execute(text("SELECT s.id FROM approval_step s WHERE s.status = 'pending' ORDER BY s.id "
                                   "LIMIT 1")).scalar()
    if step is not None:
        db.session.execute(text("UPDATE approval_step SET due_date = :d WHERE id = :id"),
                           {"d": day - timedelta(days=3), "id": step})
    db.session.commit()
    return db


@pytest.mark.parametrize("username", ["xem.baocao", "sonoivu.chuyenvien", "syt.thutruong"])
def test_figures_equal_hand_written_sql_in_each_scope(app, history, username):
    """Every headcount, the 12-month trend and the overdue work equal the hand-written SQL of the role's scope."""
    db = history
    day = local_today()
    user = db.session.scalar(select(Account).where(Account.username == username))
    prefix = prefix_of(db, username)
    board = svc.dashboard(user, day)
    expected = hand_headcounts(db, prefix, day)
    assert service_headcounts(board) == expected
    assert board.total == sum(expected["category"].values()) > 0
    trend = db.session.execute(text(TREND_SQL), {"prefix": prefix, "day": day}).all()
    assert board.trend == [(e, n) for e, n in trend]
    assert board.trend[-1] == (day, board.total)
    pending, overdue = db.session.execute(text(OVERDUE_SQL), {"prefix": prefix, "day": day}).one()
    assert (board.work.pending, board.work.overdue) == (pending, overdue)
    assert board.work.people == board.total  # the compliance page counts the same people


def test_the_trend_follows_recruitment_and_leaving(app, history):
    """The recent recruit counts only from the month they started; the retired person until the month before
    they left; the archived file without a date in no month."""
    db = history
    day = local_today()
    user = db.session.scalar(select(Account).where(Account.username == "xem.baocao"))
    counts = [n for _e, n in svc.dashboard(user, day).trend]
    assert len(counts) == 12 and len(set(counts)) > 1
    ends = svc.month_ends(day)
    assert ends[-1] == day and all(a < b for a, b in zip(ends, ends[1:], strict=False))
    recruited, left = day - timedelta(days=62), day - timedelta(days=150)
    base = counts[-1]
    for end, n in zip(ends, counts, strict=True):
        assert n == base + (end < left) - (end < recruited), (end, n)


def test_a_unit_scope_sees_only_its_subtree(app, history, unit_by_name):
    """A report viewer of Sở Y tế: no figure from elsewhere (the city's total is larger)."""
    db = history
    viewer = db.session.scalar(select(Account).where(Account.username == "xem.baocao"))
    city = db.session.scalar(select(Account).where(Account.username == "sonoivu.chuyenvien"))
    assert svc.dashboard(viewer).total < svc.dashboard(city).total


def test_the_page_shows_the_figures_in_its_tables(app, history):
    """The page: one chart (canvas) per breakdown and the trend, each over a table with the service's figures;
    Chart.js and the page's script come from the app with the CSP nonce; the view is in the access log."""
    db = history
    user = db.session.scalar(select(Account).where(Account.username == "xem.baocao"))
    board = svc.dashboard(user)
    page = body(client_for(app, "xem.baocao").get("/dashboard/"))
    for dim, slices in board.breakdowns.items():
        assert f'<canvas id="chart-{dim}"' in page
        table = page[page.index(f'id="table-{dim}"'):]
        table = table[:table.index("</table>")]
        assert dict(re.findall(r'data-key="([^"]+)" data-value="(\d+)"', table)) == {
            s.key: str(s.count) for s in slices}
    trend = page[page.index('id="table-trend"'):]
    trend = trend[:trend.index("</table>")]
    assert [int(v) for v in re.findall(r'data-value="(\d+)"', trend)] == [n for _e, n in board.trend]
    assert re.search(r'<script src="/static/vendor/chartjs/chart\.umd\.min\.js" nonce="[^"]+">', page)
    assert re.search(r'<script src="/static/js/charts\.js" nonce="[^"]+">', page)
    assert f'id="figure-total">{board.total}<' in page
    assert db.session.execute(text("SELECT count(*) FROM access_log WHERE event = 'dashboard'")).scalar() >= 1


def test_who_may_open_it(app, demo):
    """Report viewers, heads, Sở Nội vụ and officers open it; staff do not."""
    for username in ("xem.baocao", "syt.thutruong", "sonoivu.chuyenvien", "sonoivu.giamdoc", "syt.tccb"):
        assert client_for(app, username).get("/dashboard/").status_code == 200, username
    assert client_for(app, "annv.syt").get("/dashboard/").status_code == 403
