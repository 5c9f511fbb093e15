"""Notifications: the bell (unread count, list, mark read) and the daily e-mail digests.

Reminders are written in batches by :func:`insert_notifications` (``INSERT … ON CONFLICT DO NOTHING`` on the
unique key (user, kind, object, due date), PostgreSQL and SQLite alike), so writing the same reminder again
inserts nothing. :func:`send_digests` runs after the reminders' commit: it *claims* the rows not e-mailed yet
(one ``UPDATE … RETURNING`` that sets ``emailed_at``), commits, sends one digest per user over one SMTP
session, and gives the rows of a failed message back (``emailed_at`` NULL again) for the next run. Two runs at
the same time therefore never send the same notification twice; a process killed between the claim and the
sending loses that e-mail (the notification itself stays in the bell).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail import Mail, Mailer, mail_configured
from app.services.errors import requested_row, use_case
from models.accounts import Account
from models.notifications import Notification

__all__ = [
    "DIGEST_MAX_ITEMS",
    "UNREAD_CAP",
    "digest_mail",
    "insert_notifications",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "open_notification",
    "send_digests",
    "unread_count",
]

log = logging.getLogger(__name__)

#: The bell counts up to this many unread notifications ("99+" beyond).
UNREAD_CAP = 100
#: An e-mail digest lists at most this many notifications, then says how many more there are.
DIGEST_MAX_ITEMS = 30
_BATCH = 1000


def _insert_statement():
    """``INSERT INTO notification … ON CONFLICT DO NOTHING`` for the session's database."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification).on_conflict_do_nothing()


def insert_notifications(rows: Iterable[dict]) -> int:
    """Insert notification rows (dicts of column values) in batches; rows already there are skipped.

    Returns how many were inserted. The caller holds the transaction.
    """
    now = datetime.now(UTC)
    inserted = 0
    batch: list[dict] = []

    def flush() -> int:
        if not batch:
            return 0
        result = db.session.execute(_insert_statement().values(batch))
        batch.clear()
        return max(result.rowcount or 0, 0)

    for row in rows:
        batch.append({"created_at": now, **row})
        if len(batch) >= _BATCH:
            inserted += flush()
    inserted += flush()
    return inserted


# --------------------------------------------------------------------------- the bell

def unread_count(user_id: int | None, cap: int = UNREAD_CAP) -> int:
    """Unread notifications of ``user_id``, counted up to ``cap`` (one indexed statement)."""
    if user_id is None:
        return 0
    inner = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None)) \
        .limit(cap).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def list_notifications(user, offset: int = 0, limit: int = 25, *, unread_only: bool = False
                       ) -> tuple[list[Notification], bool]:
    """A page of ``user``'s notifications, newest first, and whether there is a next page (no count)."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .offset(max(offset, 0)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _own(user, notification_id) -> Notification:
    """The notification ``notification_id`` if it is for ``user`` (NotFoundError otherwise)."""
    return requested_row(Notification, user, notification_id, _("Không tìm thấy thông báo."), owner="user_id")


@use_case
def mark_read(user, notification_id) -> Notification:
    """Mark one of ``user``'s notifications read (someone else's is not found)."""
    row = _own(user, notification_id)
    if row.read_at is None:
        row.read_at = datetime.now(UTC)
    return row


@use_case
def open_notification(user, notification_id) -> str | None:
    """Mark the notification read and return its link (None when it has none)."""
    return mark_read(user, notification_id).link


@use_case
def mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=datetime.now(UTC)))
    return max(result.rowcount or 0, 0)


# --------------------------------------------------------------------------- e-mail digests

def _absolute(link: str | None) -> str | None:
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    return current_app.config.get("APP_BASE_URL", "").rstrip("/") + link


def digest_mail(account: Account, items: list[dict]) -> Mail:
    """The digest for ``account``: subject and plain-text body in Vietnamese, one entry per notification."""
    name = account.display_name or account.username
    subject = ngettext("[CSDL CBCCVC] Bạn có %(num)s nhắc việc mới", "[CSDL CBCCVC] Bạn có %(num)s nhắc việc mới",
                       len(items))
    lines = [_("Kính gửi %(name)s,", name=name), "",
             _("Hệ thống Cơ sở dữ liệu cán bộ, công chức, viên chức nhắc các việc sau:"), ""]
    for item in items[:DIGEST_MAX_ITEMS]:
        lines.append("• " + item["title"])
        if item.get("body"):
            lines.append("  " + item["body"])
        url = _absolute(item.get("link"))
        if url:
            lines.append("  " + url)
        lines.append("")
    if len(items) > DIGEST_MAX_ITEMS:
        lines += [_("… và %(n)s nhắc việc khác.", n=len(items) - DIGEST_MAX_ITEMS), ""]
    lines += [_("Xem tất cả thông báo: %(url)s", url=_absolute("/notifications/")), "",
              _("Thư này do hệ thống gửi tự động, xin đừng trả lời.")]
    return Mail(account.email, subject, "\n".join(lines))


def _recipients():
    """Accounts that get e-mail: active, with a usable address."""
    return select(Account.id).where(Account.active.is_(True), Account.email.like("%@%"),
                                    ~func.lower(Account.email).like("%.invalid"))


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """E-mail each user one digest of their notifications not e-mailed yet (of the last ``MAIL_RETRY_DAYS``).

    Call it after the commit that wrote the notifications. Returns counts: ``sent`` (digests), ``failed``
    (digests given back for the next run), ``skipped`` (1 when no mail server is configured).
    """
    if not mail_configured():
        log.info("reminders: no MAIL_SERVER configured, e-mail digests skipped")
        return {"sent": 0, "failed": 0, "skipped": 1}
    now = now or datetime.now(UTC)
    since = now - timedelta(days=int(current_app.config.get("MAIL_RETRY_DAYS", 7)))
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= since,
               Notification.user_id.in_(_recipients()))
        .values(emailed_at=now)
        .returning(Notification.id, Notification.user_id, Notification.title, Notification.body,
                   Notification.link, Notification.due_date, Notification.created_at)
    ).all()
    db.session.commit()
    if not claimed:
        return {"sent": 0, "failed": 0, "skipped": 0}
    by_user: dict[int, list[dict]] = defaultdict(list)
    for row in sorted(claimed, key=lambda r: (r.created_at, r.id)):
        by_user[row.user_id].append(row._asdict())
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(list(by_user))))}
    sent, failed_ids, failed = 0, [], 0
    with Mailer() as mailer:
        for user_id, items in by_user.items():
            account = accounts[user_id]
            try:
                mailer.send(digest_mail(account, items))
                sent += 1
            except Exception as exc:  # any failure: keep the rows for the next run
                log.warning("reminders: e-mail to %s failed (%s), retried next run", account.email, exc)
                failed += 1
                failed_ids.extend(item["id"] for item in items)
    for start in range(0, len(failed_ids), _BATCH):
        db.session.execute(update(Notification).where(Notification.id.in_(failed_ids[start:start + _BATCH]))
                           .values(emailed_at=None))
    db.session.commit()
    return {"sent": sent, "failed": failed, "skipped": 0}
