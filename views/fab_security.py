"""Flask-AppBuilder's own security views, hardened (issue 13); the security manager registers these.

The classes keep FAB's names, so their endpoints and permission names (``can_add`` on ``UserDBModelView`` …)
are unchanged.

- Every model view changes data by POST only (:class:`views.base.PostOnlyChangesMixin`) and serves no
  ``download/<filename>`` (they hold no files).
- ``/resetmypassword/form`` (FAB's "reset my password", which needs no current password) is held by the
  technical administrator only (``roles.py``) and even then sends to "Đổi mật khẩu" (``MyAccountView.password``,
  which asks for the current password): there is one way to change one's own password.
- FAB's user add/edit/delete screens bypass the account rules of ``app.services.accounts``; only the technical
  administrator (``AUTH_ROLE_ADMIN``, which holds every permission) keeps them, as a repair tool.
- They speak Vietnamese (issue 15 item 4): permissions, resources and menus by their Vietnamese names
  (``app.security.labels``) in cells and choice lists, yes/no, times as dd/mm/yyyy hh:mm, lists as names, the
  user's name in Vietnamese order (họ và tên đệm before tên), every column labelled.
"""

from datetime import datetime

from flask import abort, g, redirect, url_for
from flask_appbuilder import expose
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import AuthDBView as _AuthDBView
from flask_appbuilder.security.views import PermissionModelView as _PermissionModelView
from flask_appbuilder.security.views import PermissionViewModelView as _PermissionViewModelView
from flask_appbuilder.security.views import ResetMyPasswordView as _ResetMyPasswordView
from flask_appbuilder.security.views import RoleModelView as _RoleModelView
from flask_appbuilder.security.views import UserDBModelView as _UserDBModelView
from flask_appbuilder.security.views import UserGroupModelView as _UserGroupModelView
from flask_appbuilder.security.views import ViewMenuModelView as _ViewMenuModelView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.core import UnboundField

from app.security.labels import action_label, object_label, resource_label
from views.base import PostOnlyChangesMixin as _PostOnly

__all__ = ["AuthDBView", "PermissionModelView", "PermissionViewModelView", "ResetMyPasswordView", "RoleModelView",
           "UserDBModelView", "UserGroupModelView", "ViewMenuModelView"]


class PostOnlyChangesMixin(_PostOnly):
    """POST-only changes, and no ``download/<filename>``: these models hold no files, and FAB's download would
    serve any file of ``UPLOAD_FOLDER`` by name (or fail with a 500 on a name without ``_sep_``)."""

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """Nothing to download here."""
        abort(404)


def yes_no(value) -> str:
    """Có / Không."""
    return _("Có") if value else _("Không")


def names(values) -> str:
    """Security objects as their Vietnamese names, comma-separated ("" for none)."""
    return ", ".join(object_label(v) for v in values or ())


def local_time(value: datetime | None) -> str:
    """A time FAB wrote (naive, in the server's local time) as dd/mm/yyyy hh:mm in the user's time zone."""
    if not value:
        return ""
    return format_datetime(value if value.tzinfo else value.astimezone(), "dd/MM/yyyy HH:mm")


def count(value) -> int:
    """A counter FAB leaves empty until it first counts."""
    return value or 0


def person(value) -> str:
    """A user (created by, changed by) by name in Vietnamese order ("" for none)."""
    return object_label(value) if value is not None else ""


class VietnameseMixin:
    """Choice lists of FAB's forms (filters, add, edit) name security objects in Vietnamese: FAB would print their
    ``repr`` ("can read on PersonnelFile")."""

    def _init_forms(self):
        super()._init_forms()
        for form in (self.search_form, self.add_form, self.edit_form):
            for field in vars(form).values():
                if isinstance(field, UnboundField) and issubclass(field.field_class, QuerySelectField):
                    field.kwargs["get_label"] = object_label


#: Labels of the columns FAB leaves to its default (the attribute's name in English).
USER_LABELS = {"get_full_name": _l("Họ và tên"), "first_name": _l("Tên"), "last_name": _l("Họ và tên đệm"),
               "roles": _l("Vai trò"), "groups": _l("Nhóm")}
USER_FORMATTERS = {"active": yes_no, "roles": names, "groups": names, "login_count": count,
                   "fail_login_count": count, "last_login": local_time, "created_on": local_time,
                   "changed_on": local_time, "created_by": person, "changed_by": person}


class UserDBModelView(VietnameseMixin, PostOnlyChangesMixin, _UserDBModelView):
    """FAB's user screens (technical administrator only), POST-only changes."""

    label_columns = {**_UserDBModelView.label_columns, **USER_LABELS}
    formatters_columns = USER_FORMATTERS
    list_columns = ["last_name", "first_name", "username", "email", "active", "roles", "groups"]
    show_fieldsets = [
        (fieldset, {**spec, "fields": ["last_name", "first_name", "email"]} if "first_name" in spec["fields"]
         else spec) for fieldset, spec in _UserDBModelView.show_fieldsets]
    user_show_fieldsets = [
        (fieldset, {**spec, "fields": ["last_name", "first_name", "email"]} if "first_name" in spec["fields"]
         else spec) for fieldset, spec in _UserDBModelView.user_show_fieldsets]
    # FAB's filters on a time take and show yyyy-mm-dd hh:mm:ss: not offered
    search_columns = ["last_name", "first_name", "username", "email", "active", "roles", "groups", "login_count",
                      "fail_login_count"]
    add_columns = ["last_name", "first_name", *(c for c in _UserDBModelView.add_columns
                                                if c not in ("first_name", "last_name"))]
    edit_columns = ["last_name", "first_name", *(c for c in _UserDBModelView.edit_columns
                                                 if c not in ("first_name", "last_name"))]


class RoleModelView(VietnameseMixin, PostOnlyChangesMixin, _RoleModelView):
    """FAB's role screens, POST-only changes; FAB's standard list and show widgets (its role widgets print the
    permissions' ``repr``), so that the permissions are listed by their Vietnamese names."""

    list_widget = ListWidget
    show_widget = ShowWidget
    label_columns = {**_RoleModelView.label_columns, "user": _l("Người dùng"), "groups": _l("Nhóm")}
    formatters_columns = {"permissions": lambda pvs: "; ".join(sorted(object_label(pv) for pv in pvs or ())),
                          "user": names, "groups": names}


class UserGroupModelView(VietnameseMixin, PostOnlyChangesMixin, _UserGroupModelView):
    """FAB's group screens, POST-only changes."""

    label_columns = {"name": _l("Tên"), "label": _l("Nhãn"), "description": _l("Mô tả"), "users": _l("Người dùng"),
                     "roles": _l("Vai trò")}
    formatters_columns = {"users": names, "roles": names}


class PermissionModelView(VietnameseMixin, PostOnlyChangesMixin, _PermissionModelView):
    """FAB's permission list, POST-only changes."""

    formatters_columns = {"name": action_label}


class ViewMenuModelView(VietnameseMixin, PostOnlyChangesMixin, _ViewMenuModelView):
    """FAB's view-menu list, POST-only changes."""

    formatters_columns = {"name": resource_label}


class PermissionViewModelView(VietnameseMixin, PostOnlyChangesMixin, _PermissionViewModelView):
    """FAB's permission-on-view list, POST-only changes."""

    label_columns = {**_PermissionViewModelView.label_columns, "role": _l("Vai trò")}
    formatters_columns = {"permission": object_label, "view_menu": object_label, "role": names}


class ResetMyPasswordView(_ResetMyPasswordView):
    """FAB's "reset my password" without the current one: routed to our "Đổi mật khẩu" form."""

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        """Send to ``MyAccountView.password``."""
        return redirect(url_for("MyAccountView.password"))

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        """Change nothing; send to ``MyAccountView.password``."""
        return redirect(url_for("MyAccountView.password"), code=303)


class AuthDBView(_AuthDBView):
    """FAB's login view; logging out is a POST (it ends every session of the account: a state change).

    A GET of ``/logout/`` (an old bookmark, a typed address) changes nothing: it shows a page whose button
    posts the logout with its CSRF token.
    """

    login_template = "security/login.html"

    @property
    def invalid_login_message(self) -> str:
        """What FAB's login flashes on a refusal: why, when the security manager said it (a locked account),
        else FAB's "invalid login" (taken from ``g``: read once, by the one flash of the refusal)."""
        return g.pop("login_refusal", None) or _AuthDBView.invalid_login_message

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """End the session (and, through the session epoch, every other session of the account)."""
        return super().logout()

    @expose("/logout/", methods=["GET"])
    def logout_confirm(self):
        """Ask before logging out; anonymous visitors go to the login page."""
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("security/logout.html")
