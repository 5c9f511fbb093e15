"""Tình hình cập nhật hồ sơ theo đơn vị (HN-21.3, HN-17.5, HN-18.3): the compliance table Sở Nội vụ sorts.

``/compliance/`` shows the top level of the user's scope (the level-2 units for a city-wide role);
``?unit=<id>`` drills down to a unit's children; ``?sort=<column>`` (``-`` for descending) sorts on the
server. One service call, one grouped SQL statement (``app/services/compliance.py``).
"""

from flask import abort, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.request_input import parse_int
from app.security.permissions import MENU_COMPLIANCE, MENU_REPORTS, READ, RESOURCE_COMPLIANCE
from app.services import compliance as svc
from app.services.errors import NotFoundError

__all__ = ["ComplianceView", "register"]


class ComplianceView(BaseView):
    """Per-unit completeness, timeliness of approvals and overdue items, in the user's scope."""

    route_base = "/compliance"
    default_view = "index"
    class_permission_name = RESOURCE_COMPLIANCE
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]

    @expose("/")
    @has_access
    def index(self):
        """``?unit=<id>`` drill-down, ``?sort=<key>`` or ``?sort=-<key>``."""
        raw_unit = request.args.get("unit", "").strip()
        unit_id = parse_int(raw_unit) if raw_unit else None
        if raw_unit and unit_id is None:
            abort(404, description=_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        sort = request.args.get("sort", "name")
        try:
            table = svc.compliance_table(g.user, unit_id, sort)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        audit.log_access("report", object_type="Compliance", object_id=unit_id,
                         org_unit_id=unit_id, detail={"sort": sort})

        def sort_url(key: str) -> str:
            current = ("-" if table.descending else "") + table.sort
            wanted = "-" + key if current == key else key
            return url_for("ComplianceView.index", sort=wanted, **({"unit": unit_id} if unit_id else {}))

        def unit_url(uid: int) -> str:
            return url_for("ComplianceView.index", unit=uid, sort=request.args.get("sort") or None)

        title = (_("Tình hình cập nhật hồ sơ: %(unit)s", unit=table.parent.name) if table.parent is not None
                 and unit_id is not None else _("Tình hình cập nhật hồ sơ theo đơn vị"))
        return self.render_template(
            "compliance/index.html", title=title, table=table, columns=svc.COLUMNS, sort_url=sort_url,
            unit_url=unit_url, top_url=url_for("ComplianceView.index", sort=request.args.get("sort") or None),
        )


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Tình hình cập nhật theo đơn vị"."""
    appbuilder.add_view(ComplianceView, MENU_COMPLIANCE, label=_l("Tình hình cập nhật theo đơn vị"),
                        icon="fa-tasks", category=MENU_REPORTS, category_label=_l("Báo cáo"),
                        category_icon="fa-bar-chart")
