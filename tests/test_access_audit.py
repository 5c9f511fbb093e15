"""Consent grants, delegations, audit logs and password screens through HTTP (HN-8.3, HCM-4.7, HN-6.4,
HN-6.2, HCM-15.4, HN-4.3)."""

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.security import scope
from models.accounts import Account, ConsentGrant, Delegation, PasswordRequest
from models.org_units import OrgUnit
from tests.factories import login
from tests.url_routes import without_per_response_tokens


def account(db, username):
    return db.session.scalar(select(Account).where(Account.username == username))


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def day(offset=0):
    return (date.today() + timedelta(days=offset)).isoformat()


def subtree_ids(db, unit):
    return {str(i) for i in db.session.scalars(select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%")))}


def consent_form(unit, **extra):
    data = {"grantee_username": "xem.baocao", "org_unit_id": str(unit.id), "purpose": "Thanh tra công vụ",
            "document_number": "15/GĐ-SYT", "valid_to": day(30)}
    data.update(extra)
    return data


def delegation_form(unit, action="manage_accounts", **extra):
    data = {"delegate_username": "annv.syt", "org_unit_id": str(unit.id), "action": action,
            "include_descendants": "y", "document_number": "07/UQ-SYT", "valid_to": day(30)}
    data.update(extra)
    return data


def switch(client, username):
    """Log out, then in as another user (FAB's login page ignores a client that is already signed in)."""
    client.post("/logout/")
    login(client, username)


# --------------------------------------------------------------------------- consent (HN-8.3, HCM-4.7)


def test_head_grants_consent_inside_own_agency(client, demo, unit_by_name):
    """HN-8.3, HCM-4.7: the head of Sở Y tế records a written consent on one of its units; it is listed in force."""
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    login(client, "syt.thutruong")
    assert client.get("/consents/new").status_code == 200
    resp = client.post("/consents/new", data=consent_form(unit, include_descendants="y"))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/consents/")
    grant = demo.session.scalar(select(ConsentGrant))
    assert grant.grantee.username == "xem.baocao" and grant.org_unit_id == unit.id and grant.include_descendants
    assert grant.document_number == "15/GĐ-SYT" and grant.valid_from == date.today()
    html = client.get("/consents/").get_data(as_text=True)
    assert 'data-status="active"' in html and "Đang hiệu lực" in html and "15/GĐ-SYT" in html


def test_consent_outside_own_agency_is_forbidden(client, demo, unit_by_name):
    """HN-8.3: a head may not consent to the data of another agency: 403 and nothing written."""
    login(client, "syt.thutruong")
    resp = client.post("/consents/new", data=consent_form(unit_by_name("Sở Tài chính")))
    assert resp.status_code == 403
    assert count(demo, ConsentGrant) == 0


def test_consent_form_errors_are_vietnamese_and_next_to_fields(client, demo, unit_by_name):
    """HN-8.3: the document number and expiry are required; an unknown grantee is named; HTTP 400, no row."""
    login(client, "syt.thutruong")
    resp = client.post("/consents/new", data=consent_form(unit_by_name("Bệnh viện Thanh Nhàn"), document_number="",
                                                          valid_to=""))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'data-field="document_number">Số văn bản đồng ý là bắt buộc.' in html
    assert 'data-field="valid_to">Ngày hết hạn là bắt buộc.' in html
    resp = client.post("/consents/new", data=consent_form(unit_by_name("Bệnh viện Thanh Nhàn"),
                                                          grantee_username="khong.co.ai"))
    assert resp.status_code == 400
    assert "Không tìm thấy tài khoản có tên đăng nhập khong.co.ai." in resp.get_data(as_text=True)
    assert count(demo, ConsentGrant) == 0


def test_consent_expires_by_itself(client, demo, unit_by_name, monkeypatch):
    """HN-8.3: consent is dated; once its last day has passed it is listed as expired without anyone acting."""
    login(client, "syt.thutruong")
    client.post("/consents/new", data=consent_form(unit_by_name("Bệnh viện Thanh Nhàn"), valid_to=day(5)))
    grant = demo.session.scalar(select(ConsentGrant))
    assert grant.is_valid_on(date.today())
    monkeypatch.setattr(scope, "today", lambda: date.today() + timedelta(days=6))
    html = client.get("/consents/").get_data(as_text=True)
    assert 'data-status="expired"' in html and "Hết hạn" in html
    assert f'data-id="{grant.id}"' in client.get("/consents/?status=expired").get_data(as_text=True)
    assert f'data-id="{grant.id}"' not in client.get("/consents/?status=active").get_data(as_text=True)
    assert grant.revoked_at is None and not grant.is_valid_on(scope.today())


def test_revoke_consent(client, demo, unit_by_name):
    """HN-8.3: the head revokes a consent; it is listed as revoked. A grant out of its scope is a 404, unchanged."""
    from app.services import accounts

    own = accounts.grant_consent(account(demo, "syt.thutruong"), account(demo, "xem.baocao").id,
                                 unit_by_name("Bệnh viện Thanh Nhàn").id, purpose="Kiểm tra",
                                 document_number="20/GĐ-SYT", valid_to=date.today() + timedelta(days=10))
    other = accounts.grant_consent(account(demo, "sonoivu.giamdoc"), account(demo, "xem.baocao").id,
                                   unit_by_name("Sở Tài chính").id, purpose="Kiểm tra",
                                   document_number="21/GĐ-SNV", valid_to=date.today() + timedelta(days=10))
    own_id, other_id = own.id, other.id
    login(client, "syt.thutruong")
    resp = client.post(f"/consents/{own_id}/revoke")
    assert resp.status_code == 302
    assert demo.session.get(ConsentGrant, own_id).revoked_at is not None
    html = client.get("/consents/").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "Đã thu hồi" in html
    assert "21/GĐ-SNV" not in html
    assert client.post(f"/consents/{other_id}/revoke").status_code == 404
    assert client.post("/consents/999999/revoke").status_code == 404
    assert demo.session.get(ConsentGrant, other_id).revoked_at is None


# --------------------------------------------------------------------------- delegation (HN-6.4)


def test_agency_admin_delegates_account_management(client, demo, unit_by_name):
    """HN-6.4, HN-9.2: Sở Y tế's administrator delegates account management on a hospital to a staff member;
    the scope function then lets the delegate manage accounts there, and no longer after the revocation."""
    unit = unit_by_name("Bệnh viện Đa khoa Xanh Pôn")
    annv = account(demo, "annv.syt")
    scope.forget()
    assert not scope.allows(annv, "can_write", "Account", unit)
    login(client, "syt.quantri")
    resp = client.post("/delegations/new", data=delegation_form(unit))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/delegations/")
    row = demo.session.scalar(select(Delegation))
    assert (row.action, row.org_unit_id, row.delegate_id) == ("manage_accounts", unit.id, annv.id)
    scope.forget()
    assert scope.allows(annv, "can_write", "Account", unit)
    assert scope.allows(annv, "can_write", "Account", unit_by_name("Khoa Nội tổng hợp"))
    assert not scope.allows(annv, "can_write", "Account", unit_by_name("Bệnh viện Thanh Nhàn"))
    html = client.get("/delegations/").get_data(as_text=True)
    assert "Tạo và quản lý tài khoản" in html and 'data-status="active"' in html
    assert client.post(f"/delegations/{row.id}/revoke").status_code == 302
    scope.forget()
    assert not scope.allows(annv, "can_write", "Account", unit)
    assert 'data-status="revoked"' in client.get("/delegations/").get_data(as_text=True)


def test_agency_admin_cannot_delegate_approval(client, demo, unit_by_name):
    """HN-6.4: only the head approves or delegates approval; the agency administrator gets 403, nothing written."""
    login(client, "syt.quantri")
    resp = client.post("/delegations/new", data=delegation_form(unit_by_name("Bệnh viện Đa khoa Xanh Pôn"),
                                                                 action="approve"))
    assert resp.status_code == 403
    assert count(demo, Delegation) == 0


def test_head_delegates_approval_and_self_delegation_is_refused(client, demo, unit_by_name):
    """HN-6.4: the head delegates approval; delegating to oneself is a field error (400)."""
    unit = unit_by_name("Bệnh viện Thanh Nhàn")
    login(client, "syt.thutruong")
    resp = client.post("/delegations/new", data=delegation_form(unit, action="approve",
                                                                 delegate_username="syt.thutruong"))
    assert resp.status_code == 400
    assert 'data-field="delegate_username">Không thể ủy quyền cho chính mình.' in resp.get_data(as_text=True)
    assert client.post("/delegations/new", data=delegation_form(unit, action="approve")).status_code == 302
    assert demo.session.scalar(select(Delegation.action)) == "approve"


def test_user_search_is_bounded(client, demo, app):
    """Bounded lists: the username box suggests at most PICKER_LIMIT accounts by prefix, never the whole table."""
    login(client, "syt.thutruong")
    hits = client.get("/consents/api/users?q=sy").get_json()["results"]
    assert hits and len(hits) <= app.config["PICKER_LIMIT"]
    assert all(h["username"].startswith("sy") for h in hits)
    assert client.get("/consents/api/users?q=s").get_json()["results"] == []
    html = client.get("/consents/new").get_data(as_text=True)
    assert len(re.findall(r"<option", html)) < 10


def test_screens_need_their_permissions(client, demo):
    """HN-4.3: a self-service account reaches neither the consent, delegation nor audit screens."""
    assert client.get("/audit/changes/").status_code == 302
    login(client, "annv.syt")
    for url in ("/consents/", "/delegations/", "/audit/changes/", "/audit/access/"):
        assert client.get(url).status_code == 403, url


# --------------------------------------------------------------------------- audit (HN-4.3)


def test_change_log_is_scoped_to_the_subtree(client, demo, unit_by_name):
    """HN-4.3: an agency administrator sees only the change log of its subtree; Sở Nội vụ sees every row.
    Each change shows its fields before and after."""
    from app import audit
    from app.services import accounts

    admin = account(demo, "sonoivu.admin")
    annv, officer = account(demo, "annv.syt"), account(demo, "sonoivu.chuyenvien")
    annv_id, officer_id = annv.id, officer.id
    with audit.acting_as(admin):
        accounts.lock_account(admin, annv_id)
        accounts.lock_account(admin, officer_id)
    syt = subtree_ids(demo, unit_by_name("Sở Y tế"))

    login(client, "syt.quantri")
    resp = client.get("/audit/changes/?object_type=Account")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Nhật ký thay đổi" in html
    units = re.findall(r'class="change-row" data-id="\d+" data-object="[^"]*" data-unit="([^"]*)"', html)
    assert units and set(units) <= syt
    assert f'data-object="Account/{annv_id}"' in html
    assert f'data-object="Account/{officer_id}"' not in html
    assert "locked_at" in html and "sonoivu.admin" in html

    switch(client, "sonoivu.admin")
    html = client.get("/audit/changes/?object_type=Account&user_name=sonoivu.admin").get_data(as_text=True)
    assert f'data-object="Account/{annv_id}"' in html and f'data-object="Account/{officer_id}"' in html
    assert f'data-object="Account/{officer_id}"' not in client.get(
        f"/audit/changes/?object_type=Account&object_id={annv_id}").get_data(as_text=True)


def test_change_log_pages_hold_fifty_rows(client, demo):
    """Bounded lists: 50 rows a page, newest first, with a link to the next page; a bad date is a 400."""
    login(client)
    html = client.get("/audit/changes/").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'class="change-row" data-id="(\d+)"', html)]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert 'rel="next"' in html
    page2 = client.get("/audit/changes/?page=2").get_data(as_text=True)
    ids2 = [int(i) for i in re.findall(r'class="change-row" data-id="(\d+)"', page2)]
    assert ids2 and max(ids2) < min(ids)
    resp = client.get("/audit/changes/?date_from=hom-nay")
    assert resp.status_code == 400
    assert client.get(f"/audit/changes/?date_from={day()}&date_to={day()}").status_code == 200


def test_access_log_lists_login_events(client, demo):
    """HN-4.3: logins are in the access log with time, user, IP and a Vietnamese event name; a failed login under
    an unknown name (no unit) is seen by Sở Nội vụ only."""
    client.post("/login/", data={"username": "khong.ton.tai", "password": "sai"})
    login(client, "syt.quantri")
    html = client.get("/audit/access/?event=login").get_data(as_text=True)
    assert 'data-event="login"' in html and "syt.quantri" in html and "Đăng nhập" in html and "127.0.0.1" in html
    assert 'data-event="logout"' not in html
    assert "khong.ton.tai" not in client.get("/audit/access/?event=login_failed").get_data(as_text=True)
    switch(client, "sonoivu.giamdoc")
    html = client.get("/audit/access/?event=login_failed").get_data(as_text=True)
    assert "khong.ton.tai" in html and "Đăng nhập sai" in html
    assert "syt.quantri" in client.get("/audit/access/?user_name=syt.quantri").get_data(as_text=True)


# --------------------------------------------------------------------------- passwords (HN-6.2, HCM-15.4)


def test_password_change_errors_are_vietnamese(client, demo):
    """HN-6.2: a wrong current password and a weak new one are reported next to their fields, HTTP 400."""
    login(client, "annv.syt")
    resp = client.post("/my/password", data={"old_password": "sai", "new_password": "Moi@2026xyz",
                                             "confirm": "Moi@2026xyz"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-field="old_password">Mật khẩu hiện tại không đúng.' in html
    resp = client.post("/my/password", data={"old_password": "Demo@2026", "new_password": "yeu",
                                             "confirm": "khac"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Mật khẩu phải có ít nhất 10 ký tự." in html and "Mật khẩu phải có ít nhất một chữ số." in html
    assert 'data-field="confirm">Mật khẩu nhập lại không khớp.' in html


def test_password_change_clears_the_first_login_flag(client, demo):
    """HN-6.2: a user with the default password is told to change it; the change clears the flag."""
    annv = account(demo, "annv.syt")
    annv.must_change_password = True
    demo.session.commit()
    login(client, "annv.syt")
    html = client.get("/my/password").get_data(as_text=True)
    assert "Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống." in html
    assert "ít nhất 10 ký tự" in html
    resp = client.post("/my/password", data={"old_password": "Demo@2026", "new_password": "Moi@2026xyz",
                                             "confirm": "Moi@2026xyz"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    demo.session.refresh(annv)
    assert annv.must_change_password is False and annv.password_changed_at is not None
    assert "Bạn phải đổi mật khẩu" not in client.get("/my/password").get_data(as_text=True)


def test_lost_password_request_does_not_reveal_accounts(client, demo):
    """HCM-15.4: the public form records a request for the agency administrator; the answer is the same whether
    or not the username exists, and asks for a written report."""
    assert client.get("/lost-password/").status_code == 200
    resp = client.post("/lost-password/", data={"username": "annv.syt", "contact": "0912 345 678",
                                                "note": "Quên mật khẩu"})
    assert resp.status_code == 302
    known = client.get(resp.headers["Location"]).get_data(as_text=True)
    req = demo.session.scalar(select(PasswordRequest))
    assert req.user_id == account(demo, "annv.syt").id and req.status == "open" and req.contact == "0912 345 678"
    resp = client.post("/lost-password/", data={"username": "khong.ton.tai"})
    assert resp.status_code == 302
    unknown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert without_per_response_tokens(known) == without_per_response_tokens(unknown)
    assert "bằng văn bản" in known and "thủ trưởng cơ quan và Sở Nội vụ" in known
    assert count(demo, PasswordRequest) == 2
    resp = client.post("/lost-password/", data={"username": ""})
    assert resp.status_code == 400 and "Tên đăng nhập là bắt buộc." in resp.get_data(as_text=True)


def test_forms_refuse_a_missing_csrf_token(client, demo, unit_by_name, monkeypatch, app):
    """Security: with CSRF protection on (as in production), a POST without the token writes nothing;
    the GET filter forms of the lists and logs need no token."""
    login(client, "syt.quantri")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = client.post("/delegations/new", data=delegation_form(unit_by_name("Bệnh viện Thanh Nhàn")))
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    assert count(demo, Delegation) == 0
    assert 'name="csrf_token"' in client.get("/delegations/new").get_data(as_text=True)
    assert client.get("/delegations/?status=active").status_code == 200
    assert client.get(f"/audit/changes/?date_from={day()}").status_code == 200
    assert client.get("/audit/access/?event=login").status_code == 200


def test_a_consent_or_delegation_is_revoked_only_once(client, demo, unit_by_name):
    """HN-8.3, HN-6.4: revoking twice is refused with a field error; the first revocation time and its single
    security-log event stay as they were (the screens flash the error and redirect)."""
    import pytest

    from app.services import accounts
    from app.services.errors import ValidationError
    from models.audit import AccessLog

    def events(name):
        return demo.session.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.event == name))

    head, admin = account(demo, "syt.thutruong"), account(demo, "syt.quantri")
    grant = accounts.grant_consent(head, account(demo, "xem.baocao").id, unit_by_name("Bệnh viện Thanh Nhàn").id,
                                   purpose="Kiểm tra", document_number="22/GĐ-SYT",
                                   valid_to=date.today() + timedelta(days=10))
    row = accounts.delegate(admin, account(demo, "annv.syt").id, unit_by_name("Bệnh viện Đa khoa Xanh Pôn").id,
                            "manage_accounts", document_number="08/UQ-SYT", valid_to=date.today() + timedelta(days=10))
    grant_id, row_id = grant.id, row.id
    first = accounts.revoke_consent(head, grant_id).revoked_at
    with pytest.raises(ValidationError) as err:
        accounts.revoke_consent(head, grant_id)
    assert err.value.errors == {"revoked": ["Văn bản cho phép khai thác này đã bị thu hồi."]}
    assert demo.session.get(ConsentGrant, grant_id).revoked_at == first
    assert events("consent_revoked") == 1

    first = accounts.revoke_delegation(admin, row_id).revoked_at
    with pytest.raises(ValidationError) as err:
        accounts.revoke_delegation(admin, row_id)
    assert err.value.errors == {"revoked": ["Ủy quyền này đã bị thu hồi."]}
    assert demo.session.get(Delegation, row_id).revoked_at == first
    assert events("delegation_revoked") == 1

    login(client, "syt.thutruong")
    resp = client.post(f"/consents/{grant_id}/revoke", follow_redirects=True)
    assert resp.status_code == 200 and "Văn bản cho phép khai thác này đã bị thu hồi." in resp.get_data(as_text=True)
    switch(client, "syt.quantri")
    resp = client.post(f"/delegations/{row_id}/revoke", follow_redirects=True)
    assert resp.status_code == 200 and "Ủy quyền này đã bị thu hồi." in resp.get_data(as_text=True)
    assert demo.session.get(Delegation, row_id).revoked_at == first
    assert (events("consent_revoked"), events("delegation_revoked")) == (1, 1)
