"""Migrations are the only way tables are made; they match the models; the CLI works on SQLite too."""

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def test_models_and_migrations_do_not_drift(app, db):
    """After `flask db upgrade`, autogenerate finds nothing to add, drop or alter on PostgreSQL."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Model.metadata)
    assert diff == [], diff


def test_fab_never_creates_tables(app):
    """FAB_CREATE_DB is off: Flask-AppBuilder does not create tables behind Alembic's back."""
    assert app.config["FAB_CREATE_DB"] is False
    assert app.config["FAB_UPDATE_PERMS"] is False


def _flask(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """An embedded-default database (SQLite) brought up by the CLI as ``make run`` does — `flask db upgrade`,
    `flask sync-roles`, `flask seed-demo` — once for the tests of this module: (environment, the first seed's
    output)."""
    from app.crypto import generate_key

    env = {**os.environ, "FLASK_APP": "run.py",
           "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'demo.db'}",
           "ENCRYPTION_KEYS": f"k1:{generate_key()}", "BLIND_INDEX_KEY": generate_key()}
    env.pop("REDIS_URL", None)
    for step in (["db", "upgrade"], ["sync-roles"]):
        result = _flask(*step, env=env)
        assert result.returncode == 0, result.stderr
    first = _flask("seed-demo", env=env)
    assert first.returncode == 0, first.stderr
    return env, first.stdout


def test_cli_on_embedded_sqlite(embedded):
    """On SQLite: `flask db upgrade`, `flask sync-roles`, then `flask seed-demo` twice gives the same data."""
    env, first = embedded
    help_text = _flask("--help", env=env).stdout
    assert "seed-demo" in help_text and "org-units" in help_text and "sync-roles" in help_text
    org_help = _flask("org-units", "--help", env=env).stdout
    for cmd in ("tree", "create", "move", "merge", "dissolve", "history", "rebuild-paths"):
        assert cmd in org_help
    assert "60 units, 8 users, 212 people created" in first
    tree1 = _flask("org-units", "tree", "--depth", "4", env=env).stdout
    second = _flask("seed-demo", env=env)
    assert "0 units, 0 users, 0 people created" in second.stdout
    assert _flask("org-units", "tree", "--depth", "4", env=env).stdout == tree1
    assert tree1.count("\n") == 60 and "Sở Nội vụ" in tree1
    bad = _flask("org-units", "merge", "2", "5", "--decision", "", "--date", "2026-01-05", env=env)
    assert bad.returncode == 1 and "Số quyết định là bắt buộc." in bad.stderr


#: The pages the embedded default must serve (each report and list whose SQL differs between dialects).
SQLITE_PAGES = {
    "syt.tccb": ["/people/", "/transfers/", "/transfers/incoming", "/transfers/arrive", "/retirements/",
                 "/reports/salary/", "/reports/salary/?only=raise", "/people/changes/"],
    "sonoivu.admin": ["/compliance/", "/audit/changes/", "/audit/access/", "/org/tree", "/dashboard/",
                      "/reports/quality/", "/reports/bm02/cong-chuc/", "/retirements/", "/reports/salary/?only=raise",
                      # issue 18: the national sync's lists
                      "/national-sync/", "/national-sync/overdue/", "/national-sync/approvals/",
                      "/national-sync/reconciliation/"],
}
SQLITE_CHECK = """
import json, os, sys
from app import create_app
app = create_app()
app.config.update(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False)
out = {}
for user, paths in json.loads(os.environ["PAGES"]).items():
    client = app.test_client()
    client.post("/login/", data={"username": user, "password": "Demo@2026"})
    for path in paths:
        out[user + " " + path] = client.get(path).status_code
print(json.dumps(out))
"""


def test_pages_on_embedded_sqlite(embedded):
    """The embedded default (`make run` without DATABASE_URL: SQLite) serves the lists and reports whose SQL
    differs between dialects (date arithmetic, CASE tables, partial indexes) — no 500."""
    import json

    env = {**embedded[0], "PAGES": json.dumps(SQLITE_PAGES)}
    run = subprocess.run([sys.executable, "-c", SQLITE_CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    statuses = json.loads(run.stdout.strip().splitlines()[-1])
    # BM02's one ROLLUP/LATERAL statement is PostgreSQL's: the demo says so (503 with a Vietnamese message).
    expected = {page: 503 if "/reports/bm02/" in page else 200 for page in statuses}
    assert statuses == expected
