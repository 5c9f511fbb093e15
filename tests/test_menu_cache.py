"""The navbar menu is rendered once per role set and follows permission changes at once (issue 14, item 2)."""

from flask import g
from sqlalchemy import select

from tests.clients import body, client_for
from tests.factories import account


def _menu(html: str) -> str:
    start = html.index('<ul class="nav navbar-nav">')
    return html[start:html.index("</ul>", html.index('<ul class="nav navbar-nav navbar-right">') - 200)]


def test_the_menu_is_rendered_once_per_role_set_and_follows_permissions(app, demo):
    """Two users of the same roles share one rendered menu; another role set gets its own; removing a menu
    permission from a role changes the menu on the next page (the key holds the role's permissions)."""
    from app.extensions import db
    from app.security.permissions import MENU_ORGANISATION
    from app.security.roles import sync_roles

    cache = app.extensions.setdefault("cbccvc_menu_cache", {})
    cache.clear()
    tccb = client_for(app, "syt.tccb")
    first = body(tccb.get("/people/"))
    assert len(cache) == 1
    assert "Cơ cấu tổ chức" in _menu(first)
    body(tccb.get("/org/tree"))
    assert len(cache) == 1  # another page, same roles: the same entry
    staff = body(client_for(app, "annv.syt").get("/my/file", follow_redirects=True))
    assert len(cache) == 2 and "Cơ cấu tổ chức" not in _menu(staff)

    sm = app.appbuilder.sm
    for role in sm.get_user_roles(account(demo, "syt.tccb")):  # every role the officer holds loses the menu
        for pvm in [p for p in role.permissions if p.permission.name == "menu_access"
                    and p.view_menu.name == MENU_ORGANISATION]:
            role.permissions.remove(pvm)
    db.session.commit()
    g.pop("_cbccvc_role_pairs", None)  # the test client shares this test's app context (and g); a server does not
    try:
        after = body(tccb.get("/people/"))
        assert "Cơ cấu tổ chức" not in _menu(after)
        assert len(cache) == 3
    finally:
        sync_roles(app.appbuilder)
        db.session.remove()
    assert db.session.scalar(select(1))
