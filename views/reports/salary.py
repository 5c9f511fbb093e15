"""Danh sách và tiền lương (issue 17): ngạch, bậc, hệ số, phụ cấp, the next step raise and the retirement date of
the people in force of a unit subtree; "only those due a step raise in the next 6 months"; an XLSX of the same.

One kit ``ListView``; the figures come from ``app/services/reports/salary.py`` (one statement a page). The XLSX is
written row by row (XlsxWriter, constant memory) from a server-side cursor, for at most ``XLSX_MAX_ROWS`` rows
(a bigger subtree: narrow the unit, or the city-wide export job of the people list).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import abort, after_this_request, g, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectField
from wtforms.validators import ValidationError

from app import audit
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
from views.kit import Column, ListView, Page, day, link, paginate, small

__all__ = ["SalaryView", "register"]

XLSX_MAX_ROWS = 50_000
#: The horizon of "due a step raise" and of the retirement column (months).
RAISE_MONTHS = 6
RETIRE_MONTHS = 12


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


COLUMNS = (
    Column(_l("Họ và tên"), lambda r: link(url_for("PeopleView.show", pk=r.id), r.name), css="col-person"),
    Column(_l("Đơn vị"), lambda r: r.unit, css="col-unit"),
    Column(_l("Ngạch, chức danh nghề nghiệp"), lambda r: _texts()["ranks"].get(r.rank_code, r.rank_code or "")),
    Column(_l("Nhóm"), lambda r: r.pay_group or ""),
    Column(_l("Bậc"), _step_cell, css="text-right"),
    Column(_l("Hệ số"), lambda r: _decimal(r.coefficient), css="text-right"),
    Column(_l("Hưởng từ"), lambda r: day(r.since)),
    Column(_l("Phụ cấp TNVK (%)"), lambda r: _decimal(r.seniority_pct), css="text-right"),
    Column(_l("Phụ cấp chức vụ"), lambda r: _decimal(r.allowance_position), css="text-right"),
    Column(_l("Phụ cấp kiêm nhiệm"), lambda r: _decimal(r.allowance_concurrent), css="text-right"),
    Column(_l("Nâng bậc, phụ cấp tiếp theo"), _next_cell, css="col-next"),
    Column(_l("Nghỉ hưu (12 tháng tới)"), _retire_cell, css="col-retire"),
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

    def _query(self, filters):
        unit = None
        if filters.unit_id.data is not None:
            unit = db.session.get(OrgUnit, filters.unit_id.data)
            if unit is None or not scope.allows(g.user, ACTION_READ, RESOURCE_PERSONNEL, unit):
                abort(404, description=_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        today = scope.today()
        g.salary_retire_limit = add_months(today, RETIRE_MONTHS)
        due = (today, add_months(today, RAISE_MONTHS)) if filters.only.data == "raise" else None
        return svc.salary_rows(g.user, unit, due_within=due), unit

    def list_page(self, filters) -> Page:
        (rows, count), _unit = self._query(filters)
        page = paginate(rows, scalars=False, count_cap=10_000, count_stmt=count)
        page.rows = [svc.to_row(r) for r in page.rows]
        return page

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.id}

    def list_buttons(self) -> list[Markup]:
        args = {k: v for k, v in request.args.items() if k in ("unit_id", "only") and v}
        return [Markup('<a class="btn btn-sm btn-default" id="salary-xlsx" href="%s">%s</a>') % (
            url_for("SalaryView.xlsx", **args), _("Tải XLSX"))]

    @expose("/")
    @has_access
    def index(self):
        """``?unit_id=`` (a unit of the reader's scope, with its sub-units), ``?only=raise``."""
        return self.render_list()

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        """The same rows as an XLSX, written row by row in constant memory; logged as an export."""
        import xlsxwriter

        filters = FilterForm(request.args, meta={"csrf": False})
        if not filters.validate():
            abort(400, description=_("Bộ lọc không hợp lệ."))
        (rows, count), unit = self._query(filters)
        total = db.session.scalar(select(func.count()).select_from(count.limit(XLSX_MAX_ROWS + 1).subquery()))
        if total > XLSX_MAX_ROWS:
            abort(400, description=_("Danh sách có hơn %(n)s người; hãy chọn một đơn vị nhỏ hơn.", n=XLSX_MAX_ROWS))
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False})
        sheet = book.add_worksheet(_("Danh sách lương"))
        bold, number, when = (book.add_format({"bold": True}), book.add_format({"num_format": "0.00"}),
                              book.add_format({"num_format": "dd/mm/yyyy"}))
        headers = [str(c.label) for c in COLUMNS]
        for i, header in enumerate(headers):
            sheet.write_string(0, i, header, bold)
        ranks = code_lists.labels("rank")
        written = 0
        for n, raw in enumerate(db.session.execute(rows.execution_options(yield_per=1000)), start=1):
            r = svc.to_row(raw)
            retire = retirement_date(r.birth_date, r.gender, r.birth_precision)
            cells = [r.name, r.unit, ranks.get(r.rank_code, r.rank_code or ""), r.pay_group or "", r.step,
                     r.coefficient, r.since, r.seniority_pct, r.allowance_position, r.allowance_concurrent,
                     r.next_raise, retire if retire is not None and retire <= g.salary_retire_limit else None]
            for i, value in enumerate(cells):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(n, i, value, when)
                elif isinstance(value, str):
                    sheet.write_string(n, i, value)  # never a formula, whatever it starts with
                else:
                    sheet.write_number(n, i, float(value), number if i in (5, 7, 8, 9) else None)
            written = n
        book.close()
        audit.log_access("export", object_type="Report", object_id=unit.id if unit else None,
                         org_unit_id=unit.id if unit else None,
                         detail={"report": "salary", "rows": written, "only": filters.only.data or "all"})

        @after_this_request
        def _remove(response):
            try:
                os.remove(path)
            except OSError:
                pass
            return response

        return send_file(path, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name="danh-sach-luong.xlsx", max_age=0)


def register(appbuilder) -> None:
    """Menu "Báo cáo" → "Danh sách và tiền lương"."""
    appbuilder.add_view(SalaryView, MENU_REPORT_SALARY, label=_l("Danh sách và tiền lương"), icon="fa-money",
                        category=MENU_REPORTS)
