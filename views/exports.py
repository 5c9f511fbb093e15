"""Following a background export and downloading its file (issue 7 part 5, issue 17 item 6): one set of pages for
every export kind.

- :func:`export_state` — the JSON of an export's progress (its page and the poll of ``static/js/job_progress.js``);
- :func:`send_export` — the finished file, never cached (scope re-checked and access-logged by
  ``export_svc.open_export``);
- :class:`ExportJobView` — the progress page (``kit/export_show.html``: a progress bar, then the download button),
  its JSON and the download of the exports of its ``kind``; the people list's (``PeopleExportView``) and the
  reports' (``views/reports/exports.py``) are subclasses naming their route, permission and texts.

Only the requester sees an export (``export_svc.get_export``: another user's is a 404).
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, jsonify, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.security.downloads import attachment_name
from app.security.permissions import READ
from app.services import exports as export_svc
from app.services.errors import ForbiddenError, NotFoundError
from app.storage import send_stored
from views.kit import Column, moment, render_table

__all__ = ["EXPORT_ROUTES", "POLL_SECONDS", "STATUS_LABELS", "XLSX_MIME", "ExportJobView", "export_state",
           "send_export", "status_text"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Seconds between two polls of the progress page.
POLL_SECONDS = 1
#: An export's status in the lists of recent exports.
STATUS_LABELS = {"finished": _l("Xong"), "failed": _l("Lỗi"), "expired": _l("Đã hết hạn"), "queued": _l("Đang chờ")}


def status_text(job) -> str:
    """"Đang xuất (40%)", "Xong" … of an export in a list."""
    if job.status == "running":
        return _("Đang xuất") + f" ({job.percent}%)"
    return str(STATUS_LABELS.get(job.status, STATUS_LABELS["queued"]))


def export_state(job, download: str) -> dict:
    """The progress of an export for its page and poll: ``note`` while it waits (queue unreachable, re-queued
    after a crash), ``error`` when it failed, ``expired`` once its file was deleted (EXPORT_RETENTION_HOURS);
    ``download_url`` (of the endpoint ``download``) once it is finished."""
    return {
        "id": job.id, "status": job.status, "done": job.done, "total": job.total, "skipped": job.skipped,
        "percent": job.percent, "error": job.error if job.status == "failed" else None,
        "note": job.note if job.status in ("queued", "running") else None,
        "expired": export_svc.expired_message() if job.status == "expired" else None,
        "download_url": url_for(download, export_id=job.id) if job.status == "finished" else None,
    }


def _call(fn, *args):
    """A service read: NotFoundError is a 404, ForbiddenError a 403, with the service's message."""
    try:
        return fn(*args)
    except NotFoundError as exc:
        abort(404, description=" ".join(exc.messages))
    except ForbiddenError as exc:
        abort(403, description=" ".join(exc.messages))


def send_export(job, key: str, mimetype: str, fallback: str):
    """The finished export's file (streamed from the export store), never cached (scope re-checked and
    access-logged by ``open_export``)."""
    resp = send_stored(export_svc.export_store(), key, mimetype,
                       attachment_name(job.download_name, mimetype, fallback))
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


class ExportJobView(BaseView):
    """The progress page, its JSON and the download of the user's exports of :attr:`kind` (a subclass sets its
    ``route_base``, permission, ``kind``, texts and :meth:`show_links`)."""

    #: The export kind served (``export_svc.REPORT_KIND_PREFIX``: every report's).
    kind: str = ""
    #: The page's title and the id of its box (tests and the browser follow it).
    show_title: Any = ""
    box_id = "export"
    #: The progress line, with ``{done}`` and ``{total}``; the download button's label.
    counts_label: Any = _l("Đã xuất %(done)s/%(total)s dòng")
    download_label: Any = _l("Tải tệp Excel")
    mimetype = XLSX_MIME
    fallback_name = "du-lieu.xlsx"

    def show_links(self, job) -> list[tuple[str, str]]:
        """(label, URL) of the links above the progress bar (back to the list of exports …)."""
        return [(_("Các lần xuất"), url_for(f"{type(self).__name__}.index"))]

    def show_subtitle(self, job) -> str:
        """What was exported (a line under the title)."""
        return _("Đơn vị: %(name)s", name=job.org_unit.name) if job.org_unit else ""

    def _job(self, export_id):
        return _call(export_svc.get_export, g.user, export_id, self.kind)

    def recent_table(self, columns: list[Column], table_id: str):
        """The user's latest exports of this kind, as a table (``columns`` after the number and the time)."""
        name = type(self).__name__
        cols = [Column(_l("Số"), lambda j: Markup('<a href="%s">%s</a>') % (
                    url_for(f"{name}.show", export_id=j.id), j.id)),
                Column(_l("Lúc"), lambda j: moment(j.created_at)),
                *columns,
                Column(_l("Trạng thái"), status_text),
                Column(_l("Số dòng"), lambda j: f"{j.done}/{j.total}" if j.total else j.done),
                Column("", lambda j: Markup('<a href="%s"><i class="fa fa-download"></i> %s</a>') % (
                    url_for(f"{name}.download", export_id=j.id), _("Tải về")) if j.status == "finished" else "")]
        return render_table(export_svc.recent_exports(g.user, kind=self.kind), cols,
                            lambda j: {"data-export-id": j.id}, table_id=table_id,
                            empty=_("Chưa có lần xuất nào."))

    @expose("/<int:export_id>")
    @has_access
    def show(self, export_id):
        """Tiến độ một lần xuất, then its download button."""
        job = self._job(export_id)
        name = type(self).__name__
        return self.render_template(
            "kit/export_show.html", title=self.show_title, job=job, state=export_state(job, f"{name}.download"),
            poll_ms=POLL_SECONDS * 1000, box_id=self.box_id, status_url=url_for(f"{name}.status", export_id=job.id),
            links=self.show_links(job), subtitle=self.show_subtitle(job), counts_label=self.counts_label,
            download_label=self.download_label)

    @expose("/<int:export_id>/status")
    @has_access
    def status(self, export_id):
        """JSON of the progress (polled by the page)."""
        return jsonify(export_state(self._job(export_id), f"{type(self).__name__}.download"))

    @expose("/<int:export_id>/download")
    @has_access
    def download(self, export_id):
        """The file (scope re-checked, access-logged)."""
        job, key = _call(export_svc.open_export, g.user, export_id, self.kind)
        return send_export(job, key, self.mimetype, self.fallback_name)


#: What a subclass maps its routes to (the view's read permission).
EXPORT_ROUTES = {"show": READ, "status": READ, "download": READ}
