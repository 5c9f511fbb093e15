"""The HTTP client of the national CBCCVC database (contract: ``docs/national-api.md``, ``docs/national-api.yaml``).

Built on httpx: a timeout on each network step, mutual TLS from an ``ssl.SSLContext``, and every response body
read as a stream with a cap (``max_body_bytes``, counted after decompression), so a national side that answers
too much cannot fill the worker's memory. Everything that comes back is checked before it is believed:

- :class:`NationalUnavailable` (retriable): timeout, connection refused or dropped (also mid-response), 5xx, 429;
- :class:`NationalRefused` (not retriable): 401/403 (the connection key, HN-13) and the other 4xx;
- :class:`NationalBadResponse` (retriable, logged, never trusted): a body that is not JSON, another content
  type, a body over the cap, an answer of the wrong shape, a receipt for a record that was not sent.

Each call is retried ``retries`` times on retriable errors only, after ``backoff × 2**attempt`` seconds (a
``Retry-After`` header is honoured, up to :data:`MAX_RETRY_AFTER`; a longer one ends the call, its wait kept in
``retry_after`` for the caller's scheduler). Sending a batch again is safe: the national side keys batches by
``batch_key`` and records by ``idempotency_key`` (``identifier:version``), so a replay is answered with the stored
result and a record is never stored twice.

Messages are Vietnamese (they reach the sync screens); log lines name no person (identifiers are masked).
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from flask_babel import gettext as _

from app.crypto import mask
from app.national.records import API_VERSION, HANDOVER_FORMAT

__all__ = [
    "BatchResult",
    "MAX_RETRY_AFTER",
    "NationalBadResponse",
    "NationalClient",
    "NationalError",
    "NationalRefused",
    "NationalUnavailable",
    "Receipt",
]

log = logging.getLogger(__name__)

#: The longest Retry-After the client waits for inside one call (seconds); a longer one is left to the caller.
MAX_RETRY_AFTER = 30.0
#: How much of the national side's own error message is kept (it is shown, so it is cut and cleaned).
MAX_MESSAGE_CHARS = 500
USER_AGENT = "CSDL-CBCCVC/1 (national-sync)"
IDENTIFIER_RE = re.compile(r"^[0-9]{12}$")
BATCH_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------- errors


class NationalError(Exception):
    """A call to the national database that did not give a usable answer.

    ``message``: Vietnamese, for the screens and logs; ``retriable``: whether sending again later may work;
    ``status``: the HTTP status when there was one; ``retry_after``: seconds the national side asked us to wait
    (429/503), else None; ``code``: the national side's error code when it gave one."""

    retriable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.code = code

    def __str__(self) -> str:
        return self.message


class NationalUnavailable(NationalError):
    """Timeout, connection error or drop, 5xx, 429: try again later."""

    retriable = True


class NationalRefused(NationalError):
    """Authentication failure or another 4xx: the request itself is refused; sending it again changes nothing."""

    retriable = False


class NationalBadResponse(NationalError):
    """The national side answered something we cannot trust (logged; retriable: the next answer may be sound)."""

    retriable = True


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Receipt:
    """The national side's answer for one record: ``status`` "accepted" or "rejected" with its ``code``
    (ACCEPTED, DUPLICATE, CONFLICT, INVALID_IDENTIFIER … see the contract §5) and a Vietnamese ``message``."""

    idempotency_key: str
    identifier: str
    version: int
    status: str
    code: str
    message: str

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(frozen=True)
class BatchResult:
    """A batch as the national side holds it: ``status`` "complete" (every record sent has a receipt) or
    "partial" (some have none yet: send those again, under the same or a new ``batch_key``)."""

    batch_id: str
    batch_key: str
    status: str
    receipts: tuple[Receipt, ...]

    def receipt(self, key: str) -> Receipt | None:
        """The receipt of the record with idempotency key ``key``, or None."""
        return next((r for r in self.receipts if r.idempotency_key == key), None)

    def missing(self, records: Iterable[Mapping]) -> list[Mapping]:
        """The records of ``records`` that got no receipt (to be sent again)."""
        seen = {r.idempotency_key for r in self.receipts}
        return [r for r in records if r["idempotency_key"] not in seen]


# --------------------------------------------------------------------------- helpers


def _clean(text, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A string from the national side, made safe to show and log: control characters out, cut to ``limit``."""
    return _CONTROL.sub(" ", str(text if text is not None else ""))[:limit].strip()


def _masked_key(key: str) -> str:
    identifier, _sep, version = str(key).partition(":")
    return f"{mask(identifier, 3)}:{version[:10]}"


def _retry_after(value: str | None) -> float | None:
    """Seconds of a Retry-After header (a number of seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


#: TLS failures that sending again cannot cure (a certificate refused by either side), by OpenSSL reason.
_TLS_REFUSALS = ("CERTIFICATE", "UNKNOWN_CA", "HANDSHAKE_FAILURE", "ACCESS_DENIED")


def _tls_refused(exc: BaseException) -> str | None:
    """The reason when ``exc`` (or what caused it) is a TLS certificate refusal, else None."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc.reason or "CERTIFICATE_VERIFY_FAILED"
        if isinstance(exc, ssl.SSLError) and any(word in str(exc.reason or "") for word in _TLS_REFUSALS):
            return exc.reason
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _check_identifier(identifier: str) -> str:
    if not isinstance(identifier, str) or not IDENTIFIER_RE.match(identifier):
        raise ValueError(_("Số định danh cá nhân phải gồm đúng 12 chữ số."))
    return identifier


# --------------------------------------------------------------------------- the client


class NationalClient:
    """The national CBCCVC database's API ``/v1`` (see the module docstring for errors and retries)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0,
                 client_cert: str | tuple[str, str] | None = None, ca_bundle: str | None = None,
                 max_body_bytes: int = 50 * 1024 * 1024, retries: int = 2, backoff: float = 0.5,
                 transport: httpx.BaseTransport | None = None, sleep=time.sleep):
        """``base_url``: the server without ``/v1`` (``https://csdl.moha.gov.vn/api``); ``api_key``: the connection
        key issued to the city (HN-13), sent as ``X-API-Key``; ``client_cert``: a PEM file holding the certificate
        and its key, or ``(certificate, key)`` files, for mutual TLS; ``ca_bundle``: the CA file that signs the
        national server (default: the system's). ``transport`` (tests, a proxy) and ``sleep`` (the waits between
        attempts) can be replaced."""
        if not base_url:
            raise ValueError("base_url")
        if not api_key:
            raise ValueError(_("Chưa có khóa kết nối của cơ sở dữ liệu quốc gia (NATIONAL_API_KEY)."))
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.max_body_bytes = int(max_body_bytes)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self._sleep = sleep
        verify: ssl.SSLContext | bool = True
        if ca_bundle or client_cert or self.base_url.startswith("https:"):
            context = ssl.create_default_context(cafile=ca_bundle or None)
            if client_cert:
                cert, key = (client_cert, None) if isinstance(client_cert, str) else client_cert
                context.load_cert_chain(cert, key)
            verify = context
        self._http = httpx.Client(
            base_url=f"{self.base_url}/{API_VERSION}",
            headers={"X-API-Key": api_key, "Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.timeout),
            verify=verify,
            follow_redirects=False,
            transport=transport,
        )

    @classmethod
    def from_config(cls, config) -> NationalClient | None:
        """The client of the app's settings (``NATIONAL_API_*``, ``config.py``); None when ``NATIONAL_API_URL`` is
        unset (the sync then stays queued)."""
        get = config.get if hasattr(config, "get") else (lambda name, default=None: getattr(config, name, default))
        url = get("NATIONAL_API_URL")
        if not url:
            return None
        cert, key = get("NATIONAL_API_CLIENT_CERT"), get("NATIONAL_API_CLIENT_KEY")
        return cls(
            url, get("NATIONAL_API_KEY") or "",
            timeout=float(get("NATIONAL_API_TIMEOUT", 30.0) or 30.0),
            client_cert=(cert, key) if cert and key else (cert or None),
            ca_bundle=get("NATIONAL_API_CA") or None,
            max_body_bytes=int(get("NATIONAL_API_MAX_BODY_BYTES", 50 * 1024 * 1024) or 50 * 1024 * 1024),
            retries=int(get("NATIONAL_API_RETRIES", 2)),
            backoff=float(get("NATIONAL_API_BACKOFF", 0.5)),
        )

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> NationalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------------- transport

    def _once(self, method: str, path: str, *, body: bytes | None, headers: dict | None, params: dict | None,
              allow_404: bool) -> dict | None:
        """One attempt: the JSON object answered, None for an allowed 404, else a :class:`NationalError`."""
        request_headers = dict(headers or {})
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        try:
            with self._http.stream(method, path, content=body, headers=request_headers, params=params) as resp:
                status = resp.status_code
                content_type = resp.headers.get("content-type", "")
                data = self._read(resp, status, content_type)
        except httpx.TimeoutException:
            raise NationalUnavailable(_("Cơ sở dữ liệu quốc gia không trả lời trong %(seconds)s giây.",
                                        seconds=f"{self.timeout:g}")) from None
        except httpx.DecodingError:
            self._bad_log("undecodable body", None, "", 0)
            raise NationalBadResponse(_("Cơ sở dữ liệu quốc gia trả lời nội dung không giải mã được.")) from None
        except (httpx.TransportError, OSError) as exc:
            if _tls_refused(exc):
                log.warning("national API: TLS refused (%s)", _clean(_tls_refused(exc), 200))
                raise NationalRefused(_("Kết nối TLS tới cơ sở dữ liệu quốc gia bị từ chối: chứng thư của máy chủ "
                                        "hoặc của thành phố không được chấp nhận.")) from None
            raise NationalUnavailable(_("Không kết nối được hoặc mất kết nối tới cơ sở dữ liệu quốc gia (%(kind)s).",
                                        kind=type(exc).__name__)) from None
        if 200 <= status < 300:
            return self._json(data, status, content_type)
        if status == 404 and allow_404 and self._error_code(content_type, data) == "NOT_FOUND":
            return None  # the contract's own "no such file" (not a proxy's or a wrong address's 404 page)
        self._raise_for_status(resp, status, content_type, data)
        return None  # not reached

    def _read(self, resp: httpx.Response, status: int, content_type: str) -> bytes:
        """The body, read in chunks and refused as soon as it passes the cap (declared or counted)."""
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            self._bad_log("declared body over the cap", status, content_type, int(declared))
            raise NationalBadResponse(_("Câu trả lời của cơ sở dữ liệu quốc gia lớn hơn %(mb)s MB: không nhận.",
                                        mb=self._cap_mb()), status=status)
        chunks, size = [], 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                self._bad_log("body over the cap", status, content_type, size)
                raise NationalBadResponse(_("Câu trả lời của cơ sở dữ liệu quốc gia lớn hơn %(mb)s MB: không nhận.",
                                            mb=self._cap_mb()), status=status)
            chunks.append(chunk)
        return b"".join(chunks)

    def _cap_mb(self) -> str:
        return f"{self.max_body_bytes / (1024 * 1024):g}"

    @staticmethod
    def _bad_log(reason: str, status, content_type: str, size: int) -> None:
        log.warning("national API: bad response refused (%s): status=%s content-type=%r bytes=%s",
                    reason, status, _clean(content_type, 100), size)

    def _json(self, data: bytes, status: int, content_type: str) -> dict:
        if not _is_json(content_type):
            self._bad_log("content type", status, content_type, len(data))
            raise NationalBadResponse(_("Cơ sở dữ liệu quốc gia trả lời không phải JSON (kiểu nội dung “%(type)s”).",
                                        type=_clean(content_type, 100)), status=status)
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._bad_log("malformed JSON", status, content_type, len(data))
            raise NationalBadResponse(_("Cơ sở dữ liệu quốc gia trả lời JSON không hợp lệ (có thể bị cắt cụt)."),
                                      status=status) from None
        if not isinstance(doc, dict):
            self._bad_log("not an object", status, content_type, len(data))
            raise NationalBadResponse(_("Câu trả lời của cơ sở dữ liệu quốc gia không đúng cấu trúc."), status=status)
        return doc

    @staticmethod
    def _error_of(content_type: str, data: bytes) -> tuple[str | None, str]:
        """(code, message) of a contract error body ``{"error": {"code", "message"}}``, cleaned; (None, "")."""
        if _is_json(content_type):
            try:
                error = json.loads(data.decode("utf-8")).get("error") or {}
                return _clean(error.get("code"), 50) or None, _clean(error.get("message"))
            except (UnicodeDecodeError, ValueError, AttributeError):
                pass
        return None, ""

    def _error_code(self, content_type: str, data: bytes) -> str | None:
        return self._error_of(content_type, data)[0]

    def _raise_for_status(self, resp: httpx.Response, status: int, content_type: str, data: bytes) -> None:
        code, detail = self._error_of(content_type, data)
        retry_after = _retry_after(resp.headers.get("retry-after"))
        if status == 429:
            raise NationalUnavailable(_("Cơ sở dữ liệu quốc gia đang giới hạn số yêu cầu; thử lại sau %(seconds)s "
                                        "giây.", seconds=f"{retry_after or 0:g}"),
                                      status=status, retry_after=retry_after, code=code)
        if status >= 500 or status == 408:
            raise NationalUnavailable(_("Cơ sở dữ liệu quốc gia đang lỗi hoặc bận (mã %(status)s). %(detail)s",
                                        status=status, detail=detail).strip(),
                                      status=status, retry_after=retry_after, code=code)
        if status in (401, 403):
            raise NationalRefused(_("Cơ sở dữ liệu quốc gia từ chối khóa kết nối hoặc chứng thư của thành phố (mã "
                                    "%(status)s). %(detail)s", status=status, detail=detail).strip(),
                                  status=status, code=code)
        if 400 <= status < 500:
            raise NationalRefused(_("Cơ sở dữ liệu quốc gia từ chối yêu cầu (mã %(status)s). %(detail)s",
                                    status=status, detail=detail).strip(), status=status, code=code)
        self._bad_log("unexpected status", status, content_type, len(data))
        raise NationalBadResponse(_("Cơ sở dữ liệu quốc gia trả lời mã không mong đợi (%(status)s).", status=status),
                                  status=status)

    def _call(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
              params: dict | None = None, allow_404: bool = False, check=None):
        """Attempts with backoff on retriable errors; ``check(doc)`` turns the JSON into the result (it raises
        :class:`NationalBadResponse` for a doc it cannot trust, which is retried like the others)."""
        attempt = 0
        while True:
            try:
                doc = self._once(method, path, body=body, headers=headers, params=params, allow_404=allow_404)
                return check(doc) if (check is not None and doc is not None) else doc
            except NationalError as exc:
                if not exc.retriable or attempt >= self.retries:
                    raise
                wait = self.backoff * (2 ** attempt)
                if exc.retry_after is not None:
                    if exc.retry_after > MAX_RETRY_AFTER:
                        raise
                    wait = max(wait, exc.retry_after)
                log.info("national API: %s %s failed (%s, status=%s), attempt %s of %s, again in %.2f s",
                         method, path.split("/")[1] if "/" in path else path, type(exc).__name__, exc.status,
                         attempt + 1, self.retries + 1, wait)
                attempt += 1
                self._sleep(wait)

    # ----------------------------------------------------------------------- checks of what comes back

    @staticmethod
    def _bad(message: str) -> NationalBadResponse:
        return NationalBadResponse(message)

    def _batch_result(self, doc: dict, batch_key: str | None, sent: dict[str, Mapping] | None) -> BatchResult:
        """A batch answer, checked: its shape, the batch key, and (``sent`` given) every receipt against the
        records sent: a receipt for another record, or one that names another identifier or version, is refused."""
        bad = _("Câu trả lời về lô hồ sơ của cơ sở dữ liệu quốc gia không đúng cấu trúc.")
        batch_id, key, status, receipts = (doc.get("batch_id"), doc.get("batch_key"), doc.get("status"),
                                           doc.get("receipts"))
        if not (isinstance(batch_id, str) and BATCH_ID_RE.match(batch_id) and isinstance(key, str)
                and status in ("complete", "partial") and isinstance(receipts, list)):
            self._bad_log("batch shape", 200, "application/json", 0)
            raise self._bad(bad)
        if batch_key is not None and key != batch_key:
            self._bad_log("batch key differs", 200, "application/json", 0)
            raise self._bad(_("Cơ sở dữ liệu quốc gia trả lời về một lô khác với lô đã gửi."))
        out, seen = [], set()
        for item in receipts:
            if not isinstance(item, dict):
                raise self._bad(bad)
            r_key, identifier, version = item.get("idempotency_key"), item.get("identifier"), item.get("version")
            r_status, code, message = item.get("status"), item.get("code"), item.get("message")
            if not (isinstance(r_key, str) and isinstance(identifier, str) and isinstance(version, int)
                    and not isinstance(version, bool) and r_status in ("accepted", "rejected")
                    and isinstance(code, str) and isinstance(message, str)):
                self._bad_log("receipt shape", 200, "application/json", 0)
                raise self._bad(bad)
            if sent is not None:
                record = sent.get(r_key)
                if record is None:
                    log.warning("national API: receipt for a record never sent (%s) in batch %s: answer refused",
                                _masked_key(r_key), _clean(batch_id, 80))
                    raise self._bad(_("Cơ sở dữ liệu quốc gia trả biên nhận cho một hồ sơ không có trong lô đã gửi: "
                                      "không nhận câu trả lời này."))
                if record["identifier"] != identifier or int(record["version"]) != version:
                    log.warning("national API: receipt %s names another identifier or version: answer refused",
                                _masked_key(r_key))
                    raise self._bad(_("Biên nhận của cơ sở dữ liệu quốc gia không khớp với hồ sơ đã gửi."))
            if r_key in seen:
                log.warning("national API: two receipts for %s: answer refused", _masked_key(r_key))
                raise self._bad(_("Cơ sở dữ liệu quốc gia trả hai biên nhận cho cùng một hồ sơ."))
            seen.add(r_key)
            out.append(Receipt(r_key, identifier, version, r_status, _clean(code, 50), _clean(message)))
        if sent is not None and status == "complete" and len(seen) != len(sent):
            log.warning("national API: batch %s said complete with %s receipts for %s records: answer refused",
                        _clean(batch_id, 80), len(seen), len(sent))
            raise self._bad(_("Cơ sở dữ liệu quốc gia báo lô đã xử lý xong nhưng thiếu biên nhận."))
        return BatchResult(batch_id, key, status, tuple(out))

    # ----------------------------------------------------------------------- the API

    def submit(self, batch_key: str, agency_code: str, records: list[dict]) -> BatchResult:
        """``POST /v1/batches``: send ``records`` (see :func:`app.national.records.record_of`) as the batch
        ``batch_key`` of ``agency_code``. The answer's receipts are checked against ``records``; records without
        a receipt (status "partial") are for the caller to send again. Safe to repeat."""
        sent = {}
        for record in records:
            key = record["idempotency_key"]
            if key in sent:
                raise ValueError(f"duplicate idempotency key in one batch: {_masked_key(key)}")
            sent[key] = record
        body = json.dumps({"batch_key": batch_key, "agency_code": agency_code, "records": records},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._call("POST", "/batches", body=body, headers={"Idempotency-Key": batch_key},
                          check=lambda doc: self._batch_result(doc, batch_key, sent))

    def batch(self, batch_id: str, records: Iterable[Mapping] | None = None) -> BatchResult:
        """``GET /v1/batches/{batch_id}``: the batch as the national side holds it (every receipt of every send
        under its key). With ``records`` (all that were ever sent in it) its receipts are checked against them."""
        sent = {r["idempotency_key"]: r for r in records} if records is not None else None
        return self._call("GET", f"/batches/{quote(str(batch_id), safe='')}",
                          check=lambda doc: self._batch_result(doc, None, sent))

    def get_file(self, identifier: str) -> dict | None:
        """``GET /v1/files/{identifier}``: the latest file of that số định danh cá nhân as the hand-over JSON
        (``cbccvc-handover``; give it to ``handover.parse_package`` through ``records.handover_of``), None when
        the national database has no such file."""
        _check_identifier(identifier)

        def check(doc):
            if doc.get("format") != HANDOVER_FORMAT or not isinstance(doc.get("file"), dict):
                self._bad_log("file format", 200, "application/json", 0)
                raise self._bad(_("Hồ sơ nhận từ cơ sở dữ liệu quốc gia không đúng định dạng bàn giao."))
            person = doc.get("person")
            if not isinstance(person, dict) or person.get("cccd") != identifier:
                self._bad_log("file of another identifier", 200, "application/json", 0)
                raise self._bad(_("Cơ sở dữ liệu quốc gia trả về hồ sơ của một số định danh khác."))
            return doc

        return self._call("GET", f"/files/{identifier}", allow_404=True, check=check)

    def agency_records(self, agency_code: str, cursor: str | None = None,
                       limit: int = 1000) -> tuple[list[dict], str | None]:
        """``GET /v1/agencies/{agency_code}/records``: one page of the agency's latest versions
        ``[{identifier, version, sha256}]`` (by identifier) and the cursor of the next page (None: the last)."""
        params = {"limit": int(limit)}
        if cursor:
            params["cursor"] = cursor

        def check(doc):
            items, next_cursor = doc.get("items"), doc.get("next_cursor")
            if not isinstance(items, list) or not (next_cursor is None or isinstance(next_cursor, str)):
                raise self._bad(_("Danh sách hồ sơ của cơ sở dữ liệu quốc gia không đúng cấu trúc."))
            out = []
            for item in items:
                if not (isinstance(item, dict) and isinstance(item.get("identifier"), str)
                        and isinstance(item.get("version"), int) and not isinstance(item.get("version"), bool)
                        and isinstance(item.get("sha256"), str)):
                    raise self._bad(_("Danh sách hồ sơ của cơ sở dữ liệu quốc gia không đúng cấu trúc."))
                out.append({"identifier": item["identifier"], "version": item["version"], "sha256": item["sha256"]})
            return out, (next_cursor or None)

        return self._call("GET", f"/agencies/{quote(agency_code, safe='')}/records", params=params, check=check)

    def agency_summary(self, agency_code: str) -> dict:
        """``GET /v1/agencies/{agency_code}/summary``: ``{"count", "digest"}`` of the agency's latest versions
        (``records.summary_digest``), to compare with what we sent."""
        def check(doc):
            if not (isinstance(doc.get("count"), int) and isinstance(doc.get("digest"), str)):
                raise self._bad(_("Tổng hợp của cơ sở dữ liệu quốc gia không đúng cấu trúc."))
            return {"count": doc["count"], "digest": doc["digest"]}

        return self._call("GET", f"/agencies/{quote(agency_code, safe='')}/summary", check=check)

    def code_lists(self) -> dict:
        """``GET /v1/code-lists``: ``{"kinds": [{"kind", "label", "source", "codes": [{"code", "name", …}]}]}``."""
        def check(doc):
            if not isinstance(doc.get("kinds"), list):
                raise self._bad(_("Danh mục của cơ sở dữ liệu quốc gia không đúng cấu trúc."))
            return doc

        return self._call("GET", "/code-lists", check=check)
