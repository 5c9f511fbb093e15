"""Account screens (HN-3.8, HN-9, HCM-11.2, HCM-15.4): accounts in scope, create, bulk-create, grant/restrict/
extend/revoke, rename, reset password, lock/unlock; lost-password requests; Sở Nội vụ's quick role tweaks.

Views parse, call one ``app.services.accounts`` function, flash a translated message and redirect.
"""

from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.security.permissions import (
    MENU_ACCOUNTS,
    MENU_PASSWORD_REQUESTS,
    MENU_QUICK_ROLES,
    MENU_SYSTEM,
    READ,
    RESOURCE_ACCOUNT,
    RESOURCE_ROLE_ADMIN,
    WRITE,
)

__all__ = ["AccountsView", "PasswordRequestsView", "QuickRolesView", "register"]


class AccountsView(BaseView):
    """Accounts of the units in the user's scope."""

    route_base = "/accounts"
    default_view = "index"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Account list (scoped)."""
        return self.render_template("accounts/index.html")


class PasswordRequestsView(BaseView):
    """Lost-password requests of the accounts in scope (HCM-15.4)."""

    route_base = "/password-requests"
    default_view = "index"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {"index": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Open requests."""
        return self.render_template("accounts/password_requests.html")


class QuickRolesView(BaseView):
    """Sở Nội vụ: find a user by name or unit and change role assignments in a few clicks."""

    route_base = "/quick-roles"
    default_view = "index"
    class_permission_name = RESOURCE_ROLE_ADMIN
    method_permission_name = {"index": WRITE}
    base_permissions = ["can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Search and tweak."""
        return self.render_template("accounts/quick_roles.html")


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(AccountsView, MENU_ACCOUNTS, label=_l("Tài khoản"), icon="fa-users",
                        category=MENU_SYSTEM, category_label=_l("Tài khoản và phân quyền"), category_icon="fa-key")
    appbuilder.add_view(PasswordRequestsView, MENU_PASSWORD_REQUESTS, label=_l("Yêu cầu cấp lại mật khẩu"),
                        icon="fa-unlock", category=MENU_SYSTEM)
    appbuilder.add_view(QuickRolesView, MENU_QUICK_ROLES, label=_l("Điều chỉnh nhanh vai trò"), icon="fa-bolt",
                        category=MENU_SYSTEM)
