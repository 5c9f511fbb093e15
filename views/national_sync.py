"""Đồng bộ CSDL quốc gia (issue 18): the batches per agency and month, a batch's records with their receipts (and
the resend button of a rejected one), the agency's monthly submission, Sở Nội vụ's approval queue (several batches
approved at once, with one signature where the Director signs), the overdue records and the reconciliation report.

Screens of the view kit (``ListView`` + one service call each; ``service_form`` / ``post_action`` for the writes).
The rules are in ``app/services/national_sync``; an agency sees its subtree's agencies, Sở Nội vụ the city.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, g, make_response, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import PasswordField, SelectField, StringField

from app import audit
from app.crypto import mask
from app.profiles import active_profile
from app.request_input import parse_int
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    MENU_DATA,
    MENU_SYNC_APPROVALS,
    MENU_SYNC_BATCHES,
    MENU_SYNC_OVERDUE,
    MENU_SYNC_RECONCILIATION,
    READ,
    RESOURCE_NATIONAL_SYNC,
    RESOURCE_PERSONNEL,
    WRITE,
)
from app.services.national_sync import batches as svc
from app.services.national_sync import queries
from app.services.national_sync.outbox import TZ, now
from models.national_sync import BATCH_KINDS, BATCH_STATES, DIFFERENCE_KINDS, ITEM_STATUSES
from views.forms import VNForm
from views.kit import (
    Column,
    ListView,
    found,
    label,
    link,
    moment,
    paginate,
    post_action,
    post_button,
    render_rows,
    row_values,
    service_form,
    small,
)

__all__ = ["NationalSyncView", "SyncApprovalsView", "SyncOverdueView", "SyncReconciliationView", "register"]

APPROVE = "approve"
STATE_CLASSES = {"submitted": "warning", "returned": "danger", "approved": "info", "sending": "info",
                 "sent": "success", "partial": "warning", "failed": "danger"}
ITEM_CLASSES = {"queued": "default", "sent": "info", "accepted": "success", "rejected": "danger",
                "superseded": "default"}
RECONCILE_CLASSES = {"match": "success", "differ": "danger", "error": "warning"}
RECONCILE_LABELS = {"match": _l("Khớp"), "differ": _l("Có chênh lệch"), "error": _l("Không đối soát được")}


def _month(period: str) -> str:
    return svc.month_label(period)


def _name(r) -> str:
    return " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)


def _reads_file(r) -> bool:
    """The reader's grants on personnel files cover the file's unit (the unit's path comes with the row: no query)."""
    if "sync_file_grants" not in g:
        g.sync_file_grants = scope.grants_for(g.user, ACTION_READ, RESOURCE_PERSONNEL)
    unit = SimpleNamespace(id=r.org_unit_id, path=r.unit_path)
    return any(grant.covers(unit) for grant in g.sync_file_grants)


def _person_cell(r) -> Markup | str:
    """The person's name, a link to the file when the reader may open it (its unit in their read scope)."""
    if _reads_file(r):
        return link(url_for("PeopleView.show", pk=r.person_id), _name(r))
    return _name(r)


def _state_cell(r) -> Markup:
    return label(BATCH_STATES.get(r.state, r.state), STATE_CLASSES.get(r.state, "default"))


def _item_status(r) -> Markup:
    return label(ITEM_STATUSES.get(r.status, r.status), ITEM_CLASSES.get(r.status, "default"))


def _receipt_cell(r) -> Markup | str:
    if not r.receipt_code and not r.receipt_message:
        return "—"
    return Markup("%s%s") % (r.receipt_code or "", small(r.receipt_message or ""))


def _resend_cell(r) -> Markup | str:
    if r.status != "rejected" or not g.get("sync_can_write"):
        return ""
    return post_button(url_for("NationalSyncView.resend", sync_item_id=r.id, batch=g.get("sync_batch_id")),
                       _("Gửi lại"), css="btn btn-xs btn-warning", form_class="resend-form")


def _due_cell(r) -> Markup | str:
    text = moment(r.due_at)
    if r.status in ("queued", "sent", "rejected") and r.due_at < g.sync_now:
        return Markup('<span class="text-danger overdue"><strong>%s</strong></span>') % text
    return text


ITEM_COLUMNS = (
    Column(_l("Họ và tên"), _person_cell, css="col-person"),
    Column(_l("Phiên bản"), lambda r: r.version_no, css="text-right"),
    Column(_l("Duyệt lúc"), lambda r: moment(r.queued_at)),
    Column(_l("Hạn đồng bộ"), _due_cell),
    Column(_l("Tình trạng"), _item_status),
    Column(_l("Kết quả của CSDL quốc gia"), _receipt_cell),
    Column(_l("Tiếp nhận lúc"), lambda r: moment(r.answered_at)),
    Column("", _resend_cell),
)


class BatchFilter(VNForm):
    """The batches' filters (a GET form)."""

    state = SelectField(_l("Tình trạng"), choices=[("", _l("— Tất cả —"))] + list(BATCH_STATES.items()),
                        validate_choice=False)
    kind = SelectField(_l("Hình thức"), choices=[("", _l("— Tất cả —"))] + list(BATCH_KINDS.items()),
                       validate_choice=False)
    period = StringField(_l("Tháng (năm-tháng, ví dụ 2026-12)"))


class SubmitForm(VNForm):
    """Trình đợt đồng bộ hằng tháng."""

    agency_unit_id = SelectField(_l("Cơ quan"), choices=[], validate_choice=False)


class ReturnForm(VNForm):
    """Trả lại đợt đồng bộ."""

    reason = StringField(_l("Lý do trả lại"))


class ApproveForm(VNForm):
    """Phê duyệt các đợt đã chọn (with the passphrase where the Director signs)."""

    passphrase = PasswordField(_l("Mật khẩu chứng thư số"))


def _batch_cell(r) -> Markup:
    return link(url_for("NationalSyncView.batch", batch_id=r.id), r.batch_key) + small(
        BATCH_KINDS.get(r.kind, r.kind))


def _progress_cell(r) -> Markup | str:
    text = _("%(accepted)s tiếp nhận, %(rejected)s từ chối / %(n)s", accepted=r.accepted_count,
             rejected=r.rejected_count, n=r.record_count)
    return Markup("%s%s") % (text, small(r.note or r.error or ""))


BATCH_COLUMNS = (
    Column(_l("Đợt"), _batch_cell),
    Column(_l("Cơ quan gửi"), lambda r: r.agency_name),
    Column(_l("Tháng"), lambda r: _month(r.period)),
    Column(_l("Tình trạng"), _state_cell),
    Column(_l("Hồ sơ"), _progress_cell),
    Column(_l("Trình lúc"), lambda r: moment(r.submitted_at)),
    Column(_l("Duyệt lúc"), lambda r: moment(r.approved_at)),
)


class NationalSyncView(ListView):
    """Đợt đồng bộ: the batches of the reader's scope, one batch's records, the monthly submission, resend."""

    route_base = "/national-sync"
    class_permission_name = RESOURCE_NATIONAL_SYNC
    base_permissions = ["can_" + READ, "can_" + WRITE, "can_" + APPROVE]
    method_permission_name = {"index": READ, "batch": READ, "manifest": READ, "submit": WRITE, "resend": WRITE,
                              "return_batch": APPROVE, "retry": APPROVE}
    filter_form = BatchFilter
    filter_fields = ("state", "kind", "period")
    columns = BATCH_COLUMNS
    table_id = "sync-batches"
    row_class = "sync-batch"
    empty_message = _l("Chưa có đợt đồng bộ nào.")
    list_links = ((_l("Trình đợt đồng bộ hằng tháng"), "NationalSyncView.submit", "fa-paper-plane", WRITE),)

    def list_page(self, filters):
        stmt, count = queries.batch_list(g.user, state=filters.state.data or None, kind=filters.kind.data or None,
                                         period=(filters.period.data or "").strip() or None)
        return paginate(stmt, scalars=False, count_cap=1000, count_stmt=count)

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class, "data-id": r.id, "data-state": r.state}

    @expose("/")
    @has_access
    def index(self):
        """The batches, newest month first."""
        sync = active_profile().national_sync
        intro = _("Hồ sơ đã duyệt được gửi về CSDL quốc gia ngay khi duyệt (chậm nhất %(n)s ngày); mỗi tháng, trong "
                  "%(w)s ngày cuối tháng, cơ quan trình đợt hằng tháng để Sở Nội vụ phê duyệt.",
                  n=sync.event_deadline_days, w=sync.window_last_days) if sync else ""
        return self.render_list(title=_("Đợt đồng bộ CSDL quốc gia"), intro=intro)

    # ---- one batch

    @expose("/batch/<int:batch_id>")
    @has_access
    def batch(self, batch_id):
        """A batch: its facts, its records with their receipts (paged), the buttons of what the reader may do."""
        b = found(svc.get_batch, g.user, batch_id)
        status = request.args.get("status") or None
        page = paginate(queries.batch_items(b, status if status in ITEM_STATUSES else None), scalars=False,
                        count_cap=10000)
        g.sync_now, g.sync_batch_id = now(), b.id
        g.sync_can_write = self.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_NATIONAL_SYNC)
        sync = active_profile().national_sync
        return self.render_template(
            "national_sync/batch.html", title=_("Đợt đồng bộ %(key)s", key=b.batch_key), b=b, page=page,
            rows_html=render_rows(page.rows, ITEM_COLUMNS, _item_attrs), headers=[c.label for c in ITEM_COLUMNS],
            kinds=BATCH_KINDS, states=BATCH_STATES, state_class=STATE_CLASSES.get(b.state, "default"),
            month=_month(b.period), window=svc.window_text(b.period, sync) if sync else None,
            item_statuses=ITEM_STATUSES, status=status,
            can_approve=self.appbuilder.sm.has_access("can_" + APPROVE, RESOURCE_NATIONAL_SYNC),
            return_form=ReturnForm(formdata=None), retry_form=VNForm(formdata=None), moment=moment,
            manifest_readable=b.manifest_id is not None and _reads_identifiers(b.agency))

    @expose("/batch/<int:batch_id>/manifest")
    @has_access
    def manifest(self, batch_id):
        """The manifest Sở Nội vụ approved (signed by its Director in HCM): for readers of identifiers only."""
        b = found(svc.get_batch, g.user, batch_id)
        if b.manifest is None:
            abort(404, description=_("Đợt này chưa có bảng kê."))
        if not _reads_identifiers(b.agency):
            abort(403, description=_("Bảng kê có số định danh cá nhân; bạn không được xem mục này."))
        audit.log_access("download", object_type="SyncManifest", object_id=b.manifest_id,
                         org_unit_id=b.agency_unit_id, detail={"batch": b.id})
        resp = make_response(b.manifest.pdf)
        resp.headers["Content-Type"] = "application/pdf"
        resp.headers["Content-Disposition"] = f'attachment; filename="bang-ke-dong-bo-{b.manifest_id}.pdf"'
        resp.headers["Cache-Control"] = "no-store, max-age=0"
        return resp

    # ---- writes

    @expose("/submit", methods=["GET", "POST"])
    @has_access
    def submit(self):
        """The agency's competent person submits the month's batch (in the window)."""
        form = SubmitForm()
        agencies = svc.agencies_for(g.user)
        form.agency_unit_id.choices = [(str(u.id), u.name) for u in agencies]
        sync = active_profile().national_sync
        intro = ""
        if sync is not None:
            start, last, _due = svc.window_text(svc.period_of(now().astimezone(TZ).date()), sync)
            intro = _("Đợt hằng tháng gồm các hồ sơ được duyệt kể từ đợt trước của cơ quan; chỉ trình được từ "
                      "%(start)s đến hết %(last)s.", start=start, last=last)
        notice = None if agencies else _("Bạn không phải thủ trưởng (hoặc người được ủy quyền) của cơ quan nào có "
                                         "tài khoản cơ quan.")
        return service_form(
            self, form, lambda: svc.submit_monthly(g.user, form.agency_unit_id.data),
            title=_("Trình đợt đồng bộ hằng tháng"), intro=intro, notice=notice, form_id="sync-submit-form",
            submit_label=_("Trình Sở Nội vụ"), forbidden_in_page=True,
            done=lambda b: _("Đã trình đợt %(key)s gồm %(n)s hồ sơ.", key=b.batch_key, n=b.record_count),
            back=lambda b: url_for("NationalSyncView.batch", batch_id=b.id))

    @expose("/item/<int:sync_item_id>/resend", methods=["POST"])
    @has_access
    def resend(self, sync_item_id):
        """Send a rejected record again."""
        batch = parse_int(request.args.get("batch", "")) if request.args.get("batch") else None
        back = url_for("NationalSyncView.batch", batch_id=batch) if batch else url_for("SyncOverdueView.index")
        return post_action(VNForm(), lambda: svc.resend_item(g.user, sync_item_id),
                           done=_("Hồ sơ sẽ được gửi lại trong đợt gửi tiếp theo."), back=back)

    @expose("/batch/<int:batch_id>/return", methods=["POST"])
    @has_access
    def return_batch(self, batch_id):
        """Sở Nội vụ returns a submitted batch with a reason."""
        form = ReturnForm()
        return post_action(form, lambda: svc.return_batch(g.user, batch_id, form.reason.data),
                           done=_("Đã trả lại đợt đồng bộ."), back=url_for("NationalSyncView.batch",
                                                                           batch_id=batch_id))

    @expose("/batch/<int:batch_id>/retry", methods=["POST"])
    @has_access
    def retry(self, batch_id):
        """Send a failed batch again."""
        return post_action(VNForm(), lambda: svc.retry_batch(g.user, batch_id),
                           done=_("Đợt đồng bộ được gửi lại."), back=url_for("NationalSyncView.batch",
                                                                             batch_id=batch_id))


def _item_attrs(r) -> dict:
    return {"class": "sync-item" + (" danger" if r.status == "rejected" else ""), "data-id": r.id,
            "data-status": r.status}


def _reads_identifiers(unit) -> bool:
    """The reader reads identifiers (CCCD, level 2) in clear on the agency's files (the manifest lists them)."""
    return scope.field_level(g.user, unit) >= 2


# --------------------------------------------------------------------------- Sở Nội vụ's approval queue


def _check_cell(r) -> Markup:
    """The batch's checkbox and which submission of it the page shows (``svc.submission_mark``)."""
    return Markup('<input type="checkbox" name="ids" value="%s" form="sync-approve-form" class="sync-pick" '
                  'aria-label="%s"><input type="hidden" name="seen-%s" value="%s" form="sync-approve-form">') % (
        r.id, _("Chọn đợt %(key)s", key=r.batch_key), r.id, svc.submission_mark(r))


QUEUE_COLUMNS = (
    Column("", _check_cell),
    Column(_l("Đợt"), lambda r: link(url_for("NationalSyncView.batch", batch_id=r.id), r.batch_key)),
    Column(_l("Cơ quan gửi"), lambda r: r.agency_name),
    Column(_l("Tháng"), lambda r: _month(r.period)),
    Column(_l("Số hồ sơ"), lambda r: r.record_count, css="text-right"),
    Column(_l("Trình lúc"), lambda r: moment(r.submitted_at)),
)


class SyncApprovalsView(ListView):
    """Sở Nội vụ's approval queue: the submitted monthly batches; several approved with one signature."""

    route_base = "/national-sync/approvals"
    class_permission_name = RESOURCE_NATIONAL_SYNC
    base_permissions = ["can_" + APPROVE]
    method_permission_name = {"index": APPROVE, "approve": APPROVE}
    list_template = "national_sync/approvals.html"
    columns = QUEUE_COLUMNS
    table_id = "sync-queue"
    row_class = "sync-queued"
    empty_message = _l("Không có đợt đồng bộ nào chờ phê duyệt.")

    def list_page(self, filters):
        return paginate(queries.approval_queue(g.user), scalars=False, size=svc.MAX_APPROVE)

    @expose("/")
    @has_access
    def index(self):
        """The queue, oldest month first."""
        sync = active_profile().national_sync
        signs = bool(sync and sync.manifest_signature)
        intro = (_("Chọn các đợt rồi phê duyệt một lần: một bảng kê liệt kê các đợt và hồ sơ, được ký số bằng chứng "
                   "thư số của bạn.") if signs else
                 _("Chọn các đợt rồi phê duyệt một lần; bảng kê các đợt và hồ sơ được lưu cùng quyết định."))
        return self.render_list(title=_("Phê duyệt dữ liệu đồng bộ CSDL quốc gia"), intro=intro, signs=signs,
                                approve_form=ApproveForm(formdata=None))

    @expose("/approve", methods=["POST"])
    @has_access
    def approve(self):
        """Approve the selected batches (one signature where the Director signs)."""
        form = ApproveForm()
        ids = request.form.getlist("ids")
        seen = row_values("seen", ids)
        return post_action(form, lambda: svc.approve_batches(g.user, ids, form.passphrase.data or None, seen),
                           done=lambda rows: _("Đã phê duyệt %(n)s đợt; hồ sơ đang được gửi về CSDL quốc gia.",
                                               n=len(rows)),
                           back=url_for("SyncApprovalsView.index"))


# --------------------------------------------------------------------------- overdue records


class OverdueFilter(VNForm):
    """The overdue list's filter: one agency."""

    agency = SelectField(_l("Cơ quan gửi"), choices=[], validate_choice=False)


OVERDUE_COLUMNS = (
    Column(_l("Họ và tên"), _person_cell, css="col-person"),
    Column(_l("Cơ quan gửi"), lambda r: r.agency_name),
    Column(_l("Phiên bản"), lambda r: r.version_no, css="text-right"),
    Column(_l("Duyệt lúc"), lambda r: moment(r.queued_at)),
    Column(_l("Hạn đồng bộ"), _due_cell),
    Column(_l("Tình trạng"), _item_status),
    Column(_l("Kết quả của CSDL quốc gia"), _receipt_cell),
    Column("", _resend_cell),
)


class SyncOverdueView(ListView):
    """Hồ sơ quá hạn đồng bộ: approved versions not delivered by their deadline (ND27-SYNC)."""

    route_base = "/national-sync/overdue"
    class_permission_name = RESOURCE_NATIONAL_SYNC
    base_permissions = ["can_" + READ]
    method_permission_name = {"index": READ}
    columns = OVERDUE_COLUMNS
    table_id = "sync-overdue"
    row_class = "sync-late"
    empty_message = _l("Không có hồ sơ nào quá hạn đồng bộ.")

    def row_attrs(self, r) -> dict:
        return {"class": self.row_class + " danger", "data-id": r.id, "data-status": r.status}

    def list_page(self, filters):
        g.sync_now = now()
        g.sync_can_write = self.appbuilder.sm.has_access("can_" + WRITE, RESOURCE_NATIONAL_SYNC)
        agency = parse_int(request.args.get("agency", "")) if request.args.get("agency") else None
        stmt, count = queries.overdue_items(g.user, agency)
        return paginate(stmt, scalars=False, count_cap=10000, count_stmt=count)

    @expose("/")
    @has_access
    def index(self):
        """The overdue records, the oldest deadline first."""
        return self.render_list(title=_("Hồ sơ quá hạn đồng bộ CSDL quốc gia"), intro=_(
            "Hồ sơ đã duyệt nhưng chưa được CSDL quốc gia tiếp nhận khi đã quá thời hạn: chưa gửi được, chưa có xác "
            "nhận, hoặc bị từ chối và cần sửa hoặc gửi lại."))


# --------------------------------------------------------------------------- reconciliation


def _run_cell(r) -> Markup:
    run = r[0]
    return label(RECONCILE_LABELS.get(run.status, run.status), RECONCILE_CLASSES.get(run.status, "default"))


def _diff_link(r) -> Markup | str:
    run = r[0]
    if run.status != "differ":
        return small(run.message or "") if run.message else ""
    return link(url_for("SyncReconciliationView.index", agency=run.agency_unit_id), _("Xem chênh lệch"))


RUN_COLUMNS = (
    Column(_l("Cơ quan"), lambda r: r.agency_name),
    Column(_l("Đối soát lúc"), lambda r: moment(r[0].run_at)),
    Column(_l("Kết quả"), _run_cell),
    Column(_l("Thành phố đã gửi"), lambda r: r[0].our_count, css="text-right"),
    Column(_l("CSDL quốc gia có"), lambda r: r[0].their_count, css="text-right"),
    Column(_l("Thiếu ở CSDL quốc gia"), lambda r: r[0].missing_count, css="text-right"),
    Column(_l("Thừa ở CSDL quốc gia"), lambda r: r[0].unexpected_count, css="text-right"),
    Column(_l("Khác phiên bản"), lambda r: r[0].different_count, css="text-right"),
    Column("", _diff_link),
)


def _diff_person(r) -> Markup | str:
    if r.person_id is not None and r.family_name is not None:
        return _name(r)
    return mask(r.identifier) if r.identifier else "—"


DIFF_COLUMNS = (
    Column(_l("Loại chênh lệch"), lambda r: DIFFERENCE_KINDS.get(r.kind, r.kind)),
    Column(_l("Hồ sơ"), _diff_person),
    Column(_l("Phiên bản đã gửi"), lambda r: r.our_version if r.our_version is not None else "—", css="text-right"),
    Column(_l("Phiên bản ở CSDL quốc gia"), lambda r: r.their_version if r.their_version is not None else "—",
           css="text-right"),
)


class SyncReconciliationView(ListView):
    """Đối soát: what the national side holds per agency against what we sent; one agency's differences."""

    route_base = "/national-sync/reconciliation"
    class_permission_name = RESOURCE_NATIONAL_SYNC
    base_permissions = ["can_" + READ]
    method_permission_name = {"index": READ}
    table_id = "sync-reconciliation"
    row_class = "sync-run"
    empty_message = _l("Chưa có kết quả đối soát.")

    def list_columns(self):
        return DIFF_COLUMNS if g.get("sync_agency") is not None else RUN_COLUMNS

    def row_attrs(self, r) -> dict:
        if g.get("sync_agency") is not None:
            return {"class": "sync-difference", "data-kind": r.kind}
        return {"class": self.row_class, "data-agency": r[0].agency_unit_id, "data-status": r[0].status}

    def list_page(self, filters):
        if g.get("sync_agency") is not None:
            return paginate(g.sync_differences, scalars=False)
        return paginate(queries.latest_runs(g.user), scalars=False)

    @expose("/")
    @has_access
    def index(self):
        """The latest run per agency, or ``?agency=<id>``: that agency's differences."""
        raw = request.args.get("agency", "").strip()
        if raw:
            agency = parse_int(raw)
            if agency is None:
                abort(404)
            run, stmt = found(queries.differences, g.user, agency)
            g.sync_agency, g.sync_differences = agency, stmt
            return self.render_list(title=_("Chênh lệch với CSDL quốc gia: %(unit)s", unit=run.agency.name),
                                    intro=_("Đối soát lúc %(time)s: thành phố đã gửi %(ours)s hồ sơ, CSDL quốc gia có "
                                            "%(theirs)s.", time=moment(run.run_at), ours=run.our_count,
                                            theirs=run.their_count))
        return self.render_list(title=_("Đối soát với CSDL quốc gia"), intro=_(
            "Mỗi ngày, số hồ sơ và mã kiểm tra của từng cơ quan ở CSDL quốc gia được so với những gì thành phố đã "
            "gửi và được tiếp nhận."))


def register(appbuilder) -> None:
    """Menu "Dữ liệu" (shared with the imports, so that the administrator's navbar fits one line at 1366 px): the
    national sync's batches, approvals, overdue records, reconciliation."""
    category = dict(category=MENU_DATA, category_label=_l("Dữ liệu"), category_icon="fa-database")
    appbuilder.add_view(NationalSyncView, MENU_SYNC_BATCHES, label=_l("Đợt đồng bộ CSDL quốc gia"), icon="fa-list",
                        **category)
    appbuilder.add_view(SyncApprovalsView, MENU_SYNC_APPROVALS, label=_l("Phê duyệt của Sở Nội vụ"),
                        icon="fa-check-square-o", **category)
    appbuilder.add_view(SyncOverdueView, MENU_SYNC_OVERDUE, label=_l("Hồ sơ quá hạn đồng bộ"), icon="fa-clock-o",
                        **category)
    appbuilder.add_view(SyncReconciliationView, MENU_SYNC_RECONCILIATION, label=_l("Đối soát với CSDL quốc gia"),
                        icon="fa-balance-scale", **category)

