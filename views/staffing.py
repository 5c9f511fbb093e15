"""Biên chế và vị trí việc làm (issue 17 item 1): the screens where Sở Nội vụ and the agencies keep the quotas and
the job-position catalogue, under "Cơ cấu tổ chức".

Kit screens: ``ListView`` lists (the quotas in force, the positions), ``service_form`` forms (one use case each:
``app/services/staffing.py``), a unit picker limited to the units the user maintains, the decision's number and
date on every quota and count. History pages list every decision, the one in force first.
"""

from __future__ import annotations

from flask import abort, g, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange
from wtforms.validators import Optional as OptionalV

from app.request_input import MAX_INT, parse_int
from app.security import scope
from app.security.permissions import (
    MENU_JOB_POSITIONS,
    MENU_ORGANISATION,
    MENU_STAFF_QUOTAS,
    READ,
    RESOURCE_STAFFING,
    WRITE,
)
from app.services import code_lists
from app.services import staffing as svc
from app.services.errors import ForbiddenError, NotFoundError
from models.staffing import JobPosition, UnitQuota
from views.forms import DateField, UnitPickerField, VNForm, column_length
from views.kit import Column, ListView, Page, day, found, label, link, paginate, render_table, service_form, small

__all__ = ["JobPositionsView", "QuotasView", "register"]

_NUMBER = NumberRange(min=0, max=MAX_INT, message=_l("Phải là số từ %(min)s đến %(max)s."))


def _kind_choices(blank) -> list[tuple[str, str]]:
    return [("", blank)] + [(k, str(v)) for k, v in svc.KIND_LABELS.items()]


def _group_choices(blank) -> list[tuple[str, str]]:
    return [("", blank)] + [(k, str(v)) for k, v in svc.GROUP_LABELS.items()]


def _rank(code: str | None) -> str:
    return f"{code_lists.label('rank', code)} ({code})" if code else "—"


class _Decision(VNForm):
    """The decision every quota and count carries."""

    decision_number = StringField(_l("Số quyết định"), validators=[column_length(UnitQuota.decision_number)])
    decision_date = DateField(_l("Ngày quyết định"), validators=[OptionalV()])
    note = TextAreaField(_l("Ghi chú"))
    fieldsets = ((_l("Căn cứ quyết định"), ("decision_number", "decision_date", "note")),)


class QuotaForm(_Decision):
    """Giao biên chế cho một đơn vị (một năm, một loại)."""

    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="staffing")
    year = IntegerField(_l("Năm"), validators=[OptionalV(), _NUMBER])
    kind = SelectField(_l("Loại biên chế"), choices=[], validate_choice=False)
    quota = IntegerField(_l("Biên chế được giao"), validators=[OptionalV(), _NUMBER],
                         description=_l("Quyết định mới thay thế quyết định đang áp dụng; quyết định cũ vẫn được "
                                        "lưu trong lịch sử."))


class QuotaFilter(VNForm):
    """The quota list's filters."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm đơn vị trực thuộc)"), purpose="staffing_read")
    year = IntegerField(_l("Năm"), validators=[OptionalV(), _NUMBER])
    kind = SelectField(_l("Loại biên chế"), choices=[], validate_choice=False)


class PositionForm(VNForm):
    """Thêm vị trí việc làm."""

    code = StringField(_l("Mã vị trí việc làm"), validators=[column_length(JobPosition.code)],
                       description=_l("Mã ghi ở mục 30.3 của sơ yếu lý lịch; không đổi được sau khi tạo."))
    name = StringField(_l("Tên vị trí việc làm"), validators=[column_length(JobPosition.name)])
    group = SelectField(_l("Nhóm vị trí việc làm"), choices=[], validate_choice=False)
    rank_code = SelectField(_l("Ngạch, chức danh nghề nghiệp yêu cầu"), choices=[], validate_choice=False)
    org_unit_id = UnitPickerField(_l("Thuộc danh mục riêng của cơ quan"), purpose="staffing",
                                  description=_l("Để trống: danh mục chung của thành phố (chỉ Sở Nội vụ)."))
    active = BooleanField(_l("Đang sử dụng"), default=True)
    note = TextAreaField(_l("Ghi chú"))


class EditPositionForm(PositionForm):
    """Sửa vị trí việc làm (mã và cơ quan sở hữu không đổi)."""

    code = None
    org_unit_id = None


class PositionFilter(VNForm):
    """The position list's filters."""

    q = StringField(_l("Mã hoặc tên"))
    group = SelectField(_l("Nhóm"), choices=[], validate_choice=False)
    unit_id = UnitPickerField(_l("Danh mục riêng của cơ quan"), purpose="staffing_read")
    inactive = BooleanField(_l("Gồm vị trí đã ngừng sử dụng"))


class CountForm(_Decision):
    """Giao số lượng người làm việc theo vị trí cho một đơn vị."""

    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="staffing")
    count = IntegerField(_l("Số lượng được duyệt"), validators=[OptionalV(), _NUMBER])


def _decision_cell(r) -> Markup:
    return Markup("%s") % r.decision_number + small(day(r.decision_date))


def _with_choices(form, blank):
    if hasattr(form, "kind"):
        form.kind.choices = _kind_choices(blank)
    if hasattr(form, "group") and form.group is not None:
        form.group.choices = _group_choices(blank)
    if getattr(form, "rank_code", None) is not None:
        form.rank_code.choices = [("", _("— Không yêu cầu ngạch cụ thể —"))] + [
            (code, f"{name} ({code})") for code, name in code_lists.choices("rank")]
    return form


# --------------------------------------------------------------------------- quotas


class QuotasView(ListView):
    """Biên chế được giao: the quotas in force, their history, a new decision."""

    route_base = "/staffing/quotas"
    class_permission_name = RESOURCE_STAFFING
    base_permissions = ["can_" + READ, "can_" + WRITE]
    method_permission_name = {"index": READ, "show": READ, "new": WRITE}
    filter_form = QuotaFilter
    filter_fields = ("unit_id", "year", "kind")
    filter_width = 3
    table_id = "quota-table"
    row_class = "quota-row"
    empty_message = _l("Chưa có quyết định giao biên chế nào trong phạm vi của bạn.")
    list_links = ((_l("Ghi nhận quyết định giao biên chế"), "QuotasView.new", "fa-plus", WRITE),)
    columns = (
        Column(_l("Đơn vị"), lambda r: r.unit_name, css="col-unit"),
        Column(_l("Năm"), lambda r: r.UnitQuota.year),
        Column(_l("Loại biên chế"), lambda r: str(svc.KIND_LABELS.get(r.UnitQuota.kind, ""))),
        Column(_l("Biên chế được giao"), lambda r: r.UnitQuota.quota, css="text-right col-quota"),
        Column(_l("Quyết định đang áp dụng"), lambda r: _decision_cell(r.UnitQuota)),
        Column(_l("Lịch sử"), lambda r: link(url_for("QuotasView.show", pk=r.UnitQuota.id), _("Xem lịch sử"))),
    )
    history_columns = (
        Column(_l("Số quyết định"), lambda r: r.decision_number),
        Column(_l("Ngày quyết định"), lambda r: day(r.decision_date)),
        Column(_l("Biên chế được giao"), lambda r: r.quota, css="text-right"),
        Column(_l("Ghi chú"), lambda r: r.note or ""),
        Column(_l("Ghi nhận lúc"), lambda r: r.created_at.astimezone().strftime("%d/%m/%Y %H:%M")),
    )

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.UnitQuota.id, "data-unit": r.UnitQuota.org_unit_id}

    def list_page(self, filters) -> Page:
        _with_choices(filters, _("— Tất cả —"))
        unit_id = filters.unit_id.data if isinstance(filters.unit_id.data, int) else None
        stmt = svc.quota_list(g.user, unit_id=unit_id, year=filters.year.data if not filters.year.errors else None,
                              kind=filters.kind.data or None)
        return paginate(stmt, scalars=False)

    @expose("/")
    @has_access
    def index(self):
        """The quotas in force in the user's scope."""
        return self.render_list(title=_("Biên chế được giao"), intro=_(
            "Mỗi dòng là quyết định đang áp dụng của một đơn vị theo năm và loại biên chế; biên chế giao cho một "
            "đơn vị tính cho cả các đơn vị trực thuộc."))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """Every decision of one unit, year and kind, the one in force first."""
        row, history = found(svc.quota_history, g.user, pk)
        links = []
        if self.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_STAFFING):
            links.append((_("Ghi nhận quyết định mới"), url_for("QuotasView.new", unit=row.org_unit_id,
                                                                  year=row.year, kind=row.kind), "fa-plus"))
        return self.render_template(
            "staffing/history.html", view=self, title=_("%(kind)s năm %(year)s: %(unit)s",
                                                        kind=svc.KIND_LABELS[row.kind], year=row.year,
                                                        unit=row.org_unit.name),
            intro=_("Quyết định đầu tiên trong bảng là quyết định đang áp dụng; các quyết định trước được giữ lại."),
            table=render_table(history, self.history_columns, lambda r: {
                "class": "history-row" + (" success" if r.id == history[0].id else ""), "data-id": r.id},
                table_id="quota-history", css="table table-striped table-condensed"),
            links=links, back_url=url_for("QuotasView.index"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """Record a decision giving a unit its quota (``?unit=&year=&kind=`` fill the form)."""
        form = _with_choices(QuotaForm(), _("— Chọn —"))
        if request.method == "GET":
            form.org_unit_id.data = parse_int(request.args.get("unit", "")) or None
            form.year.data = parse_int(request.args.get("year", "")) or scope.today().year
            form.kind.data = request.args.get("kind") if request.args.get("kind") in svc.KIND_LABELS else None
        return service_form(
            self, form, lambda: svc.set_quota(g.user, form.org_unit_id.data, form.year.data, form.kind.data or None,
                                              form.quota.data, form.decision_number.data, form.decision_date.data,
                                              form.note.data),
            title=_("Ghi nhận quyết định giao biên chế"), form_id="quota-form",
            done=_("Đã ghi nhận quyết định giao biên chế."), back=lambda r: url_for("QuotasView.show", pk=r.id),
            forbidden_field="org_unit_id", submit_label=_("Ghi nhận"))


# --------------------------------------------------------------------------- positions


def _owner(r) -> str:
    return r.unit_name or _("Danh mục chung của thành phố")


class JobPositionsView(ListView):
    """Danh mục vị trí việc làm: the positions, a position's counts per unit and their history, the forms."""

    route_base = "/staffing/positions"
    class_permission_name = RESOURCE_STAFFING
    base_permissions = ["can_" + READ, "can_" + WRITE]
    method_permission_name = {"index": READ, "show": READ, "new": WRITE, "edit": WRITE, "count": WRITE}
    filter_form = PositionFilter
    filter_fields = ("q", "group", "unit_id", "inactive")
    filter_width = 3
    table_id = "position-table"
    row_class = "position-row"
    empty_message = _l("Không có vị trí việc làm nào.")
    list_links = ((_l("Thêm vị trí việc làm"), "JobPositionsView.new", "fa-plus", WRITE),)
    columns = (
        Column(_l("Mã"), lambda r: link(url_for("JobPositionsView.show", pk=r.JobPosition.id), r.JobPosition.code),
               css="col-code"),
        Column(_l("Vị trí việc làm"), lambda r: r.JobPosition.name),
        Column(_l("Nhóm"), lambda r: str(svc.GROUP_LABELS.get(r.JobPosition.group, ""))),
        Column(_l("Ngạch yêu cầu"), lambda r: _rank(r.JobPosition.rank_code)),
        Column(_l("Thuộc danh mục"), _owner),
        Column(_l("Tình trạng"), lambda r: label(_("Đang sử dụng"), "success") if r.JobPosition.active
               else label(_("Ngừng sử dụng"))),
    )
    count_columns = (
        Column(_l("Đơn vị"), lambda r: r.unit_name),
        Column(_l("Số lượng được duyệt"), lambda r: r.JobPositionQuota.count, css="text-right"),
        Column(_l("Số quyết định"), lambda r: r.JobPositionQuota.decision_number),
        Column(_l("Ngày quyết định"), lambda r: day(r.JobPositionQuota.decision_date)),
        Column(_l("Ghi chú"), lambda r: r.JobPositionQuota.note or ""),
    )

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.JobPosition.id, "data-code": r.JobPosition.code}

    def list_page(self, filters) -> Page:
        _with_choices(filters, _("— Tất cả —"))
        unit_id = filters.unit_id.data if isinstance(filters.unit_id.data, int) else None
        return paginate(svc.position_list(g.user, q=filters.q.data, group=filters.group.data or None,
                                          unit_id=unit_id, include_inactive=bool(filters.inactive.data)),
                        scalars=False)

    @expose("/")
    @has_access
    def index(self):
        """The catalogue: the city's common positions and those of the agencies in the user's scope."""
        return self.render_list(title=_("Danh mục vị trí việc làm"), intro=_(
            "Người giữ vị trí được nhận biết qua mã vị trí việc làm ghi ở mục 30.3 của sơ yếu lý lịch."))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """A position: its requirements, the counts in force per unit and every decision."""
        position, current, history = found(svc.position_counts, g.user, pk)
        sm = self.appbuilder.sm
        links = []
        if sm.has_access("can_" + WRITE, RESOURCE_STAFFING):
            links = [(_("Giao số lượng cho đơn vị"), url_for("JobPositionsView.count", pk=position.id), "fa-plus"),
                     (_("Sửa"), url_for("JobPositionsView.edit", pk=position.id), "fa-pencil")]
        facts = [(_("Mã"), position.code), (_("Nhóm"), svc.GROUP_LABELS.get(position.group, "")),
                 (_("Ngạch yêu cầu"), _rank(position.rank_code)),
                 (_("Thuộc danh mục"), position.org_unit.name if position.org_unit is not None
                  else _("Danh mục chung của thành phố")),
                 (_("Tình trạng"), _("Đang sử dụng") if position.active else _("Ngừng sử dụng")),
                 (_("Ghi chú"), position.note or "—")]
        return self.render_template(
            "staffing/position.html", view=self, title=position.name, facts=facts, links=links,
            current=render_table(current, self.count_columns, lambda r: {"class": "count-row",
                                                                         "data-unit": r.JobPositionQuota.org_unit_id},
                                 table_id="count-table", empty=_("Chưa giao số lượng cho đơn vị nào.")),
            history=render_table(history, self.count_columns, lambda r: {"class": "count-history-row"},
                                 table_id="count-history", empty=_("Chưa có quyết định nào.")),
            back_url=url_for("JobPositionsView.index"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """Add a position: to the city's catalogue (Sở Nội vụ) or an agency's own."""
        form = _with_choices(PositionForm(), _("— Chọn —"))
        return service_form(
            self, form, lambda: svc.create_position(g.user, _position_data(form)),
            title=_("Thêm vị trí việc làm"), form_id="position-form", done=_("Đã thêm vị trí việc làm."),
            back=lambda r: url_for("JobPositionsView.show", pk=r.id), forbidden_field="org_unit_id")

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """Change a position (its code and owner stay)."""
        try:
            position = svc.get_position(g.user, pk, write=True)
        except ForbiddenError as exc:
            abort(403, description=" ".join(exc.messages))
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        form = _with_choices(EditPositionForm(obj=position if request.method == "GET" else None), _("— Chọn —"))
        return service_form(
            self, form, lambda: svc.update_position(g.user, position.id, _position_data(form)),
            title=_("Sửa vị trí việc làm"), subtitle=position.code, form_id="position-form",
            done=_("Đã lưu vị trí việc làm."), back=url_for("JobPositionsView.show", pk=position.id),
            back_url=url_for("JobPositionsView.show", pk=position.id))

    @expose("/<int:pk>/count", methods=["GET", "POST"])
    @has_access
    def count(self, pk):
        """Record the decision approving a count of this position for a unit."""
        position = found(svc.get_position, g.user, pk)
        form = CountForm()
        return service_form(
            self, form, lambda: svc.set_position_count(g.user, position.id, form.org_unit_id.data, form.count.data,
                                                       form.decision_number.data, form.decision_date.data,
                                                       form.note.data),
            title=_("Giao số lượng vị trí việc làm"), subtitle=f"{position.code} {position.name}",
            form_id="count-form", done=_("Đã ghi nhận số lượng được duyệt."),
            back=url_for("JobPositionsView.show", pk=position.id),
            back_url=url_for("JobPositionsView.show", pk=position.id), forbidden_field="org_unit_id",
            submit_label=_("Ghi nhận"))


def _position_data(form) -> svc.PositionData:
    return svc.PositionData(
        code=form.code.data if getattr(form, "code", None) is not None else None, name=form.name.data,
        group=form.group.data or None, rank_code=form.rank_code.data or None,
        org_unit_id=form.org_unit_id.data if getattr(form, "org_unit_id", None) is not None else None,
        active=bool(form.active.data), note=form.note.data)


def register(appbuilder) -> None:
    """Menus under "Cơ cấu tổ chức": "Biên chế được giao", "Danh mục vị trí việc làm"."""
    appbuilder.add_view(QuotasView, MENU_STAFF_QUOTAS, label=_l("Biên chế được giao"), icon="fa-users",
                        category=MENU_ORGANISATION)
    appbuilder.add_view(JobPositionsView, MENU_JOB_POSITIONS, label=_l("Danh mục vị trí việc làm"),
                        icon="fa-briefcase", category=MENU_ORGANISATION)
