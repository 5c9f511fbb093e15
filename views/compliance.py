"""Tình hình cập nhật hồ sơ theo đơn vị (HN-21.3, HN-17.5, HN-18.3): the compliance table Sở Nội vụ sorts.

``/compliance/`` shows the top level of the user's scope (the level-2 units for a city-wide role);
``?unit=<id>`` drills down to a unit's children; ``?sort=<column>`` (``-`` for descending) sorts on the
server. One service call, one grouped SQL statement (``app/services/compliance.py``); the kit's list renders it.
"""

from operator import attrgetter

from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app import audit
from app.request_input import parse_int
from app.security.permissions import MENU_COMPLIANCE, MENU_REPORTS, READ, RESOURCE_COMPLIANCE
from app.services import compliance as svc
from app.services.errors import NotFoundError
from views.kit import Column, ListView, Page, render_rows, sort_link

__all__ = ["ComplianceView", "register"]


def _share(r, key: str, count: str) -> Markup:
    value = getattr(r, key)  # a decimal comma, as Vietnamese writes numbers ("71,4 %")
    share = "—" if value is None else Markup("%s&nbsp;%%") % f"{value:.1f}".replace(".", ",")
    return share + Markup(' <small class="text-muted">(%s)</small>') % getattr(r, count)


def _measure(key: str, count: str = "", of: str = "", warn: str = "") -> Column:
    """A measure's column: a count (``warn`` colours it when not zero) or, with ``count``, a share in percent
    with its count ("71,4 % (5)") and ``count/of`` as the cell's title."""
    css = f"text-right col-{(count or key).replace('_', '-')}"
    if count:
        return Column(svc.COLUMNS[key], lambda r: _share(r, key, count), css=css,
                      attrs=lambda r: {"title": f"{getattr(r, count)}/{getattr(r, of)}"})
    return Column(svc.COLUMNS[key], attrgetter(key), css=css,
                  attrs=(lambda r: {"class": f"{css} {warn}"} if getattr(r, key) else {}) if warn else None)


def _name(r) -> Markup | str:
    if r.direct:
        return Markup("<em>%s</em>") % _("%(name)s (trực thuộc trực tiếp)", name=r.name)
    if r.drillable:
        return Markup('<a href="%s" class="drill-link">%s</a>') % (_unit_url(r.unit_id), r.name)
    return r.name


def _unit_url(uid: int) -> str:
    return url_for("ComplianceView.index", unit=uid, sort=request.args.get("sort") or None)


class ComplianceView(ListView):
    """Per-unit completeness, timeliness of approvals and overdue items, in the user's scope."""

    route_base = "/compliance"
    class_permission_name = RESOURCE_COMPLIANCE
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]
    list_template = "compliance/index.html"
    table_id = "compliance-table"
    row_class = "compliance-row"
    empty_message = _l("Không có đơn vị nào trong phạm vi của bạn.")
    columns = (Column(svc.COLUMNS["name"], _name, css="col-name"), _measure("people"),
               _measure("complete_pct", "complete", "people"), _measure("approved"),
               _measure("on_time_pct", "on_time", "approved"), _measure("pending"),
               _measure("overdue", warn="text-danger"), _measure("no_account", warn="text-warning"),
               _measure("moves_overdue", warn="text-danger"), _measure("late_updates", warn="text-warning"),
               _measure("sync_pct", "sync_on_time", "sync_items"), _measure("sync_overdue", warn="text-danger"))

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class + (" direct" if r.direct else ""), "data-unit": r.unit_id}

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
        headers = [sort_link(label, key, table.sort, table.descending) for key, label in svc.COLUMNS.items()]
        return self.render_list(
            Page(table.rows), table=table,
            headers=[headers[0]] + [Markup('<div class="text-right">%s</div>') % h for h in headers[1:]],
            title=(_("Tình hình cập nhật hồ sơ: %(unit)s", unit=table.parent.name) if table.parent is not None
                   and unit_id is not None else _("Tình hình cập nhật hồ sơ theo đơn vị")),
            intro=_("Số liệu tính đến ngày %(day)s trong phạm vi đơn vị bạn được xem. Hồ sơ đầy đủ: mức hoàn thiện "
                    "từ %(threshold)s %%; duyệt đúng hạn: ngày phê duyệt không muộn hơn hạn của bước phê duyệt cuối.",
                    day=table.day.strftime("%d/%m/%Y"), threshold=table.threshold),
            foot_html=table.total and render_rows([table.total], self.columns, lambda r: {
                "class": "compliance-total active", "id": "compliance-total"}),
            top_url=url_for("ComplianceView.index", sort=request.args.get("sort") or None), unit_url=_unit_url)


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Tình hình cập nhật theo đơn vị"."""
    appbuilder.add_view(ComplianceView, MENU_COMPLIANCE, label=_l("Tình hình cập nhật theo đơn vị"),
                        icon="fa-tasks", category=MENU_REPORTS, category_label=_l("Báo cáo"),
                        category_icon="fa-bar-chart")
