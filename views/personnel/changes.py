"""Đề nghị chờ duyệt (HN-6.4, HCM-7.2c): submitted change sets, the review page, approve or return.

The list is one query: submitted change sets of the files the user may approve (or, for a TCCB officer,
write), never their own, oldest submission first, 50 a page.
"""

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    READ,
    RESOURCE_PERSONNEL,
)
from app.services import code_lists
from app.services import personnel as svc
from app.services.personnel import files
from app.services.personnel.change_sets import OPEN_STATUSES
from models.personnel import FileVersion
from views.personnel.common import (
    SECTION_LABELS,
    STATUS_CLASS,
    ApproveForm,
    Links,
    ReturnForm,
    attempt,
    call,
    masked_diff,
)

__all__ = ["ChangeSetsView", "PAGE_SIZE"]

PAGE_SIZE = 50
APPROVE = "approve"


class ChangeSetsView(BaseView):
    """Submitted change sets: the queue, the review page, approve and return."""

    route_base = "/people/changes"
    default_view = "index"
    class_permission_name = RESOURCE_PERSONNEL
    method_permission_name = {"index": READ, "show": READ, "approve": APPROVE, "send_back": APPROVE}
    base_permissions = [ACTION_READ, ACTION_WRITE, ACTION_APPROVE]

    @expose("/")
    @has_access
    def index(self):
        """Đề nghị chờ duyệt, gửi sớm nhất trước."""
        offset = max(request.args.get("offset", 0, type=int) or 0, 0)
        rows, more = svc.pending_change_sets(g.user, offset, PAGE_SIZE)
        return self.render_template(
            "personnel/changes.html", title=_("Đề nghị chờ duyệt"), rows=rows, first=offset,
            prev_url=url_for("ChangeSetsView.index", offset=max(offset - PAGE_SIZE, 0)) if offset else None,
            next_url=url_for("ChangeSetsView.index", offset=offset + PAGE_SIZE) if more else None,
        )

    @expose("/<int:cs_id>")
    @has_access
    def show(self, cs_id):
        """Xem đề nghị: các thay đổi so với hồ sơ đã duyệt, tài liệu chứng minh, phê duyệt hoặc trả lại."""
        return self._review(cs_id)

    def _review(self, cs_id, *, active: str | None = None, posted=None, errors=None, status: int = 200):
        cs = call(svc.get_change_set, g.user, cs_id)
        person = cs.person
        access = scope.person_access(g.user, person)
        is_open = cs.status in OPEN_STATUSES
        changes = masked_diff(files.diff(files.snapshot(person), list(cs.items)), access.level) if is_open else []
        version_no = db.session.scalar(select(FileVersion.version_no).where(FileVersion.id == cs.version_id)) \
            if cs.version_id else None
        decide = access.approve and cs.status == "submitted"
        forms = {}
        if decide:
            forms["approve"] = posted if active == "approve" and posted is not None else ApproveForm(
                formdata=None, prefix="approve")
            forms["return"] = posted if active == "return" and posted is not None else ReturnForm(
                formdata=None, prefix="return")
        attachments = [a for a in svc.list_attachments(person.id) if a.change_set_id == cs.id]
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
        ), status

    def _decide(self, cs_id, key: str, form, act, done):
        def success(result):
            flash(done(result), "success")
            return redirect(url_for("ChangeSetsView.index"))

        return attempt(form, act, success,
                       lambda errors: self._review(cs_id, active=key, posted=form, errors=errors, status=400))

    @expose("/<int:cs_id>/approve", methods=["POST"])
    @has_access
    def approve(self, cs_id):
        """Phê duyệt: áp dụng thay đổi và ghi phiên bản mới của hồ sơ (không tự duyệt hồ sơ của mình)."""
        form = ApproveForm(prefix="approve")
        return self._decide(cs_id, "approve", form, lambda: svc.approve(g.user, cs_id, form.comment.data),
                            lambda version: _("Đã phê duyệt; hồ sơ được cập nhật thành phiên bản %(no)s.",
                                              no=version.version_no))

    @expose("/<int:cs_id>/return", methods=["POST"])
    @has_access
    def send_back(self, cs_id):
        """Trả lại kèm lý do; hồ sơ đã duyệt không đổi."""
        form = ReturnForm(prefix="return")
        return self._decide(cs_id, "return", form,
                            lambda: svc.return_change_set(g.user, cs_id, form.reason.data),
                            lambda _cs: _("Đã trả lại đề nghị thay đổi."))
