"""Flask-AppBuilder's own security views, hardened (issue 13); the security manager registers these.

The classes keep FAB's names, so their endpoints and permission names (``can_add`` on ``UserDBModelView`` …)
are unchanged.

- Every model view changes data by POST only (:class:`views.base.PostOnlyChangesMixin`) and serves no
  ``download/<filename>`` (they hold no files).
- ``/resetmypassword/form`` (FAB's "reset my password", which needs no current password) is held by the
  technical administrator only (``roles.py``) and even then sends to "Đổi mật khẩu" (``MyAccountView.password``,
  which asks for the current password): there is one way to change one's own password.
- FAB's user add/edit/delete screens bypass the account rules of ``app.services.accounts``; only the technical
  administrator (``AUTH_ROLE_ADMIN``, which holds every permission) keeps them, as a repair tool.
"""

from flask import abort, g, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import AuthDBView as _AuthDBView
from flask_appbuilder.security.views import PermissionModelView as _PermissionModelView
from flask_appbuilder.security.views import PermissionViewModelView as _PermissionViewModelView
from flask_appbuilder.security.views import ResetMyPasswordView as _ResetMyPasswordView
from flask_appbuilder.security.views import RoleModelView as _RoleModelView
from flask_appbuilder.security.views import UserDBModelView as _UserDBModelView
from flask_appbuilder.security.views import UserGroupModelView as _UserGroupModelView
from flask_appbuilder.security.views import ViewMenuModelView as _ViewMenuModelView
from flask_login import current_user

from views.base import PostOnlyChangesMixin as _PostOnly

__all__ = ["AuthDBView", "PermissionModelView", "PermissionViewModelView", "ResetMyPasswordView", "RoleModelView",
           "UserDBModelView", "UserGroupModelView", "ViewMenuModelView"]


class PostOnlyChangesMixin(_PostOnly):
    """POST-only changes, and no ``download/<filename>``: these models hold no files, and FAB's download would
    serve any file of ``UPLOAD_FOLDER`` by name (or fail with a 500 on a name without ``_sep_``)."""

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """Nothing to download here."""
        abort(404)


class UserDBModelView(PostOnlyChangesMixin, _UserDBModelView):
    """FAB's user screens (technical administrator only), POST-only changes."""


class RoleModelView(PostOnlyChangesMixin, _RoleModelView):
    """FAB's role screens, POST-only changes."""


class UserGroupModelView(PostOnlyChangesMixin, _UserGroupModelView):
    """FAB's group screens, POST-only changes."""


class PermissionModelView(PostOnlyChangesMixin, _PermissionModelView):
    """FAB's permission list, POST-only changes."""


class ViewMenuModelView(PostOnlyChangesMixin, _ViewMenuModelView):
    """FAB's view-menu list, POST-only changes."""


class PermissionViewModelView(PostOnlyChangesMixin, _PermissionViewModelView):
    """FAB's permission-on-view list, POST-only changes."""


class ResetMyPasswordView(_ResetMyPasswordView):
    """FAB's "reset my password" without the current one: routed to our "Đổi mật khẩu" form."""

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        """Send to ``MyAccountView.password``."""
        return redirect(url_for("MyAccountView.password"))

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        """Change nothing; send to ``MyAccountView.password``."""
        return redirect(url_for("MyAccountView.password"), code=303)


class AuthDBView(_AuthDBView):
    """FAB's login view; logging out is a POST (it ends every session of the account: a state change).

    A GET of ``/logout/`` (an old bookmark, a typed address) changes nothing: it shows a page whose button
    posts the logout with its CSRF token.
    """

    login_template = "security/login.html"

    @property
    def invalid_login_message(self) -> str:
        """What FAB's login flashes on a refusal: why, when the security manager said it (a locked account),
        else FAB's "invalid login" (taken from ``g``: read once, by the one flash of the refusal)."""
        return g.pop("login_refusal", None) or _AuthDBView.invalid_login_message

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """End the session (and, through the session epoch, every other session of the account)."""
        return super().logout()

    @expose("/logout/", methods=["GET"])
    def logout_confirm(self):
        """Ask before logging out; anonymous visitors go to the login page."""
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("security/logout.html")
