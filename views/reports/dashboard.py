"""Tổng quan (issue 17, item 5): the dashboard, landing page of report viewers and heads (``views/home.py``).

One service call (``app/services/reports/dashboard.py``: grouped SQL in the user's scope). The charts are drawn
in the browser by Chart.js, vendored in ``app/static/vendor/chartjs`` (no internet needed) and loaded from
``'self'`` with the CSP nonce by ``app/static/js/charts.js``, which reads each chart's figures from the
accessible table under it (one source of truth; without JavaScript the tables remain).
"""

from __future__ import annotations

from flask import current_app, g, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    MENU_DASHBOARD,
    MENU_REPORTS,
    READ,
    RESOURCE_COMPLIANCE,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
)
from app.services.reports import dashboard as svc

__all__ = ["DashboardView", "register"]


def _number(n: int) -> str:
    """12.345 (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def _percent(n: int, total: int) -> str:
    return (f"{100 * n / total:.1f}".replace(".", ",") + " %") if total else "—"


class DashboardView(BaseView):
    """Tổng quan: headcount by category, sex, age band, qualification and ngạch group; 12-month trend; overdue
    work — in the units whose files the user may read."""

    route_base = "/dashboard"
    default_view = "index"
    class_permission_name = RESOURCE_REPORT
    method_permission_name = {"index": READ}
    base_permissions = [ACTION_READ]

    @expose("/")
    @has_access
    def index(self):
        """The dashboard of the signed-in user."""
        board = svc.dashboard(g.user)
        audit.log_access("dashboard", object_type="Dashboard")
        charts = [{"key": key, "title": str(title), "kind": "bar" if key in ("age", "qualification", "rank_group")
                   else "doughnut", "slices": board.breakdowns[key]} for key, title in svc.DIMENSIONS.items()]
        sm = current_app.appbuilder.sm
        links = {
            "compliance": url_for("ComplianceView.index") if sm.has_access(ACTION_READ, RESOURCE_COMPLIANCE) else None,
            "inbox": url_for("ChangeSetsView.index") if sm.has_access(ACTION_APPROVE, RESOURCE_PERSONNEL) else None,
            "people": url_for("PeopleView.index") if sm.has_access(ACTION_READ, RESOURCE_PERSONNEL) else None,
        }
        return self.render_template(
            "reports/dashboard.html", title=_("Tổng quan"), board=board, charts=charts, number=_number,
            percent=_percent, links=links,
            trend_title=_("Số người đang công tác cuối mỗi tháng (12 tháng gần nhất)"))


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Tổng quan" (first in the category)."""
    appbuilder.add_view(DashboardView, MENU_DASHBOARD, label=_l("Tổng quan"), icon="fa-dashboard",
                        category=MENU_REPORTS, category_label=_l("Báo cáo"), category_icon="fa-bar-chart")
