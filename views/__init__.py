"""Views of every aggregate; ``register_views`` adds them and their menus to Flask-AppBuilder."""

from flask_appbuilder import AppBuilder

__all__ = ["register_views"]


def register_views(appbuilder: AppBuilder) -> None:
    """Register views in menu order."""
    from views import access, accounts, audit, org_units, personnel, security

    org_units.register(appbuilder)
    accounts.register(appbuilder)
    personnel.register(appbuilder)
    access.register(appbuilder)
    audit.register(appbuilder)
    security.register(appbuilder)
