"""Nhật ký sao lưu (issue 20; HN-11, HCM-10): Sở Nội vụ's administrators see every backup — when it was made, its
size, whether its restore was proven, where it is kept (a directory of the server or an S3-compatible bucket),
and whether retention has deleted it.

Read only: backups are made, verified and pruned by ``flask backup …`` and the monthly job (``jobs/backups.py``).
"""

from flask_appbuilder import expose, has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.security.permissions import MENU_AUDIT, MENU_BACKUPS, READ, RESOURCE_BACKUP
from app.services import backups as svc
from models.backups import BACKUP_STATUSES
from views.kit import Column, ListView, Page, label, moment, paginate, small

__all__ = ["BackupsView", "register", "size_text"]

_UNITS = ("byte", "KB", "MB", "GB", "TB")
_TRIGGERS = {"command": _l("Lệnh quản trị"), "job": _l("Tác vụ định kỳ")}


def size_text(size: int | None) -> str:
    """A size as Vietnamese writes it: "12,5 MB" (decimal comma, 1 KB = 1.024 byte)."""
    if size is None:
        return ""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    number = f"{int(value)}" if unit == 0 else f"{value:.1f}".replace(".", ",")
    return f"{number} {_UNITS[unit]}"


def _status(row) -> Markup:
    if row.status == "complete" and row.deleted_at is not None:
        return label(_l("Đã xoá theo thời hạn lưu giữ"), "default") + small(moment(row.deleted_at))
    kind = "success" if row.status == "complete" else "danger"
    cell = label(BACKUP_STATUSES.get(row.status, row.status), kind)
    return cell + small(row.message) if row.status == "failed" else cell


def _verification(row) -> Markup:
    if row.status != "complete":
        return Markup("")
    if row.verified_ok is None:
        return label(_l("Chưa kiểm tra"), "warning")
    cell = label(_l("Khôi phục thử đạt"), "success") if row.verified_ok else label(_l("Khôi phục thử không đạt"),
                                                                                  "danger")
    return cell + small(moment(row.verified_at)) + small(row.message)


def _location(row) -> Markup:
    """Bucket or directory (in words), the archive's name, and the bucket URL or the directory."""
    in_bucket = row.location.startswith("s3://")
    kind = (label(_l("Kho lưu trữ S3 (bucket)"), "info") if in_bucket
            else label(_l("Thư mục trên máy chủ"), "default"))
    if not row.file_name:
        return kind + small(row.location)
    return kind + Markup(" <code>%s</code>") % row.file_name + small(row.location)


class BackupsView(ListView):
    """The backup log, newest first."""

    route_base = "/backups"
    class_permission_name = RESOURCE_BACKUP
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]
    list_title = _l("Nhật ký sao lưu")
    list_intro = _l("Mỗi tháng hệ thống tạo một bản sao lưu có mã hoá (cơ sở dữ liệu, kho tệp đính kèm, tài liệu ký "
                    "số), khôi phục thử vào một cơ sở dữ liệu tạm để kiểm tra, và giữ mỗi bản ít nhất ba tháng kể từ "
                    "khi có bản mới hơn.")
    table_id = "backup-list"
    row_class = "backup-row"
    empty_message = _l("Chưa có bản sao lưu nào.")
    columns = [
        Column(_l("Thời điểm tạo"), lambda r: moment(r.created_at), "text-nowrap"),
        Column(_l("Tình trạng"), _status),
        Column(_l("Kích thước"), lambda r: size_text(r.size), "text-right text-nowrap"),
        Column(_l("Kiểm tra khôi phục"), _verification),
        Column(_l("Nơi lưu"), _location),
        Column(_l("Tạo bởi"), lambda r: _TRIGGERS.get(r.trigger, r.trigger), "text-nowrap"),
    ]

    def list_page(self, filters) -> Page:
        """A page of the backup log (a handful of rows a year: counted)."""
        return paginate(svc.list_backups(), count_cap=10_000)

    def row_attrs(self, row) -> dict:
        return {"class": self.row_class, "data-id": row.id, "data-status": row.status,
                "data-verified": {None: "none", True: "ok", False: "failed"}[row.verified_ok]}

    @expose("/")
    @has_access
    def index(self):
        """``?page=N``."""
        return self.render_list()


def register(appbuilder) -> None:
    """Menu "Nhật ký" → "Nhật ký sao lưu" (Sở Nội vụ's administrators)."""
    appbuilder.add_view(BackupsView, MENU_BACKUPS, label=_l("Nhật ký sao lưu"), icon="fa-database",
                        category=MENU_AUDIT)
