"""Issue 20, item 3: one storage interface (``app/storage.py``) with a local directory and an S3-compatible
backend, and stateless web nodes.

The same tests run on both backends (``backend`` is parametrised): the S3 one against a real S3-compatible
server process on 127.0.0.1 (moto's server mode, started by the ``s3_server`` fixture). The last test serves the
app from two gunicorn processes and an RQ worker sharing one database, one Redis and one bucket: a file uploaded
through one node is downloaded through the other with the same session cookie, and an export built by the worker
is downloaded through the node that did not ask for it.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile

import pytest
from sqlalchemy import select

from app.services import personnel as svc
from app.services.errors import NotFoundError, ValidationError
from app.services.personnel.attachments import attachment_key, attachment_path, attachment_store
from app.storage import ATTACHMENTS, EXPORTS, Missing, S3Storage, get_storage
from models.exports import ExportJob
from models.personnel import Attachment
from tests.clients import client_for
from tests.factories import PDF, account, person_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
BUCKET = "cbccvc-test"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, proc, log_path, timeout: float = 60, expect=lambda status: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the process exited ({proc.returncode})\n"
                                 + open(log_path, errors="replace").read()[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if expect(resp.status):
                    return
        except urllib.error.HTTPError as exc:
            if expect(exc.code):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer\n" + open(log_path, errors="replace").read()[-3000:])


def _stop(proc) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 server on 127.0.0.1 (a real HTTP server process) with the test bucket; its endpoint URL."""
    import boto3

    port = _free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url + "/", proc, log_path)
        boto3.client("s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
                     region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield url
    finally:
        _stop(proc)


def s3_settings(url: str, prefix: str) -> dict:
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": url, "S3_BUCKET": BUCKET, "S3_ACCESS_KEY": "test",
            "S3_SECRET_KEY": "test", "S3_REGION": "us-east-1", "S3_PREFIX": prefix}


@pytest.fixture(params=["local", "s3"])
def backend(request, app, monkeypatch, tmp_path):
    """The storage backend of the test: a temporary upload folder, or a prefix of its own in moto's bucket."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", None)
    monkeypatch.setitem(app.config, "STORAGE_SCRATCH_DIR", str(tmp_path / "scratch"))
    if request.param == "s3":
        settings = s3_settings(request.getfixturevalue("s3_server"), f"t-{uuid.uuid4().hex[:10]}/")
    else:
        settings = {"STORAGE_BACKEND": "local"}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return request.param


class Pattern(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced as read (a large stream that is never in memory)."""

    def __init__(self, size: int):
        self.left, self.block = size, hashlib.sha256(b"cbccvc").digest() * 4096

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = min(len(buf), self.left, len(self.block))
        buf[:n] = self.block[:n]
        self.left -= n
        return n


def _expected(size: int) -> tuple[str, int]:
    digest, stream = hashlib.sha256(), Pattern(size)
    while data := stream.read(1 << 20):
        digest.update(data)
    return digest.hexdigest(), size


def test_storage_interface(app, db, backend, tmp_path):
    """put (bytes, and a 12 MB stream: a multipart upload on S3) with size and SHA-256, open as a stream, exists,
    size, list by prefix, a local copy, delete; a missing object and a bad key are refused."""
    store = get_storage(ATTACHMENTS)
    assert isinstance(store, S3Storage) == (backend == "s3")
    small = store.put("a/one.txt", b"mot")
    assert (small.size, small.sha256) == (3, hashlib.sha256(b"mot").hexdigest())
    big = store.put("a/b/big.bin", io.BufferedReader(Pattern(12 * 1024 * 1024 + 7)))
    assert (big.sha256, big.size) == _expected(12 * 1024 * 1024 + 7)
    store.put("c/other.txt", io.BytesIO(b"hai"))
    assert store.exists("a/one.txt") and not store.exists("a/none.txt")
    assert store.size("a/b/big.bin") == big.size and store.sha256("a/b/big.bin") == big.sha256
    with store.open("a/one.txt") as fh:
        assert fh.read() == b"mot"
    assert [(o.key, o.size) for o in store.list("a/")] == [("a/b/big.bin", big.size), ("a/one.txt", 3)]
    assert [o.key for o in store.list()] == ["a/b/big.bin", "a/one.txt", "c/other.txt"]
    with store.local_copy("c/other.txt") as path:
        assert open(path, "rb").read() == b"hai"
    source = tmp_path / "built.part"
    source.write_bytes(b"ba")
    assert store.put_file("c/built.txt", str(source)).sha256 == hashlib.sha256(b"ba").hexdigest()
    assert not source.exists() and store.read_bytes("c/built.txt") == b"ba"
    with open(source, "wb") as out, io.BufferedReader(Pattern(9 * 1024 * 1024)) as src:
        while data := src.read(1 << 20):
            out.write(data)
    built = store.put_file("c/big.xlsx", str(source))  # a multipart upload read from the file on S3
    assert (built.sha256, built.size) == _expected(9 * 1024 * 1024) and store.sha256("c/big.xlsx") == built.sha256
    store.delete("c/big.xlsx")
    store.put("a/one.txt", b"bon")  # replaced
    assert store.read_bytes("a/one.txt") == b"bon"
    store.delete("a/one.txt")
    store.delete("a/one.txt")  # nothing to delete is not an error
    assert not store.exists("a/one.txt")
    with pytest.raises(Missing):
        store.open("a/one.txt")
    with pytest.raises(Missing):
        store.size("a/one.txt")
    for bad in ("../x", "/etc/passwd", "a//b", "a/./b", ""):
        with pytest.raises(ValueError):
            store.put(bad, b"x")
    local = os.path.join(app.config["UPLOAD_FOLDER"], "a", "b", "big.bin")
    assert os.path.isfile(local) == (backend == "local")  # the bucket leaves nothing on the node's disk


def test_attachment_stored_downloaded_and_removed(app, demo, backend):
    """HN-6.3: a proof goes to the store under its random name with its SHA-256; the TCCB officer downloads it
    with its Vietnamese name; removing it from the draft removes the object."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    att = svc.add_attachment(staff, person.id, PDF, "Quyết định nâng lương.pdf", "quyet_dinh")
    key = attachment_key(att.stored_name)
    store = attachment_store()
    assert store.read_bytes(key) == PDF
    assert (att.size, att.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert os.path.isfile(attachment_path(att.stored_name)) == (backend == "local")  # today's layout, locally
    officer = client_for(app, "syt.tccb")
    resp = officer.get(f"/people/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF and resp.mimetype == "application/pdf"
    assert "Quy%E1%BA%BFt" in resp.headers["Content-Disposition"]
    assert client_for(app, "xem.baocao").get(f"/people/attachments/{att.id}").status_code == 403
    svc.remove_attachment(staff, att.id)
    assert not store.exists(key)
    assert db.session.scalar(select(Attachment).where(Attachment.id == att.id)) is None


def test_changed_or_missing_attachment_refused(app, demo, backend):
    """A stored proof whose bytes changed is refused (checksum, read as a stream) and one that is gone is a 404,
    on either backend."""
    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    att = svc.add_attachment(staff, person.id, PDF, "CCCD.pdf", "giay_to_tuy_than")
    key = attachment_key(att.stored_name)
    attachment_store().put(key, PDF + b"%sua")
    officer = account(db, "syt.tccb")
    with pytest.raises(ValidationError):
        svc.open_attachment(officer, att.id)
    assert client_for(app, "syt.tccb").get(f"/people/attachments/{att.id}").status_code == 409
    attachment_store().delete(key)
    with pytest.raises(NotFoundError):
        svc.open_attachment(officer, att.id)
    assert client_for(app, "syt.tccb").get(f"/people/attachments/{att.id}").status_code == 404


def test_backup_collects_the_store(app, demo, backend):
    """The backups list and read the attachment store through the interface (a bucket like a directory)."""
    from app.services.backups.service import stored_files

    db = demo
    staff = account(db, "annv.syt")
    person = person_for(db, staff.org_unit, "annv.syt")
    att = svc.add_attachment(staff, person.id, PDF, "CCCD.pdf", "giay_to_tuy_than")
    files = {name: b"".join(read()) for name, read in stored_files() if name.startswith("uploads/")}
    assert files == {f"uploads/{attachment_key(att.stored_name)}": PDF}


def test_people_export_through_the_store(app, demo_people, inline_exports, backend):
    """The people list's workbook is built in the scratch folder, published to the store and streamed back; with
    a bucket nothing stays in the export folder."""
    db = demo_people
    officer = client_for(app, "syt.tccb")
    resp = officer.post("/people/export/?q=&status=active&sub_units=y")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    export_id = int(re.search(r"/people/export/(\d+)$", resp.headers["Location"]).group(1))
    state = officer.get(f"/people/export/{export_id}/status").get_json()
    assert state["status"] == "finished", state
    db.session.expire_all()
    job = db.session.get(ExportJob, export_id)
    store = get_storage(EXPORTS)
    assert store.exists(job.stored_name) and store.sha256(job.stored_name) == job.sha256
    download = officer.get(state["download_url"])
    assert download.status_code == 200 and download.mimetype == XLSX_MIME
    assert hashlib.sha256(download.data).hexdigest() == job.sha256
    assert zipfile.is_zipfile(io.BytesIO(download.data))
    kept = [n for n in os.listdir(inline_exports) if n.endswith((".xlsx", ".part"))]
    assert kept == ([] if backend == "s3" else [job.stored_name])
    scratch = inline_exports / "scratch"
    assert not scratch.exists() or not [p for p in scratch.rglob("*") if p.is_file()]  # the partial file is gone


def test_import_upload_and_report_through_the_store(app, demo, backend, monkeypatch, tmp_path, unit_by_name):
    """Issue 19's kept upload and its error report go to the store; the dry run reads the upload from a local
    copy (openpyxl/csv need a file) and both download through the pages; with a bucket nothing stays on disk."""
    from models.imports import ImportJob
    from tests.test_imports_files import XLSX, _csv_bytes, _person_csv

    db = demo
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    unit = unit_by_name("Khoa Cấp cứu")
    # A column the template does not have: a warning, so that there is a report to store.
    content = _csv_bytes([row + [cell] for row, cell in zip(_person_csv(range(1, 4)), ["Cột lạ", "", "", ""],
                                                                  strict=True)],
                         ";", True)
    c = client_for(app, "syt.tccb")
    resp = c.post("/imports/upload", data={"unit_id": unit.id, "category": "cong_chuc",
                                           "file": (io.BytesIO(content), "Danh sách.csv")},
                  content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    job_id = int(re.search(r"/imports/(\d+)$", resp.headers["Location"]).group(1))
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert (job.status, job.valid_rows, job.error_rows) == ("finished", 3, 0), job.error
    store = get_storage("imports")
    assert store.read_bytes(job.stored_name) == content and store.exists(job.report_name)
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    report = c.get(f"/imports/{job_id}/report")
    assert report.status_code == 200 and report.mimetype == XLSX and zipfile.is_zipfile(io.BytesIO(report.data))
    original = c.get(f"/imports/{job_id}/file")
    assert original.status_code == 200 and original.data == content
    on_disk = [p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file()] if (tmp_path / "uploads").exists() \
        else []
    assert sorted(on_disk) == ([] if backend == "s3" else sorted([job.stored_name, job.report_name]))
    assert not [p for p in (tmp_path / "scratch").rglob("*") if p.is_file()] if (tmp_path / "scratch").exists() \
        else True


# --------------------------------------------------------------------------- two web nodes and a worker


class Browser:
    """One browser: one cookie jar for every node (cookies are per host, not per port), CSRF from the page."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=120) as resp:
                return resp.status, resp.read(), resp.url, dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.url, dict(exc.headers)

    def token(self, url: str) -> str:
        status, page, _url, _headers = self.request(url)
        assert status == 200, (url, status)
        found = re.search(rb'name="csrf-token" content="([^"]+)"', page) or re.search(
            rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, page[:2000]
        return found.group(1).decode()

    def login(self, base: str, username: str, password: str) -> None:
        token = self.token(base + "/login/")
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        _status, _body, url, _headers = self.request(base + "/login/", data)
        assert "/login" not in url, url

    def post(self, url: str, fields: dict, files: dict | None = None, token_from: str | None = None):
        fields = {**fields, "csrf_token": self.token(token_from or url)}
        if not files:
            return self.request(url, urllib.parse.urlencode(fields).encode())
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content, mime) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{urllib.parse.quote(filename)}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
                         + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(url, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def _node_env(app, s3_url: str, prefix: str, tmp_path) -> dict:
    cfg = app.config
    keep = {k: v for k, v in os.environ.items() if k not in ("UPLOAD_FOLDER", "EXPORT_FOLDER", "IMPORT_FOLDER")}
    return {**keep, "DATABASE_URL": os.environ.get("TEST_DATABASE_URL", cfg["SQLALCHEMY_DATABASE_URI"]),
            "REDIS_URL": cfg["REDIS_URL"], "SECRET_KEY": cfg["SECRET_KEY"], "ENCRYPTION_KEYS": cfg["ENCRYPTION_KEYS"],
            "ENCRYPTION_ACTIVE_KEY": cfg["ENCRYPTION_ACTIVE_KEY"], "BLIND_INDEX_KEY": cfg["BLIND_INDEX_KEY"],
            "CITY_PROFILE": "hanoi", "SESSION_COOKIE_SECURE": "0", "FORCE_HTTPS": "0", "PYTHONPATH": ROOT,
            "STORAGE_SCRATCH_DIR": str(tmp_path / "scratch"), **s3_settings(s3_url, prefix)}


def test_two_web_nodes_and_a_worker_share_only_database_redis_and_bucket(app, demo, s3_server, tmp_path):
    """Issue 20's acceptance: two gunicorn processes (each its own port, its own empty folders) and an RQ worker
    on one database, one Redis and one bucket. A proof uploaded through node A downloads through node B in the
    same session (the session is a signed cookie whose revocation epoch is in PostgreSQL: no node keeps it); a
    people export asked on node B is built by the worker and downloads from node A; logging out on A ends the
    session on B."""
    from redis import Redis

    db = demo
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    db.session.commit()
    Redis.from_url(app.config["REDIS_URL"]).delete("rq:queue:cbccvc")
    prefix = f"n-{uuid.uuid4().hex[:10]}/"
    procs, bases = [], []
    try:
        for node in ("a", "b"):
            port = _free_port()
            env = {**_node_env(app, s3_server, prefix, tmp_path), "UPLOAD_FOLDER": str(tmp_path / node / "uploads"),
                   "EXPORT_FOLDER": str(tmp_path / node / "exports")}
            log_path = tmp_path / f"gunicorn-{node}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [os.path.join(BIN, "gunicorn"), "-w", "1", "--threads", "2", "--timeout", "120", "-b",
                     f"127.0.0.1:{port}", "run:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
            procs.append(proc)
            bases.append(f"http://127.0.0.1:{port}")
            _wait_http(bases[-1] + "/login/", proc, log_path, timeout=120, expect=lambda status: status == 200)
        env = {**_node_env(app, s3_server, prefix, tmp_path), "UPLOAD_FOLDER": str(tmp_path / "w" / "uploads"),
               "EXPORT_FOLDER": str(tmp_path / "w" / "exports")}
        with open(tmp_path / "worker.log", "wb") as log:
            procs.append(subprocess.Popen(
                [os.path.join(BIN, "rq"), "worker", "--worker-class", "jobs.worker.AppWorker", "--url",
                 app.config["REDIS_URL"], "--name", f"test-storage-{uuid.uuid4().hex[:8]}", "cbccvc"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        node_a, node_b = bases

        staff = Browser()
        staff.login(node_a, "annv.syt", "Demo@2026")
        status, _body, _url, _headers = staff.post(
            node_a + "/my/file/attachments",
            {"attachment-kind": "quyet_dinh", "attachment-section": "work", "attachment-description": "Bản sao"},
            {"attachment-file": ("Quyết định tuyển dụng.pdf", PDF, "application/pdf")}, token_from=node_a + "/my/file/")
        assert status == 200, status  # redirected back to the file
        db.session.expire_all()
        att = db.session.scalar(select(Attachment).where(Attachment.person_id == person.id))
        assert att is not None, (tmp_path / "gunicorn-a.log").read_text(errors="replace")[-3000:]
        assert not any((tmp_path / n / "uploads").exists() and any((tmp_path / n / "uploads").rglob("*.pdf"))
                       for n in ("a", "b", "w"))  # in the bucket, on no node's disk
        status, data, _url, headers = staff.request(f"{node_b}/my/file/attachments/{att.id}")
        assert status == 200 and data == PDF, (status, data[:300])
        assert "Quy%E1%BA%BFt" in headers["Content-Disposition"]

        officer = Browser()
        officer.login(node_b, "syt.tccb", "Demo@2026")
        status, _body, url, _headers = officer.post(node_b + "/people/export/?q=&status=active&sub_units=y", {},
                                                    token_from=node_b + "/people/")
        export_id = int(re.search(r"/people/export/(\d+)$", url).group(1))
        deadline, state = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            _s, raw, _u, _h = officer.request(f"{node_a}/people/export/{export_id}/status")
            state = __import__("json").loads(raw)
            if state["status"] in ("finished", "failed"):
                break
            time.sleep(0.5)
        assert state.get("status") == "finished", (state, (tmp_path / "worker.log").read_text(errors="replace")[-3000:])
        status, data, _url, headers = officer.request(node_a + state["download_url"])
        db.session.expire_all()
        job = db.session.get(ExportJob, export_id)
        assert status == 200 and hashlib.sha256(data).hexdigest() == job.sha256 and zipfile.is_zipfile(io.BytesIO(data))

        staff.post(node_a + "/logout/", {}, token_from=node_a + "/my/file/")
        status, _data, url, _headers = staff.request(f"{node_b}/my/file/attachments/{att.id}")
        assert "/login" in url  # the session ended on every node
    finally:
        for proc in procs:
            _stop(proc)
