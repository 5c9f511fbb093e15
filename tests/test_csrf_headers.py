"""Issue 13 (items 3, 6, 7): CSRF on every POST route, no GET route writes, security headers and CSP nonces,
FAB's password and user screens, body caps, download names.

The CSRF tests run an app built with ``WTF_CSRF_ENABLED = True`` (the suite's TestConfig turns it off so that
the other tests post without tokens) and walk the whole URL map (``tests/url_routes.py``).
"""

import re
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from config import TestConfig
from tests.factories import CsrfConfig, IsolatedClient, login
from tests.url_routes import build_url, csrf_login, csrf_token_of, fingerprint, routes

#: POST routes outside CSRF on purpose: FAB's REST login and refresh authenticate with a JWT in the body or the
#: Authorization header, never with the session cookie, so a forged cross-site request carries no credential.
CSRF_EXEMPT = {"RateLimitedSecurityApi.login", "RateLimitedSecurityApi.refresh"}
#: GET routes the walk does not follow (logging out is a POST; its GET only asks, and is walked).
GET_SKIPPED: set[str] = set()
#: GET routes allowed to write, with the only table they may touch: opening a notification from the bell or an
#: e-mail link marks it read (a read receipt of one's own notification, like the access log of a read).
GET_MAY_WRITE = {"NotificationsView.open": "notification"}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture(scope="module")
def csrf_app(app):
    """A second app on the same test database, with CSRF enabled."""
    from app import create_app

    return create_app(CsrfConfig)


def _client(application, username=None):
    client = IsolatedClient(application, application.response_class, use_cookies=True)
    if username:
        csrf_login(client, username)
    return client


def _ids(db, username: str) -> dict:
    """Existing demo ids for every URL argument, per endpoint where ``pk`` means different things."""
    def first(sql, **params):
        return db.session.execute(text(sql), params).scalar() or 1

    me = first("SELECT id FROM ab_user WHERE username = :u", u=username)
    person = first("SELECT id FROM person WHERE version_no >= 1 ORDER BY id")
    unit = first("SELECT org_unit_id FROM person WHERE id = :p", p=person)
    by_view = {
        "OrgTreeView": unit, "OrgUnitModelView": unit, "AccountsView": me, "QuickRolesView": me,
        "UserDBModelView": me, "PeopleView": person, "SyllView": person,
        "PasswordRequestsView": first("SELECT min(id) FROM password_request"),
        "ConsentView": first("SELECT min(id) FROM consent_grant"),
        "DelegationView": first("SELECT min(id) FROM delegation"),
        "RoleModelView": first("SELECT min(id) FROM ab_role"),
        "PermissionModelView": first("SELECT min(id) FROM ab_permission"),
        "ViewMenuModelView": first("SELECT min(id) FROM ab_view_menu"),
        "PermissionViewModelView": first("SELECT min(id) FROM ab_permission_view"),
        "UserGroupModelView": first("SELECT min(id) FROM ab_group"),
        "WorkdayOverrideView": first("SELECT min(id) FROM workday_override"),
    }
    ids = {
        "cs_id": first("SELECT min(id) FROM change_set"),
        "att_id": first("SELECT min(id) FROM attachment"),
        "item_id": first("SELECT min(id) FROM change_item"),
        "aid": first("SELECT min(id) FROM role_assignment WHERE user_id = :a", a=me),
        "nid": first("SELECT min(id) FROM notification WHERE user_id = :a", a=me),
        "export_id": first("SELECT min(id) FROM export_job"),
        "no": 1,
    }
    return ids, by_view


def _url(application, rule, ids, by_view):
    view = rule.endpoint.split(".")[0]
    specific = {f"{rule.endpoint}:pk": by_view[view]} if view in by_view else {}
    return build_url(application, rule, {**ids, **specific})


def test_every_post_route_refuses_a_missing_token(csrf_app, demo_people):
    """Issue 13 item 3: with CSRF on, every POST route of the URL map answers a token-less POST of a signed-in
    administrator with the Vietnamese 400 page and changes nothing (FAB's model views, the certificate upload,
    ``/roles/action_post`` included); the anonymous login form too."""
    db = demo_people
    admin = _client(csrf_app, "sonoivu.admin")
    ids, by_view = _ids(db, "sonoivu.admin")
    before = fingerprint(db.session)
    posts = [r for r in routes(csrf_app, "POST") if r.endpoint not in CSRF_EXEMPT]
    assert {"MyCertificateView.upload", "RoleModelView.action_post", "WorkdayOverrideView.delete",
            "UserDBModelView.delete"} <= {r.endpoint for r in posts}
    wrong = {}
    for rule in posts:
        url = _url(csrf_app, rule, ids, by_view)
        try:
            resp = admin.post(url, data={"rowid": "1", "action": "delete", "name": "x"})
        except Exception as exc:  # noqa: BLE001  (the request went past the CSRF check into the view)
            wrong[rule.endpoint] = type(exc).__name__
            continue
        page = resp.get_data(as_text=True)
        if resp.status_code != 400 or "mã xác thực CSRF" not in page:
            wrong[rule.endpoint] = resp.status_code
    assert wrong == {}
    anonymous = _client(csrf_app)
    resp = anonymous.post("/login/", data={"username": "sonoivu.admin", "password": "Demo@2026"})
    assert resp.status_code == 400 and "Yêu cầu không hợp lệ" in resp.get_data(as_text=True)
    assert fingerprint(db.session) == before
    # With the token the same administrator still works (the token comes from the page's form or meta tag).
    page = admin.get("/notifications/").get_data(as_text=True)
    assert admin.post("/notifications/read-all", data={"csrf_token": csrf_token_of(page)}).status_code == 302
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)  # what static/js/csrf.js sends
    assert admin.post("/notifications/read-all", headers={"X-CSRFToken": meta}).status_code == 302


def test_fab_delete_and_actions_are_post_only(csrf_app, demo_people):
    """Issue 13 item 3: FAB's ``delete/<pk>`` and ``action/<name>/<pk>`` of every model view (ours and FAB's
    security views) answer POST only; a GET is 405 and deletes nothing."""
    db = demo_people
    admin = _client(csrf_app, "sonoivu.admin")
    db.session.execute(text("INSERT INTO workday_override (day, kind, reason, created_at) "
                            "VALUES ('2031-01-02', 'off', 'thử', now())"))
    db.session.commit()
    override = db.session.execute(text("SELECT max(id) FROM workday_override")).scalar()
    for rule in csrf_app.url_map.iter_rules():
        if re.search(r"/(delete|action)/", rule.rule) and rule.endpoint.split(".")[1] in ("delete", "action"):
            assert "GET" not in rule.methods, rule.rule
    assert admin.get(f"/workdays/overrides/delete/{override}").status_code == 405
    role = db.session.execute(text("SELECT min(id) FROM ab_role")).scalar()
    assert admin.get(f"/roles/delete/{role}").status_code == 405
    assert db.session.execute(text("SELECT count(*) FROM workday_override WHERE id = :i"), {"i": override}).scalar()


@pytest.mark.parametrize("username", ["sonoivu.admin", "annv.syt"])
def test_no_get_route_changes_a_row(csrf_app, demo_people, username):
    """Issue 13: as the administrator and as a self-service user, GET every GET route of the URL map (ids of
    existing demo objects): no table changes (row count and MD5 of every row), except the access log (reads are
    audited by design) and a notification opened from the bell (its read receipt)."""
    db = demo_people
    db.session.execute(text("INSERT INTO workday_override (day, kind, reason, created_at) "
                            "VALUES ('2031-01-02', 'off', 'thử', now())"))
    db.session.commit()
    client = _client(csrf_app, username)
    ids, by_view = _ids(db, username)
    changed, errors = {}, {}
    after = fingerprint(db.session)
    for rule in routes(csrf_app, "GET"):
        if rule.endpoint in GET_SKIPPED:
            continue
        before = after
        url = _url(csrf_app, rule, ids, by_view)
        try:
            resp = client.get(url)
        except Exception as exc:  # noqa: BLE001
            errors[url] = type(exc).__name__
        else:
            if resp.status_code >= 500:
                errors[url] = resp.status_code
        after = fingerprint(db.session)
        diff = sorted(t for t in before if before[t] != after.get(t))
        allowed = GET_MAY_WRITE.get(rule.endpoint)
        if diff and diff != [allowed]:
            changed[url] = diff
    assert changed == {}
    assert errors == {}


def _headers_ok(resp):
    missing = [h for h in SECURITY_HEADERS if h not in resp.headers]
    assert not missing, (resp.request.path, resp.status_code, missing)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp), csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin")
    assert "Strict-Transport-Security" not in resp.headers  # HTTPS is forced only when configured


def test_every_response_carries_the_security_headers(app, client, demo_people, csrf_app):
    """Issue 13 item 7: HTML pages, JSON, error pages (404, 403, 405, 413, CSRF 400), static files and the
    anonymous login page all carry the CSP (script nonce, frame-ancestors), X-Frame-Options, nosniff and
    Referrer-Policy; no HTTPS redirect or HSTS in tests."""
    anonymous = app.test_client()
    for resp in (anonymous.get("/login/"), anonymous.get("/static/css/cbccvc.css"),
                 anonymous.get("/static/appbuilder/js/ab.js"), anonymous.get("/no-such-page")):
        _headers_ok(resp)
    assert login(client).status_code == 302
    for url in ("/", "/org/api/search?q=so", "/no-such-page", "/people/999999999", "/favicon.ico"):
        _headers_ok(client.get(url))
    _headers_ok(client.get("/workdays/overrides/delete/1"))  # 405
    officer = IsolatedClient(app, app.response_class, use_cookies=True)
    login(officer, "annv.syt")
    _headers_ok(officer.get("/audit/changes/"))  # 403
    _headers_ok(_client(csrf_app).post("/login/", data={}))  # CSRF 400


#: The main pages, by the username that sees them.
PAGES = {
    "sonoivu.admin": ["/org/tree", "/org-units/list/", "/people/", "{person}", "/people/changes/",
                      "/workdays/overrides/list/", "/roles/list/", "/users/list/", "/accounts/",
                      "/consents/new", "/delegations/new", "/people/syll/exports", "/signatures/verify/",
                      "/signatures/my-certificate/", "/notifications/", "/audit/changes/", "/compliance/",
                      "/workdays/", "/org/units/new", "/users/userinfo/", "/my/password", "/lost-password/"],
    "annv.syt": ["/my/file/", "/my/file/edit/identity", "/my/file/draft", "/users/userinfo/"],
}


def test_inline_scripts_carry_the_response_nonce(app, demo_people):
    """Issue 13 item 7: every inline script of the main pages (ours and FAB's) carries this response's CSP nonce,
    and no page has an inline event handler (``onclick=`` …) or a ``javascript:`` URL, which CSP would block."""
    db = demo_people
    person = db.session.execute(text("SELECT min(id) FROM person WHERE version_no >= 1")).scalar()
    problems = []
    for username, pages in PAGES.items():
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        assert login(client, username).status_code == 302
        for url in pages:
            url = url.format(person=f"/people/{person}")
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
            nonce = re.search(r"'nonce-([\w-]+)'", resp.headers["Content-Security-Policy"]).group(1)
            html = resp.get_data(as_text=True)
            for tag in re.findall(r"<script\b[^>]*>", html):
                if "application/json" in tag:
                    continue
                if f'nonce="{nonce}"' not in tag and "src=" not in tag:
                    problems.append((url, tag))
            problems += [(url, m) for m in re.findall(r"<[^>]*\son[a-z]+\s*=[^>]*>", html)]
            problems += [(url, m) for m in re.findall(r"javascript:", html, re.I)]
            assert '<meta name="csrf-token"' in html, url
    assert problems == []


def test_session_cookie_secure_follows_the_environment():
    """Issue 13 item 7: the session cookie is Secure by default when DATABASE_URL is set (not the embedded
    default), off in the embedded default and in tests, and SESSION_COOKIE_SECURE overrides it."""
    def secure(env):
        code = "import config; print(config.Config.SESSION_COOKIE_SECURE)"
        base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
        return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                              check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent)).stdout.strip()

    assert secure({"DATABASE_URL": "postgresql://db/cbccvc"}) == "True"
    assert secure({}) == "False"
    assert secure({"DATABASE_URL": "postgresql://db/cbccvc", "SESSION_COOKIE_SECURE": "0"}) == "False"
    assert TestConfig.SESSION_COOKIE_SECURE is False


class CountingStream:
    """A request body that counts what the server reads."""

    def __init__(self, size):
        self.size, self.read_bytes, self.pos = size, 0, 0

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = self.size if whence == 2 else offset

    def read(self, n=-1):
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        self.read_bytes += n
        self.pos += n
        return b"a" * n

    def readline(self, n=-1):
        return self.read(n)


def test_large_anonymous_body_is_refused_before_it_is_read(app, client, demo):
    """Issue 13 item 7: an anonymous 50 MB POST is answered 413 with the Vietnamese page without reading the body;
    a signed-in user's body is capped by MAX_CONTENT_LENGTH (≥ the 30 MB signed-PDF check)."""
    assert app.config["MAX_CONTENT_LENGTH"] >= app.config["SIGN_VERIFY_MAX_BYTES"]
    size = 50 * 1024 * 1024
    stream = CountingStream(size)
    resp = app.test_client().post("/login/", input_stream=stream, content_length=size,
                                  content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413 and "Tệp quá lớn" in resp.get_data(as_text=True)
    assert stream.read_bytes == 0
    stream = CountingStream(size)
    resp = app.test_client().post("/lost-password/", input_stream=stream, content_length=size,
                                  content_type="multipart/form-data; boundary=x")
    assert resp.status_code == 413 and stream.read_bytes == 0
    assert login(client).status_code == 302
    stream = CountingStream(size)
    resp = client.post("/signatures/verify/", input_stream=stream, content_length=size,
                       content_type="multipart/form-data; boundary=x")
    assert resp.status_code == 413 and stream.read_bytes == 0


def test_downloads_are_attachments_named_by_their_checked_type(app, demo_people):
    """Issue 13 item 7: a proof uploaded as "….exe" but checked to be a PDF downloads as an attachment named
    ".pdf"; the SYLL PDF and the org-unit CSV are attachments with their extension."""
    from app.security.downloads import attachment_name
    from app.services import personnel as svc
    from models.accounts import Account
    from models.personnel import Person

    db = demo_people
    staff = db.session.scalar(select(Account).where(Account.username == "annv.syt"))
    person = db.session.scalar(select(Person).where(Person.account_id == staff.id))
    att = svc.add_attachment(staff, person.id, b"%PDF-1.4\n%%EOF\n", "Quyết định.exe", "quyet_dinh")
    db.session.commit()
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, "annv.syt").status_code == 302
    resp = client.get(f"/my/file/attachments/{att.id}")
    disposition = resp.headers["Content-Disposition"]
    assert resp.status_code == 200 and disposition.startswith("attachment")
    assert "Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf" in disposition and ".exe" not in disposition
    resp = client.get("/my/file/syll/print")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment") and ".pdf" in resp.headers[
        "Content-Disposition"]
    assert attachment_name("scan.JPEG", "image/jpeg") == "scan.JPEG"
    assert attachment_name("anh.png", "image/jpeg") == "anh.jpg"
    assert attachment_name("", "application/zip", "syll.zip") == "syll.zip"
    assert attachment_name("Sơ yếu lý lịch - Sở Y tế", "application/zip") == "Sơ yếu lý lịch - Sở Y tế.zip"


@pytest.mark.parametrize("username", ["syt.tccb", "annv.syt", "sonoivu.chuyenvien", "syt.quantri"])
def test_fab_password_and_user_screens_are_not_for_other_roles(app, demo, username):
    """Issue 13 item 6: FAB's reset-my-password (no current password) and user add/edit/delete are refused (403)
    to every role but the technical administrator; its profile page offers no password reset."""
    db = demo
    me = db.session.execute(text("SELECT id FROM ab_user WHERE username = :u"), {"u": username}).scalar()
    client = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(client, username).status_code == 302
    hashes = db.session.execute(text("SELECT password FROM ab_user WHERE id = :i"), {"i": me}).scalar()
    assert client.get("/resetmypassword/form").status_code == 403
    resp = client.post("/resetmypassword/form", data={"password": "Moi@12345678", "conf_password": "Moi@12345678"})
    assert resp.status_code == 403
    assert client.get("/users/add").status_code == 403
    assert client.get(f"/users/edit/{me}").status_code == 403
    assert client.post(f"/users/delete/{me}").status_code == 403
    db.session.rollback()
    assert db.session.execute(text("SELECT password FROM ab_user WHERE id = :i"), {"i": me}).scalar() == hashes
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200 and "resetmypassword" not in profile.get_data(as_text=True)


def test_admin_keeps_fab_user_screens_and_is_sent_to_our_password_form(app, client, demo):
    """Issue 13 item 6: the technical administrator keeps FAB's user screens; FAB's reset-my-password sends even
    the administrator to "Đổi mật khẩu" (which asks for the current password) and changes nothing."""
    db = demo
    assert login(client).status_code == 302
    assert client.get("/users/add").status_code == 200
    me = db.session.execute(text("SELECT id, password FROM ab_user WHERE username = 'sonoivu.admin'")).one()
    assert client.get(f"/users/edit/{me.id}").status_code == 200
    resp = client.get("/resetmypassword/form")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/password")
    resp = client.post("/resetmypassword/form", data={"password": "Moi@12345678", "conf_password": "Moi@12345678"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my/password")
    db.session.rollback()
    assert db.session.execute(text("SELECT password FROM ab_user WHERE id = :i"), {"i": me.id}).scalar() == me.password
