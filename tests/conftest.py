"""Test fixtures: one app on real PostgreSQL (schema rebuilt by Alembic), Redis, a live server."""

import os
import shutil
import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

os.environ.setdefault("TZ", "Asia/Ho_Chi_Minh")

APP_TABLES = [
    "notification",
    "bulk_decision",
    "change_set_document", "approval_step",
    "signing_credential",
    "workday_override",
    "export_job",
    "file_version", "attachment", "change_item", "change_set", "person_photo", "training_record", "work_record",
    "history_record", "evaluation_record", "discipline_record", "relative", "salary_record", "allowance_record",
    "person",
    "change_log", "access_log", "password_request", "delegation", "consent_grant", "role_assignment",
    "org_event_unit", "org_event", "ab_user_role", "ab_user_group", "ab_api_key", "ab_user", "org_unit",
    "code_alias", "code_item", "salary_step",
]


@pytest.fixture(scope="session")
def app():
    """The app on the test database, migrated from scratch, with roles synced."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.security.roles import sync_roles

    application = create_app("config.TestConfig")
    with application.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        sync_roles(application.appbuilder)
        db.session.remove()
    return application


@pytest.fixture()
def db(app):
    """A clean set of app tables for each test (roles and permissions are kept), in a fresh app context.

    A fresh context per test keeps ``g`` (Flask-Login's cached user, Babel's cached catalog) from
    leaking from one test into the next.
    """
    from app.extensions import db as _db

    with app.app_context():
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE"))
        yield _db
        _db.session.remove()


@pytest.fixture()
def demo(db):
    """The demo city, its code lists and demo users (no personnel files: tests open their own)."""
    from app.services import demo as demo_service

    demo_service.seed_demo(people=False)
    return db


@pytest.fixture()
def demo_people(db):
    """The demo city with its ~200 people and their full files (as ``flask seed-demo`` makes them)."""
    from app.services import demo as demo_service

    demo_service.seed_demo()
    return db


@pytest.fixture()
def client(app, db):
    """A Flask test client."""
    return app.test_client()


def login(client, username="sonoivu.admin", password="Demo@2026"):
    """Log a test client in through the real login form."""
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=False)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1 in a thread, for browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, no browser download (stack-notes §6)."""
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="module")
def dev_pki(app, tmp_path_factory):
    """A dev CA, TSA and test certificates (each naming its demo account in the UID) in the module's own PKI_DIR."""
    from app.signing import forget_signers
    from tests.fixtures.signing import build_dev_pki

    directory = tmp_path_factory.mktemp("pki")
    old = app.config["PKI_DIR"]
    app.config["PKI_DIR"] = str(directory)
    yield build_dev_pki(directory)
    app.config["PKI_DIR"] = old
    forget_signers()


@pytest.fixture()
def unit_by_name(db):
    """Look a unit up by exact name (the demo city has unique names except 'Phòng Tổ chức cán bộ')."""
    from sqlalchemy import select

    from models.org_units import OrgUnit

    def find(name, parent_name=None):
        stmt = select(OrgUnit).where(OrgUnit.name == name)
        units = list(db.session.scalars(stmt))
        if parent_name is not None:
            units = [u for u in units if u.parent and u.parent.name == parent_name]
        assert len(units) == 1, f"{name}: {len(units)} matches"
        return units[0]

    return find
