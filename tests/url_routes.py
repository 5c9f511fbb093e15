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


#: What :func:`fingerprint` worked out last: {database: (generation, {table: statement marks}, {table: sums})}.
_SUMS: dict[str, tuple[int, dict[str, int], dict[str, tuple[int, str]]]] = {}


def _marks(session) -> tuple[int, dict[str, int], set[str]] | None:
    """(the reset generation, {table: write statements noted}, the tables that note them) from the test
    database's write log (``tests/conftest.DatabaseState``); None where there is none."""
    if not session.execute(text("SELECT to_regclass('testsnap.generation') IS NOT NULL")).scalar():
        return None
    generation = session.execute(text(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM testsnap.generation")).scalar()
    marks = dict(session.execute(text("SELECT t, count(*) FROM testsnap.dirty GROUP BY t")).all())
    watched = set(session.execute(text(
        "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE g.tgname = 'zz_testsnap_dirty'")).scalars())
    return generation, marks, watched


def fingerprint(session, exclude=EXCLUDED_FROM_FINGERPRINT, only=None) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 of every row's text (in text order, so no id column is needed) of every app table
    (or of the tables ``only``), in one statement.

    Incremental: every app table notes each statement that writes it (INSERT, UPDATE, DELETE, TRUNCATE: the
    statement trigger of ``DatabaseState``; a statement that changes no row is noted too), so a table with no new
    write statement since the last fingerprint of the same database and reset has the sums worked out then; only
    the others, and tables without the trigger, are read again (a fingerprint of the demo city: ~90 ms → a few)."""
    session.rollback()
    tables = [t for t in app_tables(session) if t not in exclude and (only is None or t in only)]
    log = _marks(session)
    database = str(session.get_bind().url)
    known_marks, known = {}, {}
    if log is not None and database in _SUMS and _SUMS[database][0] == log[0]:
        _generation, known_marks, known = _SUMS[database]
    todo = [t for t in tables if log is None or t not in log[2] or t not in known
            or log[1].get(t, 0) != known_marks.get(t, 0)]
    sums = dict(known)
    if todo:
        sql = " UNION ALL ".join(
            f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM \"{table}\" t" for table in todo)
        sums.update({table: (count, digest) for table, count, digest in session.execute(text(sql))})
    if log is not None:
        # The marks read before the sums: a write committed in between is seen (and summed) next time.
        _SUMS[database] = (log[0], {**known_marks, **{t: log[1].get(t, 0) for t in todo}}, sums)
    session.rollback()
    return {t: sums[t] for t in tables}


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
