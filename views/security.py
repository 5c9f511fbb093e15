"""The signed-in user's own account (password change, forced at first login: HN-6.2) and the public
lost-password form (HCM-15.4).

Views parse, call one ``app.services.accounts`` function, flash a translated message and redirect.
"""

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app.security.permissions import READ, RESOURCE_MY_ACCOUNT, WRITE
from app.services import accounts as svc
from app.services.errors import ForbiddenError, ServiceError, ValidationError
from models.accounts import PasswordRequest
from views.forms import VNForm, column_length, field_errors

__all__ = ["LostPasswordForm", "LostPasswordView", "MyAccountView", "PasswordForm", "register"]


class PasswordForm(VNForm):
    """Đổi mật khẩu."""

    old_password = PasswordField(_l("Mật khẩu hiện tại"))
    new_password = PasswordField(_l("Mật khẩu mới"))
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"))


class LostPasswordForm(VNForm):
    """Báo mất mật khẩu (HCM-15.4)."""

    username = StringField(_l("Tên đăng nhập"), validators=[column_length(PasswordRequest.username)])
    contact = StringField(_l("Số điện thoại hoặc thư điện tử để liên hệ"),
                          validators=[OptionalV(), column_length(PasswordRequest.contact)])
    note = TextAreaField(_l("Hoàn cảnh mất mật khẩu"), validators=[OptionalV()])


def policy_text() -> str:
    """The password policy in one sentence (the same rules ``check_password_policy`` applies)."""
    return _("Mật khẩu phải có ít nhất %(n)s ký tự, gồm cả chữ thường, chữ hoa, chữ số và ký tự đặc biệt, "
             "và phải khác mật khẩu hiện tại. Hãy đổi mật khẩu định kỳ và không cho người khác biết (HCM-15.4).",
             n=current_app.config.get("PASSWORD_MIN_LENGTH", 10))


class MyAccountView(BaseView):
    """Change one's own password."""

    route_base = "/my"
    default_view = "password"
    class_permission_name = RESOURCE_MY_ACCOUNT
    method_permission_name = {"password": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]

    def _render(self, form, errors=None):
        return self.render_template(
            "security/password.html", title=_("Đổi mật khẩu"), form=form, errors=errors or {},
            policy=policy_text(), must_change=bool(getattr(g.user, "must_change_password", False)),
        )

    @expose("/password", methods=["GET", "POST"])
    @has_access
    def password(self):
        """Password change form: current, new, confirm; errors next to the fields (HN-6.2)."""
        form = PasswordForm()
        if request.method == "GET":
            return self._render(form)
        errors = field_errors(form)
        if errors:
            return self._render(form, errors), 400
        try:
            svc.change_own_password(g.user, form.old_password.data, form.new_password.data, form.confirm.data)
        except ValidationError as exc:
            return self._render(form, exc.errors), 400
        except ForbiddenError:
            abort(403)
        except ServiceError as exc:
            return self._render(form, {"__all__": exc.messages}), exc.status
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect("/")


class LostPasswordView(BaseView):
    """Anyone may report a lost or stolen password; an agency administrator resolves it."""

    route_base = "/lost-password"
    default_view = "form"

    def _render(self, form, errors=None):
        return self.render_template("security/lost_password.html", title=_("Báo mất mật khẩu"), form=form,
                                    errors=errors or {}, sent=False)

    @expose("/", methods=["GET", "POST"])
    def form(self):
        """Public form: username, contact, circumstances; the answer never tells whether the account exists."""
        form = LostPasswordForm()
        if request.method == "GET":
            return self._render(form)
        errors = field_errors(form)
        if errors:
            return self._render(form, errors), 400
        try:
            svc.request_password_reset(form.username.data, form.contact.data, form.note.data)
        except ValidationError as exc:
            return self._render(form, exc.errors), 400
        return redirect(url_for("LostPasswordView.sent"))

    @expose("/sent")
    def sent(self):
        """The confirmation, the same whether or not the username exists."""
        return self.render_template("security/lost_password.html", title=_("Báo mất mật khẩu"), form=None,
                                    errors={}, sent=True)


def register(appbuilder) -> None:
    """No menu entries: the password page is linked from the user menu and forced at first login."""
    appbuilder.add_view_no_menu(MyAccountView)
    appbuilder.add_view_no_menu(LostPasswordView)
