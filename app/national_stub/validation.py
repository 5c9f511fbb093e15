"""How the stand-in checks one record (contract §5): shape, idempotency key, checksum, the identifier (ND27-ID: a
12-digit số định danh cá nhân whose province, century+sex and birth-year digits agree with the file, domain.md
§10, through the app's own :func:`app.services.personnel.checks.check_cccd`), required items, value types and
code-list codes (the national lists of ``app/seeds/code_lists.py``).

:func:`check_record` returns None for a good record, else ``(code, Vietnamese message)``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.national.records import idempotency_key
from app.seeds.code_lists import CODE_LISTS
from app.services.personnel.checks import check_cccd
from app.services.personnel.files import canonical_json
from app.services.personnel.people import CATEGORIES
from app.services.personnel.syll import SECTIONS

__all__ = ["REJECTION_CODES", "check_record", "code_lists_doc"]

#: Receipt codes of a rejected record (contract §5).
REJECTION_CODES = ("INVALID_RECORD", "INVALID_IDEMPOTENCY_KEY", "CHECKSUM_MISMATCH", "INVALID_IDENTIFIER",
                   "MISSING_FIELD", "IDENTIFIER_MISMATCH", "UNKNOWN_CODE", "INVALID_VALUE", "CONFLICT")

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
IDENTIFIER_RE = re.compile(r"^[0-9]{12}$")
MONTH_RE = re.compile(r"^[0-9]{4}(-[0-9]{2})?$")
MAX_PROBLEMS = 5

_CODES: dict[str, frozenset[str]] = {kind: frozenset(e.code for e in cl.entries) for kind, cl in CODE_LISTS.items()}


def code_lists_doc() -> dict:
    """``GET /v1/code-lists``: every national list the stand-in checks codes against."""
    def iso(d):
        return d.isoformat() if d else None

    return {"kinds": [
        {"kind": cl.kind, "label": cl.label, "source": cl.source,
         "codes": [{"code": e.code, "name": e.name, "parent_code": e.parent_code,
                    "valid_from": iso(e.valid_from or cl.valid_from), "valid_to": iso(e.valid_to or cl.valid_to)}
                   for e in cl.entries]}
        for cl in CODE_LISTS.values()]}


def _date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _value_ok(ftype: str, value) -> bool:
    """Whether a JSON value has the shape of its field type (``app.services.personnel.values.to_json``)."""
    if ftype in ("text", "longtext", "code"):
        return isinstance(value, str)
    if ftype in ("date", "pdate"):
        return _date(value) is not None
    if ftype == "month":
        return isinstance(value, str) and bool(MONTH_RE.match(value))
    if ftype in ("int", "year", "money"):
        return isinstance(value, int) and not isinstance(value, bool)
    if ftype == "decimal":
        if isinstance(value, bool):
            return False
        try:
            Decimal(str(value))
        except (InvalidOperation, ValueError):
            return False
        return isinstance(value, (str, int, float))
    if ftype == "bool":
        return isinstance(value, bool)
    return True


def _values(sections: dict, problems: list[tuple[str, str]]) -> None:
    """Shapes, types and codes of every item of every section the record carries."""
    for sec in SECTIONS:
        value = sections.get(sec.key)
        if value is None:
            continue
        rows = value if sec.repeating else [value]
        if sec.repeating != isinstance(value, list) or not all(isinstance(r, dict) for r in rows):
            problems.append(("INVALID_RECORD", _("Mục “%(section)s” không đúng cấu trúc.", section=sec.label)))
            continue
        for row in rows:
            for f in sec.fields:
                raw = row.get(f.name)
                if raw is None or raw == "":
                    continue
                if not _value_ok(f.type, raw):
                    problems.append(("INVALID_VALUE", _("Mục “%(label)s” có giá trị “%(value)s” không hợp lệ.",
                                                        label=f.label, value=str(raw)[:50])))
                elif f.type == "code" and f.code_list and raw not in _CODES.get(f.code_list, ()):
                    problems.append(("UNKNOWN_CODE", _("Mục “%(label)s” có mã “%(value)s” không có trong danh mục "
                                                       "dùng chung.", label=f.label, value=str(raw)[:50])))


def _result(problems: list[tuple[str, str]]) -> tuple[str, str] | None:
    if not problems:
        return None
    code = problems[0][0]
    messages = [m for c, m in problems if c == code][:MAX_PROBLEMS]
    return code, " ".join(messages)


def check_record(record) -> tuple[str, str] | None:
    """None when ``record`` may be stored; else the receipt's rejection ``(code, message)``."""
    file = record.get("file")
    identifier, version = record.get("identifier"), record.get("version")
    sha256, key = record.get("sha256"), record.get("idempotency_key")
    snapshot = file.get("snapshot") if isinstance(file, dict) else None
    person = file.get("person") if isinstance(file, dict) else None
    if not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
        return "INVALID_RECORD", _("Số phiên bản phải là số nguyên từ 1 trở lên.")
    if not (isinstance(sha256, str) and SHA256_RE.match(sha256)):
        return "INVALID_RECORD", _("Thiếu mã SHA-256 của phiên bản hoặc mã không hợp lệ (64 chữ số hệ 16, chữ "
                                   "thường).")
    if not (isinstance(snapshot, dict) and isinstance(snapshot.get("sections"), dict)
            and isinstance(snapshot.get("meta"), dict) and isinstance(person, dict)):
        return "INVALID_RECORD", _("Hồ sơ thiếu phần thông tin người hoặc nội dung phiên bản (meta, sections).")
    if key != idempotency_key(identifier, version):
        return "INVALID_IDEMPOTENCY_KEY", _("Khóa chống trùng phải là số định danh và số phiên bản: “%(key)s”.",
                                            key=idempotency_key(identifier, version))
    if hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest() != sha256:
        return "CHECKSUM_MISMATCH", _("Mã SHA-256 không khớp với nội dung phiên bản (hồ sơ bị sửa hoặc không đầy "
                                      "đủ).")
    shape = check_cccd(identifier, None, None) if IDENTIFIER_RE.match(identifier) else [
        _("Số định danh cá nhân phải gồm đúng 12 chữ số.")]
    if shape:
        return "INVALID_IDENTIFIER", " ".join(shape)

    sections = snapshot["sections"]
    identity = sections.get("identity") if isinstance(sections.get("identity"), dict) else {}
    documents = sections.get("documents") if isinstance(sections.get("documents"), dict) else {}
    problems: list[tuple[str, str]] = []
    required = (
        (person.get("full_name"), _("họ và tên")), (person.get("birth_date"), _("ngày sinh")),
        (person.get("gender"), _("giới tính")), (person.get("category"), _("đối tượng")),
        (identity.get("family_name"), _("họ (mục 1)")), (identity.get("given_name"), _("tên (mục 1)")),
        (identity.get("gender"), _("giới tính (mục 1)")), (identity.get("birth_date"), _("ngày sinh (mục 3)")),
        (documents.get("cccd"), _("số CCCD (mục 8)")),
    )
    missing = [str(label) for value, label in required
               if value is None or (isinstance(value, str) and not value.strip())]
    if missing:
        problems.append(("MISSING_FIELD", _("Thiếu mục bắt buộc: %(items)s.", items=", ".join(missing))))
        return _result(problems)

    cccd_in_file = "".join(ch for ch in str(documents.get("cccd")) if ch.isdigit())
    if person.get("cccd") != identifier or cccd_in_file != identifier:
        problems.append(("IDENTIFIER_MISMATCH", _("Số định danh của bản ghi khác với số CCCD trong hồ sơ.")))
    born = _date(identity.get("birth_date"))
    if born is None or _date(person.get("birth_date")) != born or person.get("gender") != identity.get("gender"):
        problems.append(("INVALID_VALUE", _("Ngày sinh, giới tính của phần thông tin người không khớp với mục 1, 3 "
                                            "của hồ sơ.")))
    else:
        for message in check_cccd(identifier, born, identity.get("gender")):
            problems.append(("IDENTIFIER_MISMATCH", message))
    if person.get("category") not in CATEGORIES:
        problems.append(("UNKNOWN_CODE", _("Đối tượng “%(value)s” không có trong danh mục.",
                                           value=str(person.get("category"))[:50])))
    if person.get("gender") not in _CODES["gender"]:
        problems.append(("UNKNOWN_CODE", _("Giới tính “%(value)s” không có trong danh mục.",
                                           value=str(person.get("gender"))[:50])))
    _values(sections, problems)
    return _result(problems)
