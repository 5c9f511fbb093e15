"""Audit trail: the change log (in the same transaction as the change) and the access/security log.

- Models opt in with ``__audited__ = True`` (and ``__audit_exclude__`` for secrets such as password hashes).
  An ``after_flush`` listener writes one ``change_log`` row per inserted, updated or deleted object on the
  flushing connection, so the log commits or rolls back with the change — for web requests, CLI and jobs.
  A login only counts itself on the account row (:data:`LOGIN_COLUMNS`): such an update is no change of the
  account and is not logged as one (the access log has the login).
- :func:`log_access` / :func:`log_security` record reads, exports, prints, downloads and security events
  (login, failure, lockout, role change, grant, denial) in their own short transaction, so a denied or
  failed operation still leaves its trace. :data:`EVENTS` names every event they write, in Vietnamese, and
  :data:`EVENT_GROUPS` groups them for the log page's filter.
- Reading the logs: :func:`readable_changes` masks stored values above the reader's level;
  :func:`log_objects` reads the objects a page of either log mentions, one query per object type.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from inspect import getattr_static
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from models.audit import AccessLog, ChangeLog

__all__ = [
    "DETAIL_IDS_SHOWN", "DETAIL_REFERENCES", "EVENTS", "EVENT_GROUPS", "LOGIN_COLUMNS", "LogObjects",
    "access_log_objects", "acting_as", "change_log_objects", "current_request_id", "hidden_columns", "init_audit",
    "is_login_only", "log_access", "log_objects", "log_security", "model_class", "readable_changes", "reason",
    "references",
]

log = logging.getLogger(__name__)

#: Every event :func:`log_access` / :func:`log_security` write (``grep`` them in app/, views/, jobs/), as the
#: access log's page names them. ``tests/test_readable_logs.py`` fails on an event written without a name here.
EVENTS: dict[str, Any] = {
    # signing in and out
    "login": _l("Đăng nhập"),
    "login_failed": _l("Đăng nhập sai"),
    "login_locked": _l("Đăng nhập vào tài khoản đang bị khóa"),
    "lockout": _l("Khóa do đăng nhập sai nhiều lần"),
    "logout": _l("Đăng xuất"),
    # accounts and passwords
    "account_created": _l("Tạo tài khoản"),
    "accounts_bulk_created": _l("Tạo tài khoản hàng loạt"),
    "account_renamed": _l("Đổi tên đăng nhập"),
    "account_locked": _l("Khóa tài khoản"),
    "account_unlocked": _l("Mở khóa tài khoản"),
    "password_reset": _l("Cấp lại mật khẩu"),
    "password_changed": _l("Đổi mật khẩu"),
    "password_request": _l("Báo mất mật khẩu"),
    "access_revoked": _l("Thu hồi quyền truy cập khi thôi công tác"),
    # rights
    "role_granted": _l("Cấp vai trò"),
    "role_restricted": _l("Hạn chế vai trò"),
    "role_extended": _l("Gia hạn vai trò"),
    "role_revoked": _l("Thu hồi vai trò"),
    "consent_granted": _l("Cho phép khai thác dữ liệu"),
    "consent_revoked": _l("Thu hồi cho phép khai thác dữ liệu"),
    "delegated": _l("Ủy quyền"),
    "delegation_revoked": _l("Thu hồi ủy quyền"),
    # reading
    "read": _l("Xem hồ sơ"),
    "id_search": _l("Tìm theo số định danh (CCCD/CMND)"),
    "report": _l("Xem báo cáo tình hình cập nhật hồ sơ"),
    "staffing_report": _l("Xem báo cáo biên chế, vị trí việc làm"),
    "view_report": _l("Xem báo cáo thống kê"),
    "dashboard": _l("Xem trang tổng quan"),
    # printing, exporting, downloading
    "print_syll": _l("In sơ yếu lý lịch"),
    "export": _l("Kết xuất dữ liệu"),
    "export_syll": _l("Kết xuất sơ yếu lý lịch"),
    "export_syll_batch": _l("Yêu cầu kết xuất sơ yếu lý lịch của đơn vị"),
    "export_syll_zip": _l("Tải tệp kết xuất sơ yếu lý lịch"),
    "export_people": _l("Yêu cầu xuất danh sách hồ sơ ra Excel"),
    "export_people_xlsx": _l("Tải tệp Excel danh sách hồ sơ"),
    "download": _l("Tải tệp"),
    "export_handover": _l("Tải gói bàn giao hồ sơ"),
    "import_handover": _l("Nhập hồ sơ từ gói bàn giao"),
    "national_pull": _l("Tra cứu hồ sơ trên CSDL quốc gia"),
    # issue 19: a whole restructuring carried out from a mapping sheet (its org events are the unit history)
    "org_restructured": _l("Sắp xếp tổ chức theo tệp"),
    "import_upload": _l("Tải lên tệp nhập hồ sơ"),
    "import_commit": _l("Ghi dữ liệu nhập vào hồ sơ"),
    "import_report": _l("Tải kết quả kiểm tra tệp nhập"),
    "import_file": _l("Tải tệp nhập hồ sơ đã lưu"),
    "download_signed_syll": _l("Tải sơ yếu lý lịch đã ký số"),
    "sign_print": _l("Ký số bản in sơ yếu lý lịch"),
    "export_report": _l("Kết xuất báo cáo thống kê"),
    "export_report_xlsx": _l("Tải tệp Excel báo cáo thống kê"),
    "print_report": _l("In báo cáo thống kê"),
    "sign_report": _l("Ký số báo cáo thống kê"),
    # digital signatures
    "certificate_refused": _l("Từ chối chứng thư số không đúng chủ"),
    "certificate_bound": _l("Quản trị gắn chứng thư số cho tài khoản"),
    "certificate_revoked": _l("Thu hồi chứng thư số"),
    "sign_refused": _l("Từ chối ký số"),
    "verify_pdf": _l("Kiểm tra chữ ký số của tệp PDF"),
    "sign_sync_manifest": _l("Ký số bảng kê đồng bộ CSDL quốc gia"),
    # national sync (issue 18)
    "sync_resend": _l("Gửi lại hồ sơ bị CSDL quốc gia từ chối"),
    "national_bad_response": _l("CSDL quốc gia trả lời không hợp lệ"),
    "national_refused": _l("CSDL quốc gia từ chối kết nối"),
    # refusals and warnings
    "denied": _l("Bị từ chối truy cập"),
    "not_found": _l("Truy cập địa chỉ không tồn tại"),
    "attachment_checksum_mismatch": _l("Tệp lưu trữ không khớp mã kiểm tra"),
}

#: The access log's event groups (its "Nhóm sự kiện" filter): key -> (label, events).
EVENT_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "login": (_l("Đăng nhập, đăng xuất"), ("login", "login_failed", "login_locked", "lockout", "logout")),
    "accounts": (_l("Tài khoản, mật khẩu"), ("account_created", "accounts_bulk_created", "account_renamed",
                                            "account_locked", "account_unlocked", "password_reset",
                                            "password_changed", "password_request", "access_revoked")),
    "rights": (_l("Phân quyền, ủy quyền, cho phép khai thác"), (
        "role_granted", "role_restricted", "role_extended", "role_revoked", "consent_granted", "consent_revoked",
        "delegated", "delegation_revoked")),
    "read": (_l("Xem, tra cứu"), ("read", "id_search", "report", "staffing_report", "view_report", "dashboard",
                                     "national_pull")),
    "print": (_l("In ấn"), ("print_syll", "sign_print", "download_signed_syll", "print_report", "sign_report")),
    "export": (_l("Kết xuất"), ("export", "export_syll", "export_syll_batch", "export_syll_zip", "export_handover",
                                "import_handover", "export_report", "export_people", "export_people_xlsx",
                                "export_report_xlsx")),
    "download": (_l("Tải tệp"), ("download", "export_syll_zip", "download_signed_syll", "export_people_xlsx",
                                 "export_report_xlsx", "import_report", "import_file")),
    "import": (_l("Nhập dữ liệu"), ("import_upload", "import_commit", "import_report", "import_file",
                                    "import_handover")),
    "signing": (_l("Chữ ký số"), ("certificate_refused", "certificate_bound", "certificate_revoked",
                                  "sign_refused", "verify_pdf", "sign_print", "download_signed_syll", "sign_report",
                                  "sign_sync_manifest")),
    "sync": (_l("Đồng bộ CSDL quốc gia"), ("sign_sync_manifest", "sync_resend", "national_bad_response",
                                           "national_refused")),
    "refused": (_l("Truy cập bị từ chối, cảnh báo"), ("denied", "not_found", "login_locked", "lockout",
                                                     "attachment_checksum_mismatch", "certificate_refused",
                                                     "sign_refused")),
}

#: Columns a login writes on the account row (FAB's ``update_user_auth_stat``: last login, login count, failure
#: count). An update of these alone is the login's bookkeeping, recorded as a login in the access log, never a
#: change of the account; they stay in the row of a real change made in the same flush (a lockout's failures).
LOGIN_COLUMNS = frozenset({"last_login", "login_count", "fail_login_count"})

_request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)
_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)
_reason: ContextVar[str | None] = ContextVar("audit_reason", default=None)


def current_request_id() -> str | None:
    """The id of the running request or job (set per request; jobs and CLI get their own)."""
    return _request_id.get()


@contextmanager
def acting_as(user, request_id: str | None = None):
    """Attribute changes made inside the block to ``user`` (CLI commands and jobs have no ``g.user``)."""
    token_actor = _actor.set(user)
    token_req = _request_id.set(request_id or uuid.uuid4().hex[:16])
    try:
        yield
    finally:
        _actor.reset(token_actor)
        _request_id.reset(token_req)


@contextmanager
def reason(text: str | None):
    """Attach a reason (a decision number, a request document …) to the changes made inside the block."""
    token = _reason.set(str(text)[:500] if text else None)
    try:
        yield
    finally:
        _reason.reset(token)


def _actor_now():
    actor = _actor.get()
    if actor is not None:
        return actor
    if has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _hidden(mapper) -> set[str]:
    """Columns never copied into the log: declared exclusions and every encrypted column (no plaintext)."""
    from app.crypto import ENCRYPTED_TYPES

    return set(getattr(mapper.class_, "__audit_exclude__", set())) | {
        attr.key for attr in mapper.column_attrs if isinstance(attr.columns[0].type, ENCRYPTED_TYPES)
    }


def _snapshot(obj) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    exclude = _hidden(mapper)
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in exclude
    }


def _changes(obj) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    exclude = _hidden(state.mapper)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        if attr.key in exclude:
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                after[attr.key] = "***"
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = _jsonable(hist.deleted[0]) if hist.deleted else None
            after[attr.key] = _jsonable(hist.added[0]) if hist.added else None
    return before, after


def _unit_of(obj) -> int | None:
    getter = getattr(obj, "audit_org_unit_id", None)
    if callable(getter):
        return getter()
    return getattr(obj, "org_unit_id", None)


_NAMED_BY: dict[type, tuple[str, ...]] = {}


def _named_by(cls: type) -> tuple[str, ...]:
    """The properties of ``cls`` that name an object ("display_name", "full_name"), looked up once per class."""
    if cls not in _NAMED_BY:
        _NAMED_BY[cls] = tuple(name for name in ("display_name", "full_name")
                               if isinstance(getattr_static(cls, name, None), property))
    return _NAMED_BY[cls]


def _repr(obj) -> str | None:
    """What the row says the object was: its display name (an account's Vietnamese-order name, a file's full name),
    else its own ``str`` — never Python's default ``<… object at 0x…>``."""
    for name in _named_by(type(obj)):
        text = getattr(obj, name, None)
        if text:
            return str(text)[:255]
    text = str(obj)
    return None if " object at 0x" in text else text[:255]


def _row(action: str, obj, before, after) -> dict[str, Any]:
    actor = _actor_now()
    ident = [i for i in inspect(obj).mapper.primary_key_from_instance(obj) if i is not None]
    return {
        "time": datetime.now().astimezone(),
        "user_id": getattr(actor, "id", None),
        "user_name": getattr(actor, "username", None),
        "request_id": _request_id.get(),
        "action": action,
        "object_type": type(obj).__name__,
        "object_id": "/".join(str(i) for i in ident) if ident else None,
        "object_repr": _repr(obj),
        "org_unit_id": _unit_of(obj),
        "before": before,
        "after": after,
        "reason": _reason.get(),
    }


def _file_units(session: Session, pending: list[tuple[dict, Any]]) -> None:
    """Give the rows of a file's objects (its sections, change sets, steps, signed documents, proofs) the unit of
    the file, so that whoever audits that unit sees them (they have no unit of their own). Two statements per
    flush at most: the files' units, then the change sets' files."""
    from models.personnel import ChangeSet, Person

    by_set = {r_obj[1].change_set_id for r_obj in pending if getattr(r_obj[1], "person_id", None) is None}
    set_person = dict(session.connection().execute(select(ChangeSet.id, ChangeSet.person_id).where(
        ChangeSet.id.in_(by_set))).all()) if by_set else {}
    people = {getattr(obj, "person_id", None) or set_person.get(getattr(obj, "change_set_id", None))
              for _row_, obj in pending} - {None}
    units = dict(session.connection().execute(select(Person.id, Person.org_unit_id).where(
        Person.id.in_(people))).all()) if people else {}
    for row, obj in pending:
        pid = getattr(obj, "person_id", None) or set_person.get(getattr(obj, "change_set_id", None))
        row["org_unit_id"] = units.get(pid)


def _after_flush(session: Session, _context) -> None:
    rows = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            rows.append((_row("insert", obj, None, _snapshot(obj)), obj))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after and not set(after) <= LOGIN_COLUMNS:
                rows.append((_row("update", obj, before, after), obj))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append((_row("delete", obj, _snapshot(obj), None), obj))
    if rows:
        pending = [(row, obj) for row, obj in rows if row["org_unit_id"] is None and (
            getattr(obj, "person_id", None) is not None or getattr(obj, "change_set_id", None) is not None)]
        if pending:
            _file_units(session, pending)
        session.connection().execute(insert(ChangeLog.__table__), [row for row, _obj in rows])


def log_access(
    event_name: str,
    *,
    user=None,
    object_type: str | None = None,
    object_id: Any = None,
    org_unit_id: int | None = None,
    detail: dict | None = None,
) -> None:
    """Record a read, export, print, download or security event in its own transaction."""
    if event_name not in EVENTS:
        log.warning("access log event %r has no name in app.audit.EVENTS", event_name)
    actor = user if user is not None else _actor_now()
    row = {
        "time": datetime.now().astimezone(),
        "user_id": getattr(actor, "id", None),
        "user_name": getattr(actor, "username", None),
        "ip": request.remote_addr if has_request_context() else None,
        "request_id": _request_id.get(),
        "event": event_name,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "org_unit_id": org_unit_id if org_unit_id is not None else getattr(actor, "org_unit_id", None),
        "path": request.path[:300] if has_request_context() else None,
        "detail": {k: _jsonable(v) for k, v in (detail or {}).items()},
    }
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(AccessLog.__table__), [row])
    except Exception:  # the log must never break the request it observes
        log.exception("access log write failed: %s", row)


def log_security(event_name: str, *, user=None, detail: dict | None = None) -> None:
    """A security event (login, login_failed, lockout, unlock, role change, grant, denied …)."""
    log_access(event_name, user=user, object_type="Account" if user is not None else None,
               object_id=getattr(user, "id", None), org_unit_id=getattr(user, "org_unit_id", None),
               detail=detail)


def hidden_columns(object_type: str) -> frozenset[str]:
    """Columns of ``object_type`` whose values the log never holds (secrets, encrypted items): a change of one
    is logged as ``"***"``."""
    model = _models().get(object_type)
    return frozenset(_hidden(inspect(model))) if model is not None else frozenset()


def is_login_only(row) -> bool:
    """True for a change-log row that is only a login's bookkeeping (written before logins stopped being logged
    as changes of the account)."""
    return row.action == "update" and bool(row.after) and set(row.after) <= LOGIN_COLUMNS


Readable = dict[int, tuple[dict | None, dict | None, frozenset[str]]]


def readable_changes(user, rows, *, people: dict | None = None, levels: dict[int, int] | None = None) -> Readable:
    """Before/after of change-log ``rows`` as ``user`` may read them: row id -> (before, after, masked keys).

    The stored log stays complete; masking happens here, at read time, with the registry's levels and the
    reader's level on each person's file (``app.services.personnel.visibility``), so the change log never shows
    an item the file page would mask. A masked value is None and its key is listed (empty or not: whether an
    item is empty can itself be sensitive). Objects that are no part of a file are returned as stored.
    ``people`` (``visibility.person_ids_for_log``) and ``levels`` (``visibility.reader_levels``) may be given
    when the caller has them already (:func:`change_log_objects`).
    """
    from app.services.personnel import visibility

    if people is None:
        people = visibility.person_ids_for_log(rows)
    if levels is None:
        levels = visibility.reader_levels(user, {p for p in people.values() if p is not None})
    out = {}
    for row in rows:
        if row.id not in people:
            out[row.id] = (row.before, row.after, frozenset())
            continue
        level = levels.get(people[row.id], -1)
        masked: set[str] = set()

        def readable(values, object_type=row.object_type, level=level, masked=masked):
            if values is None:
                return None
            shown = {}
            for key, value in values.items():
                wanted = visibility.column_level(object_type, key)
                if wanted is not None and wanted > level:
                    masked.add(key)
                    value = None
                shown[key] = value
            return shown

        out[row.id] = (readable(row.before), readable(row.after), frozenset(masked))
    return out


# --------------------------------------------------------------------------- the objects a log page names

#: What naming an object needs: object type -> (its columns read, the columns that refer to other objects).
#: Types are read in this order, so every reference points to a type read later (one query per type).
_NAMING: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "ApprovalStep": (("change_set_id", "seq", "key", "round"), {"change_set_id": "ChangeSet"}),
    "ChangeSetDocument": (("change_set_id", "round"), {"change_set_id": "ChangeSet"}),
    "Transfer": (("person_id", "kind"), {"person_id": "Person"}),
    # Staffing (issue 17): a count names its position, the position and a quota their unit.
    "JobPositionQuota": (("job_position_id", "org_unit_id", "decision_number"),
                         {"job_position_id": "JobPosition", "org_unit_id": "OrgUnit"}),
    "UnitQuota": (("org_unit_id", "year", "kind", "decision_number"), {"org_unit_id": "OrgUnit"}),
    "JobPosition": (("code", "name", "org_unit_id"), {"org_unit_id": "OrgUnit"}),
    "ChangeSet": (("person_id", "chain"), {"person_id": "Person"}),
    "Attachment": (("person_id", "kind"), {"person_id": "Person"}),
    "FileVersion": (("person_id", "version_no"), {"person_id": "Person"}),
    "TrainingRecord": (("person_id", "kind"), {"person_id": "Person"}),
    "WorkRecord": (("person_id",), {"person_id": "Person"}),
    "HistoryRecord": (("person_id", "kind"), {"person_id": "Person"}),
    "EvaluationRecord": (("person_id",), {"person_id": "Person"}),
    "DisciplineRecord": (("person_id",), {"person_id": "Person"}),
    "Relative": (("person_id", "side"), {"person_id": "Person"}),
    "SalaryRecord": (("person_id",), {"person_id": "Person"}),
    "AllowanceRecord": (("person_id",), {"person_id": "Person"}),
    "RoleAssignment": (("user_id", "role_id", "org_unit_id", "include_descendants"),
                       {"user_id": "Account", "role_id": "Role", "org_unit_id": "OrgUnit"}),
    "ConsentGrant": (("grantee_id", "org_unit_id", "person_id", "document_number"),
                     {"grantee_id": "Account", "org_unit_id": "OrgUnit", "person_id": "Person"}),
    "Delegation": (("delegate_id", "org_unit_id", "action"), {"delegate_id": "Account", "org_unit_id": "OrgUnit"}),
    "PasswordRequest": (("user_id", "username"), {"user_id": "Account"}),
    "SigningCredential": (("account_id", "serial"), {"account_id": "Account"}),
    "ExportJob": (("org_unit_id",), {"org_unit_id": "OrgUnit"}),
    "WorkdayOverride": (("day", "kind"), {}),
    "Person": (("family_name", "middle_name", "given_name"), {}),
    "Account": (("username", "last_name", "first_name"), {}),
    "OrgUnit": (("name",), {}),
    "Role": (("name",), {}),
}

#: Keys of the access log's ``detail`` that name an object by its id (an integer): key -> object type.
DETAIL_REFERENCES: dict[str, str] = {
    "account": "Account", "unit": "OrgUnit", "person": "Person", "assignment": "RoleAssignment",
    "grant": "ConsentGrant", "consent": "ConsentGrant", "delegation": "Delegation", "export_id": "ExportJob",
    "attachment": "Attachment",
}


#: How many of the rows an action was run on (``detail["ids"]``) a page names.
DETAIL_IDS_SHOWN = 10


@dataclass
class LogObjects:
    """The objects a page of the logs mentions, read in bulk: object type -> id -> the columns ``_NAMING``
    lists (the live row; for a row deleted since, the values its change-log row recorded), the reader's level
    on each file among them (``visibility.reader_level``, -1 when none) and, for change-log rows of a file's
    objects, the file they belong to (row id -> person id)."""

    records: dict[str, dict[int, dict]] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    row_people: dict[int, int | None] = field(default_factory=dict)

    def get(self, object_type: str | None, object_id: Any) -> dict | None:
        """The columns of one object (None when unknown)."""
        ident = _int(object_id)
        return None if ident is None else self.records.get(object_type or "", {}).get(ident)

    def level(self, person_id: Any) -> int:
        """The reader's level on a file (-1: none, or no such file)."""
        ident = _int(person_id)
        return -1 if ident is None else self.levels.get(ident, -1)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_MODELS: dict[str, type] = {}


def _models() -> dict[str, type]:
    """Mapped class name -> class (every model the app has imported)."""
    if len(_MODELS) != len(ChangeLog.registry.mappers):
        _MODELS.clear()
        _MODELS.update({m.class_.__name__: m.class_ for m in ChangeLog.registry.mappers})
    return _MODELS


def model_class(name: str | None) -> type | None:
    """The mapped class called ``name`` (None for another name: an access log's "Compliance" …)."""
    return _models().get(name or "")


_REFERENCES: dict[str, dict[str, str]] = {}


def references(object_type: str) -> dict[str, str]:
    """Columns of ``object_type`` that hold the id of an object :func:`log_objects` can name (its foreign keys to
    accounts, units, roles, files, change sets): column -> object type."""
    if object_type not in _REFERENCES:
        models = _models()
        by_table = {getattr(cls, "__tablename__", None): name for name, cls in models.items() if name in _NAMING}
        by_table["ab_user"], by_table["ab_role"] = "Account", "Role"
        model, found = models.get(object_type), {}
        if model is not None:
            for attr in inspect(model).column_attrs:
                for fk in attr.columns[0].foreign_keys:
                    target = by_table.get(fk.column.table.name)
                    if target is not None:
                        found[attr.key] = target
        _REFERENCES[object_type] = found
    return _REFERENCES[object_type]


def log_objects(user, wanted: dict[str, Iterable], hints: dict[tuple[str, int], dict] | None = None) -> LogObjects:
    """Read the objects ``wanted`` (object type -> ids) and those they refer to, one query per object type, never
    one per row; ``hints`` ((type, id) -> logged values) stand in for rows deleted since. Files are read with
    their unit, for the reader's level on each (names of a file are shown at the level of the name items)."""
    from sqlalchemy.orm import joinedload

    from app.services.personnel import visibility

    models = _models()
    want: dict[str, set[int]] = {}
    for object_type, ids in wanted.items():
        want.setdefault(object_type, set()).update(i for i in map(_int, ids) if i is not None)
    out = LogObjects()
    for object_type, (columns, refs) in _NAMING.items():
        ids, model = want.get(object_type), models.get(object_type)
        if not ids or model is None:
            continue
        if object_type == "Person":
            found = {}
            for person in db.session.scalars(select(model).options(joinedload(model.org_unit))
                                             .where(model.id.in_(ids))):
                out.levels[person.id] = visibility.reader_level(user, person)
                found[person.id] = {c: getattr(person, c) for c in columns}
        else:
            stmt = select(model.id, *(getattr(model, c) for c in columns)).where(model.id.in_(ids))
            found = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in db.session.execute(stmt)}
        for ident in ids - set(found):
            hint = (hints or {}).get((object_type, ident))
            if hint:
                found[ident] = {c: hint.get(c) for c in columns}
        out.records[object_type] = found
        for values in found.values():
            for column, target in refs.items():
                ref = _int(values.get(column))
                if ref is not None:
                    want.setdefault(target, set()).add(ref)
    return out


def change_log_objects(user, rows) -> tuple[Readable, LogObjects]:
    """For a page of change-log ``rows``: their values as ``user`` may read them (:func:`readable_changes`) and
    the objects they mention (:func:`log_objects`: each row's object, its file, the accounts, units and roles its
    values refer to, the author). The reader's levels are computed once for both."""
    from app.services.personnel import visibility

    people = visibility.person_ids_for_log(rows)
    wanted: dict[str, set] = {"Person": {p for p in people.values() if p is not None}, "Account": set()}
    hints: dict[tuple[str, int], dict] = {}
    for row in rows:
        ident = _int(row.object_id)
        if ident is not None:
            wanted.setdefault(row.object_type, set()).add(ident)
            hints.setdefault((row.object_type, ident), {**(row.before or {}), **(row.after or {})})
        if row.user_id is not None:
            wanted["Account"].add(row.user_id)
        for column, target in references(row.object_type).items():
            for values in (row.before, row.after):
                ref = _int((values or {}).get(column))
                if ref is not None:
                    wanted.setdefault(target, set()).add(ref)
    objects = log_objects(user, wanted, hints)
    objects.row_people = people
    return readable_changes(user, rows, people=people, levels=objects.levels), objects


def access_log_objects(user, rows) -> LogObjects:
    """The objects a page of access-log ``rows`` mentions: each row's object, the user, and the objects its
    details name by id (:data:`DETAIL_REFERENCES`, and the first rows an action ran on); a compliance report
    names its unit."""
    wanted: dict[str, set] = {"Account": set(), "OrgUnit": set()}
    for row in rows:
        if row.user_id is not None:
            wanted["Account"].add(row.user_id)
        if row.object_type and row.object_id is not None:
            wanted.setdefault("OrgUnit" if row.object_type == "Compliance" else row.object_type,
                              set()).add(row.object_id)
        for key, value in (row.detail or {}).items():
            if key in DETAIL_REFERENCES and isinstance(value, int) and not isinstance(value, bool):
                wanted.setdefault(DETAIL_REFERENCES[key], set()).add(value)
            elif key == "ids" and isinstance(value, list) and row.object_type in _NAMING:
                wanted.setdefault(row.object_type, set()).update(value[:DETAIL_IDS_SHOWN])
    return log_objects(user, wanted)


def init_audit(app: Flask) -> None:
    """Install the change-log listener, the request id, and the logging of denied or unknown URLs."""
    if not getattr(init_audit, "_listening", False):
        event.listen(Session, "after_flush", _after_flush)
        init_audit._listening = True

    @app.before_request
    def _set_request_id() -> None:
        _request_id.set(request.headers.get("X-Request-Id", "")[:40] or uuid.uuid4().hex[:16])

    @app.after_request
    def _log_denied(response):
        try:  # never turn the answer into a 500 (a broken connection, an expired user row)
            if response.status_code in (403, 404) and not request.path.startswith(("/static/", "/appbuilder/")):
                user = getattr(g, "user", None)
                if user is not None and getattr(user, "is_authenticated", False):
                    log_access("denied" if response.status_code == 403 else "not_found",
                               detail={"method": request.method, "status": response.status_code})
        except Exception:
            log.exception("access log of a refused request failed")
        return response
