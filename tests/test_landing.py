"""Issue 15 item 5: each role lands on its work after login (``views/home.py``)."""

import pytest

from tests.clients import client_for

LANDING = {
    "sonoivu.admin": "/org/tree",
    "syt.thutruong": "/dashboard/",
    "syt.tccb": "/people/",
    "xem.baocao": "/dashboard/",
}
# Staff with a file land on it (tests/test_personnel_views.py), without one on their account page (test_security).


@pytest.mark.parametrize("username", sorted(LANDING))
def test_each_role_lands_on_its_work(app, demo, username):
    """The home page sends each demo role to its own page, and that page opens."""
    client = client_for(app, username)
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(LANDING[username]), (
        username, resp.headers.get("Location"))
    assert client.get(resp.headers["Location"]).status_code == 200


def test_login_page_links_the_lost_password_form(client):
    """The login page offers "Quên mật khẩu?" (the lost-password report of HCM-15.4)."""
    page = client.get("/login/").get_data(as_text=True)
    assert 'id="lost-password-link"' in page and "/lost-password/" in page and "Quên mật khẩu" in page
    assert client.get("/lost-password/").status_code == 200


def test_navbar_names_the_user_in_vietnamese_order(app, demo):
    """The navbar shows "Họ tên đệm Tên" (issue 15 item 4), not FAB's "first last"."""
    from models.accounts import Account
    from tests.clients import body

    user = demo.session.query(Account).filter_by(username="syt.tccb").one()
    page = body(client_for(app, "syt.tccb").get("/people/"))
    assert f"{user.last_name} {user.first_name}" in page
    assert f"{user.first_name} {user.last_name}" not in page
