"""Sessions end when they should (issue 13, item 5): logout, a lockout or an administrator's lock, a password
change and a reset end every session of the account — a copied session cookie included — while a fresh login
works. REST tokens carry the same session epoch."""

import pytest
from sqlalchemy import select

from app.services import accounts as acc
from models.accounts import Account
from tests.factories import IsolatedClient, login

STAFF = "annv.syt"
PAGE = "/my/password"  # every signed-in role may open it; anonymous requests are sent to the login page


def user(db, username):
    db.session.expire_all()
    return db.session.scalar(select(Account).where(Account.username == username))


def signed_in(client) -> bool:
    """Whether ``client``'s session is still signed in (200), or sent to the login page (302 to /login/)."""
    resp = client.get(PAGE)
    if resp.status_code == 302:
        assert "/login/" in resp.headers["Location"]
        return False
    assert resp.status_code == 200, resp.status_code
    return True


def browser(app):
    """A client of its own (the tests share one app context: Flask-Login's cached user is dropped per request)."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


def copy_session(app, source):
    """A second client carrying a copy of ``source``'s session cookie (a stolen or shared cookie)."""
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = source.get_cookie(name)
    assert cookie is not None
    other = browser(app)
    other.set_cookie(name, cookie.value, domain=cookie.domain or "localhost", path=cookie.path or "/")
    return other


@pytest.fixture()
def pair(app, demo):
    """(first client signed in as the staff member, second client with a copy of its cookie)."""
    first = browser(app)
    assert login(first, STAFF).status_code == 302
    second = copy_session(app, first)
    assert signed_in(first) and signed_in(second)
    return first, second


def test_logout_ends_a_copied_session(app, demo, pair):
    """Logging out ends the session everywhere: the copied cookie is sent to the login page; a new login works."""
    first, second = pair
    first.post("/logout/")
    assert not signed_in(second)
    assert not signed_in(first)
    assert login(first, STAFF).status_code == 302
    assert signed_in(first)
    assert not signed_in(second)  # the old cookie stays ended after the new login


def test_lockout_by_failed_logins_ends_open_sessions(app, demo, pair):
    """HN-6.2: five wrong passwords typed by someone else lock the account and end its open sessions; after
    the administrator unlocks it, a fresh login works."""
    first, second = pair
    attacker = browser(app)
    for _ in range(app.config["AUTH_MAX_FAILED_LOGINS"]):
        login(attacker, STAFF, "Sai-mat-khau-1")
    assert user(demo, STAFF).is_locked
    assert not signed_in(second)
    assert not signed_in(first)
    acc.unlock_account(user(demo, "syt.quantri"), user(demo, STAFF).id)
    fresh = browser(app)
    assert login(fresh, STAFF).status_code == 302 and signed_in(fresh)
    assert not signed_in(second)


def test_administrator_lock_ends_open_sessions(app, demo, pair):
    """The agency administrator's lock ends every session of the account at once, not at its next login."""
    first, second = pair
    acc.lock_account(user(demo, "syt.quantri"), user(demo, STAFF).id)
    assert not signed_in(second)
    assert not signed_in(first)
    acc.unlock_account(user(demo, "syt.quantri"), user(demo, STAFF).id)
    assert login(first, STAFF).status_code == 302 and signed_in(first)


def test_password_change_ends_the_other_sessions(app, demo, pair):
    """HN-6.2/HCM-15.4: changing one's password on /my/password ends every other session (the copied cookie);
    the session that made the change stays signed in; the new password logs in."""
    first, second = pair
    new = "Mat-khau-moi-2026"
    resp = first.post(PAGE, data={"old_password": "Demo@2026", "new_password": new, "confirm": new})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert not signed_in(second)
    assert signed_in(first)
    fresh = browser(app)
    assert login(fresh, STAFF, new).status_code == 302 and signed_in(fresh)


def test_fab_password_reset_ends_the_other_sessions(app, demo, pair):
    """FAB's own password forms go through ``SecurityManager.reset_password``: it ends the account's sessions."""
    first, second = pair
    staff = user(demo, STAFF)
    with app.test_request_context():
        app.appbuilder.sm.reset_password(staff.id, "Mat-khau-moi-2026")
    assert not signed_in(second)
    assert not signed_in(first)
    assert login(first, STAFF, "Mat-khau-moi-2026").status_code == 302 and signed_in(first)


def test_administrator_reset_ends_open_sessions(app, demo, pair):
    """HCM-15.4: the administrator's reset ends the account's sessions; the new default password logs in and
    must be changed first (HN-6.2)."""
    first, second = pair
    password = acc.reset_password(user(demo, "syt.quantri"), user(demo, STAFF).id)
    assert not signed_in(second)
    assert not signed_in(first)
    fresh = browser(app)
    assert login(fresh, STAFF, password).status_code == 302
    resp = fresh.get("/org/tree")
    assert resp.status_code == 302 and PAGE in resp.headers["Location"]
    assert signed_in(fresh)


def test_rest_tokens_end_with_the_sessions(app, demo):
    """The REST login's tokens carry the session epoch: after a logout (or a lock) the refresh token is
    refused with 401; a new REST login works."""
    api = browser(app)
    creds = {"username": STAFF, "password": "Demo@2026", "provider": "db", "refresh": True}
    tokens = api.post("/api/v1/security/login", json=creds).get_json()
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert api.post("/api/v1/security/refresh", headers=refresh).status_code == 200
    web = browser(app)
    assert login(web, STAFF).status_code == 302
    web.post("/logout/")
    assert api.post("/api/v1/security/refresh", headers=refresh).status_code == 401
    tokens = api.post("/api/v1/security/login", json=creds).get_json()
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert api.post("/api/v1/security/refresh", headers=refresh).status_code == 200
    acc.lock_account(user(demo, "syt.quantri"), user(demo, STAFF).id)
    assert api.post("/api/v1/security/refresh", headers=refresh).status_code == 401


def test_logout_is_a_post_and_its_get_only_asks(app, demo, pair):
    """Logging out ends every session of the account (a state change), so it is a POST: a GET of /logout/ (an
    old bookmark, a cross-site link) only shows the question and ends nothing."""
    first, second = pair
    page = first.get("/logout/")
    assert page.status_code == 200 and 'id="logout-page"' in page.get_data(as_text=True)
    assert signed_in(first) and signed_in(second)
    assert first.post("/logout/").status_code == 302
    assert not signed_in(second)
