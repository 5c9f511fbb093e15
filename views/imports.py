"""Nhập dữ liệu (issue 19, items 1–4, 6): the import template, uploads, their dry run and commit.

Menu "Dữ liệu" → "Nhập hồ sơ" (the history of the imports of one's units, newest first) and "Mẫu nhập hồ sơ"
(the template workbook, generated from the SYLL registry). An upload names the unit the people go into (picker:
the units where the user may import; the service re-checks: an agency imports only into its own subtree) and the
default category; the job's page follows the dry run (progress bar), shows the counts and the rows with problems,
offers the error report (the workbook with an error column and highlighted cells), the uploaded file (the proof),
the commit button, and — once committed — one personal account per imported person with the printable hand-out.
"""

from __future__ import annotations

import io
import os
import tempfile

from flask import flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import SelectField

from app.request_input import int_arg
from app.security.downloads import attachment_name
from app.security.permissions import (
    ACTION_READ,
    ACTION_WRITE,
    MENU_DATA,
    MENU_IMPORT_FILES,
    MENU_IMPORT_TEMPLATE,
    READ,
    RESOURCE_DATA_IMPORT,
    WRITE,
)
from app.services.errors import ServiceError
from app.services.imports import use_cases as svc
from app.services.imports.template import write_template
from app.services.personnel.people import covered_categories
from app.storage import send_stored
from models.imports import ImportJob
from views import kit
from views.accounts import render_passwords
from views.forms import UnitPickerField, VNForm, field_errors
from views.kit import Column, ListView, moment
from views.personnel.common import call

__all__ = ["ImportView", "register"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Seconds between two polls of a job's page.
POLL_SECONDS = 1

STAGE_LABELS = {
    ("dry_run", "queued"): _l("Chờ kiểm tra"),
    ("dry_run", "running"): _l("Đang kiểm tra"),
    ("dry_run", "finished"): _l("Đã kiểm tra, chưa ghi"),
    ("dry_run", "failed"): _l("Không nhận tệp"),
    ("commit", "queued"): _l("Chờ ghi vào hồ sơ"),
    ("commit", "running"): _l("Đang ghi vào hồ sơ"),
    ("commit", "finished"): _l("Đã ghi vào hồ sơ"),
    ("commit", "failed"): _l("Ghi bị lỗi"),
}
FORMAT_LABELS = {"xlsx": _l("Bảng tính XLSX"), "csv": _l("CSV theo mẫu nhập"), "template": _l("Mẫu nhập của hệ thống"),
                 "2c": _l("Mẫu 2C-BNV/2008")}
OUTCOME_LABELS = {"created": _l("Đã lập hồ sơ"), "change_set": _l("Đã gửi đề nghị thay đổi"),
                  "unchanged": _l("Không có thay đổi"), "refused": _l("Không ghi được")}


def stage_label(job: ImportJob) -> str:
    """The job's state in words."""
    return str(STAGE_LABELS.get((job.stage, job.status), STAGE_LABELS[("dry_run", "queued")]))


class UploadForm(VNForm):
    """Nhập hồ sơ từ tệp."""

    unit_id = UnitPickerField(_l("Đơn vị nhận hồ sơ"), purpose="import",
                              description=_l("Người trong tệp được nhập vào đơn vị này (trong phạm vi của bạn)."))
    category = SelectField(_l("Đối tượng (khi dòng không ghi)"), choices=[], validate_choice=False)
    file = FileField(_l("Tệp nhập (XLSX theo mẫu nhập, CSV, hoặc mẫu 2C-BNV/2008)"),
                     render_kw={"accept": ".xlsx,.csv,text/csv," + XLSX_MIME})


def _state(job: ImportJob) -> dict:
    """The progress of a job for its page and poll."""
    return {"id": job.id, "status": job.status, "stage": job.stage, "done": job.done, "total": job.total,
            "percent": job.percent, "label": stage_label(job),
            "error": job.error if job.status == "failed" else None,
            "note": job.note if job.status in ("queued", "running") else None,
            "download_url": url_for("ImportView.report", pk=job.id) if job.report_name else None}


def _issue_text(items: list) -> Markup:
    return Markup("<br>").join(Markup("%s") % (
        _("Dòng %(line)s: %(message)s", line=line, message=message) if line else message)
        for _sheet, line, _field, message in items[:8])


ROW_COLUMNS = [
    Column(_l("Dòng"), lambda r: f"{r.sheet} – {r.line}" if r.row_no else _("Toàn tệp")),
    Column(_l("Kiểm tra"), lambda r: {"valid": _("Hợp lệ"), "error": _("Có lỗi")}.get(r.status, _("Có lỗi"))),
    Column(_l("Kết quả ghi"), lambda r: str(OUTCOME_LABELS.get(r.outcome, "")) if r.outcome else ""),
    Column(_l("Lỗi"), lambda r: _issue_text(list(r.errors or []))),
    Column(_l("Cảnh báo"), lambda r: _issue_text(list(r.warnings or []))),
]


class ImportView(ListView):
    """The imports of one's units: history, upload, a job's page, its report and commit."""

    route_base = "/imports"
    class_permission_name = RESOURCE_DATA_IMPORT
    method_permission_name = {"index": READ, "upload": WRITE, "template": READ, "show": READ, "status": READ,
                              "report": READ, "original": READ, "commit": WRITE, "accounts": READ}
    base_permissions = [ACTION_READ, ACTION_WRITE]
    list_title = _l("Nhập hồ sơ từ tệp")
    list_intro = _l("Các lần nhập hồ sơ vào các đơn vị thuộc phạm vi của bạn. Mỗi tệp được kiểm tra thử trước (không "
                    "ghi gì vào hồ sơ); chỉ khi bấm “Ghi vào hồ sơ” các dòng hợp lệ mới được ghi.")
    table_id = "import-jobs"
    row_class = "import-job"
    empty_message = _l("Chưa có lần nhập nào.")
    list_links = [(_l("Nhập hồ sơ từ tệp"), "ImportView.upload", "fa-upload", WRITE),
                  (_l("Tải mẫu nhập"), "ImportView.template", "fa-download", READ)]
    columns = [
        Column(_l("Số"), lambda j: kit.link(url_for("ImportView.show", pk=j.id), j.id)),
        Column(_l("Lúc"), lambda j: moment(j.created_at)),
        Column(_l("Đơn vị"), lambda j: j.org_unit.name if j.org_unit else ""),
        Column(_l("Tệp"), lambda j: j.file_name),
        Column(_l("Người nhập"), lambda j: j.requested_by.username if j.requested_by else ""),
        Column(_l("Trạng thái"), stage_label),
        Column(_l("Số người"), lambda j: j.total),
        Column(_l("Hợp lệ / có lỗi"), lambda j: f"{j.valid_rows} / {j.error_rows}"),
    ]

    def list_page(self, filters):
        offset = int_arg("offset", 0, lo=0)
        return kit.offset_page(*svc.jobs_page(g.user, offset=offset), offset)

    def row_attrs(self, row) -> dict:
        return {"class": self.row_class, "data-import-id": row.id, "data-status": row.status,
                "data-stage": row.stage}

    @expose("/")
    @has_access
    def index(self):
        """Các lần nhập hồ sơ (history)."""
        return self.render_list()

    @expose("/template")
    @has_access
    def template(self):
        """Mẫu nhập hồ sơ (XLSX), generated from the SYLL registry."""
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            write_template(path)
            with open(path, "rb") as fh:
                data = fh.read()
        finally:
            os.remove(path)
        resp = send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, max_age=0,
                         download_name=attachment_name(_("Mẫu nhập hồ sơ.xlsx"), XLSX_MIME, "mau-nhap-ho-so.xlsx"))
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        """Nhập hồ sơ từ tệp: the upload form; its dry run starts at once."""
        form = UploadForm()
        form.category.choices = [("", _("— Chọn —"))] + [(k, str(v)) for k, v in covered_categories().items()]
        if request.method == "GET":
            form.unit_id.data = int_arg("unit")

        def call_upload():
            upload = request.files.get("file")
            content = upload.read(svc.DEFAULT_MAX_BYTES * 2) if upload else b""
            return svc.request_import(g.user, form.unit_id.data, form.category.data,
                                      upload.filename if upload else None, content)

        return kit.service_form(
            self, form, call_upload, title=_("Nhập hồ sơ từ tệp"), multipart=True, form_id="import-form",
            submit_label=_("Tải lên và kiểm tra"), done=_("Đã nhận tệp; đang kiểm tra thử (chưa ghi gì vào hồ sơ)."),
            back=lambda job: url_for("ImportView.show", pk=job.id), forbidden_field="unit_id",
            back_url=url_for("ImportView.index"),
            intro=Markup("%s <a href=\"%s\">%s</a>") % (
                _("Dùng mẫu nhập của hệ thống (mỗi người một dòng ở trang “Thông tin chung”, mỗi mục nhiều dòng một "
                  "trang, khóa là Số CCCD), một tệp CSV theo các cột của trang “Thông tin chung”, hoặc bảng tính theo "
                  "mẫu 2C-BNV/2008."), url_for("ImportView.template"), _("Tải mẫu nhập")))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        """Một lần nhập: progress, counts, the rows with problems, report, commit, accounts."""
        job = call(svc.get_job, g.user, pk)
        only = request.args.get("only") or ("error" if job.stage == "dry_run" else None)
        offset = int_arg("offset", 0, lo=0)
        rows, more = call(svc.rows_page, g.user, job.id, only, offset)
        table = kit.render_table(rows, ROW_COLUMNS, lambda r: {"class": f"import-row row-{r.status}",
                                                               "data-row": r.row_no},
                                 table_id="import-rows", empty=_("Không có dòng nào có lỗi."))
        sm = self.appbuilder.sm
        can_write = sm.has_access("can_" + WRITE, RESOURCE_DATA_IMPORT)
        return self.render_template(
            "imports/show.html", title=_("Lần nhập số %(id)s", id=job.id), job=job, state=_state(job),
            poll_ms=POLL_SECONDS * 1000, table=table, more=more, offset=offset, only=only,
            can_commit=can_write and job.stage == "dry_run" and job.status == "finished" and job.valid_rows > 0,
            accounts_pending=svc.accounts_pending(job) if job.stage == "commit" and job.status == "finished" else 0,
            format_label=FORMAT_LABELS.get(job.file_format, job.file_format), stage_label=stage_label(job))

    @expose("/<int:pk>/status")
    @has_access
    def status(self, pk):
        """JSON of the progress (polled by the page)."""
        return jsonify(_state(call(svc.get_job, g.user, pk)))

    @expose("/<int:pk>/report")
    @has_access
    def report(self, pk):
        """The error report workbook (access-logged)."""
        job, key = call(svc.open_report, g.user, pk)
        resp = send_stored(svc.import_store(), key, XLSX_MIME, attachment_name(
            _("Kết quả kiểm tra - %(name)s.xlsx", name=os.path.splitext(job.file_name)[0]), XLSX_MIME,
            "ket-qua-kiem-tra.xlsx"))
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

    @expose("/<int:pk>/file")
    @has_access
    def original(self, pk):
        """The uploaded file, as kept (the proof of the imported versions; access-logged)."""
        job, key = call(svc.open_upload, g.user, pk)
        mime = XLSX_MIME if job.stored_name.endswith(".xlsx") else "text/csv"
        resp = send_stored(svc.import_store(), key, mime, attachment_name(job.file_name, mime, "tep-nhap"))
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

    @expose("/<int:pk>/commit", methods=["POST"])
    @has_access
    def commit(self, pk):
        """Ghi vào hồ sơ: queue the commit of the valid rows."""
        back = url_for("ImportView.show", pk=pk)
        return kit.post_action(VNForm(), lambda: svc.request_commit(g.user, pk),
                               done=_("Đã bắt đầu ghi các dòng hợp lệ vào hồ sơ."), back=back)

    @expose("/<int:pk>/accounts", methods=["POST"])
    @has_access
    def accounts(self, pk):
        """Tạo tài khoản cá nhân cho người được nhập; the hand-out of default passwords, shown once."""
        back = url_for("ImportView.show", pk=pk)
        if field_errors(VNForm()):
            flash(_("Phiên làm việc đã hết hạn; hãy thử lại."), "danger")
            return redirect(back)
        try:
            rows = call(svc.create_accounts, g.user, pk)
        except ServiceError as exc:
            for message in exc.messages:
                flash(message, "danger")
            return redirect(back)
        return render_passwords(self, _("Tài khoản của người được nhập (%(n)s tài khoản)", n=len(rows)), rows, back)


def register(appbuilder) -> None:
    """Menu "Dữ liệu" → "Nhập hồ sơ từ tệp", "Mẫu nhập hồ sơ"."""
    appbuilder.add_view(ImportView, MENU_IMPORT_FILES, label=_l("Nhập hồ sơ từ tệp"), icon="fa-upload",
                        category=MENU_DATA, category_label=_l("Dữ liệu"), category_icon="fa-database")
    appbuilder.add_link(MENU_IMPORT_TEMPLATE, label=_l("Mẫu nhập hồ sơ"), href="/imports/template",
                        icon="fa-file-excel-o", category=MENU_DATA)
