"""Walking the whole URL map (issue 13): fill every rule's arguments, fingerprint every app table, log in with a
CSRF token. Shared by the tests that check every route (CSRF, GETs that must not write, bad inputs …).
"""

import re

from sqlalchemy import text
from werkzeug.routing import Rule

__all__ = ["EXCLUDED_FROM_FINGERPRINT", "build_url", "csrf_login", "csrf_token_of", "fingerprint", "routes",
           "without_per_response_tokens"]

#: Tables that a read legitimately writes: reads, exports and downloads are audited by design.
EXCLUDED_FROM_FINGERPRINT = {"access_log", "alembic_version"}

#: Values for URL arguments that are not ids (by argument name; an endpoint-specific value wins).
DEFAULT_ARGS = {
    "section": "work",
    "kind": None,  # the first choice of an ``any(...)`` converter
    "name": "export_csv",
    "locale": "vi",
    "filename": "missing.pdf",
    "group_by": 0,
}


def routes(app, method: str) -> list[Rule]:
    """The rules of ``app`` answering ``method``, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if method in (r.methods or ())),
                  key=lambda r: (r.rule, r.endpoint))


def _any_choices(rule: Rule, arg: str) -> list[str] | None:
    match = re.search(r"<any\(([^)]*)\):" + re.escape(arg) + ">", rule.rule)
    return [c.strip() for c in match.group(1).split(",")] if match else None


def build_url(app, rule: Rule, ids: dict | None = None, default_id: int = 1) -> str:
    """A URL for ``rule``: ids from ``ids`` (by argument name, or ``"<endpoint>:<arg>"``), other arguments from
    :data:`DEFAULT_ARGS`, ``any(...)`` arguments their first choice, remaining ids ``default_id``."""
    ids = ids or {}
    values = {}
    for arg in rule.arguments:
        key = f"{rule.endpoint}:{arg}"
        if key in ids:
            values[arg] = ids[key]
        elif arg in ids:
            values[arg] = ids[arg]
        elif _any_choices(rule, arg):
            values[arg] = _any_choices(rule, arg)[0]
        elif arg in DEFAULT_ARGS and DEFAULT_ARGS[arg] is not None:
            values[arg] = DEFAULT_ARGS[arg]
        elif arg == "filename" and rule.endpoint.endswith("static"):
            values[arg] = "css/cbccvc.css"
        else:
            values[arg] = default_id
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def app_tables(session) -> list[str]:
    """Every table of the public schema."""
    return list(session.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars())


def fingerprint(session, exclude=EXCLUDED_FROM_FINGERPRINT) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 of every row's text (in text order, so no id column is needed) of every app table,
    in one statement."""
    session.rollback()
    tables = [t for t in app_tables(session) if t not in exclude]
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
        for table in tables)
    result = {table: (count, digest) for table, count, digest in session.execute(text(sql))}
    session.rollback()
    return result


def csrf_token_of(html: str) -> str:
    """The CSRF token of a page (a form's hidden field or the layout's meta tag)."""
    match = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', html))
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_login(client, username: str = "sonoivu.admin", password: str = "Demo@2026"):
    """Log in through the real login form, with the token of the login page."""
    page = client.get("/login/")
    token = csrf_token_of(page.get_data(as_text=True))
    resp = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302, f"login of {username} failed: {resp.status_code}"
    return resp


def without_per_response_tokens(html: str) -> str:
    """A page without what changes on every response (the CSP nonce and the CSRF token), to compare two answers."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'name="csrf_token"([^>]*)value="[^"]*"', r'name="csrf_token"\1value=""', html)
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)
