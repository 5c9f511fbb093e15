"""Views of every aggregate; ``register_views`` adds them and their menus to Flask-AppBuilder."""

from flask_appbuilder import AppBuilder

__all__ = ["register_views"]


def register_views(appbuilder: AppBuilder) -> None:
    """Register views in menu order."""
    from views import org_units

    org_units.register(appbuilder)
