"""Session rules: idle timeout, and the forced change of the default password at first login (HN-6.2)."""

from datetime import timedelta

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

__all__ = ["init_session_rules"]

#: Endpoints a user who must change the default password may still reach.
OPEN_WHILE_PASSWORD_EXPIRED = {
    "MyAccountView.password",
    "static",
    "appbuilder.static",
    "LocaleView.index",
}


def init_session_rules(app: Flask) -> None:
    """Install the idle timeout and the first-login password gate."""
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(minutes=app.config.get("SESSION_TIMEOUT_MINUTES",
                                                                                          30)))

    @app.before_request
    def _session_rules():
        session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME of inactivity
        endpoint = request.endpoint or ""
        if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
            return None
        if endpoint in OPEN_WHILE_PASSWORD_EXPIRED or endpoint.endswith(".logout"):
            return None
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify({"message": _("Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống (HN-6.2).")}), 403
        flash(_("Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống (HN-6.2)."), "warning")
        return redirect(url_for("MyAccountView.password"))
