"""``make bench``: the app at city scale, measured through HTTP and next to a hand-written SQL floor.

Steps (issue 6, design.md §7):

1. The database ``cbccvc_bench`` (``BENCH_DATABASE_URL``) is created if missing and, when it has no people,
   filled with ``flask db upgrade``, ``flask sync-roles`` and ``flask gen-city --people $BENCH_PEOPLE``.
2. The real app is served by gunicorn (1 worker, 1 thread, no Redis) on a free local port; the bench logs in
   through ``/login/`` like a browser (stdlib ``urllib`` + a cookie jar: no extra dependency).
3. Each measure runs once to warm up, then ``BENCH_RUNS`` times (≥ 5); the median is reported next to the
   median of its *floor*: the same result (same page of rows, same counts) from one hand-written SQL
   statement through psycopg2. One line per measure::

       BENCH name=<name> app_ms=<median> floor_ms=<median> ratio=<app/floor> n=<runs>

   and ``bench/results.json`` gets every sample, the machine and the database's row counts.

Adding a measure: write ``def m_<name>(ctx) -> Measure`` and append it to :data:`MEASURES`.

Settings (environment):

=====================  ============================================================================
BENCH_DATABASE_URL     default ``postgresql://postgres@127.0.0.1:5432/cbccvc_bench``
BENCH_PEOPLE           people generated when the database is empty (default 250000)
BENCH_GENERATOR        ``gen-city`` (default) or ``seed-demo`` (the 212-person demo city, for a smoke run)
BENCH_RUNS             timed runs per measure after the warm-up (default 7, at least 5)
BENCH_UNIT_USER        login for the unit lists (default ``bench.tccb``; ``syt.tccb`` with seed-demo)
BENCH_CITY_USER        login for the city-wide measures (``bench.snv``; ``sonoivu.chuyenvien``)
BENCH_PASSWORD         default ``Demo@2026``
BENCH_UNIT_NAME        the level-2 unit of the lists (``Sở Giáo dục và Đào tạo``; ``Sở Y tế``)
BENCH_QUERY            the city-wide name search (default ``nguyen thi hoa``)
BENCH_ONLY             comma-separated measures to run (default: all but ``SLOW_MEASURES``), e.g. ``quality_unit``
BENCH_IMPORT_PEOPLE    people in the import measure's workbook (default 50000; ``BENCH_ONLY=import_50k`` runs it)
ENCRYPTION_KEYS, …     the field-encryption keys the database was generated with (default: the bench-only
                       constants below; a database generated with other keys needs those keys)
=====================  ============================================================================
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results.json"

# BENCH-ONLY keys: public constants so that every run (and anyone's bench database) decrypts the same
# synthetic data. Never use them for real data.
BENCH_ENCRYPTION_KEYS = "bench1:YmVuY2gtb25seS1rZXktZG8tbm90LXVzZS0wMDAwMDA="
BENCH_BLIND_INDEX_KEY = "YmVuY2gtb25seS1ibGluZC1pbmRleC1rZXktMDAwMDA="

PAGE_SIZE = 25  # views/personnel/people.py PAGE_SIZE
DEEP_PAGE = 100
ACTIVE_STATUSES = ("active", "suspended")  # app/services/personnel/people.py
SECTION_TABLES = ("training_record", "work_record", "history_record", "evaluation_record", "discipline_record",
                  "relative", "salary_record", "allowance_record")
#: Upper age bound (exclusive) and label of each band; the last band is "60+".
AGE_BANDS = ((30, "<30"), (40, "30-39"), (50, "40-49"), (60, "50-59"))


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


DEMO = env("BENCH_GENERATOR", "gen-city") == "seed-demo"
SETTINGS = {
    "database_url": env("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cbccvc_bench"),
    "people": int(env("BENCH_PEOPLE", "250000")),
    "generator": "seed-demo" if DEMO else "gen-city",
    "runs": max(5, int(env("BENCH_RUNS", "7"))),
    "unit_user": env("BENCH_UNIT_USER", "syt.tccb" if DEMO else "bench.tccb"),
    "city_user": env("BENCH_CITY_USER", "sonoivu.chuyenvien" if DEMO else "bench.snv"),
    "password": env("BENCH_PASSWORD", "Demo@2026"),
    "unit_name": env("BENCH_UNIT_NAME", "Sở Y tế" if DEMO else "Sở Giáo dục và Đào tạo"),
    "query": env("BENCH_QUERY", "nguyen thi hoa"),
}


class BenchError(RuntimeError):
    """A condition the bench cannot run under, with the message for the user."""


# --------------------------------------------------------------------------- database


def pg_connect(url: str):
    import psycopg2

    try:
        return psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    except psycopg2.OperationalError as exc:
        raise BenchError(f"cannot connect to PostgreSQL ({redact(url)}): {str(exc).strip()}\n"
                         "Start PostgreSQL or set BENCH_DATABASE_URL.") from None


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def ensure_database(url: str) -> None:
    """Create the database when it does not exist (connecting to the ``postgres`` maintenance database)."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = pg_connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            print(f"bench: creating database {name}", flush=True)
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def people_count(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('person') IS NOT NULL")
        if not cur.fetchone()[0]:
            return 0
        cur.execute("SELECT count(*) FROM person")
        return cur.fetchone()[0]


def flask(*args: str, app_env: dict) -> None:
    print("bench: flask " + " ".join(args), flush=True)
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=app_env, check=True)


def fill_database(app_env: dict) -> None:
    flask("db", "upgrade", app_env=app_env)
    flask("sync-roles", app_env=app_env)
    if SETTINGS["generator"] == "seed-demo":
        flask("seed-demo", app_env=app_env)
    else:
        if not (ROOT / "app" / "cli" / "gen_city.py").exists():
            raise BenchError("`flask gen-city` is not available yet; use BENCH_GENERATOR=seed-demo for a smoke run")
        started = time.perf_counter()
        flask("gen-city", "--people", str(SETTINGS["people"]), app_env=app_env)
        print(f"bench: gen-city took {time.perf_counter() - started:.0f} s", flush=True)


def row_counts(conn) -> dict:
    counts = {}
    with conn.cursor() as cur:
        for table in ("org_unit", "person", "ab_user", *SECTION_TABLES, "file_version", "access_log"):
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
            if cur.fetchone()[0]:
                cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
                counts[table] = cur.fetchone()[0]
    return counts


# --------------------------------------------------------------------------- the app under gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving ``run:app`` with one worker and one thread; stopped on exit."""

    def __init__(self, app_env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(ROOT / "bench" / ".gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "1", "--threads", "1", "--timeout", "300", "-b",
             f"127.0.0.1:{self.port}", "run:app"],
            cwd=ROOT, env=app_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.proc.returncode}); see bench/.gunicorn.log:\n"
                                 + (ROOT / "bench" / ".gunicorn.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer on {self.base} within {timeout:.0f} s")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        if not children:
            raise BenchError("no gunicorn worker process found")
        return int(children[0])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Client:
    """A browser-like client: cookies, a login through FAB's form with its CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with self.opener.open(self.base + path, timeout=300) as resp:
                return resp.status, resp.read(), resp.url
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.url

    def login(self, username: str, password: str) -> Client:
        _status, body, _url = self.get("/login/")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', body)
        data = {"username": username, "password": password}
        if token:
            data["csrf_token"] = token.group(1).decode()
        request = urllib.request.Request(self.base + "/login/", data=urllib.parse.urlencode(data).encode())
        with self.opener.open(request, timeout=60) as resp:
            resp.read()
            final = resp.url
        status, _body, url = self.get("/people/")
        if status != 200 or "/login" in url:
            raise BenchError(f"login as {username} failed (after login: {final}, /people/ → {status} {url}); "
                             "check BENCH_*_USER / BENCH_PASSWORD")
        return self


# --------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    """One figure: the app's samples and the floor's (ms), or a single value (rss)."""

    name: str
    app: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    value: float | None = None
    unit: str = "ms"
    note: str = ""
    detail: dict = field(default_factory=dict)

    def line(self) -> str:
        if self.value is not None:
            return f"BENCH name={self.name} value={self.value:.0f}"
        app, floor = statistics.median(self.app), statistics.median(self.floor)
        ratio = app / floor if floor else float("inf")
        return f"BENCH name={self.name} app_ms={app:.1f} floor_ms={floor:.2f} ratio={ratio:.1f} n={len(self.app)}"

    def as_json(self) -> dict:
        data = {"name": self.name, "note": self.note, **self.detail}
        if self.value is not None:
            data.update(value=round(self.value, 1), unit="MB")
        else:
            data.update(app_ms=round(statistics.median(self.app), 2), floor_ms=round(statistics.median(self.floor), 3),
                        ratio=round(statistics.median(self.app) / statistics.median(self.floor), 2),
                        n=len(self.app), app_samples=[round(x, 2) for x in self.app],
                        floor_samples=[round(x, 3) for x in self.floor])
        return data


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """One warm-up call, then ``runs`` timed calls; returns (samples in ms, the warm-up's result)."""
    result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def http_get(client: Client, path: str) -> Callable[[], bytes]:
    def call() -> bytes:
        status, body, url = client.get(path)
        if status != 200 or "/login" in url:
            raise BenchError(f"GET {path} → {status} ({url})")
        return body

    return call


def sql(conn, query: str, params: tuple = ()) -> Callable[[], list]:
    def call() -> list:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    return call


@dataclass
class Context:
    conn: object
    server: Server
    unit_client: Client
    city_client: Client
    unit: dict
    runs: int
    flask_app: object = None

    def pair(self, name: str, client: Client, path: str, floor_sql: str, params: tuple = (),
             check: Callable[[bytes, list], str] | None = None, note: str = "") -> Measure:
        app_samples, body = timed(http_get(client, path), self.runs)
        floor_samples, rows = timed(sql(self.conn, floor_sql, params), self.runs)
        problem = check(body, rows) if check else ""
        if problem:
            print(f"bench: WARNING {name}: app and floor differ: {problem}", flush=True)
        return Measure(name, app_samples, floor_samples, note=note,
                       detail={"path": path, "floor_sql": " ".join(floor_sql.split()),
                               "floor_params": params if isinstance(params, dict) else list(params),
                               "floor_rows": len(rows), "same_result": not problem, "difference": problem})


def ids_in_page(body: bytes) -> list[int]:
    return [int(x) for x in re.findall(rb'data-person-id="(\d+)"', body)]


def same_ids(body: bytes, rows: list) -> str:
    app_ids, floor_ids = ids_in_page(body), [r[0] for r in rows]
    return "" if app_ids == floor_ids else f"app ids {app_ids[:5]}… ({len(app_ids)}) vs floor {floor_ids[:5]}… " \
                                           f"({len(floor_ids)})"


# The list's page, hand-written: the same columns, the unit's name, the subtree, active statuses, Vietnamese
# order (sort_key, id) AND the total the page shows ("7.865 hồ sơ") — one statement. The scope of a TCCB
# officer on the unit is that same subtree. The matching (id, sort_key) pairs are collected behind an
# ``OFFSET 0`` fence, then sorted and counted: the plain ``ORDER BY … LIMIT … OFFSET`` (or with a window count)
# lets the planner walk the city-wide sort_key index and read 80,000 rows for page 100 (350 ms measured, and
# 1 s with the count), the fenced form reads only the subtree (about 10 ms).
LIST_SQL = """
SELECT p.id, p.family_name, p.middle_name, p.given_name, p.gender, p.birth_date, p.birth_date_precision,
       p.category, p.status, p.rank_code, p.position, p.org_unit_id, p.completeness, p.cccd, p.account_id,
       u.name AS unit_name, k.total
FROM (SELECT m.id, m.sort_key, count(*) OVER () AS total
      FROM (SELECT id, sort_key FROM person
            WHERE org_unit_id IN (SELECT id FROM org_unit WHERE path LIKE %s)
              AND status IN ('active', 'suspended') OFFSET 0) m
      ORDER BY m.sort_key, m.id LIMIT 25 OFFSET %s) k
JOIN person p ON p.id = k.id JOIN org_unit u ON u.id = p.org_unit_id
ORDER BY k.sort_key, k.id
"""


def m_list_unit_first(ctx: Context) -> Measure:
    return ctx.pair("list_unit_first", ctx.unit_client, f"/people/?unit_id={ctx.unit['id']}", LIST_SQL,
                    (ctx.unit["path"] + "%", 0), same_ids,
                    note=f"{ctx.unit['name']} subtree ({ctx.unit['people']} active people), page 1, as unit user")


def m_list_unit_deep(ctx: Context) -> Measure:
    pages = max(1, -(-ctx.unit["people"] // PAGE_SIZE))
    page = min(DEEP_PAGE, pages)
    return ctx.pair("list_unit_deep", ctx.unit_client, f"/people/?unit_id={ctx.unit['id']}&page={page}", LIST_SQL,
                    (ctx.unit["path"] + "%", (page - 1) * PAGE_SIZE), same_ids,
                    note=f"same list, page {page}")


# Same shape for the city-wide name search: the trigram index finds the matches, they are sorted and counted.
SEARCH_SQL = """
SELECT p.id, p.family_name, p.middle_name, p.given_name, p.gender, p.birth_date, p.birth_date_precision,
       p.category, p.status, p.rank_code, p.position, p.org_unit_id, p.completeness, p.cccd, p.account_id,
       u.name AS unit_name, k.total
FROM (SELECT m.id, m.sort_key, count(*) OVER () AS total
      FROM (SELECT id, sort_key FROM person
            WHERE {words} AND status IN ('active', 'suspended') OFFSET 0) m
      ORDER BY m.sort_key, m.id LIMIT 25) k
JOIN person p ON p.id = k.id JOIN org_unit u ON u.id = p.org_unit_id
ORDER BY k.sort_key, k.id
"""


def m_search_name_city(ctx: Context) -> Measure:
    words = ctx_search_words(SETTINGS["query"])
    query = SEARCH_SQL.format(words=" AND ".join(["search_key LIKE %s"] * len(words)))
    return ctx.pair("search_name_city", ctx.city_client, "/people/?" + urllib.parse.urlencode({"q": SETTINGS["query"]}),
                    query, tuple(f"%{w}%" for w in words), same_ids,
                    note=f"q={SETTINGS['query']!r}, whole city, as city user")


def ctx_search_words(query: str) -> list[str]:
    from app.text import search_key

    return search_key(query).split()


PERSON_SQL = """
SELECT row_to_json(p), u.name,
{sections},
 (SELECT json_agg(v ORDER BY v.version_no DESC) FROM (SELECT version_no, created_at, sha256, change_set_id
    FROM file_version WHERE person_id = p.id ORDER BY version_no DESC LIMIT 50) v),
 (SELECT json_agg(c ORDER BY c.id DESC) FROM (SELECT id, status, created_at, submitted_at, decided_at
    FROM change_set WHERE person_id = p.id ORDER BY id DESC LIMIT 50) c)
FROM person p JOIN org_unit u ON u.id = p.org_unit_id
WHERE p.id = %s
"""


def m_person_show(ctx: Context) -> Measure:
    sections = ",\n".join(f" (SELECT json_agg(t ORDER BY t.id) FROM {t} t WHERE t.person_id = p.id)"
                          for t in SECTION_TABLES)
    pid = ctx.unit["person_id"]

    def check(body: bytes, rows: list) -> str:
        return "" if rows and rows[0][0]["given_name"].encode() in body else "the person's name is not on the page"

    return ctx.pair("person_show", ctx.unit_client, f"/people/{pid}", PERSON_SQL.format(sections=sections), (pid,),
                    check, note=f"file page of person {pid} ({ctx.unit['person_rows']} section rows), as unit user")


TREE_SQL = """
SELECT u.id, u.name, u.short_name, u.ma_dinh_danh, u.unit_type, u.level, u.status, u.path,
       (SELECT count(*) FROM org_unit c WHERE c.parent_id = u.id AND c.status = 'active') AS children
FROM org_unit u
WHERE u.parent_id = %s AND u.status = 'active'
ORDER BY u.status, u.search_key, u.id
LIMIT 201
"""


def m_tree_children(ctx: Context) -> Measure:
    def check(body: bytes, rows: list) -> str:
        items = json.loads(body)["items"]
        app = [(i["id"], i["children"]) for i in items]
        floor = [(r[0], r[8]) for r in rows][:200]
        return "" if app == floor else f"app {app[:3]}… ({len(app)}) vs floor {floor[:3]}… ({len(floor)})"

    return ctx.pair("tree_children", ctx.city_client, f"/org/api/children?parent={ctx.unit['id']}", TREE_SQL,
                    (ctx.unit["id"],), check, note=f"children of {ctx.unit['name']} as city user")


# Counts of active people by level-2 unit × sex × age band (the core of BM02). The level-2 ancestor is the
# second id of the unit's path ('/1/17/230/' → 17); people of the root itself count under the root.
REPORT_SQL = """
SELECT l2.id, l2.name, p.gender,
       CASE WHEN p.birth_date IS NULL THEN NULL
            WHEN p.birth_date > current_date - interval '30 years' THEN '<30'
            WHEN p.birth_date > current_date - interval '40 years' THEN '30-39'
            WHEN p.birth_date > current_date - interval '50 years' THEN '40-49'
            WHEN p.birth_date > current_date - interval '60 years' THEN '50-59'
            ELSE '60+' END AS band,
       count(*)
FROM person p
JOIN org_unit u ON u.id = p.org_unit_id
JOIN org_unit l2 ON l2.id = COALESCE(NULLIF(split_part(u.path, '/', 3), '')::int, u.id)
WHERE p.status IN ('active', 'suspended')
GROUP BY 1, 2, 3, 4
ORDER BY 1, 3, 4
"""


def report_orm(flask_app) -> Callable[[], list]:
    """The same counts as an SQLAlchemy statement on the app's models and session (no report screen yet)."""
    from sqlalchemy import Integer, case, cast, func, literal, select
    from sqlalchemy.orm import aliased

    from app.extensions import db
    from models.org_units import OrgUnit
    from models.personnel import Person

    level2 = aliased(OrgUnit)
    l2_id = func.coalesce(cast(func.nullif(func.split_part(OrgUnit.path, "/", 3), ""), Integer), OrgUnit.id)
    today = func.current_date()
    band = case(
        (Person.birth_date.is_(None), None),
        *[(Person.birth_date > today - func.make_interval(years), literal(label)) for years, label in AGE_BANDS],
        else_=literal("60+"),
    ).label("band")
    stmt = (select(level2.id, level2.name, Person.gender, band, func.count())
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .join(level2, level2.id == l2_id)
            .where(Person.status.in_(ACTIVE_STATUSES))
            .group_by(level2.id, level2.name, Person.gender, band)
            .order_by(level2.id, Person.gender, band))

    def call() -> list:
        with flask_app.app_context():
            rows = [tuple(r) for r in db.session.execute(stmt).all()]
            db.session.remove()
            return rows

    return call


def m_report_city_counts(ctx: Context) -> Measure:
    app_samples, app_rows = timed(report_orm(ctx.flask_app), ctx.runs)
    floor_samples, floor_rows = timed(sql(ctx.conn, REPORT_SQL), ctx.runs)
    problem = "" if sorted(map(str, app_rows)) == sorted(map(str, [tuple(r) for r in floor_rows])) else \
        f"{len(app_rows)} ORM rows vs {len(floor_rows)} SQL rows"
    if problem:
        print(f"bench: WARNING report_city_counts: ORM and floor differ: {problem}", flush=True)
    return Measure("report_city_counts", app_samples, floor_samples, detail={
        "floor_sql": " ".join(REPORT_SQL.split()), "groups": len(floor_rows), "same_result": not problem,
        "difference": problem},
        note="no report screen yet: app_ms is the same query built with SQLAlchemy on the app's models and run "
             "through create_app()'s session in the bench process (not HTTP)")


# BM02/BNV (issue 17), hand-written: công chức in force outside the communes, one pass over the people of the
# subtree with a LATERAL aggregate of their training rows, every column as COUNT(*) FILTER, rolled up by the row
# unit at the two levels below the report's root (its path's ids at positions %(k1)s and %(k2)s) and the total.
_BM02_ENGLISH = "lower(t.language) IN (lower('Tiếng Anh'), lower('Anh'), lower('English'))"
_BM02_TONGUE = ("lower(t.language) IN (SELECT lower('Tiếng ' || c.name) FROM code_item c "
                "WHERE c.kind = 'ethnicity' AND c.code BETWEEN '02' AND '54')")
_BM02_OTHER = f"t.language IS NOT NULL AND NOT ({_BM02_ENGLISH}) AND NOT ({_BM02_TONGUE})"
_BM02_DEGREE = "t.level IN ('DH', 'ThS', 'TS', 'TSKH')"
_BM02_MIDDLE = "t.level IN ('TC', 'CD', 'DH', 'ThS', 'TS', 'TSKH')"
_BM02_RETIRE = (
    "CASE WHEN p.gender = 'nam' THEN CASE WHEN p.birth_date < DATE '1961-01-01' THEN 720 "
    "WHEN p.birth_date < DATE '1961-10-01' THEN 723 WHEN p.birth_date < DATE '1962-07-01' THEN 726 "
    "WHEN p.birth_date < DATE '1963-04-01' THEN 729 WHEN p.birth_date < DATE '1964-01-01' THEN 732 "
    "WHEN p.birth_date < DATE '1964-10-01' THEN 735 WHEN p.birth_date < DATE '1965-07-01' THEN 738 "
    "WHEN p.birth_date < DATE '1966-04-01' THEN 741 ELSE 744 END "
    "WHEN p.gender = 'nu' THEN CASE WHEN p.birth_date < DATE '1966-01-01' THEN 660 "
    + " ".join(f"WHEN p.birth_date < DATE '{d}' THEN {m}" for d, m in (
        ("1966-09-01", 664), ("1967-05-01", 668), ("1968-01-01", 672), ("1968-09-01", 676), ("1969-05-01", 680),
        ("1970-01-01", 684), ("1970-09-01", 688), ("1971-05-01", 692), ("1972-01-01", 696), ("1972-09-01", 700),
        ("1973-05-01", 704), ("1974-01-01", 708), ("1974-09-01", 712), ("1975-05-01", 716)))
    + " ELSE 720 END END")
_BM02_COLUMNS = [
    "TRUE", "p.gender = 'nu'", "p.party_joined_on IS NOT NULL", "p.ethnicity BETWEEN '02' AND '54'",
    "p.religion IS NOT NULL AND p.religion <> '00'",
    *[f"p.rank_code IN ({', '.join(repr(c) for c in codes)})" for codes in (
        ("01.001", "04.023", "06.029"), ("01.002", "02.006", "04.024", "06.030"),
        ("01.003", "02.007", "04.025", "06.031"), ("01.004", "02.008", "06.032"), ("01.005",))],
    "p.highest_qualification IN ('TS', 'TSKH')", "p.highest_qualification = 'ThS'",
    "p.highest_qualification = 'DH'", "p.highest_qualification = 'CD'", "p.highest_qualification = 'TC'",
    "p.highest_qualification = 'SC'", "t.pol = 4", "t.pol = 3", "t.pol = 2", "t.pol = 1",
    "t.it_mid", "t.it_any AND t.it_mid IS NOT TRUE", "t.en_deg", "t.en_any AND t.en_deg IS NOT TRUE",
    "t.ot_deg", "t.ot_any AND t.ot_deg IS NOT TRUE", "t.tongue", "t.mg = 3", "t.mg = 2", "t.mg = 1",
    "a.age <= 30", "a.age BETWEEN 31 AND 40", "a.age BETWEEN 41 AND 50", "a.age BETWEEN 51 AND 60",
    "p.gender = 'nu' AND a.age BETWEEN 51 AND 55", "p.gender = 'nam' AND a.age BETWEEN 56 AND 60",
    f"date_trunc('month', p.birth_date) + make_interval(months => {_BM02_RETIRE} + 1) <= a.day",
]
BM02_SQL = """
SELECT a.k1, a.k2, {counts}
FROM person p
JOIN org_unit u ON u.id = p.org_unit_id
CROSS JOIN LATERAL (SELECT current_date AS day,
       extract(year FROM age(current_date, p.birth_date))::int AS age,
       COALESCE(NULLIF(split_part(u.path, '/', %(k1)s), '')::int, 0) AS k1,
       COALESCE(NULLIF(split_part(u.path, '/', %(k2)s), '')::int, 0) AS k2) a
LEFT JOIN LATERAL (
  SELECT max(CASE t.level WHEN 'CN' THEN 4 WHEN 'CC' THEN 3 WHEN 'TC' THEN 2 WHEN 'SC' THEN 1 END)
           FILTER (WHERE t.kind = 'political') AS pol,
         max(CASE t.level WHEN 'CVCC' THEN 3 WHEN 'CVC' THEN 2 WHEN 'CV' THEN 1 END)
           FILTER (WHERE t.kind = 'management') AS mg,
         bool_or((t.kind = 'it' AND {middle}) OR (t.kind = 'professional' AND {middle} AND
                 (lower(t.major) LIKE '%%công nghệ thông tin%%' OR lower(t.major) LIKE '%%tin học%%'
                  OR lower(t.major) LIKE '%%khoa học máy tính%%'))) AS it_mid,
         bool_or(t.kind = 'it') AS it_any,
         bool_or(t.kind = 'language' AND {english} AND {degree}) AS en_deg,
         bool_or(t.kind = 'language' AND {english}) AS en_any,
         bool_or(t.kind = 'language' AND {other} AND {degree}) AS ot_deg,
         bool_or(t.kind = 'language' AND {other}) AS ot_any,
         bool_or(t.kind = 'language' AND {tongue}) AS tongue
  FROM training_record t
  WHERE t.person_id = p.id AND t.kind IN ('political', 'management', 'it', 'language', 'professional')) t ON TRUE
WHERE p.status IN ('active', 'suspended') AND p.category = 'cong_chuc' AND u.path LIKE %(path)s
  AND NOT COALESCE(string_to_array(btrim(u.path, '/'), '/')
                   && (SELECT array_agg(x.id::text) FROM org_unit x WHERE x.unit_type = 'ubnd_xa'), FALSE)
GROUP BY ROLLUP (a.k1, a.k2)
""".format(counts=",\n       ".join(f"count(*) FILTER (WHERE {c})" for c in _BM02_COLUMNS), middle=_BM02_MIDDLE,
           english=_BM02_ENGLISH, degree=_BM02_DEGREE, other=_BM02_OTHER, tongue=_BM02_TONGUE)


def bm02_total(body: bytes, rows: list) -> str:
    """The page's total of column 2 (people counted) against the floor's grand total."""
    match = re.search(rb'id="bm02-total".*?data-col="total">([\d.]*)<', body, re.S)
    app_total = int(match.group(1).replace(b".", b"") or 0) if match else None
    floor_total = next((r[2] for r in rows if r[0] is None), None)
    return "" if app_total == floor_total else f"app total {app_total} vs floor {floor_total}"


def bm02_pair(ctx: Context, name: str, client: Client, unit: dict | None, note: str) -> Measure:
    path = unit["path"] if unit else "/"
    depth = path.strip("/").count("/") + 1 if unit else 1
    url = "/reports/bm02/cong-chuc/?depth=2" + (f"&unit_id={unit['id']}" if unit else "")
    with ctx.conn.cursor() as cur:  # as the app does (SET LOCAL): JIT compiling costs more than it saves here
        cur.execute("SET jit = off")
    try:
        return ctx.pair(name, client, url, BM02_SQL, {"k1": depth + 2, "k2": depth + 3, "path": path + "%"},
                        bm02_total, note=note)
    finally:
        with ctx.conn.cursor() as cur:
            cur.execute("RESET jit")


def m_report_bm02_city(ctx: Context) -> Measure:
    return bm02_pair(ctx, "report_bm02_city", ctx.city_client, None,
                     "BM02 công chức, whole city, two levels of units with subtotals, as city user")


def m_report_bm02_unit(ctx: Context) -> Measure:
    return bm02_pair(ctx, "report_bm02_unit", ctx.unit_client, ctx.unit,
                     f"BM02 công chức of {ctx.unit['name']}, two levels of units with subtotals, as unit user")


def m_syll_pdf(ctx: Context) -> Measure:
    """The SYLL PDF of one full file (issue 7; target ≤ 150 ms), rendered in the bench process."""
    from app.pdf.bench import syll_benchmark

    with ctx.flask_app.app_context(), syll_benchmark() as (render, floor):
        app_samples, _ = timed(render, ctx.runs)
        floor_samples, _ = timed(floor, ctx.runs)
    return Measure("syll_pdf", app_samples, floor_samples,
                   note="app.pdf.render_syll of one full file (a version built in memory from the approved rows: "
                        "gen-city writes no versions); floor = the same text written with no layout")


def m_sign_pdf(ctx: Context) -> Measure:
    """One PAdES B-T signature with the Vietnamese stamp (issue 7; target ≥ 5/s per core), in the bench process."""
    from app.signing.bench import signing_benchmark

    with ctx.flask_app.app_context(), signing_benchmark() as (sign, bare):
        runs = max(ctx.runs, 10)
        app_samples, _ = timed(sign, runs)
        floor_samples, _ = timed(bare, runs)
    per_second = 1000 / statistics.median(app_samples)
    return Measure("sign_pdf", app_samples, floor_samples, detail={"per_second": round(per_second, 1)},
                   note=f"app.signing.sign_pdf, one B-T signature with stamp, RSA-2048, dev TSA: {per_second:.1f}/s "
                        "on one core; floor = bare pyHanko defaults (own stamp, trial-signature size estimate)")


# --------------------------------------------------------------------------- issue 16: moves

#: Synthetic moves the bench database holds (a city moves hundreds of people a week): open ones in every unit's
#: incoming list, completed ones behind them.
BENCH_TRANSFERS = 6000
TRANSFERS_SQL = """
INSERT INTO transfer (person_id, kind, status, from_unit_id, to_unit_id, decision_number, decision_date,
                      effective_date, due_date, deadline_rule, recorded_at, updated_at)
SELECT p.id, 'between_agencies', CASE WHEN p.rn %% 2 = 0 THEN 'completed' ELSE 'recorded' END, p.org_unit_id,
       (SELECT u.id FROM org_unit u WHERE u.level >= 3 AND u.id <> p.org_unit_id
        ORDER BY u.id OFFSET (p.rn * 7919) %% (SELECT count(*) FROM org_unit WHERE level >= 3) - 1 LIMIT 1),
       'BENCH-' || p.id, DATE '2026-09-01', DATE '2026-09-15', DATE '2026-09-15' + (p.rn %% 60)::int, 'HCM-8.2',
       now(), now()
FROM (SELECT id, org_unit_id, row_number() OVER (ORDER BY id) AS rn FROM person
      WHERE id NOT IN (SELECT person_id FROM transfer) ORDER BY id LIMIT %s) p
"""


def ensure_transfers(conn) -> None:
    """Give the bench city its moves once (idempotent: tops them up to :data:`BENCH_TRANSFERS`)."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM transfer WHERE decision_number LIKE 'BENCH-%%'")
        have = cur.fetchone()[0]
        if have < BENCH_TRANSFERS:
            cur.execute(TRANSFERS_SQL, (BENCH_TRANSFERS - have,))
            cur.execute("ANALYZE transfer")


# The incoming list's page 1, hand-written: the moves arriving in the unit's subtree, open ones first by
# deadline, the person's name and both units' names — and the capped count the page shows.
INCOMING_SQL = """
SELECT t.id, t.kind, t.status, t.decision_number, t.decision_date, t.effective_date, t.due_date,
       p.family_name, p.middle_name, p.given_name, fu.name, tu.name
FROM transfer t JOIN person p ON p.id = t.person_id
LEFT JOIN org_unit fu ON fu.id = t.from_unit_id LEFT JOIN org_unit tu ON tu.id = t.to_unit_id
WHERE t.to_unit_id IN (SELECT id FROM org_unit WHERE path LIKE %s) AND t.status IN ('recorded', 'moved')
ORDER BY t.due_date NULLS LAST, t.id DESC LIMIT 51
"""
INCOMING_COUNT_SQL = """
SELECT count(*) FROM (SELECT 1 FROM transfer t WHERE t.to_unit_id IN (SELECT id FROM org_unit WHERE path LIKE %s)
                      AND t.status IN ('recorded', 'moved') LIMIT 1001) c
"""


def same_transfer_ids(body: bytes, rows: list) -> str:
    app_ids = [int(x) for x in re.findall(rb'class="transfer-row[^"]*" data-id="(\d+)"', body)]
    floor_ids = [r[0] for r in rows][:50]
    return "" if app_ids == floor_ids else f"app ids {app_ids[:5]}… ({len(app_ids)}) vs floor {floor_ids[:5]}… " \
                                           f"({len(floor_ids)})"


def m_transfers_incoming(ctx: Context) -> Measure:
    path = ctx.unit["path"] + "%"

    def floor() -> list:
        rows = sql(ctx.conn, INCOMING_SQL, (path,))()
        sql(ctx.conn, INCOMING_COUNT_SQL, (path,))()
        return rows

    app_samples, body = timed(http_get(ctx.unit_client, "/transfers/incoming"), ctx.runs)
    floor_samples, rows = timed(floor, ctx.runs)
    problem = same_transfer_ids(body, rows)
    if problem:
        print(f"bench: WARNING transfers_incoming: app and floor differ: {problem}", flush=True)
    return Measure("transfers_incoming", app_samples, floor_samples, detail={
        "path": "/transfers/incoming", "floor_rows": len(rows), "same_result": not problem, "difference": problem},
        note=f"moves arriving in {ctx.unit['name']}'s subtree, page 1 with its capped count, as unit user "
             f"({BENCH_TRANSFERS} synthetic moves in the city); target ≤ 2×")


def m_transfers_incoming_empty(ctx: Context) -> Measure:
    """The same page with a filter that no move can pass (completed and overdue: overdue means open), against
    the full page's floor: what any list page costs before its first row (session, permissions, scope, filters,
    the layout). When this alone is over 2×, no list on this stack can be within 2× of a floor of this size."""
    path = ctx.unit["path"] + "%"

    def floor() -> list:
        rows = sql(ctx.conn, INCOMING_SQL, (path,))()
        sql(ctx.conn, INCOMING_COUNT_SQL, (path,))()
        return rows

    url = "/transfers/incoming?status=completed&overdue=y"
    app_samples, body = timed(http_get(ctx.unit_client, url), ctx.runs)
    floor_samples, _rows = timed(floor, ctx.runs)
    if b'class="transfer-row' in body:
        print("bench: WARNING transfers_incoming_empty: the page has rows", flush=True)
    return Measure("transfers_incoming_empty", app_samples, floor_samples, detail={"path": url},
                   note="the moves page with no row (a filter nothing passes) against the full page's SQL floor: "
                        "the fixed cost of a list page")


#: The floor of a move: the rows a between-agency move must write, by hand, in one transaction (rolled back):
#: the move's row, the person's and the account's unit, item 33 closed and appended, and the next version holding
#: the whole file as JSON (read with PERSON_SQL's shape).
MOVE_FLOOR_SQL = """
WITH t AS (INSERT INTO transfer (person_id, kind, status, from_unit_id, to_unit_id, decision_number, decision_date,
                                 effective_date, recorded_at, updated_at)
           VALUES (%(pid)s, 'between_agencies', 'completed', %(src)s, %(dst)s, 'FLOOR', current_date, current_date,
                   now(), now()) RETURNING id),
     p AS (UPDATE person SET org_unit_id = %(dst)s, version_no = version_no + 1 WHERE id = %(pid)s
           RETURNING id, version_no, account_id),
     a AS (UPDATE ab_user SET org_unit_id = %(dst)s WHERE id = (SELECT account_id FROM p) RETURNING id),
     w AS (UPDATE work_record SET "end" = to_char(current_date, 'YYYY-MM') WHERE person_id = %(pid)s
           AND "end" IS NULL RETURNING id),
     n AS (INSERT INTO work_record (person_id, position, start, unit_name, title)
           VALUES (%(pid)s, 99, to_char(current_date, 'YYYY-MM'), 'Đơn vị mới', NULL) RETURNING id)
INSERT INTO file_version (person_id, version_no, snapshot, sha256, created_at)
SELECT %(pid)s, (SELECT version_no FROM p), convert_to(({snapshot}), 'UTF8'), repeat('0', 64), now()
"""


def m_transfer_complete(ctx: Context) -> Measure:
    """One between-agency move of a full file (issue 16; target ≤ 200 ms): record, move, receive — three use
    cases, each its own transaction — in the bench process; the person goes and comes back on alternate runs."""
    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services import transfers
    from models.accounts import Account
    from models.org_units import OrgUnit
    from models.personnel import Person

    pid = ctx.unit["mover_id"]
    with ctx.conn.cursor() as cur:  # a synthetic move of this person would block the measured one
        cur.execute("UPDATE transfer SET status = 'cancelled' WHERE person_id = %s AND status IN ('recorded', 'moved')",
                    (pid,))
    with ctx.flask_app.app_context():
        admin = db.session.scalar(sa_select(Account).where(Account.username == "bench.admin"))
        if admin is None:
            raise BenchError("no bench.admin account: regenerate the bench city (flask gen-city --force)")
        home = db.session.get(Person, pid).org_unit_id
        away = db.session.scalar(sa_select(OrgUnit.id).where(OrgUnit.level == 3, ~OrgUnit.path.like(
            ctx.unit["path"] + "%")).order_by(OrgUnit.id).limit(1))
        db.session.remove()
    state = {"at": home}

    def one_move() -> None:
        with ctx.flask_app.app_context():
            actor = db.session.get(Account, admin.id)
            target = away if state["at"] == home else home
            move = transfers.record_move(actor, pid, transfers.MoveData(
                kind="between_agencies", to_unit_id=target, decision_number="BENCH-MOVE",
                decision_date=date.today(), effective_date=date.today()))
            transfers.move(actor, move.id)
            transfers.receive(actor, move.id)
            state["at"] = target
            db.session.remove()

    app_samples, _ = timed(one_move, ctx.runs)
    sections = ", ".join(f"'{t}', (SELECT json_agg(t ORDER BY t.id) FROM {t} t WHERE t.person_id = %(pid)s)"
                         for t in SECTION_TABLES)
    snapshot = f"SELECT json_build_object('person', (SELECT row_to_json(x) FROM person x WHERE x.id = %(pid)s), " \
               f"{sections})::text"
    query = MOVE_FLOOR_SQL.replace("{snapshot}", snapshot)

    def floor() -> None:
        ctx.conn.autocommit = False
        try:
            with ctx.conn.cursor() as cur:
                cur.execute(query, {"pid": pid, "src": state["at"], "dst": away if state["at"] == home else home})
        finally:
            ctx.conn.rollback()
            ctx.conn.autocommit = True

    floor_samples, _ = timed(floor, ctx.runs)
    return Measure("transfer_complete", app_samples, floor_samples, detail={"person_id": pid}, note=(
        f"record + move + receive of person {pid} ({ctx.unit['mover_rows']} section rows) between two agencies, "
        "three use cases in the bench process (audit, notifications, item 33, a new version); target ≤ 200 ms; "
        "floor = the rows such a move writes, by hand, rolled back"))


# --------------------------------------------------------------------------- issue 17: the people list as XLSX

#: The export job, run in a fresh interpreter (as an RQ work horse runs it) so that its peak RSS is its own.
EXPORT_CHILD = """
import json, sys, time
from app import create_app
app = create_app()
from jobs.exports import export_people_xlsx
started = time.perf_counter()
result = export_people_xlsx(int(sys.argv[1]))
print(json.dumps({**result, "seconds": time.perf_counter() - started}))
"""
EXPORT_FLOOR_SQL = """
SELECT p.id, p.family_name, p.middle_name, p.given_name, p.gender, p.birth_date, p.birth_date_precision,
       p.category, p.status, p.rank_code, p.position, p.org_unit_id, p.completeness, p.cccd, p.account_id,
       u.name AS unit_name
FROM person p JOIN org_unit u ON u.id = p.org_unit_id
WHERE p.status IN ('active', 'suspended')
ORDER BY p.sort_key, p.id
"""


def m_export_people_city_xlsx(ctx: Context) -> Measure:
    """The people list of the whole city (every active file, about 250,000 rows) as XLSX (issue 17; targets
    ≤ 60 s and the worker's peak RSS ≤ 300 MB): the export row is asked for in the bench process as the city user,
    the job runs once in a child interpreter whose peak RSS (``ru_maxrss`` of ``wait4``) is reported; floor = the
    same rows, in the same order, streamed through a server-side cursor by psycopg2 (nothing written)."""
    import tempfile

    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services import exports
    from app.services.personnel.queries import PersonFilter
    from models.accounts import Account

    folder = tempfile.mkdtemp(prefix="bench-export-")
    with ctx.flask_app.app_context():
        user = db.session.scalar(sa_select(Account).where(Account.username == SETTINGS["city_user"]))
        if user is None:
            raise BenchError(f"no {SETTINGS['city_user']} account for the city-wide export")
        job = exports.start_people_export(user, PersonFilter(status="active", include_sub_units=True))
        export_id = job.id
        db.session.remove()
    out = Path(folder) / "child.out"
    child = run_child("export", EXPORT_CHILD, [str(export_id)], {**os.environ, "EXPORT_FOLDER": folder}, out)
    app_ms, result, usage = child.ms, child.result, child.usage
    peak_mb = usage.ru_maxrss / 1024  # kB on Linux
    size = sum(f.stat().st_size for f in Path(folder).glob("*.xlsx"))
    for f in Path(folder).iterdir():
        f.unlink()
    os.rmdir(folder)

    def floor() -> int:
        n = 0
        with ctx.conn.cursor(name="bench_export_floor") as cur:
            cur.itersize = 2000
            cur.execute(EXPORT_FLOOR_SQL)
            for _row in cur:
                n += 1
        return n

    ctx.conn.autocommit = False  # a named (server-side) cursor needs a transaction
    try:
        started = time.perf_counter()
        floor_rows = floor()
        floor_ms = (time.perf_counter() - started) * 1000
    finally:
        ctx.conn.rollback()
        ctx.conn.autocommit = True
    if result.get("done") != floor_rows:
        print(f"bench: WARNING export_people_city_xlsx: {result.get('done')} rows exported, {floor_rows} in the "
              "floor", flush=True)
    print(f"BENCH name=export_people_city_xlsx_peak_rss_mb value={peak_mb:.0f}", flush=True)
    return Measure("export_people_city_xlsx", [app_ms], [floor_ms], detail={
        "export_id": export_id, "rows": result.get("done"), "floor_rows": floor_rows, "job_seconds":
        round(result.get("seconds", 0), 1), "peak_rss_mb": round(peak_mb, 1), "xlsx_bytes": size,
        "floor_sql": " ".join(EXPORT_FLOOR_SQL.split())},
        note="one run (not a median): the whole city's people list written to XLSX by the export job in a child "
             f"interpreter, peak RSS {peak_mb:.0f} MB (targets ≤ 60 s, ≤ 300 MB); floor = the rows streamed by "
             "psycopg2")


def m_quality_unit(ctx: Context) -> Measure:
    """One level-2 unit's data-quality page (issue 17; target ≤ 300 ms) over HTTP, as the unit's officer; its
    floor is the page's service call (``quality.unit_page``: the unit's figures and the first 50 files failing a
    rule, one statement) run in the bench process — the same statement without HTTP, security and rendering."""
    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services.reports import quality
    from models.accounts import Account

    app_samples, _ = timed(http_get(ctx.unit_client, f"/reports/quality/unit/{ctx.unit['id']}"), ctx.runs)

    def floor() -> None:
        with ctx.flask_app.app_context():
            user = db.session.scalar(sa_select(Account).where(Account.username == SETTINGS["unit_user"]))
            quality.unit_page(user, ctx.unit["id"])
            db.session.remove()

    floor_samples, _ = timed(floor, ctx.runs)
    path = f"/reports/quality/unit/{ctx.unit['id']}"
    return Measure("quality_unit", app_samples, floor_samples, detail={"path": path},
                   note=f"data quality of {ctx.unit['name']} ({ctx.unit['people']} active people) as unit user; "
                        "target ≤ 300 ms; floor = the page's service call in process")


# --------------------------------------------------------------------------- issue 19: restructuring from a sheet

#: The hand-written floor of the preview: what it must read from the database — the named units with their ancestors'
#: rows, their open sub-units, and their files, accounts and role assignments counted per unit (grouped).
RESTRUCTURE_FLOOR_SQL = """
WITH named AS (SELECT id, path FROM org_unit WHERE id = ANY(%(ids)s))
SELECT (SELECT count(*) FROM org_unit u WHERE u.id IN (SELECT unnest(string_to_array(trim(both '/' from n.path), '/'))
                                                      ::int FROM named n)),
       (SELECT count(*) FROM org_unit c WHERE c.parent_id = ANY(%(ids)s) AND c.status = 'active'),
       (SELECT count(*) FROM (SELECT org_unit_id, count(*) FROM person WHERE org_unit_id = ANY(%(ids)s)
                              GROUP BY org_unit_id) p),
       (SELECT count(*) FROM (SELECT org_unit_id, count(*) FROM ab_user WHERE org_unit_id = ANY(%(ids)s)
                              GROUP BY org_unit_id) a),
       (SELECT count(*) FROM (SELECT org_unit_id, count(*) FROM role_assignment WHERE org_unit_id = ANY(%(ids)s)
                              AND revoked_at IS NULL GROUP BY org_unit_id) r),
       (SELECT count(*) FROM person WHERE id = ANY(%(people)s))
"""


def restructure_sheet(conn) -> tuple[bytes, list[int], list[int]]:
    """A 300-event mapping sheet for the bench city (issue 19), and the unit and person ids it names: 60 pairs of
    communes consolidated into new communes, 60 high schools moved under those new communes (units created by
    earlier rows), 80 hospital departments merged into a sibling, 40 offices renamed, 30 offices split with up to 10
    of their people each placed by file number, 30 school teams dissolved into their school."""
    import io

    import openpyxl

    from app.services.org_units import sheet

    def ids(query: str, n: int) -> list[tuple]:
        with conn.cursor() as cur:
            cur.execute(query + " LIMIT %s", (n,))
            return cur.fetchall()

    communes = ids("SELECT id FROM org_unit WHERE unit_type = 'ubnd_xa' AND status = 'active' ORDER BY id", 120)
    schools = ids("SELECT u.id FROM org_unit u JOIN org_unit p ON p.id = u.parent_id WHERE p.level = 2 AND "
                  "p.unit_type = 'so_nganh' AND u.unit_type = 'dvsn' AND u.status = 'active' ORDER BY u.id", 60)
    khoa = ids("SELECT u.id, (SELECT min(s.id) FROM org_unit s WHERE s.parent_id = u.parent_id AND s.id > u.id AND "
               "s.status = 'active') FROM org_unit u JOIN org_unit h ON h.id = u.parent_id WHERE h.level = 3 AND "
               "h.unit_type = 'dvsn' AND u.level = 4 AND u.status = 'active' AND u.id %% 2 = 0 ORDER BY u.id", 200)
    khoa = [(a, b) for a, b in khoa if b is not None][:80]
    offices = ids("SELECT u.id FROM org_unit u JOIN person p ON p.org_unit_id = u.id WHERE u.level = 3 AND "
                  "u.unit_type = 'phong_ban' AND u.status = 'active' GROUP BY u.id HAVING count(*) >= 2 "
                  "ORDER BY count(*) DESC, u.id", 70)
    teams = ids("SELECT u.id, u.parent_id FROM org_unit u JOIN org_unit s ON s.id = u.parent_id WHERE u.level = 4 AND "
                "s.unit_type = 'dvsn' AND s.level = 3 AND u.status = 'active' AND u.id %% 2 = 1 ORDER BY u.id DESC", 30)
    if len(communes) < 120 or len(schools) < 60 or len(khoa) < 80 or len(offices) < 70 or len(teams) < 30:
        raise BenchError("the bench city is too small for the 300-event restructuring sheet")
    day = date(2026, 7, 1)
    events, allocations = [], []

    def add(kind: str, sources, target=None, **fields) -> None:
        events.append({"number": len(events) + 1, "kind": kind, "sources": sources, "target": target,
                       "decision_number": "BENCH-19", "decision_date": day, **fields})

    for i in range(60):
        a, b = communes[2 * i][0], communes[2 * i + 1][0]
        add("Hợp nhất", f"#{a}; #{b}", names=f"UBND xã Bench {i + 1}", codes=f"H26.999.{i + 1:03d}")
    for i, (school,) in enumerate(schools):
        add("Chuyển đơn vị cấp trên", f"#{school}", f"H26.999.{i + 1:03d}")
    for a, b in khoa:
        add("Sáp nhập", f"#{a}", f"#{b}")
    for (office,) in offices[:40]:
        add("Đổi tên", f"#{office}", names=f"Phòng đổi tên {office}")
    people_ids: list[int] = []
    for (office,) in offices[40:70]:
        add("Chia tách", f"#{office}", names=f"Phòng A {office}; Phòng B {office}", rest="2")
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM person WHERE org_unit_id = %s ORDER BY id LIMIT 10", (office,))
            for (pid,) in cur.fetchall():
                allocations.append({"event": len(events), "person_id": pid, "to": "1"})
                people_ids.append(pid)
    for team, school in teams:
        add("Giải thể", f"#{team}", f"#{school}")
    wb = openpyxl.load_workbook(io.BytesIO(sheet.template_workbook()))
    for name, columns, rows in ((sheet.EVENTS_SHEET, sheet.EVENT_COLUMNS, events),
                                (sheet.ALLOCATION_SHEET, sheet.ALLOCATION_COLUMNS, allocations)):
        keys = [c[1] for c in columns]
        ws = wb[name]
        for r, row in enumerate(rows, start=2):
            for key, value in row.items():
                ws.cell(row=r, column=keys.index(key) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    named = [c[0] for c in communes] + [s[0] for s in schools] + [x for pair in khoa for x in pair]
    named += [o[0] for o in offices] + [x for pair in teams for x in pair]
    return out.getvalue(), named, people_ids


def m_restructure_plan(ctx: Context) -> Measure:
    """The preview of a 300-event mapping sheet on the whole city (issue 19; target ≤ 10 s): parse the workbook and
    play its events on the virtual tree, as the city administrator, in the bench process (nothing is written); floor =
    the rows the plan must read (named units, their ancestors and open sub-units, members counted per unit) in one
    hand-written statement through psycopg2."""
    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services.org_units import restructure
    from models.accounts import Account

    content, named, people_ids = restructure_sheet(ctx.conn)
    state = {}

    def preview() -> None:
        with ctx.flask_app.app_context():
            user = db.session.scalar(sa_select(Account).where(Account.username == "bench.admin"))
            if user is None:
                raise BenchError("no bench.admin account: regenerate the bench city (flask gen-city --force)")
            state["plan"] = restructure.plan_restructure(user, content)
            db.session.rollback()
            db.session.remove()

    app_samples, _ = timed(preview, ctx.runs)
    plan = state["plan"]
    if not plan.ok:
        print(f"bench: WARNING restructure_plan: the sheet has {len(plan.errors)} problems, first: "
              f"{plan.errors[:3]}", flush=True)
    floor_samples, _ = timed(sql(ctx.conn, RESTRUCTURE_FLOOR_SQL, {"ids": named, "people": people_ids}), ctx.runs)
    return Measure("restructure_plan", app_samples, floor_samples, detail={
        "events": len(plan.events), "problems": len(plan.errors), "opened": len(plan.opened),
        "closed": len(plan.closed), "moved": plan.totals, "xlsx_bytes": len(content),
        "floor_sql": " ".join(RESTRUCTURE_FLOOR_SQL.split())},
        note=f"preview of a {len(plan.events)}-event mapping sheet ({len(people_ids)} people placed one by one) as "
             "bench.admin in the bench process: parse + virtual tree + grouped counts, nothing written; target "
             "≤ 10 s; floor = the rows it must read, one statement")


def m_rss_mb(ctx: Context) -> Measure:
    pid = ctx.server.worker_pid()
    status = Path(f"/proc/{pid}/status").read_text()
    kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return Measure("rss_mb", value=kb / 1024, note=f"VmRSS of the gunicorn worker (pid {pid}) after the measures")


# --------------------------------------------------------------------------- issue 18: the national sync

#: Approved file versions the sync measure sends (gen-city writes none: the bench writes them once).
SYNC_VERSIONS = 10_000
SYNC_CHILD = """
import json, sys, time
from sqlalchemy import text
from app import create_app
app = create_app()
from app.extensions import db
from jobs.national_sync import tick
started = time.perf_counter()
with app.app_context():
    result = {"gathered": 0, "retried": 0, "ticks": 0}
    while True:  # one tick gathers at most EVENT_BATCH_MAX items per agency: the next ticks take the rest
        step = tick()
        result = {k: result[k] + step.get(k, 0) for k in ("gathered", "retried")} | {"ticks": result["ticks"] + 1}
        if not step.get("gathered") or result["ticks"] >= 10:
            break
    counts = dict(db.session.execute(text("SELECT status, count(*) FROM sync_item GROUP BY status")).all())
print(json.dumps({**result, "items": counts, "seconds": time.perf_counter() - started}))
"""
SYNC_FLOOR_SQL = """
SELECT v.id, v.person_id, v.version_no, v.sha256, v.snapshot FROM sync_item i JOIN file_version v
ON v.id = i.file_version_id ORDER BY i.agency_unit_id, i.id
"""
SYNC_RESET_SQL = """
DELETE FROM sync_receipt;
UPDATE sync_item SET status = 'queued', batch_id = NULL, monthly_batch_id = NULL, attempts = 0, sent_at = NULL,
       answered_at = NULL, receipt_code = NULL, receipt_message = NULL;
DELETE FROM sync_batch;
"""


def ensure_sync_versions(ctx: Context) -> int:
    """The bench city's approved versions to send: version 1 of the first :data:`SYNC_VERSIONS` files in force (by
    id), written once through ``files.write_version`` — which queues each in the outbox, as an approval does."""
    from sqlalchemy import func as sa_func
    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services.personnel import files
    from models.national_sync import SyncItem
    from models.personnel import FileVersion, Person

    with ctx.flask_app.app_context():
        have = db.session.scalar(sa_select(sa_func.count()).select_from(SyncItem))
        if have < SYNC_VERSIONS:
            started = time.perf_counter()
            ids = list(db.session.scalars(
                sa_select(Person.id).where(Person.status == "active", ~sa_select(FileVersion.id).where(
                    FileVersion.person_id == Person.id).exists()).order_by(Person.id).limit(SYNC_VERSIONS - have)))
            for first in range(0, len(ids), 500):
                for person in db.session.scalars(sa_select(Person).where(Person.id.in_(ids[first:first + 500]))):
                    files.write_version(person, None, None)
                db.session.commit()
            print(f"bench: wrote {len(ids)} file versions for the sync measure in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            have = db.session.scalar(sa_select(sa_func.count()).select_from(SyncItem))
        db.session.remove()
    with ctx.conn.cursor() as cur:
        cur.execute("ANALYZE sync_item")
    return have


def m_sync_10k(ctx: Context) -> Measure:
    """Issue 18 (targets ≤ 60 s end to end, the worker's peak RSS ≤ 300 MB): :data:`SYNC_VERSIONS` approved file
    versions queued in the outbox are gathered into per-agency event batches and sent, in chunks of 500, by the send
    job to the stand-in national server (``app/national_stub``, its own process on 127.0.0.1) — ``jobs.national_sync
    .tick`` run once in a child interpreter (jobs in-process), whose peak RSS is reported. Floor = reading the same
    versions' rows (the encrypted snapshots) through a server-side cursor."""
    import tempfile

    from tests.national_stub import start_stub

    count = ensure_sync_versions(ctx)
    with ctx.conn.cursor() as cur:
        cur.execute(SYNC_RESET_SQL)
    folder = tempfile.mkdtemp(prefix="bench-national-")
    stub = start_stub(folder, key="bench-connection-key")
    try:
        out = Path(folder) / "child.out"
        env = {**os.environ, "NATIONAL_API_URL": stub.url, "NATIONAL_API_KEY": stub.key}
        env.pop("REDIS_URL", None)
        child = run_child("sync", SYNC_CHILD, [], env, out)
        app_ms, result, usage = child.ms, child.result, child.usage
        national = stub.counts()
    finally:
        stub.stop()
        shutil.rmtree(folder, ignore_errors=True)
    peak_mb = usage.ru_maxrss / 1024

    ctx.conn.autocommit = False
    try:
        started = time.perf_counter()
        with ctx.conn.cursor(name="bench_sync_floor") as cur:
            cur.itersize = 2000
            cur.execute(SYNC_FLOOR_SQL)
            floor_rows = sum(1 for _row in cur)
        floor_ms = (time.perf_counter() - started) * 1000
    finally:
        ctx.conn.rollback()
        ctx.conn.autocommit = True
    items = result.get("items", {})
    answered = items.get("accepted", 0) + items.get("rejected", 0)
    if answered != count:
        print(f"bench: WARNING sync_10k: {answered} of {count} records answered ({items})", flush=True)
    print(f"BENCH name=sync_10k_peak_rss_mb value={peak_mb:.0f}", flush=True)
    return Measure("sync_10k", [app_ms], [floor_ms], detail={
        "records": count, "floor_rows": floor_rows, "batches": result.get("gathered"), "items": items,
        "national": national, "peak_rss_mb": round(peak_mb), "child_seconds": round(result.get("seconds", 0), 1)},
        note=f"{count} approved versions sent to the stand-in national server by the send job (per-agency event "
             f"batches, chunks of 500) in a child interpreter: {items}; peak RSS {peak_mb:.0f} MB; targets ≤ 60 s, "
             "≤ 300 MB; floor = reading the versions' rows")


# --------------------------------------------------------------------------- issue 19: the bulk import

#: People of the import measure's workbook (BENCH_IMPORT_PEOPLE, default 50,000).
IMPORT_PEOPLE = int(env("BENCH_IMPORT_PEOPLE", "50000"))
IMPORT_CACHE = ROOT / "bench" / ".cache"
IMPORT_CHILD = """
import json, os, sys, time
from app import create_app
app = create_app()
app.extensions["rq_queue"] = None  # the commit runs in this process right after request_commit's commit
from app.extensions import db
from app.services.imports import use_cases as svc
from jobs.imports import run_dry_run
from models.accounts import Account
from models.imports import ImportJob
job_id = int(sys.argv[1])
profile = os.environ.get("BENCH_IMPORT_PROFILE")
if os.environ.get("BENCH_IMPORT_SQL"):  # time spent per kind of statement, written to /tmp/sql_times.txt
    import atexit
    import collections
    from sqlalchemy import event
    sql_times, sql_counts = collections.Counter(), collections.Counter()
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        key = " ".join(statement.split()[:3])[:60]
        sql_times[key] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        sql_counts[key] += 1

    def _write_sql_times():
        with open("/tmp/sql_times.txt", "w") as out:
            for k, t in sql_times.most_common(25):
                out.write(f"SQL {t:8.3f}s {sql_counts[k]:6d} {k}" + chr(10))

    atexit.register(_write_sql_times)
if profile:
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
started = time.perf_counter()
with app.app_context():
    dry = run_dry_run(job_id)
    dry_s = time.perf_counter() - started
    job = db.session.get(ImportJob, job_id)
    summary = {"valid": job.valid_rows, "error_rows": job.error_rows, "status": job.status, "error": job.error}
    actor = db.session.get(Account, job.requested_by_id)
    if job.status == "finished" and job.valid_rows:
        svc.request_commit(actor, job_id)
    db.session.remove()
    job = db.session.get(ImportJob, job_id)
    summary.update(created=job.created_count, change_sets=job.change_set_count, unchanged=job.unchanged_count,
                   refused=job.refused_count, commit_status=job.status, commit_error=job.error)
if profile:
    prof.disable()
    prof.dump_stats(profile)
print(json.dumps({**summary, "dry_run_seconds": dry_s, "seconds": time.perf_counter() - started}))
"""


def import_cccd(n: int, born: date, gender: str, serial_shift: int = 0) -> str:
    """A CCCD for person ``n`` of the import workbook: province 096 (Cà Mau), century and sex digit, birth year,
    serial ``n`` (+ a shift past a number the bench city already holds)."""
    digit = (born.year // 100 - 19) * 2 + (0 if gender == "nam" else 1)
    return "096%d%02d%06d" % (digit, born.year % 100, (n + serial_shift) % 1_000_000)


def import_workbook(ctx: Context, n: int) -> Path:
    """The template workbook of ``n`` people with four repeating sections (five section rows a person), written
    once into ``bench/.cache`` with XlsxWriter in constant-memory mode (the rows of every sheet in order). Values as
    the tests' (``tests.test_imports_files.person_values`` / ``section_rows``: valid against the checks); CCCDs that
    the bench city does not hold (their blind indexes looked up, 5,000 at a time)."""
    import xlsxwriter

    from app.crypto import blind_index
    from app.services.imports.layout import template_layout
    from app.services.imports.template import instructions
    from tests.test_imports_files import person_values, section_rows

    IMPORT_CACHE.mkdir(exist_ok=True)
    path = IMPORT_CACHE / f"import-{n}.xlsx"
    if path.exists():
        return path
    started = time.perf_counter()
    part = path.with_suffix(".part")
    with ctx.flask_app.app_context():
        specs = {spec.key: spec for spec in template_layout()}
        wb = xlsxwriter.Workbook(str(part), {"constant_memory": True, "strings_to_formulas": False,
                                             "strings_to_numbers": False, "strings_to_urls": False})
        guide = wb.add_worksheet("Hướng dẫn")
        for r, text in enumerate(instructions()):
            guide.write_string(r, 0, text)
        sheets, cols, lines = {}, {}, {}
        for key, spec in specs.items():
            ws = sheets[key] = wb.add_worksheet(spec.title)
            cols[key] = {c.name: j for j, c in enumerate(spec.columns)}
            for j, c in enumerate(spec.columns):
                ws.write_string(0, j, c.header)
            lines[key] = 1
        for first in range(0, n, 5000):
            people = []
            for i in range(first, min(n, first + 5000)):
                values = person_values(i)
                born = date.fromisoformat(values["birth_date"][1])
                gender = values["gender"][1]
                people.append((i, values, born, gender, import_cccd(i, born, gender)))
            taken = set()
            with ctx.conn.cursor() as cur:
                cur.execute("SELECT cccd_index FROM person WHERE cccd_index = ANY(%s)",
                            ([blind_index(p[4]) for p in people],))
                taken = {row[0] for row in cur.fetchall()}
            for i, values, born, gender, cccd in people:
                shift = 0
                while blind_index(cccd) in taken:
                    shift += 500_000
                    cccd = import_cccd(i, born, gender, shift)
                values["cccd"] = (cccd, cccd)
                for name, (text, _json) in values.items():
                    sheets["person"].write_string(lines["person"], cols["person"][name], text)
                lines["person"] += 1
                for key, rows in section_rows(i).items():
                    for row in rows:
                        ws = sheets[key]
                        ws.write_string(lines[key], cols[key]["cccd"], cccd)
                        for name, (text, _json) in row.items():
                            ws.write_string(lines[key], cols[key][name], text)
                        lines[key] += 1
        wb.close()
    part.rename(path)
    print(f"bench: wrote {path.relative_to(ROOT)} ({n} people, {path.stat().st_size // 1024} kB) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return path


#: Tables holding rows of the imported people (their foreign keys to ``person``), emptied in this order.
IMPORT_CLEANUP_SQL = """
CREATE TEMP TABLE bench_gone ON COMMIT DROP AS
    SELECT DISTINCT person_id AS id FROM import_row WHERE job_id = %(job)s AND outcome = 'created'
    AND person_id IS NOT NULL;
DELETE FROM sync_receipt WHERE item_id IN (SELECT id FROM sync_item WHERE person_id IN (SELECT id FROM bench_gone));
DELETE FROM sync_item WHERE person_id IN (SELECT id FROM bench_gone);
DELETE FROM sync_difference WHERE person_id IN (SELECT id FROM bench_gone);
DELETE FROM import_row WHERE job_id = %(job)s;
DELETE FROM file_version WHERE import_job_id = %(job)s OR person_id IN (SELECT id FROM bench_gone);
DELETE FROM change_set WHERE person_id IN (SELECT id FROM bench_gone);
{sections}
DELETE FROM person WHERE id IN (SELECT id FROM bench_gone);
DELETE FROM import_job WHERE id = %(job)s;
"""


def import_cleanup(conn, job_id: int) -> int:
    """Delete what the import ``job_id`` created (its people with every row pointing at them, its versions, staged
    rows and the job) in one transaction; the number of people deleted. Left: the audit and access log lines."""
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT c.conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
                    "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND "
                    "c.confrelid = 'person'::regclass AND c.conrelid::regclass::text NOT IN "
                    "('sync_item', 'sync_difference', 'import_row', 'file_version', 'change_set') ORDER BY 1")
        refs = cur.fetchall()
        cur.execute("SELECT count(DISTINCT person_id) FROM import_row WHERE job_id = %s AND outcome = 'created'",
                    (job_id,))
        people = cur.fetchone()[0]
    sections = "\n".join(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM bench_gone);"
                         for table, column in refs)
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(IMPORT_CLEANUP_SQL.format(sections=sections), {"job": job_id})
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = True
    return people


class TreeMemory(threading.Thread):
    """Samples, twice a second, the memory of a process and all its descendants (the import job and the helpers
    it forks): the peak of the sum of their RSS (shared pages counted in each) and of their PSS (shared pages
    split between the sharers: what the tree really holds)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_rss_mb, self.peak_pss_mb = pid, 0.0, 0.0
        self._stop_event = threading.Event()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    @staticmethod
    def _kb(pid: int, path: str, field: str) -> int:
        try:
            with open(f"/proc/{pid}/{path}") as fh:
                for line in fh:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while not self._stop_event.wait(0.5):
            pids = self._tree()
            self.peak_rss_mb = max(self.peak_rss_mb, sum(self._kb(p, "status", "VmRSS:") for p in pids) / 1024)
            self.peak_pss_mb = max(self.peak_pss_mb, sum(self._kb(p, "smaps_rollup", "Pss:") for p in pids) / 1024)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


@dataclass
class Child:
    """What :func:`run_child` measured: wall time, the last JSON line printed, ``wait4``'s resource usage (peak
    RSS, CPU) and, when asked, the memory of the child with its own children."""

    ms: float
    result: dict
    usage: object
    tree: TreeMemory | None


def run_child(what: str, code: str, args: list[str], env: dict, out: Path, *, tree: bool = False) -> Child:
    """Run ``code`` in a child interpreter (the app's jobs measured in a process of their own), its output in
    ``out``; a BenchError with the output's tail when it fails."""
    started = time.perf_counter()
    with open(out, "w") as fh:
        proc = subprocess.Popen([str(BIN / "python"), "-c", code, *args], cwd=ROOT, env=env, stdout=fh,
                                stderr=subprocess.STDOUT)
        memory = TreeMemory(proc.pid) if tree else None
        if memory is not None:
            memory.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        if memory is not None:
            memory.stop()
    ms = (time.perf_counter() - started) * 1000
    text_out = out.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise BenchError(f"the {what} child failed:\n{text_out[-3000:]}")
    return Child(ms, json.loads(text_out.strip().splitlines()[-1]), usage, memory)


def m_import_50k(ctx: Context) -> Measure:
    """Issue 19 (targets ≤ 5 min, the worker's peak RSS ≤ 400 MB): a template workbook of
    ``BENCH_IMPORT_PEOPLE`` (50,000) new people with four repeating sections, five rows a person
    (:func:`import_workbook`, cached), uploaded by the unit user (TCCB of the bench unit, a level-2 unit) into that
    unit; the dry run then the commit (every person a new file, version 1) run in one child interpreter (jobs
    in-process), whose total time and peak RSS (``wait4``) are reported. Afterwards everything the import created is
    deleted (:func:`import_cleanup`), so the bench is repeatable and the city keeps its size. Floor = reading every
    sheet of the workbook with openpyxl read_only (no checks)."""
    import tempfile

    import openpyxl
    from sqlalchemy import select as sa_select

    from app.extensions import db
    from app.services.imports import use_cases as imports
    from models.accounts import Account

    n = IMPORT_PEOPLE
    path = import_workbook(ctx, n)
    folder = tempfile.mkdtemp(prefix="bench-import-")
    old_folder = ctx.flask_app.config.get("IMPORT_FOLDER")
    ctx.flask_app.config["IMPORT_FOLDER"] = folder
    try:
        with ctx.flask_app.app_context():
            user = db.session.scalar(sa_select(Account).where(Account.username == SETTINGS["unit_user"]))
            if user is None:
                raise BenchError(f"no {SETTINGS['unit_user']} account for the import")
            job = imports.start_import(user, ctx.unit["id"], "cong_chuc", path.name, path.read_bytes())
            job_id = job.id
            db.session.remove()
    finally:
        ctx.flask_app.config["IMPORT_FOLDER"] = old_folder
    out = Path(folder) / "child.out"
    env = {**os.environ, "IMPORT_FOLDER": folder}
    env.pop("REDIS_URL", None)
    try:
        child = run_child("import", IMPORT_CHILD, [str(job_id)], env, out, tree=True)
        app_ms, result, usage, tree = child.ms, child.result, child.usage, child.tree
    finally:
        deleted = import_cleanup(ctx.conn, job_id)
        shutil.rmtree(folder, ignore_errors=True)
    peak_mb = usage.ru_maxrss / 1024

    started = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True)
    floor_rows = 0
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            floor_rows += 1
    wb.close()
    floor_ms = (time.perf_counter() - started) * 1000
    if result.get("created") != n:
        print(f"bench: WARNING import_50k: {result.get('created')} of {n} people created ({result})", flush=True)
    cpu_s = usage.ru_utime + usage.ru_stime
    print(f"BENCH name=import_50k_peak_rss_mb value={peak_mb:.0f}", flush=True)
    print(f"BENCH name=import_50k_tree_peak_pss_mb value={tree.peak_pss_mb:.0f}", flush=True)
    print(f"BENCH name=import_50k_tree_peak_rss_mb value={tree.peak_rss_mb:.0f}", flush=True)
    print(f"BENCH name=import_50k_worker_cpu_s value={cpu_s:.1f}", flush=True)
    return Measure("import_50k", [app_ms], [floor_ms], detail={
        "people": n, "result": result, "deleted_after": deleted, "peak_rss_mb": round(peak_mb),
        "worker_cpu_seconds": round(cpu_s, 1), "tree_peak_pss_mb": round(tree.peak_pss_mb),
        "tree_peak_rss_mb": round(tree.peak_rss_mb),
        "dry_run_seconds": round(result.get("dry_run_seconds", 0), 1), "floor_rows": floor_rows,
        "xlsx_bytes": path.stat().st_size},
        note=f"one run (not a median): a {n}-person template workbook with sections, dry run then commit in a child "
             f"interpreter (dry run {result.get('dry_run_seconds', 0):.0f} s), peak RSS {peak_mb:.0f} MB; targets "
             "≤ 5 min, ≤ 400 MB; the imported people are deleted afterwards; floor = reading the workbook with "
             "openpyxl read_only")


#: Measures run only when ``BENCH_ONLY`` names them: the 50,000-person import takes about 4 minutes (a forked
#: reader, checks, batches of new files per transaction written by two processes) plus its clean-up.
SLOW_MEASURES = {"import_50k"}

#: The measures, in order (rss_mb last: it reads the worker after all the others).
MEASURES: list[Callable[[Context], Measure]] = [
    m_list_unit_first,
    m_list_unit_deep,
    m_search_name_city,
    m_person_show,
    m_tree_children,
    m_report_city_counts,
    m_report_bm02_city,
    m_report_bm02_unit,
    m_syll_pdf,
    m_sign_pdf,
    m_quality_unit,
    m_transfers_incoming,
    m_transfers_incoming_empty,
    m_transfer_complete,
    m_export_people_city_xlsx,
    m_restructure_plan,
    m_sync_10k,
    m_import_50k,
    m_rss_mb,
]


# --------------------------------------------------------------------------- main


def find_unit(conn, name: str) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT id, path, name FROM org_unit WHERE name = %s AND level = 2 AND status = 'active' "
                    "ORDER BY id LIMIT 1", (name,))
        row = cur.fetchone()
        if row is None:
            raise BenchError(f"no open level-2 unit named {name!r}; set BENCH_UNIT_NAME")
        unit = {"id": row[0], "path": row[1], "name": row[2]}
        cur.execute("SELECT count(*) FROM person p JOIN org_unit u ON u.id = p.org_unit_id "
                    "WHERE u.path LIKE %s AND p.status IN ('active', 'suspended')", (unit["path"] + "%",))
        unit["people"] = cur.fetchone()[0]
        # The file page: among the subtree's first 500 active people, the one with the most section rows.
        counts = " + ".join(f"(SELECT count(*) FROM {t} WHERE person_id = p.id)" for t in SECTION_TABLES)
        cur.execute(f"SELECT p.id, {counts} AS n FROM (SELECT p.id FROM person p JOIN org_unit u ON "  # noqa: S608
                    "u.id = p.org_unit_id WHERE u.path LIKE %s AND p.status IN ('active', 'suspended') "
                    "ORDER BY p.id LIMIT 500) p ORDER BY n DESC, p.id LIMIT 2", (unit["path"] + "%",))
        rows = cur.fetchall()
        if len(rows) < 2:
            raise BenchError(f"{name} has fewer than two active people")
        unit["person_id"], unit["person_rows"] = rows[0]
        # The moves' measure writes versions and item-33 rows: another full file, so the file page stays the same.
        unit["mover_id"], unit["mover_rows"] = rows[1]
    return unit


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    return {"uname": uname, "cpus": os.cpu_count(), "cpu_model": cpu,
            "mem_gb": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None, "python": platform.python_version()}


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        return head + ("+dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return ""


def main() -> int:
    url = SETTINGS["database_url"]
    app_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "FLASK_DEBUG")}
    app_env.update(DATABASE_URL=url, FLASK_APP="run.py",
                   ENCRYPTION_KEYS=os.environ.get("ENCRYPTION_KEYS") or BENCH_ENCRYPTION_KEYS,
                   BLIND_INDEX_KEY=os.environ.get("BLIND_INDEX_KEY") or BENCH_BLIND_INDEX_KEY,
                   # many logins from 127.0.0.1 in a row are the bench, not an attack
                   AUTH_RATE_LIMIT="1000 per minute",
                   # served over plain http on 127.0.0.1: a Secure session cookie would never come back
                   SESSION_COOKIE_SECURE="0")

    ensure_database(url)
    conn = pg_connect(url)
    conn.autocommit = True
    if people_count(conn) == 0:
        fill_database(app_env)
    else:  # a database of an older commit: its schema and roles follow the code (both idempotent)
        flask("db", "upgrade", app_env=app_env)
        flask("sync-roles", app_env=app_env)
    ensure_transfers(conn)
    with conn.cursor() as cur:
        # Fresh planner statistics and visibility map, as autovacuum keeps them in production: a plan built on
        # stale ones (measured once right after a generation: 519 ms instead of 119 ms for list_unit_first) is
        # not the app.
        cur.execute("VACUUM (ANALYZE)")
    counts = row_counts(conn)
    people = counts.get("person", 0)
    if SETTINGS["generator"] == "gen-city" and abs(people - SETTINGS["people"]) > SETTINGS["people"] / 100:
        print(f"bench: WARNING: the database has {people} people, not BENCH_PEOPLE="
              f"{SETTINGS['people']}; it was generated elsewhere or with another size (figures are for its size)",
              flush=True)
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    unit = find_unit(conn, SETTINGS["unit_name"])
    print(f"bench: {redact(url)}: {counts.get('person', 0)} people, {counts.get('org_unit', 0)} units; "
          f"unit {unit['name']} (id {unit['id']}, {unit['people']} active people)", flush=True)

    # The bench process builds the app too (for the report's ORM path): same environment as gunicorn.
    os.environ.update(app_env)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    flask_app = create_app()

    server = Server(app_env)
    measures: list[Measure] = []
    try:
        server.wait()
        ctx = Context(conn=conn, server=server, unit=unit, runs=SETTINGS["runs"], flask_app=flask_app,
                      unit_client=Client(server.base).login(SETTINGS["unit_user"], SETTINGS["password"]),
                      city_client=Client(server.base).login(SETTINGS["city_user"], SETTINGS["password"]))
        only = {n.strip() for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
        for fn in MEASURES:
            name = fn.__name__.removeprefix("m_")
            if (only and name not in only) or (not only and name in SLOW_MEASURES):
                print(f"bench: {name} skipped (BENCH_ONLY={name} runs it)", flush=True)
                continue
            measure = fn(ctx)
            measures.append(measure)
            print(measure.line(), flush=True)
    finally:
        server.stop()

    RESULTS.write_text(json.dumps({
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "postgresql": pg_version,
        "commit": git_commit(),
        "database": redact(url),
        "settings": {k: v for k, v in SETTINGS.items() if k not in ("password", "database_url")},
        "unit": unit,
        "row_counts": counts,
        "measures": [m.as_json() for m in measures],
    }, ensure_ascii=False, indent=2) + "\n")
    print(f"bench: wrote {RESULTS.relative_to(ROOT)}", flush=True)
    return 0


def run_script(entry: Callable[[], int], name: str) -> None:
    """Run a bench script's ``entry`` and exit with its code; a BenchError or a failed command is one line on
    stderr (exit 2), Ctrl-C exits 130."""
    try:
        sys.exit(entry())
    except BenchError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except subprocess.CalledProcessError as exc:
        print(f"{name}: error: {' '.join(map(str, exc.cmd))} failed ({exc.returncode})", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run_script(main, "bench")
