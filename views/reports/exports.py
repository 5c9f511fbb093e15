"""Reports exported to Excel as a background job (issue 17 item 6): "start the export → progress → download".

Each report page's "Tải XLSX" button POSTs its filters to its own ``xlsx`` route, which parses them like the page
and calls :func:`start_export` (one use case: ``export_svc.request_report_export``); the browser then follows the
export's progress page here (``/reports/exports/<id>``, ``views/exports.py``: the same page, JSON and download as
the people list's) and downloads the workbook. ``/reports/exports/`` lists the user's recent report exports.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.security.permissions import READ, RESOURCE_REPORT
from app.services import exports as export_svc
from app.services.errors import ForbiddenError, NotFoundError, ServiceError
from app.services.reports.xlsx_exports import REPORTS
from views.exports import EXPORT_ROUTES, ExportJobView
from views.kit import Column, post_button

__all__ = ["ReportExportView", "export_button", "register", "start_export"]


def report_title(job) -> str:
    """The report an export row is of."""
    spec = REPORTS.get(job.kind.removeprefix(export_svc.REPORT_KIND_PREFIX))
    return str(spec.title) if spec is not None else ""


class ReportExportView(ExportJobView):
    """Các lần xuất báo cáo ra Excel: the progress page, its JSON and the download of each."""

    route_base = "/reports/exports"
    default_view = "index"
    class_permission_name = RESOURCE_REPORT
    method_permission_name = {"index": READ, **EXPORT_ROUTES}
    base_permissions = ["can_" + READ]
    kind = export_svc.REPORT_KIND_PREFIX
    show_title = _l("Xuất báo cáo ra Excel")
    box_id = "report-export"
    fallback_name = "bao-cao.xlsx"

    def show_subtitle(self, job) -> str:
        title = report_title(job)
        if job.org_unit is not None:
            return _("%(report)s — đơn vị: %(unit)s", report=title, unit=job.org_unit.name)
        return title

    @expose("/")
    @has_access
    def index(self):
        """Các lần xuất báo cáo gần đây."""
        recent = self.recent_table([Column(_l("Báo cáo"), report_title),
                                    Column(_l("Đơn vị"), lambda j: j.org_unit.name if j.org_unit else "")],
                                   "report-exports")
        return self.render_template("reports/exports.html", title=_("Các lần xuất báo cáo ra Excel"), recent=recent)


def start_export(report: str, params: dict):
    """Ask for ``report``'s workbook with ``params`` (the page's filters, parsed), then its progress page. A unit out
    of reach is a 404, another refusal a 400 (the page's own answers to the same filters)."""
    try:
        job = export_svc.request_report_export(g.user, report, params)
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ForbiddenError as exc:
        abort(403, description=" ".join(exc.messages))
    except ServiceError as exc:
        abort(exc.status if exc.status >= 400 else 400, description=" ".join(exc.messages))
    if job.status == "queued" and job.note:
        flash(_("Đã ghi nhận yêu cầu xuất báo cáo; việc xuất sẽ bắt đầu khi hàng đợi việc nền hoạt động trở lại."),
              "warning")
    else:
        flash(_("Đã bắt đầu xuất báo cáo ra Excel."), "success")
    return redirect(url_for("ReportExportView.show", export_id=job.id))


def export_button(url: str, button_id: str, label: str | None = None) -> Markup:
    """The "Tải XLSX" button of a report page: a POST of the page's filters (in ``url``) with the CSRF token."""
    return post_button(url, label or _("Tải XLSX"), css="btn btn-default btn-sm", icon="fa-file-excel-o",
                       button_id=button_id, form_class="report-export-form",
                       title=_("Xuất báo cáo ra tệp Excel (chạy nền), rồi tải về"))


def register(appbuilder) -> None:
    """No menu entry: the report pages' buttons lead here."""
    appbuilder.add_view_no_menu(ReportExportView)
