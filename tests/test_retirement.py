"""Retirements coming (issue 16 item 4): the retirement ages of NĐ 135/2020/NĐ-CP as data, checked against the
rows of its Phụ lục II; partial birth dates; the "Sắp nghỉ hưu" list of the demo city — only people in scope,
sorted by date, the right dates, the count per unit; bad input that changes nothing.
"""

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select, text

from app.security import scope
from app.services.errors import NotFoundError, ValidationError
from app.services.personnel.people import ACTIVE_STATUSES
from app.services.transfers import retirement as ret
from models.org_units import OrgUnit, Subtree
from models.personnel import Person
from tests.clients import client_for
from tests.factories import account, login, person_for

#: A fixed "today" for the lists: the window is [15/09/2026, 15/09/2028) with 24 months.
TODAY = date(2026, 9, 15)


# --------------------------------------------------------------------------- the decree's table


#: Rows of Phụ lục II of NĐ 135/2020/NĐ-CP ("Bảng đối chiếu tháng, năm sinh của người lao động tương ứng với tuổi
#: nghỉ hưu"): sex, month/year of birth, retirement age (years, months), month/year the pension starts.
PHU_LUC_II = [
    ("nam", (1, 1961), (60, 3), (5, 2021)),
    ("nam", (9, 1961), (60, 3), (1, 2022)),
    ("nam", (10, 1961), (60, 6), (5, 2022)),
    ("nam", (6, 1962), (60, 6), (1, 2023)),
    ("nam", (7, 1962), (60, 9), (5, 2023)),
    ("nam", (3, 1963), (60, 9), (1, 2024)),
    ("nam", (4, 1963), (61, 0), (5, 2024)),
    ("nam", (12, 1963), (61, 0), (1, 2025)),
    ("nam", (10, 1964), (61, 6), (5, 2026)),
    ("nam", (3, 1966), (61, 9), (1, 2028)),
    ("nam", (4, 1966), (62, 0), (5, 2028)),
    ("nam", (7, 1970), (62, 0), (8, 2032)),
    ("nu", (1, 1966), (55, 4), (6, 2021)),
    ("nu", (8, 1966), (55, 4), (1, 2022)),
    ("nu", (9, 1966), (55, 8), (6, 2022)),
    ("nu", (5, 1967), (56, 0), (6, 2023)),
    ("nu", (12, 1969), (57, 0), (1, 2027)),
    ("nu", (1, 1975), (59, 8), (10, 2034)),
    ("nu", (4, 1975), (59, 8), (1, 2035)),
    ("nu", (5, 1975), (60, 0), (6, 2035)),
    ("nu", (3, 1980), (60, 0), (4, 2040)),
]


@pytest.mark.parametrize(("sex", "born", "age", "pension"), PHU_LUC_II, ids=lambda v: str(v))
def test_rows_of_the_decree(sex, born, age, pension):
    """NĐ135-4: the age and the month the pension starts of each birth month, as Phụ lục II of NĐ 135/2020
    lists them — the age in force in the year the person reaches it (Điều 4, Phụ lục I), the retirement moment
    the end of the last day of that month and the pension from the first day of the next (Điều 3)."""
    found = ret.retirement_of(date(born[1], born[0], 1), sex)
    assert found.age == age
    assert found.starts_on == date(pension[1], pension[0], 1)
    assert ret.retirement_date(date(born[1], born[0], 1), sex) == found.starts_on
    last = found.last_day
    assert (last.year, last.month) == ((pension[1], pension[0] - 1) if pension[0] > 1 else (pension[1] - 1, 12))
    assert date.fromordinal(last.toordinal() + 1) == found.starts_on  # the last day of its month


def test_the_table_is_the_decree_schedule():
    """NĐ135-4: Điều 4 khoản 1 in words — 60 years 3 months (men) and 55 years 4 months (women) from 2021, then
    3 (men) and 4 (women) more months a year until 62 in 2028 and 60 in 2035 — is what the table holds, and the
    last age holds ever after; before 2021 the former 60/55."""
    for year in range(2021, 2040):
        men = min(60 * 12 + 3 + 3 * (year - 2021), 62 * 12)
        women = min(55 * 12 + 4 + 4 * (year - 2021), 60 * 12)
        assert ret.age_in_year("nam", year) == men, year
        assert ret.age_in_year("nu", year) == women, year
    assert ret.age_in_year("nam", 2028) == 62 * 12 and ret.age_in_year("nam", 2027) == 61 * 12 + 9
    assert ret.age_in_year("nu", 2035) == 60 * 12 and ret.age_in_year("nu", 2034) == 59 * 12 + 8
    assert ret.age_in_year("nam", 2010) == 60 * 12 and ret.age_in_year("nu", 2020) == 55 * 12
    # a man who reached 60 before 2021 retired at 60 (the law before the decree)
    assert ret.retirement_of(date(1955, 7, 20), "nam").starts_on == date(2015, 8, 1)


def test_partial_and_missing_birth_dates():
    """NĐ135-4 (Điều 3 khoản 3): a birth date known only to the year counts as 01/01 of that year, whatever day
    is stored; known to the month, the day does not matter; no birth date or no sex, no date."""
    assert ret.retirement_date(date(1966, 1, 1), "nam", "year") == date(2027, 11, 1)
    assert ret.retirement_date(date(1966, 8, 20), "nam", "year") == date(2027, 11, 1)
    assert ret.retirement_date(date(1966, 8, 20), "nam", "day") == date(2028, 9, 1)
    assert ret.retirement_of(date(1970, 6, 1), "nu", "month") == ret.retirement_of(date(1970, 6, 30), "nu", "day")
    assert ret.retirement_date(date(1970, 6, 1), "nu", "month") == date(2027, 11, 1)
    assert ret.retirement_date(None, "nam") is None
    assert ret.retirement_date(date(1966, 1, 1), None) is None
    assert ret.retirement_date(date(1966, 1, 1), "khac") is None


def test_birth_windows_match_every_birth_month():
    """The window of birth months the list filters on is exactly the set of months whose retirement date falls
    in the period, for many periods and both sexes; the date grows strictly with the birth month."""
    for sex in ("nam", "nu"):
        dates = [ret.retirement_date(date(y, m, 1), sex) for y in range(1950, 1990) for m in range(1, 13)]
        assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
        for start in (date(2020, 12, 31), date(2021, 1, 1), date(2022, 2, 14), TODAY, date(2028, 5, 1),
                      date(2034, 11, 30)):
            for months in (1, 3, 6, 12, 24):
                end = ret.add_months(start, months)
                expected = [(date(y, m, 1), ret.retirement_date(date(y, m, 1), sex))
                            for y in range(1945, 1990) for m in range(1, 13)
                            if start <= ret.retirement_date(date(y, m, 1), sex) < end]
                assert ret.birth_month_schedule(sex, start, end) == expected, (sex, start, months)
    # months without anyone retiring exist (a man born 09/1961 retires 01/2022, one born 10/1961 05/2022)
    assert ret.birth_month_schedule("nam", date(2022, 2, 1), date(2022, 5, 1)) == []


# --------------------------------------------------------------------------- the list


@pytest.fixture()
def city(demo_people, unit_by_name, monkeypatch):
    """The demo city on TODAY, plus files with partial birth dates inside Sở Y tế, one outside it (Sở Tư pháp) and
    one archived, all retiring in the next 24 months."""
    db = demo_people
    monkeypatch.setattr(scope, "today", lambda: TODAY)
    inside = unit_by_name("Khoa Cấp cứu")
    extra = {
        "year": person_for(db, inside, name="Trần Văn Hưu", cccd="001066001234", born="1966", officer="sonoivu.admin"),
        "month": person_for(db, inside, name="Phạm Thị Lan", cccd="001170001234", born="06/1970", gender="nu",
                            officer="sonoivu.admin"),
        "outside": person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Lò Văn Ngoaivi",
                              cccd="001066005678", born="03/1966", officer="sonoivu.admin"),
        "archived": person_for(db, inside, name="Đỗ Văn Đãnghỉ", cccd="001066009876", born="02/1966",
                               officer="sonoivu.admin"),
    }
    db.session.execute(text("UPDATE person SET status = 'retired' WHERE id = :i"), {"i": extra["archived"].id})
    db.session.commit()
    return db, extra


def expected_rows(db, root: OrgUnit, start: date, end: date) -> list[tuple[int, date]]:
    """Brute force: every active file under ``root``, its date computed one by one, in the period, sorted."""
    people = db.session.execute(
        select(Person.id, Person.gender, Person.birth_date, Person.birth_date_precision, Person.sort_key)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(Subtree.of(root).condition(), Person.status.in_(ACTIVE_STATUSES))).all()
    due = [(ret.retirement_date(p.birth_date, p.gender, p.birth_date_precision), p.sort_key, p.id) for p in people]
    return [(pid, when) for when, _key, pid in sorted(d for d in due if d[0] and start <= d[0] < end)]


def test_the_list_holds_the_scope_sorted_with_the_right_dates(city, unit_by_name):
    """syt.tccb sees exactly the active people of Sở Y tế's subtree who retire in the period, by date then name,
    with their dates, partial birth dates included; not the archived file, not Sở Tư pháp's; the counts per
    unit add up. Sở Nội vụ sees the whole city, Sở Tư pháp's person included."""
    db, extra = city
    officer = account(db, "syt.tccb")
    due = ret.retirements_due(officer, months=24)
    assert (due.start, due.end) == (TODAY, date(2028, 9, 15))
    rows = db.session.execute(due.rows).all()
    expected = expected_rows(db, unit_by_name("Sở Y tế"), due.start, due.end)
    assert len(expected) >= 3 and len({d for _i, d in expected}) >= 2
    assert [(r.id, r.retires_on) for r in rows] == expected
    dates = dict(expected)
    assert dates[extra["year"].id] == date(2027, 11, 1) and dates[extra["month"].id] == date(2027, 11, 1)
    assert extra["outside"].id not in dates and extra["archived"].id not in dates
    assert due.total == len(rows)
    assert {r.id: r.count for r in due.by_unit} == Counter(r.org_unit_id for r in rows)
    assert [r.count for r in due.by_unit] == sorted((r.count for r in due.by_unit), reverse=True)

    city_wide = ret.retirements_due(account(db, "sonoivu.chuyenvien"), months=24)
    city_rows = [(r.id, r.retires_on) for r in db.session.execute(city_wide.rows)]
    root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    assert city_rows == expected_rows(db, root, due.start, due.end)
    assert (extra["outside"].id, date(2028, 1, 1)) in city_rows and len(city_rows) >= len(rows) + 8

    # a shorter period is a prefix; a unit narrows to its subtree
    short = [(r.id, r.retires_on) for r in db.session.execute(ret.retirements_due(officer, months=6).rows)]
    assert short == [r for r in expected if r[1] < date(2027, 3, 15)]
    unit = unit_by_name("Khoa Cấp cứu")
    narrowed = [(r.id, r.retires_on) for r in db.session.execute(ret.retirements_due(officer, unit.id, 24).rows)]
    assert narrowed == expected_rows(db, unit, due.start, due.end) and extra["year"].id in dict(narrowed)


def test_the_page(city, client, unit_by_name):
    """The screen: rows in date order with the file's link, the birth date as entered, the sex, the unit, the
    retirement date dd/mm/yyyy with the age, the months left; the count per unit; nothing of Sở Tư pháp."""
    db, extra = city
    assert login(client, "syt.tccb").status_code == 302
    menu = client.get("/retirements/?months=24")
    assert menu.status_code == 200
    page = menu.get_data(as_text=True)
    assert "Sắp nghỉ hưu" in page and "Ngoaivi" not in page and "Đãnghỉ" not in page
    expected = expected_rows(db, unit_by_name("Sở Y tế"), TODAY, date(2028, 9, 15))
    shown = re.findall(r'<tr class="retirement-row" data-id="(\d+)" data-retires="([\d-]+)">', page)
    assert [(int(i), date.fromisoformat(d)) for i, d in shown] == expected[:50]
    row = re.search(rf'<tr class="retirement-row" data-id="{extra["year"].id}".*?</tr>', page, re.S).group(0)
    assert f'href="/people/{extra["year"].id}"' in row
    assert "Trần Văn Hưu" in row and ">1966<" in row and ">Nam<" in row and "Khoa Cấp cứu" in row
    assert "01/11/2027" in row and "61 tuổi 9 tháng" in row and "14 tháng" in row
    row = re.search(rf'<tr class="retirement-row" data-id="{extra["month"].id}".*?</tr>', page, re.S).group(0)
    assert ">06/1970<" in row and ">Nữ<" in row and "57 tuổi 4 tháng" in row
    assert 'id="retirements-by-unit"' in page and "Khoa Cấp cứu" in page
    assert f"{len(expected)} người" in page
    six = client.get("/retirements/?months=6").get_data(as_text=True)
    assert len(re.findall('class="retirement-row"', six)) == len([r for r in expected if r[1] < date(2027, 3, 15)])


def test_bad_input_changes_nothing(city, client, unit_by_name):
    """A unit that is not a number is a 400 with a Vietnamese message; a unit outside the reader's scope or of no
    unit a 404 in Vietnamese; a period not offered a 400; the service refuses the same; nothing is written."""
    db, extra = city

    def snapshot():
        db.session.expire_all()
        return db.session.execute(text("SELECT count(*), md5(string_agg(p::text, ',' ORDER BY p.id)) FROM person p")
                                  ).one()

    before = snapshot()
    assert login(client, "syt.tccb").status_code == 302
    outside = unit_by_name("Phòng Hành chính tư pháp")
    resp = client.get("/retirements/?unit_id=abc")
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Không tìm thấy đơn vị; bộ lọc này chưa được áp dụng." in body and "retirement-row" not in body
    for unit_id in (outside.id, 99999999, 99999999999999999999):
        resp = client.get(f"/retirements/?unit_id={unit_id}")
        assert resp.status_code == 404, unit_id
        assert "Không tìm thấy đơn vị trong phạm vi của bạn." in resp.get_data(as_text=True)
    for months in ("7", "abc", "-12"):
        resp = client.get(f"/retirements/?months={months}")
        assert resp.status_code == 400 and "retirement-row" not in resp.get_data(as_text=True), months
    officer = account(db, "syt.tccb")
    with pytest.raises(NotFoundError):
        ret.retirements_due(officer, outside.id)
    with pytest.raises(NotFoundError):
        ret.retirements_due(officer, "abc")
    for months in (0, 61, "x"):
        with pytest.raises(ValidationError):
            ret.retirements_due(officer, months=months)
    assert snapshot() == before


def test_no_permission_no_list(city, app):
    """Staff (own file only) and report viewers do not hold the moves' read permission: 403, and no menu link;
    the TCCB officer has the link "Sắp nghỉ hưu" under "Hồ sơ"."""
    for username in ("annv.syt", "xem.baocao"):
        c = client_for(app, username)
        assert c.get("/retirements/").status_code == 403
        home = c.get("/", follow_redirects=True)
        assert home.status_code == 200 and "navbar" in home.get_data(as_text=True)
        assert 'href="/retirements/"' not in home.get_data(as_text=True)
    home = client_for(app, "syt.tccb").get("/", follow_redirects=True).get_data(as_text=True)
    assert re.search(r'href="/retirements/">\s*<i[^>]*></i>&nbsp;\s*Sắp nghỉ hưu</a>', home)
