"""The hand-over package of a file (HN-12.2.1, HCM-8.3 out; HN-12.2.2b in): the latest approved version as the
official PDF and the whole file as machine-readable JSON, with its history.

``ho-so.json`` (format ``cbccvc-handover``, version 1)::

    {"format": "cbccvc-handover", "format_version": 1, "generated_at": "…", "source": {"city": "…"},
     "person": {"cccd": "…", "full_name": "…", "birth_date": "YYYY-MM-DD", "gender": "…", "category": "…",
                "status": "…"},
     "transfer": {"decision_number": "…", "decision_date": "…", "effective_date": "…", "destination": "…"},
     "file": {"version_no": n, "sha256": "…", "snapshot": {"meta": {…}, "sections": {…}}},
     "history": [{"version_no": 1, "created_at": "…", "sha256": "…", "snapshot": {…}}, …]}

Each ``sha256`` is that of the snapshot's canonical JSON (``files.canonical_json``), so a truncated or edited
package is refused on import. The package is a ZIP of ``ho-so.json`` and ``so-yeu-ly-lich.pdf`` (the official
layout, ``app/pdf``); the PDF carries the JSON as an embedded file and, when the downloader signs it with their
certificate, the signature covers both. The same JSON format is what issue 18's pull from the national database
gives, so a file pulled or handed over comes in through :func:`import_package`.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.profiles import active_profile
from app.services import code_lists
from app.services.errors import Errors, ValidationError
from app.services.personnel import checks, files
from app.services.personnel import values as fv
from app.services.personnel.people import CATEGORIES, refresh_derived
from app.services.personnel.syll import SECTIONS, section
from models.mixins import utcnow
from models.personnel import SECTION_MODELS, FileVersion, Person
from models.transfers import Transfer

__all__ = ["FORMAT", "Package", "build_json", "build_package", "import_package", "parse_package"]

FORMAT = "cbccvc-handover"
FORMAT_VERSION = 1
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
JSON_NAME = "ho-so.json"
PDF_NAME = "so-yeu-ly-lich.pdf"


@dataclass
class Package:
    """A parsed, checked hand-over package."""

    cccd: str
    category: str | None
    snapshot: dict
    history: list[dict]


def _versions(person: Person) -> list[FileVersion]:
    return list(db.session.scalars(select(FileVersion).where(FileVersion.person_id == person.id)
                                   .order_by(FileVersion.version_no)))


def build_json(person: Person, transfer: Transfer | None) -> dict:
    """The whole file and its approved history as the package's JSON document."""
    history = _versions(person)
    latest = history[-1] if history else None
    snapshot = latest.snapshot if latest is not None else files.snapshot(person)
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": utcnow().isoformat(),
        "source": {"city": str(active_profile().name), "system": "CSDL CBCCVC"},
        "person": {
            "cccd": person.cccd, "full_name": person.full_name,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "gender": person.gender, "category": person.category, "status": person.status,
        },
        "file": {"version_no": latest.version_no if latest else 0,
                 "sha256": hashlib.sha256(files.canonical_json(snapshot).encode()).hexdigest(),
                 "snapshot": snapshot},
        "history": [{"version_no": v.version_no, "created_at": v.created_at.isoformat() if v.created_at else None,
                     "sha256": v.sha256, "snapshot": v.snapshot} for v in history],
    }
    if transfer is not None:
        doc["transfer"] = {
            "decision_number": transfer.decision_number, "decision_date": transfer.decision_date.isoformat(),
            "effective_date": transfer.effective_date.isoformat(),
            "destination": transfer.external_place or (transfer.to_unit.name if transfer.to_unit else None),
        }
    return doc


def _embed_json(pdf: bytes, content: bytes) -> bytes:
    """The PDF with ``ho-so.json`` attached (an incremental update, before any signature)."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=JSON_NAME, file_name=JSON_NAME,
        embedded_data=embed.EmbeddedFileObject.from_file_data(
            writer, data=content, mime_type="application/json",
            params=embed.EmbeddedFileParams(creation_date=datetime.now().astimezone())),
        description="Hồ sơ điện tử (JSON)"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_package(person: Person, transfer: Transfer | None, *, signer_account=None,
                  passphrase: str | None = None) -> tuple[bytes, dict]:
    """(ZIP bytes, the JSON document). The PDF is the latest approved version in the official layout, with the
    JSON embedded; signed by ``signer_account`` when given (a refused signature raises before anything is
    returned)."""
    from app.pdf.syll import render_syll

    doc = build_json(person, transfer)
    content = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    versions = _versions(person)
    pdf_bytes = None
    if versions:
        from app import signing

        rendered = render_syll(versions[-1], reader_level=3)
        pdf_bytes = _embed_json(signing.add_signature_fields(rendered.data, rendered.signature_boxes), content)
        if signer_account is not None:
            with signing.load_signer(signer_account, passphrase) as signer:
                pdf_bytes = signing.sign_pdf(
                    pdf_bytes, field=signing.FIELD_SEAL, signer=signer, certify=True,
                    reason=_("Bàn giao hồ sơ %(name)s", name=person.full_name),
                    location=active_profile().location)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(JSON_NAME, content)
        if pdf_bytes is not None:
            zf.writestr(PDF_NAME, pdf_bytes)
    return out.getvalue(), doc


# --------------------------------------------------------------------------- reading a package

def _bad(errors: Errors, message: str) -> None:
    errors.add("package", message)


def _json_of(content: bytes, errors: Errors) -> dict | None:
    """The JSON document of an upload: the JSON itself, or the ZIP package holding ``ho-so.json``."""
    if len(content) > MAX_PACKAGE_BYTES:
        _bad(errors, _("Tệp bàn giao lớn hơn %(mb)s MB.", mb=MAX_PACKAGE_BYTES // (1024 * 1024)))
        return None
    raw = content
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                info = zf.getinfo(JSON_NAME)
                if info.file_size > MAX_PACKAGE_BYTES:
                    _bad(errors, _("Tệp bàn giao lớn hơn %(mb)s MB.", mb=MAX_PACKAGE_BYTES // (1024 * 1024)))
                    return None
                raw = zf.read(info)
        except KeyError:
            _bad(errors, _("Gói bàn giao không có tệp %(name)s.", name=JSON_NAME))
            return None
        except (zipfile.BadZipFile, EOFError, OSError):
            _bad(errors, _("Gói bàn giao bị hỏng hoặc không đầy đủ (không giải nén được)."))
            return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        _bad(errors, _("Tệp bàn giao không phải văn bản UTF-8."))
        return None
    except ValueError:
        _bad(errors, _("Tệp bàn giao không phải JSON hợp lệ (có thể bị cắt cụt)."))
        return None
    if not isinstance(doc, dict):
        _bad(errors, _("Tệp bàn giao không đúng định dạng hồ sơ."))
        return None
    return doc


def _digest(snapshot) -> str:
    return hashlib.sha256(files.canonical_json(snapshot).encode("utf-8")).hexdigest()


def _check_snapshot(snapshot, errors: Errors, label: str) -> bool:
    if not (isinstance(snapshot, dict) and isinstance(snapshot.get("sections"), dict)
            and isinstance(snapshot.get("meta"), dict)):
        _bad(errors, _("Tệp bàn giao: %(what)s không đúng định dạng hồ sơ.", what=label))
        return False
    return True


def _check_values(snapshot: dict, errors: Errors) -> None:
    """Every item of the latest version: a known section, typed values of the right shape, known codes."""
    sections = snapshot["sections"]
    for sec in SECTIONS:
        value = sections.get(sec.key)
        rows = value if sec.repeating else [value]
        if value is None:
            continue
        if sec.repeating != isinstance(value, list) or not all(isinstance(r, dict) for r in rows):
            _bad(errors, _("Tệp bàn giao: mục “%(section)s” không đúng định dạng.", section=sec.label))
            continue
        for row in rows:
            for f in sec.fields:
                raw = row.get(f.name)
                if raw is None or raw == "":
                    continue
                try:
                    typed = fv.from_json(f, raw)
                except (TypeError, ValueError, ArithmeticError):
                    _bad(errors, _("Tệp bàn giao: mục “%(label)s” có giá trị “%(value)s” không hợp lệ.",
                                   label=f.label, value=str(raw)[:50]))
                    continue
                limit = fv.max_length(sec, f)
                if isinstance(typed, str) and limit and len(typed) > limit:
                    _bad(errors, _("Tệp bàn giao: mục “%(label)s” dài quá %(n)s ký tự.", label=f.label, n=limit))
                if f.type == "code" and f.code_list and typed not in code_lists.labels(f.code_list):
                    _bad(errors, _("Tệp bàn giao: mục “%(label)s” có mã “%(value)s” không có trong danh mục.",
                                   label=f.label, value=str(raw)[:50]))


def parse_package(content: bytes, errors: Errors) -> Package | None:
    """Read and check an uploaded package (JSON or ZIP); every problem goes to ``errors`` (field ``package``)
    and None is returned. Nothing is written."""
    doc = _json_of(content, errors)
    if doc is None:
        return None
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        _bad(errors, _("Tệp bàn giao không đúng định dạng hồ sơ (phiên bản %(version)s).", version=FORMAT_VERSION))
        return None
    file_part, history, person = doc.get("file"), doc.get("history"), doc.get("person")
    if not isinstance(file_part, dict) or not isinstance(history, list) or not isinstance(person, dict):
        _bad(errors, _("Tệp bàn giao thiếu phần hồ sơ, lịch sử hoặc thông tin người."))
        return None
    snapshot = file_part.get("snapshot")
    if not _check_snapshot(snapshot, errors, _("phiên bản mới nhất")):
        return None
    if file_part.get("sha256") != _digest(snapshot):
        _bad(errors, _("Tệp bàn giao: mã kiểm tra của hồ sơ không khớp (tệp đã bị sửa hoặc không đầy đủ)."))
        return None
    numbers = []
    for entry in history:
        if not isinstance(entry, dict) or not _check_snapshot(entry.get("snapshot"), errors, _("lịch sử")):
            return None
        if not isinstance(entry.get("version_no"), int) or entry.get("sha256") != _digest(entry["snapshot"]):
            _bad(errors, _("Tệp bàn giao: mã kiểm tra của phiên bản %(no)s không khớp.", no=entry.get("version_no")))
            return None
        numbers.append(entry["version_no"])
    if numbers != sorted(set(numbers)) or any(n < 1 for n in numbers):
        _bad(errors, _("Tệp bàn giao: các phiên bản của lịch sử không theo thứ tự."))
        return None
    _check_values(snapshot, errors)
    identity = snapshot["sections"].get("identity") or {}
    documents = snapshot["sections"].get("documents") or {}
    cccd = checks.normalize_cccd(str(person.get("cccd") or documents.get("cccd") or ""))
    if not cccd:
        _bad(errors, _("Tệp bàn giao không có số CCCD của người được bàn giao."))
    else:
        birth = identity.get("birth_date")
        try:
            born = fv.from_json(section("identity").field("birth_date"), birth) if birth else None
        except (TypeError, ValueError):
            born = None
        for message in checks.check_cccd(cccd, born, identity.get("gender")):
            _bad(errors, _("Tệp bàn giao: %(message)s", message=message))
    if not (identity.get("given_name") or "").strip():
        _bad(errors, _("Tệp bàn giao không có họ tên của người được bàn giao."))
    if errors:
        return None
    category = person.get("category") if person.get("category") in CATEGORIES else None
    return Package(cccd=cccd, category=category, snapshot=snapshot, history=history)


def import_package(actor, package: Package, unit, category: str | None) -> Person:
    """A new file in ``unit`` from a checked package: every section of its latest version, and its history of
    versions (kept as they were, numbered as in the other system); the caller writes the next version."""
    errors = Errors()
    category = category if category in CATEGORIES else package.category
    if category is None:
        errors.add("category", _("Hãy chọn đối tượng (cán bộ, công chức, viên chức …)."))
    elif not active_profile().covers(category):
        errors.add("category", _("Quy chế của thành phố không áp dụng cho đối tượng “%(category)s”.",
                                 category=CATEGORIES[category]))
    errors.raise_if_any()
    person = Person(org_unit_id=unit.id, category=category, status="active", given_name="", version_no=0)
    sections = package.snapshot["sections"]
    for sec in SECTIONS:
        if not sec.repeating:
            for name, value in fv.typed_row(sec, sections.get(sec.key) or {}).items():
                setattr(person, name, value)
    person.cccd = package.cccd
    refresh_derived(person)
    db.session.add(person)
    db.session.flush()
    for sec in SECTIONS:
        if not sec.repeating:
            continue
        model = SECTION_MODELS[sec.table]
        for position, row in enumerate(sections.get(sec.key) or [], start=1):
            db.session.add(model(person_id=person.id, position=position, **sec.fixed, **fv.typed_row(sec, row)))
    for entry in package.history:
        created = entry.get("created_at")
        try:
            created_at = datetime.fromisoformat(created) if created else utcnow()
        except ValueError:
            created_at = utcnow()
        db.session.add(FileVersion(person_id=person.id, version_no=entry["version_no"], snapshot=entry["snapshot"],
                                   sha256=entry["sha256"], created_at=created_at,
                                   created_by_id=getattr(actor, "id", None)))
    person.version_no = max((e["version_no"] for e in package.history), default=0)
    db.session.flush()
    audit.log_access("import_handover", user=actor, object_type="Person", object_id=person.id,
                     org_unit_id=unit.id, detail={"versions": len(package.history)})
    if not person.given_name:
        raise ValidationError({"package": [_("Tệp bàn giao không có họ tên của người được bàn giao.")]})
    return person
