"""Views of every aggregate; ``register_views`` adds them and their menus to Flask-AppBuilder."""

from flask_appbuilder import AppBuilder

__all__ = ["register_views"]


def register_views(appbuilder: AppBuilder) -> None:
    """Register views in menu order."""
    from views import (
        access,
        accounts,
        audit,
        backups,
        compliance,
        imports,
        national_sync,
        notifications,
        operations,
        org_import,
        org_units,
        personnel,
        reports,
        retirements,
        security,
        signatures,
        staffing,
        transfers,
        workdays,
    )

    org_units.register(appbuilder)
    org_import.register(appbuilder)  # issue 19: under "Cơ cấu tổ chức"
    staffing.register(appbuilder)
    accounts.register(appbuilder)
    personnel.register(appbuilder)
    transfers.register(appbuilder)
    imports.register(appbuilder)
    national_sync.register(appbuilder)
    retirements.register(appbuilder)
    access.register(appbuilder)
    audit.register(appbuilder)
    compliance.register(appbuilder)
    reports.register(appbuilder)
    notifications.register(appbuilder)
    workdays.register(appbuilder)
    signatures.register(appbuilder)
    security.register(appbuilder)
    backups.register(appbuilder)
    operations.register(appbuilder)  # issue 20: probes, maintenance notices, security report



    from flask import current_app

    from views.locale import register as register_locale
    from views.menu import init_menu_cache

    register_locale(current_app)
    init_menu_cache(current_app)
