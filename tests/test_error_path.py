"""The error path (issue 13 §8, §13): every 500 is in the server log with its traceback and still a Vietnamese
page; database connections the server dropped come back (pool pre-ping) without a single 500.

These tests run a second app built like production (``TESTING`` off, so the catch-all handler is installed and
errors are answered, not raised) on the test database; the item 13 test serves it on 127.0.0.1 and terminates
every other connection of the database with ``pg_terminate_backend`` from a separate psycopg2 connection.
"""

import html
import http.cookiejar
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from config import TestConfig


class ProductionLikeConfig(TestConfig):
    """The test database and keys, but error handling as in production."""

    TESTING = False
    PROPAGATE_EXCEPTIONS = False


@pytest.fixture(scope="module")
def prod_app(app):
    """A second app like production, with two routes that fail on purpose (added before its first request)."""
    from app import create_app
    from app.extensions import db

    application = create_app(ProductionLikeConfig)

    def boom():
        raise RuntimeError("boom for the error log test")

    def kill_own_connection():
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return "unreachable"

    application.add_url_rule("/test-only/boom", "test_boom", boom)
    application.add_url_rule("/test-only/kill-own-connection", "test_kill", kill_own_connection)
    return application


def _terminate_others(app) -> int:
    """``pg_terminate_backend`` on every other connection to the test database; how many were ended."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    conn = psycopg2.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                            password=url.password, dbname=url.database)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_500_is_logged_with_its_traceback_and_shown_in_vietnamese(prod_app, demo, caplog):
    """Issue 13 §8: the catch-all handler writes the traceback to the server log (it used to swallow it) and
    answers the Vietnamese 500 page."""
    c = prod_app.test_client()
    with caplog.at_level(logging.ERROR):
        resp = c.get("/test-only/boom")
    assert resp.status_code == 500
    assert "Lỗi hệ thống" in html.unescape(resp.get_data(as_text=True))
    logged = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert logged, caplog.text
    assert isinstance(logged[0].exc_info[1], RuntimeError)
    assert "boom for the error log test" in caplog.text and "Traceback" in caplog.text


def test_the_error_page_survives_a_broken_connection(prod_app, demo, caplog):
    """Issue 13 §13: a request whose own connection dies answers the Vietnamese 500 page (the handler rolls the
    session back in a ``try`` and falls back to plain HTML), logs it, and the next request is a 200."""
    c = prod_app.test_client()
    with caplog.at_level(logging.ERROR):
        resp = c.get("/test-only/kill-own-connection")
    assert resp.status_code == 500
    assert "Lỗi hệ thống" in html.unescape(resp.get_data(as_text=True))
    assert any(r.exc_info for r in caplog.records)
    assert c.get("/login/").status_code == 200


def test_dropped_connections_come_back_without_a_500(prod_app, demo):
    """Issue 13 §13: serve the app, fill its pool, ``pg_terminate_backend`` every connection of the database,
    then more requests than the pool holds: every one is a 200 (pre-ping replaces the dead connections)."""
    from app.extensions import db

    with prod_app.app_context():
        pool_size = db.engine.pool.size()
    server = make_server("127.0.0.1", 0, prod_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

        def get(path: str) -> int:
            try:
                with opener.open(base + path, timeout=30) as resp:
                    return resp.status
            except urllib.error.HTTPError as exc:
                return exc.code

        data = urllib.parse.urlencode({"username": "sonoivu.admin", "password": "Demo@2026"}).encode()
        with opener.open(base + "/login/", data=data, timeout=30) as resp:
            assert resp.status == 200 and "/login" not in resp.url
        assert get("/people/") == 200
        # several connections in the pool: concurrent requests
        results = []
        workers = [threading.Thread(target=lambda: results.append(get("/people/"))) for _ in range(pool_size + 2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert results and set(results) == {200}

        assert _terminate_others(prod_app) >= 1
        statuses = [get(path) for _ in range(pool_size + 3) for path in ("/people/", "/org/tree")]
        assert statuses == [200] * len(statuses), statuses
    finally:
        server.shutdown()
        thread.join(timeout=5)
