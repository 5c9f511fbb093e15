"""The signed-in user's own account (password change, forced at first login: HN-6.2) and the public
lost-password form (HCM-15.4).

Forms of the view kit (``service_form``): parse, call one ``app.services.accounts`` function, flash and redirect,
or show the form again with the messages next to their fields.
"""

from flask import current_app, g, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Optional as OptionalV

from app.security.permissions import READ, RESOURCE_MY_ACCOUNT, WRITE
from app.security.session import MUST_CHANGE_PASSWORD
from app.services import accounts as svc
from models.accounts import PasswordRequest
from views.forms import VNForm, column_length
from views.kit import service_form

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
             "và phải khác mật khẩu hiện tại. Hãy đổi mật khẩu định kỳ và không cho người khác biết.",
             n=current_app.config.get("PASSWORD_MIN_LENGTH", 10))


class MyAccountView(BaseView):
    """Change one's own password."""

    route_base = "/my"
    default_view = "password"
    class_permission_name = RESOURCE_MY_ACCOUNT
    method_permission_name = {"password": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    form_id = "password-form"

    @expose("/password", methods=["GET", "POST"])
    @has_access
    def password(self):
        """Password change form: current, new, confirm; errors next to the fields (HN-6.2)."""
        form = PasswordForm()
        must_change = getattr(g.user, "must_change_password", False)
        return service_form(
            self, form, lambda: svc.change_own_password(g.user, form.old_password.data, form.new_password.data,
                                                        form.confirm.data),
            title=_("Đổi mật khẩu"), done=_("Đã đổi mật khẩu."), back="/", back_url="/", intro=policy_text(),
            submit_label=_("Đổi mật khẩu"), notice=must_change and MUST_CHANGE_PASSWORD())


class LostPasswordView(BaseView):
    """Anyone may report a lost or stolen password; an agency administrator resolves it."""

    route_base = "/lost-password"
    default_view = "form"
    form_id = "lost-password-form"
    form_intro = _l("Mất hoặc lộ mật khẩu: điền tên đăng nhập và cách liên hệ với bạn. Yêu cầu được chuyển đến quản "
                    "trị tài khoản của cơ quan; bạn cần gửi kèm báo cáo bằng văn bản.")

    @expose("/", methods=["GET", "POST"])
    def form(self):
        """Public form: username, contact, circumstances; the answer never tells whether the account exists."""
        form = LostPasswordForm()
        return service_form(
            self, form, lambda: svc.request_password_reset(form.username.data, form.contact.data, form.note.data),
            title=_("Báo mất mật khẩu"), back=url_for("LostPasswordView.sent"), submit_label=_("Gửi yêu cầu"),
            back_url=url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))

    @expose("/sent")
    def sent(self):
        """The confirmation, the same whether or not the username exists."""
        return self.render_template("security/lost_password_sent.html", title=_("Báo mất mật khẩu"))


def register(appbuilder) -> None:
    """No menu entries: the password page is linked from the user menu and forced at first login."""
    appbuilder.add_view_no_menu(MyAccountView)
    appbuilder.add_view_no_menu(LostPasswordView)
