"""Báo cáo số lượng, chất lượng (BM02/BNV and its family, issue 17): the page, the XLSX, the PDF, the signed PDF.

``/reports/bm02/<kind>/`` (``kind``: ``cong-chuc``, ``vien-chuc``, ``cap-xa``) shows the report for a unit
(``?unit_id=``; default the reader's top units), a reference date (``?day=dd/mm/yyyy``, default today) and the
levels of units shown (``?depth=1..3``): a chart of the first-level units by trình độ chuyên môn (from the same
figures), the official two-level header, one row per unit with its subtotal, the total. ``…/pdf`` downloads it
with the same arguments; a POST to ``…/xlsx`` starts its XLSX as a background export (``views/reports/exports.py``:
progress, then download); ``…/sign`` (heads) signs the PDF with the user's certificate. One service call per
request (``app/services/reports/bm02.py``); every view, export, print and signature is in the access log.
"""

from __future__ import annotations

import io

from flask import abort, g, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import PasswordField, SelectField
from wtforms.validators import Optional as OptionalV

from app import audit
from app.request_input import int_arg
from app.security.downloads import attachment_name
from app.security.permissions import (
    ACTION_READ,
    MENU_BM02_CC,
    MENU_BM02_VC,
    MENU_BM02_XA,
    MENU_REPORTS,
    READ,
    RESOURCE_REPORT,
    SIGN,
)
from app.services.errors import NotFoundError, ServiceError, ValidationError
from app.services.reports import bm02 as svc
from app.services.reports import bm02_files as files
from views.forms import DateField, UnitPickerField, VNForm, field_errors
from views.kit import Chart, Column, ListView, Page, page_of, render_rows, service_form
from views.reports.exports import export_button, start_export

__all__ = ["Bm02View", "register"]

#: The arguments of a report (kept by the downloads, the drill-down links and the signing form).
REPORT_ARGS = ("unit_id", "day", "depth")


class Bm02Filter(VNForm):
    """Đơn vị, ngày báo cáo, số cấp (GET, no CSRF token)."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm các đơn vị trực thuộc)"), purpose="people_read")
    day = DateField(_l("Ngày báo cáo"), validators=[OptionalV()],
                    description=_l("Tuổi được tính đến ngày này; để trống là hôm nay."))
    depth = SelectField(_l("Số cấp đơn vị hiển thị"), choices=[(str(n), str(n)) for n in range(1, svc.MAX_DEPTH + 1)],
                        default=str(svc.DEFAULT_DEPTH), validators=[OptionalV()])


class SignForm(VNForm):
    """Ký số báo cáo."""

    passphrase = PasswordField(_l("Mật khẩu chứng thư số (để ký số)"), validators=[OptionalV()],
                               render_kw={"class": "form-control", "autocomplete": "off"})


def svc_number(value) -> str:
    """A figure with the Vietnamese thousands separator; blank for none."""
    return "" if value is None else f"{value:,}".replace(",", ".")


#: Rows of the report shown per page on screen.
SCREEN_ROWS = 100


def _args() -> dict:
    return {k: request.args[k] for k in REPORT_ARGS if request.args.get(k)}


def _columns(report) -> list[Column]:
    """The unit's name (indented by level, a link to the unit's own report; subtotals and the total in bold) and
    one right-aligned figure per column of the report."""
    args = {k: v for k, v in _args().items() if k != "unit_id"}
    kind = report.kind.key

    def name(r):
        indent = Markup("&emsp;" * max(r.depth - 1, 0))
        text = r.name
        if r.role in ("unit", "subtotal") and r.unit_id:
            text = Markup('<a href="%s" class="bm02-unit">%s</a>') % (
                url_for("Bm02View.index", kind=kind, unit_id=r.unit_id, **args), r.name)
        if r.role in ("subtotal", "total"):
            text = Markup("<strong>%s</strong>") % text
        elif r.role == "direct":
            text = Markup("<em>%s</em>") % text
        return indent + text

    cols = [Column(_("Đơn vị"), name, css="bm02-name")]
    for i, c in enumerate(report.kind.columns, start=1):
        cols.append(Column(c.header, lambda r, k=c.key: svc_number(r.values.get(k)), css=f"text-right bm02-c{i}",
                           data={"data-col": c.key}))
    return cols


def _chart(report) -> Chart:
    """The people of each first-level row by trình độ chuyên môn (stacked: a bar's length is the row's headcount,
    its parts the qualification columns, then those trained below them or without the item); rows without anyone
    counted are left out of the chart (the report's table has them)."""
    quals = [c for c in report.kind.columns if c.group is svc.G_QUAL]
    rows = []
    for r in report.rows:
        if r.depth != 1 or not r.values.get("total"):
            continue
        values = [r.values.get(c.key) or 0 for c in quals]
        rows.append((r.name, [*values, max((r.values.get("total") or 0) - sum(values), 0)]))
    series = [c.header for c in quals] + [_("Chưa qua đào tạo hoặc chưa có thông tin")]
    if any(c.key == "qual_none" for c in quals):  # the cấp xã report counts them in its own column
        series, rows = series[:-1], [(name, values[:-1]) for name, values in rows]
    return Chart("bm02-qualification", _("Số người hiện có theo đơn vị và trình độ chuyên môn"), rows, series,
                 stacked=True, label_header=_("Đơn vị"))


def _report_or_404(kind: str, form: Bm02Filter):
    """The report of the form's arguments; 404 (Vietnamese) for an unknown kind or a unit out of reach."""
    try:
        return svc.bm02_report(g.user, kind, form.unit_id.data, form.day.data, form.depth.data)
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ValidationError as exc:
        abort(400, description=" ".join(exc.messages))
    except ServiceError as exc:  # the embedded SQLite default cannot compute it
        abort(503, description=" ".join(exc.messages))


def _checked_form(kind: str) -> Bm02Filter:
    """The filter form of this request; 404 for an unknown kind, 400 (with the message) for a bad date or depth."""
    if kind not in svc.KINDS:
        abort(404, description=_("Không có loại báo cáo này."))
    form = Bm02Filter(request.args, meta={"csrf": False})
    errors = field_errors(form) if request.args else {}
    if errors:
        abort(400, description=" ".join(m for msgs in errors.values() for m in msgs))
    return form


class Bm02View(ListView):
    """Báo cáo số lượng, chất lượng công chức / viên chức / cán bộ, công chức cấp xã."""

    route_base = "/reports/bm02"
    class_permission_name = RESOURCE_REPORT
    method_permission_name = {"index": READ, "export_xlsx": READ, "download_pdf": READ, "sign": SIGN}
    base_permissions = [ACTION_READ, "can_" + SIGN]
    default_view = "index"
    list_template = "reports/bm02.html"
    table_id = "bm02-table"
    row_class = "bm02-row"
    table_class = "table table-bordered table-condensed bm02"
    filter_form = Bm02Filter
    filter_fields = ("unit_id", "day", "depth")
    filter_width = 3
    refuse_bad_filters = True
    empty_message = _l("Không có đơn vị nào trong phạm vi của bạn.")

    def page_columns(self, page: Page, context: dict):
        report = context.get("report")
        return _columns(report) if report is not None else []

    def row_attrs(self, r) -> dict:
        return {"class": f"{self.row_class} bm02-{r.role}", "data-unit": r.unit_id, "data-depth": r.depth}

    @expose("/<kind>/")
    @has_access
    def index(self, kind):
        """The report page."""
        if kind not in svc.KINDS:
            abort(404, description=_("Không có loại báo cáo này."))
        form = Bm02Filter(request.args, meta={"csrf": False})
        title = svc.KINDS[kind].title
        if request.args and field_errors(form):
            return self.render_list(Page([]), report=None, title=title)  # 400 with the messages by the fields
        report = _report_or_404(kind, form)
        audit.log_access("view_report", object_type="Report", object_id=kind,
                         org_unit_id=report.root.id if report.root is not None else None,
                         detail={"report": str(report.kind.title), "day": report.day.strftime("%d/%m/%Y"),
                                 "depth": report.depth})
        args = _args()
        buttons = [export_button(url_for("Bm02View.export_xlsx", kind=kind, **args), "bm02-xlsx"),
                   Markup('<a class="btn btn-default btn-sm" id="bm02-pdf" href="%s"><i class="fa fa-file-pdf-o">'
                          '</i> %s</a>') % (url_for("Bm02View.download_pdf", kind=kind, **args), _("Tải PDF"))]
        if self.appbuilder.sm.has_access("can_" + SIGN, RESOURCE_REPORT):
            buttons.append(Markup('<a class="btn btn-primary btn-sm" id="bm02-sign" href="%s"><i class="fa '
                                  'fa-pencil"></i> %s</a>') % (url_for("Bm02View.sign", kind=kind, **args),
                                                                _("Ký số PDF")))
        # On screen a page of rows at a time (an agency's report can list hundreds of units: ~2 MB of HTML in one
        # page); the totals, the chart, the XLSX and the PDF are the whole report.
        number = int_arg("page", 1)
        start = (number - 1) * SCREEN_ROWS
        page = page_of(report.rows[start:start + SCREEN_ROWS], len(report.rows) > start + SCREEN_ROWS, number,
                       size=SCREEN_ROWS, total=len(report.rows))
        return self.render_list(
            page, report=report, title=title, bm02_buttons=buttons,
            intro=_("Đối tượng: %(who)s. Đơn vị: %(unit)s. Số liệu tính đến ngày %(day)s (tuổi tính đến ngày này), "
                    "theo hồ sơ đang công tác trong phạm vi bạn được xem; mỗi dòng gồm cả các đơn vị trực thuộc.",
                    who=report.kind.subject, unit=report.scope_name, day=report.day.strftime("%d/%m/%Y")),
            foot_html=render_rows([report.total], _columns(report), lambda r: {
                "class": "bm02-total active", "id": "bm02-total"}), charts=[_chart(report)],
            kinds=[(k.key, k.title) for k in svc.KINDS.values()], kind=kind)

    @expose("/<kind>/xlsx", methods=["POST"])
    @has_access
    def export_xlsx(self, kind):
        """Tải XLSX (the official column layout): a background export of the page's arguments, then its progress
        page and download."""
        form = _checked_form(kind)
        return start_export("bm02", {"kind": kind, "unit_id": form.unit_id.data, "day": form.day.data,
                                     "depth": form.depth.data})

    @expose("/<kind>/pdf")
    @has_access
    def download_pdf(self, kind):
        """Tải PDF (not signed)."""
        report = _report_or_404(kind, _checked_form(kind))
        rendered = files.bm02_pdf(g.user, report)
        return _download(rendered.data, "application/pdf", files.file_name(report, "pdf"), "bao-cao.pdf")

    @expose("/<kind>/sign", methods=["GET", "POST"])
    @has_access
    def sign(self, kind):
        """Ký số PDF: the head signs the report's PDF with their certificate and downloads it."""
        report = _report_or_404(kind, _checked_form(kind))
        form = SignForm()

        def respond(pdf):
            return _download(pdf, "application/pdf", files.file_name(report, "pdf", signed=True), "bao-cao.pdf")

        return service_form(
            self, form, lambda: files.sign_bm02(g.user, report, form.passphrase.data),
            title=_("Ký số báo cáo"), subtitle=report.kind.title, respond=respond, form_id="bm02-sign-form",
            submit_label=_("Ký số và tải về"), back_url=url_for("Bm02View.index", kind=kind, **_args()),
            intro=_("%(title)s của %(unit)s, số liệu tính đến ngày %(day)s, ký bằng chứng thư số của bạn tại ô "
                    "chữ ký của thủ trưởng. Mật khẩu không được lưu lại.", title=report.kind.title,
                    unit=report.scope_name, day=report.day.strftime("%d/%m/%Y")))


def _download(data: bytes, mimetype: str, name: str, fallback: str):
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=attachment_name(name, mimetype, fallback), max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def register(appbuilder) -> None:
    """Menu "Báo cáo" → the three reports of the family."""
    appbuilder.add_view(Bm02View, MENU_BM02_CC, label=_l("Số lượng, chất lượng công chức"), icon="fa-table",
                        href="/reports/bm02/cong-chuc/", category=MENU_REPORTS, category_label=_l("Báo cáo"),
                        category_icon="fa-bar-chart")
    appbuilder.add_link(MENU_BM02_VC, label=_l("Số lượng, chất lượng viên chức"), icon="fa-table",
                        href="/reports/bm02/vien-chuc/", category=MENU_REPORTS)
    appbuilder.add_link(MENU_BM02_XA, label=_l("Số lượng, chất lượng cán bộ, công chức cấp xã"), icon="fa-table",
                        href="/reports/bm02/cap-xa/", category=MENU_REPORTS)
