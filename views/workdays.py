"""Lịch ngày làm việc: the year's holidays and days off (with a deadline calculator), and the overrides list.

Everyone holding read on the calendar sees both pages; only Sở Nội vụ administrators (write) add, edit or
delete an override. The overrides screen is Flask-AppBuilder's ModelView, but its writes go through the use
cases of ``app.workdays`` (validation, audit reason, one transaction) via the kit's ``UseCaseInterface``; the
same validation runs in the form first, so a refused override shows its Vietnamese message next to the field.
"""

from datetime import date

from flask import request
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, Select2Widget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, StopValidation
from wtforms.validators import Optional as OptionalV

from app import workdays as wd
from app.request_input import parse_int
from app.security.permissions import (
    MENU_WORKDAY_CALENDAR,
    MENU_WORKDAY_OVERRIDES,
    MENU_WORKDAYS,
    READ,
    RESOURCE_WORKDAYS,
    WRITE,
)
from models.workdays import OVERRIDE_KINDS, WorkdayOverride
from views.base import ScopedModelView
from views.forms import DateField, VNForm
from views.kit import Column, ListView, Page, UseCaseInterface
from views.kit import day as shown_day
from views.kit import moment as shown_moment

__all__ = ["CalculatorForm", "WorkdayCalendarView", "WorkdayOverrideView", "register"]


class _Checked:
    """WTForms validator: the errors :func:`app.workdays.check_override` gives for this field."""

    def __init__(self, field_name: str) -> None:
        self.field_name = field_name

    def __call__(self, form, field) -> None:
        if field.errors:  # the field's own parsing already failed (e.g. not a date)
            return
        errors = wd.check_override(form.day.data, form.kind.data, form.reason.data,
                                   exclude_id=getattr(form, "_id", None))
        if messages := errors.get(self.field_name):
            raise StopValidation(" ".join(messages))


class WorkdayOverrideView(ScopedModelView):
    """Điều chỉnh ngày nghỉ, ngày làm bù: extra days off and extra working Saturdays announced late."""

    route_base = "/workdays/overrides"
    datamodel = UseCaseInterface(
        WorkdayOverride,
        add=lambda user, item: wd.add_override(user, item.day, item.kind, item.reason),
        edit=lambda user, item: wd.update_override(user, item.id, item.day, item.kind, item.reason),
        delete=lambda user, item: wd.remove_override(user, item.id))
    class_permission_name = RESOURCE_WORKDAYS
    method_permission_name = {
        "list": READ, "show": READ, "download": READ,
        "add": WRITE, "edit": WRITE, "delete": WRITE, "action": WRITE, "action_post": WRITE,
    }
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Điều chỉnh ngày nghỉ, ngày làm bù")
    show_title = _l("Điều chỉnh lịch ngày làm việc")
    add_title = _l("Thêm điều chỉnh lịch ngày làm việc")
    edit_title = _l("Sửa điều chỉnh lịch ngày làm việc")
    list_columns = show_columns = ["day", "weekday_label", "kind_label", "reason", "created_by.username", "created_at"]
    add_columns = edit_columns = search_columns = ["day", "kind", "reason"]
    formatters_columns = {"day": shown_day, "created_at": shown_moment}
    order_columns = ["day", "created_at"]
    base_order = ("day", "desc")
    page_size = 50
    label_columns = {
        "day": _l("Ngày"), "weekday_label": _l("Thứ"), "kind": _l("Điều chỉnh thành"),
        "kind_label": _l("Điều chỉnh thành"), "reason": _l("Lý do, văn bản thông báo"), "created_by": _l("Người nhập"),
        "created_by.username": _l("Người nhập"), "created_at": _l("Thời điểm nhập"),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        # the app's dd/mm/yyyy text box (FAB's date picker asks YYYY-MM-DD)
        "day": DateField(_l("Ngày"), validators=[InputRequired(message=_l("Hãy nhập ngày.")), _Checked("day")],
                         description=_l("Ngày dạng dd/mm/yyyy. Điều chỉnh luôn được ưu tiên hơn lịch nghỉ lễ có sẵn."),
                         render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
                                    "class": "form-control"}),
        "kind": SelectField(_l("Điều chỉnh thành"), choices=list(OVERRIDE_KINDS.items()), widget=Select2Widget(),
                            validators=[_Checked("kind")]),
        "reason": TextAreaField(_l("Lý do, văn bản thông báo"), widget=BS3TextAreaFieldWidget(),
                                validators=[_Checked("reason")],
                                description=_l("Ví dụ: Thông báo số …/TB-BNV ngày … về lịch nghỉ Tết.")),
    }


class CalculatorForm(VNForm):
    """Tính hạn: the date N working days after a day (a GET form)."""

    start = DateField(_l("Kể từ ngày"), validators=[OptionalV()])
    n = IntegerField(_l("Số ngày làm việc"), validators=[OptionalV()])


def _day_cell(info) -> str:
    return wd.format_day(info.day)


class WorkdayCalendarView(ListView):
    """The year's holidays, days off and make-up working days, and a deadline calculator."""

    route_base = "/workdays"
    default_view = "year"
    class_permission_name = RESOURCE_WORKDAYS
    method_permission_name = {"year": READ}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_template = "workdays/year.html"
    table_id = "year-days"
    row_class = "workday-row"
    list_intro = _l('Ngày làm việc là thứ Hai đến thứ Sáu, trừ ngày nghỉ lễ, Tết, ngày nghỉ bù và ngày nghỉ do hoán '
                    'đổi; cộng các thứ Bảy làm bù. Hạn "trong N ngày làm việc kể từ ngày ..." không tính ngày đó: ngày '
                    'làm việc thứ nhất là ngày làm việc tiếp theo.')
    list_links = [(_l("Thêm điều chỉnh"), "WorkdayOverrideView.add", "fa-plus", WRITE)]
    columns = (
        Column(_l("Ngày"), _day_cell, css="text-nowrap"),
        Column(_l("Thứ"), lambda info: info.weekday),
        Column(_l("Tình trạng"), lambda info: _("Làm việc") if info.working else _("Nghỉ")),
        Column(_l("Tên ngày, lý do"), lambda info: info.name),
        Column(_l("Nguồn"), lambda info: Markup("<small>%s</small>") % info.source_label),
    )

    def row_attrs(self, info) -> dict:
        return {"class": f"{self.row_class} {'success' if info.working else 'warning'}",
                "data-day": info.day.isoformat(), "data-working": int(info.working), "data-source": info.source}

    @expose("/")
    @has_access
    def year(self):
        """``?year=YYYY`` (default: this year); ``?start=YYYY-MM-DD&n=N`` computes a deadline."""
        today = date.today()
        errors: list[str] = []
        raw_year = request.args.get("year", "").strip()
        year = parse_int(raw_year, 1, 9999) if raw_year else today.year
        try:
            if year is None:
                raise ValueError(_("Năm không hợp lệ."))
            days, total = wd.year_days(year), wd.count_workdays(date(year - 1, 12, 31), date(year, 12, 31))
        except ValueError as exc:
            errors.append(str(exc))
            year = today.year
            days, total = wd.year_days(year), wd.count_workdays(date(year - 1, 12, 31), date(year, 12, 31))
        form = CalculatorForm(request.args, meta={"csrf": False})
        due = None
        if request.args.get("start") or request.args.get("n"):
            if not form.validate() or form.start.data is None or form.n.data is None:
                errors.append(_("Hãy nhập ngày bắt đầu (dd/mm/yyyy) và số ngày làm việc."))
            elif not 0 <= form.n.data <= wd.MAX_WORKDAYS:
                errors.append(_("Số ngày làm việc phải từ 0 đến %(max)s.", max=wd.MAX_WORKDAYS))
            else:
                try:
                    due = wd.add_workdays(form.start.data, form.n.data)
                except ValueError as exc:
                    errors.append(str(exc))
        return self.render_list(
            Page(days), title=_("Lịch ngày làm việc năm %(year)s", year=year), year=year, form=form, due=due,
            errors=errors, total=total, format_day=wd.format_day, weekday_name=wd.weekday_name)


def register(appbuilder) -> None:
    """Menus under "Lịch ngày làm việc"."""
    appbuilder.add_view(WorkdayCalendarView, MENU_WORKDAY_CALENDAR, label=_l("Ngày nghỉ lễ, Tết theo năm"),
                        icon="fa-calendar", category=MENU_WORKDAYS, category_label=_l("Lịch ngày làm việc"),
                        category_icon="fa-calendar")
    appbuilder.add_view(WorkdayOverrideView, MENU_WORKDAY_OVERRIDES, label=_l("Điều chỉnh ngày nghỉ, ngày làm bù"),
                        icon="fa-calendar-check-o", category=MENU_WORKDAYS)
