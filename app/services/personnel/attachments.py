"""Digitised proof (HN-6.3): typed files stored outside the database under random names, with checksums.

The original Vietnamese file name is kept in the row (``secure_filename`` would strip it); files are read
back only through :func:`open_attachment`, which checks the scope and records the download.
"""

from __future__ import annotations

import os
import uuid

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services import code_lists
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, use_case
from app.services.personnel.change_sets import EDITABLE_STATUSES, editable_set, writable_person
from app.services.personnel.people import get_person
from app.services.personnel.syll import LEVEL_SENSITIVE, SECTIONS
from app.storage import ATTACHMENTS, Missing, Storage, get_storage
from app.text import clean
from models.personnel import Attachment, ChangeSet

__all__ = ["ALLOWED_TYPES", "add_attachment", "attachment_key", "attachment_path", "attachment_store", "check_proof",
           "list_attachments", "open_attachment", "remove_attachment", "store_proof"]

#: Accepted proof: file signature -> (mime type, extension).
ALLOWED_TYPES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}


def _max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def attachment_store() -> Storage:
    """The attachment store (``app.storage``: a directory or an S3-compatible bucket)."""
    return get_storage(ATTACHMENTS)


def attachment_key(stored_name: str) -> str:
    """The stored attachment's key in the store (two-level fan-out by the name's first characters)."""
    return f"attachments/{stored_name[:2]}/{stored_name}"


def attachment_path(stored_name: str) -> str:
    """Where a stored attachment lives on disk with the local backend (tests, tools)."""
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "attachments", stored_name[:2], stored_name)


def _check_file(content: bytes | None, filename: str | None, errors: Errors) -> tuple[str, tuple[str, str] | None]:
    """(clean original name, (mime type, extension)) of an uploaded proof; each problem added to ``errors``."""
    name = clean(os.path.basename((filename or "").replace("\\", "/")))
    if not content:
        errors.add("file", _("Hãy chọn tệp cần đính kèm."))
    elif len(content) > _max_bytes():
        errors.add("file", _("Tệp lớn hơn %(mb)s MB.", mb=_max_bytes() // (1024 * 1024)))
    detected = next((v for magic, v in ALLOWED_TYPES.items() if content and content.startswith(magic)), None)
    if content and detected is None:
        errors.add("file", _("Chỉ nhận tệp PDF, JPEG hoặc PNG."))
    if content and not name:
        errors.add("file", _("Tệp không có tên."))
    elif len(name) > 255:
        errors.add("file", _("Tên tệp dài quá 255 ký tự."))
    return name, detected


def _store(actor, person_id: int, change_set_id: int | None, content: bytes, name: str, detected: tuple[str, str],
           kind: str, section: str | None, description: str | None) -> Attachment:
    """Write the file under a random name and its row (caller's transaction; the file is removed if the row
    cannot be written)."""
    stored = uuid.uuid4().hex + detected[1]
    store, key = attachment_store(), attachment_key(stored)
    written = store.put(key, content)
    try:
        att = Attachment(person_id=person_id, change_set_id=change_set_id, kind=kind, section=section or None,
                         description=clean(description)[:300] or None, original_name=name, stored_name=stored,
                         mime_type=detected[0], size=written.size, sha256=written.sha256,
                         uploaded_by_id=getattr(actor, "id", None))
        db.session.add(att)
        db.session.flush()
    except Exception:
        store.delete(key)
        raise
    return att


@use_case
def add_attachment(actor, person_id, content: bytes, filename: str, kind: str, section: str | None = None,
                   description: str | None = None) -> Attachment:
    """Attach a PDF/JPEG/PNG proof to the person's draft; every problem is reported at once."""
    person, _agency = writable_person(actor, person_id)
    errors = Errors()
    name, detected = _check_file(content, filename, errors)
    if not code_lists.is_valid("attachment_kind", kind):
        errors.add("kind", _("Hãy chọn loại giấy tờ."))
    if section and section not in {s.key for s in SECTIONS}:
        errors.add("section", _("Không có mục này trong sơ yếu lý lịch."))
    errors.raise_if_any()
    cs = editable_set(actor, person)
    return _store(actor, person.id, cs.id, content, name, detected, kind, section, description)


def check_proof(content: bytes | None, filename: str | None, errors: Errors, field: str = "file") -> None:
    """Check an optional proof file (a decision's scan) before a use case writes anything."""
    if not content:
        return
    inner = Errors()
    _check_file(content, filename, inner)
    for message in inner.of("file"):
        errors.add(field, message)


def store_proof(actor, person_id: int, content: bytes, filename: str, kind: str = "quyet_dinh",
                description: str | None = None) -> Attachment:
    """Keep a decision's scan with the file, outside any draft (caller's transaction; checked by
    :func:`check_proof` first): the proof of a move or of leaving the service (HN-12, HCM-8)."""
    errors = Errors()
    name, detected = _check_file(content, filename, errors)
    errors.raise_if_any()
    return _store(actor, person_id, None, content, name, detected, kind, None, description)


def _attachment(actor, attachment_id) -> Attachment:
    try:
        aid = as_id(attachment_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("Không tìm thấy tệp.")) from None
    att = db.session.get(Attachment, aid)
    if att is None:
        raise NotFoundError(_("Không tìm thấy tệp."))
    get_person(actor, att.person_id, ACTION_READ)
    return att


@use_case
def remove_attachment(actor, attachment_id) -> None:
    """Remove a proof from an open draft (approved proof stays with the file for good)."""
    att = _attachment(actor, attachment_id)
    writable_person(actor, att.person_id)
    cs = db.session.get(ChangeSet, att.change_set_id) if att.change_set_id else None
    if cs is None or cs.status not in EDITABLE_STATUSES:
        raise ValidationError({"__all__": [_("Chỉ gỡ được tệp của bản nháp chưa gửi.")]})
    key = attachment_key(att.stored_name)
    db.session.delete(att)
    db.session.flush()
    attachment_store().delete(key)


def open_attachment(actor, attachment_id) -> tuple[Attachment, str]:
    """(row, key in :func:`attachment_store`) of a proof the actor may read; the read is logged; a changed file
    is refused (its SHA-256 is read as a stream).

    Proof (ID cards, decisions, diplomas) is sensitive personal data: only readers who see sensitive items in
    clear (restricted-access level ≥ 2, the person themselves, approvers) may open it.
    """
    att = _attachment(actor, attachment_id)
    if scope.person_access(actor, att.person).level < LEVEL_SENSITIVE:
        audit.log_security("denied", user=actor, detail={"what": "attachment", "attachment": att.id})
        raise ForbiddenError(_("Tài liệu chứng minh chỉ được mở bởi người có quyền xem dữ liệu nhạy cảm."))
    key = attachment_key(att.stored_name)
    try:
        digest = attachment_store().sha256(key)
    except Missing:
        raise NotFoundError(_("Không tìm thấy tệp.")) from None
    if digest != att.sha256:
        audit.log_security("attachment_checksum_mismatch", detail={"attachment": att.id})
        raise ValidationError({"__all__": [_("Tệp lưu trữ không khớp mã kiểm tra; đã báo cho quản trị.")]})
    audit.log_access("download", user=actor, object_type="Attachment", object_id=att.id,
                     detail={"person": att.person_id, "file": att.original_name})
    return att, key


def list_attachments(person_id: int) -> list[Attachment]:
    """Every proof of a file, newest first (the caller has checked read access)."""
    return list(db.session.scalars(select(Attachment).where(Attachment.person_id == person_id)
                                   .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))
