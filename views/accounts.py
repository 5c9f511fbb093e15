"""Account screens (HN-3.8, HN-9, HCM-11.2, HCM-15.4): accounts in scope, create, bulk-create, grant/restrict/
extend/revoke, rename, reset password, lock/unlock; lost-password requests; Sở Nội vụ's quick role tweaks.

Screens of the view kit (``views/kit.py``): each parses, calls one ``app.services.accounts`` function, flashes
and redirects, or shows its page again with the service's messages next to their fields (a refusal with its
403). Pages that show a new password (create, bulk create, reset, lost-password request) render it once, in
the response to the POST, with ``Cache-Control: no-store``; nothing keeps it afterwards.
"""

from operator import attrgetter

from flask import flash, g, make_response, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app.request_input import int_arg
from app.security.permissions import (
    MENU_ACCOUNTS,
    MENU_PASSWORD_REQUESTS,
    MENU_QUICK_ROLES,
    MENU_SYSTEM,
    READ,
    RESOURCE_ACCOUNT,
    RESOURCE_ROLE_ADMIN,
    WRITE,
)
from app.security.roles import ROLE_SELF_SERVICE
from app.services import accounts as svc
from models.accounts import ACCOUNT_KINDS, Account, PasswordRequest, RoleAssignment
from views import kit
from views.access import STATUS_LABELS
from views.forms import DateField, UnitPickerField, VNForm, column_length
from views.kit import Column, ListView, Page

__all__ = ["AccountsView", "PasswordRequestsView", "QuickRolesView", "register"]

#: How many accounts the quick-role search shows.
QUICK_LIMIT = 20


# --------------------------------------------------------------------------- forms


def _request_number(text=_l("Số văn bản đề nghị")) -> StringField:
    return StringField(text, validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class FilterForm(VNForm):
    """Account list filters (GET, no CSRF token)."""

    q = StringField(_l("Họ tên hoặc tên đăng nhập"), validators=[OptionalV()])
    unit_id = UnitPickerField(_l("Đơn vị"), purpose="read")
    only_unit = BooleanField(_l("Chỉ đơn vị này, không gồm đơn vị trực thuộc"))


class QuickSearchForm(VNForm):
    """Quick-role search (GET, no CSRF token)."""

    q = StringField(_l("Họ tên hoặc tên đăng nhập"), validators=[OptionalV()])
    unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")


class AccountFieldsMixin:
    """Who (declared before the role fields: the create form shows them first)."""

    last_name = StringField(_l("Họ và tên đệm"), validators=[OptionalV(), column_length(Account.last_name)])
    first_name = StringField(_l("Tên"), validators=[OptionalV(), column_length(Account.first_name)])
    username = StringField(_l("Tên đăng nhập (để trống: tự sinh từ họ tên)"),
                           validators=[OptionalV(), column_length(Account.username)])
    email = StringField(_l("Thư điện tử"), validators=[OptionalV(), column_length(Account.email)])
    kind = SelectField(_l("Loại tài khoản"), choices=[], default="personal", validate_choice=False)


class RoleFieldsMixin:
    """A role on a unit, valid until a date, on a written request (HCM-11.2)."""

    role_name = SelectField(_l("Vai trò"), choices=[], validate_choice=False)
    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")
    include_descendants = BooleanField(_l("Áp dụng cho cả đơn vị trực thuộc"))
    valid_to = DateField(_l("Hiệu lực đến ngày (để trống: không thời hạn)"), validators=[OptionalV()])
    request_number = _request_number()


class CreateAccountForm(AccountFieldsMixin, RoleFieldsMixin, VNForm):
    """Tạo một tài khoản: who, which unit, which role."""


class BulkForm(VNForm):
    """Tạo hàng loạt tài khoản cá nhân."""

    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")
    lines = TextAreaField(_l("Danh sách cán bộ: mỗi dòng một người, \"Họ và tên; thư điện tử\" (thư điện tử không "
                             "bắt buộc)"), validators=[OptionalV()])
    request_number = _request_number()


class GrantForm(RoleFieldsMixin, VNForm):
    """Cấp vai trò."""


class RestrictForm(VNForm):
    """Hạn chế phân quyền."""

    drop_descendants = BooleanField(_l("Bỏ đơn vị trực thuộc"))
    valid_to = DateField(_l("Rút ngắn thời hạn đến ngày"), validators=[OptionalV()])
    request_number = _request_number()


class ExtendForm(VNForm):
    """Gia hạn phân quyền."""

    valid_to = DateField(_l("Gia hạn đến ngày (để trống: không thời hạn)"), validators=[OptionalV()])
    request_number = _request_number()


class RevokeForm(VNForm):
    """Thu hồi phân quyền."""

    request_number = _request_number()


class RenameForm(VNForm):
    """Đổi tên đăng nhập."""

    username = StringField(_l("Tên đăng nhập mới"), validators=[OptionalV(), column_length(Account.username)])


class ResolveForm(VNForm):
    """Cấp lại mật khẩu theo văn bản báo mất."""

    document_number = StringField(_l("Số văn bản báo mất mật khẩu"),
                                  validators=[OptionalV(), column_length(PasswordRequest.document_number)])


#: The changes of an assignment: form, title, button class, what is flashed.
ASSIGNMENT_ACTIONS = {
    "restrict": (RestrictForm, _l("Hạn chế"), "btn-warning", _l("Đã hạn chế phân quyền %(role)s của %(name)s.")),
    "extend": (ExtendForm, _l("Gia hạn"), "btn-primary", _l("Đã gia hạn phân quyền %(role)s của %(name)s.")),
    "revoke": (RevokeForm, _l("Thu hồi"), "btn-danger", _l("Đã thu hồi phân quyền %(role)s của %(name)s.")),
}


# --------------------------------------------------------------------------- shared pieces


def _role_choices() -> list[tuple[str, str]]:
    """The roles the user may grant somewhere, after an empty "choose" entry (the unit is checked on submit)."""
    return [("", _("— Chọn vai trò —"))] + [(n, n) for n in svc.grantable_role_names(g.user)]


def _grant(account, form, back: str):
    """Grant the role chosen in a :class:`GrantForm` to ``account`` (the service decides), say so, go ``back``."""
    svc.grant_role(g.user, account.id, form.role_name.data, form.org_unit_id.data,
                   include_descendants=form.include_descendants.data, valid_to=form.valid_to.data,
                   request_number=form.request_number.data)
    flash(_("Đã cấp vai trò %(role)s cho %(name)s.", role=form.role_name.data, name=account.username), "success")
    return redirect(back)


def _changed(kind, account, assignment) -> str:
    """What an assignment change did."""
    return str(ASSIGNMENT_ACTIONS[kind][3]) % {"role": assignment.role.name, "name": account.username}


def render_passwords(view, title, rows, back):
    """The printable hand-out of usernames and default passwords (HN-6.2), never cached."""
    resp = make_response(view.render_template("accounts/passwords.html", title=title, rows=rows, back=back))
    resp.headers["Cache-Control"] = "no-store, max-age=0"
    resp.headers["Pragma"] = "no-cache"
    return resp


def _handout(view, title, account, password: str, back: str):
    """The hand-out of one account's new password."""
    return render_passwords(view, title, [{"name": account.display_name, "username": account.username,
                                           "password": password, "unit": _unit(account)}], back)


def _unit(row) -> str:
    return row.org_unit.name if row.org_unit else ""


def _roles_cell(roles) -> Markup:
    """The roles an account holds today, each with its unit ("+": with the units below)."""
    plus = Markup(' <span title="%s">+</span>') % _("Gồm đơn vị trực thuộc")
    return Markup("<br>").join(kit.label(r.role.name) + Markup(' <small class="text-muted">%s%s</small>') % (
        r.org_unit.name, plus if r.include_descendants else "") for r in roles)


def _assignment_table(table_id: str, assignments, *extra: Column) -> Markup:
    """An account's role assignments with their status today, then ``extra`` columns."""
    statuses = {a.id: svc.assignment_status(a) for a in assignments}
    columns = [
        Column(_l("Vai trò"), lambda a: a.role.name),
        Column(_l("Đơn vị"), lambda a: a.org_unit.name),
        Column(_l("Gồm đơn vị trực thuộc"), lambda a: _("Có") if a.include_descendants else _("Không")),
        Column(_l("Hiệu lực"), lambda a: _("%(start)s – %(end)s", start=kit.day(a.valid_from),
                                           end=kit.day(a.valid_to) or _("không thời hạn")), "text-nowrap"),
        Column(_l("Số văn bản đề nghị"), attrgetter("request_number")),
        Column(_l("Trạng thái"), lambda a: kit.status_label(statuses[a.id], STATUS_LABELS)),
        *extra,
    ]
    return kit.render_table(assignments, columns, table_id=table_id, row_attrs=lambda a: {
        "data-assignment-id": a.id, "class": f"assignment-{statuses[a.id]}"})


# --------------------------------------------------------------------------- accounts


class AccountsView(ListView):
    """Accounts of the units in the user's scope: list, account page, create, bulk create and every change."""

    route_base = "/accounts"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {"index": READ, "show": READ, **dict.fromkeys(
        ("create", "bulk", "grant", "change_assignment", "rename", "reset_password", "lock", "unlock"), WRITE)}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Tài khoản")
    table_id = "account-list"
    empty_message = _l("Không có tài khoản nào phù hợp.")
    filter_form = FilterForm
    filter_fields = ("q", "unit_id", "only_unit")
    filter_width = 4
    list_links = [(_l("Tạo hàng loạt"), "AccountsView.bulk", "fa-users", WRITE),
                  (_l("Tạo tài khoản"), "AccountsView.create", "fa-user-plus", WRITE)]

    @expose("/")
    @has_access
    def index(self):
        """Account list: search by name or username, filter by unit; 50 a page, previous/next."""
        return self.render_list()

    def list_page(self, filters) -> Page:
        offset = int_arg("offset", 0, lo=0)
        page = kit.found(svc.search_accounts, g.user, filters.q.data, filters.unit_id.data,
                         include_sub_units=not filters.only_unit.data, offset=offset)
        return kit.offset_page(page.rows, page.has_more, offset, size=page.limit, extra={"roles": page.roles})

    def row_attrs(self, row) -> dict:
        return {"data-account-id": row.id}

    def page_columns(self, page, context):
        roles = page.extra["roles"]
        return [
            Column(_l("Tên đăng nhập"), lambda a: kit.link(url_for("AccountsView.show", pk=a.id), a.username)),
            Column(_l("Họ và tên"), attrgetter("display_name")),
            Column(_l("Đơn vị"), _unit),
            Column(_l("Loại tài khoản"), lambda a: ACCOUNT_KINDS.get(a.kind, "")),
            Column(_l("Vai trò đang hiệu lực"), lambda a: _roles_cell(roles.get(a.id, []))),
            Column(_l("Đã khóa"), lambda a: kit.label(_("Đã khóa"), "danger") if a.is_locked else ""),
            Column(_l("Phải đổi mật khẩu"),
                   lambda a: kit.label(_("Phải đổi"), "warning") if a.must_change_password else ""),
        ]

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """Account page: fields, role assignments and the management forms."""
        return self._render_show(kit.found(svc.visible_account, g.user, pk))

    def _render_show(self, account, *, active: str = "", posted=None, errors=None):
        """The account page; ``active`` names the posted form (kept filled in, with its errors)."""
        manage = svc.can_manage(g.user, account)

        def make(key, cls, **kwargs):
            return posted if key == active else cls(formdata=None, prefix=key, **kwargs)

        assignments = svc.assignments_of(account)
        actions = {a: [(f"a{a.id}-{kind}", make(f"a{a.id}-{kind}", cls), title, btn,
                           url_for("AccountsView.change_assignment", pk=account.id, aid=a.id, kind=kind))
                          for kind, (cls, title, btn, _msg) in ASSIGNMENT_ACTIONS.items()]
                   for a in assignments if manage and a.revoked_at is None}
        toggle = Column("", lambda a: Markup(
            '<button type="button" class="btn btn-xs btn-default" data-toggle="collapse" data-target="#actions-%s">'
            '%s</button>') % (a.id, _("Hạn chế / gia hạn / thu hồi")) if a in actions else "", "text-nowrap")
        granted_by = Column(_l("Người cấp"), lambda a: a.granted_by.username if a.granted_by else "")
        grant = make("grant", GrantForm, data={"org_unit_id": account.org_unit_id})
        grant.role_name.choices = _role_choices()
        lock = ("unlock", _("Mở khóa"), "success", "fa-unlock") if account.is_locked else (
            "lock", _("Khóa tài khoản"), "danger", "fa-lock")
        buttons = [kit.post_button(url_for(f"AccountsView.{name}", pk=account.id), text,
                                   css=f"btn btn-{css} btn-sm", icon=icon)
                   for name, text, css, icon in (("reset_password", _("Cấp lại mật khẩu mặc định"), "warning",
                                                  "fa-key"), lock)]
        return self.render_template(
            "accounts/show.html", title=_("Tài khoản %(name)s", name=account.username), account=account,
            kinds=ACCOUNT_KINDS, manage=manage, grant=grant, actions=actions, buttons=buttons,
            assignments=assignments and _assignment_table("assignments", assignments, granted_by,
                                                          *([toggle] if manage else [])),
            rename=make("rename", RenameForm, data={"username": account.username}), active=active,
            errors=errors or {})

    def _post(self, account, key, form, call, done=None):
        """Check ``form`` (posted with prefix ``key``) and ``call`` the service, then flash ``done()`` and go back to
        the account page (without ``done``, ``call``'s answer is the response); or show the page again with the
        errors next to the posted form (the CSRF-only form of a button: ``key`` "confirm")."""
        def act():
            result = call()
            if done is None:
                return result
            flash(done(), "success")
            return redirect(url_for("AccountsView.show", pk=account.id))

        return kit.attempt(form, act, lambda errors: self._render_show(account, active=key, posted=form,
                                                                       errors=errors), forbidden_in_page=True)

    @expose("/<int:pk>/grant", methods=["POST"])
    @has_access
    def grant(self, pk):
        """Cấp vai trò trên một đơn vị, theo văn bản đề nghị (HCM-11.2)."""
        account = kit.found(svc.visible_account, g.user, pk)
        form = GrantForm(prefix="grant")
        form.role_name.choices = _role_choices()
        return self._post(account, "grant", form,
                          lambda: _grant(account, form, url_for("AccountsView.show", pk=account.id)))

    @expose("/<int:pk>/assignments/<int:aid>/<any(restrict, extend, revoke):kind>", methods=["POST"])
    @has_access
    def change_assignment(self, pk, aid, kind):
        """Hạn chế, gia hạn hoặc thu hồi một phân quyền, theo văn bản đề nghị (HN-3.8, HCM-11.2)."""
        account, assignment = kit.found(svc.account_assignment, g.user, pk, aid)
        key = f"a{assignment.id}-{kind}"
        form = ASSIGNMENT_ACTIONS[kind][0](prefix=key)

        def change():
            number = form.request_number.data
            if kind == "revoke":
                svc.revoke_assignment(g.user, assignment.id, request_number=number)
            elif kind == "restrict":
                svc.restrict_assignment(g.user, assignment.id, request_number=number, valid_to=form.valid_to.data,
                                        drop_descendants=form.drop_descendants.data)
            else:
                svc.extend_assignment(g.user, assignment.id, valid_to=form.valid_to.data, request_number=number)

        return self._post(account, key, form, change, lambda: _changed(kind, account, assignment))

    @expose("/<int:pk>/rename", methods=["POST"])
    @has_access
    def rename(self, pk):
        """Đổi tên đăng nhập (HN-3.8)."""
        account = kit.found(svc.visible_account, g.user, pk)
        form, old = RenameForm(prefix="rename"), account.username
        return self._post(account, "rename", form, lambda: svc.rename_account(g.user, account.id, form.username.data),
                          lambda: _("Đã đổi tên đăng nhập %(old)s thành %(new)s.", old=old, new=account.username))

    @expose("/<int:pk>/reset-password", methods=["POST"])
    @has_access
    def reset_password(self, pk):
        """Cấp lại mật khẩu mặc định: shown once on a printable page (HN-3.8)."""
        account = kit.found(svc.visible_account, g.user, pk)
        return self._post(account, "confirm", VNForm(), lambda: _handout(
            self, _("Mật khẩu mới của %(name)s", name=account.username), account,
            svc.reset_password(g.user, account.id), url_for("AccountsView.show", pk=account.id)))

    @expose("/<int:pk>/lock", methods=["POST"])
    @has_access
    def lock(self, pk):
        """Khóa tài khoản."""
        account = kit.found(svc.visible_account, g.user, pk)
        return self._post(account, "confirm", VNForm(), lambda: svc.lock_account(g.user, account.id),
                          lambda: _("Đã khóa tài khoản %(name)s.", name=account.username))

    @expose("/<int:pk>/unlock", methods=["POST"])
    @has_access
    def unlock(self, pk):
        """Mở khóa tài khoản."""
        account = kit.found(svc.visible_account, g.user, pk)
        return self._post(account, "confirm", VNForm(), lambda: svc.unlock_account(g.user, account.id),
                          lambda: _("Đã mở khóa tài khoản %(name)s.", name=account.username))

    # ----------------------------------------------------------------- create

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        """Tạo một tài khoản cơ quan (HN-9.1) hoặc cá nhân (HN-9.2); the default password is shown once."""
        form = CreateAccountForm()
        form.kind.choices = [(k, str(v)) for k, v in ACCOUNT_KINDS.items()]
        form.role_name.choices = _role_choices()
        if request.method == "GET":
            form.org_unit_id.data, form.role_name.data = int_arg("unit"), ROLE_SELF_SERVICE
        return kit.service_form(
            self, form, lambda: svc.create_account(g.user, svc.AccountData(
                username=form.username.data, last_name=form.last_name.data, first_name=form.first_name.data,
                email=form.email.data, org_unit_id=form.org_unit_id.data, kind=form.kind.data,
                role_name=form.role_name.data, include_descendants=form.include_descendants.data,
                request_number=form.request_number.data, valid_to=form.valid_to.data)),
            respond=lambda made: _handout(self, _("Đã tạo tài khoản %(name)s", name=made[0].username), *made,
                                          url_for("AccountsView.show", pk=made[0].id)),
            title=_("Tạo tài khoản"), form_id="account-form", submit_label=_("Tạo tài khoản"),
            forbidden_in_page=True, intro=_(
                "Mật khẩu mặc định được sinh tự động và chỉ hiển thị một lần sau khi lưu; người dùng phải đổi mật "
                "khẩu ở lần đăng nhập đầu tiên."))

    @expose("/bulk", methods=["GET", "POST"])
    @has_access
    def bulk(self):
        """Tạo hàng loạt tài khoản cá nhân (HN-6.2, HCM-4.4); a printable hand-out list of default passwords."""
        form = BulkForm()
        form.lines.render_kw = {"rows": 12, "placeholder": _("Nguyễn Văn An; an.nv@example.gov.vn") + "\n" + _(
            "Trần Thị Bình")}
        if request.method == "GET":
            form.org_unit_id.data = int_arg("unit")
        return kit.service_form(
            self, form, lambda: svc.bulk_create_accounts(g.user, form.org_unit_id.data, form.lines.data,
                                                         request_number=form.request_number.data),
            respond=lambda rows: render_passwords(self, _("Danh sách tài khoản đã tạo (%(n)s tài khoản)",
                                                          n=len(rows)), rows, url_for("AccountsView.index")),
            title=_("Tạo tài khoản hàng loạt"), form_id="bulk-form", submit_label=_("Tạo tài khoản"),
            forbidden_in_page=True, intro=_(
                "Mỗi người một tài khoản cá nhân, vai trò Cán bộ công chức tại đơn vị đã chọn. Tên đăng "
                "nhập được sinh theo tên và chữ cái đầu của họ, tên đệm (Nguyễn Văn An → annv)."))


# --------------------------------------------------------------------------- lost passwords


class PasswordRequestsView(ListView):
    """Lost-password requests of the accounts in scope (HCM-15.4)."""

    route_base = "/password-requests"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {"index": WRITE, "resolve": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Yêu cầu cấp lại mật khẩu")
    list_intro = _l("Khi mất hoặc lộ mật khẩu, người dùng báo bằng văn bản cho thủ trưởng và Sở Nội vụ; mật khẩu "
                    "mới chỉ được cấp khi có số văn bản đó.")
    table_id = "password-requests"
    empty_message = _l("Không có yêu cầu nào đang chờ xử lý.")

    @expose("/")
    @has_access
    def index(self):
        """Open requests of units where the user manages accounts, oldest first; 50 a page."""
        return self.render_list()

    def list_page(self, filters) -> Page:
        offset = int_arg("offset", 0, lo=0)
        return kit.offset_page(*svc.open_password_requests(g.user, offset=offset), offset, size=svc.PAGE_SIZE)

    def row_attrs(self, row) -> dict:
        return {"data-request-id": row.id}

    def page_columns(self, page, context):
        def resolve_cell(r):
            mine = context.get("active") == r.id
            return kit.row_form(url_for("PasswordRequestsView.resolve", pk=r.id),
                                context["posted"] if mine else ResolveForm(formdata=None, prefix=f"r{r.id}"),
                                _("Cấp mật khẩu mới"), errors=context["errors"] if mine else None,
                                css="btn btn-warning btn-sm", icon="fa-key", form_id=f"resolve-{r.id}")

        return [
            Column(_l("Ngày gửi"), lambda r: format_datetime(r.created_at, "dd/MM/yyyy HH:mm")),
            Column(_l("Tên đăng nhập"), lambda r: kit.link(url_for("AccountsView.show", pk=r.user.id), r.username)
                   if r.user else r.username),
            Column(_l("Họ và tên"), lambda r: r.user.display_name if r.user else ""),
            Column(_l("Đơn vị"), _unit),
            Column(_l("Liên hệ"), attrgetter("contact")),
            Column(_l("Ghi chú"), attrgetter("note")),
            Column(_l("Cấp lại mật khẩu"), resolve_cell),
        ]

    @expose("/<int:pk>/resolve", methods=["POST"])
    @has_access
    def resolve(self, pk):
        """Cấp lại mật khẩu theo văn bản báo mất (HCM-15.4); the new password is shown once."""
        req = kit.found(svc.password_request_in_scope, g.user, pk)
        form = ResolveForm(prefix=f"r{req.id}")
        account = req.user
        return kit.attempt(form, lambda: _handout(
            self, _("Mật khẩu mới của %(name)s", name=account.username), account,
            svc.resolve_password_request(g.user, req.id, form.document_number.data),
            url_for("PasswordRequestsView.index")),
            lambda errors: self.render_list(active=req.id, posted=form, errors=errors), forbidden_in_page=True)


# --------------------------------------------------------------------------- quick role tweaks


class QuickRolesView(ListView):
    """Sở Nội vụ: find a user by name or unit and change role assignments in a few clicks."""

    route_base = "/quick-roles"
    class_permission_name = RESOURCE_ROLE_ADMIN
    method_permission_name = {"index": WRITE, "grant": WRITE, "revoke": WRITE}
    base_permissions = ["can_" + WRITE]
    list_template = "accounts/quick_roles.html"
    list_title = _l("Điều chỉnh nhanh vai trò")
    list_intro = _l("Tìm người dùng theo họ tên, tên đăng nhập hoặc đơn vị; chọn một người để xem, cấp hoặc thu hồi "
                    "vai trò. Mọi thay đổi được ghi vào nhật ký bảo mật và nhật ký thay đổi.")
    table_id = "quick-results"
    empty_message = _l("Không tìm thấy người dùng nào.")
    filter_form = QuickSearchForm
    filter_fields = ("q", "unit_id")
    filter_width = 5

    @expose("/")
    @has_access
    def index(self):
        """Search (20 results at most), pick a user, see and change their assignments."""
        user = request.args.get("user")
        return self._render(kit.found(svc.visible_account, g.user, user) if user else None)

    def list_page(self, filters) -> Page:
        if not (filters.q.data or filters.unit_id.data):
            return Page(rows=[], extra={"searched": False})
        results = kit.found(svc.search_accounts, g.user, filters.q.data, filters.unit_id.data, limit=QUICK_LIMIT)
        return Page(rows=results.rows, extra={"searched": True, "more": results.has_more, "roles": results.roles})

    def row_attrs(self, row) -> dict:
        return {"class": "info" if str(row.id) == request.args.get("user") else None}

    def page_columns(self, page, context):
        pick = Markup('<a class="btn btn-xs btn-default" href="%s">%s</a>')
        return [
            Column(_l("Tên đăng nhập"), attrgetter("username")),
            Column(_l("Họ và tên"), attrgetter("display_name")),
            Column(_l("Đơn vị"), _unit),
            Column(_l("Vai trò đang hiệu lực"), lambda a: _roles_cell(page.extra["roles"].get(a.id, []))),
            Column("", lambda a: pick % (url_for("QuickRolesView.index", **{**request.args.to_dict(), "user": a.id}),
                                         _("Chọn"))),
        ]

    def _render(self, account, *, active: str = "", posted=None, errors=None):
        context = {"account": account, "active": active, "errors": errors or {}}
        if account is not None:
            def revoke_cell(a):
                key = f"a{a.id}-revoke"
                return kit.row_form(url_for("QuickRolesView.revoke", pk=account.id, aid=a.id),
                                    posted if key == active else RevokeForm(formdata=None, prefix=key), _("Thu hồi"),
                                    errors=errors if key == active else None, css="btn btn-danger btn-sm",
                                    form_id=f"{key}-form", form_class="form-inline")

            assignments = [a for a in svc.assignments_of(account) if a.revoked_at is None]
            context["assignments"] = assignments and _assignment_table(
                "quick-assignments", assignments, Column(_l("Thu hồi"), revoke_cell))
            context["grant"] = posted if active == "grant" else GrantForm(formdata=None, prefix="grant")
            context["grant"].role_name.choices = _role_choices()
        return self.render_list(**context)

    def _post(self, account, key, form, act):
        return kit.attempt(form, act, lambda errors: self._render(account, active=key, posted=form, errors=errors),
                           forbidden_in_page=True)

    @expose("/<int:pk>/grant", methods=["POST"])
    @has_access
    def grant(self, pk):
        """Thêm vai trò trên một đơn vị (logged in the security log and the change log)."""
        account = kit.found(svc.visible_account, g.user, pk)
        form = GrantForm(prefix="grant")
        form.role_name.choices = _role_choices()
        return self._post(account, "grant", form,
                          lambda: _grant(account, form, url_for("QuickRolesView.index", user=account.id)))

    @expose("/<int:pk>/revoke/<int:aid>", methods=["POST"])
    @has_access
    def revoke(self, pk, aid):
        """Thu hồi một phân quyền."""
        account, assignment = kit.found(svc.account_assignment, g.user, pk, aid)
        key = f"a{assignment.id}-revoke"
        form = RevokeForm(prefix=key)

        def act():
            svc.revoke_assignment(g.user, assignment.id, request_number=form.request_number.data)
            flash(_changed("revoke", account, assignment), "success")
            return redirect(url_for("QuickRolesView.index", user=account.id))

        return self._post(account, key, form, act)


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(AccountsView, MENU_ACCOUNTS, label=_l("Tài khoản"), icon="fa-users",
                        category=MENU_SYSTEM, category_label=_l("Tài khoản"), category_icon="fa-key")
    appbuilder.add_view(PasswordRequestsView, MENU_PASSWORD_REQUESTS, label=_l("Yêu cầu cấp lại mật khẩu"),
                        icon="fa-unlock", category=MENU_SYSTEM)
    appbuilder.add_view(QuickRolesView, MENU_QUICK_ROLES, label=_l("Điều chỉnh nhanh vai trò"), icon="fa-bolt",
                        category=MENU_SYSTEM)
