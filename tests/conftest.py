"""Test fixtures: one app on real PostgreSQL (schema rebuilt by Alembic), Redis, a live server.

Under pytest-xdist (``make test`` runs two workers) every worker has its own database and Redis db
(``tests/create_db.py``), so each worker is one such session.
"""

import os
import shutil
import threading

import pytest
from sqlalchemy import text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from tests.create_db import DEFAULT_DATABASE_URL, ensure_database, use_worker_services

os.environ.setdefault("TZ", "Asia/Ho_Chi_Minh")
use_worker_services()  # under pytest-xdist: this worker's own database and Redis db (before config reads them)

APP_TABLES = [
    "backup",
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


class DatabaseState:
    """Seed once per session, give each test a clean copy.

    Every flavour of test data (empty tables, the code lists, the demo city, the demo city with its people) is
    made once by the app's own seed and copied into a snapshot schema. A statement trigger on every app table
    notes the tables a test writes (``testsnap.dirty``, unlogged, no unique key so that concurrent writers
    never wait on each other); before the next test only those tables (and the tables that reference them) are
    truncated and refilled from the snapshot (foreign keys and triggers off: ``session_replication_role =
    replica``) and every sequence is set back to the snapshot's value, so ids come out as after a truncate and a
    reseed. TRUNCATE rather than DELETE (except for the two hub tables): rows then lie in the heap in insertion
    order, as after the old truncate-and-reseed (a few tests read rows without an ORDER BY that breaks every
    tie). The snapshot of a demo flavour is keyed by the settings the seed reads (city profile, encryption keys).
    """

    EMPTY = ("empty",)
    #: Tables that nearly every other table references (a login writes ``ab_user``): refilled by DELETE and
    #: INSERT, so that a test that wrote them does not make every table be truncated.
    HUBS = frozenset({"ab_user", "org_unit"})

    def __init__(self, engine):
        self.engine = engine
        self.snapshots: dict[tuple, tuple[str, set[str], dict[str, tuple[int, bool]]]] = {}
        self.current: tuple | None = None

    def install(self, conn):
        """Find the tables a TRUNCATE of ``APP_TABLES`` CASCADE reaches, their sequences; add the triggers."""
        tables = set(APP_TABLES)
        refs = conn.execute(text(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace")).all()
        while True:
            more = {child for child, parent in refs if parent in tables} - tables
            if not more:
                break
            tables |= more
        self.tables = sorted(tables)
        self.children: dict[str, set[str]] = {}
        for child, parent in refs:
            if child != parent and child in tables:
                self.children.setdefault(parent, set()).add(child)
        self.sequences = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT s.oid::regclass::text FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') JOIN pg_class t ON t.oid = d.refobjid "
            "WHERE s.relkind = 'S' AND t.relname = ANY(:tables) AND t.relnamespace = 'public'::regnamespace"),
            {"tables": self.tables})]
        for (schema,) in conn.execute(text(
                "SELECT nspname FROM pg_namespace WHERE nspname = 'testsnap' OR nspname LIKE 'testsnap\\_%'")).all():
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))  # an earlier session's
        conn.execute(text("CREATE SCHEMA testsnap"))
        conn.execute(text("CREATE UNLOGGED TABLE testsnap.dirty (t text NOT NULL)"))
        # Bumped by every reset: what was summed before it (tests/url_routes.fingerprint) is stale after it.
        conn.execute(text("CREATE SEQUENCE testsnap.generation"))
        conn.execute(text(
            "CREATE FUNCTION testsnap.mark() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO testsnap.dirty VALUES (TG_TABLE_NAME); RETURN NULL; END $$"))
        for table in self.tables:
            conn.execute(text(f"CREATE TRIGGER zz_testsnap_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                              f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION testsnap.mark()"))
        conn.execute(text(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM testsnap.dirty"))
        self._take(conn, self.EMPTY)
        self.current = self.EMPTY

    def _take(self, conn, key):
        """Copy the tables with rows and every sequence's position into a new snapshot schema."""
        schema = f"testsnap_{len(self.snapshots)}"
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        counts = conn.execute(text(" UNION ALL ".join(
            f"SELECT '{t}', EXISTS (SELECT 1 FROM {t})" for t in self.tables))).all()
        full = {t for t, has_rows in counts if has_rows}
        for table in sorted(full):
            conn.execute(text(f"CREATE TABLE {schema}.{table} AS SELECT * FROM {table}"))
        seqs = {}
        for seq in self.sequences:
            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
            seqs[seq] = (last, called)
        self.snapshots[key] = (schema, full, seqs)

    def _with_referencing(self, tables: set[str]) -> set[str]:
        """``tables`` and every table whose foreign keys point at them (TRUNCATE must take those too)."""
        todo, stack = set(tables), list(tables)
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in todo:
                    todo.add(child)
                    stack.append(child)
        return todo

    def reset(self, key, seed=None):
        """Bring the app tables to snapshot ``key`` (made by ``seed()`` on empty tables the first time)."""
        if key not in self.snapshots:
            self.reset(self.EMPTY)
            seed()
            with self.engine.begin() as conn:
                conn.execute(text("DELETE FROM testsnap.dirty"))
                conn.execute(text("SELECT nextval('testsnap.generation')"))
                self._take(conn, key)
            self.current = key
            return
        schema, full, seqs = self.snapshots[key]
        with self.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            todo = {r[0] for r in conn.execute(text("DELETE FROM testsnap.dirty RETURNING t"))}
            conn.execute(text("SELECT nextval('testsnap.generation')"))
            if self.current != key:
                todo |= full | (self.snapshots[self.current][1] if self.current in self.snapshots else set(self.tables))
            hard = self._with_referencing(todo - self.HUBS)
            soft = todo - hard
            if hard:
                conn.execute(text(f"TRUNCATE {', '.join(sorted(hard))}"))
            for table in sorted(soft):
                conn.execute(text(f"DELETE FROM {table}"))
            for table in sorted((hard | soft) & full):
                conn.execute(text(f"INSERT INTO {table} SELECT * FROM {schema}.{table}"))
            conn.execute(text("SELECT " + ", ".join(
                f"setval('{seq}', {last}, {'true' if called else 'false'})" for seq, (last, called) in seqs.items())))
        self.current = key


def _demo_key(app, flavour):
    """A demo flavour and the settings its seed depends on."""
    cfg = app.config
    return (flavour, cfg.get("CITY_PROFILE", "hanoi"), cfg.get("ENCRYPTION_KEYS"), cfg.get("ENCRYPTION_ACTIVE_KEY"),
            cfg.get("BLIND_INDEX_KEY"), cfg.get("ENCRYPTION_KEYS_FILE"))


def _seed(flavour):
    from app.services import code_lists
    from app.services import demo as demo_service

    if flavour == "codes":
        code_lists.load_code_lists()
    else:
        demo_service.seed_demo(people=flavour == "demo_people")


def reset_tables(app, flavour):
    """The app tables as the fixture ``flavour`` (``empty``, ``codes``, ``demo``, ``demo_people``) gives them."""
    from app.security import scope
    from app.services import code_lists

    state = app.extensions["tests.db_state"]
    if flavour == "empty":
        state.reset(state.EMPTY)
        return
    state.reset(_demo_key(app, flavour), lambda: _seed(flavour))
    code_lists.clear_cache()
    scope.forget()


#: The suite logs in a few hundred times and hashes a few hundred passwords: scrypt with N = 2**10 instead of
#: werkzeug's 2**15 (the same algorithm and code path, ~2 ms instead of ~70 ms per hash). A hash carries its own
#: parameters, so every check of a password hashed here is as cheap; production settings are untouched.
TEST_PASSWORD_HASHING = {
    "FAB_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    # FAB checks a dummy hash for an unknown or inactive user, to balance the timing of a failure and a success.
    "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": generate_password_hash("password", method="scrypt:1024:8:1"),
}


@pytest.fixture(scope="session")
def app():
    """The app on the test database, migrated from scratch, with roles synced and the snapshot triggers."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.security.roles import sync_roles

    ensure_database(os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL))
    application = create_app("config.TestConfig")
    application.config.update(TEST_PASSWORD_HASHING)
    with application.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        sync_roles(application.appbuilder)
        db.session.remove()
        state = DatabaseState(db.engine)
        with db.engine.begin() as conn:
            state.install(conn)
        application.extensions["tests.db_state"] = state
    return application


#: The fixtures that ask for seeded data, richest first: ``db`` restores that state at once.
FLAVOURS = (("demo_people", "demo_people"), ("demo", "demo"), ("codes", "codes"))


@pytest.fixture()
def db(app, request):
    """A clean set of app tables for each test (roles and permissions are kept), in a fresh app context.

    A fresh context per test keeps ``g`` (Flask-Login's cached user, Babel's cached catalog) from
    leaking from one test into the next. When the test also asks for ``demo``, ``demo_people`` or ``codes``,
    the tables are brought to that state at once (see ``DatabaseState``).
    """
    from app.extensions import db as _db

    flavour = next((f for name, f in FLAVOURS if name in request.fixturenames), "empty")
    with app.app_context():
        reset_tables(app, flavour)
        yield _db
        _db.session.remove()


#: Each flavour includes the ones before it (the demo seed loads the code lists first).
RANK = {"codes": 1, "demo": 2, "demo_people": 3}


def _ensure(app, flavour):
    """Within a test: the flavour's state, unless ``db`` already gave it (or a richer one) with the same settings."""
    state = app.extensions["tests.db_state"]
    key, current = _demo_key(app, flavour), state.current or state.EMPTY
    if not (current[1:] == key[1:] and RANK.get(current[0], 0) >= RANK[flavour]):
        reset_tables(app, flavour)


@pytest.fixture()
def codes(app, db):
    """The national code lists, loaded (as ``flask code-lists load`` makes them)."""
    _ensure(app, "codes")
    return db


@pytest.fixture()
def demo(app, db):
    """The demo city, its code lists and demo users (no personnel files: tests open their own)."""
    _ensure(app, "demo")
    return db


@pytest.fixture()
def demo_people(app, db):
    """The demo city with its ~200 people and their full files (as ``flask seed-demo`` makes them)."""
    _ensure(app, "demo_people")
    return db


@pytest.fixture()
def client(app, db):
    """A Flask test client."""
    return app.test_client()


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


@pytest.fixture(scope="module")
def dev_ca(app, tmp_path_factory):
    """A development CA and TSA in this module's own PKI_DIR."""
    from app import pki
    from app.signing import forget_signers

    directory = tmp_path_factory.mktemp("pki")
    old = app.config.get("PKI_DIR")
    app.config["PKI_DIR"] = str(directory)
    with app.app_context():
        ca = pki.create_dev_ca(directory, force=True)
    yield ca
    app.config["PKI_DIR"] = old
    forget_signers()


@pytest.fixture()
def rq_queue(app, monkeypatch, tmp_path, request):
    """A Redis queue of the test module's own (the suites share the Redis database) and a temporary export folder;
    jobs queued by the app go there (``app.extensions["rq_queue"]``)."""
    from redis import Redis
    from rq import Queue

    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    queue = Queue(f"cbccvc_test_{name}", connection=Redis.from_url(app.config["REDIS_URL"]))
    queue.empty()
    monkeypatch.setitem(app.extensions, "rq_queue", queue)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    yield queue
    queue.empty()


@pytest.fixture()
def inline_exports(app, monkeypatch, tmp_path):
    """No Redis: export jobs run in-process after the request's commit, into a temporary export folder."""
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    return tmp_path


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
