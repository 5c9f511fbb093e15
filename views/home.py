"""Home page: each role lands on its work (issue 15 item 5, issue 17 item 5) — the org tree for those who change it
(Sở Nội vụ's administrators), the people list for personnel officers, the dashboard for readers of reports (report
viewers, heads, Sở Nội vụ's officers and director), the inbox for other approvers, the compliance page for its
other readers, the own file for staff who have one, the org tree for other readers of it, the account page for
the others, the login page for anonymous users."""

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    RESOURCE_COMPLIANCE,
    RESOURCE_MY_FILE,
    RESOURCE_ORG_UNIT,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
)
from views.personnel.my_file import own_person_id

__all__ = ["HomeView", "LANDINGS"]

#: (permission, resource, endpoint), first match wins; the own file is checked after these.
LANDINGS = (
    (ACTION_WRITE, RESOURCE_ORG_UNIT, "OrgTreeView.tree"),
    (ACTION_WRITE, RESOURCE_PERSONNEL, "PeopleView.index"),
    (ACTION_READ, RESOURCE_REPORT, "DashboardView.index"),
    (ACTION_APPROVE, RESOURCE_PERSONNEL, "ChangeSetsView.index"),
    (ACTION_READ, RESOURCE_COMPLIANCE, "ComplianceView.index"),
)


class HomeView(IndexView):
    """Index: where the signed-in user's work starts; the login page for anonymous users."""

    @expose("/")
    def index(self):
        """Redirect to where work starts."""
        if g.user is None or not g.user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        sm = self.appbuilder.sm
        for permission, resource, endpoint in LANDINGS:
            if sm.has_access(permission, resource):
                return redirect(url_for(endpoint))
        if sm.has_access(ACTION_READ, RESOURCE_MY_FILE) and own_person_id() is not None:
            return redirect(url_for("MyFileView.show"))
        if sm.has_access(ACTION_READ, RESOURCE_ORG_UNIT):
            return redirect(url_for("OrgTreeView.tree"))
        return redirect(url_for("MyAccountView.password"))
