"""Consent grants (HN-8.3, HCM-4.7) and delegations (ủy quyền, HN-6.4)."""

from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.security.permissions import (
    MENU_CONSENTS,
    MENU_DELEGATIONS,
    MENU_SYSTEM,
    READ,
    RESOURCE_CONSENT,
    RESOURCE_DELEGATION,
    WRITE,
)

__all__ = ["ConsentView", "DelegationView", "register"]


class ConsentView(BaseView):
    """Written consents letting a named user read a person's or a unit's files for a period."""

    route_base = "/consents"
    default_view = "index"
    class_permission_name = RESOURCE_CONSENT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Consents in scope."""
        return self.render_template("access/consents.html")


class DelegationView(BaseView):
    """Delegations of approval or account management."""

    route_base = "/delegations"
    default_view = "index"
    class_permission_name = RESOURCE_DELEGATION
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Delegations in scope."""
        return self.render_template("access/delegations.html")


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(ConsentView, MENU_CONSENTS, label=_l("Văn bản cho phép khai thác"), icon="fa-handshake-o",
                        category=MENU_SYSTEM)
    appbuilder.add_view(DelegationView, MENU_DELEGATIONS, label=_l("Ủy quyền"), icon="fa-share",
                        category=MENU_SYSTEM)
