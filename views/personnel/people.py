"""Danh sách hồ sơ, kho lưu trữ (HN-12.3), lập hồ sơ mới, and an officer's view of one file.

The list is one page of a scoped, filtered query in Vietnamese order (``list_people``: the rows come as
mappings with the unit name joined; code-list labels are read once per list), so the page runs the same
number of SQL statements whatever its size.
"""

from flask import current_app, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional as OptionalV

from app.crypto import mask
from app.extensions import db
from app.request_input import int_arg, parse_int
from app.security import scope
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    READ,
    RESOURCE_PERSONNEL,
    WRITE,
)
from app.services import code_lists, transfers
from app.services import personnel as svc
from app.services.errors import ValidationError
from app.services.personnel.checks import format_partial_date
from app.services.personnel.queries import PersonPage, SearchRateLimited
from app.text import clean
from models.accounts import Account
from views.forms import DateField, UnitPickerField, VNForm
from views.kit import Column, render_rows, service_form
from views.personnel import file_pages
from views.personnel.common import LeaveForm, LinkForm, Links, code_choices
from views.personnel.routes import FILE_PERMISSIONS, file_routes

__all__ = ["PeopleView", "list_filter"]

#: Rows per page of the list (``?size=`` may ask for 1–100).
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
#: The status filter of the list, and of the archive.
LIST_STATUSES = {"active": _l("Đang công tác"), "archive": _l("Lưu trữ"), "all": _l("Tất cả")}
MAX_AGE = 120


class FilterForm(VNForm):
    """Bộ lọc danh sách hồ sơ (GET, no CSRF token)."""

    q = StringField(_l("Họ tên hoặc số CCCD"), validators=[OptionalV()])
    unit_id = UnitPickerField(_l("Đơn vị"), purpose="people_read")
    sub_units = BooleanField(_l("Gồm đơn vị trực thuộc"))
    category = SelectField(_l("Đối tượng"), choices=[], validate_choice=False)
    status = SelectField(_l("Trạng thái"), choices=[], validate_choice=False)
    rank_code = SelectField(_l("Ngạch, chức danh nghề nghiệp"), choices=[], validate_choice=False)
    gender = SelectField(_l("Giới tính"), choices=[], validate_choice=False)
    age_min = StringField(_l("Tuổi từ"), validators=[OptionalV()])
    age_max = StringField(_l("Tuổi đến"), validators=[OptionalV()])


class NewPersonForm(VNForm):
    """Lập hồ sơ mới (tuyển dụng, tiếp nhận)."""

    org_unit_id = UnitPickerField(_l("Đơn vị công tác"), purpose="people")
    category = SelectField(_l("Đối tượng"), choices=[], validate_choice=False)
    full_name = StringField(_l("Họ và tên"), validators=[OptionalV()])
    family_name = StringField(_l("Họ"), validators=[OptionalV()])
    middle_name = StringField(_l("Tên đệm"), validators=[OptionalV()])
    given_name = StringField(_l("Tên"), validators=[OptionalV()])
    gender = SelectField(_l("Giới tính"), choices=[], validate_choice=False)
    birth_date = StringField(_l("Ngày sinh (dd/mm/yyyy, hoặc mm/yyyy, yyyy nếu chỉ biết tháng, năm)"),
                             validators=[OptionalV()])
    cccd = StringField(_l("Số CCCD"), validators=[OptionalV()])
    decision_date = DateField(_l("Ngày quyết định tuyển dụng, phê chuẩn hoặc ký hợp đồng"), validators=[OptionalV()],
                              description=_l("Thời hạn cấp tài khoản cá nhân tính từ ngày này."))


def _age(form: FilterForm, name: str, errors: dict) -> int | None:
    raw = clean(form[name].data)
    if not raw:
        return None
    age = parse_int(raw, 0, MAX_AGE)
    if age is not None:
        return age
    errors[name] = [_("Tuổi phải là số nguyên từ 0 đến %(max)s; bộ lọc này chưa được áp dụng.", max=MAX_AGE)]
    return None


def _filter(form: FilterForm, archive: bool) -> tuple[svc.PersonFilter, dict]:
    """The service's filter from the form; a bad value is reported next to its field and left out."""
    errors: dict = {}
    unit_id = form.unit_id.data
    if unit_id is not None and not isinstance(unit_id, int):
        errors["unit_id"] = [_("Không tìm thấy đơn vị; bộ lọc này chưa được áp dụng.")]
        unit_id = None
    statuses = dict(form.status.choices)
    status = form.status.data if form.status.data in statuses else ("archive" if archive else "active")
    form.status.data = status
    flt = svc.PersonFilter(
        unit_id=unit_id, include_sub_units=bool(form.sub_units.data),
        category=form.category.data if form.category.data in svc.CATEGORIES else None, status=status,
        rank_code=form.rank_code.data or None, gender=form.gender.data or None,
        age_min=_age(form, "age_min", errors), age_max=_age(form, "age_max", errors), q=clean(form.q.data) or None,
    )
    return flt, errors


def list_filter(archive: bool) -> tuple[FilterForm, svc.PersonFilter, dict]:
    """(form, filter, errors) of the list's filters in this request's query string — the list page and its export
    (``PeopleExportView``) read them alike."""
    form = FilterForm(request.args, meta={"csrf": False})
    if "q" not in request.args:  # the filter was never sent: sub-units are included by default
        form.sub_units.data = True
    if archive:
        form.status.choices = [("archive", _("Tất cả hồ sơ lưu trữ"))] + [
            (k, str(svc.STATUSES[k])) for k in file_pages.LEAVE_CHOICES]
    else:
        form.status.choices = [(k, str(v)) for k, v in LIST_STATUSES.items()]
    form.category.choices = [("", _("— Tất cả —"))] + [(k, str(v)) for k, v in svc.CATEGORIES.items()]
    form.rank_code.choices = code_choices("rank", form.rank_code.data)
    form.gender.choices = code_choices("gender", form.gender.data)
    flt, errors = _filter(form, archive)
    return form, flt, errors


def _list_columns(first: int, archive: bool) -> list[Column]:
    """The list's columns; a row is ``(number on the page, person row)``."""
    genders, ranks = code_lists.labels("gender"), code_lists.labels("rank")
    show = url_for("PeopleView.show", pk=987654321)

    def name(item):
        r = item[1]
        text = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
        return Markup('<a href="%s" class="person-link">%s</a>') % (show.replace("987654321", str(r.id)), text)

    def post(item):
        r = item[1]
        rank = Markup('<small class="text-muted">%s</small>') % ranks.get(r.rank_code, r.rank_code) \
            if r.rank_code else ""
        return escape(r.position or "") + (Markup("<br>") if r.position and r.rank_code else "") + rank

    columns = [
        Column(_l("STT"), lambda item: first + item[0]),
        Column(_l("Họ và tên"), name),
        Column(_l("Ngày sinh"), lambda item: format_partial_date(item[1].birth_date, item[1].birth_date_precision)),
        Column(_l("Giới tính"), lambda item: genders.get(item[1].gender, item[1].gender or "")),
        Column(_l("Đơn vị"), lambda item: item[1].unit_name, "unit-name"),
        Column(_l("Chức vụ / ngạch"), post),
        Column(_l("Đối tượng"), lambda item: svc.CATEGORIES.get(item[1].category, item[1].category)),
        Column(_l("Số CCCD"), lambda item: mask(item[1].cccd), "cccd"),
        Column(_l("Hoàn thiện"), lambda item: f"{item[1].completeness}%"),
    ]
    if archive:
        columns.append(Column(_l("Trạng thái"), lambda item: svc.STATUSES.get(item[1].status, item[1].status)))
    return columns


def _page_args() -> tuple[int, int]:
    page = int_arg("page", 1)
    size = min(int_arg("size", PAGE_SIZE), MAX_PAGE_SIZE)
    return page, size


def _page_url(endpoint: str, page: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    return url_for(endpoint, page=page, **args)


class PeopleView(file_routes("/<int:pk>"), BaseView):
    """Hồ sơ of the units in scope: list, archive, new file, the file page and its edit pages."""

    route_base = "/people"
    default_view = "index"
    class_permission_name = RESOURCE_PERSONNEL
    method_permission_name = {
        **FILE_PERMISSIONS,
        "index": READ,
        "archive": READ,
        "create": WRITE,
        "link": WRITE,
        "leave": WRITE,
    }
    # The three actions of the resource, listed in every view on it so a permission sync keeps them all.
    base_permissions = [ACTION_READ, ACTION_WRITE, ACTION_APPROVE]

    def file_links(self, pk, object_route: bool = False) -> Links:
        """The file named in the URL (the services check the scope)."""
        return Links("PeopleView", pk)

    def attachment_links(self, att_id) -> Links:
        """The file an attachment belongs to (404 when there is no such attachment)."""
        return Links("PeopleView", file_pages.attachment_owner(att_id))

    # ----------------------------------------------------------------- lists

    @expose("/")
    @has_access
    def index(self):
        """Danh sách hồ sơ: tìm theo tên (không dấu) hoặc số CCCD, lọc theo đơn vị, đối tượng, ngạch, tuổi."""
        return self._list("PeopleView.index", archive=False, title=_("Danh sách hồ sơ"))

    @expose("/archive")
    @has_access
    def archive(self):
        """Kho lưu trữ: hồ sơ của người đã nghỉ hưu, thôi việc, từ trần, chuyển đi (HN-12.3), chỉ xem."""
        return self._list("PeopleView.archive", archive=True, title=_("Kho lưu trữ hồ sơ"))

    def _list(self, endpoint: str, *, archive: bool, title: str):
        form, flt, errors = list_filter(archive)
        page_no, size = _page_args()
        status = 200
        try:
            page = svc.list_people(g.user, flt, page_no - 1, size)
        except SearchRateLimited as exc:
            page = PersonPage(rows=[], total=0, total_capped=False, page=page_no - 1, page_size=size,
                                  notice=" ".join(exc.messages))
            status = exc.status
        columns = _list_columns((page_no - 1) * size, archive)
        return self.render_template(
            "personnel/list.html", title=title, form=form, errors=errors, page=page, archive=archive,
            headers=[c.label for c in columns], rows_html=render_rows(
                enumerate(page.rows, 1), columns, lambda r: {"data-person-id": r[1].id}),
            can_write=current_app.appbuilder.sm.has_access(ACTION_WRITE, RESOURCE_PERSONNEL),
            export_url=url_for("PeopleExportView.start", archive=1 if archive else None,
                               **{k: v for k, v in request.args.items() if k not in ("page", "size", "archive")}),
            prev_url=_page_url(endpoint, page_no - 1) if page_no > 1 else None,
            next_url=_page_url(endpoint, page_no + 1) if page.has_next else None,
        ), status

    # ----------------------------------------------------------------- new file

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        """Lập hồ sơ mới: đơn vị, đối tượng, họ tên (tự tách họ, tên đệm, tên), giới tính, ngày sinh, CCCD."""
        form = NewPersonForm()
        form.category.choices = [("", _("— Chọn đối tượng —"))] + [
            (k, str(v)) for k, v in svc.covered_categories().items()]
        form.gender.choices = code_choices("gender", form.gender.data)
        if request.method == "GET":
            form.org_unit_id.data = int_arg("unit")
        names = ("org_unit_id", "category", "full_name", "family_name", "middle_name", "given_name", "gender",
                 "birth_date", "cccd", "decision_date")
        return service_form(
            self, form, lambda: svc.create_person(g.user, {name: form[name].data for name in names}),
            title=_("Lập hồ sơ mới"), template="personnel/new.html",
            done=lambda person: _("Đã lập hồ sơ của %(name)s.", name=person.full_name),
            back=lambda person: url_for("PeopleView.show", pk=person.id))

    # ----------------------------------------------------------------- one file

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """Trang hồ sơ: các mục của sơ yếu lý lịch theo thẻ, bản nháp, tài liệu, phiên bản, lịch sử."""
        return file_pages.render_file(self, Links("PeopleView", pk))

    @expose("/<int:pk>/link", methods=["POST"])
    @has_access
    def link(self, pk):
        """Gắn tài khoản cá nhân với hồ sơ (HCM-4.4: mỗi người một tài khoản)."""
        form = LinkForm(prefix="link")

        def act():
            username = clean(form.username.data)
            account_id = _account_id(username) if username else None
            try:
                svc.link_account(g.user, pk, account_id)
            except ValidationError as exc:  # the form names the account by its username
                raise ValidationError({"username" if k == "account_id" else k: v
                                       for k, v in exc.errors.items()}) from None

        return file_pages.page_post(self, Links("PeopleView", pk), "link", form, act,
                                    _l("Đã gắn tài khoản với hồ sơ."), page="show")

    @expose("/<int:pk>/leave", methods=["POST"])
    @has_access
    def leave(self, pk):
        """Chuyển hồ sơ vào lưu trữ: nghỉ hưu, thôi việc, từ trần, chuyển đi (HN-12.3); không xóa gì."""
        form = LeaveForm(prefix="leave")
        form.status.choices = [(k, str(svc.STATUSES[k])) for k in file_pages.LEAVE_CHOICES]
        return file_pages.page_post(
            self, Links("PeopleView", pk), "leave", form,
            lambda: transfers.leave(g.user, pk, form.status.data, form.on.data, form.decision.data),
            _l("Đã chuyển hồ sơ vào kho lưu trữ."), page="show")


def _account_id(username: str) -> int | None:
    """Id of the account called ``username`` among those the signed-in user may read (None if none)."""
    return db.session.scalar(select(Account.id).where(
        Account.username == username, Account.id.in_(scope.account_ids(g.user, ACTION_READ))))
