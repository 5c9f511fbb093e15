"""Report screens (issue 17): each module a report with its ``register(appbuilder)``; menus under "Báo cáo"."""

__all__ = ["register"]


def register(appbuilder) -> None:
    """Register every report screen, in menu order."""
    from views.reports import bm02, dashboard, exports, quality, salary, staffing

    dashboard.register(appbuilder)
    bm02.register(appbuilder)
    staffing.register(appbuilder)
    salary.register(appbuilder)
    quality.register(appbuilder)
    exports.register(appbuilder)
