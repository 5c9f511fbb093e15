"""Thông báo: the bell in the navbar (unread count), the list of one's notifications, mark read.

The bell costs one indexed statement per page, made once and kept in ``g`` (:func:`bell_count`, a template
global). Everyone with an account holds the ``Notification`` permissions (``roles.py``); each user only ever
sees and changes their own notifications (someone else's id is a 404).
"""

from flask import abort, current_app, g, has_request_context, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField

from app.request_input import int_arg
from app.security.permissions import READ, RESOURCE_NOTIFICATION, WRITE
from app.services import notifications as svc
from app.services.errors import NotFoundError
from views.forms import VNForm
from views.kit import Column, ListView, Page, day, moment, page_of, post_action, post_button, small

__all__ = ["PAGE_SIZE", "MarkForm", "NotificationsView", "bell_count", "register"]

PAGE_SIZE = 25


class MarkForm(VNForm):
    """A mark-read button: only the CSRF token."""


class UnreadFilterForm(VNForm):
    """All notifications or the unread ones only (``?unread=1``)."""

    unread = SelectField(_l("Tình trạng"), choices=[("", _l("Tất cả")), ("1", _l("Chưa đọc"))],
                         validate_choice=False)


def bell_count() -> int | None:
    """Unread notifications of the signed-in user (capped at ``UNREAD_CAP``), once per request; None when
    nobody is signed in."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # Keyed by the request: an app context (and its ``g``) may outlive one request (tests, CLI).
    current = request._get_current_object() if has_request_context() else None
    cached = g.get("_bell_count")
    if cached is None or cached[0] is not current:
        cached = g._bell_count = (current, svc.unread_count(user.id))
    return cached[1]


def _safe_link(link: str | None) -> str:
    """A notification's link, only inside the app (a path), else the list."""
    if link and link.startswith("/") and not link.startswith("//"):
        return link
    return url_for("NotificationsView.index")


def _title_cell(n) -> Markup:
    title = n.title if n.read_at else Markup("<strong>%s</strong>") % n.title
    return Markup('<a href="%s" class="notification-link">%s</a>%s') % (
        url_for("NotificationsView.open", nid=n.id), title, small(n.body))


def _mark_cell(n):
    if n.read_at:
        return ""
    return post_button(url_for("NotificationsView.mark_read", nid=n.id, page=int_arg("page", 1)), _("Đã đọc"),
                       css="btn btn-link btn-xs", icon="fa-check", title=_("Đánh dấu đã đọc"),
                       form_class="mark-read-form")


class NotificationsView(ListView):
    """The signed-in user's notifications, newest first."""

    route_base = "/notifications"
    class_permission_name = RESOURCE_NOTIFICATION
    method_permission_name = {"index": READ, "open": READ, "mark_read": WRITE, "mark_all_read": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Thông báo")
    table_id = "notification-list"
    row_class = "notification-row"
    table_class = "table table-condensed table-hover"
    empty_message = _l("Không có thông báo nào.")
    filter_form = UnreadFilterForm
    filter_fields = ("unread",)
    columns = [
        Column(_l("Thời điểm"), lambda n: moment(n.created_at), "text-nowrap"),
        Column(_l("Loại"), lambda n: n.kind_label, "text-nowrap"),
        Column(_l("Nội dung"), _title_cell),
        Column(_l("Hạn"), lambda n: day(n.due_date), "text-nowrap"),
        Column("", _mark_cell, "text-nowrap"),
    ]

    def list_page(self, filters) -> Page:
        """A page of the user's notifications (no count)."""
        number = int_arg("page", 1)
        rows, more = svc.list_notifications(g.user, (number - 1) * PAGE_SIZE, PAGE_SIZE,
                                            unread_only=filters.unread.data == "1")
        return page_of(rows, more, number, size=PAGE_SIZE)

    def row_attrs(self, n) -> dict:
        return {"class": self.row_class + ("" if n.read_at else " info unread"), "data-id": n.id, "data-kind": n.kind}

    def list_buttons(self) -> list[Markup]:
        return [post_button(url_for("NotificationsView.mark_all_read"), _("Đánh dấu tất cả là đã đọc"),
                            css="btn btn-default btn-sm", icon="fa-check", form_class="mark-all-form")]

    @expose("/")
    @has_access
    def index(self):
        """``?page=N`` (from 1), ``?unread=1`` for the unread ones only."""
        return self.render_list()

    @expose("/<int:nid>/open")
    @has_access
    def open(self, nid):
        """Mark the notification read and go to what it is about (the inbox, the file …)."""
        try:
            link = svc.open_notification(g.user, nid)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        return redirect(_safe_link(link))

    @expose("/<int:nid>/read", methods=["POST"])
    @has_access
    def mark_read(self, nid):
        """Mark one notification read."""
        return post_action(MarkForm(), lambda: svc.mark_read(g.user, nid), done=None,
                           back=url_for("NotificationsView.index", page=int_arg("page", 1)))

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        """Mark every notification read."""
        return post_action(MarkForm(), lambda: svc.mark_all_read(g.user),
                           done=lambda n: _("Đã đánh dấu %(n)s thông báo là đã đọc.", n=n),
                           back=url_for("NotificationsView.index"))


def register(appbuilder) -> None:
    """No menu entry: the bell in the navbar links to the list. The count is a template global."""
    appbuilder.add_view_no_menu(NotificationsView)
    current_app.jinja_env.globals["bell_count"] = bell_count

