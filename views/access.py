"""Consent grants (HN-8.3, HCM-4.7) and delegations (ủy quyền, HN-6.4): scoped lists, create, revoke.

Screens of the view kit (``views/kit.py``): a list page and a form, each one service call.
A list shows the rows of the units where the scope function lets the user read that resource, plus
the rows naming the user (grantee, delegator, delegate); 50 a page, newest first. A row outside that
set is a 404; a write the service refuses is a 403.
"""

from datetime import date
from operator import attrgetter
from typing import Any

from flask import abort, current_app, g, jsonify, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField, StringField, TextAreaField
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
from app.services.errors import ValidationError
from models.accounts import DELEGATION_ACTIONS, Account, ConsentGrant, Delegation
from views.forms import DateField, UnitPickerField, VNForm, column_length
from views.kit import (
    Column,
    ListView,
    Page,
    day,
    paginate,
    post_action,
    post_button,
    service_form,
    small,
    status_label,
)

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

_FROM_HELP = _l("Để trống: từ hôm nay.")


class ConsentForm(VNForm):
    """Văn bản cho phép khai thác dữ liệu (HN-8.3)."""

    grantee_username = StringField(_l("Người được khai thác (tên đăng nhập)"), description=_l(
        "Gõ ít nhất 2 ký tự để được gợi ý; nhập đúng tên đăng nhập của người được khai thác."))
    org_unit_id = UnitPickerField(_l("Dữ liệu của đơn vị"), purpose="consent")
    include_descendants = BooleanField(_l("Gồm cả các đơn vị trực thuộc"), default=False)
    person_id = StringField(_l("Chỉ hồ sơ có mã số (để trống: mọi hồ sơ của đơn vị)"))
    purpose = TextAreaField(_l("Mục đích khai thác"))
    document_number = StringField(_l("Số văn bản"), validators=[column_length(ConsentGrant.document_number)])
    valid_from = DateField(_l("Hiệu lực từ ngày"), validators=[OptionalV()], description=_FROM_HELP)
    valid_to = DateField(_l("Đến hết ngày"), validators=[OptionalV()])


class DelegationForm(VNForm):
    """Ủy quyền (HN-6.4)."""

    delegate_username = StringField(_l("Người được ủy quyền (tên đăng nhập)"), description=_l(
        "Gõ ít nhất 2 ký tự để được gợi ý; nhập đúng tên đăng nhập của người được ủy quyền."))
    org_unit_id = UnitPickerField(_l("Đơn vị"), purpose="delegation")
    include_descendants = BooleanField(_l("Gồm cả các đơn vị trực thuộc"), default=True)
    action = SelectField(_l("Nội dung ủy quyền"), choices=list(DELEGATION_ACTIONS.items()), validate_choice=False)
    document_number = StringField(_l("Số văn bản"), validators=[column_length(Delegation.document_number)])
    valid_from = DateField(_l("Hiệu lực từ ngày"), validators=[OptionalV()], description=_FROM_HELP)
    valid_to = DateField(_l("Đến hết ngày"), validators=[OptionalV()])


class RevokeForm(VNForm):
    """A revoke button: only the CSRF token."""


class StatusFilterForm(VNForm):
    """The status filter of both lists (a GET form)."""

    status = SelectField(_l("Tình trạng"), choices=[("", _l("Tất cả"))] + list(STATUS_LABELS.items()),
                         validate_choice=False)


def _account_id(username: str | None, field: str) -> int:
    """The account id of the typed username (exact, case-insensitive); a field error when there is none."""
    name = (username or "").strip().lower()
    if not name:
        raise ValidationError({field: [_("Hãy nhập tên đăng nhập của người nhận.")]})
    account_id = db.session.scalar(select(Account.id).where(func.lower(Account.username) == name))
    if account_id is None:
        raise ValidationError({field: [_("Không tìm thấy tài khoản có tên đăng nhập %(name)s.", name=name)]})
    return account_id


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


def _account_cell(account) -> Markup:
    return escape(account.username) + small(account.display_name)


def _unit_cell(row) -> Markup:
    text = escape(row.org_unit.name if row.org_unit else "—")
    if row.include_descendants:
        text += small(_("gồm cả đơn vị trực thuộc"))
    if getattr(row, "person_id", None):
        text += Markup("<br><small>%s</small>") % _("chỉ hồ sơ số %(id)s", id=row.person_id)
    return text


def _period_cell(row) -> str:
    return _("%(start)s – %(end)s", start=day(row.valid_from), end=day(row.valid_to))


class _GrantViewBase(ListView):
    """What the consent and delegation screens share: the kit's list with a status filter, create, revoke."""

    base_permissions = ["can_" + READ, "can_" + WRITE]
    model = ConsentGrant
    resource = RESOURCE_CONSENT
    filter_form = StatusFilterForm
    filter_fields = ("status",)
    form_class: type = ConsentForm
    form_id = ""
    form_intro: Any = ""
    username_field = ""
    field_map: dict[str, str] = {}
    revoked_message: Any = ""

    def visible(self):
        """SQL condition: rows the signed-in user may see."""
        raise NotImplementedError

    def list_options(self) -> list:
        """Eager loads of the list columns."""
        return []

    def list_page(self, filters) -> Page:
        """Rows the user may see, newest first, with their status today."""
        day_ = scope.today()
        stmt = select(self.model).options(*self.list_options()).where(self.visible())
        condition = _status_condition(self.model, filters.status.data or "", day_)
        if condition is not None:
            stmt = stmt.where(condition)
        page = paginate(stmt.order_by(self.model.id.desc()))
        g.grant_statuses = {row.id: status_of(row, day_) for row in page.rows}  # per request (views are shared)
        return page

    def row_attrs(self, row) -> dict:
        status = g.grant_statuses[row.id]
        return {"class": f"{self.row_class} status-{status}", "data-id": row.id, "data-status": status}

    def _status_cell(self, row) -> Markup:
        return status_label(g.grant_statuses[row.id], STATUS_LABELS)

    def _revoke_cell(self, row):
        if g.grant_statuses[row.id] in ("active", "pending") and g.grant_can_write:
            return post_button(url_for(f"{type(self).__name__}.revoke", pk=row.id), _("Thu hồi"),
                               form_class="revoke-form")
        return ""

    def list_columns(self):
        g.grant_can_write = self.appbuilder.sm.has_access("can_" + WRITE, self.resource)
        return [*self.columns, Column(_l("Tình trạng"), self._status_cell), Column("", self._revoke_cell)]

    form_title: Any = ""
    #: ``revoke(actor, row id)`` of the service.
    revoke_service: Any = None
    method_permission_name = {"index": READ, "add": WRITE, "revoke": WRITE, "api_users": WRITE}

    def create(self, form, account_id) -> str:
        """Call the service's create use case with the form's values; the message to flash."""
        raise NotImplementedError

    @expose("/")
    @has_access
    def index(self):
        """The rows in scope, newest first, with their status today."""
        return self.render_list()

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def add(self):
        """The create form: resolve the username, call the service through :meth:`create`."""
        form = self.form_class()
        form[self.username_field].render_kw = {"data-suggest-url": url_for(f"{type(self).__name__}.api_users")}
        return service_form(
            self, form, lambda: self.create(form, _account_id(form[self.username_field].data, self.username_field)),
            title=self.form_title, done=lambda message: message, back=url_for(f"{type(self).__name__}.index"),
            field_map=self.field_map)

    @expose("/<int:pk>/revoke", methods=["POST"])
    @has_access
    def revoke(self, pk):
        """End a visible row now: 404 when the user cannot see it, 403 when the service refuses."""
        if db.session.scalar(select(self.model.id).where(self.model.id == pk, self.visible())) is None:
            abort(404)
        return post_action(RevokeForm(), lambda: type(self).revoke_service(g.user, pk),
                           done=lambda row: str(self.revoked_message) % {"number": row.document_number},
                           back=url_for(f"{type(self).__name__}.index"))

    @expose("/api/users")
    @has_access
    def api_users(self):
        """Bounded username search for the username box."""
        return _user_search()


class ConsentView(_GrantViewBase):
    """Written consents letting a named user read a person's or a unit's files for a period."""

    route_base = "/consents"
    class_permission_name = RESOURCE_CONSENT
    model = ConsentGrant
    resource = RESOURCE_CONSENT
    revoke_service = svc.revoke_consent
    form_title = _l("Ghi nhận văn bản cho phép khai thác dữ liệu")
    form_class = ConsentForm
    username_field = "grantee_username"
    form_id = "consent-form"
    field_map = {"grantee_id": "grantee_username"}
    list_title = _l("Văn bản cho phép khai thác dữ liệu")
    list_intro = _l("Khai thác dữ liệu của người khác chỉ được phép khi có văn bản đồng ý của cấp có thẩm quyền. "
                    "Văn bản tự hết hiệu lực sau ngày hết hạn.")
    form_intro = _l("Ghi nhận văn bản đồng ý của cấp có thẩm quyền cho một người được khai thác hồ sơ của đơn vị "
                    "trong một thời hạn. Chỉ chọn được đơn vị thuộc phạm vi bạn có thẩm quyền.")
    table_id = "consent-list"
    row_class = "consent-row"
    empty_message = _l("Chưa có văn bản cho phép khai thác nào trong phạm vi của bạn.")
    list_links = [(_l("Ghi nhận văn bản cho phép khai thác"), "ConsentView.add", "fa-plus", WRITE)]
    columns = [
        Column(_l("Số văn bản"), attrgetter("document_number")),
        Column(_l("Người được khai thác"), lambda r: _account_cell(r.grantee)),
        Column(_l("Dữ liệu của đơn vị"), _unit_cell),
        Column(_l("Mục đích"), attrgetter("purpose")),
        Column(_l("Hiệu lực"), _period_cell, "text-nowrap"),
    ]
    revoked_message = _l("Đã thu hồi văn bản cho phép khai thác số %(number)s.")

    def visible(self):
        """Grants on units in the user's consent read scope, and grants made to the user."""
        return or_(
            ConsentGrant.org_unit_id.in_(scope.unit_ids(g.user, ACTION_READ, RESOURCE_CONSENT)),
            ConsentGrant.grantee_id == g.user.id,
        )

    def list_options(self) -> list:
        """Grantee and unit are shown on every row."""
        return [joinedload(ConsentGrant.grantee), joinedload(ConsentGrant.org_unit)]

    def create(self, form, grantee_id) -> str:
        """Record a written consent (HN-8.3, HCM-4.7)."""
        grant = svc.grant_consent(
            g.user, grantee_id, form.org_unit_id.data, purpose=form.purpose.data,
            document_number=form.document_number.data, valid_from=form.valid_from.data,
            valid_to=form.valid_to.data, include_descendants=form.include_descendants.data,
            person_id=(form.person_id.data or "").strip() or None,
        )
        return _("Đã ghi nhận văn bản số %(number)s cho phép %(user)s khai thác dữ liệu của %(unit)s.",
                 number=grant.document_number, user=grant.grantee.username, unit=grant.org_unit.name)


class DelegationView(_GrantViewBase):
    """Delegations of approval or account management."""

    route_base = "/delegations"
    class_permission_name = RESOURCE_DELEGATION
    model = Delegation
    resource = RESOURCE_DELEGATION
    revoke_service = svc.revoke_delegation
    form_title = _l("Ủy quyền")
    form_class = DelegationForm
    username_field = "delegate_username"
    form_id = "delegation-form"
    field_map = {"delegate_id": "delegate_username"}
    list_title = _l("Ủy quyền")
    list_intro = _l("Thủ trưởng phê duyệt hoặc ủy quyền phê duyệt; quản trị cơ quan có thể ủy quyền tạo và "
                    "quản lý tài khoản. Ủy quyền tự hết hiệu lực sau ngày hết hạn.")
    form_intro = _l("Ủy quyền là một văn bản có thời hạn. Bạn chỉ ủy quyền được quyền mình đang có, "
                    "tại đơn vị thuộc phạm vi của mình.")
    table_id = "delegation-list"
    row_class = "delegation-row"
    empty_message = _l("Chưa có ủy quyền nào trong phạm vi của bạn.")
    list_links = [(_l("Ủy quyền mới"), "DelegationView.add", "fa-plus", WRITE)]
    columns = [
        Column(_l("Số văn bản"), attrgetter("document_number")),
        Column(_l("Người ủy quyền"), lambda r: _account_cell(r.delegator)),
        Column(_l("Người được ủy quyền"), lambda r: _account_cell(r.delegate)),
        Column(_l("Nội dung"), lambda r: DELEGATION_ACTIONS.get(r.action, r.action)),
        Column(_l("Đơn vị"), _unit_cell),
        Column(_l("Hiệu lực"), _period_cell, "text-nowrap"),
    ]
    revoked_message = _l("Đã thu hồi ủy quyền theo văn bản số %(number)s.")

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

    def create(self, form, delegate_id) -> str:
        """Ủy quyền (HN-6.4): approval or account management on a unit, to a named user, for a period."""
        row = svc.delegate(
            g.user, delegate_id, form.org_unit_id.data, form.action.data,
            document_number=form.document_number.data, valid_from=form.valid_from.data,
            valid_to=form.valid_to.data, include_descendants=form.include_descendants.data,
        )
        return _("Đã ủy quyền %(what)s tại %(unit)s cho %(user)s (văn bản số %(number)s).",
                 what=str(DELEGATION_ACTIONS[row.action]).lower(), unit=row.org_unit.name,
                 user=row.delegate.username, number=row.document_number)


def register(appbuilder) -> None:
    """Menus under "Tài khoản và phân quyền"."""
    appbuilder.add_view(ConsentView, MENU_CONSENTS, label=_l("Văn bản cho phép khai thác"), icon="fa-handshake-o",
                        category=MENU_SYSTEM)
    appbuilder.add_view(DelegationView, MENU_DELEGATIONS, label=_l("Ủy quyền"), icon="fa-share",
                        category=MENU_SYSTEM)
