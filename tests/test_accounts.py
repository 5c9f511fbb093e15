"""Account screens and use cases: who creates which account, grants and takes back access, on written requests.

HN-3.6–3.8 (agency and personal accounts, account management), HN-6.2 (default password changed at first
login), HN-9.1–9.2 (Sở Nội vụ creates agency accounts; agencies create accounts for their sub-units and staff),
HCM-4.4 (one account per person), HCM-11.2 (grant/restrict/extend/revoke on a written request), HCM-15.4
(lost password reported in writing).
"""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.security import scope
from app.security.permissions import ACTION_WRITE, RESOURCE_ACCOUNT
from app.security.roles import ROLE_ADMIN, ROLE_AGENCY_ADMIN, ROLE_REPORT_VIEWER, ROLE_SELF_SERVICE, ROLE_SNV_OFFICER
from app.services import accounts as acc
from models.accounts import Account, PasswordRequest, RoleAssignment
from models.audit import AccessLog, ChangeLog
from tests.factories import IsolatedClient, login


def two_clients(app):
    """Two independent browsers (an administrator and a user)."""
    return IsolatedClient(app, app.response_class, use_cookies=True), IsolatedClient(app, app.response_class,
                                                                                     use_cookies=True)


def user(db, username):
    db.session.expire_all()
    return db.session.scalar(select(Account).where(Account.username == username))


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assignments(db, account):
    return list(db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == account.id)))


def snapshot(db):
    """What a refused request must leave untouched."""
    db.session.expire_all()
    return (
        count(db, Account),
        count(db, RoleAssignment),
        count(db, RoleAssignment, RoleAssignment.revoked_at.is_not(None)),
        sorted(db.session.execute(select(Account.username, Account.locked_at, Account.password)).all(),
               key=lambda r: r[0]),
    )


def passwords_on(page: str) -> dict[str, str]:
    """Username -> password of the printable hand-out."""
    rows = re.findall(r'<td class="username">([^<]+)</td><td class="password">([^<]+)</td>', page)
    return {html.unescape(u): html.unescape(p) for u, p in rows}


def events(db, name):
    return count(db, AccessLog, AccessLog.event == name)


def today():
    return scope.today()


# --------------------------------------------------------------------------- create


def test_snv_admin_creates_agency_account_for_level2_unit(demo, unit_by_name, app):
    """HN-9.1, HN-3.6, HN-6.2: Sở Nội vụ creates the agency account of a sở; its password is shown once."""
    client, other = two_clients(app)
    login(client)
    stc = unit_by_name("Sở Tài chính")
    resp = client.post("/accounts/new", data={
        "last_name": "Đặng Thị", "first_name": "Hoa", "username": "quantri.stc", "email": "quantri@stc.gov.vn",
        "org_unit_id": str(stc.id), "kind": "agency", "role_name": ROLE_AGENCY_ADMIN, "include_descendants": "y",
        "request_number": "15/STC-VP",
    })
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    password = passwords_on(page)["quantri.stc"]
    assert "Đổi mật khẩu ở lần đăng nhập đầu tiên." in page and "window.print" in page
    account = user(demo, "quantri.stc")
    assert account.kind == "agency" and account.must_change_password and account.org_unit_id == stc.id
    [grant] = assignments(demo, account)
    assert (grant.role.name, grant.org_unit_id, grant.include_descendants, grant.request_number) == (
        ROLE_AGENCY_ADMIN, stc.id, True, "15/STC-VP")
    assert scope.allows(account, ACTION_WRITE, RESOURCE_ACCOUNT, unit_by_name("Phòng Quản lý ngân sách"))
    assert login(other, "quantri.stc", password).status_code == 302
    resp = other.get("/accounts/")
    assert resp.status_code == 302 and "/my/password" in resp.headers["Location"]


def test_agency_admin_creates_personal_account_in_its_subtree(client, demo, unit_by_name):
    """HN-9.2, HN-3.7: Sở Y tế's administrator creates a personal account for a sub-unit; the username is made
    from the name when left empty."""
    login(client, "syt.quantri")
    unit = unit_by_name("Khoa Cấp cứu")
    html_form = client.get("/accounts/new").get_data(as_text=True)
    assert "Họ và tên đệm" in html_form and ROLE_ADMIN not in html_form
    resp = client.post("/accounts/new", data={
        "last_name": "Phạm Minh", "first_name": "Tuấn", "username": "", "org_unit_id": str(unit.id),
        "kind": "personal", "role_name": ROLE_SELF_SERVICE,
    })
    assert resp.status_code == 200
    assert list(passwords_on(resp.get_data(as_text=True))) == ["tuanpm"]
    account = user(demo, "tuanpm")
    assert account.display_name == "Phạm Minh Tuấn" and account.must_change_password
    [grant] = assignments(demo, account)
    assert grant.role.name == ROLE_SELF_SERVICE and grant.org_unit_id == unit.id and not grant.include_descendants


def test_bulk_create_prints_a_handout_list(client, demo, unit_by_name):
    """HN-6.2, HCM-4.4: one personal account per person, all forced to change the default password; the
    printable list shows each username with its password."""
    login(client, "syt.quantri")
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    before = count(demo, Account)
    resp = client.post("/accounts/bulk", data={
        "org_unit_id": str(unit.id), "request_number": "88/BVTN",
        "lines": "Nguyễn Văn An; an.nguyen@bvtn.vn\nLê Thị Hồng\n\nNguyễn Văn An\n",
    })
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    handout = passwords_on(page)
    assert set(handout) == {"annv", "honglt", "annv2"} and len(set(handout.values())) == 3
    assert "Đổi mật khẩu ở lần đăng nhập đầu tiên." in page and "window.print()" in page
    assert "@media print" in page and "Bệnh viện Thanh Nhàn" in page
    assert count(demo, Account) == before + 3
    for username in handout:
        account = user(demo, username)
        assert account.must_change_password and account.kind == "personal"
        [grant] = assignments(demo, account)
        assert (grant.role.name, grant.org_unit_id, grant.request_number) == (ROLE_SELF_SERVICE, unit.id, "88/BVTN")


def test_bulk_create_bad_line_writes_nothing(client, demo, unit_by_name):
    """HCM-4.4: a list with a bad line is refused as a whole, with the line named, in Vietnamese."""
    login(client, "syt.quantri")
    before = snapshot(demo)
    resp = client.post("/accounts/bulk", data={
        "org_unit_id": str(unit_by_name("Bệnh viện Thanh Nhàn").id), "lines": "Nguyễn Văn Bình\nHải\n",
    })
    assert resp.status_code == 400
    assert "Dòng 2: cần họ và tên đầy đủ." in resp.get_data(as_text=True)
    assert snapshot(demo) == before


def test_agency_admin_cannot_create_accounts_outside_its_subtree(client, demo, unit_by_name):
    """HN-9.2: Sở Y tế creates accounts only inside Sở Y tế: 403 and nothing written elsewhere."""
    login(client, "syt.quantri")
    before = snapshot(demo)
    outside = unit_by_name("Sở Tư pháp")
    resp = client.post("/accounts/new", data={
        "last_name": "Trần", "first_name": "Nam", "username": "nam.stp", "org_unit_id": str(outside.id),
        "kind": "personal", "role_name": ROLE_SELF_SERVICE,
    })
    assert resp.status_code == 403
    assert "Bạn không có quyền quản lý tài khoản của Sở Tư pháp." in resp.get_data(as_text=True)
    resp = client.post("/accounts/bulk", data={"org_unit_id": str(outside.id), "lines": "Trần Văn Nam"})
    assert resp.status_code == 403
    assert snapshot(demo) == before and user(demo, "nam.stp") is None


def test_create_form_reports_every_problem_in_vietnamese(client, demo, unit_by_name):
    """HN-3.8: bad input is reported next to its field, HTTP 400, nothing written."""
    login(client, "syt.quantri")
    before = snapshot(demo)
    resp = client.post("/accounts/new", data={
        "username": "AB", "first_name": "", "email": "khong-hop-le", "org_unit_id": "987654",
        "kind": "personal", "role_name": ROLE_SELF_SERVICE, "valid_to": "2026-02-30",
    })
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Not a valid date value." not in page
    resp = client.post("/accounts/new", data={
        "username": "syt.tccb", "first_name": "", "email": "khong-hop-le", "org_unit_id": "987654",
        "kind": "personal", "role_name": ROLE_SELF_SERVICE,
    })
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for message in ("Tên đăng nhập syt.tccb đã tồn tại.", "Địa chỉ thư điện tử không hợp lệ.", "Tên là bắt buộc.",
                    'data-field="org_unit_id"'):
        assert message in page, message
    assert snapshot(demo) == before


# --------------------------------------------------------------------------- grant, restrict, extend, revoke


def _grant(client, account, role, unit, number="21/SYT-TCCB", **extra):
    data = {"grant-role_name": role, "grant-org_unit_id": str(unit.id), "grant-request_number": number}
    data.update({f"grant-{k}": v for k, v in extra.items()})
    return client.post(f"/accounts/{account.id}/grant", data=data)


def test_agency_admin_cannot_grant_above_its_own_rights(client, demo, unit_by_name):
    """HN-9.2: Sở Y tế cannot make anyone Quản trị Sở Nội vụ, even inside its own subtree (403, no change)."""
    login(client, "syt.quantri")
    staff = user(demo, "annv.syt")
    before = snapshot(demo)
    resp = _grant(client, staff, ROLE_ADMIN, unit_by_name("Khoa Cấp cứu"))
    assert resp.status_code == 403
    assert "vượt quá quyền của mình" in resp.get_data(as_text=True)
    assert snapshot(demo) == before


def test_agency_admin_role_is_granted_only_below_the_agency(client, demo, unit_by_name):
    """HN-9.2: Quản trị cơ quan of Sở Y tế cannot create a second administrator of Sở Y tế itself, but can
    for a sub-unit (below_only)."""
    login(client, "syt.quantri")
    staff = user(demo, "annv.syt")
    before = snapshot(demo)
    assert _grant(client, staff, ROLE_AGENCY_ADMIN, unit_by_name("Sở Y tế"), include_descendants="y").status_code == 403
    assert snapshot(demo) == before
    hospital = unit_by_name("Bệnh viện Thanh Nhàn")
    resp = _grant(client, staff, ROLE_AGENCY_ADMIN, hospital, include_descendants="y")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/accounts/{staff.id}")
    staff = user(demo, "annv.syt")
    scope.forget()
    assert scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, unit_by_name("Khoa Cấp cứu"))
    assert not scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, unit_by_name("Sở Y tế"))


def test_grant_restrict_extend_revoke_need_a_request_number(client, demo, unit_by_name):
    """HCM-11.2, HN-3.8: every change of access names the written request; without it: Vietnamese message,
    HTTP 400, no change."""
    login(client, "syt.quantri")
    staff = user(demo, "annv.syt")
    unit = unit_by_name("Khoa Cấp cứu")
    required = "Số văn bản đề nghị là bắt buộc."

    before = snapshot(demo)
    resp = _grant(client, staff, ROLE_REPORT_VIEWER, unit, number="")
    assert resp.status_code == 400 and required in resp.get_data(as_text=True)
    assert snapshot(demo) == before

    end = today() + timedelta(days=90)
    assert _grant(client, staff, ROLE_REPORT_VIEWER, unit, valid_to=end.isoformat()).status_code == 302
    grant = demo.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == staff.id,
                                                             RoleAssignment.org_unit_id == unit.id))
    assert grant.valid_to == end and grant.request_number == "21/SYT-TCCB"
    assert grant.granted_by.username == "syt.quantri"
    base = f"/accounts/{staff.id}/assignments/{grant.id}"
    page = client.get(f"/accounts/{staff.id}").get_data(as_text=True)
    assert "21/SYT-TCCB" in page and f'action="{base}/revoke"' in page

    for kind, data in (("restrict", {"valid_to": (end - timedelta(days=30)).isoformat()}),
                       ("extend", {"valid_to": (end + timedelta(days=30)).isoformat()}), ("revoke", {})):
        before = snapshot(demo)
        form = {f"a{grant.id}-{kind}-{k}": v for k, v in data.items()}
        resp = client.post(f"{base}/{kind}", data=form)
        assert resp.status_code == 400 and required in resp.get_data(as_text=True), kind
        assert snapshot(demo) == before, kind
        form[f"a{grant.id}-{kind}-request_number"] = f"{kind}/SYT"
        assert client.post(f"{base}/{kind}", data=form).status_code == 302, kind
        demo.session.expire_all()
        assert grant.request_number == f"{kind}/SYT"
        if kind == "restrict":
            assert grant.valid_to == end - timedelta(days=30)
        if kind == "extend":
            assert grant.valid_to == end + timedelta(days=30)
    assert grant.revoked_at is not None and grant.revoked_by_id == user(demo, "syt.quantri").id
    assert events(demo, "role_revoked") == 1 and events(demo, "role_granted") == 1
    assert count(demo, ChangeLog, ChangeLog.object_type == "RoleAssignment") >= 4
    page = client.get(f"/accounts/{staff.id}").get_data(as_text=True)
    assert "Đã thu hồi" in page


def test_restrict_drops_sub_units(demo, unit_by_name):
    """HCM-11.2: hạn chế narrows an assignment to its own unit; the sub-units fall out of scope at once."""
    admin = user(demo, "sonoivu.admin")
    tccb = user(demo, "syt.tccb")
    grant = demo.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == tccb.id))
    acc.restrict_assignment(admin, grant.id, request_number="30/SNV", drop_descendants=True)
    scope.forget()
    assert not grant.include_descendants
    assert not acc.search_accounts(tccb, "annv").rows


def test_revoked_or_expired_assignment_stops_counting(demo, unit_by_name, monkeypatch):
    """HCM-11.2: access ends on revocation, or by itself after its end date (scope.allows false)."""
    admin = user(demo, "sonoivu.admin")
    staff = user(demo, "annv.syt")
    hospital, ward = unit_by_name("Bệnh viện Thanh Nhàn"), unit_by_name("Khoa Cấp cứu")
    grant = acc.grant_role(admin, staff.id, ROLE_AGENCY_ADMIN, hospital.id, include_descendants=True,
                           request_number="40/SNV")
    scope.forget()
    assert scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, ward)
    acc.revoke_assignment(admin, grant.id, request_number="41/SNV")
    scope.forget()
    assert not scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, ward)
    assert ROLE_AGENCY_ADMIN not in [r.name for r in user(demo, "annv.syt").roles]

    short = acc.grant_role(admin, staff.id, ROLE_AGENCY_ADMIN, hospital.id, include_descendants=True,
                           valid_to=today(), request_number="42/SNV")
    scope.forget()
    assert scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, ward)
    monkeypatch.setattr(scope, "today", lambda: short.valid_to + timedelta(days=1))
    scope.forget()
    assert not scope.allows(staff, ACTION_WRITE, RESOURCE_ACCOUNT, ward)
    assert acc.assignment_status(short) == "expired"


def test_extend_refuses_an_assignment_without_end_date(demo):
    """HCM-11.2: gia hạn moves an end date later; an open-ended assignment has nothing to extend."""
    admin = user(demo, "sonoivu.admin")
    grant = demo.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == user(demo, "syt.tccb").id))
    with pytest.raises(acc.ValidationError) as err:
        acc.extend_assignment(admin, grant.id, valid_to=today() + timedelta(days=10), request_number="50/SNV")
    assert "không có thời hạn" in err.value.messages[0]
    demo.session.expire_all()
    assert grant.valid_to is None


# --------------------------------------------------------------------------- account maintenance


def test_rename_reset_password_lock_and_unlock(demo, app):
    """HN-3.8, HN-6.2, HCM-15.4: rename, a new default password shown once, lock (no login) and unlock."""
    client, other = two_clients(app)
    login(client, "syt.quantri")
    staff = user(demo, "annv.syt")

    resp = client.post(f"/accounts/{staff.id}/rename", data={"rename-username": "Bad Name"})
    assert resp.status_code == 400 and "Tên đăng nhập gồm 3–64 ký tự" in resp.get_data(as_text=True)
    assert client.post(f"/accounts/{staff.id}/rename", data={"rename-username": "an.nguyenvan"}).status_code == 302
    assert user(demo, "an.nguyenvan").id == staff.id and user(demo, "annv.syt") is None

    resp = client.post(f"/accounts/{staff.id}/reset-password")
    assert resp.status_code == 200 and "no-store" in resp.headers["Cache-Control"]
    password = passwords_on(resp.get_data(as_text=True))["an.nguyenvan"]
    assert user(demo, "an.nguyenvan").must_change_password
    assert "/login" in login(other, "an.nguyenvan", "Demo@2026").headers["Location"]
    assert "/login" not in login(other, "an.nguyenvan", password).headers["Location"]
    other.post("/logout/")

    assert client.post(f"/accounts/{staff.id}/lock").status_code == 302
    assert user(demo, "an.nguyenvan").is_locked and events(demo, "account_locked") == 1
    assert "Đã khóa" in client.get(f"/accounts/{staff.id}").get_data(as_text=True)
    resp = other.post("/login/", data={"username": "an.nguyenvan", "password": password}, follow_redirects=True)
    assert "Tài khoản đã bị khóa" in resp.get_data(as_text=True)
    assert other.get("/my/password").status_code == 302

    assert client.post(f"/accounts/{staff.id}/unlock").status_code == 302
    assert not user(demo, "an.nguyenvan").is_locked
    assert "/login" not in login(other, "an.nguyenvan", password).headers["Location"]


def test_nobody_changes_their_own_account(client, demo):
    """HN-9.2: an administrator cannot lock, reset or re-grant itself (403, nothing changes)."""
    login(client, "syt.quantri")
    me = user(demo, "syt.quantri")
    before = snapshot(demo)
    for url in (f"/accounts/{me.id}/lock", f"/accounts/{me.id}/reset-password"):
        assert client.post(url).status_code == 403, url
    assert snapshot(demo) == before
    assert 'id="account-manage"' not in client.get(f"/accounts/{me.id}").get_data(as_text=True)


def test_agency_admin_cannot_take_over_a_higher_account(client, demo, unit_by_name):
    """HN-9.2: an account inside Sở Y tế holding rights Sở Y tế could not grant (a second agency
    administrator, a city-wide role) cannot be reset, locked or renamed by Sở Y tế."""
    admin = user(demo, "sonoivu.admin")
    peer, _pw = acc.create_account(admin, acc.AccountData(
        username="quantri2.syt", last_name="Lý Văn", first_name="Phúc", org_unit_id=unit_by_name("Sở Y tế").id,
        kind="agency", role_name=ROLE_AGENCY_ADMIN, include_descendants=True, request_number="60/SNV"))
    officer, _pw = acc.create_account(admin, acc.AccountData(
        username="cv.bvtn", last_name="Mai Thị", first_name="Thu", org_unit_id=unit_by_name("Bệnh viện Thanh Nhàn").id,
        kind="personal", role_name=ROLE_SELF_SERVICE))
    acc.grant_role(admin, officer.id, ROLE_SNV_OFFICER, unit_by_name("UBND Thành phố Hà Nội").id,
                   include_descendants=True, request_number="61/SNV")
    login(client, "syt.quantri")
    before = snapshot(demo)
    for account in (peer, officer):
        for action, data in (("reset-password", {}), ("lock", {}), ("rename", {"rename-username": "x.y.z"})):
            resp = client.post(f"/accounts/{account.id}/{action}", data=data)
            assert resp.status_code == 403, (account.username, action)
            assert "vượt quá quyền của bạn" in resp.get_data(as_text=True)
    assert snapshot(demo) == before


# --------------------------------------------------------------------------- scope of the screens


def test_out_of_scope_and_forged_ids_are_not_found(client, demo):
    """HN-9.2: an account outside Sở Y tế, or a forged id, is 404 on every page and action; nothing changes."""
    login(client, "syt.quantri")
    outsider = user(demo, "sonoivu.admin")
    staff = user(demo, "annv.syt")
    foreign = assignments(demo, outsider)[0]
    mine = assignments(demo, staff)[0]
    before = snapshot(demo)
    not_found_before = events(demo, "not_found")
    gets = [f"/accounts/{outsider.id}", "/accounts/99999999"]
    posts = [
        (f"/accounts/{outsider.id}/lock", {}),
        (f"/accounts/{outsider.id}/reset-password", {}),
        (f"/accounts/{outsider.id}/rename", {"rename-username": "hacked"}),
        (f"/accounts/{outsider.id}/grant", {"grant-role_name": ROLE_SELF_SERVICE, "grant-request_number": "1",
                                            "grant-org_unit_id": str(staff.org_unit_id)}),
        (f"/accounts/{outsider.id}/assignments/{foreign.id}/revoke", {f"a{foreign.id}-revoke-request_number": "1"}),
        (f"/accounts/{staff.id}/assignments/{foreign.id}/revoke", {f"a{foreign.id}-revoke-request_number": "1"}),
        (f"/accounts/{outsider.id}/assignments/{mine.id}/revoke", {f"a{mine.id}-revoke-request_number": "1"}),
        (f"/accounts/{staff.id}/assignments/99999999/extend", {}),
        ("/accounts/99999999/unlock", {}),
        ("/password-requests/99999999/resolve", {"r99999999-document_number": "1"}),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    assert client.get("/accounts/?unit_id=" + str(outsider.org_unit_id)).status_code == 404
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert snapshot(demo) == before
    assert events(demo, "not_found") >= not_found_before + 3


def test_list_shows_only_accounts_in_scope(client, demo, unit_by_name):
    """HN-9.2: Sở Y tế's administrator lists Sở Y tế's accounts only; search ignores diacritics."""
    login(client, "syt.quantri")
    page = client.get("/accounts/").get_data(as_text=True)
    assert "syt.tccb" in page and "annv.syt" in page and "xem.baocao" in page
    assert "sonoivu." not in page
    assert "Cán bộ công chức" in page and "Nguyễn Văn An" in page
    found = client.get("/accounts/?q=nguyen van an").get_data(as_text=True)
    assert "annv.syt" in found and "syt.tccb" not in found
    assert "annv.syt" in client.get("/accounts/?q=Nguyễn Văn").get_data(as_text=True)
    tccb = unit_by_name("Phòng Tổ chức cán bộ", "Sở Y tế")
    only = client.get(f"/accounts/?unit_id={tccb.id}&only_unit=y").get_data(as_text=True)
    assert "annv.syt" in only and "syt.tccb" in only and "syt.quantri" not in only
    assert "sonoivu.admin" not in client.get("/accounts/?q=sonoivu").get_data(as_text=True)


def test_list_is_paginated(client, demo, unit_by_name):
    """HN-9.1 at city scale (design §7): never the whole table; 50 accounts a page with previous/next, no count(*)."""
    admin = user(demo, "sonoivu.admin")
    unit = unit_by_name("Trường THPT Kim Liên")
    acc.bulk_create_accounts(admin, unit.id, "\n".join(f"Nguyễn Văn Học{i:02d}" for i in range(55)))
    login(client)
    first = client.get(f"/accounts/?unit_id={unit.id}").get_data(as_text=True)
    assert first.count("data-account-id=") == 50 and 'id="page-next"' in first and 'id="page-prev"' not in first
    second = client.get(f"/accounts/?unit_id={unit.id}&offset=50").get_data(as_text=True)
    assert second.count("data-account-id=") == 5 and 'id="page-prev"' in second and 'id="page-next"' not in second


def test_read_only_roles_see_accounts_but_cannot_change_them(client, demo):
    """HN-9.1: Chuyên viên Sở Nội vụ reads the city's accounts; it creates, grants and resets nothing."""
    login(client, "sonoivu.chuyenvien")
    staff = user(demo, "annv.syt")
    assert client.get("/accounts/").status_code == 200
    page = client.get(f"/accounts/{staff.id}").get_data(as_text=True)
    assert "annv.syt" in page and 'id="grant-form"' not in page and 'id="btn-new"' not in page
    before = snapshot(demo)
    assert client.get("/accounts/new").status_code == 403
    assert client.post(f"/accounts/{staff.id}/reset-password").status_code == 403
    assert client.get("/password-requests/").status_code == 403
    assert snapshot(demo) == before


def test_account_forms_use_unit_search_boxes(client, demo):
    """HN-9.2 (design §7): no dropdown of units on any account form; pickers search the accounts scope."""
    login(client)
    staff = user(demo, "annv.syt")
    for url in ("/accounts/", "/accounts/new", "/accounts/bulk", f"/accounts/{staff.id}", "/quick-roles/"):
        resp = client.get(url)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
        assert len(options) < 40 and not any("Phòng Nội vụ" in o for o in options), url
        assert "unit-picker" in page, url
    assert "for=accounts" in client.get("/accounts/new").get_data(as_text=True)


# --------------------------------------------------------------------------- lost passwords


def test_lost_password_requests_are_resolved_on_a_written_report(client, demo):
    """HCM-15.4: the agency administrator sees its staff's requests only, and gives a new password only with
    the number of the written report."""
    acc.request_password_reset("annv.syt", "0912 345 678", "Mất điện thoại")
    foreign = acc.request_password_reset("sonoivu.chuyenvien", None, None)
    login(client, "syt.quantri")
    page = client.get("/password-requests/").get_data(as_text=True)
    assert "annv.syt" in page and "Mất điện thoại" in page and "sonoivu.chuyenvien" not in page
    mine = demo.session.scalar(select(PasswordRequest).where(PasswordRequest.username == "annv.syt"))
    before = snapshot(demo)
    assert client.post(f"/password-requests/{foreign.id}/resolve",
                       data={f"r{foreign.id}-document_number": "9/SNV"}).status_code == 404
    resp = client.post(f"/password-requests/{mine.id}/resolve", data={f"r{mine.id}-document_number": ""})
    assert resp.status_code == 400 and "Số văn bản báo mất mật khẩu là bắt buộc." in resp.get_data(
        as_text=True)
    assert snapshot(demo) == before
    resp = client.post(f"/password-requests/{mine.id}/resolve", data={f"r{mine.id}-document_number": "77/BC"})
    assert resp.status_code == 200 and "annv.syt" in passwords_on(resp.get_data(as_text=True))
    demo.session.expire_all()
    assert mine.status == "resolved" and mine.document_number == "77/BC"
    assert user(demo, "annv.syt").must_change_password
    assert "annv.syt" not in client.get("/password-requests/").get_data(as_text=True)


# --------------------------------------------------------------------------- quick role tweaks


def test_quick_roles_is_for_so_noi_vu_admin_only(client, demo):
    """HN-9.1: the city-wide quick role screen is Sở Nội vụ's; an agency administrator gets 403."""
    login(client, "syt.quantri")
    staff = user(demo, "annv.syt")
    before = snapshot(demo)
    assert client.get("/quick-roles/").status_code == 403
    resp = client.post(f"/quick-roles/{staff.id}/grant", data={"grant-role_name": ROLE_REPORT_VIEWER})
    assert resp.status_code == 403
    assert snapshot(demo) == before


def test_quick_roles_search_grant_and_revoke(client, demo, unit_by_name):
    """HN-9.1, HCM-11.2: Sở Nội vụ finds a user, adds a role on a unit and revokes it in a few clicks; each
    change is in the security log and the change log."""
    login(client)
    staff = user(demo, "annv.syt")
    found = client.get("/quick-roles/?q=nguyen van an").get_data(as_text=True)
    assert "annv.syt" in found and "sonoivu.admin" not in found
    by_unit = client.get(f"/quick-roles/?unit_id={unit_by_name('Sở Y tế').id}").get_data(as_text=True)
    assert "syt.quantri" in by_unit and "sonoivu.admin" not in by_unit
    page = client.get(f"/quick-roles/?user={staff.id}").get_data(as_text=True)
    assert 'id="quick-user"' in page and ROLE_SELF_SERVICE in page

    unit = unit_by_name("Sở Y tế")
    data = {"grant-role_name": ROLE_REPORT_VIEWER, "grant-org_unit_id": str(unit.id), "grant-request_number": ""}
    resp = client.post(f"/quick-roles/{staff.id}/grant", data=data)
    assert resp.status_code == 400 and "Số văn bản đề nghị là bắt buộc." in resp.get_data(as_text=True)
    data["grant-request_number"] = "70/SNV"
    resp = client.post(f"/quick-roles/{staff.id}/grant", data=data)
    assert resp.status_code == 302 and f"user={staff.id}" in resp.headers["Location"]
    grant = demo.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == staff.id,
                                                             RoleAssignment.org_unit_id == unit.id))
    assert grant.role.name == ROLE_REPORT_VIEWER and grant.request_number == "70/SNV"
    resp = client.post(f"/quick-roles/{staff.id}/revoke/{grant.id}",
                       data={f"a{grant.id}-revoke-request_number": "71/SNV"})
    assert resp.status_code == 302
    demo.session.expire_all()
    assert grant.revoked_at is not None
    assert events(demo, "role_granted") == 1 and events(demo, "role_revoked") == 1
    assert count(demo, ChangeLog, ChangeLog.object_type == "RoleAssignment") >= 2
