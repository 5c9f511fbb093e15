"""Restructuring from a mapping sheet (issue 19, item 5): upload → preview of the whole plan → confirm.

The screen sits in the org-tree menu ("Cơ cấu tổ chức" → "Sắp xếp tổ chức theo tệp") and needs ``can_write`` on
``OrgUnit``, which only Sở Nội vụ's administrators hold (restructuring is Sở Nội vụ's, HN-3.9). The uploaded file is
not stored: the preview page carries it back (base64, in a hidden field) so that "Xác nhận" applies exactly the file
that was previewed — planned again, inside the apply's one transaction.
"""

import base64
import binascii

from flask import Response, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FileField, HiddenField

from app.security.downloads import attachment_name
from app.security.permissions import MENU_ORG_RESTRUCTURE, MENU_ORGANISATION, RESOURCE_ORG_UNIT
from app.services.errors import ValidationError
from app.services.org_units import restructure as svc
from app.services.org_units.sheet import MAX_SHEET_BYTES, template_workbook
from models.org_units import EVENT_TYPES
from views.forms import VNForm
from views.kit import service_form

__all__ = ["OrgImportView", "register"]

READ = "read"
WRITE = "write"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetForm(VNForm):
    """Tệp sắp xếp tổ chức."""

    file = FileField(_l("Tệp sắp xếp tổ chức (.xlsx)"), render_kw={"accept": ".xlsx"},
                     description=_l("Theo tệp mẫu; tối đa 5 MB."))
    sheet = HiddenField()


def _content(form: SheetForm, *, upload_allowed: bool = True) -> bytes:
    """The uploaded workbook, or the one the preview page carried back (the only one a confirmation applies: what was
    previewed)."""
    upload = request.files.get("file") if upload_allowed else None
    if upload and upload.filename:
        return upload.read(MAX_SHEET_BYTES + 1)
    if form.sheet.data:
        try:
            return base64.b64decode(form.sheet.data, validate=True)
        except (binascii.Error, ValueError):
            pass
        raise ValidationError({"file": [_("Tệp gửi lại không hợp lệ; hãy tải tệp lên lần nữa.")]})
    raise ValidationError({"file": [_("Chưa chọn tệp.")]})


class OrgImportView(BaseView):
    """Sắp xếp tổ chức theo tệp: the template, the upload, the preview of the whole plan, the confirmation."""

    route_base = "/org/import"
    default_view = "index"
    class_permission_name = RESOURCE_ORG_UNIT
    method_permission_name = {"index": WRITE, "template": WRITE}
    # Same resource as OrgTreeView: both pairs listed so a permission sync never drops can_read.
    base_permissions = ["can_" + READ, "can_" + WRITE]
    form_id = "org-import-form"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        """GET: the upload form. POST: the preview of the whole sheet; with ``confirm=1``: carry it out."""
        form = SheetForm()

        def preview():
            content = _content(form)
            form.sheet.data = base64.b64encode(content).decode("ascii")
            return svc.plan_restructure(g.user, content)

        return service_form(
            self, form, lambda: svc.apply_restructure(g.user, _content(form, upload_allowed=False)), preview=preview,
            title=_("Sắp xếp tổ chức theo tệp"), template="org_units/import.html", multipart=True,
            done=lambda plan: _("Đã thực hiện %(n)s sự kiện sắp xếp tổ chức: %(opened)s đơn vị thành lập, %(closed)s "
                                "đơn vị chấm dứt hoạt động.", n=len(plan.steps), opened=len(plan.opened),
                                closed=len(plan.closed)),
            back=url_for("OrgTreeView.tree"), back_url=url_for("OrgTreeView.tree"),
            intro=_("Tải lên tệp sắp xếp tổ chức (mỗi dòng một sự kiện: sáp nhập, hợp nhất, chia tách, chuyển đơn vị "
                    "cấp trên, đổi tên, giải thể) để xem trước toàn bộ kế hoạch; chưa có gì được ghi cho đến khi xác "
                    "nhận. Khi xác nhận, cả tệp được thực hiện trong một lần: một dòng lỗi thì không có thay đổi nào."),
            template_url=url_for("OrgImportView.template"), event_types=EVENT_TYPES)

    @expose("/template")
    @has_access
    def template(self):
        """Tải tệp mẫu (XLSX)."""
        name = attachment_name("mau_sap_xep_to_chuc.xlsx", XLSX_MIME)
        return Response(template_workbook(), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": f"attachment; filename={name}"})


def register(appbuilder) -> None:
    """Add the screen under the org-tree menu."""
    appbuilder.add_view(OrgImportView, MENU_ORG_RESTRUCTURE, label=_l("Sắp xếp tổ chức theo tệp"),
                        icon="fa-file-excel-o", category=MENU_ORGANISATION)
