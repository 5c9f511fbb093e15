"""The stand-in national CBCCVC database (issue 18): the contract of ``docs/national-api.md`` served by a small
Flask app of its own (not the FAB app, no PostgreSQL): a SQLite file given on the command line, one key.

Run it as ``python -m app.national_stub --port 8765 --data /tmp/national.db --key KEY`` or
``flask national-stub …``; ``--port 0`` picks a free port; the first line printed is
``NATIONAL_STUB_READY http://127.0.0.1:PORT``. Tests start it as a real process (``tests/national_stub.py``).

Besides ``/v1`` (the contract) it has ``/_control`` for tests and demos (header ``X-Control-Key``): ``POST
/_control/faults`` ``{mode, count, …}`` (see :mod:`.faults`), ``GET``/``DELETE /_control/faults``, ``GET
/_control/records`` (what it holds, ``?identifier=``), ``POST /_control/reset``, ``GET /_control/health`` (no key).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
import os
import re
import socket
import ssl
import threading
import time

from flask import Flask, Response, g, request
from flask_babel import Babel
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.national.records import MAX_RECORDS_PER_BATCH, MAX_REQUEST_BYTES, handover_doc, summary_digest
from app.national_stub.faults import MODES, Faults
from app.national_stub.store import Store
from app.national_stub.validation import check_record, code_lists_doc

__all__ = ["create_stub_app", "serve"]

log = logging.getLogger(__name__)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
BATCH_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
AGENCY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$")
IDENTIFIER_RE = re.compile(r"^[0-9]{12}$")
MAX_KEY_CHARS = 64
DEFAULT_LIMIT, MAX_LIMIT = 1000, 5000
SYSTEM = "CSDL CBCCVC quốc gia (bản mô phỏng)"
#: The unknown record the ``unknown_receipt`` fault answers for.
GHOST = {"idempotency_key": "079199000001:1", "identifier": "079199000001", "version": 1, "status": "accepted",
         "code": "ACCEPTED", "message": "Đã nhận."}

ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
               429: "RATE_LIMITED", 500: "INTERNAL_ERROR", 503: "UNAVAILABLE"}


class RateLimiter:
    """A token bucket for the one connection key: ``rate`` requests a second, bursts of ``burst`` (0: off)."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = float(rate), max(1, int(burst))
        self.tokens, self.at = float(self.burst), time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> float:
        """0 when a request may pass now (a token is taken), else the seconds until one may."""
        if self.rate <= 0:
            return 0.0
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


def _error(status: int, code: str | None, message: str, headers: dict | None = None) -> Response:
    body = json.dumps({"error": {"code": code or ERROR_CODES.get(status, "ERROR"), "message": str(message)}},
                      ensure_ascii=False)
    return Response(body, status=status, headers=headers or {}, content_type="application/json")


def _cursor(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def _after(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(cursor) from None
    if not IDENTIFIER_RE.match(value):
        raise ValueError(cursor)
    return value


def create_stub_app(data_path: str, key: str, control_key: str | None = None, *,
                    max_body: int = MAX_REQUEST_BYTES, rate: float = 20.0, burst: int = 40,
                    max_records: int = MAX_RECORDS_PER_BATCH) -> Flask:
    """The stand-in as a WSGI app over the SQLite file ``data_path`` (made if missing)."""
    app = Flask("app.national_stub")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.json.ensure_ascii = False
    Babel(app, default_locale="vi", default_translation_directories=os.path.join(ROOT, "translations"))
    store, faults, limiter = Store(data_path), Faults(), RateLimiter(rate, burst)
    control_key = control_key or key
    codes_doc = code_lists_doc()
    app.extensions["national_stub"] = {"store": store, "faults": faults}

    # ----------------------------------------------------------------------- answers and faults

    def answer(doc: dict, status: int = 200) -> Response:
        """The JSON answer, bent by the request's fault when it has an output one."""
        fault = g.get("fault")
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        if fault is None or status != 200:
            return Response(body, status=status, content_type="application/json")
        mode, params = fault.mode, fault.params
        if mode == "timeout":
            time.sleep(float(params.get("delay", 5.0)))
        elif mode == "malformed":
            return Response(body[: max(1, len(body) // 2)], status=200, content_type="application/json")
        elif mode == "wrong_type":
            return Response("<html><body><h1>Hệ thống đang bảo trì</h1></body></html>", status=200,
                            content_type="text/html; charset=utf-8")
        elif mode == "huge":
            size = int(params.get("size", 64 * 1024 * 1024))
            chunk = b"x" * 65536

            def padding():
                yield b'{"padding":"'
                sent = 0
                while sent < size:
                    piece = chunk[: min(len(chunk), size - sent)]
                    sent += len(piece)
                    yield piece
                yield b'"}'

            headers = {"Content-Length": str(size + 14)} if params.get("content_length") else {}
            return Response(padding(), status=200, headers=headers, content_type="application/json")
        elif mode == "drop":
            sock = request.environ.get("werkzeug.socket")

            def half():
                yield body[: max(1, len(body) // 2)]
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

            return Response(half(), status=200, headers={"Content-Length": str(len(body)), "Connection": "close"},
                            content_type="application/json")
        return Response(body, status=status, content_type="application/json")

    @app.before_request
    def guard():
        path = request.path
        if path.startswith("/_control/"):
            if path == "/_control/health":
                return None
            if not hmac.compare_digest(request.headers.get("X-Control-Key", ""), control_key):
                return _error(401, "UNAUTHORIZED", _("Thiếu hoặc sai khóa điều khiển."))
            return None
        if not path.startswith("/v1/"):
            return None
        given = request.headers.get("X-API-Key", "")
        if not given:
            return _error(401, "UNAUTHORIZED", _("Thiếu khóa kết nối (tiêu đề X-API-Key)."))
        if not hmac.compare_digest(given.encode(), key.encode()):
            return _error(401, "UNAUTHORIZED", _("Khóa kết nối không hợp lệ."))
        wait = limiter.wait()
        if wait > 0:
            return _error(429, "RATE_LIMITED", _("Vượt giới hạn số yêu cầu; thử lại sau %(seconds)s giây.",
                                                  seconds=math.ceil(wait)),
                          headers={"Retry-After": str(math.ceil(wait))})
        fault = faults.take(request.method, path)
        g.fault = fault
        if fault is None:
            return None
        if fault.mode == "refuse":
            status = int(fault.params.get("status", 401))
            if status == 403:
                return _error(403, "FORBIDDEN", _("Khóa kết nối không được phép dùng chức năng này."))
            return _error(401, "UNAUTHORIZED", _("Khóa kết nối không hợp lệ."))
        if fault.mode == "error500":
            return _error(500, "INTERNAL_ERROR", _("Lỗi hệ thống của cơ sở dữ liệu quốc gia."))
        if fault.mode == "rate_limit":
            retry_after = str(fault.params.get("retry_after", 1))
            return _error(429, "RATE_LIMITED", _("Vượt giới hạn số yêu cầu; thử lại sau %(seconds)s giây.",
                                                  seconds=retry_after), headers={"Retry-After": retry_after})
        if fault.mode == "slow":
            time.sleep(float(fault.params.get("delay", 0.5)))
        return None

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        messages = {
            404: _("Không có tài nguyên này."),
            405: _("Phương thức không được hỗ trợ cho địa chỉ này."),
            413: _("Nội dung yêu cầu lớn hơn %(mb)s MB.", mb=max_body // (1024 * 1024)),
        }
        return _error(status, None, messages.get(status, _("Yêu cầu không hợp lệ.")))

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("national stub: unexpected error")
        return _error(500, "INTERNAL_ERROR", _("Lỗi hệ thống của cơ sở dữ liệu quốc gia."))

    # ----------------------------------------------------------------------- /v1

    def receipt(row) -> dict:
        return {"idempotency_key": row["idempotency_key"], "identifier": row["identifier"],
                "version": row["version"], "status": row["status"], "code": row["code"], "message": row["message"]}

    def with_ghost(doc: dict) -> dict:
        fault = g.get("fault")
        if fault is not None and fault.mode == "unknown_receipt":
            doc["receipts"].append(dict(GHOST))
        return doc

    def bad(message: str, code: str = "BAD_REQUEST") -> Response:
        return _error(400, code, message)

    @app.post("/v1/batches")
    def post_batches():
        if request.mimetype != "application/json":
            return _error(415, "UNSUPPORTED_MEDIA_TYPE", _("Nội dung phải là JSON (application/json)."))
        try:
            doc = json.loads(request.get_data(cache=False).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return bad(_("Nội dung không phải JSON hợp lệ."))
        if not isinstance(doc, dict):
            return bad(_("Nội dung phải là một đối tượng JSON."))
        batch_key, agency, records = doc.get("batch_key"), doc.get("agency_code"), doc.get("records")
        if not (isinstance(batch_key, str) and BATCH_KEY_RE.match(batch_key)):
            return bad(_("Mã lô (batch_key) thiếu hoặc không hợp lệ."))
        header = request.headers.get("Idempotency-Key")
        if not header:
            return bad(_("Thiếu tiêu đề Idempotency-Key."), "IDEMPOTENCY_KEY_REQUIRED")
        if header != batch_key:
            return bad(_("Tiêu đề Idempotency-Key phải trùng với mã lô (batch_key)."), "IDEMPOTENCY_KEY_MISMATCH")
        if not (isinstance(agency, str) and AGENCY_RE.match(agency)):
            return bad(_("Mã định danh cơ quan (agency_code) thiếu hoặc không hợp lệ."))
        if not isinstance(records, list) or not records:
            return bad(_("Lô phải có ít nhất một hồ sơ (records)."))
        if len(records) > max_records:
            return bad(_("Một lô có tối đa %(n)s hồ sơ.", n=max_records), "TOO_MANY_RECORDS")
        seen = set()
        for n, rec in enumerate(records, start=1):
            if not (isinstance(rec, dict) and isinstance(rec.get("identifier"), str)
                    and 0 < len(rec["identifier"]) <= 20
                    and isinstance(rec.get("version"), int) and not isinstance(rec.get("version"), bool)
                    and isinstance(rec.get("idempotency_key"), str)
                    and 0 < len(rec["idempotency_key"]) <= MAX_KEY_CHARS):
                return bad(_("Hồ sơ thứ %(n)s thiếu số định danh, số phiên bản hoặc khóa chống trùng.", n=n))
            if rec["idempotency_key"] in seen:
                return bad(_("Hồ sơ thứ %(n)s trùng khóa chống trùng với một hồ sơ khác trong lô.", n=n),
                           "DUPLICATE_RECORD")
            seen.add(rec["idempotency_key"])
        fault = g.get("fault")
        accept = None
        if fault is not None and fault.mode == "partial":
            accept = int(fault.params.get("accept", len(records) // 2))
        receipts = []
        with store.lock:
            store.conn.execute("BEGIN IMMEDIATE")
            try:
                existing = store.batch_by_key(batch_key)
                if existing is not None and existing["agency_code"] != agency:
                    store.conn.execute("ROLLBACK")
                    return _error(409, "BATCH_CONFLICT", _("Mã lô này đã được dùng cho một cơ quan khác."))
                batch_id = store.open_batch(batch_key, agency)
                processed = 0
                for rec in records:
                    key_, identifier, version = rec["idempotency_key"], rec["identifier"], rec["version"]
                    store.add_item(batch_id, key_, identifier, version)
                    item = store.item(batch_id, key_)
                    if item["status"] is not None:
                        receipts.append(receipt(item))
                        continue
                    if accept is not None and processed >= accept:
                        continue
                    processed += 1
                    status, code, message = process(rec, agency, batch_id)
                    store.set_receipt(batch_id, key_, status, code, message)
                    receipts.append({"idempotency_key": key_, "identifier": identifier, "version": version,
                                     "status": status, "code": code, "message": message})
                store.conn.execute("COMMIT")
            except BaseException:
                store.conn.execute("ROLLBACK")
                raise
        result = {"batch_id": batch_id, "batch_key": batch_key, "agency_code": agency,
                  "status": "complete" if len(receipts) == len(records) else "partial", "receipts": receipts}
        return answer(with_ghost(result))

    def process(rec: dict, agency: str, batch_id: str) -> tuple[str, str, str]:
        """Store one record (caller holds the lock, in a transaction): its receipt."""
        stored = store.stored(rec["identifier"], rec["version"])
        if stored is not None:
            if stored["sha256"] == rec.get("sha256"):
                store.count_again(rec["identifier"], rec["version"])
                return "accepted", "DUPLICATE", _("Đã nhận phiên bản này trước đó; không lưu thêm.")
            return "rejected", "CONFLICT", _("Phiên bản %(version)s của hồ sơ này đã được nhận với nội dung khác; "
                                             "hãy gửi một phiên bản mới.", version=rec["version"])
        problem = check_record(rec)
        if problem is not None:
            return "rejected", problem[0], problem[1]
        store.store(rec, agency, batch_id)
        return "accepted", "ACCEPTED", _("Đã nhận.")

    @app.get("/v1/batches/<batch_id>")
    def get_batch(batch_id: str):
        row = store.batch_by_id(batch_id)
        if row is None:
            return _error(404, "NOT_FOUND", _("Không có lô này."))
        items = store.items(batch_id)
        receipts = [receipt(i) for i in items if i["status"] is not None]
        return answer(with_ghost({"batch_id": row["batch_id"], "batch_key": row["batch_key"],
                                  "agency_code": row["agency_code"],
                                  "status": "complete" if len(receipts) == len(items) else "partial",
                                  "receipts": receipts}))

    @app.get("/v1/files/<identifier>")
    def get_file(identifier: str):
        if not IDENTIFIER_RE.match(identifier):
            return bad(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), "INVALID_IDENTIFIER")
        versions = store.versions(identifier)
        if not versions:
            return _error(404, "NOT_FOUND", _("Cơ sở dữ liệu quốc gia không có hồ sơ của số định danh này."))
        return answer(handover_doc(identifier, versions,
                                   source={"system": SYSTEM, "agency_code": versions[-1]["agency_code"]}))

    def agency_or_400(agency_code: str):
        if not AGENCY_RE.match(agency_code):
            return bad(_("Mã định danh cơ quan không hợp lệ."))
        return None

    @app.get("/v1/agencies/<agency_code>/records")
    def agency_records(agency_code: str):
        if (refused := agency_or_400(agency_code)) is not None:
            return refused
        raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return bad(_("Tham số limit phải từ 1 đến %(max)s.", max=MAX_LIMIT))
        limit = int(raw_limit)
        try:
            after = _after(request.args.get("cursor"))
        except ValueError:
            return bad(_("Con trỏ trang (cursor) không hợp lệ."))
        rows = store.agency_page(agency_code, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [{"identifier": r["identifier"], "version": r["version"], "sha256": r["sha256"]} for r in rows]
        return answer({"items": items, "next_cursor": _cursor(rows[-1]["identifier"]) if more else None})

    @app.get("/v1/agencies/<agency_code>/summary")
    def agency_summary(agency_code: str):
        if (refused := agency_or_400(agency_code)) is not None:
            return refused
        rows = store.agency_rows(agency_code)
        return answer({"agency_code": agency_code, "count": len(rows), "digest": summary_digest(rows)})

    @app.get("/v1/code-lists")
    def code_lists():
        return answer(codes_doc)

    # ----------------------------------------------------------------------- /_control

    @app.get("/_control/health")
    def health():
        return {"ok": True}

    @app.post("/_control/faults")
    def add_fault():
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict) or doc.get("mode") not in MODES:
            return _error(400, "BAD_REQUEST", _("Chế độ lỗi không hợp lệ."))
        params = {k: v for k, v in doc.items() if k != "mode"}
        try:
            fault = faults.add(doc["mode"], **params)
        except (TypeError, ValueError):
            return _error(400, "BAD_REQUEST", _("Chế độ lỗi không hợp lệ."))
        return {"fault": fault.as_json(), "pending": faults.pending()}

    @app.get("/_control/faults")
    def list_faults():
        return {"pending": faults.pending()}

    @app.delete("/_control/faults")
    def clear_faults():
        faults.clear()
        return {"pending": []}

    @app.get("/_control/records")
    def held():
        return {"records": store.held(request.args.get("identifier")), "counts": store.counts()}

    @app.post("/_control/reset")
    def reset():
        faults.clear()
        store.reset()
        return {"ok": True}

    return app


def server_context(tls_cert: str | None, tls_key: str | None, client_ca: str | None) -> ssl.SSLContext | None:
    """TLS for the stand-in (``--tls-cert``), mutual when ``--client-ca`` is given (a client certificate signed
    by that CA is required)."""
    if not tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_cert, tls_key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


def serve(host: str, port: int, data: str, key: str, *, control_key: str | None = None, quiet: bool = False,
          tls_cert: str | None = None, tls_key: str | None = None, client_ca: str | None = None,
          rate: float = 20.0, burst: int = 40, max_body: int = MAX_REQUEST_BYTES, echo=None) -> None:
    """Serve the stand-in until the process is stopped; prints ``NATIONAL_STUB_READY <url>`` once listening."""
    from werkzeug.serving import make_server

    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_stub_app(data, key, control_key, max_body=max_body, rate=rate, burst=burst)
    context = server_context(tls_cert, tls_key, client_ca)
    server = make_server(host, port, app, threaded=True, ssl_context=context)
    scheme = "https" if context else "http"
    line = f"NATIONAL_STUB_READY {scheme}://{host}:{server.server_port}"
    if echo is not None:
        echo(line)
    else:
        print(line, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.extensions["national_stub"]["store"].close()
