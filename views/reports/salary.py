"""Danh sách và tiền lương (issue 17): ngạch, bậc, hệ số, phụ cấp, the next step raise and the retirement date of
the people in force of a unit subtree; "only those due a step raise in the next 6 months"; an XLSX of the same.

One kit ``ListView``; the figures come from ``app/services/reports/salary.py``: the page's rows, and one grouped
statement for its count and its chart (per month of the next year: step raises due, retirements). The XLSX is a
background export (a POST to ``…/xlsx``, ``views/reports/exports.py``), written row by row in constant memory from
a server-side cursor by the export job.
"""

from __future__ import annotations

from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.validators import ValidationError

from app.extensions import db
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    MENU_REPORT_SALARY,
    MENU_REPORTS,
    READ,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
)
from app.services import code_lists
from app.services.reports import salary as svc
from app.services.transfers.retirement import add_months, retirement_date
from models.org_units import OrgUnit
from views.forms import UnitPickerField, VNForm
from views.kit import Chart, Column, ListView, Page, day, link, paginate, small
from views.reports.exports import export_button, start_export

__all__ = ["SalaryView", "register"]

#: The horizon of "due a step raise" and of the retirement column (months): the service's.
RAISE_MONTHS, RETIRE_MONTHS = svc.RAISE_MONTHS, svc.RETIRE_MONTHS


class FilterForm(VNForm):
    """The list's filters (a GET form)."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm các đơn vị trực thuộc)"), purpose="people_read")
    only = SelectField(_l("Hiển thị"), choices=[("", _l("Tất cả người đang công tác")),
                                                ("raise", _l("Đến hạn nâng bậc lương trong 6 tháng tới"))],
                       validate_choice=False)

    def validate_unit_id(self, field):
        """A unit is chosen by its number: text is refused."""
        if field.data is not None and not isinstance(field.data, int):
            raise ValidationError(_("Không tìm thấy đơn vị; bộ lọc này chưa được áp dụng."))


def _decimal(value) -> str:
    """A coefficient or a percentage with a decimal comma ("4,98"), trailing zeros kept to two places."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _texts() -> dict:
    if "salary_texts" not in g:
        g.salary_texts = {"beyond": _("Vượt khung"), "step": _("%(step)s/%(last)s"),
                          "ranks": code_lists.labels("rank")}
    return g.salary_texts


def _next_cell(r) -> Markup | str:
    if r.next_raise is None:
        return ""
    text = day(r.next_raise)
    if r.beyond_scale:
        return Markup("%s") % text + small(_texts()["beyond"])
    return text


def _retire_cell(r) -> str:
    when = retirement_date(r.birth_date, r.gender, r.birth_precision)
    return day(when) if when is not None and when <= g.salary_retire_limit else ""


def _step_cell(r) -> str:
    if r.step is None:
        return ""
    return _texts()["step"] % {"step": r.step, "last": r.last_step} if r.last_step else str(r.step)


_H = svc.HEADERS
COLUMNS = (
    Column(_H[0], lambda r: link(url_for("PeopleView.show", pk=r.id), r.name), css="col-person"),
    Column(_H[1], lambda r: r.unit, css="col-unit"),
    Column(_H[2], lambda r: _texts()["ranks"].get(r.rank_code, r.rank_code or "")),
    Column(_H[3], lambda r: r.pay_group or ""),
    Column(_H[4], _step_cell, css="text-right"),
    Column(_H[5], lambda r: _decimal(r.coefficient), css="text-right"),
    Column(_H[6], lambda r: day(r.since)),
    Column(_H[7], lambda r: _decimal(r.seniority_pct), css="text-right"),
    Column(_H[8], lambda r: _decimal(r.allowance_position), css="text-right"),
    Column(_H[9], lambda r: _decimal(r.allowance_concurrent), css="text-right"),
    Column(_H[10], _next_cell, css="col-next"),
    Column(_H[11], _retire_cell, css="col-retire"),
)


class SalaryView(ListView):
    """Danh sách và tiền lương of the reader's scope."""

    route_base = "/reports/salary"
    class_permission_name = RESOURCE_REPORT
    base_permissions = ["can_" + READ]
    method_permission_name = {"index": READ, "xlsx": READ}
    list_title = _l("Danh sách và tiền lương")
    list_intro = _l("Nâng bậc lương thường xuyên sau 36 tháng (nhóm A), 24 tháng (nhóm B, C) hoặc 60 tháng (chuyên "
                    "gia cao cấp) giữ bậc; đến bậc cuối của ngạch thì hưởng phụ cấp thâm niên vượt khung. Ngày "
                    "nghỉ hưu theo Nghị định 135/2020/NĐ-CP.")
    filter_form = FilterForm
    filter_fields = ("unit_id", "only")
    filter_width = 4
    refuse_bad_filters = True
    columns = COLUMNS
    table_id = "salary-table"
    row_class = "salary-row"
    empty_message = _l("Không có người nào.")

    def list_page(self, filters) -> Page:
        """The page's rows, and its count with the chart's figures (one grouped statement)."""
        unit = None
        if filters.unit_id.data is not None:
            unit = db.session.get(OrgUnit, filters.unit_id.data)
            if unit is None or not scope.allows(g.user, ACTION_READ, RESOURCE_PERSONNEL, unit):
                abort(404, description=_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        today = scope.today()
        g.salary_retire_limit = add_months(today, RETIRE_MONTHS)
        window = (today, add_months(today, RAISE_MONTHS))
        only_due = filters.only.data == "raise"
        rows, _count = svc.salary_rows(g.user, unit, due_within=window if only_due else None)
        page = paginate(rows, scalars=False)
        page.rows = [svc.to_row(r) for r in page.rows]
        summary = svc.salary_summary(g.user, unit, window, months=RETIRE_MONTHS)
        page.total, page.capped = (summary.due if only_due else summary.total), False
        page.extra = {"summary": summary}
        return page

    def list_charts(self, page: Page) -> list[Chart]:
        """Step raises due and retirements per month of the next year, in the list's unit."""
        summary = page.extra.get("summary")
        if summary is None:
            return []
        return [Chart("salary-months", _("Số người đến hạn nâng bậc lương và đến tuổi nghỉ hưu trong 12 tháng tới"),
                      [(month.strftime("%m/%Y"), [raises, retires]) for month, raises, retires in summary.months],
                      [_("Đến hạn nâng bậc lương, phụ cấp vượt khung"), _("Đến tuổi nghỉ hưu")], kind="column",
                      label_header=_("Tháng"))]

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.id}

    def list_buttons(self) -> list[Markup]:
        args = {k: v for k, v in request.args.items() if k in ("unit_id", "only") and v}
        return [export_button(url_for("SalaryView.xlsx", **args), "salary-xlsx")]

    @expose("/")
    @has_access
    def index(self):
        """``?unit_id=`` (a unit of the reader's scope, with its sub-units), ``?only=raise``."""
        return self.render_list()

    @expose("/xlsx", methods=["POST"])
    @has_access
    def xlsx(self):
        """The same rows as an XLSX: a background export (written row by row in constant memory), then its progress
        page and download."""
        filters = FilterForm(request.args, meta={"csrf": False})
        if not filters.validate():
            abort(400, description=_("Bộ lọc không hợp lệ."))
        return start_export("salary", {"unit_id": filters.unit_id.data, "only": filters.only.data or "",
                                       "day": scope.today()})


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Danh sách và tiền lương"."""
    appbuilder.add_view(SalaryView, MENU_REPORT_SALARY, label=_l("Danh sách và tiền lương"), icon="fa-money",
                        category=MENU_REPORTS)
