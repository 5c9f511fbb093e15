"""Thông báo: the bell in the navbar (unread count), the list of one's notifications, mark read.

The bell costs one indexed statement per page, made once and kept in ``g`` (:func:`bell_count`, a template
global). Everyone with an account holds the ``Notification`` permissions (``roles.py``); each user only ever
sees and changes their own notifications (someone else's id is a 404).
"""

from flask import abort, current_app, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.request_input import int_arg
from app.security.permissions import READ, RESOURCE_NOTIFICATION, WRITE
from app.services import notifications as svc
from app.services.errors import NotFoundError
from views.forms import VNForm, field_errors

__all__ = ["PAGE_SIZE", "MarkForm", "NotificationsView", "bell_count", "register"]

PAGE_SIZE = 25


class MarkForm(VNForm):
    """A mark-read button: only the CSRF token."""


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


class NotificationsView(BaseView):
    """The signed-in user's notifications, newest first."""

    route_base = "/notifications"
    default_view = "index"
    class_permission_name = RESOURCE_NOTIFICATION
    method_permission_name = {"index": READ, "open": READ, "mark_read": WRITE, "mark_all_read": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """``?page=N`` (from 1), ``?unread=1`` for the unread ones only."""
        page = int_arg("page", 1)
        unread_only = request.args.get("unread") == "1"
        rows, more = svc.list_notifications(g.user, (page - 1) * PAGE_SIZE, PAGE_SIZE, unread_only=unread_only)
        args = {"unread": "1"} if unread_only else {}
        return self.render_template(
            "notifications/list.html", title=_("Thông báo"), rows=rows, page=page, unread_only=unread_only,
            prev_url=url_for("NotificationsView.index", page=page - 1, **args) if page > 1 else None,
            next_url=url_for("NotificationsView.index", page=page + 1, **args) if more else None,
            form=MarkForm(formdata=None),
        )

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
        form = MarkForm()
        if field_errors(form):
            abort(400, description=_("Phiên làm việc đã hết hạn, hãy thử lại."))
        try:
            svc.mark_read(g.user, nid)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        return redirect(url_for("NotificationsView.index", page=int_arg("page", 1)))

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        """Mark every notification read."""
        form = MarkForm()
        if field_errors(form):
            abort(400, description=_("Phiên làm việc đã hết hạn, hãy thử lại."))
        n = svc.mark_all_read(g.user)
        flash(_("Đã đánh dấu %(n)s thông báo là đã đọc.", n=n), "success")
        return redirect(url_for("NotificationsView.index"))


def register(appbuilder) -> None:
    """No menu entry: the bell in the navbar links to the list. The count is a template global."""
    appbuilder.add_view_no_menu(NotificationsView)
    current_app.jinja_env.globals["bell_count"] = bell_count

