"""Đề nghị chờ duyệt — the approver's inbox (HN-6.4, HN-7, HCM-7.2a–c): what awaits the user, the review
page with the approval chain, approve or return one change set, or many at once.

- The list (``/people/changes/``) is one query (``queries.inbox``): the change sets whose pending step the user
  may act on — by their own authority or a valid delegation, never their own file — earliest deadline first,
  overdue rows in red with the working days late, the HN monthly window, filters by unit (subtree, the select2
  unit picker) and by step, 50 a page.
- Bulk approve / return (``/people/changes/bulk``) of the ticked rows with one comment or reason: checked up
  front (``app.services.personnel.bulk.request_bulk_decision``, which queues the job after its commit), then
  decided item by item by a background job whose progress the page polls (``/people/changes/bulk/status?id=``)
  and shows as a progress bar, then the outcome of each.
- The review page shows the diff, the proof and every step of the current round (who, when, comment, on whose
  delegation, deadline, rule, signature), and the approve / return forms when the workflow lets the user act
  (with the passphrase field when the step is signed).

FAB permission: every endpoint needs only ``can_read`` on PersonnelFile — who may act on which step is the
workflow's decision (the TCCB officer acts on the HCM review step with write, not approve); a forged or
out-of-scope id is a Vietnamese 403/404 and changes nothing.
"""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import PasswordField, SelectField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app import audit, workflow
from app.extensions import db
from app.request_input import int_arg
from app.security import scope
from app.security.permissions import ACTION_APPROVE, ACTION_READ, ACTION_WRITE, READ, RESOURCE_PERSONNEL
from app.services import code_lists
from app.services import personnel as svc
from app.services.errors import ServiceError
from app.services.personnel import bulk as bulk_svc
from app.services.personnel import files
from app.services.personnel import signed_documents as signed
from app.services.personnel.queries import step_choices
from models.personnel import FileVersion
from views import kit
from views.forms import UnitPickerField, VNForm
from views.personnel.common import (
    PASSPHRASE_INPUT,
    SECTION_LABELS,
    STATUS_CLASS,
    ApproveForm,
    Links,
    ReturnForm,
    call,
    masked_diff,
)

__all__ = ["BulkForm", "ChangeSetsView", "InboxFilterForm", "PAGE_SIZE", "STEP_STATUS_LABELS"]

PAGE_SIZE = 50
#: Milliseconds between two polls of a bulk decision's progress.
POLL_MS = 1000
#: How the review page names each state of a step.
STEP_STATUS_LABELS = {
    "waiting": _l("Chưa đến lượt"),
    "pending": _l("Đang chờ xử lý"),
    "done": _l("Đã xử lý"),
    "returned": _l("Đã trả lại"),
    "cancelled": _l("Đã hủy"),
}
STEP_STATUS_CLASS = {"waiting": "default", "pending": "warning", "done": "success", "returned": "danger",
                     "cancelled": "default"}


class InboxFilterForm(VNForm):
    """Bộ lọc hộp phê duyệt (GET, no CSRF token)."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm đơn vị trực thuộc)"), purpose="people_read")
    step = SelectField(_l("Bước"), choices=[], validate_choice=False)


class BulkForm(VNForm):
    """Phê duyệt / trả lại các hồ sơ đã chọn (the ids are the ticked ``ids`` boxes)."""

    comment = TextAreaField(_l("Ý kiến khi phê duyệt, hoặc lý do trả lại (bắt buộc khi trả lại)"),
                            validators=[OptionalV()])
    passphrase = PasswordField(_l("Mật khẩu chứng thư số (để ký số các hồ sơ cần chữ ký)"),
                               validators=[OptionalV()], render_kw=PASSPHRASE_INPUT)


def _bulk_json(row) -> dict:
    """The progress and outcomes of a bulk decision, for the page and its poll."""
    return {
        "id": row.id, "action": row.action, "status": row.status, "done": row.done, "total": row.total,
        "percent": row.percent, "error": row.error if row.status == "failed" else None,
        "note": row.note if row.status in ("queued", "running") else None,
        "results": [{**r, "label": str(bulk_svc.OUTCOME_LABELS.get(r.get("outcome"), r.get("outcome"))),
                     "url": url_for("ChangeSetsView.show", cs_id=r["id"])} for r in row.results or []],
    }


def _first_decision(act):
    """Run a decision; :class:`~app.workflow.AlreadyDecided` (a lost race) goes past ``attempt``'s form errors
    to :meth:`ChangeSetsView._decide`, which answers 409 with the message."""
    try:
        return act()
    except workflow.AlreadyDecided as exc:
        raise _Lost(exc) from exc


class _Lost(Exception):
    """Carries an :class:`~app.workflow.AlreadyDecided` through ``kit.attempt`` (which handles ServiceError)."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def _filter_args() -> dict:
    """The inbox's filter arguments of the current URL (kept by the pager and after a bulk decision)."""
    return {k: v for k, v in request.args.items() if k in ("unit_id", "step") and v}


class ChangeSetsView(BaseView):
    """The approver's inbox, the review page, approve / return one or many change sets."""

    route_base = "/people/changes"
    default_view = "index"
    class_permission_name = RESOURCE_PERSONNEL
    method_permission_name = {"index": READ, "show": READ, "approve": READ, "send_back": READ, "bulk": READ,
                              "bulk_status": READ}
    # The three actions of the resource, as in every view on it, so a permission sync keeps them all.
    base_permissions = [ACTION_READ, ACTION_WRITE, ACTION_APPROVE]

    # ----------------------------------------------------------------- the inbox

    @expose("/")
    @has_access
    def index(self):
        """Đề nghị chờ duyệt: hạn sớm nhất trước, quá hạn tô đỏ; lọc theo đơn vị, bước; duyệt hàng loạt."""
        return self._inbox()

    def _inbox(self, *, form: BulkForm | None = None, errors: dict | None = None, selected=(), status: int = 200):
        filters = InboxFilterForm(request.args, meta={"csrf": False})
        choices = step_choices()
        filters.step.choices = [("", _("— Tất cả các bước —"))] + choices
        errors = dict(errors or {})
        filter_errors = {}
        unit_id = filters.unit_id.data
        if unit_id is not None and not isinstance(unit_id, int):
            filter_errors["unit_id"] = [_("Không tìm thấy đơn vị; bộ lọc này chưa được áp dụng.")]
            unit_id = None
        step = filters.step.data if filters.step.data in dict(choices) else None
        page_no = int_arg("page", 1)
        page = svc.inbox(g.user, svc.InboxFilter(unit_id=unit_id, step_key=step), page_no - 1, PAGE_SIZE)
        bulk = None
        bulk_id = int_arg("bulk")
        if bulk_id:
            bulk = _bulk_json(call(bulk_svc.get_bulk_decision, g.user, bulk_id))
        args = _filter_args()
        return self.render_template(
            "personnel/changes.html", title=_("Đề nghị chờ duyệt"), page=page, first=(page_no - 1) * PAGE_SIZE,
            filters=filters, filter_errors=filter_errors, form=form or BulkForm(formdata=None), errors=errors,
            selected={str(i) for i in selected}, signing=any(r.signature_required for r in page.rows),
            bulk=bulk, poll_ms=POLL_MS, max_batch=bulk_svc.MAX_BATCH, args=args,
            prev_url=url_for("ChangeSetsView.index", page=page_no - 1, **args) if page_no > 1 else None,
            next_url=url_for("ChangeSetsView.index", page=page_no + 1, **args) if page.has_next else None,
        ), status

    @expose("/bulk", methods=["POST"])
    @has_access
    def bulk(self):
        """Phê duyệt / trả lại các hồ sơ đã chọn: checked at once, then decided by a background job."""
        form = BulkForm()
        ids = request.form.getlist("ids")
        action = request.form.get("action", "")

        def act():
            row = bulk_svc.request_bulk_decision(g.user, action, ids, form.comment.data,
                                                 passphrase=form.passphrase.data or None,
                                                 seen_rounds=kit.row_values("round", ids))
            if row.status == "queued" and row.note:  # Redis unreachable: the row waits for the reconciler
                flash(_("Đã ghi nhận yêu cầu xử lý %(n)s đề nghị; việc xử lý sẽ bắt đầu khi hàng đợi việc nền "
                        "hoạt động trở lại.", n=row.total), "warning")
            else:
                flash(_("Đã bắt đầu trả lại %(n)s đề nghị.", n=row.total) if row.action == "return"
                      else _("Đã bắt đầu phê duyệt %(n)s đề nghị.", n=row.total), "info")
            return redirect(url_for("ChangeSetsView.index", bulk=row.id, **_filter_args()))

        return kit.attempt(form, act, lambda errors: self._inbox(form=form, errors=errors, selected=ids)[0])

    @expose("/bulk/status")
    @has_access
    def bulk_status(self):
        """JSON of a bulk decision's progress and outcomes (polled by the inbox)."""
        bulk_id = int_arg("id")
        if not bulk_id:
            return jsonify({"error": _("Thiếu mã lần xử lý hàng loạt.")}), 400
        return jsonify(_bulk_json(call(bulk_svc.get_bulk_decision, g.user, bulk_id)))

    # ----------------------------------------------------------------- one change set

    @expose("/<int:cs_id>")
    @has_access
    def show(self, cs_id):
        """Xem đề nghị: các thay đổi so với hồ sơ đã duyệt, tài liệu chứng minh, quy trình, phê duyệt/trả lại."""
        return self._review(cs_id)

    def _review(self, cs_id, *, active: str | None = None, posted=None, errors=None, status: int = 200):
        cs = call(svc.get_change_set, g.user, cs_id)
        person = cs.person
        access = scope.person_access(g.user, person)
        is_open = cs.status in workflow.OPEN_STATUSES
        changes = masked_diff(files.diff(files.snapshot(person), list(cs.items)), access.level) if is_open else []
        version_no = db.session.scalar(select(FileVersion.version_no).where(FileVersion.id == cs.version_id)) \
            if cs.version_id else None
        step = None
        final = False
        if cs.status == "submitted":
            try:
                step, final = workflow.check_can_act(g.user, cs)
            except ServiceError:
                step = None
        decide = step is not None
        forms = {}
        if decide:
            # Each form carries the round it shows: a decision is taken on the content the page showed.
            forms["approve"] = posted if active == "approve" and posted is not None else ApproveForm(
                formdata=None, prefix="approve", data={"round": cs.round})
            forms["return"] = posted if active == "return" and posted is not None else ReturnForm(
                formdata=None, prefix="return", data={"round": cs.round})
        chain = sorted((s for s in cs.steps if s.round == cs.round), key=lambda s: s.seq)
        attachments = [a for a in svc.list_attachments(person.id) if a.change_set_id == cs.id]
        signed_docs = []
        if signed.may_read_signed(g.user, access, cs.id):
            signed_docs = [(rnd, url_for("PeopleView.signed_pdf", pk=person.id, cs_id=cs.id, round=rnd),
                            url_for("PeopleView.signatures", pk=person.id, cs_id=cs.id, round=rnd))
                           for rnd in signed.signed_rounds(person.id).get(cs.id, [])]
        audit.log_access("read", object_type="ChangeSet", object_id=cs.id, org_unit_id=person.org_unit_id,
                         detail={"person": person.id, **({"consent": access.consent_id} if access.consent_id
                                                          else {})})
        return self.render_template(
            "personnel/review.html", title=_("Đề nghị thay đổi số %(id)s", id=cs.id), cs=cs, person=person,
            changes=changes, attachments=attachments, forms=forms, decide=decide, active=active,
            errors=errors or {}, status_labels=svc.STATUS_LABELS, status_class=STATUS_CLASS, version_no=version_no,
            links=Links("PeopleView", person.id), kind_labels=code_lists.labels("attachment_kind"),
            section_labels=SECTION_LABELS,
            photo_item=next((it for it in cs.items if it.section == "photo"), None) if is_open else None,
            chain=[(s, workflow.step_label(cs, s)) for s in chain], step=step, final=final,
            step_label=workflow.step_label(cs, step) if step is not None else None,
            step_status_labels=STEP_STATUS_LABELS, step_status_class=STEP_STATUS_CLASS,
            today=workflow.local_today(), signed_docs=signed_docs,
        ), status

    def _decide(self, cs_id, key: str, form, act, done):
        def decided():
            flash(done(_first_decision(act)), "success")
            return redirect(url_for("ChangeSetsView.index"))

        try:
            return kit.attempt(form, decided, lambda errors: self._review(cs_id, active=key, posted=form,
                                                                          errors=errors)[0])
        except _Lost as lost:  # someone decided it first: say so on the page as it is now
            flash(" ".join(lost.error.messages), "warning")
            return self._review(cs_id, status=lost.error.status)

    @expose("/<int:cs_id>/approve", methods=["POST"])
    @has_access
    def approve(self, cs_id):
        """Phê duyệt (or, at an earlier step of the chain, authenticate) — signed when the step requires it."""
        form = ApproveForm(prefix="approve")
        return self._decide(
            cs_id, "approve", form,
            lambda: svc.approve(g.user, cs_id, form.comment.data, passphrase=form.passphrase.data or None,
                                seen_round=svc.parse_round(form.round.data)),
            lambda version: _("Đã phê duyệt; hồ sơ được cập nhật thành phiên bản %(no)s.", no=version.version_no)
            if version is not None else _("Đã xác thực; hồ sơ chuyển sang bước tiếp theo."))

    @expose("/<int:cs_id>/return", methods=["POST"])
    @has_access
    def send_back(self, cs_id):
        """Trả lại kèm lý do; hồ sơ đã duyệt không đổi."""
        form = ReturnForm(prefix="return")
        return self._decide(cs_id, "return", form,
                            lambda: svc.return_change_set(g.user, cs_id, form.reason.data,
                                                          seen_round=svc.parse_round(form.round.data)),
                            lambda _cs: _("Đã trả lại đề nghị thay đổi."))
