"""Login security, the scope function and the audit trail (HN-6.2, HN-9.1, HN-9.2, HN-8.2, HN-4.3, HCM-15.4)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_ACCOUNT, RESOURCE_ORG_UNIT
from app.services import accounts as acc
from app.services import org_units as org
from models.accounts import Account, RoleAssignment
from models.audit import AccessLog, ChangeLog
from models.org_units import OrgUnit
from tests.factories import login


def user(db, username):
    return db.session.scalar(select(Account).where(Account.username == username))


def events(db, name):
    return db.session.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.event == name))


def scoped_names(db, who, action, resource):
    ids = select(OrgUnit.id).where(OrgUnit.id.in_(scope.unit_ids(who, action, resource)))
    return set(db.session.scalars(select(OrgUnit.name).where(OrgUnit.id.in_(ids))))


# --------------------------------------------------------------------------- the scope function


def test_scope_follows_assignments_on_the_tree(demo, unit_by_name):
    """HN-9.1/HN-8.2: Sở Nội vụ sees the city; an agency account sees its subtree only; default deny."""
    admin, agency, staff = user(demo, "sonoivu.admin"), user(demo, "syt.quantri"), user(demo, "annv.syt")
    assert len(demo.session.scalars(scope.unit_ids(admin, ACTION_READ, RESOURCE_ORG_UNIT)).all()) == 60
    agency_units = scoped_names(demo, agency, ACTION_READ, RESOURCE_ORG_UNIT)
    assert "Sở Y tế" in agency_units and "Khoa Cấp cứu" in agency_units and "Sở Nội vụ" not in agency_units
    assert scoped_names(demo, agency, ACTION_WRITE, RESOURCE_ORG_UNIT) == set()
    assert scoped_names(demo, staff, ACTION_READ, RESOURCE_ORG_UNIT) == set()
    assert scope.allows(agency, ACTION_WRITE, RESOURCE_ACCOUNT, unit_by_name("Khoa Cấp cứu"))
    assert not scope.allows(agency, ACTION_WRITE, RESOURCE_ACCOUNT, unit_by_name("Sở Tư pháp"))
    assert not scope.allows(None, ACTION_READ, RESOURCE_ORG_UNIT, unit_by_name("Sở Tư pháp"))


def test_expired_or_revoked_assignment_stops_counting(demo, unit_by_name, monkeypatch):
    """HCM-11.2: access ends on its end date or on revocation, for scope and for FAB permissions alike."""
    from flask import current_app

    agency = user(demo, "syt.quantri")
    assignment = demo.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == agency.id))
    assignment.valid_to = scope.today() + timedelta(days=10)
    demo.session.commit()
    scope.forget()
    assert current_app.appbuilder.sm.get_user_roles(agency)
    monkeypatch.setattr(scope, "today", lambda: assignment.valid_to + timedelta(days=1))
    scope.forget()
    assert current_app.appbuilder.sm.get_user_roles(agency) == []
    assert not scope.allows(agency, ACTION_READ, RESOURCE_ORG_UNIT, unit_by_name("Sở Y tế"))


def test_tree_and_pickers_are_scoped(client, demo, unit_by_name):
    """HN-8.2: an agency administrator's tree starts at its agency; pickers never list outside units."""
    login(client, "syt.quantri")
    roots = client.get("/org/api/children").get_json()["items"]
    assert [r["name"] for r in roots] == ["Sở Y tế"]
    outside = unit_by_name("Sở Nội vụ")
    assert client.get(f"/org/api/children?parent={outside.id}").status_code == 404
    assert client.get(f"/org-units/show/{outside.id}").status_code == 404
    assert client.get("/org/api/search?q=so noi vu").get_json()["results"] == []
    for purpose in ("read", "accounts"):
        names = {r["name"] for r in client.get(f"/org/api/search?q=phong&for={purpose}").get_json()["results"]}
        assert names and all(unit_by_name(n, None if n != "Phòng Tổ chức cán bộ" else "Sở Y tế") for n in names)
        assert "Phòng Tài chính doanh nghiệp" not in names
    assert client.get("/org/api/search?q=phong&for=write").get_json()["results"] == []


def test_forged_ids_are_refused_and_logged(client, demo, unit_by_name):
    """A forged or out-of-scope id gets 404 and leaves a row in the security log."""
    login(client, "syt.quantri")
    before = events(demo, "not_found")
    assert client.get(f"/org-units/show/{unit_by_name('Sở Tư pháp').id}").status_code == 404
    assert client.get("/org/api/children?parent=99999999").status_code == 404
    assert events(demo, "not_found") == before + 2
    row = demo.session.scalars(select(AccessLog).where(AccessLog.event == "not_found").order_by(AccessLog.id.desc())
                               ).first()
    assert row.user_name == "syt.quantri" and row.path.startswith("/org/api/children")


def test_org_write_rechecks_scope_inside_the_service(demo, unit_by_name):
    """HN-9.1: only Sở Nội vụ restructures the tree, even when a service is called directly."""
    agency = user(demo, "syt.quantri")
    before = demo.session.scalar(select(func.count()).select_from(ChangeLog))
    with pytest.raises(acc.ForbiddenError):
        org.merge_units(unit_by_name("Khoa Cấp cứu").id, unit_by_name("Bệnh viện Thanh Nhàn").id,
                        org.Decision(number="1", date=scope.today()), agency)
    demo.session.rollback()
    assert unit_by_name("Khoa Cấp cứu").status == "active"
    assert demo.session.scalar(select(func.count()).select_from(ChangeLog)) == before


# --------------------------------------------------------------------------- login security


def test_default_password_must_be_changed_at_first_login(client, demo, unit_by_name):
    """HN-6.2: a new account logs in with its default password and is sent to change it first."""
    admin = user(demo, "syt.quantri")
    account, password = acc.create_account(admin, acc.AccountData(
        username="moi.syt", last_name="Trần Văn", first_name="Mới", org_unit_id=unit_by_name("Khoa Cấp cứu").id))
    assert account.must_change_password
    resp = login(client, "moi.syt", password)
    assert resp.status_code == 302
    resp = client.get("/org/tree")
    assert resp.status_code == 302 and "/my/password" in resp.headers["Location"]
    assert client.get("/org/api/children", headers={"Accept": "application/json"}).status_code == 403


def test_lockout_after_repeated_failures_and_unlock(client, demo, app):
    """HN-6.2/HCM-15.4: five wrong passwords lock the account; only an administrator unlocks it."""
    limit = app.config["AUTH_MAX_FAILED_LOGINS"]
    for _ in range(limit):
        login(client, "annv.syt", "Sai-mat-khau-1")
    demo.session.expire_all()
    staff = user(demo, "annv.syt")
    assert staff.is_locked
    assert events(demo, "lockout") == 1 and events(demo, "login_failed") >= limit
    resp = client.post("/login/", data={"username": "annv.syt", "password": "Demo@2026"}, follow_redirects=True)
    assert "Tài khoản đã bị khóa." in resp.get_data(as_text=True)
    assert client.get("/org/tree").status_code == 302
    acc.unlock_account(user(demo, "syt.quantri"), staff.id)
    assert login(client, "annv.syt").status_code == 302
    assert events(demo, "login") >= 1


def test_login_is_rate_limited_on_web_and_api(demo):
    """Repeated logins from one address are refused with 429, on the web form and the REST login."""
    from app import create_app

    class Strict:
        pass

    import config

    strict = type("StrictConfig", (config.TestConfig,), {"AUTH_RATE_LIMIT": "3 per minute"})
    strict_app = create_app(strict)
    client = strict_app.test_client()
    codes = [client.post("/login/", data={"username": "x", "password": "y"}).status_code for _ in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3]
    api = [client.post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"}
                       ).status_code for _ in range(4)]
    assert api[-1] == 429


def test_session_expires_after_idle_timeout(client, demo, app):
    """The session cookie is permanent with the configured idle lifetime (30 minutes by default)."""
    resp = login(client)
    assert app.permanent_session_lifetime == timedelta(minutes=30)
    cookie = resp.headers.get("Set-Cookie", "")
    assert "Expires=" in cookie and "HttpOnly" in cookie


# --------------------------------------------------------------------------- audit trail


def test_change_log_is_written_with_the_change(client, demo, unit_by_name):
    """HN-4.3: a change through the web writes a change-log row with who, request id, before and after."""
    login(client)
    unit = unit_by_name("Sở Tư pháp")
    client.post(f"/org/units/{unit.id}/edit", data={
        "name": unit.name, "short_name": "STP-HN", "unit_type": unit.unit_type, "ma_dinh_danh": unit.ma_dinh_danh,
        "bien_che_quota": "70"})
    row = demo.session.scalars(select(ChangeLog).where(ChangeLog.object_type == "OrgUnit",
                                                       ChangeLog.object_id == str(unit.id),
                                                       ChangeLog.action == "update")).one()
    assert row.user_name == "sonoivu.admin" and row.request_id
    assert row.before["short_name"] == "STP" and row.after["short_name"] == "STP-HN"
    assert row.org_unit_id == unit.id


def test_audit_rows_roll_back_with_a_failed_change(demo, unit_by_name, monkeypatch):
    """A change that fails half-way leaves neither the change nor its audit rows."""
    from app.services.org_units import writers

    a, b = unit_by_name("Ban Thi đua - Khen thưởng"), unit_by_name("Phòng Công chức, viên chức")
    before = demo.session.scalar(select(func.count()).select_from(ChangeLog))

    def boom(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers, "_move_members", boom)
    with pytest.raises(RuntimeError):
        org.merge_units(a.id, b.id, org.Decision(number="5/QĐ", date=scope.today()), user(demo, "sonoivu.admin"))
    demo.session.expire_all()
    assert unit_by_name("Ban Thi đua - Khen thưởng").status == "active"
    assert unit_by_name("Phòng Nghiệp vụ Thi đua").parent_id == a.id
    assert demo.session.scalar(select(func.count()).select_from(ChangeLog)) == before


def test_password_hash_is_never_in_the_change_log(demo, unit_by_name):
    """HN-4.3: secrets stay out of the log (the password column is masked)."""
    admin = user(demo, "syt.quantri")
    staff_id = user(demo, "annv.syt").id
    acc.reset_password(admin, staff_id)
    rows = demo.session.scalars(select(ChangeLog).where(ChangeLog.object_type == "Account",
                                                        ChangeLog.object_id == str(staff_id))).all()
    assert rows[0].action == "insert" and "password" not in rows[0].after
    row = rows[-1]
    assert row.action == "update" and row.after["password"] == "***" and "password" not in (row.before or {})
    assert all("scrypt" not in str(r.after) for r in rows)


# --------------------------------------------------------------------------- FAB's three leaks, closed


def test_bulk_action_with_out_of_scope_rowids_is_refused(client, demo, unit_by_name):
    """Leak 1 (stack-notes §1.5): a bulk action posted with an out-of-scope row id runs on nothing, 404, logged."""
    login(client, "syt.quantri")
    inside, outside = unit_by_name("Khoa Cấp cứu"), unit_by_name("Sở Tư pháp")
    before = events(demo, "export")
    resp = client.post("/org-units/action_post", data={"action": "export_csv", "rowid": [inside.id, outside.id]})
    assert resp.status_code == 404 and events(demo, "export") == before
    assert events(demo, "denied") >= 1
    ok = client.post("/org-units/action_post", data={"action": "export_csv", "rowid": [inside.id]})
    assert ok.status_code == 200 and "Khoa Cấp cứu" in ok.get_data(as_text=True)
    assert "Sở Tư pháp" not in ok.get_data(as_text=True) and events(demo, "export") == before + 1
    assert client.post(f"/org-units/action/export_csv/{outside.id}").status_code == 404
    assert client.get(f"/org-units/action/export_csv/{inside.id}").status_code == 405
    assert client.post("/org-units/action_post", data={"action": "nope", "rowid": [inside.id]}).status_code == 404


def test_download_needs_a_row_in_scope(client, demo, app):
    """Leak 2: /download/<file> no longer serves any file in UPLOAD_FOLDER to whoever has can_download."""
    import os

    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    path = os.path.join(app.config["UPLOAD_FOLDER"], "bi_mat.txt")
    with open(path, "w") as fh:
        fh.write("secret")
    try:
        login(client)
        assert client.get("/org-units/download/bi_mat.txt").status_code == 404
    finally:
        os.remove(path)


def test_no_unscoped_rest_endpoints(client, demo):
    """Leak 3: no ModelRestApi is exposed, so no REST POST can create rows outside the scope."""
    login(client)
    for url in ("/api/v1/orgunitmodelview/", "/api/v1/orgunit/", "/api/v1/account/", "/api/v1/security/users/"):
        assert client.post(url, json={"name": "X", "parent_id": 1}).status_code in (404, 405), url


def test_home_page_fits_the_role(client, demo):
    """A self-service account lands on a page it may open, not on a 403."""
    login(client, "annv.syt")
    resp = client.get("/")
    assert resp.status_code == 302 and "/my/password" in resp.headers["Location"]
    assert client.get(resp.headers["Location"]).status_code == 200
