"""The routes of one file's pages, declared once for ``PeopleView`` and ``MyFileView``.

:func:`file_routes` builds a mixin whose URLs start with ``prefix`` (``/<int:pk>`` under ``/people``, nothing
under ``/my/file``); the view says which file a request is about through ``file_links(pk, object_route)``
and ``attachment_links(att_id)``.
"""

from flask_appbuilder import expose, has_access

from app.security.permissions import READ, WRITE
from views.personnel import file_pages

__all__ = ["FILE_PERMISSIONS", "file_routes"]

#: Method -> action of the shared file routes (pages read, every change and every edit form write).
FILE_PERMISSIONS = {
    "show": READ,
    "draft": READ,
    "version": READ,
    "photo": READ,
    "attachment": READ,
    "api_codes": READ,
    "signed_pdf": READ,
    "signatures": READ,
    "edit": WRITE,
    "delete_row": WRITE,
    "undo": WRITE,
    "cancel": WRITE,
    "upload": WRITE,
    "remove_attachment": WRITE,
    "upload_photo": WRITE,
    "submit": WRITE,
}


def file_routes(prefix: str) -> type:
    """A mixin with the routes of a file's pages under ``prefix``."""

    class FileRoutes:
        """Edit, draft, proof, photo, submission and versions of one file."""

        def file_links(self, pk, object_route: bool = False):  # pragma: no cover - overridden
            raise NotImplementedError

        def attachment_links(self, att_id):  # pragma: no cover - overridden
            raise NotImplementedError

        @expose(prefix + "/edit/<string:section>", methods=["GET", "POST"])
        @has_access
        def edit(self, section, pk=None):
            """Sửa một mục (hoặc một dòng của bảng) trong bản nháp."""
            return file_pages.edit_section(self, self.file_links(pk), section)

        @expose(prefix + "/delete/<string:section>", methods=["POST"])
        @has_access
        def delete_row(self, section, pk=None):
            """Xóa một dòng (đề nghị, trong bản nháp)."""
            return file_pages.delete_row(self.file_links(pk), section)

        @expose(prefix + "/undo/<int:item_id>", methods=["POST"])
        @has_access
        def undo(self, item_id, pk=None):
            """Hoàn tác một thay đổi của bản nháp."""
            return file_pages.undo(self.file_links(pk, object_route=True), item_id)

        @expose(prefix + "/cancel", methods=["POST"])
        @has_access
        def cancel(self, pk=None):
            """Hủy bản nháp."""
            return file_pages.cancel(self.file_links(pk))

        @expose(prefix + "/draft")
        @has_access
        def draft(self, pk=None):
            """Thay đổi chờ gửi."""
            return file_pages.render_draft(self, self.file_links(pk))

        @expose(prefix + "/attachments", methods=["POST"])
        @has_access
        def upload(self, pk=None):
            """Đính kèm tài liệu số hóa."""
            return file_pages.upload_attachment(self, self.file_links(pk))

        @expose("/attachments/<int:att_id>")
        @has_access
        def attachment(self, att_id):
            """Tải tài liệu đính kèm."""
            self.attachment_links(att_id)
            return file_pages.download(att_id)

        @expose("/attachments/<int:att_id>/remove", methods=["POST"])
        @has_access
        def remove_attachment(self, att_id):
            """Gỡ tài liệu khỏi bản nháp."""
            return file_pages.remove_attachment(self.attachment_links(att_id), att_id)

        @expose(prefix + "/photo", methods=["GET"])
        @has_access
        def photo(self, pk=None):
            """Ảnh đã duyệt của hồ sơ."""
            return file_pages.photo(self.file_links(pk).pk)

        @expose(prefix + "/photo", methods=["POST"])
        @has_access
        def upload_photo(self, pk=None):
            """Ảnh mới, vào bản nháp."""
            return file_pages.upload_photo(self, self.file_links(pk))

        @expose(prefix + "/submit", methods=["POST"])
        @has_access
        def submit(self, pk=None):
            """Gửi để phê duyệt."""
            return file_pages.submit(self, self.file_links(pk))

        @expose(prefix + "/versions/<int:no>")
        @has_access
        def version(self, no, pk=None):
            """Một phiên bản đã duyệt, chỉ xem."""
            return file_pages.render_version(self, self.file_links(pk), no)

        @expose(prefix + "/changes/<int:cs_id>/signed")
        @has_access
        def signed_pdf(self, cs_id, pk=None):
            """Sơ yếu lý lịch đã ký số của một đề nghị (``?round=N``: một lần gửi trước)."""
            return file_pages.signed_pdf(self.file_links(pk, object_route=True), cs_id)

        @expose(prefix + "/changes/<int:cs_id>/signatures")
        @has_access
        def signatures(self, cs_id, pk=None):
            """Chữ ký số của bản sơ yếu lý lịch đã ký: ai ký, lúc nào, hợp lệ, ô chữ ký."""
            return file_pages.render_signatures(self, self.file_links(pk, object_route=True), cs_id)

        @expose("/api/codes/<string:kind>")
        @has_access
        def api_codes(self, kind):
            """JSON of a long code list for the select2 boxes."""
            return file_pages.code_search(kind)

    return FileRoutes
