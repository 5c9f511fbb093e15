"""ScopedModelView: Flask-AppBuilder's ModelView with its three scope leaks closed (stack-notes §1.5).

- ``action`` / ``action_post`` load rows *through* ``base_filters`` (FAB loads them by bare primary key, so
  a posted out-of-scope ``rowid`` would reach the action): one query for all ids, 404 if any is missing.
- ``download`` serves a file only when a row in scope holds it (FAB checks only ``can_download``).
- REST: the project exposes no ``ModelRestApi``; any future one must validate ``org_unit_id`` in ``pre_add``.
- State changes are POST only (issue 13): FAB's ``delete/<pk>`` and ``action/<name>/<pk>`` also answer GET;
  :class:`PostOnlyChangesMixin` re-exposes them for POST alone (FAB's list and show pages already send them as
  POST forms carrying the CSRF token). FAB's own security views use the same mixin (``views/fab_security.py``).
"""


from flask import abort, flash, request
from flask_appbuilder import ModelView, expose
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED
from flask_appbuilder.filemanager import uuid_originalname
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app import audit
from app.request_input import parse_int
from app.storage import ATTACHMENTS, get_storage, send_stored

__all__ = ["PostOnlyChangesMixin", "ScopedModelView"]


class PostOnlyChangesMixin:
    """FAB ModelView endpoints that change data, answering POST only (a GET is 405)."""

    @expose("/delete/<pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        """FAB's delete, POST only."""
        return super().delete(pk)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        """FAB's single-row action, POST only."""
        return super().action(name, pk)


class ScopedModelView(PostOnlyChangesMixin, ModelView):
    """A ModelView whose every row access goes through ``base_filters`` (the scope function)."""

    def _scoped_items(self, pks: list[str]):
        """The rows with these primary keys that the scope lets the user see; 404 if any is not."""
        wanted = {str(pk) for pk in pks}
        if not wanted:
            abort(404)
        pk_col = getattr(self.datamodel.obj, self.datamodel.get_pk_name())
        if pk_col.type.python_type is int and any(parse_int(pk) is None for pk in wanted):
            abort(404)  # "abc", "²" or a 30-digit id: no such row (not a database error)
        query = self.datamodel.session.query(self.datamodel.obj).filter(pk_col.in_(list(wanted)))
        query = self._base_filters.apply_all(query)
        items = query.all()
        if {str(getattr(i, self.datamodel.get_pk_name())) for i in items} != wanted:
            audit.log_security("denied", detail={"what": "action", "view": type(self).__name__,
                                                 "ids": sorted(wanted)[:50]})
            abort(404)
        return items

    def _action_allowed(self, name: str) -> bool:
        if name not in self.actions:
            abort(404)
        return self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name)

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        """A single-row action from the show page: the row must be in scope."""
        if not self._action_allowed(name):
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            abort(403)
        return self.actions[name].func(self._scoped_items([pk])[0])

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """A bulk action from the list: every posted ``rowid`` must be in scope, else nothing runs."""
        name = request.form.get("action", "")
        if not self._action_allowed(name):
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            abort(403)
        return self.actions[name].func(self._scoped_items(request.form.getlist("rowid")))

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """Serve an uploaded file only if a row in scope references it."""
        for column in self.datamodel.get_file_column_list():
            query = self.datamodel.session.query(self.datamodel.obj).filter(
                getattr(self.datamodel.obj, column) == filename)
            if self._base_filters.apply_all(query).first() is not None:
                audit.log_access("download", object_type=self.datamodel.obj.__name__, detail={"file": filename})
                store = get_storage(ATTACHMENTS)
                try:
                    if store.exists(filename):
                        return send_stored(store, filename, None, uuid_originalname(filename))
                except ValueError:  # not a plain stored name
                    pass
                break
        abort(404, _("Không tìm thấy tệp."))
