"""In sơ yếu lý lịch and batch export (issue 7, part 5): the SYLL PDF of one file, a unit's SYLLs as a ZIP.

- ``SyllView`` (officers, ``/people/syll``): print a file in scope (``person_access(...).read``; a file that
  does not exist is a 404, one outside the scope a 403), start a unit's batch export (select2 unit picker),
  follow its progress (a small JSON endpoint polled by the page) and download the ZIP.
- ``MySyllView`` (``/my/file/syll``): print the signed-in person's own file.

Every print is in the access log (``print_syll`` with the version); the batch and its download are logged by
the export service. Reader level as on the screens: the role's level, full for the own file and approvers.
"""

from __future__ import annotations

import io

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import Optional as OptionalV

from app import audit
from app.extensions import db
from app.request_input import int_arg
from app.security import scope
from app.security.downloads import attachment_name
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    MENU_SYLL_EXPORTS,
    READ,
    RESOURCE_MY_FILE,
    RESOURCE_PERSONNEL,
)
from app.services import exports as export_svc
from app.services import personnel as svc
from app.services.errors import ServiceError
from app.services.personnel import signed_documents as signed
from app.text import nfc
from models.personnel import Person
from views.exports import EXPORT_ROUTES, POLL_SECONDS, ExportJobView, export_state, send_export, status_text
from views.forms import UnitPickerField, VNForm
from views.kit import Column, moment, render_table, service_form
from views.personnel.common import PASSPHRASE_INPUT, call

__all__ = ["MENU_SYLL_EXPORTS", "MySyllView", "PeopleExportView", "SyllView", "print_response"]

class SignPrintForm(VNForm):
    """Ký số bản in sơ yếu lý lịch."""

    passphrase = PasswordField(_l("Mật khẩu chứng thư số (để ký số)"), validators=[OptionalV()],
                               render_kw=PASSPHRASE_INPUT)


class ExportForm(VNForm):
    """Xuất sơ yếu lý lịch của một đơn vị."""

    unit_id = UnitPickerField(_l("Đơn vị (gồm các đơn vị trực thuộc)"), purpose="people_read")


def pdf_name(name: str, version_no: int) -> str:
    """The PDF's (Vietnamese) file name; sent with RFC 5987 ``filename*``."""
    return nfc(_("Sơ yếu lý lịch - %(name)s - phiên bản %(no)s.pdf", name=name, no=version_no)).replace("/", "-")


def print_response(person_id: int):
    """The SYLL PDF of a file the user may read (a download); 404 for no such file or version and for a file
    outside the user's scope alike (as the file page: the answer does not tell whether the file exists)."""
    from app.pdf.syll import person_name, render_syll

    person = db.session.get(Person, person_id)
    access = scope.person_access(g.user, person) if person is not None else None
    if access is None or not access.read:
        abort(404, description=_("Không tìm thấy hồ sơ."))
    no = int_arg("version") or person.version_no
    version = svc.get_version(person.id, no) if no else None
    if version is None:
        abort(404, description=_("Hồ sơ chưa có phiên bản đã duyệt này để in."))
    pdf = render_syll(version, reader_level=access.level)
    audit.log_access("print_syll", object_type="Person", object_id=person.id, org_unit_id=person.org_unit_id,
                     detail={"version_no": version.version_no, "pages": pdf.page_count,
                             **({"consent": access.consent_id} if access.consent_id else {})})
    resp = send_file(io.BytesIO(pdf.data), mimetype="application/pdf", as_attachment=True,
                     download_name=pdf_name(person_name(version.snapshot) or person.full_name,
                                           version.version_no), max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


#: The list of recent exports under the form.
EXPORT_COLUMNS = [
    Column(_l("Số"), lambda j: Markup('<a href="%s">%s</a>') % (url_for("SyllView.export_show", export_id=j.id), j.id)),
    Column(_l("Lúc"), lambda j: moment(j.created_at)),
    Column(_l("Đơn vị"), lambda j: j.org_unit.name if j.org_unit else ""),
    Column(_l("Trạng thái"), status_text),
    Column(_l("Số tệp"), lambda j: f"{j.done}/{j.total}" if j.total else j.done),
    Column("", lambda j: Markup('<a href="%s"><i class="fa fa-download"></i> %s</a>') % (
        url_for("SyllView.export_download", export_id=j.id), _("Tải về")) if j.status == "finished" else ""),
]


def _started(job):
    """The flash after a request: a warning when the queue is unreachable (the reconciler will queue the row)."""
    if job.status == "queued" and job.note:
        return (_("Đã ghi nhận yêu cầu xuất sơ yếu lý lịch; việc xuất sẽ bắt đầu khi hàng đợi việc nền hoạt động "
                  "trở lại."), "warning")
    return _("Đã bắt đầu xuất sơ yếu lý lịch.")


def _export_json(job) -> dict:
    """The progress of a SYLL export (its page and poll)."""
    return export_state(job, "SyllView.export_download")


class SyllView(BaseView):
    """In sơ yếu lý lịch (officers) and batch export of a unit's SYLLs."""

    route_base = "/people/syll"
    default_view = "exports"
    class_permission_name = RESOURCE_PERSONNEL
    method_permission_name = {"print_syll": READ, "sign_print": READ, "exports": READ, "export_show": READ,
                              "export_status": READ, "export_download": READ}
    # The three actions of the resource, as in every view on it, so a permission sync keeps them all.
    base_permissions = [ACTION_READ, ACTION_WRITE, ACTION_APPROVE]
    form_id = "syll-export-form"
    form_intro = _l("Sơ yếu lý lịch (phiên bản đã duyệt mới nhất) của mọi người đang công tác tại đơn vị và các đơn vị "
                    "trực thuộc trong phạm vi bạn được xem, mỗi người một tệp PDF, gộp thành một tệp ZIP. Việc xuất "
                    "chạy nền; trang tiến độ cho biết khi nào tải được.")

    @expose("/<int:pk>/print")
    @has_access
    def print_syll(self, pk):
        """In sơ yếu lý lịch (PDF) of a file in scope; ``?version=N`` for an older version."""
        return print_response(pk)

    @expose("/<int:pk>/sign", methods=["GET", "POST"])
    @has_access
    def sign_print(self, pk):
        """Ký số bản in: the SYLL of the latest approved version (``?version=N``: an older one) signed with the
        officer's certificate, downloaded; a refusal (no certificate, wrong passphrase …) shows the form again."""
        person, version, _access = call(signed.print_to_sign, g.user, pk, int_arg("version"))
        no = version.version_no
        form = SignPrintForm()

        def respond(result):
            resp = send_file(io.BytesIO(result.data), mimetype="application/pdf", as_attachment=True,
                             download_name=attachment_name(result.file_name, "application/pdf", "syll.pdf"),
                             max_age=0)
            resp.headers["Cache-Control"] = "private, no-store"
            return resp

        return service_form(
            self, form, lambda: signed.sign_print(g.user, person.id, form.passphrase.data, no),
            title=_("Ký số bản in sơ yếu lý lịch"), respond=respond, subtitle=person.full_name,
            form_id="sign-print-form", submit_label=_("Ký số và tải về"),
            back_url=url_for("PeopleView.show", pk=person.id),
            intro=_("Bản in sơ yếu lý lịch theo phiên bản đã duyệt %(no)s, ký bằng chứng thư số của bạn để xác nhận "
                    "bản in đúng với hồ sơ. Mật khẩu không được lưu lại.", no=no))

    @expose("/exports", methods=["GET", "POST"])
    @has_access
    def exports(self):
        """Xuất sơ yếu lý lịch của một đơn vị (ZIP các tệp PDF), and the user's recent exports."""
        form = ExportForm()
        recent = render_table(export_svc.recent_exports(g.user, kind=export_svc.KIND_SYLL_UNIT), EXPORT_COLUMNS,
                              lambda j: {"data-export-id": j.id},
                              table_id="syll-exports", empty=_("Chưa có lần xuất nào."))
        return service_form(
            self, form, lambda: export_svc.request_unit_syll_export(g.user, form.unit_id.data),
            title=_("Xuất sơ yếu lý lịch theo đơn vị"), done=_started,
            back=lambda job: url_for("SyllView.export_show", export_id=job.id), forbidden_field="unit_id",
            submit_label=_("Xuất sơ yếu lý lịch"), back_url=False,
            after_form=Markup("<h4>%s</h4>") % _("Các lần xuất gần đây") + recent)

    @expose("/exports/<int:export_id>")
    @has_access
    def export_show(self, export_id):
        """Tiến độ một lần xuất, then its download link."""
        job = call(export_svc.get_export, g.user, export_id, export_svc.KIND_SYLL_UNIT)
        return self.render_template("personnel/export_show.html", title=_("Xuất sơ yếu lý lịch"), job=job,
                                    state=_export_json(job), poll_ms=POLL_SECONDS * 1000)

    @expose("/exports/<int:export_id>/status")
    @has_access
    def export_status(self, export_id):
        """JSON of the progress (polled by the page)."""
        job = call(export_svc.get_export, g.user, export_id, export_svc.KIND_SYLL_UNIT)
        return jsonify(_export_json(job))

    @expose("/exports/<int:export_id>/download")
    @has_access
    def export_download(self, export_id):
        """The ZIP (scope re-checked, access-logged)."""
        job, key = call(export_svc.open_export, g.user, export_id, export_svc.KIND_SYLL_UNIT)
        return send_export(job, key, "application/zip", "syll.zip")


class MySyllView(BaseView):
    """In sơ yếu lý lịch of the signed-in person's own file."""

    route_base = "/my/file/syll"
    default_view = "print_syll"
    class_permission_name = RESOURCE_MY_FILE
    method_permission_name = {"print_syll": READ}
    base_permissions = [ACTION_READ, ACTION_WRITE]

    @expose("/print")
    @has_access
    def print_syll(self):
        """In sơ yếu lý lịch của tôi; without a linked file, back to the page that explains why."""
        pid = svc.own_person_id(g.user)
        if pid is None:
            return redirect(url_for("MyFileView.show"))  # that page says why (no flash: it was shown twice)
        return print_response(pid)


# --------------------------------------------------------------------------- the people list as XLSX (issue 17)


class PeopleExportView(ExportJobView):
    """Xuất danh sách hồ sơ ra Excel (issue 17, item 6): the list with its current filters, as a background job
    with a progress bar (``views/exports.py``: the progress page, its JSON and the download); the workbook is
    downloaded by whoever asked for it."""

    route_base = "/people/export"
    default_view = "index"
    class_permission_name = RESOURCE_PERSONNEL
    method_permission_name = {"index": READ, "start": READ, **EXPORT_ROUTES}
    base_permissions = [ACTION_READ, ACTION_WRITE, ACTION_APPROVE]
    kind = export_svc.KIND_PEOPLE_XLSX
    show_title = _l("Xuất danh sách hồ sơ ra Excel")
    box_id = "people-export"
    fallback_name = "danh-sach-ho-so.xlsx"

    def show_links(self, job):
        return [(_("Các lần xuất"), url_for("PeopleExportView.index")),
                (_("Danh sách hồ sơ"), url_for("PeopleView.index"))]

    @expose("/")
    @has_access
    def index(self):
        """Các lần xuất danh sách hồ sơ gần đây."""
        recent = self.recent_table([], "people-exports")
        return self.render_template("personnel/people_exports.html", title=_("Xuất danh sách hồ sơ ra Excel"),
                                    recent=recent)

    @expose("/", methods=["POST"])
    @has_access
    def start(self):
        """Start the export of the list with the filters of the query string (the list page's), then its page."""
        from views.personnel.people import list_filter

        archive = request.args.get("archive") == "1"
        _form, flt, errors = list_filter(archive)
        back = url_for("PeopleView.archive" if archive else "PeopleView.index",
                       **{k: v for k, v in request.args.items() if k != "archive"})
        if errors:
            for message in (m for msgs in errors.values() for m in msgs):
                flash(message, "danger")
            return redirect(back)
        try:
            job = call(export_svc.request_people_export, g.user, flt)
        except ServiceError as exc:
            for message in exc.messages:
                flash(message, "danger")
            return redirect(back)
        if job.status == "queued" and job.note:
            flash(_("Đã ghi nhận yêu cầu xuất danh sách; việc xuất sẽ bắt đầu khi hàng đợi việc nền hoạt động trở "
                    "lại."), "warning")
        else:
            flash(_("Đã bắt đầu xuất danh sách hồ sơ ra Excel."), "success")
        return redirect(url_for("PeopleExportView.show", export_id=job.id))
