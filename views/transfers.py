"""Điều động, chuyển công tác (issue 16): the lists of outgoing and incoming moves, a form per kind, the move's
page with the step its reader may take, the hand-over package, the arrival form.

Screens of the view kit: ``ListView`` for the lists (sorted by deadline, overdue in red), ``service_form`` for
the forms (one use case each), ``post_action`` for the one-click steps. Rules and checks live in
``app/services/transfers``.
"""

from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app import audit
from app.security import scope
from app.security.permissions import (
    ACTION_WRITE,
    MENU_INCOMING_MOVES,
    MENU_OUTGOING_MOVES,
    MENU_PERSONNEL,
    READ,
    RESOURCE_ACCOUNT,
    RESOURCE_PERSONNEL,
    RESOURCE_TRANSFER,
    WRITE,
)
from app.services import personnel as people_svc
from app.services import transfers as svc
from app.services.errors import NotFoundError, ServiceError
from app.services.transfers import handover
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer
from views.forms import DateField, UnitPickerField, VNForm, column_length
from views.kit import (
    Column,
    ListView,
    Page,
    day,
    link,
    moment,
    paginate,
    post_action,
    post_button,
    service_form,
    small,
)

__all__ = ["TransfersView", "register"]

STATUS_CLASSES = {"recorded": "warning", "moved": "info", "completed": "success", "cancelled": "default"}
GENDERS = (("nam", _l("Nam")), ("nu", _l("Nữ")))


# --------------------------------------------------------------------------- forms


class _DecisionFields(VNForm):
    """The decision every move carries."""

    decision_number = StringField(_l("Số quyết định"), validators=[column_length(Transfer.decision_number)])
    decision_date = DateField(_l("Ngày ký"), validators=[OptionalV()])
    decision_signer = StringField(_l("Người ký"), validators=[column_length(Transfer.decision_signer)])
    effective_date = DateField(_l("Ngày có hiệu lực"), validators=[OptionalV()])
    scan = FileField(_l("Bản chụp quyết định (PDF, JPEG hoặc PNG)"))
    note = TextAreaField(_l("Ghi chú"))


class MoveForm(_DecisionFields):
    """A decision about one person (the form shows the fields of its kind)."""

    to_unit_id = UnitPickerField(_l("Đơn vị mới"), purpose="destination")
    new_title = StringField(_l("Chức danh, chức vụ ở nơi mới"), validators=[column_length(Transfer.new_title)])
    external_place = StringField(_l("Cơ quan nơi đến (ngoài thành phố)"),
                                 validators=[column_length(Transfer.external_place)])
    leave_status = SelectField(_l("Lý do thôi công tác"), choices=[], validate_choice=False)
    fieldsets = ((_l("Quyết định"), ("decision_number", "decision_date", "decision_signer", "effective_date", "scan",
                                    "note")),)


#: The fields each kind shows (the decision's fields come with every kind).
KIND_FIELDS = {
    "within_unit": ("to_unit_id", "new_title"),
    "between_agencies": ("to_unit_id", "new_title"),
    "out_of_city": ("external_place",),
    "leaving": ("leave_status",),
}
DECISION_FIELDS = ("decision_number", "decision_date", "decision_signer", "effective_date", "scan", "note")


class ArrivalForm(_DecisionFields):
    """Tiếp nhận người từ ngoài thành phố, hoặc trở lại làm việc (HN-12.2.2a/b)."""

    org_unit_id = UnitPickerField(_l("Đơn vị tiếp nhận"), purpose="people")
    cccd = StringField(_l("Số CCCD"), description=_l("Người đã có hồ sơ trong thành phố (đã nghỉ) được mở lại "
                                                     "đúng hồ sơ cũ theo số CCCD."))
    from_national = BooleanField(_l("Lấy hồ sơ từ CSDL quốc gia theo số CCCD"), description=_l(
        "Người chuyển đến từ tỉnh, thành phố khác: toàn bộ hồ sơ được lấy từ cơ sở dữ liệu quốc gia về cán bộ, "
        "công chức, viên chức; khi đó không cần khai các mục dưới đây."))
    package = FileField(_l("Gói bàn giao hồ sơ (.zip hoặc .json)"), description=_l(
        "Nếu có gói bàn giao của hệ thống khác, toàn bộ hồ sơ và lịch sử được nhập từ gói; khi đó không cần "
        "khai các mục dưới đây."))
    full_name = StringField(_l("Họ và tên"))
    gender = SelectField(_l("Giới tính"), choices=[("", _l("— Chọn —"))] + list(GENDERS), validate_choice=False)
    birth_date = DateField(_l("Ngày sinh"), validators=[OptionalV()])
    category = SelectField(_l("Đối tượng"), choices=[], validate_choice=False)
    external_place = StringField(_l("Cơ quan, đơn vị nơi đi"), validators=[column_length(Transfer.external_place)])
    handover_date = DateField(_l("Ngày nhận bàn giao hồ sơ"), validators=[OptionalV()])
    new_title = StringField(_l("Chức danh, chức vụ"), validators=[column_length(Transfer.new_title)])
    fieldsets = ((_l("Quyết định tiếp nhận"), ("decision_number", "decision_date", "decision_signer",
                                               "effective_date", "scan", "note")),)


class CancelForm(VNForm):
    """Hủy quyết định đã ghi nhận."""

    reason = StringField(_l("Lý do hủy"))


class PackageForm(VNForm):
    """Tải gói bàn giao, ký số khi nhập mật khẩu chứng thư."""

    sign = BooleanField(_l("Ký số gói bàn giao bằng chứng thư số của tôi"))
    passphrase = PasswordField(_l("Mật khẩu chứng thư số"))


class FilterForm(VNForm):
    """The list's filters (a GET form)."""

    status = SelectField(_l("Tình trạng"), choices=[("open", _l("Đang thực hiện")), ("completed", _l("Hoàn tất")),
                                                    ("cancelled", _l("Đã hủy")), ("all", _l("Tất cả"))],
                         validate_choice=False)
    kind = SelectField(_l("Loại"), choices=[("", _l("— Tất cả —"))] + list(svc.KIND_LABELS.items()),
                       validate_choice=False)
    overdue = BooleanField(_l("Chỉ quá hạn"))


# --------------------------------------------------------------------------- cells


def _labels() -> tuple[dict, dict, str]:
    """The kind and status labels and the word "quá hạn" in this request's language, translated once (a cell
    per row would translate them 50 times a page)."""
    if "transfer_labels" not in g:
        g.transfer_labels = ({k: str(v) for k, v in svc.KIND_LABELS.items()},
                             {k: str(v) for k, v in svc.STATUS_LABELS.items()}, _("quá hạn"))
    return g.transfer_labels


def _name(r) -> str:
    return " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)


def _person_cell(r) -> Markup:
    return link(url_for("TransfersView.show", transfer_id=r.id), _name(r)) + small(_labels()[0].get(r.kind, r.kind))


def _due_cell(r) -> Markup | str:
    if r.due_date is None:
        return "—"
    text = day(r.due_date)
    if r.status in OPEN_TRANSFER_STATUSES and r.due_date < g.transfer_today:
        return Markup('<span class="text-danger overdue"><strong>%s</strong> %s</span>') % (text, _labels()[2])
    return text


def _status_cell(r) -> Markup:
    return Markup('<span class="label label-%s">%s</span>') % (STATUS_CLASSES.get(r.status, "default"),
                                                               _labels()[1].get(r.status, r.status))


COLUMNS = (
    Column(_l("Họ và tên"), _person_cell, css="col-person"),
    Column(_l("Từ"), lambda r: r.from_name or (r.external_place if r.kind == "into_city" else None) or "—"),
    Column(_l("Đến"), lambda r: r.to_name or (r.external_place if r.kind != "into_city" else None) or "—"),
    Column(_l("Quyết định"), lambda r: escape(r.decision_number) + small(day(r.decision_date))),
    Column(_l("Hiệu lực"), lambda r: day(r.effective_date)),
    Column(_l("Hạn hoàn thành"), _due_cell, css="col-due"),
    Column(_l("Tình trạng"), _status_cell),
)


def _move_data(form: MoveForm, kind: str) -> svc.MoveData:
    scan = request.files.get("scan")

    def value(name):  # the fields of other kinds were taken off the form
        field = getattr(form, name, None)
        return field.data if field is not None else None

    return svc.MoveData(
        kind=kind, to_unit_id=value("to_unit_id"), external_place=value("external_place"),
        leave_status=value("leave_status"), new_title=value("new_title"),
        decision_number=form.decision_number.data, decision_date=form.decision_date.data,
        decision_signer=form.decision_signer.data, effective_date=form.effective_date.data, note=form.note.data,
        scan=scan.read() if scan and scan.filename else None, scan_name=scan.filename if scan else None)


# --------------------------------------------------------------------------- the view


class TransfersView(ListView):
    """Điều động, chuyển công tác: lists, forms, the move's page and its steps."""

    route_base = "/transfers"
    class_permission_name = RESOURCE_TRANSFER
    base_permissions = ["can_" + READ, "can_" + WRITE]
    method_permission_name = {"index": READ, "incoming": READ, "show": READ, "package": READ, "new": WRITE,
                              "arrive": WRITE, "move": WRITE, "receive": WRITE, "complete": WRITE, "cancel": WRITE,
                              "open_account": WRITE}
    filter_form = FilterForm
    filter_fields = ("status", "kind", "overdue")
    columns = COLUMNS
    table_id = "transfers-table"
    row_class = "transfer-row"
    empty_message = _l("Không có quyết định nào.")

    def list_page(self, filters) -> Page:
        direction = g.transfer_direction
        rows, count = svc.transfer_list(g.user, direction, status=filters.status.data or "open",
                                        kind=filters.kind.data or None, overdue_only=bool(filters.overdue.data))
        g.transfer_today = scope.today()
        return paginate(rows, scalars=False, count_cap=1000, count_stmt=count)

    def row_attrs(self, r) -> dict:
        late = r.status in OPEN_TRANSFER_STATUSES and r.due_date is not None and r.due_date < g.transfer_today
        return {"class": self.row_class + (" danger" if late else ""), "data-id": r.id, "data-status": r.status}

    list_links = ((_l("Tiếp nhận người vào làm việc"), "TransfersView.arrive", "fa-sign-in", WRITE),)

    def _list(self, direction: str, title):
        g.transfer_direction = direction
        return self.render_list(title=title)

    @expose("/")
    @has_access
    def index(self):
        """Outgoing moves: people leaving the units of the reader's scope, the nearest deadline first."""
        return self._list("outgoing", _("Điều động đi, thôi công tác"))

    @expose("/incoming")
    @has_access
    def incoming(self):
        """Incoming moves: people arriving in the units of the reader's scope."""
        return self._list("incoming", _("Tiếp nhận, chuyển đến"))

    # ----------------------------------------------------------------- one move

    def _transfer(self, transfer_id) -> Transfer:
        try:
            return svc.get_transfer(g.user, transfer_id)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))

    @expose("/<int:transfer_id>")
    @has_access
    def show(self, transfer_id):
        """The move: its decision, its steps, and the buttons of the step the reader may take now."""
        t = self._transfer(transfer_id)
        return self.render_template("transfers/show.html", title=_("Quyết định điều động: %(name)s",
                                                                     name=t.person.full_name),
                                    t=t, actions=self._actions(t), kinds=svc.KIND_LABELS,
                                    statuses=svc.STATUS_LABELS, person_statuses=people_svc.STATUSES,
                                    cancel_form=CancelForm(formdata=None), package_form=PackageForm(formdata=None),
                                    file_url=self._file_url(t), moment=moment,
                                    overdue=t.is_open and t.due_date is not None and t.due_date < scope.today())

    def _file_url(self, t: Transfer) -> str | None:
        try:
            people_svc.get_person(g.user, t.person_id)
        except NotFoundError:
            return None
        return url_for("PeopleView.show", pk=t.person_id)

    def _actions(self, t: Transfer) -> list[Markup]:
        user, out = g.user, []
        writes = self.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_TRANSFER)
        if not writes:
            return out
        if svc.allowed(t, "move") and svc.is_transfer_authority(user, t.from_unit, t.to_unit):
            out.append(post_button(url_for("TransfersView.move", transfer_id=t.id),
                                   _("Chuyển hồ sơ và tài khoản sang đơn vị mới"), css="btn btn-primary",
                                   form_class="move-form"))
        if svc.allowed(t, "receive") and scope.allows(user, ACTION_WRITE, RESOURCE_PERSONNEL, t.to_unit):
            out.append(post_button(url_for("TransfersView.receive", transfer_id=t.id), _("Tiếp nhận hồ sơ"),
                                   css="btn btn-success", form_class="receive-form"))
        if svc.allowed(t, "complete") and scope.allows(user, ACTION_WRITE, RESOURCE_PERSONNEL, t.from_unit) and (
                t.kind == "within_unit" or t.effective_date <= scope.today()):
            out.append(post_button(url_for("TransfersView.complete", transfer_id=t.id), _("Thực hiện quyết định"),
                                   css="btn btn-primary", form_class="complete-form"))
        if t.kind == "into_city" and t.to_unit is not None and scope.allows(user, ACTION_WRITE, RESOURCE_ACCOUNT,
                                                                             t.to_unit):
            out.append(post_button(url_for("TransfersView.open_account", transfer_id=t.id),
                                   _("Cấp (mở lại) tài khoản cá nhân"), css="btn btn-default",
                                   form_class="account-form"))
        return out

    def _step(self, transfer_id, call, done):
        return post_action(VNForm(), call, done=done, back=url_for("TransfersView.show", transfer_id=transfer_id))

    @expose("/<int:transfer_id>/move", methods=["POST"])
    @has_access
    def move(self, transfer_id):
        """Sở Nội vụ moves the file and the account (HN-12.1, HCM-8.2)."""
        return self._step(transfer_id, lambda: svc.move(g.user, transfer_id),
                          _("Đã chuyển hồ sơ và tài khoản; chờ đơn vị mới tiếp nhận."))

    @expose("/<int:transfer_id>/receive", methods=["POST"])
    @has_access
    def receive(self, transfer_id):
        """The gaining agency receives the file."""
        return self._step(transfer_id, lambda: svc.receive(g.user, transfer_id),
                          _("Đã tiếp nhận hồ sơ; người được điều động đã được thông báo."))

    @expose("/<int:transfer_id>/complete", methods=["POST"])
    @has_access
    def complete(self, transfer_id):
        """Carry out a recorded decision (inside the unit, or an exit whose effective date has come)."""
        return self._step(transfer_id, lambda: svc.complete(g.user, transfer_id), _("Đã thực hiện quyết định."))

    @expose("/<int:transfer_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, transfer_id):
        """Cancel a recorded decision, with a reason."""
        form = CancelForm()
        return post_action(form, lambda: svc.cancel(g.user, transfer_id, form.reason.data),
                           done=_("Đã hủy quyết định."), back=url_for("TransfersView.show", transfer_id=transfer_id))

    @expose("/<int:transfer_id>/account", methods=["POST"])
    @has_access
    def open_account(self, transfer_id):
        """The account administrator opens the personal account of someone who arrived; the password once."""
        from views.accounts import render_passwords

        t = self._transfer(transfer_id)
        back = url_for("TransfersView.show", transfer_id=transfer_id)
        passwords: list[str] = []
        response = post_action(VNForm(), lambda: passwords.append(svc.open_account(g.user, transfer_id)), done=None,
                               back=back)
        if not passwords:
            return response
        account = db_account(t.person.account_id)
        return render_passwords(self, _("Tài khoản của %(name)s", name=t.person.full_name), [{
            "name": account.display_name, "username": account.username, "password": passwords[0],
            "unit": t.to_unit.name}], back)

    @expose("/<int:transfer_id>/package", methods=["GET", "POST"])
    @has_access
    def package(self, transfer_id):
        """The hand-over package (ZIP: the official PDF with the JSON inside, and the JSON), for Sở Nội vụ; signed
        with the downloader's certificate when asked (HN-12.2.1, HCM-8.3)."""
        t = self._transfer(transfer_id)
        if not svc.is_transfer_authority(g.user, *(u for u in (t.from_unit, t.to_unit) if u is not None)):
            abort(403, description=_("Chỉ Sở Nội vụ tải gói bàn giao hồ sơ."))
        form = PackageForm()
        signer = g.user if request.method == "POST" and form.sign.data else None
        try:
            data, _doc = handover.build_package(t.person, t, signer_account=signer, passphrase=form.passphrase.data)
        except ServiceError as exc:
            for message in exc.messages:
                flash(message, "danger")
            return redirect(url_for("TransfersView.show", transfer_id=transfer_id))
        audit.log_access("export_handover", object_type="Person", object_id=t.person_id,
                         org_unit_id=t.from_unit_id or t.to_unit_id,
                         detail={"transfer": t.id, "signed": signer is not None})
        resp = make_response(data)
        resp.headers["Content-Type"] = "application/zip"
        resp.headers["Content-Disposition"] = f'attachment; filename="ban-giao-ho-so-{t.person_id}.zip"'
        resp.headers["Cache-Control"] = "no-store, max-age=0"
        return resp

    # ----------------------------------------------------------------- forms

    @expose("/new/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def new(self, person_id):
        """A decision about one person: ``?kind=`` within_unit | between_agencies | out_of_city | leaving."""
        try:
            person = people_svc.get_person(g.user, person_id, ACTION_WRITE)
        except NotFoundError as exc:
            abort(404, description=" ".join(exc.messages))
        kind = request.values.get("kind") or "between_agencies"
        if kind not in KIND_FIELDS:
            abort(404, description=_("Không có loại quyết định này."))
        form = MoveForm()
        form.leave_status.choices = [(k, str(people_svc.STATUSES[k])) for k in svc.LEAVE_STATUSES]
        shown = set(KIND_FIELDS[kind]) | set(DECISION_FIELDS)
        for name in [f.short_name for f in form if f.short_name not in shown and f.short_name != "csrf_token"]:
            delattr(form, name)
        kinds = Markup(" ").join(
            Markup('<a class="btn btn-xs btn-%s kind-link" href="%s">%s</a>') % (
                "primary" if k == kind else "default", url_for("TransfersView.new", person_id=person.id, kind=k),
                svc.KIND_LABELS[k]) for k in KIND_FIELDS)
        return service_form(
            self, form, lambda: svc.record_move(g.user, person.id, _move_data(form, kind)),
            title=svc.KIND_LABELS[kind], subtitle=person.full_name, multipart=True, form_id="transfer-form",
            intro=kinds, done=_("Đã ghi nhận quyết định."),
            back=lambda t: url_for("TransfersView.show", transfer_id=t.id),
            back_url=url_for("PeopleView.show", pk=person.id), submit_label=_("Ghi nhận quyết định"))

    @expose("/arrive", methods=["GET", "POST"])
    @has_access
    def arrive(self):
        """Tiếp nhận: from another province or a ministry, or back into the service (found by CCCD)."""
        from views.accounts import render_passwords

        form = ArrivalForm()
        form.category.choices = [("", _("— Chọn đối tượng —"))] + [
            (k, str(v)) for k, v in people_svc.covered_categories().items()]

        def call():
            scan, package = request.files.get("scan"), request.files.get("package")
            return svc.arrive(g.user, svc.ArrivalData(
                org_unit_id=form.org_unit_id.data, cccd=form.cccd.data, full_name=form.full_name.data,
                gender=form.gender.data or None, birth_date=form.birth_date.data, category=form.category.data or None,
                external_place=form.external_place.data, handover_date=form.handover_date.data,
                new_title=form.new_title.data, decision_number=form.decision_number.data,
                decision_date=form.decision_date.data, decision_signer=form.decision_signer.data,
                effective_date=form.effective_date.data, note=form.note.data,
                scan=scan.read() if scan and scan.filename else None, scan_name=scan.filename if scan else None,
                package=package.read() if package and package.filename else None,
                from_national=bool(form.from_national.data)))

        def respond(result):
            transfer, password = result
            back = url_for("TransfersView.show", transfer_id=transfer.id)
            if password is None:
                flash(_("Đã tiếp nhận %(name)s. Quản trị cơ quan đã được báo để cấp tài khoản cá nhân.",
                        name=transfer.person.full_name), "success")
                return redirect(back)
            account = db_account(transfer.person.account_id)
            return render_passwords(self, _("Đã tiếp nhận %(name)s", name=transfer.person.full_name), [{
                "name": account.display_name, "username": account.username, "password": password,
                "unit": transfer.to_unit.name}], back)

        return service_form(self, form, call, title=_("Tiếp nhận người vào làm việc"), multipart=True,
                            form_id="arrival-form", respond=respond, submit_label=_("Tiếp nhận"),
                            field_map={"package": "package"},
                            intro=_("Người chuyển đến từ tỉnh, thành phố khác hoặc từ bộ, ngành trung ương; người "
                                    "trở lại làm việc được mở lại đúng hồ sơ cũ theo số CCCD."))


def db_account(account_id):
    from app.extensions import db
    from models.accounts import Account

    return db.session.get(Account, account_id)


def register(appbuilder) -> None:
    """Menus under "Hồ sơ": the outgoing and the incoming moves."""
    appbuilder.add_view(TransfersView, MENU_OUTGOING_MOVES, label=_l("Điều động, chuyển công tác"),
                        icon="fa-exchange", category=MENU_PERSONNEL)
    appbuilder.add_link(MENU_INCOMING_MOVES, href="TransfersView.incoming", label=_l("Tiếp nhận, chuyển đến"),
                        icon="fa-sign-in", category=MENU_PERSONNEL)
