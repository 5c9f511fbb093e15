"""Background jobs that survive crashes and Redis outages (issue 13, items 11–12), with real processes.

A real ``rq worker`` subprocess (the app's jobs, this suite's Redis database) is SIGKILLed mid bulk approval, mid
ZIP export and mid XLSX export of a few thousand people (issue 17 item 6); the reconciler (``jobs/reconcile.py``)
sees the dead worker from the stale heartbeat of the row and queues the row again; a restarted worker finishes
exactly the rest (the XLSX: from scratch, once). A private ``redis-server`` is stopped
and started again: logins keep working, an export asked for meanwhile waits with a Vietnamese note, progress
updates into RQ fail silently, and the rows Redis forgot are queued again by the reconciler.

Rules: design.md §4 (jobs are safe to run twice; the row is the truth), §3 (a passphrase is never kept for a job
that may not run), issue 13 items 11–12.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from jobs import approvals as bulk_jobs
from jobs import exports as export_jobs
from models.approvals import BulkDecision
from models.exports import ExportJob
from models.org_units import OrgUnit
from models.personnel import ChangeSet, FileVersion, Person
from tests.factories import IsolatedClient, account, login, officer_change, use_profile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RQ = os.path.join(os.path.dirname(sys.executable), "rq")
QUEUE = "cbccvc_test_job_recovery"
#: Heartbeats older than this (seconds) are stale for the reconciler of these tests.
LEASE = 3


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the session's loaded copy)."""


@pytest.fixture()
def queue(app, monkeypatch, tmp_path):
    """This module's own RQ queue on the suite's Redis database, an export folder, short leases."""
    from redis import Redis
    from rq import Queue

    q = Queue(f"{QUEUE}_{uuid.uuid4().hex[:8]}", connection=Redis.from_url(app.config["REDIS_URL"]))
    monkeypatch.setitem(app.extensions, "rq_queue", q)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_TIMEOUT_SECONDS", LEASE)
    monkeypatch.setitem(app.config, "JOB_QUEUE_GRACE_SECONDS", 0)
    yield q
    q.empty()
    for key in q.connection.scan_iter(f"rq:*{q.name}*"):  # its registries (killed jobs): no other test sees them
        q.connection.delete(key)


class Workers:
    """Real ``rq worker`` processes (own process groups, so a SIGKILL takes the work horse too); all killed at
    teardown."""

    def __init__(self, app, tmp_path):
        self.app, self.tmp_path, self.procs = app, tmp_path, []

    def env(self, redis_url: str, **extra) -> dict:
        cfg = self.app.config
        return {**os.environ, "DATABASE_URL": os.environ.get("TEST_DATABASE_URL", cfg["SQLALCHEMY_DATABASE_URI"]),
                "REDIS_URL": redis_url, "ENCRYPTION_KEYS": cfg["ENCRYPTION_KEYS"],
                "ENCRYPTION_ACTIVE_KEY": cfg["ENCRYPTION_ACTIVE_KEY"], "BLIND_INDEX_KEY": cfg["BLIND_INDEX_KEY"],
                "CITY_PROFILE": "hanoi", "EXPORT_FOLDER": cfg.get("EXPORT_FOLDER") or "",
                "JOB_HEARTBEAT_TIMEOUT_SECONDS": str(LEASE), "PYTHONPATH": ROOT,
                **{k: str(v) for k, v in extra.items()}}

    def start(self, redis_url: str, queue_name: str, *, burst: bool = False, forever: bool = False,
              **extra):
        """An ``rq worker`` on ``queue_name``; ``forever``: under deploy/run-forever.sh, as ``make worker`` runs it."""
        log = open(self.tmp_path / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed with the process
        args = [RQ, "worker", "--url", redis_url] + ([] if forever else [
            "--name", f"test-recovery-{uuid.uuid4().hex[:10]}"])
        if forever:
            args = ["bash", os.path.join(ROOT, "deploy", "run-forever.sh")] + args
        proc = subprocess.Popen(args + (["--burst"] if burst else []) + [queue_name], cwd=ROOT,
                                env=self.env(redis_url, **extra), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc) -> None:
        """SIGKILL the worker and its work horse (RQ puts the horse in a session of its own), as a crash would."""
        horses = []
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
                horses = [int(pid) for pid in fh.read().split()]
        except OSError:
            pass
        for pid, kill in [(proc.pid, os.killpg)] + [(pid, os.kill) for pid in horses]:
            try:
                kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)
        for pid in horses:
            wait_for(lambda pid=pid: not os.path.exists(f"/proc/{pid}") or zombie(pid), timeout=10, what="horse")

    def finish(self, proc, timeout: float = 120) -> None:
        """Wait for a burst worker to empty its queue and exit."""
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            raise AssertionError(self.logs()) from None

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log")))

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc)


@pytest.fixture()
def workers(app, tmp_path):
    pool = Workers(app, tmp_path)
    yield pool
    pool.close()


def zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_for(predicate, timeout: float = 90, what: str = "condition", logs=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{logs()}")


def row_of(db, model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def client_for(app, username):
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    assert login(c, username).status_code == 302
    return c


def parts(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".part")) if os.path.isdir(folder) else []


# --------------------------------------------------------------------------- a worker killed mid-job


def test_bulk_approval_killed_mid_way_is_finished_exactly_once(app, demo, queue, workers, unit_by_name, monkeypatch):
    """Item 11, HN-6.4: a worker SIGKILLed in the middle of a bulk approval leaves the row "running" only until the
    reconciler sees its stale heartbeat; then the row is queued again (never shown running), a restarted worker
    decides the rest, and every change set is approved exactly once (one new file version each) with every
    outcome "approved" — none "refused" for the change sets the killed run had approved."""
    db = demo
    use_profile(app, monkeypatch, "hanoi")
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(8)]
    head = account(db, "syt.thutruong")
    row = bulk_jobs.start_bulk_decision(head, "approve", [cs.id for cs in made], "Đồng ý")
    bulk_jobs.dispatch(row.id)
    [job] = queue.jobs

    worker = workers.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.8)
    wait_for(lambda: row_of(db, BulkDecision, row.id).done >= 3, what="3 decisions", logs=workers.logs)
    workers.kill(worker)
    killed = row_of(db, BulkDecision, row.id)
    decided = killed.done
    assert killed.status == "running" and 3 <= decided < 8
    from jobs import leases
    from models.approvals import BulkDecisionItem

    assert job.failure_callback is leases.on_job_failure
    assert count(db, BulkDecisionItem) == decided  # each outcome committed with its approval, nothing more
    assert count(db, ChangeSet, ChangeSet.status == "approved") == decided

    time.sleep(LEASE + 0.5)
    from jobs.reconcile import reconcile

    assert reconcile()["requeued"] == 1
    waiting = row_of(db, BulkDecision, row.id)
    assert waiting.status == "queued" and waiting.note and "chạy tiếp phần còn lại" in waiting.note
    state = client_for(app, "syt.thutruong").get(f"/people/changes/bulk/status?id={row.id}").get_json()
    assert state["status"] == "queued" and state["note"] == waiting.note
    assert reconcile()["requeued"] == 0  # its new RQ job is in Redis: nothing to do twice

    workers.finish(workers.start(app.config["REDIS_URL"], queue.name, burst=True))
    done = row_of(db, BulkDecision, row.id)
    assert (done.status, done.done, done.attempts, done.passphrase) == ("finished", 8, 2, None), workers.logs()
    items = list(db.session.scalars(select(BulkDecisionItem).where(BulkDecisionItem.bulk_id == row.id)))
    assert sorted(i.change_set_id for i in items) == sorted(cs.id for cs in made)
    assert {i.outcome for i in items} == {"approved"}
    assert [r["outcome"] for r in done.results] == ["approved"] * 8
    for cs in made:
        fresh = db.session.get(ChangeSet, cs.id)
        assert fresh.status == "approved" and fresh.version_id is not None
        assert count(db, FileVersion, FileVersion.person_id == fresh.person_id) == 2  # version 1 + exactly one
        assert db.session.get(Person, fresh.person_id).version_no == 2


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_export_killed_mid_way_is_rebuilt_and_leaves_no_partial_file(app, demo_people, queue, workers):
    """Item 11, design.md §5: a worker SIGKILLed in the middle of a ZIP export leaves a ``.zip.part`` and a
    "running" row; the reconciler queues the row again and removes the partial file; a restarted worker
    rebuilds the ZIP from scratch; no ``.zip.part`` is left and every file is in the ZIP once."""
    db = demo_people
    unit = db.session.get(OrgUnit, db.session.scalar(
        select(OrgUnit.id).where(OrgUnit.name == "Sở Y tế")))
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    export_id = int(re.search(r"/exports/(\d+)$", resp.headers["Location"]).group(1))
    folder = app.config["EXPORT_FOLDER"]

    worker = workers.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.4)
    wait_for(lambda: row_of(db, ExportJob, export_id).done >= 3, what="3 files", logs=workers.logs)
    workers.kill(worker)
    killed = row_of(db, ExportJob, export_id)
    assert killed.status == "running" and killed.total > killed.done >= 3
    assert len(parts(folder)) == 1

    time.sleep(LEASE + 0.5)
    from jobs.reconcile import reconcile

    assert reconcile()["requeued"] == 1
    state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
    assert state["status"] == "queued" and "chạy tiếp" in state["note"]
    assert parts(folder) == []

    workers.finish(workers.start(app.config["REDIS_URL"], queue.name, burst=True))
    db.session.expire_all()  # the client's requests share this test's session
    state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
    assert state["status"] == "finished", workers.logs()
    assert state["done"] + state["skipped"] == state["total"] and row_of(db, ExportJob, export_id).attempts == 2
    assert parts(folder) == []
    download = officer.get(state["download_url"])
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)) == state["done"] and archive.testzip() is None


def _thousands_of_people(db, copies: int = 14) -> list[int]:
    """The demo city's files copied ``copies`` times over (a few thousand active files), each with its own marker in
    ``position`` ("P-<id>", shown in the people list's workbook); the ids of the active files, in the list's order."""
    columns = [c for (c,) in db.session.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'person' AND table_schema = "
        "'public' AND column_name NOT IN ('id', 'account_id') ORDER BY ordinal_position"))]
    cols = ", ".join(columns)
    db.session.execute(text(f"INSERT INTO person ({cols}) SELECT {cols} FROM person "
                            f"CROSS JOIN generate_series(1, {copies}) WHERE status IN ('active', 'suspended')"))
    db.session.execute(text("UPDATE person SET position = 'P-' || id"))
    db.session.commit()
    return [i for (i,) in db.session.execute(text(
        "SELECT id FROM person WHERE status IN ('active', 'suspended') ORDER BY sort_key, id"))]


def test_people_export_killed_mid_way_is_finished_exactly_once(app, demo_people, queue, workers):
    """Issue 17 item 6: a real RQ worker SIGKILLed while writing the people list of the whole city (a few thousand
    rows) leaves a "running" row and no file in the export folder (XlsxWriter keeps the rows of a constant-memory
    sheet in anonymous temporary files, gone with the process, and writes the ``.xlsx.part`` only at the end); the
    reconciler sees the stale heartbeat and queues the row again; a restarted worker writes it from scratch, once:
    the row finishes on its second attempt, one workbook is left, the access log has one finished export, and the
    workbook read back has every active file exactly once, in the list's order."""
    import collections

    import openpyxl

    db = demo_people
    expected = _thousands_of_people(db)
    assert len(expected) >= 2500
    officer = client_for(app, "sonoivu.chuyenvien")
    resp = officer.post("/people/export/?q=&status=active&sub_units=y")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    export_id = int(re.search(r"/people/export/(\d+)$", resp.headers["Location"]).group(1))
    folder = app.config["EXPORT_FOLDER"]

    worker = workers.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.003)
    wait_for(lambda: row_of(db, ExportJob, export_id).done >= 400, what="400 rows", logs=workers.logs)
    workers.kill(worker)
    killed = row_of(db, ExportJob, export_id)
    assert killed.status == "running" and killed.total == len(expected) and 400 <= killed.done < killed.total
    assert parts(folder) == [] and not [n for n in os.listdir(folder) if n.endswith(".xlsx")]

    time.sleep(LEASE + 0.5)
    from jobs.reconcile import reconcile

    assert reconcile()["requeued"] == 1
    state = officer.get(f"/people/export/{export_id}/status").get_json()
    assert state["status"] == "queued" and "chạy tiếp" in state["note"]
    assert parts(folder) == []
    assert reconcile()["requeued"] == 0  # its new RQ job waits in Redis: nothing to do twice

    workers.finish(workers.start(app.config["REDIS_URL"], queue.name, burst=True))
    db.session.expire_all()
    state = officer.get(f"/people/export/{export_id}/status").get_json()
    assert (state["status"], state["done"], state["total"]) == ("finished", len(expected), len(expected)), (
        state, workers.logs())
    done = row_of(db, ExportJob, export_id)
    assert done.attempts == 2 and parts(folder) == []
    assert [n for n in os.listdir(folder) if n.endswith(".xlsx")] == [done.stored_name]
    finished = db.session.execute(text("SELECT detail FROM access_log WHERE event = 'export' "
                                       "AND object_id = :id"), {"id": str(export_id)}).all()
    assert [d["rows"] for (d,) in finished] == [len(expected)]

    download = officer.get(state["download_url"])
    rows = list(openpyxl.load_workbook(io.BytesIO(download.data), read_only=True).worksheets[0]
                .iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    markers = [r[5] for r in rows]
    assert collections.Counter(markers).most_common(1)[0][1] == 1  # every file once
    assert markers == [f"P-{i}" for i in expected]


def test_failure_callback_tells_the_row_at_once(app, demo_people, queue, workers, monkeypatch):
    """Item 11: when RQ finds the job of a killed worker abandoned (its StartedJobRegistry cleanup, "eventually"),
    the failure callback wired at enqueue tells the row at once: failed (attempts used up here) with a
    Vietnamese message, the partial ZIP removed — the page stops showing a percentage."""
    from rq.registry import StartedJobRegistry

    db = demo_people
    monkeypatch.setitem(app.config, "JOB_MAX_ATTEMPTS", 1)
    monkeypatch.setitem(app.config, "JOB_HEARTBEAT_TIMEOUT_SECONDS", 3600)  # the reconciler would not see it
    unit = db.session.get(OrgUnit, db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Sở Y tế")))
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    export_id = int(re.search(r"/exports/(\d+)$", resp.headers["Location"]).group(1))
    worker = workers.start(app.config["REDIS_URL"], queue.name, JOB_ITEM_DELAY_SECONDS=0.4)
    wait_for(lambda: row_of(db, ExportJob, export_id).done >= 1, what="1 file", logs=workers.logs)
    workers.kill(worker)
    assert row_of(db, ExportJob, export_id).status == "running" and parts(app.config["EXPORT_FOLDER"])

    StartedJobRegistry(queue=queue).cleanup(time.time() + 3600)  # what RQ does once the job's heartbeat expires
    row = row_of(db, ExportJob, export_id)
    assert row.status == "failed" and row.error.startswith("Tiến trình nền bị dừng")
    assert parts(app.config["EXPORT_FOLDER"]) == []
    state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
    assert state["status"] == "failed" and state["error"] == row.error


# --------------------------------------------------------------------------- the rules of re-queueing


def test_a_dead_signed_bulk_decision_is_resumed_only_while_its_passphrase_is_held(app, demo, queue, unit_by_name,
                                                                                   monkeypatch):
    """Item 11, design.md §3: a bulk decision whose worker died is queued again only while its passphrase is held
    and BULK_PASSPHRASE_TTL_MINUTES has not passed; past it the row fails, the passphrase is blanked and the
    Vietnamese message asks to decide again."""
    from jobs.reconcile import reconcile

    db = demo
    use_profile(app, monkeypatch, "hanoi")
    made = [officer_change(db, unit_by_name("Khoa Cấp cứu"), n) for n in range(2)]
    head = account(db, "syt.thutruong")
    fresh = bulk_jobs.start_bulk_decision(head, "approve", [made[0].id])
    old = bulk_jobs.start_bulk_decision(head, "approve", [made[1].id])
    ttl = app.config["BULK_PASSPHRASE_TTL_MINUTES"]
    db.session.execute(text(
        "UPDATE bulk_decision SET status = 'running', attempts = 1, lease_token = 'dead', "
        "heartbeat_at = now() - interval '1 hour', created_at = now() - make_interval(mins => :age) "
        "WHERE id = :id"), [{"id": fresh.id, "age": 1}, {"id": old.id, "age": ttl + 1}])
    db.session.commit()
    for row_id in (fresh.id, old.id):  # as start_bulk_decision stores it for signed steps
        row = db.session.get(BulkDecision, row_id)
        row.passphrase = "Demo@2026"
    db.session.commit()

    counts = reconcile()
    assert (counts["requeued"], counts["failed"]) == (1, 1)
    resumed, refused = row_of(db, BulkDecision, fresh.id), row_of(db, BulkDecision, old.id)
    assert (resumed.status, resumed.passphrase) == ("queued", "Demo@2026")
    assert [j.args for j in queue.jobs] == [(fresh.id,)]
    assert (refused.status, refused.passphrase) == ("failed", None)
    assert "hãy chọn và gửi lại" in refused.error and "mật khẩu chứng thư số" in refused.error


def test_finished_exports_expire(app, demo_people, monkeypatch, tmp_path):
    """Item 11: an export's file is deleted EXPORT_RETENTION_HOURS after it finished; the row is marked expired,
    its page says so in Vietnamese and the download is a 404 with the same explanation."""
    from jobs.reconcile import reconcile

    db = demo_people
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    unit = db.session.get(OrgUnit, db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Khoa Cấp cứu")))
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    export_id = int(re.search(r"/exports/(\d+)$", resp.headers["Location"]).group(1))
    job = row_of(db, ExportJob, export_id)
    path = os.path.join(str(tmp_path), job.stored_name)
    assert job.status == "finished" and os.path.isfile(path)

    hours = app.config["EXPORT_RETENTION_HOURS"]
    assert reconcile(job.finished_at + timedelta(hours=hours - 1))["expired_exports"] == 0
    assert os.path.isfile(path)
    assert reconcile(job.finished_at + timedelta(hours=hours, minutes=1))["expired_exports"] == 1
    assert not os.path.exists(path) and row_of(db, ExportJob, export_id).status == "expired"
    page = officer.get(f"/people/syll/exports/{export_id}").get_data(as_text=True)
    assert "đã hết hạn lưu" in page and 'id="export-expired"' in page
    assert "Đã hết hạn" in officer.get("/people/syll/exports").get_data(as_text=True)
    download = officer.get(f"/people/syll/exports/{export_id}/download")
    assert download.status_code == 404 and "đã hết hạn lưu" in download.get_data(as_text=True)


# --------------------------------------------------------------------------- Redis down


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of this test on a free port, without persistence (a restart forgets everything)."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.proc = free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        wait_for(lambda: self._ping(Redis), timeout=20, what="redis-server")

    def _ping(self, redis_class) -> bool:
        try:
            return redis_class(port=self.port, socket_connect_timeout=0.2).ping()
        except Exception:  # noqa: BLE001
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture()
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_outage_leaves_pages_working_and_the_reconciler_requeues_lost_work(
        app, demo_people, private_redis, workers, tmp_path, caplog):
    """Item 12: with Redis (a private redis-server) stopped, logins still work (the limiter falls back to memory),
    an export asked for meanwhile is a queued row with a Vietnamese note (no 500), and an export running on a real
    worker finishes although its progress updates into RQ fail; the worker started during the outage exits and
    is started again by the loop of ``make worker``; once Redis is back with an empty memory, the reconciler
    queues again the rows Redis lost (one queued before the outage, one during it) and that worker finishes
    them."""
    import config
    from app import create_app

    db = demo_people
    outage = type("OutageConfig", (config.TestConfig,), {
        "REDIS_URL": private_redis.url, "RATELIMIT_STORAGE_URI": private_redis.url, "REDIS_SOCKET_TIMEOUT": 0.5,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "EXPORT_FOLDER": str(tmp_path / "exports"), "JOB_QUEUE_GRACE_SECONDS": 0})
    web = create_app(outage)
    unit = db.session.get(OrgUnit, db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Khoa Cấp cứu")))

    officer = client_for(web, "syt.tccb")
    before = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    assert before.status_code == 302
    lost_id = int(re.search(r"/exports/(\d+)$", before.headers["Location"]).group(1))
    assert len(web.extensions["rq_queue"]) == 1  # queued in Redis, no worker yet

    # An export running on a real worker (a queue of its own) when Redis goes away.
    from rq import Queue

    running_id = bulk_export_row(db, db.session.get(OrgUnit, db.session.scalar(
        select(OrgUnit.id).where(OrgUnit.name == "Sở Y tế"))))
    lost_queue = web.extensions["rq_queue"]
    web.extensions["rq_queue"] = Queue("cbccvc_running", connection=lost_queue.connection)
    try:
        with web.app_context():
            assert export_jobs.dispatch(running_id) is not None
    finally:
        web.extensions["rq_queue"] = lost_queue
    workers.start(private_redis.url, "cbccvc_running", JOB_ITEM_DELAY_SECONDS=0.3, EXPORT_FOLDER=outage.EXPORT_FOLDER)
    wait_for(lambda: row_of(db, ExportJob, running_id).done >= 3, what="a running export", logs=workers.logs)

    private_redis.stop()  # Redis's memory is gone with it
    logging.getLogger("flask-limiter").disabled = False  # Alembic's fileConfig in the app fixture disabled it
    # The worker of `make worker` started now cannot reach Redis and exits; the loop starts it again, backing off.
    forever = workers.start(private_redis.url, "cbccvc", forever=True, EXPORT_FOLDER=outage.EXPORT_FOLDER)
    assert client_for(web, "syt.tccb")  # a new login: 302, not 500
    assert any("falling back to in-memory storage" in r.getMessage() for r in caplog.records)
    during = officer.post("/people/syll/exports", data={"unit_id": unit.id})
    assert during.status_code == 302, during.get_data(as_text=True)[:500]
    waiting_id = int(re.search(r"/exports/(\d+)$", during.headers["Location"]).group(1))
    page = officer.get(during.headers["Location"])
    assert page.status_code == 200 and 'id="export-note"' in page.get_data(as_text=True)
    waiting = row_of(db, ExportJob, waiting_id)
    assert waiting.status == "queued" and "tạm thời không truy cập được" in waiting.note

    # Its progress updates into RQ fail from now on: logged, the export goes on and finishes, no English error.
    wait_for(lambda: row_of(db, ExportJob, running_id).status != "running", timeout=90, what="the running export",
             logs=workers.logs)
    running = row_of(db, ExportJob, running_id)
    assert (running.status, running.error, running.done + running.skipped) == ("finished", None, running.total)

    # The same in this process, with the current RQ job bound to the stopped server.
    import rq.job as rq_job
    from redis import Redis
    from rq.job import Job
    from rq.local import LocalStack

    probe = bulk_export_row(db, unit)
    dead = Job.create(export_jobs.export_unit_syll, args=(probe,), connection=Redis.from_url(
        private_redis.url, socket_connect_timeout=0.3))
    stack = LocalStack()
    stack.push(dead)
    original = rq_job._job_stack  # noqa: SLF001
    rq_job._job_stack = stack  # noqa: SLF001
    try:
        with web.app_context():
            result = export_jobs.export_unit_syll(probe)
    finally:
        rq_job._job_stack = original  # noqa: SLF001
    assert result["status"] == "finished", result
    probe_row = row_of(db, ExportJob, probe)
    assert probe_row.status == "finished" and probe_row.error is None

    private_redis.start()  # empty: both queued exports are unknown to Redis now
    from jobs.reconcile import reconcile

    with web.app_context():
        counts = reconcile()
    # Both rows queued again under new RQ jobs (the restarted worker may have taken one already: not the queue's
    # length, which raced with it under load).
    assert counts["requeued"] == 2
    redis = web.extensions["rq_queue"].connection
    for export_id in (lost_id, waiting_id):
        assert Job.exists(row_of(db, ExportJob, export_id).queue_job_id, connection=redis)
    wait_for(lambda: all(row_of(db, ExportJob, i).status == "finished" for i in (lost_id, waiting_id)),
             timeout=120, what="both exports finished by the restarted worker", logs=workers.logs)
    assert "starting again" in workers.logs() and forever.poll() is None
    for export_id in (lost_id, waiting_id):
        db.session.expire_all()
        state = officer.get(f"/people/syll/exports/{export_id}/status").get_json()
        assert state["status"] == "finished" and state["note"] is None, (state, workers.logs())
        assert officer.get(state["download_url"]).status_code == 200


def bulk_export_row(db, unit) -> int:
    """An export row of ``unit`` asked for by syt.tccb, written without queueing it."""
    from app.services.exports import start_unit_syll_export

    return start_unit_syll_export(account(db, "syt.tccb"), unit.id).id


def test_make_worker_restarts_a_worker_that_exits(tmp_path):
    """Item 12: ``make worker`` runs the RQ worker and the cron scheduler under deploy/run-forever.sh, which starts
    a command again whenever it exits (an RQ worker exits when Redis goes away), with a back-off; the deploy/
    systemd units restart them too (Restart=always)."""
    runs = tmp_path / "runs"
    proc = subprocess.Popen(["bash", os.path.join(ROOT, "deploy", "run-forever.sh"), "sh", "-c",
                             f"echo run >> {runs}; exit 3"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 2, timeout=20, what="a second run")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
    assert b"exited with status 3; starting again in 2s" in err
    with open(os.path.join(ROOT, "Makefile")) as fh:
        worker = fh.read().split("\nworker:", 1)[1].split("\n\n", 1)[0]
    assert worker.count("deploy/run-forever.sh") == 2 and "rq worker" in worker and "rq cron" in worker
    for unit in ("cbccvc-worker.service", "cbccvc-cron.service"):
        with open(os.path.join(ROOT, "deploy", unit)) as fh:
            assert "Restart=always" in fh.read()


def test_flask_jobs_reconcile_command(app, demo, monkeypatch):
    """Item 11: ``flask jobs reconcile`` runs the reconciler (for a system cron while Redis, and with it RQ's cron
    scheduler, is down) and prints what it did; the periodic job of jobs/schedule.py runs the same function."""
    from jobs.schedule import PERIODIC_JOBS

    monkeypatch.setitem(app.extensions, "rq_queue", None)
    result = app.test_cli_runner().invoke(args=["jobs", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "Xếp hàng chạy lại: 0" in result.output and "Bản xuất hết hạn (đã xóa tệp): 0" in result.output
    assert any(path == "jobs.reconcile.reconcile" for _id, path, _cron in PERIODIC_JOBS)
