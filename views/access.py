"""Consent grants (HN-8.3, HCM-4.7) and delegations (ủy quyền, HN-6.4): scoped lists, create, revoke.

Views parse, call one ``app.services.accounts`` function, flash a translated message and redirect.
A list shows the rows of the units where the scope function lets the user read that resource, plus
the rows naming the user (grantee, delegator, delegate); 50 a page, newest first. A row outside that
set is a 404; a write the service refuses is a 403.
"""

from datetime import date

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app.extensions import db
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    MENU_CONSENTS,
    MENU_DELEGATIONS,
    MENU_SYSTEM,
    READ,
    RESOURCE_CONSENT,
    RESOURCE_DELEGATION,
    WRITE,
)
from app.services import accounts as svc
from app.services.errors import ForbiddenError, NotFoundError, ServiceError, ValidationError
from models.accounts import DELEGATION_ACTIONS, Account, ConsentGrant, Delegation
from views.audit import PAGE_SIZE, paginate
from views.forms import UnitPickerField, VNForm, column_length, field_errors

__all__ = ["ConsentView", "DelegationView", "STATUS_LABELS", "register", "status_of"]

#: Where a dated grant stands today; expiry follows from the dates alone.
STATUS_LABELS = {
    "active": _l("Đang hiệu lực"),
    "pending": _l("Chưa đến ngày hiệu lực"),
    "expired": _l("Hết hạn"),
    "revoked": _l("Đã thu hồi"),
}


def status_of(row, day: date) -> str:
    """Status of a consent grant or delegation on ``day``: revoked, expired, pending or active."""
    if row.in_force(day):
        return "active"
    if row.revoked_at is not None:
        return "revoked"
    if row.valid_to < day:
        return "expired"
    return "pending"


def _status_condition(model, status: str, day: date):
    """The SQL form of :func:`status_of` (None for "all")."""
    live = model.revoked_at.is_(None)
    return {
        "revoked": model.revoked_at.is_not(None),
        "expired": and_(live, model.valid_to < day),
        "pending": and_(live, model.valid_from > day, model.valid_to >= day),
        "active": model.in_force(day),
    }.get(status)


# --------------------------------------------------------------------------- forms


class _PeriodMixin:
    """Document number and validity shared by both forms."""

    document_number = StringField(_l("Số văn bản"), validators=[column_length(ConsentGrant.document_number)])
    valid_from = DateField(_l("Hiệu lực từ ngày"), validators=[OptionalV()])
    valid_to = DateField(_l("Đến hết ngày"), validators=[OptionalV()])


class ConsentForm(_PeriodMixin, VNForm):
    """Văn bản cho phép khai thác dữ liệu (HN-8.3)."""

    grantee_username = StringField(_l("Người được khai thác (tên đăng nhập)"))
    org_unit_id = UnitPickerField(_l("Dữ liệu của đơn vị"), purpose="consent")
    include_descendants = BooleanField(_l("Gồm cả các đơn vị trực thuộc"), default=False)
    person_id = StringField(_l("Chỉ hồ sơ có mã số (để trống: mọi hồ sơ của đơn vị)"))
    purpose = TextAreaField(_l("Mục đích khai thác"))


class DelegationForm(_PeriodMixin, VNForm):
    """Ủy quyền (HN-6.4)."""

    delegate_username = StringField(_l("Người được ủy quyền (tên đăng nhập)"))
    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="delegation")
    action = SelectField(_l("Nội dung ủy quyền"), choices=list(DELEGATION_ACTIONS.items()), validate_choice=False)
    include_descendants = BooleanField(_l("Gồm cả các đơn vị trực thuộc"), default=True)


class RevokeForm(VNForm):
    """A revoke button: only the CSRF token."""


class StatusFilterForm(VNForm):
    """The status filter of both lists (a GET form)."""

    status = SelectField(_l("Tình trạng"), choices=[("", _l("Tất cả"))] + list(STATUS_LABELS.items()),
                         validate_choice=False)


def _account_id(username: str | None, field: str) -> tuple[int | None, dict[str, list[str]]]:
    """Resolve the typed username (exact, case-insensitive) to an account id, or a field error."""
    name = (username or "").strip().lower()
    if not name:
        return None, {field: [_("Hãy nhập tên đăng nhập của người nhận.")]}
    account_id = db.session.scalar(select(Account.id).where(func.lower(Account.username) == name))
    if account_id is None:
        return None, {field: [_("Không tìm thấy tài khoản có tên đăng nhập %(name)s.", name=name)]}
    return account_id, {}


def _user_search():
    """JSON for the username boxes: at most PICKER_LIMIT active accounts whose username starts with ``q``.

    Suggestions come only from the accounts the user may read (no listing of other agencies' staff);
    any exact username may still be typed, and the service decides.
    """
    q = (request.args.get("q") or "").strip().lower()
    if len(q) < 2:
        return jsonify({"results": []})
    stmt = (
        svc.accounts_in_scope(g.user)
        .options(joinedload(Account.org_unit))
        .where(Account.active.is_(True), func.lower(Account.username).startswith(q, autoescape=True))
        .order_by(Account.username)
        .limit(current_app.config.get("PICKER_LIMIT", 20))
    )
    return jsonify({"results": [
        {"username": a.username, "name": a.display_name, "unit": a.org_unit.name if a.org_unit else None}
        for a in db.session.scalars(stmt).unique()
    ]})


class _GrantViewBase(BaseView):
    """What the consent and delegation screens share: list page, create form, revoke button."""

    default_view = "index"
    base_permissions = ["can_" + READ, "can_" + WRITE]
    model = ConsentGrant
    resource = RESOURCE_CONSENT
    list_template = ""
    form_template = "access/grant_form.html"
    #: Shown above the form, the id of the <form>, help under the username, and the type-specific field.
    form_intro = ""
    form_id = ""
    username_help = ""
    detail_field = ""
    username_field = ""
    field_map: dict[str, str] = {}

    def visible(self):
        """SQL condition: rows the signed-in user may see."""
        raise NotImplementedError

    def list_options(self) -> list:
        """Eager loads of the list columns."""
        return []

    def _can_write(self) -> bool:
        return current_app.appbuilder.sm.has_access("can_" + WRITE, self.resource)

    def _list(self, title: str):
        filters = StatusFilterForm(request.args, meta={"csrf": False})
        day = scope.today()
        stmt = select(self.model).options(*self.list_options()).where(self.visible())
        condition = _status_condition(self.model, filters.status.data or "", day)
        if condition is not None:
            stmt = stmt.where(condition)
        page = paginate(stmt.order_by(self.model.id.desc()))
        return self.render_template(
            self.list_template, title=title, page=page, page_size=PAGE_SIZE, filters=filters,
            statuses={row.id: status_of(row, day) for row in page.rows},
            status_labels={k: str(v) for k, v in STATUS_LABELS.items()},
            can_write=self._can_write(), revoke_form=RevokeForm(), actions=DELEGATION_ACTIONS,
        )

    def _render_form(self, form, title, errors=None):
        return self.render_template(self.form_template, form=form, title=title, errors=errors or {}, view=self)

    def _submit(self, form, title, act):
        """Parse, resolve the username, call the service through ``act(account_id)``; errors next to fields."""
        errors = field_errors(form)
        account_id, name_errors = _account_id(form[self.username_field].data, self.username_field)
        errors.update(name_errors)
        if errors:
            return self._render_form(form, title, errors), 400
        try:
            return act(account_id)
        except ValidationError as exc:
            mapped = {self.field_map.get(k, k): v for k, v in exc.errors.items()}
            return self._render_form(form, title, mapped), 400
        except ForbiddenError:
            abort(403)
        except ServiceError as exc:
            return self._render_form(form, title, {"__all__": exc.messages}), exc.status

    def _revoke(self, pk: int, service, done):
        """Revoke a visible row through ``service``: 404 when the user cannot see it, 403 when refused."""
        form = RevokeForm()
        if db.session.scalar(select(self.model.id).where(self.model.id == pk, self.visible())) is None:
            abort(404)
        errors = field_errors(form)
        if errors:
            for message in errors.get("__all__", []):
                flash(message, "danger")
            return redirect(url_for(f"{type(self).__name__}.index"))
        try:
            row = service(g.user, pk)
        except NotFoundError:
            abort(404)
        except ForbiddenError:
            abort(403)
        except ServiceError as exc:
            for message in exc.messages:
                flash(message, "danger")
            return redirect(url_for(f"{type(self).__name__}.index"))
        flash(done(row), "success")
        return redirect(url_for(f"{type(self).__name__}.index"))


class ConsentView(_GrantViewBase):
    """Written consents letting a named user read a person's or a unit's files for a period."""

    route_base = "/consents"
    class_permission_name = RESOURCE_CONSENT
    method_permission_name = {"index": READ, "add": WRITE, "revoke": WRITE, "api_users": WRITE}
    model = ConsentGrant
    resource = RESOURCE_CONSENT
    list_template = "access/consents.html"
    username_field = "grantee_username"
    form_id = "consent-form"
    detail_field = "purpose"
    form_intro = _l("Ghi nhận văn bản đồng ý của cấp có thẩm quyền cho một người được khai thác hồ sơ của đơn vị "
                    "trong một thời hạn (HN-8.3, HCM-4.7). Chỉ chọn được đơn vị thuộc phạm vi bạn có thẩm quyền.")
    username_help = _l("Gõ ít nhất 2 ký tự để được gợi ý; nhập đúng tên đăng nhập của người được khai thác.")
    field_map = {"grantee_id": "grantee_username"}

    def visible(self):
        """Grants on units in the user's consent read scope, and grants made to the user."""
        return or_(
            ConsentGrant.org_unit_id.in_(scope.unit_ids(g.user, ACTION_READ, RESOURCE_CONSENT)),
            ConsentGrant.grantee_id == g.user.id,
        )

    def list_options(self) -> list:
        """Grantee and unit are shown on every row."""
        return [joinedload(ConsentGrant.grantee), joinedload(ConsentGrant.org_unit)]

    @expose("/")
    @has_access
    def index(self):
        """Consents in scope, newest first, with their status today."""
        return self._list(_("Văn bản cho phép khai thác dữ liệu"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Record a written consent (HN-8.3, HCM-4.7)."""
        form = ConsentForm()
        title = _("Ghi nhận văn bản cho phép khai thác dữ liệu")
        if request.method == "GET":
            return self._render_form(form, title)

        def act(grantee_id):
            grant = svc.grant_consent(
                g.user, grantee_id, form.org_unit_id.data, purpose=form.purpose.data,
                document_number=form.document_number.data, valid_from=form.valid_from.data,
                valid_to=form.valid_to.data, include_descendants=form.include_descendants.data,
                person_id=(form.person_id.data or "").strip() or None,
            )
            flash(_("Đã ghi nhận văn bản số %(number)s cho phép %(user)s khai thác dữ liệu của %(unit)s.",
                    number=grant.document_number, user=grant.grantee.username, unit=grant.org_unit.name), "success")
            return redirect(url_for("ConsentView.index"))

        return self._submit(form, title, act)

    @expose("/<int:pk>/revoke", methods=["POST"])
    @has_access
    def revoke(self, pk):
        """End a consent now."""
        return self._revoke(pk, svc.revoke_consent, lambda grant: _(
            "Đã thu hồi văn bản cho phép khai thác số %(number)s.", number=grant.document_number))

    @expose("/api/users")
    @has_access
    def api_users(self):
        """Bounded username search for the grantee box."""
        return _user_search()


class DelegationView(_GrantViewBase):
    """Delegations of approval or account management."""

    route_base = "/delegations"
    class_permission_name = RESOURCE_DELEGATION
    method_permission_name = {"index": READ, "add": WRITE, "revoke": WRITE, "api_users": WRITE}
    model = Delegation
    resource = RESOURCE_DELEGATION
    list_template = "access/delegations.html"
    username_field = "delegate_username"
    form_id = "delegation-form"
    detail_field = "action"
    form_intro = _l("Ủy quyền là một văn bản có thời hạn (HN-6.4). Bạn chỉ ủy quyền được quyền mình đang có, "
                    "tại đơn vị thuộc phạm vi của mình.")
    username_help = _l("Gõ ít nhất 2 ký tự để được gợi ý; nhập đúng tên đăng nhập của người được ủy quyền.")
    field_map = {"delegate_id": "delegate_username"}

    def visible(self):
        """Delegations on units in the user's delegation read scope, and those the user gave or received."""
        return or_(
            Delegation.org_unit_id.in_(scope.unit_ids(g.user, ACTION_READ, RESOURCE_DELEGATION)),
            Delegation.delegator_id == g.user.id,
            Delegation.delegate_id == g.user.id,
        )

    def list_options(self) -> list:
        """Delegator, delegate and unit are shown on every row."""
        return [joinedload(Delegation.delegator), joinedload(Delegation.delegate), joinedload(Delegation.org_unit)]

    @expose("/")
    @has_access
    def index(self):
        """Delegations in scope, newest first, with their status today."""
        return self._list(_("Ủy quyền"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Ủy quyền (HN-6.4): approval or account management on a unit, to a named user, for a period."""
        form = DelegationForm()
        title = _("Ủy quyền")
        if request.method == "GET":
            return self._render_form(form, title)

        def act(delegate_id):
            row = svc.delegate(
                g.user, delegate_id, form.org_unit_id.data, form.action.data,
                document_number=form.document_number.data, valid_from=form.valid_from.data,
                valid_to=form.valid_to.data, include_descendants=form.include_descendants.data,
            )
            flash(_("Đã ủy quyền %(what)s tại %(unit)s cho %(user)s (văn bản số %(number)s).",
                    what=str(DELEGATION_ACTIONS[row.action]).lower(), unit=row.org_unit.name,
                    user=row.delegate.username, number=row.document_number), "success")
            return redirect(url_for("DelegationView.index"))

        return self._submit(form, title, act)

    @expose("/<int:pk>/revoke", methods=["POST"])
    @has_access
    def revoke(self, pk):
        """End a delegation now."""
        return self._revoke(pk, svc.revoke_delegation, lambda row: _(
            "Đã thu hồi ủy quyền theo văn bản số %(number)s.", number=row.document_number))

    @expose("/api/users")
    @has_access
    def api_users(self):
        """Bounded username search for the delegate box."""
        return _user_search()


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(ConsentView, MENU_CONSENTS, label=_l("Văn bản cho phép khai thác"), icon="fa-handshake-o",
                        category=MENU_SYSTEM)
    appbuilder.add_view(DelegationView, MENU_DELEGATIONS, label=_l("Ủy quyền"), icon="fa-share",
                        category=MENU_SYSTEM)
