"""Helpers of the tests that drive several signed-in users through the test client."""

import html

from sqlalchemy import func, select

from tests.factories import IsolatedClient, login

__all__ = ["body", "client_for", "count"]


def client_for(app, username: str = "sonoivu.admin"):
    """A signed-in test client of its own (several users in one test)."""
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(c, username).status_code == 302
    return c


def body(resp) -> str:
    """The response's text with HTML entities resolved."""
    return html.unescape(resp.get_data(as_text=True))


def count(db, model, *where) -> int:
    """Rows of ``model`` matching ``where``, read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
