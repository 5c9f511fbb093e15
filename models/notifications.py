"""Notifications aggregate: what the app tells a user in the bell and, once a day, by e-mail.

Reminders (``jobs/reminders.py``) write one :class:`Notification` per (user, kind, object, due date): the
unique constraint :data:`UQ_NOTIFICATION_KEY` makes a second run of the job insert nothing (``INSERT … ON
CONFLICT DO NOTHING``), so nobody is reminded twice of the same deadline. ``emailed_at`` is set when the
notification went out in an e-mail digest; it stays NULL while no mail server is configured or the sending
failed, and the next run retries. ``read_at`` is set when the user opens or dismisses it.

Events (a submission, a return, an approval, a bulk decision's end, an account created or reset) write their
notices in the transaction of the event (``app.services.notifications``); a notice about an object is written
once per user (a re-run of a job adds nothing), and rows without a due date are never merged by the unique key
(SQL treats NULLs as distinct).
"""

from datetime import date, datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import utcnow

__all__ = ["EVENT_KINDS", "NOTIFICATION_KINDS", "REMINDER_KINDS", "Notification", "UQ_NOTIFICATION_KEY"]

#: Reminders of deadlines (HCM-7.1, HCM-7.2, HCM-7.2b/c, HN-7): written by the daily job ``jobs/reminders.py``.
REMINDER_KINDS = {
    "account_missing": _l("Chưa cấp tài khoản"),
    "first_entry_missing": _l("Chưa khai hồ sơ lần đầu"),
    "approval_due": _l("Sắp đến hạn xử lý"),
    "approval_overdue": _l("Quá hạn xử lý"),
    "window_open": _l("Kỳ phê duyệt hằng tháng"),
    "quality_report_due": _l("Báo cáo chất lượng dữ liệu sắp đến hạn"),
    "quality_report_overdue": _l("Báo cáo chất lượng dữ liệu quá hạn"),
    "update_due": _l("Sắp đến hạn cập nhật hồ sơ"),
    "update_overdue": _l("Quá hạn cập nhật hồ sơ"),
    "transfer_due": _l("Điều động sắp đến hạn"),
    "transfer_overdue": _l("Điều động quá hạn"),
    "sync_overdue": _l("Đồng bộ CSDL quốc gia quá hạn"),
}
#: Notices of events, written by the use case of the event in its own transaction
#: (``app.services.notifications``: who is told of what).
EVENT_KINDS = {
    "step_waiting": _l("Đề nghị chờ xử lý"),
    "change_returned": _l("Đề nghị bị trả lại"),
    "change_approved": _l("Đề nghị đã được duyệt"),
    "bulk_finished": _l("Xử lý hàng loạt"),
    "account_created": _l("Tài khoản mới"),
    "password_reset": _l("Đặt lại mật khẩu"),
    "password_request": _l("Báo mất mật khẩu"),
    "transfer_waiting": _l("Điều động chờ xử lý"),
    "transfer_received": _l("Hồ sơ đã được tiếp nhận"),
    "account_needed": _l("Cần cấp tài khoản"),
    "quality_report": _l("Báo cáo chất lượng dữ liệu"),
    "data_issue": _l("Dữ liệu cần xác minh"),
    "data_issue_closed": _l("Phản ánh dữ liệu đã được xử lý"),
    "backup_failed": _l("Sao lưu dữ liệu không thành công"),
    "sync_batch": _l("Đồng bộ CSDL quốc gia"),
}
#: Every kind of notification and its label.
NOTIFICATION_KINDS = {**REMINDER_KINDS, **EVENT_KINDS}

UQ_NOTIFICATION_KEY = "uq_notification_key"


class Notification(Model):
    """One message to one user: a reminder of a deadline (or a notice), with a link to act on it."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "object_type", "object_id", "due_date", name=UQ_NOTIFICATION_KEY),
        # The bell: unread rows of one user (partial index, so it stays small once people read their mail).
        Index("ix_notification_user_unread", "user_id", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
        # The list page: one user's notifications, newest first.
        Index("ix_notification_user_created", "user_id", "created_at"),
        # The e-mail digest: rows not e-mailed yet.
        Index("ix_notification_unmailed", "created_at", postgresql_where=text("emailed_at IS NULL"),
              sqlite_where=text("emailed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_notification_user_id", ondelete="CASCADE"), nullable=False)
    #: A key of :data:`NOTIFICATION_KINDS`.
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    #: Path inside the app (``/people/changes/12``); e-mails prefix it with ``APP_BASE_URL``.
    link: Mapped[str | None] = mapped_column(String(500))
    #: What the notification is about: ``person``, ``step`` (an approval step), ``window`` (YYYYMM) …
    object_type: Mapped[str] = mapped_column(String(20), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The deadline reminded of.
    due_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("Account", foreign_keys=[user_id])

    @property
    def kind_label(self) -> str:
        """The kind, in words."""
        return str(NOTIFICATION_KINDS.get(self.kind, self.kind))
