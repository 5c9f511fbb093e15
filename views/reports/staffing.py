"""Báo cáo biên chế and báo cáo vị trí việc làm (issue 17 item 2): a page per report (the kit's list, a unit picker
and the reference date as filters, a chart of quota or approved count against people over the table) and its XLSX,
exported as a background job (a POST to ``…/xlsx``: ``views/reports/exports.py``). Figures:
``app/services/reports/staffing.py`` (one grouped statement each, scoped by ``Report`` read); every view and export
is in the access log.
"""

from __future__ import annotations

from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.validators import Optional as OptionalV

from app import audit
from app.request_input import int_arg
from app.security.permissions import MENU_REPORT_JOB_POSITIONS, MENU_REPORT_QUOTAS, MENU_REPORTS, READ, RESOURCE_REPORT
from app.services import staffing as staffing_svc
from app.services.errors import NotFoundError
from app.services.reports import staffing as svc
from views.forms import DateField, UnitPickerField, VNForm
from views.kit import Chart, Column, ListView, Page, page_url, paginate, render_rows, render_table
from views.reports.exports import export_button, start_export

__all__ = ["PositionReportView", "QuotaReportView", "register"]

class ReportFilter(VNForm):
    """A report's unit subtree and reference date."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm đơn vị trực thuộc)"), purpose="report")
    day = DateField(_l("Ngày báo cáo"), validators=[OptionalV()])


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _state(r) -> Markup:
    css = {"over": "danger", "under": "warning", "even": "success"}[r.state]
    return Markup('<span class="label label-%s">%s</span>') % (css, svc.state_label(r.state))


class _ReportView(ListView):
    """The filters both reports share, the scope check and the XLSX response."""

    class_permission_name = RESOURCE_REPORT
    base_permissions = ["can_" + READ]
    method_permission_name = {"index": READ, "xlsx": READ}
    filter_form = ReportFilter
    filter_fields = ("unit_id", "day")
    filter_width = 4
    refuse_bad_filters = True
    report_name = ""

    def _args(self) -> tuple[int | None, object]:
        filters = ReportFilter(request.args, meta={"csrf": False})
        filters.validate()
        raw = filters.unit_id.data
        if raw is not None and not isinstance(raw, int):
            abort(404, description=_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        if filters.day.errors:
            abort(400, description=" ".join(str(e) for e in filters.day.errors))
        return raw, filters.day.data

    def _report(self, build):
        unit_id, day = self._args()
        try:
            return build(g.user, unit_id, day), unit_id
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))

    def _export(self):
        """Start the report's XLSX export with the page's filters (a unit out of reach: 404, a bad day: 400)."""
        unit_id, day = self._args()
        return start_export(self.report_name, {"unit_id": unit_id, "day": day})

    def _intro(self, report) -> str:
        return _("Đơn vị: %(unit)s. Ngày báo cáo: %(day)s. Số người hiện có tính theo hồ sơ hiện hành (đang công "
                 "tác hoặc tạm đình chỉ); biên chế, số lượng được duyệt theo quyết định đang áp dụng vào ngày báo cáo "
                 "và tính cho cả các đơn vị trực thuộc.",
                 unit=report.root.name if report.root is not None else _("tất cả đơn vị trong phạm vi của bạn"),
                 day=report.day.strftime("%d/%m/%Y"))

    def _log(self, unit_id) -> None:
        audit.log_access("staffing_report", object_type="OrgUnit" if unit_id else None, object_id=unit_id,
                         org_unit_id=unit_id, detail={"report": self.report_name, **request.args.to_dict()})

    def _xlsx_link(self, endpoint: str):
        args = {k: v for k, v in request.args.items() if k in ("unit_id", "day") and v}
        return export_button(url_for(endpoint, **args), "xlsx-link", _("Tải tệp Excel"))


#: Rows a chart shows at most: those furthest from their quota (the table under the chart lists them).
CHART_ROWS = 30


def _widest(rows: list, limit: int = CHART_ROWS) -> tuple[list, str]:
    """The rows of a chart: all of them, or the ``limit`` furthest from their quota (in the report's order), with
    the note saying so."""
    if len(rows) <= limit:
        return rows, ""
    keep = set(sorted(range(len(rows)), key=lambda i: (-abs(rows[i].difference), i))[:limit])
    return [r for i, r in enumerate(rows) if i in keep], _(
        "Biểu đồ có %(n)s dòng chênh lệch nhiều nhất trong %(total)s dòng của báo cáo.", n=limit, total=len(rows))


def quota_chart(report) -> Chart:
    """Biên chế được giao and people in post per unit and kind (the report's rows)."""
    rows, note = _widest(report.rows)
    return Chart("quotas", _("Biên chế được giao và số người hiện có"),
                 [(f"{r.unit_name} — {staffing_svc.KIND_LABELS[r.kind]}", [r.quota, r.in_post]) for r in rows],
                 [_("Biên chế được giao"), _("Số người hiện có")], label_header=_("Đơn vị, loại biên chế"), note=note)


def position_chart(report) -> Chart:
    """Approved count and people holding each position per unit (the report's rows)."""
    rows, note = _widest(report.rows)
    return Chart("positions", _("Số lượng vị trí việc làm được duyệt và số người đang giữ"),
                 [(f"{r.name} ({r.code}) — {r.unit_name}", [r.approved, r.filled]) for r in rows],
                 [_("Số lượng được duyệt"), _("Số người đang giữ")], label_header=_("Vị trí việc làm, đơn vị"),
                 note=note)


class QuotaReportView(_ReportView):
    """Biên chế được giao và số người hiện có, per unit and kind: over and under."""

    route_base = "/reports/quotas"
    report_name = "quotas"
    table_id = "quota-report"
    row_class = "quota-report-row"
    empty_message = _l("Chưa có quyết định giao biên chế nào áp dụng vào ngày báo cáo trong phạm vi này.")

    def list_columns(self):
        heads = svc.quota_headers()
        return (
            Column(heads[1], lambda r: r.unit_name, css="col-unit"),
            Column(heads[2], lambda r: str(staffing_svc.KIND_LABELS[r.kind])),
            Column(heads[3], lambda r: r.quota, css="text-right col-quota"),
            Column(heads[4], lambda r: r.decision_number),
            Column(heads[5], lambda r: r.decision_date.strftime("%d/%m/%Y")),
            Column(heads[6], lambda r: r.in_post, css="text-right col-in-post"),
            Column(heads[7], lambda r: _signed(r.difference), css="text-right col-difference"),
            Column(heads[8], _state, css="col-state"),
        )

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class + {"over": " danger", "under": " warning", "even": ""}[r.state],
                "data-unit": r.unit_id, "data-kind": r.kind, "data-state": r.state}

    @expose("/")
    @has_access
    def index(self):
        """The report on the page."""
        report, unit_id = self._report(svc.quota_report)
        self._log(unit_id)
        totals = [svc.QuotaRow(0, 0, _("Tổng cộng"), "", kind, quota, "", report.day, in_post)
                  for kind, (quota, in_post) in report.totals.items()]
        columns = self.list_columns()
        foot = render_rows(totals, columns[:4] + (Column("", lambda r: ""),) + columns[5:], lambda r: {
            "class": "quota-total active", "data-kind": r.kind}) if totals else None
        return self.render_list(Page(report.rows), title=_("Báo cáo biên chế"), intro=self._intro(report),
                                foot_html=foot, charts=[quota_chart(report)])

    def list_buttons(self):
        return [self._xlsx_link("QuotaReportView.xlsx")]

    @expose("/xlsx", methods=["POST"])
    @has_access
    def xlsx(self):
        """The report as an XLSX file: a background export, then its progress page."""
        return self._export()


def _person_name(r) -> str:
    return " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)


MISMATCH_COLUMNS = (
    Column(_l("Họ và tên"), lambda r: Markup('<a href="%s">%s</a>') % (url_for("PeopleView.show", pk=r.id),
                                                                       _person_name(r)), css="col-person"),
    Column(_l("Đơn vị"), lambda r: r.unit_name),
    Column(_l("Vị trí việc làm"), lambda r: f"{r.position_name} ({r.job_position_code})"),
    Column(_l("Ngạch yêu cầu"), lambda r: svc.rank_label(r.required_rank)),
    Column(_l("Ngạch hiện giữ"), lambda r: svc.rank_label(r.rank_code) or _("Chưa có ngạch"), css="col-rank"),
)


class PositionReportView(_ReportView):
    """Vị trí việc làm: approved vs filled per position and unit, and the people of another ngạch."""

    route_base = "/reports/positions"
    report_name = "positions"
    list_template = "staffing/position_report.html"
    table_id = "position-report"
    row_class = "position-report-row"
    empty_message = _l("Chưa có vị trí việc làm nào được giao số lượng trong phạm vi này.")

    def list_columns(self):
        heads = svc.position_headers()
        return (
            Column(heads[1], lambda r: r.unit_name, css="col-unit"),
            Column(heads[2], lambda r: r.code, css="col-code"),
            Column(heads[3], lambda r: r.name),
            Column(heads[4], lambda r: str(staffing_svc.GROUP_LABELS.get(r.group, ""))),
            Column(heads[5], lambda r: svc.rank_label(r.rank_code) or "—"),
            Column(heads[6], lambda r: r.approved, css="text-right col-approved"),
            Column(heads[7], lambda r: r.decision_number),
            Column(heads[8], lambda r: r.decision_date.strftime("%d/%m/%Y")),
            Column(heads[9], lambda r: r.filled, css="text-right col-filled"),
            Column(heads[10], lambda r: _signed(r.difference), css="text-right col-difference"),
            Column(heads[11], lambda r: r.mismatched, css="text-right col-mismatched"),
        )

    def row_attrs(self, r) -> dict:
        late = " danger" if r.difference > 0 else " warning" if r.difference < 0 else ""
        return {"class": self.row_class + late, "data-unit": r.unit_id, "data-code": r.code}

    def list_buttons(self):
        return [self._xlsx_link("PositionReportView.xlsx")]

    @expose("/")
    @has_access
    def index(self):
        """The report on the page, then the people of another ngạch (paged by ``?mpage=``)."""
        report, unit_id = self._report(svc.position_report)
        self._log(unit_id)
        mismatches = paginate(svc.rank_mismatches(g.user, unit_id), scalars=False, number=int_arg("mpage", 1))
        mismatches.prev_url = page_url(mismatches.number - 1, "mpage") if mismatches.number > 1 else None
        mismatches.next_url = page_url(mismatches.number + 1, "mpage") if mismatches.next_url else None
        table = render_table(mismatches.rows, MISMATCH_COLUMNS, lambda r: {"class": "mismatch-row", "data-id": r.id},
                             table_id="mismatch-table", css="table table-striped table-condensed",
                             empty=_("Không có người nào giữ vị trí việc làm khác ngạch yêu cầu."))
        return self.render_list(Page(report.rows), title=_("Báo cáo vị trí việc làm"), intro=self._intro(report),
                                mismatch_table=table, mismatch_page=mismatches, charts=[position_chart(report)])

    @expose("/xlsx", methods=["POST"])
    @has_access
    def xlsx(self):
        """The report and the list of people of another ngạch as an XLSX file: a background export, then its
        progress page."""
        return self._export()


def register(appbuilder) -> None:
    """Menus under "Báo cáo": "Báo cáo biên chế", "Báo cáo vị trí việc làm"."""
    appbuilder.add_view(QuotaReportView, MENU_REPORT_QUOTAS, label=_l("Báo cáo biên chế"), icon="fa-users",
                        category=MENU_REPORTS, category_label=_l("Báo cáo"), category_icon="fa-bar-chart")
    appbuilder.add_view(PositionReportView, MENU_REPORT_JOB_POSITIONS, label=_l("Báo cáo vị trí việc làm"),
                        icon="fa-briefcase", category=MENU_REPORTS)
