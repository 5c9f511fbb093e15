"""Home page: the tree for those who read the org tree, the own file for staff who have one, the account page
for the others, the login page for anonymous users."""

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.security.permissions import ACTION_READ, RESOURCE_MY_FILE, RESOURCE_ORG_UNIT
from views.personnel.my_file import own_person_id

__all__ = ["HomeView"]


class HomeView(IndexView):
    """Index: the org tree, "Hồ sơ của tôi" for self-service accounts, the login page for anonymous users."""

    @expose("/")
    def index(self):
        """Redirect to where work starts."""
        if g.user is not None and g.user.is_authenticated:
            sm = self.appbuilder.sm
            if sm.has_access(ACTION_READ, RESOURCE_ORG_UNIT):
                return redirect(url_for("OrgTreeView.tree"))
            if sm.has_access(ACTION_READ, RESOURCE_MY_FILE) and own_person_id() is not None:
                return redirect(url_for("MyFileView.show"))
            return redirect(url_for("MyAccountView.password"))
        return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
