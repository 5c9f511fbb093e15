"""Helpers of the tests that drive several signed-in users through the test client."""

import html
import re

from sqlalchemy import func, select

from tests.factories import IsolatedClient, login

__all__ = ["body", "client_for", "count", "export_report"]


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


def export_report(client, url: str, *, expect: str = "finished") -> tuple[int, dict]:
    """Press a report's "Tải XLSX" (a POST of ``url``, the page's arguments in its query string): the export job
    runs (in-process under the ``inline_exports`` fixture); (export id, its state) from the progress page's JSON."""
    resp = client.post(url)
    assert resp.status_code == 302, (resp.status_code, resp.get_data(as_text=True)[:2000])
    export_id = int(re.search(r"/reports/exports/(\d+)$", resp.headers["Location"]).group(1))
    state = client.get(f"/reports/exports/{export_id}/status").get_json()
    assert state["status"] == expect, state
    return export_id, state
