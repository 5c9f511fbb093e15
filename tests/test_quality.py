"""Data quality "Đúng – Đủ – Sạch – Sống" (issue 17 items 3–4; HN-21.3, HN-17.4, HN-17.5).

- The SQL form of the CCCD check agrees with ``checks.check_cccd`` on every demo file, before and after breaking some.
- Each rule, on demo files broken on purpose (one per rule, in Sở Giáo dục và Đào tạo), finds exactly the files a
  hand-written SQL statement finds, and the unit table counts them the same way; the ranking orders units by score.
- The register of data issues: report (the person and the unit's officer are told at once), resolve / reject by an
  officer of the unit only, one transaction each, audited; outside the scope a 404 and nothing changed; bad input
  a Vietnamese message and nothing written.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.services import data_issues as issues
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.personnel import checks
from app.services.reports import quality
from models.audit import ChangeLog
from models.data_quality import DataIssue
from models.notifications import Notification
from models.personnel import Person
from tests.clients import body, client_for, count
from tests.factories import account

DAY = date.today()


def _ids(db, sql: str, **params) -> set[int]:
    return set(db.session.execute(text(sql), {"day": DAY, **params}).scalars())


def _python_cccd_mismatch(person: Person) -> bool:
    """check_cccd's cross-checks only (the province digits replaced by a valid code)."""
    digits = checks.normalize_cccd(person.cccd or "")
    if len(digits) != 12:
        return False
    return bool(checks.check_cccd("001" + digits[3:], person.birth_date, person.gender))


def _sql_cccd_mismatch(db) -> set[int]:
    return set(db.session.scalars(select(Person.id).where(
        checks.cccd_mismatch_sql(Person.cccd_birth_digits, Person.birth_date, Person.gender))))


def test_cccd_rule_in_sql_agrees_with_python(demo_people):
    """Every demo file: the SQL form flags exactly the files whose CCCD check_cccd refuses (century/sex digit,
    year digits); then again after breaking the sex of one file and the birth year of another."""
    db = demo_people
    people = list(db.session.scalars(select(Person).where(Person.cccd.is_not(None)).order_by(Person.id)))
    assert len(people) > 150 and all(p.cccd_birth_digits for p in people)
    expected = {p.id for p in people if _python_cccd_mismatch(p)}
    assert _sql_cccd_mismatch(db) == expected
    clean = [p for p in people if p.id not in expected]
    clean[0].gender = "nu" if clean[0].gender == "nam" else "nam"
    clean[1].birth_date = clean[1].birth_date.replace(year=clean[1].birth_date.year - 1)
    clean[2].birth_date = clean[2].birth_date.replace(year=clean[2].birth_date.year + 100)
    db.session.commit()
    again = {p.id for p in people if _python_cccd_mismatch(p)}
    assert again == expected | {clean[0].id, clean[1].id, clean[2].id}
    assert _sql_cccd_mismatch(db) == again


#: Hand-written SQL of each rule: the ids of the files in force that fail it (``:day`` is today).
IN_FORCE = "p.status IN ('active', 'suspended')"
RULE_SQL = {
    "incomplete": f"SELECT id FROM person p WHERE {IN_FORCE} AND completeness < 100",
    "missing_work": f"SELECT id FROM person p WHERE {IN_FORCE} AND NOT EXISTS "
                    "(SELECT 1 FROM work_record w WHERE w.person_id = p.id)",
    "cccd_mismatch": f"""SELECT id FROM person p WHERE {IN_FORCE} AND cccd_birth_digits IS NOT NULL AND (
        (gender IN ('nam', 'nu') AND gender <> CASE WHEN substr(cccd_birth_digits, 1, 1)::int % 2 = 0
                                                    THEN 'nam' ELSE 'nu' END)
        OR (birth_date IS NOT NULL AND (
            extract(year FROM birth_date)::int / 100 - 19 <> substr(cccd_birth_digits, 1, 1)::int / 2
            OR substr(cccd_birth_digits, 2, 2) <> to_char(extract(year FROM birth_date)::int % 100, 'FM00'))))""",
    "dates_documents": f"SELECT id FROM person p WHERE {IN_FORCE} AND cccd_issued_on <= birth_date",
    "dates_background": f"SELECT id FROM person p WHERE {IN_FORCE} AND (birth_date > recruited_on "
                        "OR recruited_on > joined_agency_on)",
    "dates_political": f"SELECT id FROM person p WHERE {IN_FORCE} AND (party_joined_on > party_official_on "
                       "OR enlisted_on > discharged_on)",
    "salary_mismatch": f"""SELECT p.id FROM person p JOIN code_item r ON r.kind = 'rank' AND r.code = p.rank_code
        AND coalesce(r.valid_from, :day) <= :day AND coalesce(r.valid_to, :day) >= :day
        WHERE {IN_FORCE} AND p.salary_step IS NOT NULL AND r.extra->>'pay_group' IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM salary_step s WHERE s.pay_group = r.extra->>'pay_group' AND s.step = p.salary_step
          AND coalesce(s.valid_from, :day) <= :day AND coalesce(s.valid_to, :day) >= :day
          AND (p.salary_coefficient IS NULL OR s.coefficient = p.salary_coefficient))""",
    "missing_proof": f"""SELECT DISTINCT p.id FROM person p JOIN change_set c ON c.person_id = p.id
        LEFT JOIN attachment a ON a.change_set_id = c.id WHERE {IN_FORCE} AND c.status = 'approved'
        GROUP BY p.id, c.id HAVING count(a.id) = 0""",
    "open_issue": f"SELECT DISTINCT p.id FROM person p JOIN data_issue i ON i.person_id = p.id "
                  f"WHERE {IN_FORCE} AND i.status = 'open'",
    "codes_identity": f"""SELECT p.id FROM person p WHERE {IN_FORCE} AND (
        (p.ethnicity IS NOT NULL AND p.ethnicity NOT IN (SELECT code FROM code_item WHERE kind = 'ethnicity'
            AND coalesce(valid_from, :day) <= :day AND coalesce(valid_to, :day) >= :day))
        OR (p.religion IS NOT NULL AND p.religion NOT IN (SELECT code FROM code_item WHERE kind = 'religion'
            AND coalesce(valid_from, :day) <= :day AND coalesce(valid_to, :day) >= :day))
        OR (p.gender IS NOT NULL AND p.gender NOT IN (SELECT code FROM code_item WHERE kind = 'gender'
            AND coalesce(valid_from, :day) <= :day AND coalesce(valid_to, :day) >= :day))
        OR (p.hometown_province IS NOT NULL AND p.hometown_province NOT IN
            (SELECT code FROM code_item WHERE kind = 'province'))
        OR (p.birthplace_province IS NOT NULL AND p.birthplace_province NOT IN
            (SELECT code FROM code_item WHERE kind = 'province')))""",
    "duplicate_cccd": f"""SELECT p.id FROM person p JOIN person o ON o.cccd_index = p.cccd_index AND o.id <> p.id
        AND o.status IN ('active', 'suspended') WHERE {IN_FORCE}""",
    "probable_duplicate": f"""SELECT p.id FROM person p JOIN person o ON o.sort_key = p.sort_key
        AND o.birth_date = p.birth_date AND o.hometown_province IS NOT DISTINCT FROM p.hometown_province
        AND o.id <> p.id AND o.status IN ('active', 'suspended')
        AND (o.cccd_index IS NULL OR p.cccd_index IS NULL OR o.cccd_index <> p.cccd_index) WHERE {IN_FORCE}""",
    "late_update": f"""SELECT DISTINCT p.id FROM person p JOIN change_set c ON c.person_id = p.id
        WHERE {IN_FORCE} AND c.update_due >= :day - 365 AND (
          (c.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > c.update_due
          OR (c.submitted_at IS NULL AND c.update_due < :day))""",
}


@pytest.fixture()
def broken(demo_people, unit_by_name):
    """One file of Sở Giáo dục và Đào tạo's subtree broken for each rule of :data:`RULE_SQL`; rule -> person id."""
    db = demo_people
    stp = unit_by_name("Sở Giáo dục và Đào tạo")
    people = list(db.session.scalars(
        select(Person).join(Person.org_unit).where(text("org_unit.path LIKE :p"), Person.status == "active")
        .params(p=stp.path + "%").order_by(Person.id)))
    assert len(people) >= 16
    out = {}
    it = iter(people)

    def take(rule):
        person = next(it)
        out[rule] = person.id
        return person

    take("incomplete").completeness = 80
    p = take("missing_work")
    db.session.execute(text("DELETE FROM work_record WHERE person_id = :p"), {"p": p.id})
    p = take("cccd_mismatch")
    p.gender = "nu" if p.gender == "nam" else "nam"
    p = take("dates_documents")
    p.cccd_issued_on = p.birth_date
    p = take("dates_background")
    p.recruited_on = p.birth_date - timedelta(days=1)
    p = take("dates_political")
    p.enlisted_on, p.discharged_on = date(2001, 5, 1), date(2000, 5, 1)
    p = take("salary_mismatch")
    p.salary_coefficient = 9.99
    p = take("missing_proof")
    db.session.execute(text("INSERT INTO change_set (person_id, status, base_version_no, on_behalf, created_at, "
                            "updated_at, round) VALUES (:p, 'approved', 1, false, now(), now(), 1)"), {"p": p.id})
    p = take("codes_identity")
    p.ethnicity = "99"
    first, second = take("duplicate_cccd"), next(it)
    second.cccd_index = first.cccd_index
    a, b = take("probable_duplicate"), next(it)
    b.sort_key, b.birth_date, b.hometown_province = a.sort_key, a.birth_date, a.hometown_province
    p = take("late_update")
    db.session.execute(text("INSERT INTO change_set (person_id, status, base_version_no, on_behalf, created_at, "
                            "updated_at, round, update_due, submitted_at) VALUES (:p, 'submitted', 1, false, now(), "
                            "now(), 1, :due, :sub)"),
                       {"p": p.id, "due": DAY - timedelta(days=10), "sub": datetime.now(UTC) - timedelta(days=5)})
    db.session.commit()
    reporter = account(db, "sonoivu.chuyenvien")
    out["open_issue"] = next(it).id
    issues.report_issue(reporter, out["open_issue"], "identity.birth_date", "Ngày sinh khác giấy khai sinh.")
    return stp, out


def test_each_rule_finds_what_hand_written_sql_finds(app, broken):
    """Each broken file fails its rule; each rule's files (city-wide, and in the unit's list) are exactly those of
    the hand-written statement; the unit table counts them the same way."""
    from app.extensions import db

    stp, out = broken
    admin = account(db, "sonoivu.admin")
    subtree = _ids(db, "SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE :p "
                       "AND p.status IN ('active', 'suspended')", p=stp.path + "%")
    flags = quality.person_flags(None, DAY).subquery()
    for key, sql in RULE_SQL.items():
        expected = _ids(db, sql)
        assert out[key] in expected, key
        found = set(db.session.execute(select(flags.c.person_id).where(flags.c[key] == 1)).scalars())
        assert found == expected, key
        rows, more = quality.failing_people(admin, stp.id, key, limit=500, day=DAY)
        assert not more and {r.person_id for r in rows} == expected & subtree, key
        assert all(key in r.failed for r in rows)
    unit, summary = quality.unit_summary(admin, stp.id, day=DAY)
    for key, sql in RULE_SQL.items():
        assert summary.counts[key] == len(_ids(db, sql) & subtree), key
    assert summary.people == len(subtree)
    any_fail = set().union(*(_ids(db, sql) for sql in RULE_SQL.values()))
    demo_cccd = _ids(db, RULE_SQL["cccd_mismatch"])  # the city's other rules hold on the demo files
    assert summary.clean == len(subtree - any_fail - demo_cccd)
    assert summary.open_issues == 1
    # The unit page reads the same flags once for both: the same figures, the same failing people in order.
    page = quality.unit_page(admin, stp.id, limit=7, day=DAY)
    assert page.summary.counts == summary.counts and page.summary.criteria == summary.criteria
    assert (page.summary.people, page.summary.clean, page.summary.open_issues) == (
        summary.people, summary.clean, summary.open_issues)
    assert page.summary.has_children == summary.has_children
    for key in (None, "cccd_mismatch"):
        first, more = quality.failing_people(admin, stp.id, key, limit=7, day=DAY)
        page = quality.unit_page(admin, stp.id, key, limit=7, day=DAY)
        assert page.people == first and page.more == more, key
        second = quality.unit_page(admin, stp.id, key, offset=7, limit=7, day=DAY)
        assert second.people == quality.failing_people(admin, stp.id, key, offset=7, limit=7, day=DAY)[0], key

    table = quality.quality_table(admin, day=DAY)
    by_name = {r.name: r for r in table.rows}
    assert by_name["Sở Giáo dục và Đào tạo"].counts == summary.counts
    scores = [r.score for r in table.rows]
    assert scores == sorted(scores, reverse=True)
    assert table.rows[0].rank == 1 and by_name["Sở Giáo dục và Đào tạo"].rank == max(r.rank for r in table.rows)
    assert table.total.people == len(_ids(db, f"SELECT id FROM person p WHERE {IN_FORCE}"))


def test_quality_pages(app, broken):
    """The ranking page, a unit's page with its links to fix (the section's edit form), one rule kept, and the
    figures outside the reader's scope: 404."""
    from app.extensions import db

    stp, out = broken
    snv = client_for(app, "sonoivu.chuyenvien")
    page = body(snv.get("/reports/quality/"))
    assert "Chất lượng dữ liệu theo đơn vị" in page and "Sở Giáo dục và Đào tạo" in page
    assert 'id="quality-total"' in page
    page = body(snv.get(f"/reports/quality/unit/{stp.id}?rule=salary_mismatch"))
    assert f'data-person="{out["salary_mismatch"]}"' in page
    assert f'/people/{out["salary_mismatch"]}/edit/salary' in page and "Hệ số lương không khớp" in page
    assert f'data-person="{out["incomplete"]}"' not in page
    page = body(snv.get(f"/reports/quality/unit/{stp.id}"))
    assert f'/people/{out["missing_work"]}/edit/work' in page
    assert snv.get(f"/reports/quality/unit/{stp.id}?rule=khong_co").status_code == 400
    assert snv.get("/reports/quality/?unit=abc").status_code == 404
    viewer = client_for(app, "xem.baocao")  # Sở Y tế only
    assert viewer.get(f"/reports/quality/unit/{stp.id}").status_code == 404
    assert viewer.get(f"/reports/quality/?unit={stp.id}").status_code == 404
    page = body(viewer.get("/reports/quality/"))
    assert "Sở Giáo dục và Đào tạo" not in page
    assert db.session.scalar(text("SELECT count(*) FROM access_log WHERE object_type = 'DataQuality'")) >= 3


def _person_with_account(db, username="annv.syt") -> Person:
    return db.session.scalar(select(Person).where(Person.account_id == account(db, username).id))


def test_register_flow_with_notifications(app, demo_people, unit_by_name):
    """A Sở Nội vụ officer reports an item of a file through the form; the person and the unit's TCCB officer are
    told at once (not the reporter, not the head); the head may not close it; the officer resolves it (the reporter is
    told); a second close is refused; every write is in the change log."""
    db = demo_people
    person = _person_with_account(db)
    tccb, head, snv_user = (account(db, u) for u in ("syt.tccb", "syt.thutruong", "sonoivu.chuyenvien"))
    snv = client_for(app, "sonoivu.chuyenvien")
    page = body(snv.get(f"/people/{person.id}"))
    assert f"/data-issues/new/{person.id}" in page and "Báo dữ liệu chưa đúng" in page
    assert snv.get(f"/data-issues/new/{person.id}").status_code == 200
    resp = snv.post(f"/data-issues/new/{person.id}", data={
        "item": "documents.cccd_issued_on", "description": "Ngày cấp CCCD khác bản sao đã nộp."})
    assert resp.status_code == 302
    issue = db.session.scalar(select(DataIssue).where(DataIssue.person_id == person.id))
    assert (issue.status, issue.section, issue.field, issue.reported_by_id) == (
        "open", "documents", "cccd_issued_on", snv_user.id)
    told = dict(db.session.execute(select(Notification.user_id, Notification.title).where(
        Notification.kind == "data_issue", Notification.object_id == issue.id)).all())
    assert person.account_id in told and tccb.id in told
    assert snv_user.id not in told and head.id not in told
    assert "Ngày cấp CCCD" in db.session.scalar(select(Notification.body).where(
        Notification.user_id == tccb.id, Notification.kind == "data_issue"))
    assert count(db, ChangeLog, ChangeLog.object_type == "DataIssue", ChangeLog.object_id == str(issue.id)) == 1

    # the list: open issues in scope; the head sees it but has no buttons, and may not close it
    officer = client_for(app, "syt.tccb")
    page = body(officer.get("/data-issues/"))
    assert f'data-issue="{issue.id}"' in page and f'id="resolve-{issue.id}"' in page
    boss = client_for(app, "syt.thutruong")
    page = body(boss.get("/data-issues/"))
    assert f'data-issue="{issue.id}"' in page and f'id="resolve-{issue.id}"' not in page
    assert boss.post(f"/data-issues/{issue.id}/resolve",
                     data={f"resolve{issue.id}-resolution": "Đã sửa theo bản gốc."}).status_code == 403
    with pytest.raises(ForbiddenError):
        issues.resolve_issue(head, issue.id, "Đã sửa theo bản gốc.")
    db.session.expire_all()
    assert db.session.get(DataIssue, issue.id).status == "open"

    # bad input: a resolution too short → the list again with the message, nothing changed
    resp = officer.post(f"/data-issues/{issue.id}/resolve", data={f"resolve{issue.id}-resolution": "ok"})
    assert resp.status_code == 400 and "Kết quả xử lý phải có ít nhất 10 ký tự." in body(resp)
    db.session.expire_all()
    assert db.session.get(DataIssue, issue.id).status == "open"
    resp = officer.post(f"/data-issues/{issue.id}/resolve",
                        data={f"resolve{issue.id}-resolution": "Đã đối chiếu bản gốc và sửa ngày cấp."})
    assert resp.status_code == 302
    db.session.expire_all()
    closed = db.session.get(DataIssue, issue.id)
    assert (closed.status, closed.resolved_by_id) == ("resolved", tccb.id)
    assert closed.resolution == "Đã đối chiếu bản gốc và sửa ngày cấp."
    assert count(db, ChangeLog, ChangeLog.object_type == "DataIssue", ChangeLog.object_id == str(issue.id)) == 2
    assert count(db, Notification, Notification.kind == "data_issue_closed", Notification.user_id == snv_user.id) == 1
    assert officer.post(f"/data-issues/{issue.id}/reject",
                        data={f"reject{issue.id}-resolution": "Dữ liệu đã đúng từ trước."}).status_code == 409
    assert "Đã xử lý" in body(officer.get("/data-issues/?status=resolved"))
    assert f'data-issue="{issue.id}"' not in body(officer.get("/data-issues/"))
    # a rejection
    second = issues.report_issue(snv_user, person.id, "identity", "Quê quán ghi chưa đúng tên xã.")
    issues.reject_issue(tccb, second.id, "Quê quán đúng theo giấy khai sinh.")
    db.session.expire_all()
    assert db.session.get(DataIssue, second.id).status == "rejected"


def test_register_scope_and_bad_input(app, demo_people, unit_by_name):
    """Outside the scope: the form, the report and the closing are 404 and write nothing; the list shows no issue
    of another agency; bad input is refused with Vietnamese messages and nothing is written."""
    db = demo_people
    snv_user, tccb = account(db, "sonoivu.chuyenvien"), account(db, "syt.tccb")
    stp = unit_by_name("Sở Tư pháp")
    outside = db.session.scalar(select(Person).join(Person.org_unit).where(
        text("org_unit.path LIKE :p")).params(p=stp.path + "%").limit(1))
    inside = _person_with_account(db)
    foreign = issues.report_issue(snv_user, outside.id, "salary.salary_step", "Bậc lương chưa đúng quyết định.")
    before = count(db, DataIssue), count(db, Notification)
    officer = client_for(app, "syt.tccb")
    assert officer.get(f"/data-issues/new/{outside.id}").status_code == 404
    assert officer.post(f"/data-issues/new/{outside.id}", data={
        "item": "identity", "description": "Nội dung đủ dài để gửi đi."}).status_code == 404
    assert officer.post(f"/data-issues/{foreign.id}/resolve",
                        data={f"resolve{foreign.id}-resolution": "Đã sửa xong hồ sơ."}).status_code == 404
    assert officer.post(f"/data-issues/{foreign.id}/reject",
                        data={f"reject{foreign.id}-resolution": "Đã sửa xong hồ sơ."}).status_code == 404
    assert f'data-issue="{foreign.id}"' not in body(officer.get("/data-issues/"))
    with pytest.raises(NotFoundError):
        issues.report_issue(tccb, outside.id, "identity", "Nội dung đủ dài để gửi đi.")
    with pytest.raises(NotFoundError):
        issues.resolve_issue(tccb, foreign.id, "Đã sửa xong hồ sơ.")
    db.session.expire_all()
    assert (count(db, DataIssue), count(db, Notification)) == before
    assert db.session.get(DataIssue, foreign.id).status == "open"
    # a person without the register's permission
    with pytest.raises(ForbiddenError):
        issues.report_issue(account(db, "annv.syt"), inside.id, "identity", "Nội dung đủ dài để gửi đi.")
    assert client_for(app, "annv.syt").get(f"/data-issues/new/{inside.id}").status_code == 403

    # bad input
    for data, field_message in (
            ({"item": "", "description": "Nội dung đủ dài để gửi đi."}, "Hãy chọn mục của sơ yếu lý lịch"),
            ({"item": "identity.khong_co", "description": "Nội dung đủ dài để gửi đi."}, "Hãy chọn mục"),
            ({"item": "photo", "description": "Nội dung đủ dài để gửi đi."}, "Hãy chọn mục"),
            ({"item": "identity", "description": "ngắn"}, "Nội dung phản ánh phải có ít nhất 10 ký tự."),
            ({"item": "identity", "description": "x" * 2001}, "không được dài quá 2000 ký tự"),
            ({"item": "identity"}, "Nội dung phản ánh phải có ít nhất 10 ký tự.")):
        resp = officer.post(f"/data-issues/new/{inside.id}", data=data)
        assert resp.status_code == 400 and field_message in body(resp), data
    with pytest.raises(ValidationError) as exc:
        issues.report_issue(tccb, inside.id, "nope", "")
    assert set(exc.value.errors) == {"item", "description"}
    assert officer.get("/data-issues/?status=khong_co").status_code == 400
    assert officer.get("/data-issues/?offset=-1").status_code == 400
    db.session.expire_all()
    assert (count(db, DataIssue), count(db, Notification)) == before


def test_figures_kept_for_a_few_minutes_per_scope(app, demo_people, unit_by_name, monkeypatch):
    """Issue 20 (the month-end peak): with ``QUALITY_CACHE_SECONDS`` the figures of a scope are worked out once
    and served from Redis to every user with the same read grants until they expire — a change meanwhile shows
    only after that, and the page says when they were worked out; a user with other grants gets figures of their
    own (never another scope's); with 0 every page works them out again."""
    from redis import Redis

    db = demo_people
    redis = Redis.from_url(app.config["REDIS_URL"])
    for key in redis.scan_iter("cbccvc:quality:*"):
        redis.delete(key)
    monkeypatch.setitem(app.config, "QUALITY_CACHE_SECONDS", 300)
    calls = []
    real = quality._table
    monkeypatch.setattr(quality, "_table", lambda *a: calls.append(a) or real(*a))
    snv = account(db, "sonoivu.chuyenvien")
    with app.test_request_context():
        first = quality.quality_table(snv)
        again = quality.quality_table(snv)
        assert len(calls) == 1 and first.computed_at is not None and again.computed_at == first.computed_at
        assert [(r.unit_id, r.people, r.clean, r.counts, r.rank) for r in again.rows] == [
            (r.unit_id, r.people, r.clean, r.counts, r.rank) for r in first.rows]
        assert again.total.people == first.total.people and again.total.name == first.total.name
        viewer = account(db, "xem.baocao")  # Sở Y tế only: other grants, other figures
        own = quality.quality_table(viewer)
        assert len(calls) == 2 and {r.name for r in own.rows} != {r.name for r in first.rows}
        # A file leaves the figures meanwhile: seen once the kept figures expire (here: cache off).
        person = db.session.scalar(select(Person).where(Person.status == "active").order_by(Person.id))
        person.status = "retired"
        db.session.commit()
        assert quality.quality_table(snv).total.people == first.total.people
        monkeypatch.setitem(app.config, "QUALITY_CACHE_SECONDS", 0)
        fresh = quality.quality_table(snv)
        assert fresh.total.people == first.total.people - 1 and fresh.computed_at is None
    monkeypatch.setitem(app.config, "QUALITY_CACHE_SECONDS", 300)
    page = body(client_for(app, "sonoivu.chuyenvien").get("/reports/quality/"))
    assert 'id="quality-computed"' in page and "tính lại sau mỗi 5 phút" in page
    for key in redis.scan_iter("cbccvc:quality:*"):
        redis.delete(key)


@pytest.fixture()
def kept_figures_on(app, monkeypatch):
    """Figures kept 5 minutes in this worker's Redis, emptied before and after; yields (redis, the calls of the
    one aggregate ``quality._table``)."""
    from redis import Redis

    redis = Redis.from_url(app.config["REDIS_URL"])

    def clear():
        for key in redis.scan_iter("cbccvc:quality:*"):
            redis.delete(key)

    clear()
    monkeypatch.setitem(app.config, "QUALITY_CACHE_SECONDS", 300)
    calls = []
    real = quality._table
    monkeypatch.setattr(quality, "_table", lambda *a: calls.append(a) or real(*a))
    yield redis, calls
    clear()


def test_figures_read_lately_are_refreshed_ahead(app, demo_people, kept_figures_on):
    """Issue 20 (the month-end peak): the periodic job works the figures read lately out again before they expire,
    so the next viewer finds them ready — and up to date — without computing; figures worked out in the last
    minute are left alone; a run stops at its time budget (the rest waits for its next reader); the last read
    stays the viewer's (a refresh does not keep figures alive by itself), and figures nobody read within
    ``QUALITY_KEEP_WARM_HOURS`` are forgotten without being worked out."""
    from app.services.reports import kept_figures
    from jobs.reports import refresh_kept_figures
    from jobs.schedule import PERIODIC_JOBS

    assert any(path == "jobs.reports.refresh_kept_figures" for _id, path, _cron in PERIODIC_JOBS)
    db = demo_people
    redis, calls = kept_figures_on
    snv = account(db, "sonoivu.chuyenvien")
    with app.test_request_context():
        first = quality.quality_table(snv)
        assert len(calls) == 1 and first.kept_as and 0 < redis.ttl(first.kept_as) <= 600
        (key, reader), = list(kept_figures.readers())
        assert key == first.kept_as and reader["user"] == snv.id and reader["locale"] == "vi"
        person = db.session.scalar(select(Person).where(Person.status == "active").order_by(Person.id))
        person.status = "retired"
        db.session.commit()
    # Worked out a moment ago: left alone.
    assert refresh_kept_figures() == {"refreshed": 0, "fresh": 1, "forgotten": 0, "left": 0}
    assert len(calls) == 1
    redis.expire(first.kept_as, 2 * 300 - kept_figures.FRESH_SECONDS - 1)  # worked out over a minute ago
    with app.app_context():
        assert quality.refresh_kept(budget_seconds=-1) == {"refreshed": 0, "fresh": 0, "forgotten": 0, "left": 1}
    assert len(calls) == 1
    assert refresh_kept_figures() == {"refreshed": 1, "fresh": 0, "forgotten": 0, "left": 0}
    assert len(calls) == 2
    with app.test_request_context():
        again = quality.quality_table(snv)
        assert len(calls) == 2, "served from what the job worked out"
        assert again.total.people == first.total.people - 1 and again.computed_at > first.computed_at
    assert dict(kept_figures.readers())[first.kept_as]["read"] > reader["read"]  # the page read it again
    # Nobody read them within the hours kept warm: forgotten, not worked out.
    with app.app_context():
        assert quality.refresh_kept(keep_hours=0) == {"refreshed": 0, "fresh": 0, "forgotten": 1, "left": 0}
    assert len(calls) == 2 and not list(kept_figures.readers())


def test_one_computation_at_a_time_per_scope(app, demo_people, kept_figures_on):
    """Issue 20: a page that finds another computing the same figures (its lock) waits for that result instead of
    running the aggregate again; when the other gives up (lock gone, nothing kept) it works them out itself."""
    import threading

    from app.services.reports import kept_figures

    db = demo_people
    redis, calls = kept_figures_on
    snv = account(db, "sonoivu.chuyenvien")
    with app.test_request_context():
        first = quality.quality_table(snv)
    key, kept = first.kept_as, redis.get(first.kept_as)
    # Another process is computing them: this page waits and takes its result.
    redis.delete(key)
    redis.set(kept_figures.LOCK + key, "1", ex=60)
    threading.Timer(0.4, lambda: (redis.set(key, kept), redis.delete(kept_figures.LOCK + key))).start()
    with app.test_request_context():
        waited = quality.quality_table(snv)
    assert len(calls) == 1 and waited.computed_at == first.computed_at
    # The other gave up: the lock goes without a result, this page works them out.
    redis.delete(key)
    redis.set(kept_figures.LOCK + key, "1", ex=60)
    threading.Timer(0.3, lambda: redis.delete(kept_figures.LOCK + key)).start()
    with app.test_request_context():
        own = quality.quality_table(snv)
    assert len(calls) == 2 and own.total.people == first.total.people and own.computed_at > first.computed_at
    assert not redis.exists(kept_figures.LOCK + key)


def _in_process_memory(monkeypatch, redis):
    """The kept figures with ``redis`` as their Redis (None: none configured) and an empty memory of this process."""
    from app.services.reports import kept_figures

    monkeypatch.setattr(kept_figures, "_redis", lambda: redis)
    monkeypatch.setattr(kept_figures, "_LOCAL", {})
    monkeypatch.setattr(kept_figures, "_LOCAL_READERS", {})


def test_figures_kept_in_process_without_redis(app, demo_people, kept_figures_on, monkeypatch):
    """The embedded default (no Redis): the figures are kept in the process's memory, read lately figures are
    refreshed ahead by the in-process scheduler's run of the same job, and fresh ones are left alone."""
    from app.services.reports import kept_figures

    _redis, calls = kept_figures_on
    _in_process_memory(monkeypatch, None)
    snv = account(demo_people, "sonoivu.chuyenvien")
    with app.test_request_context():
        first = quality.quality_table(snv)
        again = quality.quality_table(snv)
    assert len(calls) == 1 and again.computed_at == first.computed_at and not list(_redis.scan_iter("cbccvc:*"))
    with app.app_context():
        assert quality.refresh_kept()["fresh"] == 1 and len(calls) == 1
        expiry, value = kept_figures._LOCAL[first.kept_as]
        kept_figures._LOCAL[first.kept_as] = (expiry - kept_figures.FRESH_SECONDS - 1, value)  # a minute older
        assert quality.refresh_kept()["refreshed"] == 1 and len(calls) == 2
    with app.test_request_context():
        assert quality.quality_table(snv).computed_at > first.computed_at and len(calls) == 2


def _ask_together(app, account_id):
    """Two requests (two threads, each its own app context, session and connection) asking for the data-quality
    figures at the same moment: [(computed_at, people)] of each, and the errors they met."""
    import threading

    start, results, errors = threading.Barrier(2), [], []

    def ask():
        try:
            with app.test_request_context():
                from app.extensions import db
                from models.accounts import Account

                user = db.session.get(Account, account_id)
                start.wait()
                table = quality.quality_table(user)
                results.append((table.computed_at, table.total.people))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_two_requests_at_once_compute_the_figures_once(app, demo_people, kept_figures_on, monkeypatch):
    """Issue 20: two requests asking for the same figures at the same moment: one works them out under the lock,
    the other waits for its result — one aggregate, the same figures for both."""
    import time

    _redis, calls = kept_figures_on
    slow = quality._table

    def slow_table(*a):
        time.sleep(0.5)  # long enough for the second request to arrive while the first computes
        return slow(*a)

    monkeypatch.setattr(quality, "_table", slow_table)
    results, errors = _ask_together(app, account(demo_people, "sonoivu.chuyenvien").id)
    assert not errors, errors
    assert len(calls) == 1 and len(results) == 2 and results[0] == results[1]


def test_the_lock_goes_only_once_the_figures_are_stored(app, demo_people, kept_figures_on, monkeypatch):
    """The computing request stores its figures before it lets go of the lock: a waiter polling between the two
    would otherwise find neither the lock nor the figures and run the aggregate a second time (seen once in a
    suite run). Storing the figures is made slow here, so that the waiter polls meanwhile."""
    import time

    from app.services.reports import kept_figures

    redis, calls = kept_figures_on

    class SlowToStore:
        def __getattr__(self, name):
            return getattr(redis, name)

        def set(self, name, value, **kw):
            if not kw.get("nx"):
                time.sleep(0.4)
            return redis.set(name, value, **kw)

    monkeypatch.setattr(kept_figures, "_redis", SlowToStore)
    results, errors = _ask_together(app, account(demo_people, "sonoivu.chuyenvien").id)
    assert not errors, errors
    assert len(calls) == 1 and len(results) == 2 and results[0] == results[1]


def test_redis_gone_the_figures_are_worked_out_and_kept_in_process(app, demo_people, kept_figures_on, monkeypatch):
    """Issue 20: Redis unreachable (a server that is not there): the page still gets its figures, kept in the
    process's memory until Redis is back; the refresh job finds nothing to do rather than failing."""
    from redis import Redis

    from jobs import redis_options

    _redis, calls = kept_figures_on
    gone = Redis.from_url("redis://127.0.0.1:1/0", **redis_options(0.2))  # built as the app builds its clients
    _in_process_memory(monkeypatch, gone)
    snv = account(demo_people, "sonoivu.chuyenvien")
    with app.test_request_context():
        first = quality.quality_table(snv)
        again = quality.quality_table(snv)
    assert first.total.people > 0 and len(calls) == 1 and again.computed_at == first.computed_at
    with app.app_context():
        assert quality.refresh_kept() == {"refreshed": 0, "fresh": 0, "forgotten": 0, "left": 0}
