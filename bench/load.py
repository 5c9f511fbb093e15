"""``make load``: the month-end peak (issue 20 item 6) — locust against the production gunicorn on the bench city.

Steps:

1. The bench database (``cbccvc_bench``, ``BENCH_DATABASE_URL``) as ``bench/run.py`` makes it: created and filled
   with ``flask gen-city`` (250,000 people) when it has no people; schema and roles brought up to date otherwise.
2. The load accounts and the approvers' work (``bench/load_accounts.py``, through the app's services; idempotent):
   staff with personal accounts, TCCB officers, heads approving one unit each, report viewers, all on the load
   password with no forced change, and submitted change sets waiting in every approver's inbox.
3. The data-quality figures of the report viewers' scope worked out once (:func:`warm_kept_figures`): in
   production the periodic job keeps the figures read lately ready, so only a scope's first reader computes them.
4. The app under ``gunicorn -c deploy/gunicorn.conf.py run:app`` (the production configuration: 2 × CPUs + 1 sync
   workers) on a free port of 127.0.0.1, with its Redis (``LOAD_REDIS_URL``, db 8, flushed first) for sessions,
   rate limits and the job queue, and one RQ worker (``jobs.worker.AppWorker``, queue ``cbccvc``) for the bulk
   approvals.
5. locust, headless (``bench/locustfile.py``): ``LOAD_USERS`` users (default 50) started ``LOAD_SPAWN_RATE`` a
   second, for ``LOAD_SECONDS`` (default 180), each waiting 3–10 s between actions. Its statistics (requests per
   second, p50/p95/p99 per operation, errors) go to ``bench/load.json`` and a table.

Opt-in knobs of this run only (the production defaults are unchanged): ``AUTH_RATE_LIMIT=1000 per minute`` (every
simulated user signs in from 127.0.0.1, which the per-IP login limit of 10 per 20 s would refuse as an attack —
in production each person comes from their own address) and ``SESSION_COOKIE_SECURE=0`` (plain http on
127.0.0.1). Lockouts are not touched: every login uses the right password.

Settings (environment): ``LOAD_USERS``, ``LOAD_SECONDS``, ``LOAD_SPAWN_RATE`` (default 1), ``LOAD_REDIS_URL``,
``LOAD_ROOT_UNIT`` (the unit of officers and viewers; its largest children are the approvers' units; default
``Sở Giáo dục và Đào tạo``), ``LOAD_ADMIN`` (the administrator making the accounts; ``bench.admin``),
``LOAD_PASSWORD``, ``LOAD_PENDING`` (change sets waiting per approver unit, default 40), ``LOAD_WAIT``
(``3,10`` seconds), ``WEB_CONCURRENCY`` / ``GUNICORN_THREADS`` (deploy/gunicorn.conf.py), and those of
``bench/run.py`` (``BENCH_DATABASE_URL``, ``BENCH_GENERATOR=seed-demo`` for a smoke run on the demo city …).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402 - after the path
    BENCH_BLIND_INDEX_KEY,
    BENCH_ENCRYPTION_KEYS,
    DEMO,
    SETTINGS,
    BenchError,
    ensure_database,
    fill_database,
    flask,
    free_port,
    git_commit,
    machine,
    people_count,
    pg_connect,
    redact,
    run_script,
)

BIN = ROOT / ".venv" / "bin"
RESULT = ROOT / "bench" / "load.json"
ACCOUNTS = ROOT / "bench" / ".load-accounts.json"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
LOG_DIR = ROOT / "bench" / ".load"
#: The page operations of the acceptance (p95 ≤ 500 ms each): every operation but the login and the JSON poll.
NOT_PAGES = {"login"}


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


LOAD = {
    "users": int(env("LOAD_USERS", "50")),
    "seconds": int(env("LOAD_SECONDS", "180")),
    # One new user a second: 50 logins in 10 s (-r 5) keep both cores busy for ~20 s with password hashing
    # (scrypt, ~110 ms of CPU a login by design) and landing pages, and every page of that ramp queues.
    "spawn_rate": float(env("LOAD_SPAWN_RATE", "1")),
    "redis_url": env("LOAD_REDIS_URL", "redis://127.0.0.1:6379/8"),
    "root_unit": env("LOAD_ROOT_UNIT", "Sở Y tế" if DEMO else "Sở Giáo dục và Đào tạo"),
    "admin": env("LOAD_ADMIN", "sonoivu.admin" if DEMO else "bench.admin"),
    "password": env("LOAD_PASSWORD", "Tai@CuoiThang2026"),
    "pending": int(env("LOAD_PENDING", "40")),
    "wait": env("LOAD_WAIT", "3,10"),
}


# --------------------------------------------------------------------------- locust and its statistics


def run_locust(host: str, accounts_file: Path, *, users: int, seconds: int, spawn_rate: float, wait: str,
               out_dir: Path, fixed_one_each: bool = False, timeout: float | None = None) -> Path:
    """Run ``bench/locustfile.py`` headless against ``host`` in a process of its own (gevent stays there);
    returns the prefix of its CSV files. ``fixed_one_each``: one user of each kind (the test's scenario)."""
    prefix = out_dir / "locust"
    child_env = {**os.environ, "LOAD_ACCOUNTS": str(accounts_file), "LOAD_WAIT": wait,
                 "LOAD_FIXED_ONE_EACH": "1" if fixed_one_each else ""}
    cmd = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", host, "-u", str(users),
           "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", "15", "--csv", str(prefix),
           "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    with open(out_dir / "locust.log", "w") as log:
        subprocess.run(cmd, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT, check=True,
                       timeout=timeout or seconds + 120)
    return prefix


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def summarize(prefix: Path, *, users: int, seconds: int) -> dict:
    """``bench/load.json``'s figures from locust's own statistics (``<prefix>_stats.csv``): per operation its
    requests per second, p50/p95/p99 and errors (failures); ``p95_ms_max`` over the page operations."""
    operations, total = {}, None
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            entry = {"rps": round(_number(row["Requests/s"]), 2), "p50_ms": _number(row["50%"]),
                     "p95_ms": _number(row["95%"]), "p99_ms": _number(row["99%"]),
                     "errors": int(_number(row["Failure Count"])), "requests": int(_number(row["Request Count"]))}
            if row["Name"] == "Aggregated":
                total = entry
            else:
                operations[row["Name"]] = entry
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, newline="") as fh:
            failures = [{"operation": r["Name"], "error": r["Error"], "count": int(_number(r["Occurrences"]))}
                        for r in csv.DictReader(fh)]
    exceptions_csv = Path(f"{prefix}_exceptions.csv")
    if exceptions_csv.exists():  # an exception inside a task (a bug of the scenario) is an error too
        with open(exceptions_csv, newline="") as fh:
            failures += [{"operation": "(exception)", "error": r["Message"], "count": int(_number(r["Count"]))}
                         for r in csv.DictReader(fh)]
    pages = [op for name, op in operations.items() if name not in NOT_PAGES]
    return {
        "users": users,
        "seconds": seconds,
        "errors": sum(op["errors"] for op in operations.values())
        + sum(f["count"] for f in failures if f["operation"] == "(exception)"),
        "p95_ms_max": max((op["p95_ms"] for op in pages), default=0.0),
        "rps": total["rps"] if total else 0.0,
        "operations": dict(sorted(operations.items())),
        "failures": failures,
    }


def table(result: dict) -> str:
    lines = [f"{'operation':<28} {'requests':>8} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"]
    for name, op in result["operations"].items():
        lines.append(f"{name:<28} {op['requests']:>8} {op['rps']:>7.2f} {op['p50_ms']:>7.0f} {op['p95_ms']:>7.0f} "
                     f"{op['p99_ms']:>7.0f} {op['errors']:>6}")
    lines.append(f"{'total':<28} {sum(o['requests'] for o in result['operations'].values()):>8} "
                 f"{result['rps']:>7.2f} {'':>7} {result['p95_ms_max']:>7.0f} {'':>7} {result['errors']:>6}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the services under load


class Process:
    """A child process in its own session (stopped with its children), its output in a log file."""

    def __init__(self, name: str, cmd: list[str], app_env: dict):
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=app_env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def wait_ready(proc: Process, base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise BenchError(f"gunicorn exited ({proc.proc.returncode}); see {proc.log_path}:\n"
                             + proc.log_path.read_text()[-3000:])
        try:
            with urllib.request.urlopen(base + "/login/", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise BenchError(f"gunicorn did not answer on {base} within {timeout:.0f} s")


def load_env(url: str, redis_url: str) -> dict:
    app_env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG",)}
    app_env.update(DATABASE_URL=url, REDIS_URL=redis_url, FLASK_APP="run.py",
                   ENCRYPTION_KEYS=os.environ.get("ENCRYPTION_KEYS") or BENCH_ENCRYPTION_KEYS,
                   BLIND_INDEX_KEY=os.environ.get("BLIND_INDEX_KEY") or BENCH_BLIND_INDEX_KEY,
                   # Opt-in for this run only: every simulated user signs in from 127.0.0.1 (see the docstring).
                   AUTH_RATE_LIMIT=os.environ.get("LOAD_AUTH_RATE_LIMIT", "1000 per minute"),
                   SESSION_COOKIE_SECURE="0")
    return app_env


def prepare_accounts(app_env: dict) -> dict:
    """:func:`bench.load_accounts.prepare` in this process, on the bench database; written to ACCOUNTS."""
    os.environ.update(app_env)
    from app import create_app
    from bench.load_accounts import prepare

    flask_app = create_app()
    with flask_app.app_context():
        started = time.perf_counter()
        accounts = prepare(users=LOAD["users"], root_name=LOAD["root_unit"], admin=LOAD["admin"],
                           password=LOAD["password"], pending_per_unit=LOAD["pending"],
                           log=lambda m: print(m, flush=True))
        print(f"load: accounts ready in {time.perf_counter() - started:.0f} s", flush=True)
    ACCOUNTS.write_text(json.dumps(accounts, ensure_ascii=False, indent=2) + "\n")
    return accounts


def warm_kept_figures(app_env: dict, accounts: dict) -> None:
    """What a day of use leaves behind: the data-quality figures the report viewers read, kept and refreshed
    ahead by the periodic job (``app.services.reports.kept_figures``), worked out once here — as on any day after
    its first reader — instead of by the first simulated viewer (the cold computation is bench's
    ``quality_unit``)."""
    os.environ.update(app_env)
    from app import create_app
    from app.extensions import db
    from app.services.reports.quality import quality_table
    from models.accounts import Account

    flask_app = create_app()
    with flask_app.test_request_context():
        started = time.perf_counter()
        viewer = db.session.scalar(db.select(Account).where(Account.username == accounts["viewer"][0]))
        quality_table(viewer)
        db.session.rollback()
        print(f"load: data-quality figures of the viewers' scope kept in {time.perf_counter() - started:.1f} s",
              flush=True)


def flush_redis(url: str) -> None:
    from redis import Redis

    Redis.from_url(url).flushdb()


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def main() -> int:
    url = SETTINGS["database_url"]
    redis_url = LOAD["redis_url"]
    app_env = load_env(url, redis_url)
    ensure_database(url)
    conn = pg_connect(url)
    conn.autocommit = True
    people = people_count(conn)
    if people == 0:
        fill_database(app_env)
        people = people_count(conn)
    else:
        flask("db", "upgrade", app_env=app_env)
        flask("sync-roles", app_env=app_env)
    print(f"load: {redact(url)}: {people} people", flush=True)
    LOG_DIR.mkdir(exist_ok=True)
    accounts = prepare_accounts(app_env)
    with conn.cursor() as cur:
        cur.execute("ANALYZE")  # fresh statistics after the preparation's writes, as autovacuum would keep them
    conn.close()
    flush_redis(redis_url)
    warm_kept_figures(app_env, accounts)

    for old in ("access.log", "gunicorn.log", "worker.log", "locust.log"):
        (LOG_DIR / old).unlink(missing_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web_env = {**app_env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(LOG_DIR / "access.log")}
    web = Process("gunicorn", [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "run:app"], web_env)
    worker = Process("worker", [str(BIN / "rq"), "worker", "--worker-class", "jobs.worker.AppWorker", "--url",
                                redis_url, os.environ.get("RQ_QUEUE", "cbccvc")], app_env)
    started = datetime.now(UTC).astimezone()
    try:
        wait_ready(web, base)
        print(f"load: gunicorn (deploy/gunicorn.conf.py) on {base}; locust: {LOAD['users']} users, "
              f"{LOAD['spawn_rate']:g}/s, {LOAD['seconds']} s, waits {LOAD['wait']} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="cbccvc-load-") as tmp:
            prefix = run_locust(base, ACCOUNTS, users=LOAD["users"], seconds=LOAD["seconds"],
                                spawn_rate=LOAD["spawn_rate"], wait=LOAD["wait"], out_dir=Path(tmp))
            load_average = uptime()
            result = summarize(prefix, users=LOAD["users"], seconds=LOAD["seconds"])
            (LOG_DIR / "locust.log").write_text((Path(tmp) / "locust.log").read_text())
        if not worker.alive():
            print(f"load: WARNING: the RQ worker exited; see {worker.log_path}", flush=True)
    finally:
        web.stop()
        worker.stop()
    result.update(date=started.isoformat(timespec="seconds"), machine=machine(), commit=git_commit(),
                  database=redact(url), people=people, uptime=load_average,
                  workers=int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1))
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(table(result), flush=True)
    print(f"load: {load_average}", flush=True)
    print(f"load: wrote {RESULT.relative_to(ROOT)}; logs in {LOG_DIR.relative_to(ROOT)}/", flush=True)
    return 0


if __name__ == "__main__":
    run_script(main, "load")
