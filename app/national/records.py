"""One record of the national contract (``docs/national-api.md`` §4): a file version as we send it, the pulled file
as the hand-over JSON, and the reconciliation digest. Plain functions over plain data, no database access: the
sync (issue 18), the client (:mod:`app.national.client`) and the stand-in server (``app/national_stub``) share them.

A record::

    {"identifier": "001080012345",              # ND27-ID: the số định danh cá nhân (the 12-digit CCCD)
     "version": 3,                               # the file version's number
     "sha256": "…",                              # FileVersion.sha256 = SHA-256 of files.canonical_json(snapshot)
     "idempotency_key": "001080012345:3",        # identifier + ":" + version
     "file": {"person": {"cccd", "full_name", "birth_date", "gender", "category", "status"},
              "created_at": "…",                 # when the version was made (approved), ISO 8601
              "snapshot": {"meta": {…}, "sections": {…}}}}   # the version's snapshot, code-list codes as stored

The pulled file (``GET /v1/files/{identifier}``) is the hand-over JSON of
:mod:`app.services.transfers.handover` (format ``cbccvc-handover``), so :func:`handover_of` hands it to
``handover.parse_package`` / ``import_package`` unchanged (HN-12.2.2b uses the same mapping as issue 12).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask_babel import gettext as _

from app.services.personnel.checks import normalize_cccd
from app.services.transfers.handover import FORMAT as HANDOVER_FORMAT
from app.services.transfers.handover import FORMAT_VERSION as HANDOVER_FORMAT_VERSION

__all__ = [
    "API_VERSION",
    "HANDOVER_FORMAT",
    "HANDOVER_FORMAT_VERSION",
    "MAX_RECORDS_PER_BATCH",
    "MAX_REQUEST_BYTES",
    "RecordError",
    "handover_doc",
    "handover_of",
    "idempotency_key",
    "identifier_of",
    "person_part",
    "record_of",
    "summary_digest",
    "summary_line",
]

API_VERSION = "v1"
#: Contract limits (docs/national-api.md §6): records per batch and bytes of one request body.
MAX_RECORDS_PER_BATCH = 1000
MAX_REQUEST_BYTES = 50 * 1024 * 1024


class RecordError(ValueError):
    """A file version that cannot become a record of the contract (no số định danh cá nhân)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def idempotency_key(identifier: str, version: int) -> str:
    """The record's idempotency key: ``f"{identifier}:{version}"`` (one per file version, nationally)."""
    return f"{identifier}:{int(version)}"


def identifier_of(person) -> str | None:
    """The file's national identifier (ND27-ID): the person's CCCD as its 12 ASCII digits, or None when the file
    has no well-formed 12-digit number (a legacy 9-digit CMND is not a số định danh cá nhân)."""
    digits = normalize_cccd(getattr(person, "cccd", None))
    return digits if len(digits) == 12 else None


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def person_part(snapshot: dict, identifier: str, person=None) -> dict:
    """The ``person`` block of a record: identity as the version itself says it (its ``identity`` section and
    ``meta``), the live ``person`` row filling only what the snapshot lacks."""
    identity = (snapshot.get("sections") or {}).get("identity") or {}
    meta = snapshot.get("meta") or {}
    names = [identity.get(k) for k in ("family_name", "middle_name", "given_name")]
    full_name = " ".join(str(n).strip() for n in names if n and str(n).strip())
    return {
        "cccd": identifier,
        "full_name": full_name or (getattr(person, "full_name", None) or None),
        "birth_date": _iso(identity.get("birth_date")) or _iso(getattr(person, "birth_date", None)),
        "gender": identity.get("gender") or getattr(person, "gender", None),
        "category": meta.get("category") or getattr(person, "category", None),
        "status": meta.get("status") or getattr(person, "status", None),
    }


def record_of(person, version) -> dict:
    """One record of ``POST /v1/batches`` from a ``Person`` and one of its ``FileVersion`` rows (no query: only
    the two objects' columns are read). Raises :class:`RecordError` when the person has no số định danh cá nhân."""
    identifier = identifier_of(person)
    if identifier is None:
        raise RecordError(_("Hồ sơ %(name)s chưa có số định danh cá nhân (số CCCD 12 chữ số) nên không gửi được "
                            "lên cơ sở dữ liệu quốc gia.", name=getattr(person, "full_name", "") or ""))
    snapshot = version.snapshot
    return {
        "identifier": identifier,
        "version": int(version.version_no),
        "sha256": version.sha256,
        "idempotency_key": idempotency_key(identifier, version.version_no),
        "file": {
            "person": person_part(snapshot, identifier, person),
            "created_at": _iso(getattr(version, "created_at", None)),
            "snapshot": snapshot,
        },
    }


def handover_doc(identifier: str, versions: Iterable[dict], *, source: dict | None = None,
                 generated_at: datetime | None = None) -> dict:
    """The hand-over JSON (format ``cbccvc-handover``) of every version the national side holds of one file.

    ``versions``: the stored records ``{"version", "sha256", "file", "received_at"?}`` of ``identifier`` (any
    order, at least one). The latest version gives ``person`` and ``file``; all of them, oldest first, the
    ``history`` (each ``sha256`` is the record's, which the national side checked against its snapshot)."""
    ordered = sorted(versions, key=lambda v: int(v["version"]))
    if not ordered:
        raise ValueError("no version")
    latest = ordered[-1]
    person = dict(latest["file"].get("person") or {})
    person["cccd"] = identifier
    return {
        "format": HANDOVER_FORMAT,
        "format_version": HANDOVER_FORMAT_VERSION,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(),
        "source": source or {"system": "CSDL CBCCVC quốc gia"},
        "person": person,
        "file": {"version_no": int(latest["version"]), "sha256": latest["sha256"],
                 "snapshot": latest["file"]["snapshot"]},
        "history": [{"version_no": int(v["version"]),
                     "created_at": v["file"].get("created_at") or v.get("received_at"),
                     "sha256": v["sha256"], "snapshot": v["file"]["snapshot"]} for v in ordered],
    }


def handover_of(file_json: dict) -> bytes:
    """A pulled file (``GET /v1/files/{identifier}``, already a ``cbccvc-handover`` document) as the bytes
    ``handover.parse_package`` reads (UTF-8 JSON). Nothing is trusted here: ``parse_package`` checks it all."""
    if not isinstance(file_json, dict):
        raise ValueError("not a JSON object")
    return json.dumps(file_json, ensure_ascii=False).encode("utf-8")


def summary_line(identifier: str, version: int, sha256: str) -> str:
    """One line of the reconciliation digest: ``"identifier:version:sha256"``."""
    return f"{identifier}:{int(version)}:{sha256}"


def summary_digest(rows: Iterable[tuple[str, int, str]]) -> str:
    """The digest of ``GET /v1/agencies/{agency_code}/summary``: SHA-256 (hex) over the agency's latest versions
    as :func:`summary_line` lines, sorted (byte order), each ending with ``"\\n"``. No rows: SHA-256 of b""."""
    digest = hashlib.sha256()
    for line in sorted(summary_line(*row) for row in rows):
        digest.update(line.encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()
