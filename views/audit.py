"""Audit screens: the change log and the access/security log, scoped to the user's subtree."""

from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.security.permissions import MENU_ACCESS_LOG, MENU_AUDIT, MENU_CHANGE_LOG, READ, RESOURCE_AUDIT

__all__ = ["AccessLogView", "ChangeLogView", "register"]


class ChangeLogView(BaseView):
    """Every insert/update/delete of audited objects."""

    route_base = "/audit/changes"
    default_view = "index"
    class_permission_name = RESOURCE_AUDIT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]

    @expose("/")
    @has_access
    def index(self):
        """Change log."""
        return self.render_template("audit/changes.html")


class AccessLogView(BaseView):
    """Reads, exports, downloads and security events."""

    route_base = "/audit/access"
    default_view = "index"
    class_permission_name = RESOURCE_AUDIT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]

    @expose("/")
    @has_access
    def index(self):
        """Access log."""
        return self.render_template("audit/access.html")


def register(appbuilder) -> None:
    """Menus under "Nhật ký"."""
    appbuilder.add_view(ChangeLogView, MENU_CHANGE_LOG, label=_l("Nhật ký thay đổi"), icon="fa-history",
                        category=MENU_AUDIT, category_label=_l("Nhật ký"), category_icon="fa-book")
    appbuilder.add_view(AccessLogView, MENU_ACCESS_LOG, label=_l("Nhật ký truy cập và bảo mật"), icon="fa-shield",
                        category=MENU_AUDIT)
