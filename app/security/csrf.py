"""CSRF protection for the whole app (issue 13): Flask-WTF's ``CSRFProtect`` checks every POST/PUT/PATCH/DELETE.

Forms carry ``csrf_token``; JavaScript that sends a state-changing request reads the token from the
``<meta name="csrf-token">`` of the layout and sends it as ``X-CSRFToken`` (``static/js/csrf.js``). FAB's REST
API (bearer JWT, no cookie) is exempted by FAB itself because ``CSRFProtect`` is installed before it.
A failed check answers the Vietnamese 400 page (JSON for JSON clients), never Flask-WTF's English text.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadRequest

__all__ = ["csrf", "init_csrf"]

csrf = CSRFProtect()

MESSAGE = _l("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã xác thực CSRF). "
             "Hãy tải lại trang rồi thử lại.")


def _csrf_failed(exc: CSRFError):
    """The Vietnamese 400 page of a missing or wrong CSRF token (``app/errors.py``), never Flask-WTF's text."""
    from app.errors import error_page

    return error_page(BadRequest(description=str(MESSAGE)))


def init_csrf(app: Flask) -> CSRFProtect:
    """Protect every state-changing request; must run before Flask-AppBuilder registers its REST API."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_failed)
    return csrf
