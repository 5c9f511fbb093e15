"""Maintenance notices (issue 20 item 4; HCM-4.2 "available 24/24": planned downtime is announced ahead).

Sở Nội vụ's administrators announce a window (start, end, message) with :func:`announce` and withdraw it with
:func:`cancel`; both are use cases (one transaction, in the change log). :func:`banner` gives the notice a page
shows: the earliest one whose banner period (``MAINTENANCE_NOTICE_LEAD_HOURS`` before its start until its end)
covers now.

The banner costs no query on most pages: the notices not cancelled and not yet ended (a handful of rows, one
indexed read on ``ends_at``) are kept in the process for ``MAINTENANCE_NOTICE_CACHE_SECONDS`` (60 s); the time
test runs on every page in Python. A change made on this process forgets the cache at once; other processes see
it within the cache period.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.services.errors import Errors, ForbiddenError, NotFoundError, after_commit, use_case
from models.operations import MaintenanceNotice

__all__ = ["Banner", "MESSAGE_MAX", "announce", "banner", "cancel", "forget_cache", "list_notices"]

MESSAGE_MAX = 500
#: Upcoming notices read at most once per cache period (a handful of rows).
_CACHE_LIMIT = 20


@dataclass(frozen=True)
class Banner:
    """What the page shows."""

    id: int
    starts_at: datetime
    ends_at: datetime
    message: str
    in_progress: bool


_lock = threading.Lock()
_cache: dict = {"at": None, "rows": ()}


def forget_cache() -> None:
    """Drop the process's copy of the upcoming notices (after a change, and in tests)."""
    with _lock:
        _cache["at"], _cache["rows"] = None, ()


def _upcoming(now: datetime) -> tuple:
    ttl = float(current_app.config.get("MAINTENANCE_NOTICE_CACHE_SECONDS", 60))
    mono = time.monotonic()
    with _lock:
        if _cache["at"] is not None and mono - _cache["at"] < ttl:
            return _cache["rows"]
    rows = tuple(db.session.execute(
        select(MaintenanceNotice.id, MaintenanceNotice.starts_at, MaintenanceNotice.ends_at,
               MaintenanceNotice.message)
        .where(MaintenanceNotice.ends_at > now, MaintenanceNotice.cancelled_at.is_(None))
        .order_by(MaintenanceNotice.starts_at, MaintenanceNotice.id).limit(_CACHE_LIMIT)).all())
    with _lock:
        _cache["at"], _cache["rows"] = mono, rows
    return rows


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def banner(now: datetime | None = None) -> Banner | None:
    """The notice to show now, or None (also when the database does not answer: a page never fails for it)."""
    now = now or datetime.now(UTC)
    lead = timedelta(hours=float(current_app.config.get("MAINTENANCE_NOTICE_LEAD_HOURS", 72)))
    try:
        rows = _upcoming(now)
    except Exception:  # noqa: BLE001 - the banner is an extra; the page's own queries report a database outage
        current_app.logger.warning("maintenance notice: could not read the notices", exc_info=True)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database is gone; the page reports it itself
            pass
        return None
    for row in rows:
        starts, ends = _aware(row.starts_at), _aware(row.ends_at)
        if starts - lead <= now < ends:
            return Banner(row.id, starts, ends, row.message, in_progress=starts <= now)
    return None


def list_notices():
    """The SELECT of the notices screen, newest start first."""
    return select(MaintenanceNotice).order_by(MaintenanceNotice.starts_at.desc(), MaintenanceNotice.id.desc())


def _may_manage(actor) -> None:
    if actor is None:
        return
    from app.security import scope
    from app.security.permissions import ACTION_WRITE, RESOURCE_MAINTENANCE

    if not scope.has_permission(actor, ACTION_WRITE, RESOURCE_MAINTENANCE):
        raise ForbiddenError(_("Chỉ quản trị Sở Nội vụ được thông báo bảo trì hệ thống."))


def _audited(actor):
    from contextlib import nullcontext

    from app import audit

    return audit.acting_as(actor, request_id=audit.current_request_id()) if actor is not None else nullcontext()


@use_case
def announce(actor, starts_at: datetime | None, ends_at: datetime | None, message: str | None,
             now: datetime | None = None) -> MaintenanceNotice:
    """Announce a maintenance window: it must end after it starts, not be over yet, and say something."""
    _may_manage(actor)
    now = now or datetime.now(UTC)
    errors = Errors()
    text = " ".join((message or "").split())
    if starts_at is None:
        errors.add("starts_at", _("Hãy nhập thời điểm bắt đầu."))
    if ends_at is None:
        errors.add("ends_at", _("Hãy nhập thời điểm kết thúc."))
    if starts_at is not None and ends_at is not None:
        starts_at, ends_at = _aware(starts_at), _aware(ends_at)
        if ends_at <= starts_at:
            errors.add("ends_at", _("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
        elif ends_at <= now:
            errors.add("ends_at", _("Khoảng thời gian bảo trì đã qua."))
    if not text:
        errors.add("message", _("Hãy nhập nội dung thông báo."))
    elif len(text) > MESSAGE_MAX:
        errors.add("message", _("Nội dung thông báo dài quá %(n)s ký tự.", n=MESSAGE_MAX))
    errors.raise_if_any()
    with _audited(actor):
        row = MaintenanceNotice(starts_at=starts_at, ends_at=ends_at, message=text,
                                created_by_id=getattr(actor, "id", None))
        db.session.add(row)
        db.session.flush()
    after_commit(forget_cache)
    return row


@use_case
def cancel(actor, notice_id: int) -> MaintenanceNotice:
    """Withdraw a notice (the row stays, marked cancelled)."""
    _may_manage(actor)
    row = db.session.get(MaintenanceNotice, int(notice_id))
    if row is None:
        raise NotFoundError(_("Không tìm thấy thông báo bảo trì số %(id)s.", id=notice_id))
    if row.cancelled_at is None:
        with _audited(actor):
            row.cancelled_at = datetime.now(UTC)
            row.cancelled_by_id = getattr(actor, "id", None)
            db.session.flush()
    after_commit(forget_cache)
    return row
