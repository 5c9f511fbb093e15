"""Hồ sơ của tôi (HN-6.2, HCM-7.2): the signed-in person's own file, its draft, proof and submission.

The same pages as an officer's (``views.personnel.file_pages``), under ``/my/file`` and for the file whose
account is the signed-in user; the person may not change the agency's own items (``self_edit=False``).
"""

from flask import abort, g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.security.permissions import READ, RESOURCE_MY_FILE, WRITE
from app.services import personnel as svc
from views.personnel import file_pages
from views.personnel.common import Links
from views.personnel.routes import FILE_PERMISSIONS, file_routes

__all__ = ["MyFileView", "NO_FILE"]

NO_FILE = _l("Tài khoản của bạn chưa gắn với hồ sơ nào; hãy liên hệ bộ phận tổ chức cán bộ.")


def own_person_id() -> int | None:
    """Id of the file linked to the signed-in account (one account, one person: HCM-4.4)."""
    return svc.own_person_id(g.user)


class MyFileView(file_routes(""), BaseView):
    """The own file: read for the pages, write for the edit forms and every change."""

    route_base = "/my/file"
    default_view = "show"
    class_permission_name = RESOURCE_MY_FILE
    method_permission_name = FILE_PERMISSIONS
    base_permissions = ["can_" + READ, "can_" + WRITE]

    def file_links(self, pk=None, object_route: bool = False) -> Links:
        """The own file. Without one: a 404 for a URL naming an object, else back to the explanation page."""
        pid = own_person_id()
        if pid is None:
            if object_route:
                abort(404, description=str(NO_FILE))
            abort(redirect(url_for("MyFileView.show")))  # that page says why (no flash: it was shown twice)
        return Links("MyFileView", pid)

    def attachment_links(self, att_id) -> Links:
        """The own file, when the attachment belongs to it (404 otherwise)."""
        links = self.file_links(object_route=True)
        file_pages.attachment_owner(att_id, links.pk)
        return links

    @expose("/")
    @has_access
    def show(self):
        """Hồ sơ của tôi, or why there is none yet."""
        pid = own_person_id()
        if pid is None:
            return self.render_template("personnel/no_file.html", title=_("Hồ sơ của tôi"), message=NO_FILE)
        return file_pages.render_file(self, Links("MyFileView", pid))
