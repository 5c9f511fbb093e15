"""Notifications: who is told of what (events and reminders), the bell (unread count, list, mark read) and the
e-mail digests.

**Who is told of what** — one table, the functions of the "events" section below, each called by the use case of
its event inside that use case's transaction (so a notice exists exactly when its event was committed, and a job
run twice writes it once):

=====================================  ==========================================================================
event (use case)                       told
=====================================  ==========================================================================
submission (``change_sets.submit``)    the users who may act on the first step (``workflow.step_actors``: the
                                       holders query of the step's authority over the person's unit, valid
                                       delegations; never the person, nor who prepared it for them)
a step done, the chain goes on          the users who may act on the next step (the next signer)
(``change_sets.approve``)
return (``change_sets.return_change_set``) the person, and the officer who prepared the change on their behalf
approval (``change_sets.approve``,      the person, and the officer who prepared the change on their behalf
final step)
bulk decision finished                 the user who asked for it, with the count of each outcome
(``jobs.approvals``)
account created (``accounts``)         the account's holder (in the bell at first login; by e-mail where it has
                                       an address)
password reset (``accounts``)          the account's holder
lost password reported (``accounts``)  the account managers of the account's unit (once a day per account)
=====================================  ==========================================================================

Administrator roles (Quản trị Sở Nội vụ holds every permission) are told only of what concerns them personally,
like the reminders. The daily reminders (``jobs/reminders.py``) are written in batches by
:func:`insert_notifications` (``INSERT … ON CONFLICT DO NOTHING`` on the unique key (user, kind, object, due
date)); event notices go through the same statement after leaving out the users already told of that object
(:func:`notify`). Texts are written in the default locale (Vietnamese), whatever the actor's language.

**E-mail.** :func:`send_digests` runs after the commit that wrote the notifications: it *claims* the rows not
e-mailed yet (one ``UPDATE … RETURNING`` that sets ``emailed_at``), commits, sends one digest per user over one
SMTP session, and gives the rows of a failed message back (``emailed_at`` NULL again) for the next run. The daily
reminders job sends the digest of the reminders; the periodic ``jobs.notices.send_notices`` (every 10 minutes)
the digest of the event notices. Two runs at the same time therefore never send the same notification twice; a
process killed between the claim and the sending loses that e-mail (the notification itself stays in the bell).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.routing import BuildError

from app import workdays, workflow
from app.extensions import db
from app.mail import Mail, Mailer, mail_configured
from app.security import scope
from app.security.permissions import ACTION_WRITE, RESOURCE_ACCOUNT
from app.security.roles import ROLE_CONFIGS
from app.services.errors import requested_row, use_case
from models.accounts import Account
from models.notifications import EVENT_KINDS, REMINDER_KINDS, Notification

__all__ = [
    "DIGEST_MAX_ITEMS",
    "UNREAD_CAP",
    "account_created",
    "account_needed",
    "quality_report_submitted",
    "admin_roles",
    "backup_failed",
    "bulk_finished",
    "change_approved",
    "change_returned",
    "digest_mail",
    "insert_notifications",
    "notify",
    "password_request",
    "password_reset",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "open_notification",
    "send_digests",
    "step_waiting",
    "transfer_received",
    "transfer_waiting",
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


# --------------------------------------------------------------------------- who is told of what (events)

def admin_roles() -> frozenset[str]:
    """The administrator roles: never told of work waiting for them (they hold every permission as the system's
    administrator), neither by the reminders nor by the notices of a step to act on."""
    return frozenset({cfg["name"] for cfg in ROLE_CONFIGS if cfg["admin"]}
                     | {current_app.config.get("AUTH_ROLE_ADMIN", "")})


def _default_locale():
    """Notices are stored in the app's language (Vietnamese), whatever the language of the user who acted."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi")


def _link(endpoint: str, **values) -> str | None:
    """A path inside the app, built without a request (jobs write notices too); None when the view is missing."""
    try:
        return current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    except BuildError:
        return None


def _told(user_ids: set[int], kind: str, object_type: str, object_id: int, *, unread: bool) -> set[int]:
    """Of ``user_ids``, those already told ``kind`` about the object (and not read it yet, with ``unread``)."""
    if not user_ids:
        return set()
    stmt = select(Notification.user_id).where(
        Notification.user_id.in_(sorted(user_ids)), Notification.kind == kind,
        Notification.object_type == object_type, Notification.object_id == object_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return set(db.session.scalars(stmt))


def notify(user_ids: Iterable[int | None], kind: str, object_type: str, object_id: int, title: str,
           body: str | None = None, link: str | None = None, *, due_date: date | None = None,
           once: bool | str = True) -> int:
    """Tell each of ``user_ids`` (None and repeats dropped) of an event, in the caller's transaction.

    ``once=True``: a user already told ``kind`` about this object is not told again (a job that runs twice, or a
    use case retried, writes nothing more); ``once="unread"``: not while that notice is unread (repeated reports
    of the same thing); ``once=False``: every event. Returns how many notifications were written."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    users = {u for u in user_ids if u is not None}
    if once:
        users -= _told(users, kind, object_type, object_id, unread=once == "unread")
    return insert_notifications({"user_id": u, "kind": kind, "object_type": object_type, "object_id": object_id,
                                 "due_date": due_date, "title": title[:300], "body": body, "link": link}
                                for u in sorted(users))


def _name(account: Account | None) -> str:
    if account is None:
        return _("Hệ thống")
    return account.display_name or account.username


def _day(moment: datetime | None) -> str:
    """The Việt Nam date of ``moment`` (today when None), dd/mm/yyyy."""
    day = moment.astimezone(workflow.TZ).date() if moment is not None else workflow.local_today()
    return workdays.format_day(day)


def _preparers(cs, person) -> set[int]:
    """The officers who prepared ``cs`` on the person's behalf (``workflow.prepared_by``)."""
    return {u for u in (cs.created_by_id, cs.submitted_by_id)
            if u is not None and workflow.prepared_by(cs, u, person)}


def step_waiting(cs, step, person, *, previous=None) -> int:
    """A step becomes the one to act on — the first at a submission, the next when a step is done: tell the users
    who may act on it (``workflow.step_actors``: the holders query, never the person nor who prepared the change
    for them; administrator roles left out). ``previous`` is the step just done."""
    if step is None:
        return 0
    users = workflow.step_actors(step, person, except_roles=admin_roles())
    if not users:
        return 0
    with _default_locale():
        name = person.full_name
        if previous is None:
            submitter = db.session.get(Account, cs.submitted_by_id) if cs.submitted_by_id else None
            if workflow.prepared_by(cs, cs.submitted_by_id, person):
                event = _("%(actor)s đã gửi đề nghị số %(id)s thay cho người có hồ sơ ngày %(day)s.",
                          actor=_name(submitter), id=cs.id, day=_day(cs.submitted_at))
            else:
                event = _("%(actor)s đã gửi đề nghị số %(id)s ngày %(day)s.", actor=_name(submitter), id=cs.id,
                          day=_day(cs.submitted_at))
        else:
            event = _("%(actor)s đã hoàn thành bước “%(step)s” ngày %(day)s.", actor=_name(previous.actor),
                      step=workflow.step_label(cs, previous), day=_day(previous.acted_at))
        label = workflow.step_label(cs, step)
        if step.window_start is not None and step.due_date is not None:
            todo = _("Bước “%(step)s” chờ bạn xử lý trong kỳ phê duyệt từ %(start)s, hạn %(due)s.", step=label,
                     start=workdays.format_day(step.window_start), due=workdays.format_day(step.due_date))
        elif step.due_date is not None:
            todo = _("Bước “%(step)s” chờ bạn xử lý, hạn %(due)s.", step=label,
                     due=workdays.format_day(step.due_date))
        else:
            todo = _("Bước “%(step)s” chờ bạn xử lý.", step=label)
        title = _("Đề nghị thay đổi hồ sơ của %(name)s chờ bạn xử lý", name=name)
    return notify(users, "step_waiting", "step", step.id, title, f"{event} {todo}",
                  _link("ChangeSetsView.show", cs_id=cs.id), due_date=step.due_date)


def change_returned(cs, step, person, actor) -> int:
    """A change set is returned: tell the person, and the officer who prepared it on their behalf."""
    with _default_locale():
        event = _("%(actor)s trả lại đề nghị số %(id)s ở bước “%(step)s” ngày %(day)s. Lý do: %(reason)s",
                  actor=_name(actor), id=cs.id, step=workflow.step_label(cs, step), day=_day(step.acted_at),
                  reason=step.comment or "")
        todo = _("Hãy sửa bản khai theo lý do trên rồi gửi lại.")
        own = _("Đề nghị thay đổi hồ sơ của bạn bị trả lại")
        theirs = _("Đề nghị thay đổi hồ sơ của %(name)s bị trả lại", name=person.full_name)
    body = f"{event}\n{todo}"
    n = notify([person.account_id], "change_returned", "step", step.id, own, body, _link("MyFileView.show"))
    return n + notify(_preparers(cs, person) - {person.account_id}, "change_returned", "step", step.id, theirs,
                      body, _link("PeopleView.show", pk=person.id))


def change_approved(cs, person, actor, version) -> int:
    """A change set is approved (its final step): tell the person, and the officer who prepared it for them."""
    with _default_locale():
        own = _("Đề nghị thay đổi hồ sơ của bạn đã được phê duyệt")
        theirs = _("Đề nghị thay đổi hồ sơ của %(name)s đã được phê duyệt", name=person.full_name)
        body = _("%(actor)s phê duyệt đề nghị số %(id)s ngày %(day)s; hồ sơ được cập nhật thành phiên bản %(no)s.",
                 actor=_name(actor), id=cs.id, day=_day(cs.decided_at), no=version.version_no)
    n = notify([person.account_id], "change_approved", "change_set", cs.id, own, body, _link("MyFileView.show"))
    return n + notify(_preparers(cs, person) - {person.account_id}, "change_approved", "change_set", cs.id, theirs,
                      body, _link("PeopleView.show", pk=person.id))


def bulk_finished(row, outcomes: dict[str, int], *, failed: bool = False) -> int:
    """A bulk decision ended (finished, or stopped by a failure): tell the user who asked for it, with the count
    of each outcome."""
    with _default_locale():
        if failed:
            title = _("Lần xử lý hàng loạt số %(id)s bị dừng", id=row.id)
        else:
            title = _("Đã xử lý xong %(n)s đề nghị (xử lý hàng loạt số %(id)s)", n=sum(outcomes.values()), id=row.id)
        body = _("Kết quả: %(approved)s đã phê duyệt, %(forwarded)s đã xác thực và chuyển bước sau, %(returned)s đã "
                 "trả lại, %(refused)s không xử lý được.", approved=outcomes.get("approved", 0),
                 forwarded=outcomes.get("forwarded", 0), returned=outcomes.get("returned", 0),
                 refused=outcomes.get("refused", 0))
        if failed and row.error:
            body = f"{body}\n{row.error}"
    return notify([row.requested_by_id], "bulk_finished", "bulk", row.id, title, body,
                  _link("ChangeSetsView.index", bulk=row.id))


def transfer_waiting(transfer, user_ids) -> int:
    """A move waits for the next actor (the competent authority to move it, the gaining agency to receive it)."""
    person = transfer.person
    with _default_locale():
        if transfer.status == "recorded":
            title = _("Quyết định điều động %(name)s chờ chuyển hồ sơ", name=person.full_name)
        else:
            title = _("Hồ sơ %(name)s chờ đơn vị tiếp nhận", name=person.full_name)
        body = _("Quyết định số %(number)s ngày %(day)s: từ %(origin)s đến %(destination)s.",
                 number=transfer.decision_number, day=transfer.decision_date.strftime("%d/%m/%Y"),
                 origin=transfer.from_unit.name if transfer.from_unit else "",
                 destination=transfer.to_unit.name if transfer.to_unit else (transfer.external_place or ""))
    return notify(user_ids, "transfer_waiting", "transfer", transfer.id, title, body,
                  _link("TransfersView.show", transfer_id=transfer.id), due_date=transfer.due_date, once=False)


def account_needed(transfer, person, user_ids) -> int:
    """Someone arrived in a unit whose account administrators must open (or reopen) their personal account."""
    with _default_locale():
        title = _("Cần cấp tài khoản cá nhân cho %(name)s", name=person.full_name)
        body = _("%(name)s được tiếp nhận vào %(unit)s theo quyết định số %(number)s; hãy cấp hoặc mở lại tài khoản "
                 "cá nhân.", name=person.full_name, unit=transfer.to_unit.name, number=transfer.decision_number)
    return notify(user_ids, "account_needed", "transfer", transfer.id, title, body,
                  _link("TransfersView.show", transfer_id=transfer.id), due_date=transfer.due_date)


def quality_report_submitted(report, unit, actor) -> int:
    """A unit's quarterly data-quality report was signed and sent (HN-21.6): Sở Nội vụ's officers are told."""
    from app.security.roles import ROLE_SNV_OFFICER

    grants = scope.grants_of(scope.today(), roles=(ROLE_SNV_OFFICER,))
    if grants is None:
        return 0
    found = scope.holders(grants, [unit.id], with_delegator=False).subquery()
    users = set(db.session.scalars(select(found.c.user_id)))
    with _default_locale():
        title = _("%(unit)s đã gửi báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s", unit=unit.name,
                  q=report.quarter, y=report.year)
        body = _("%(actor)s ký số ngày %(day)s.", actor=_name(actor), day=_day(None))
    return notify(users, "quality_report", "quality_report", report.id, title, body,
                  _link("QualityView.unit", pk=unit.id))


def backup_failed(backup, title: str) -> int:
    """A backup or its verification failed (issue 20; HN-11, HCM-10): Sở Nội vụ's administrators are told (the
    administrators of the city keep the backups) — not again while the previous alert about it is unread."""
    from app.security.roles import ROLE_ADMIN

    grants = scope.grants_of(scope.today(), roles=(ROLE_ADMIN,))
    if grants is None:
        return 0
    places = grants.subquery()
    users = set(db.session.scalars(select(places.c.user_id).distinct()))
    with _default_locale():
        body = _("Ngày %(day)s. Hãy xem nhật ký sao lưu và nhật ký của hệ thống, khắc phục rồi sao lưu lại.",
                 day=_day(None))
    return notify(users, "backup_failed", "backup", getattr(backup, "id", None) or 0, title, body,
                  _link("BackupsView.index"), once="unread")


def transfer_received(transfer, person) -> int:
    """The person's file was received in the new unit: tell them to log in and check it (HN-12.1, HCM-8.2)."""
    with _default_locale():
        title = _("Hồ sơ của bạn đã được tiếp nhận tại %(unit)s", unit=transfer.to_unit.name)
        body = _("Theo quyết định số %(number)s, hồ sơ và tài khoản của bạn đã chuyển đến %(unit)s. Hãy đăng nhập, "
                 "kiểm tra và cập nhật hồ sơ của mình.", number=transfer.decision_number, unit=transfer.to_unit.name)
    return notify([person.account_id], "transfer_received", "transfer", transfer.id, title, body,
                  _link("MyFileView.index"))


def account_created(account: Account, actor) -> int:
    """An account is created: tell its holder (the bell at the first login; an e-mail where it has an address)."""
    with _default_locale():
        title = _("Tài khoản %(username)s đã được tạo cho bạn", username=account.username)
        unit = account.org_unit.name if account.org_unit is not None else ""
        body = _("%(actor)s tạo tài khoản %(username)s (%(unit)s) ngày %(day)s. Mật khẩu mặc định được cơ quan "
                 "trao trực tiếp cho bạn; hãy đổi mật khẩu ở lần đăng nhập đầu tiên.", actor=_name(actor),
                 username=account.username, unit=unit, day=_day(None))
    return notify([account.id], "account_created", "account", account.id, title, body, "/")


def password_reset(account: Account, actor) -> int:
    """An account's password is reset: tell its holder (every reset, not once)."""
    with _default_locale():
        title = _("Mật khẩu tài khoản %(username)s đã được đặt lại", username=account.username)
        body = _("%(actor)s đặt lại mật khẩu ngày %(day)s; các phiên đăng nhập cũ đã kết thúc. Hãy đổi mật khẩu "
                 "mặc định khi đăng nhập. Nếu bạn không đề nghị việc này, hãy báo ngay cho quản trị cơ quan.",
                 actor=_name(actor), day=_day(None))
    return notify([account.id], "password_reset", "account", account.id, title, body, "/", once=False)


def password_request(account: Account | None) -> int:
    """A lost password is reported for ``account``: tell the account managers of its unit (the holders of write
    on accounts there and the valid delegates of account management; administrator roles left out) — not again
    while they have not read the previous report of that account."""
    if account is None or account.org_unit_id is None:
        return 0
    today = workflow.local_today()
    permission = (ACTION_WRITE, RESOURCE_ACCOUNT)
    grants = scope.grants_of(today, permission=permission, delegation_actions=scope.delegated_actions(permission),
                             except_roles=admin_roles())
    if grants is None:
        return 0
    found = scope.holders(grants, [account.org_unit_id], with_delegator=False).subquery("holders")
    managers = set(db.session.scalars(select(found.c.user_id))) - {account.id}
    with _default_locale():
        title = _("Tài khoản %(username)s báo mất mật khẩu", username=account.username)
        body = _("%(name)s (tài khoản %(username)s) báo mất hoặc lộ mật khẩu ngày %(day)s. Hãy cấp lại mật khẩu khi "
                 "nhận được văn bản báo mất.", name=_name(account), username=account.username, day=_day(None))
    return notify(managers, "password_request", "account", account.id, title, body,
                  _link("PasswordRequestsView.index"), once="unread")


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


def digest_mail(account: Account, items: list[dict], *, notices: bool = False) -> Mail:
    """The digest for ``account``: subject and plain-text body in Vietnamese, one entry per notification
    (reminders, or with ``notices`` the notices of events)."""
    name = account.display_name or account.username
    if notices:
        subject = ngettext("[CSDL CBCCVC] Bạn có %(num)s thông báo mới", "[CSDL CBCCVC] Bạn có %(num)s thông báo mới",
                           len(items))
        intro = _("Hệ thống Cơ sở dữ liệu cán bộ, công chức, viên chức gửi bạn các thông báo sau:")
    else:
        subject = ngettext("[CSDL CBCCVC] Bạn có %(num)s nhắc việc mới",
                           "[CSDL CBCCVC] Bạn có %(num)s nhắc việc mới", len(items))
        intro = _("Hệ thống Cơ sở dữ liệu cán bộ, công chức, viên chức nhắc các việc sau:")
    lines = [_("Kính gửi %(name)s,", name=name), "", intro, ""]
    for item in items[:DIGEST_MAX_ITEMS]:
        lines.append("• " + item["title"])
        if item.get("body"):
            lines.append("  " + item["body"])
        url = _absolute(item.get("link"))
        if url:
            lines.append("  " + url)
        lines.append("")
    if len(items) > DIGEST_MAX_ITEMS:
        more = len(items) - DIGEST_MAX_ITEMS
        lines += [_("… và %(n)s thông báo khác.", n=more) if notices else _("… và %(n)s nhắc việc khác.", n=more), ""]
    lines += [_("Xem tất cả thông báo: %(url)s", url=_absolute("/notifications/")), "",
              _("Thư này do hệ thống gửi tự động, xin đừng trả lời.")]
    return Mail(account.email, subject, "\n".join(lines))


def _recipients():
    """Accounts that get e-mail: active, with a usable address."""
    return select(Account.id).where(Account.active.is_(True), Account.email.like("%@%"),
                                    ~func.lower(Account.email).like("%.invalid"))


def send_digests(now: datetime | None = None, *, notices: bool = False) -> dict[str, int]:
    """E-mail each user one digest of their notifications not e-mailed yet (of the last ``MAIL_RETRY_DAYS``): the
    reminders (the daily job), or with ``notices`` the notices of events (``jobs.notices``, every few minutes).

    Call it after the commit that wrote the notifications. Returns counts: ``sent`` (digests), ``failed``
    (digests given back for the next run), ``skipped`` (1 when no mail server is configured).
    """
    if not mail_configured():
        (log.debug if notices else log.info)("no MAIL_SERVER configured, e-mail digests skipped")
        return {"sent": 0, "failed": 0, "skipped": 1}
    now = now or datetime.now(UTC)
    since = now - timedelta(days=int(current_app.config.get("MAIL_RETRY_DAYS", 7)))
    kinds = sorted(EVENT_KINDS if notices else REMINDER_KINDS)
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= since, Notification.kind.in_(kinds),
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
                mailer.send(digest_mail(account, items, notices=notices))
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
