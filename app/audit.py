"""Audit trail: the change log (in the same transaction as the change) and the access/security log.

- Models opt in with ``__audited__ = True`` (and ``__audit_exclude__`` for secrets such as password hashes).
  An ``after_flush`` listener writes one ``change_log`` row per inserted, updated or deleted object on the
  flushing connection, so the log commits or rolls back with the change — for web requests, CLI and jobs.
- :func:`log_access` / :func:`log_security` record reads, exports, prints, downloads and security events
  (login, failure, lockout, role change, grant, denial) in their own short transaction, so a denied or
  failed operation still leaves its trace.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from models.audit import AccessLog, ChangeLog

__all__ = ["acting_as", "current_request_id", "init_audit", "log_access", "log_security", "readable_changes",
           "reason"]

log = logging.getLogger(__name__)

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
        "object_repr": str(obj)[:255],
        "org_unit_id": _unit_of(obj),
        "before": before,
        "after": after,
        "reason": _reason.get(),
    }


def _after_flush(session: Session, _context) -> None:
    rows = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            rows.append(_row("insert", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(_row("update", obj, before, after))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(_row("delete", obj, _snapshot(obj), None))
    if rows:
        session.connection().execute(insert(ChangeLog.__table__), rows)


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


def readable_changes(user, rows) -> dict[int, tuple[dict | None, dict | None, frozenset[str]]]:
    """Before/after of change-log ``rows`` as ``user`` may read them: row id -> (before, after, masked keys).

    The stored log stays complete; masking happens here, at read time, with the registry's levels and the
    reader's level on each person's file (``app.services.personnel.visibility``), so the change log never shows
    an item the file page would mask. A masked value is None and its key is listed (empty or not: whether an
    item is empty can itself be sensitive). Objects that are no part of a file are returned as stored.
    """
    from app.services.personnel import visibility

    people = visibility.person_ids_for_log(rows)
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
