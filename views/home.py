"""Home page: the tree for signed-in users, the login page otherwise."""

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

__all__ = ["HomeView"]


class HomeView(IndexView):
    """Index: sends a signed-in user to the org tree and an anonymous one to the login page."""

    @expose("/")
    def index(self):
        """Redirect to where work starts."""
        if g.user is not None and g.user.is_authenticated:
            if self.appbuilder.sm.has_access("can_read", "OrgUnit"):
                return redirect(url_for("OrgTreeView.tree"))
            # Self-service accounts: their own account page until the personnel file ("Hồ sơ của tôi") exists.
            return redirect(url_for("MyAccountView.password"))
        return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
