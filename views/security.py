"""The signed-in user's own account (password change, forced at first login: HN-6.2) and the public
lost-password form (HCM-15.4)."""

from flask_appbuilder import BaseView, expose, has_access

from app.security.permissions import READ, RESOURCE_MY_ACCOUNT, WRITE

__all__ = ["LostPasswordView", "MyAccountView", "register"]


class MyAccountView(BaseView):
    """Change one's own password."""

    route_base = "/my"
    default_view = "password"
    class_permission_name = RESOURCE_MY_ACCOUNT
    method_permission_name = {"password": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/password", methods=["GET", "POST"])
    @has_access
    def password(self):
        """Password change form."""
        return self.render_template("security/password.html")


class LostPasswordView(BaseView):
    """Anyone may report a lost or stolen password; an agency administrator resolves it."""

    route_base = "/lost-password"
    default_view = "form"

    @expose("/", methods=["GET", "POST"])
    def form(self):
        """Public form."""
        return self.render_template("security/lost_password.html")


def register(appbuilder) -> None:
    """No menu entries: the password page is linked from the user menu and forced at first login."""
    appbuilder.add_view_no_menu(MyAccountView)
    appbuilder.add_view_no_menu(LostPasswordView)
