"""Account screens (HN-3.8, HN-9, HCM-11.2, HCM-15.4): accounts in scope, create, bulk-create, grant/restrict/
extend/revoke, rename, reset password, lock/unlock; lost-password requests; Sở Nội vụ's quick role tweaks.

Views parse, call one ``app.services.accounts`` function, flash a translated message and redirect. Pages
that show a new password (create, bulk create, reset, lost-password request) render it once, in the
response to the POST, with ``Cache-Control: no-store``; nothing keeps it afterwards.
"""

from flask import abort, current_app, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
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
from app.services.errors import NotFoundError, ServiceError, ValidationError
from models.accounts import ACCOUNT_KINDS, Account, PasswordRequest, RoleAssignment
from views.forms import UnitPickerField, VNForm, column_length, field_errors

__all__ = ["AccountsView", "PasswordRequestsView", "QuickRolesView", "register"]

#: Labels of an assignment's status (``svc.assignment_status``).
ASSIGNMENT_STATUS = {
    "active": _l("Đang hiệu lực"),
    "pending": _l("Chưa đến ngày hiệu lực"),
    "expired": _l("Hết hạn"),
    "revoked": _l("Đã thu hồi"),
}
#: Bootstrap label class of each status.
STATUS_CLASS = {"active": "success", "pending": "info", "expired": "default", "revoked": "danger"}
#: How many accounts the quick-role search shows.
QUICK_LIMIT = 20


# --------------------------------------------------------------------------- forms


class FilterForm(VNForm):
    """Account list filters (GET, no CSRF token)."""

    q = StringField(_l("Họ tên hoặc tên đăng nhập"), validators=[OptionalV()])
    unit_id = UnitPickerField(_l("Đơn vị"), purpose="read")
    only_unit = BooleanField(_l("Chỉ đơn vị này, không gồm đơn vị trực thuộc"))


class QuickSearchForm(VNForm):
    """Quick-role search (GET, no CSRF token)."""

    q = StringField(_l("Họ tên hoặc tên đăng nhập"), validators=[OptionalV()])
    unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")


class RoleFieldsMixin:
    """A role on a unit, valid until a date, on a written request (HCM-11.2)."""

    role_name = SelectField(_l("Vai trò"), choices=[], validate_choice=False)
    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")
    include_descendants = BooleanField(_l("Áp dụng cho cả đơn vị trực thuộc"))
    valid_to = DateField(_l("Hiệu lực đến ngày (để trống: không thời hạn)"), validators=[OptionalV()])
    request_number = StringField(_l("Số văn bản đề nghị"),
                                 validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class CreateAccountForm(RoleFieldsMixin, VNForm):
    """Tạo một tài khoản: who, which unit, which role."""

    last_name = StringField(_l("Họ và tên đệm"), validators=[OptionalV(), column_length(Account.last_name)])
    first_name = StringField(_l("Tên"), validators=[OptionalV(), column_length(Account.first_name)])
    username = StringField(_l("Tên đăng nhập (để trống: tự sinh từ họ tên)"),
                           validators=[OptionalV(), column_length(Account.username)])
    email = StringField(_l("Thư điện tử"), validators=[OptionalV(), column_length(Account.email)])
    kind = SelectField(_l("Loại tài khoản"), choices=[], default="personal", validate_choice=False)


class BulkForm(VNForm):
    """Tạo hàng loạt tài khoản cá nhân."""

    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="accounts")
    lines = TextAreaField(_l("Danh sách cán bộ: mỗi dòng một người, \"Họ và tên; thư điện tử\" (thư điện tử không "
                             "bắt buộc)"), validators=[OptionalV()])
    request_number = StringField(_l("Số văn bản đề nghị"),
                                 validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class GrantForm(RoleFieldsMixin, VNForm):
    """Cấp vai trò."""


class RestrictForm(VNForm):
    """Hạn chế phân quyền."""

    drop_descendants = BooleanField(_l("Bỏ đơn vị trực thuộc"))
    valid_to = DateField(_l("Rút ngắn thời hạn đến ngày"), validators=[OptionalV()])
    request_number = StringField(_l("Số văn bản đề nghị"),
                                 validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class ExtendForm(VNForm):
    """Gia hạn phân quyền."""

    valid_to = DateField(_l("Gia hạn đến ngày (để trống: không thời hạn)"), validators=[OptionalV()])
    request_number = StringField(_l("Số văn bản đề nghị"),
                                 validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class RevokeForm(VNForm):
    """Thu hồi phân quyền."""

    request_number = StringField(_l("Số văn bản đề nghị"),
                                 validators=[OptionalV(), column_length(RoleAssignment.request_number)])


class RenameForm(VNForm):
    """Đổi tên đăng nhập."""

    username = StringField(_l("Tên đăng nhập mới"), validators=[OptionalV(), column_length(Account.username)])


class ConfirmForm(VNForm):
    """A button that changes something (reset password, lock, unlock): only the CSRF token."""


class ResolveForm(VNForm):
    """Cấp lại mật khẩu theo văn bản báo mất."""

    document_number = StringField(_l("Số văn bản báo mất mật khẩu"),
                                  validators=[OptionalV(), column_length(PasswordRequest.document_number)])


ASSIGNMENT_FORMS = {"restrict": RestrictForm, "extend": ExtendForm, "revoke": RevokeForm}
#: What each assignment change flashes.
ASSIGNMENT_DONE = {
    "restrict": _l("Đã hạn chế phân quyền %(role)s của %(name)s."),
    "extend": _l("Đã gia hạn phân quyền %(role)s của %(name)s."),
    "revoke": _l("Đã thu hồi phân quyền %(role)s của %(name)s."),
}


def _role_choices() -> list[tuple[str, str]]:
    """The roles the user may grant somewhere, after an empty "choose" entry (the unit is checked on submit)."""
    return [("", _("— Chọn vai trò —"))] + [(n, n) for n in svc.grantable_role_names(g.user)]


def _kind_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in ACCOUNT_KINDS.items()]


def _page_args() -> int:
    return int_arg("offset", 0, lo=0)


def _no_store(html, status: int = 200):
    """A response that browsers and proxies must not keep (it shows a password)."""
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store, max-age=0"
    resp.headers["Pragma"] = "no-cache"
    return resp


def _can_write() -> bool:
    return current_app.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_ACCOUNT)


def _grant(account, form) -> None:
    """Grant the role chosen in a :class:`GrantForm` to ``account`` (the service decides) and say so."""
    svc.grant_role(g.user, account.id, form.role_name.data, form.org_unit_id.data,
                   include_descendants=form.include_descendants.data, valid_to=form.valid_to.data,
                   request_number=form.request_number.data)
    flash(_("Đã cấp vai trò %(role)s cho %(name)s.", role=form.role_name.data, name=account.username), "success")


def _revoke(account, assignment, form) -> None:
    """Revoke ``assignment`` on the request number of a :class:`RevokeForm` and say so."""
    svc.revoke_assignment(g.user, assignment.id, request_number=form.request_number.data)
    flash(str(ASSIGNMENT_DONE["revoke"]) % {"role": assignment.role.name, "name": account.username}, "success")


def _handout_row(account, password: str) -> dict:
    """One line of the printable password hand-out."""
    return {"name": account.display_name, "username": account.username, "password": password,
            "unit": account.org_unit.name if account.org_unit else ""}


def render_passwords(view, title, rows, back):
    """The printable hand-out of usernames and default passwords (HN-6.2), never cached."""
    return _no_store(view.render_template("accounts/passwords.html", title=title, rows=rows, back=back))


def _found(fn, *args, **kwargs):
    """Call a read-only lookup of the service; a NotFoundError becomes 404."""
    try:
        return fn(*args, **kwargs)
    except NotFoundError:
        abort(404)


def _attempt(form, act, render):
    """Check ``form``'s types and CSRF token, then run ``act`` (one service call); when either refuses,
    ``render`` the page again with the messages next to the fields, with the matching HTTP status."""
    errors = field_errors(form)
    if errors:
        return render(errors), 400
    try:
        return act()
    except ValidationError as exc:
        return render(exc.errors), exc.status
    except NotFoundError:
        abort(404)
    except ServiceError as exc:
        return render({"__all__": exc.messages}), exc.status


# --------------------------------------------------------------------------- accounts


class AccountsView(BaseView):
    """Accounts of the units in the user's scope: list, account page, create, bulk create and every change."""

    route_base = "/accounts"
    default_view = "index"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {
        "index": READ,
        "show": READ,
        "create": WRITE,
        "bulk": WRITE,
        "grant": WRITE,
        "change_assignment": WRITE,
        "rename": WRITE,
        "reset_password": WRITE,
        "lock": WRITE,
        "unlock": WRITE,
    }
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Account list: search by name or username, filter by unit; 50 a page, previous/next."""
        form = FilterForm(request.args, meta={"csrf": False})
        page = _found(svc.search_accounts, g.user, form.q.data, form.unit_id.data,
                      include_sub_units=not form.only_unit.data, offset=_page_args())
        return self.render_template(
            "accounts/index.html", title=_("Tài khoản"), form=form, page=page, kinds=ACCOUNT_KINDS,
            can_write=_can_write(),
            prev_url=self._page_url(max(page.offset - page.limit, 0)) if page.offset else None,
            next_url=self._page_url(page.offset + page.limit) if page.has_more else None,
        )

    @staticmethod
    def _page_url(offset: int) -> str:
        args = {k: v for k, v in request.args.items() if k != "offset"}
        return url_for("AccountsView.index", offset=offset, **args)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """Account page: fields, role assignments and the management forms."""
        account = _found(svc.visible_account, g.user, pk)
        return self._render_show(account)

    def _render_show(self, account, *, active: str | None = None, posted=None, errors=None):
        """The account page; ``active`` names the posted form (kept filled in, with its errors)."""
        manage = svc.can_manage(g.user, account)

        def make(key, cls, **kwargs):
            if key == active and posted is not None:
                return posted
            return cls(formdata=None, prefix=key, **kwargs)

        grant = make("grant", GrantForm, data={"org_unit_id": account.org_unit_id})
        grant.role_name.choices = _role_choices()
        assignments = svc.assignments_of(account)
        statuses = {a.id: svc.assignment_status(a) for a in assignments}
        forms = {
            a.id: {kind: make(f"a{a.id}-{kind}", cls) for kind, cls in ASSIGNMENT_FORMS.items()}
            for a in assignments if manage and statuses[a.id] != "revoked"
        }
        return self.render_template(
            "accounts/show.html", title=_("Tài khoản %(name)s", name=account.username), account=account,
            kinds=ACCOUNT_KINDS, assignments=assignments, statuses=statuses, status_labels=ASSIGNMENT_STATUS,
            status_class=STATUS_CLASS, manage=manage, grant=grant, assignment_forms=forms,
            rename=make("rename", RenameForm, data={"username": account.username}),
            confirm=ConfirmForm(formdata=None, prefix="confirm"), active=active, active_form=posted,
            errors=errors or {},
        )

    def _post(self, account, key, form, act):
        """Validate ``form`` (posted with prefix ``key``), call the service in ``act``, or re-render the page."""
        def render(errors):
            return self._render_show(account, active=key, posted=form, errors=errors)

        return _attempt(form, act, render)

    @expose("/<int:pk>/grant", methods=["POST"])
    @has_access
    def grant(self, pk):
        """Cấp vai trò trên một đơn vị, theo văn bản đề nghị (HCM-11.2)."""
        account = _found(svc.visible_account, g.user, pk)
        form = GrantForm(prefix="grant")
        form.role_name.choices = _role_choices()

        def act():
            _grant(account, form)
            return redirect(url_for("AccountsView.show", pk=account.id))

        return self._post(account, "grant", form, act)

    @expose("/<int:pk>/assignments/<int:aid>/<any(restrict, extend, revoke):kind>", methods=["POST"])
    @has_access
    def change_assignment(self, pk, aid, kind):
        """Hạn chế, gia hạn hoặc thu hồi một phân quyền, theo văn bản đề nghị (HN-3.8, HCM-11.2)."""
        account, assignment = _found(svc.account_assignment, g.user, pk, aid)
        key = f"a{assignment.id}-{kind}"
        form = ASSIGNMENT_FORMS[kind](prefix=key)

        def act():
            number = form.request_number.data
            if kind == "revoke":
                _revoke(account, assignment, form)
                return redirect(url_for("AccountsView.show", pk=account.id))
            if kind == "restrict":
                svc.restrict_assignment(g.user, assignment.id, request_number=number, valid_to=form.valid_to.data,
                                        drop_descendants=form.drop_descendants.data)
            else:
                svc.extend_assignment(g.user, assignment.id, valid_to=form.valid_to.data, request_number=number)
            flash(str(ASSIGNMENT_DONE[kind]) % {"role": assignment.role.name, "name": account.username}, "success")
            return redirect(url_for("AccountsView.show", pk=account.id))

        return self._post(account, key, form, act)

    @expose("/<int:pk>/rename", methods=["POST"])
    @has_access
    def rename(self, pk):
        """Đổi tên đăng nhập (HN-3.8)."""
        account = _found(svc.visible_account, g.user, pk)
        form = RenameForm(prefix="rename")

        def act():
            old = account.username
            svc.rename_account(g.user, account.id, form.username.data)
            flash(_("Đã đổi tên đăng nhập %(old)s thành %(new)s.", old=old, new=account.username), "success")
            return redirect(url_for("AccountsView.show", pk=account.id))

        return self._post(account, "rename", form, act)

    @expose("/<int:pk>/reset-password", methods=["POST"])
    @has_access
    def reset_password(self, pk):
        """Cấp lại mật khẩu mặc định: shown once on a printable page (HN-3.8)."""
        account = _found(svc.visible_account, g.user, pk)

        def act():
            password = svc.reset_password(g.user, account.id)
            return render_passwords(self, _("Mật khẩu mới của %(name)s", name=account.username),
                                    [_handout_row(account, password)],
                                    back=url_for("AccountsView.show", pk=account.id))

        return self._post(account, "confirm", ConfirmForm(prefix="confirm"), act)

    @expose("/<int:pk>/lock", methods=["POST"])
    @has_access
    def lock(self, pk):
        """Khóa tài khoản."""
        account = _found(svc.visible_account, g.user, pk)

        def act():
            svc.lock_account(g.user, account.id)
            flash(_("Đã khóa tài khoản %(name)s.", name=account.username), "success")
            return redirect(url_for("AccountsView.show", pk=account.id))

        return self._post(account, "confirm", ConfirmForm(prefix="confirm"), act)

    @expose("/<int:pk>/unlock", methods=["POST"])
    @has_access
    def unlock(self, pk):
        """Mở khóa tài khoản."""
        account = _found(svc.visible_account, g.user, pk)

        def act():
            svc.unlock_account(g.user, account.id)
            flash(_("Đã mở khóa tài khoản %(name)s.", name=account.username), "success")
            return redirect(url_for("AccountsView.show", pk=account.id))

        return self._post(account, "confirm", ConfirmForm(prefix="confirm"), act)

    # ----------------------------------------------------------------- create

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def create(self):
        """Tạo một tài khoản cơ quan (HN-9.1) hoặc cá nhân (HN-9.2); the default password is shown once."""
        form = CreateAccountForm()
        form.kind.choices = _kind_choices()
        form.role_name.choices = _role_choices()
        title = _("Tạo tài khoản")
        if request.method == "GET":
            form.org_unit_id.data = int_arg("unit")
            form.role_name.data = ROLE_SELF_SERVICE
            return self._render_form("accounts/form.html", form, title)

        def act():
            account, password = svc.create_account(g.user, svc.AccountData(
                username=form.username.data, last_name=form.last_name.data, first_name=form.first_name.data,
                email=form.email.data, org_unit_id=form.org_unit_id.data, kind=form.kind.data,
                role_name=form.role_name.data, include_descendants=form.include_descendants.data,
                request_number=form.request_number.data, valid_to=form.valid_to.data,
            ))
            return render_passwords(self, _("Đã tạo tài khoản %(name)s", name=account.username),
                                    [_handout_row(account, password)],
                                    back=url_for("AccountsView.show", pk=account.id))

        return self._submit("accounts/form.html", form, title, act)

    @expose("/bulk", methods=["GET", "POST"])
    @has_access
    def bulk(self):
        """Tạo hàng loạt tài khoản cá nhân (HN-6.2, HCM-4.4); a printable hand-out list of default passwords."""
        form = BulkForm()
        title = _("Tạo tài khoản hàng loạt")
        if request.method == "GET":
            form.org_unit_id.data = int_arg("unit")
            return self._render_form("accounts/bulk.html", form, title)

        def act():
            rows = svc.bulk_create_accounts(g.user, form.org_unit_id.data, form.lines.data,
                                            request_number=form.request_number.data)
            return render_passwords(self, _("Danh sách tài khoản đã tạo (%(n)s tài khoản)", n=len(rows)), rows,
                                    back=url_for("AccountsView.index"))

        return self._submit("accounts/bulk.html", form, title, act)

    def _render_form(self, template, form, title, errors=None):
        return self.render_template(template, form=form, title=title, errors=errors or {})

    def _submit(self, template, form, title, act):
        def render(errors):
            return self._render_form(template, form, title, errors)

        return _attempt(form, act, render)


# --------------------------------------------------------------------------- lost passwords


class PasswordRequestsView(BaseView):
    """Lost-password requests of the accounts in scope (HCM-15.4)."""

    route_base = "/password-requests"
    default_view = "index"
    class_permission_name = RESOURCE_ACCOUNT
    method_permission_name = {"index": WRITE, "resolve": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Open requests of units where the user manages accounts, oldest first; 50 a page."""
        return self._render_list()

    def _render_list(self, *, active: int | None = None, posted=None, errors=None):
        offset = _page_args()
        rows, more = svc.open_password_requests(g.user, offset=offset)
        forms = {r.id: (posted if r.id == active and posted is not None
                        else ResolveForm(formdata=None, prefix=f"r{r.id}")) for r in rows}
        return self.render_template(
            "accounts/password_requests.html", title=_("Yêu cầu cấp lại mật khẩu"), rows=rows, forms=forms,
            active=active, errors=errors or {},
            prev_url=url_for("PasswordRequestsView.index", offset=max(offset - svc.PAGE_SIZE, 0)) if offset else None,
            next_url=url_for("PasswordRequestsView.index", offset=offset + svc.PAGE_SIZE) if more else None,
        )

    @expose("/<int:pk>/resolve", methods=["POST"])
    @has_access
    def resolve(self, pk):
        """Cấp lại mật khẩu theo văn bản báo mất (HCM-15.4); the new password is shown once."""
        req = _found(svc.password_request_in_scope, g.user, pk)
        form = ResolveForm(prefix=f"r{req.id}")

        def render(errors):
            return self._render_list(active=req.id, posted=form, errors=errors)

        def act():
            account = req.user
            password = svc.resolve_password_request(g.user, req.id, form.document_number.data)
            return render_passwords(self, _("Mật khẩu mới của %(name)s", name=account.username),
                                    [_handout_row(account, password)], back=url_for("PasswordRequestsView.index"))

        return _attempt(form, act, render)


# --------------------------------------------------------------------------- quick role tweaks


class QuickRolesView(BaseView):
    """Sở Nội vụ: find a user by name or unit and change role assignments in a few clicks."""

    route_base = "/quick-roles"
    default_view = "index"
    class_permission_name = RESOURCE_ROLE_ADMIN
    method_permission_name = {"index": WRITE, "grant": WRITE, "revoke": WRITE}
    base_permissions = ["can_" + WRITE]

    @expose("/")
    @has_access
    def index(self):
        """Search (20 results at most), pick a user, see and change their assignments."""
        account = None
        if request.args.get("user"):
            account = _found(svc.visible_account, g.user, request.args.get("user"))
        return self._render(account)

    def _render(self, account, *, active: str | None = None, posted=None, errors=None):
        search = QuickSearchForm(request.args, meta={"csrf": False})
        results = None
        if search.q.data or search.unit_id.data:
            results = _found(svc.search_accounts, g.user, search.q.data, search.unit_id.data, limit=QUICK_LIMIT)
        grant = posted if active == "grant" and posted is not None else GrantForm(formdata=None, prefix="grant")
        grant.role_name.choices = _role_choices()
        assignments, revoke_forms = [], {}
        if account is not None:
            assignments = [a for a in svc.assignments_of(account) if svc.assignment_status(a) != "revoked"]
            for a in assignments:
                key = f"a{a.id}-revoke"
                revoke_forms[a.id] = posted if active == key and posted is not None else RevokeForm(
                    formdata=None, prefix=key)
        return self.render_template(
            "accounts/quick_roles.html", title=_("Điều chỉnh nhanh vai trò"), search=search, results=results,
            account=account, assignments=assignments, grant=grant, revoke_forms=revoke_forms,
            status_labels=ASSIGNMENT_STATUS, statuses={a.id: svc.assignment_status(a) for a in assignments},
            status_class=STATUS_CLASS, active=active, errors=errors or {}, kinds=ACCOUNT_KINDS,
            pick_url=lambda aid: url_for("QuickRolesView.index", **{**request.args.to_dict(), "user": aid}),
        )

    def _post(self, account, key, form, act):
        def render(errors):
            return self._render(account, active=key, posted=form, errors=errors)

        return _attempt(form, act, render)

    @expose("/<int:pk>/grant", methods=["POST"])
    @has_access
    def grant(self, pk):
        """Thêm vai trò trên một đơn vị (logged in the security log and the change log)."""
        account = _found(svc.visible_account, g.user, pk)
        form = GrantForm(prefix="grant")
        form.role_name.choices = _role_choices()

        def act():
            _grant(account, form)
            return redirect(url_for("QuickRolesView.index", user=account.id))

        return self._post(account, "grant", form, act)

    @expose("/<int:pk>/revoke/<int:aid>", methods=["POST"])
    @has_access
    def revoke(self, pk, aid):
        """Thu hồi một phân quyền."""
        account, assignment = _found(svc.account_assignment, g.user, pk, aid)
        key = f"a{assignment.id}-revoke"
        form = RevokeForm(prefix=key)

        def act():
            _revoke(account, assignment, form)
            return redirect(url_for("QuickRolesView.index", user=account.id))

        return self._post(account, key, form, act)


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(AccountsView, MENU_ACCOUNTS, label=_l("Tài khoản"), icon="fa-users",
                        category=MENU_SYSTEM, category_label=_l("Tài khoản và phân quyền"), category_icon="fa-key")
    appbuilder.add_view(PasswordRequestsView, MENU_PASSWORD_REQUESTS, label=_l("Yêu cầu cấp lại mật khẩu"),
                        icon="fa-unlock", category=MENU_SYSTEM)
    appbuilder.add_view(QuickRolesView, MENU_QUICK_ROLES, label=_l("Điều chỉnh nhanh vai trò"), icon="fa-bolt",
                        category=MENU_SYSTEM)

