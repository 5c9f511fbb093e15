"""Sắp nghỉ hưu (issue 16 item 4): the people of the reader's scope who reach the retirement age in the next
6, 12 or 24 months, by retirement date, with the count per unit — so the personnel office sees them coming.

One kit ``ListView``; the ages of NĐ 135/2020/NĐ-CP and the query live in
``app/services/transfers/retirement.py``. Readers of the moves (``read`` on the transfers) see it.
"""

from __future__ import annotations

from flask import g, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.validators import ValidationError

from app.security.permissions import MENU_PERSONNEL, MENU_RETIREMENTS, READ, RESOURCE_TRANSFER
from app.services.personnel.checks import format_partial_date
from app.services.transfers import retirement as svc
from views.forms import UnitPickerField, VNForm
from views.kit import Column, ListView, Page, day, found, link, paginate, render_table, small

__all__ = ["RetirementsView", "register"]

#: The periods offered (months).
PERIODS = (6, 12, 24)
#: Units listed in the count per unit (the rest are summed on one line).
SUMMARY_UNITS = 20


class FilterForm(VNForm):
    """The list's filters (a GET form)."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm các đơn vị trực thuộc)"), purpose="people_read")
    months = SelectField(_l("Nghỉ hưu trong"), coerce=int, default=12,
                         choices=[(n, _l("%(n)s tháng tới", n=n)) for n in PERIODS])

    def validate_unit_id(self, field):
        """A unit is chosen by its number: text is refused (a number of no unit in scope is the page's 404)."""
        if field.data is not None and not isinstance(field.data, int):
            raise ValidationError(_("Không tìm thấy đơn vị; bộ lọc này chưa được áp dụng."))


def _texts() -> dict:
    """This request's words, translated once (not once a row)."""
    if "retirement_texts" not in g:
        g.retirement_texts = {"nam": _("Nam"), "nu": _("Nữ"), "age": _("%(years)s tuổi %(months)s tháng"),
                              "age_years": _("%(years)s tuổi"), "left": _("%(n)s tháng"), "today": _("hôm nay")}
    return g.retirement_texts


def _name(r) -> str:
    return " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)


def _retires_cell(r) -> Markup:
    found_ = svc.retirement_of(r.birth_date, r.gender, r.birth_date_precision)
    texts = _texts()
    if found_ is None:
        return Markup(day(r.retires_on))
    years, months = found_.age
    age = texts["age"] % {"years": years, "months": months} if months else texts["age_years"] % {"years": years}
    return Markup("<strong>%s</strong>") % day(r.retires_on) + small(age)


def _left_cell(r) -> str:
    today = g.retirement_today
    n = (r.retires_on.year - today.year) * 12 + r.retires_on.month - today.month
    return _texts()["left"] % {"n": n} if n > 0 else _texts()["today"]


COLUMNS = (
    Column(_l("Họ và tên"), lambda r: link(url_for("PeopleView.show", pk=r.id), _name(r)), css="col-person"),
    Column(_l("Ngày sinh"), lambda r: format_partial_date(r.birth_date, r.birth_date_precision), css="col-birth"),
    Column(_l("Giới tính"), lambda r: _texts().get(r.gender, r.gender)),
    Column(_l("Đơn vị"), lambda r: r.unit_name, css="col-unit"),
    Column(_l("Ngày nghỉ hưu"), _retires_cell, css="col-retires",
           attrs=lambda r: {"data-date": r.retires_on.isoformat()}),
    Column(_l("Còn"), _left_cell, css="col-left"),
)


def _unit_link(r) -> Markup:
    args = {k: v for k, v in request.args.items() if k not in ("unit_id", "page") and v}
    return link(url_for("RetirementsView.index", unit_id=r.id, **args), r.name) + small(r.parent_name)


SUMMARY_COLUMNS = (
    Column(_l("Đơn vị"), _unit_link),
    Column(_l("Số người"), lambda r: r.count, css="col-count"),
)


class RetirementsView(ListView):
    """Sắp nghỉ hưu: who reaches the retirement age soon, per unit of the reader's scope."""

    route_base = "/retirements"
    class_permission_name = RESOURCE_TRANSFER
    base_permissions = ["can_" + READ]
    method_permission_name = {"index": READ}
    list_template = "transfers/retirements.html"
    list_title = _l("Sắp nghỉ hưu")
    list_intro = _l("Ngày nghỉ hưu là ngày đầu tháng liền kề sau tháng đủ tuổi nghỉ hưu trong điều kiện lao động "
                    "bình thường theo Nghị định 135/2020/NĐ-CP (nam 62 tuổi từ năm 2028, nữ 60 tuổi từ năm 2035; "
                    "trước đó theo lộ trình của Nghị định). Người chỉ có năm sinh được tính từ ngày 01/01 của năm "
                    "sinh; người thiếu ngày sinh hoặc giới tính không có trong danh sách.")
    filter_form = FilterForm
    filter_fields = ("unit_id", "months")
    filter_width = 4
    refuse_bad_filters = True
    columns = COLUMNS
    table_id = "retirements-table"
    row_class = "retirement-row"
    empty_message = _l("Không có người nào đến tuổi nghỉ hưu trong thời gian này.")

    def list_page(self, filters) -> Page:
        due = found(svc.retirements_due, g.user, filters.unit_id.data, filters.months.data or 12)
        g.retirement_today = due.start
        page = paginate(due.rows, scalars=False)
        page.total = due.total
        shown, rest = due.by_unit[:SUMMARY_UNITS], due.by_unit[SUMMARY_UNITS:]
        summary = render_table(shown, SUMMARY_COLUMNS, lambda r: {"class": "retirement-unit", "data-unit": r.id,
                                                                  "data-count": r.count},
                               table_id="retirements-by-unit", css="table table-condensed table-bordered")
        if rest:
            summary += Markup('<p class="text-muted" id="retirements-other-units">%s</p>') % _(
                "và %(units)s đơn vị khác: %(people)s người.", units=len(rest), people=sum(r.count for r in rest))
        page.extra = {"summary": summary if due.by_unit else None, "period": _(
            "Từ ngày %(start)s đến trước ngày %(end)s: %(n)s người.", start=day(due.start), end=day(due.end),
            n=due.total), "unit": due.unit}
        return page

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.id, "data-retires": r.retires_on.isoformat()}

    @expose("/")
    @has_access
    def index(self):
        """``?unit_id=`` (a unit of the reader's scope, with its sub-units), ``?months=`` 6 | 12 | 24."""
        return self.render_list()


def register(appbuilder) -> None:
    """Menu "Hồ sơ" → "Sắp nghỉ hưu"."""
    appbuilder.add_view(RetirementsView, MENU_RETIREMENTS, label=_l("Sắp nghỉ hưu"), icon="fa-hourglass-end",
                        category=MENU_PERSONNEL)
