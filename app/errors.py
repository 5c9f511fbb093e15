"""Error pages in Vietnamese: 400, 403, 404, 405, 413 and 500 inside the app's layout.

Werkzeug's default pages are English ("Not Found …"). A description given by our code (a service's
NotFoundError message, ``abort(404, description=…)``) is shown as it is; Werkzeug's own default text is
replaced by a Vietnamese one.

The error path is itself safe: every unexpected exception is written to the server log with its traceback
before the page is rendered; the database session is rolled back first (in a ``try``: the connection may be
the broken one), and when the page cannot be rendered in the layout (the database is down) a plain HTML page
is sent instead. A value the database refuses (``sqlalchemy.exc.DataError``: a number out of range, a string
too long) that slipped past the request guard and the forms is a 400, logged as a warning with its traceback.
"""

import logging

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

log = logging.getLogger(__name__)

__all__ = ["error_page", "init_errors"]

TITLES = {
    400: _l("Yêu cầu không hợp lệ"),
    401: _l("Chưa đăng nhập"),
    403: _l("Không có quyền truy cập"),
    404: _l("Không tìm thấy"),
    405: _l("Thao tác không được phép"),
    413: _l("Tệp quá lớn"),
    429: _l("Quá nhiều yêu cầu"),
    500: _l("Lỗi hệ thống"),
}
DEFAULTS = {
    400: _l("Dữ liệu gửi lên không hợp lệ."),
    401: _l("Hãy đăng nhập để tiếp tục."),
    403: _l("Bạn không có quyền thực hiện thao tác này."),
    404: _l("Không tìm thấy trang hoặc dữ liệu được yêu cầu."),
    405: _l("Thao tác này không được phép trên địa chỉ này."),
    413: _l("Tệp tải lên vượt quá dung lượng cho phép."),
    429: _l("Bạn đã gửi quá nhiều yêu cầu; hãy thử lại sau ít phút."),
    500: _l("Hệ thống gặp lỗi; thao tác chưa được thực hiện. Hãy thử lại hoặc báo quản trị."),
}


def error_page(exc: HTTPException):
    """The Vietnamese error page (or JSON error) of ``exc``, in the app's layout when it can be rendered."""
    code = exc.code or 500
    own_text = exc.description and exc.description != type(exc).description
    message = exc.description if own_text else DEFAULTS.get(code, DEFAULTS[500])
    title = TITLES.get(code, TITLES[500])
    if request.accept_mimetypes.best == "application/json" or request.path.startswith(("/api/", "/org/api/")):
        return {"error": str(title), "message": str(message)}, code
    try:
        appbuilder = current_app.appbuilder
        body = render_template("errors/error.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
                               code=code, title=title, message=message, error_page=True)
    except Exception:  # the error page must not fail (e.g. the database is down)
        log.warning("error page rendered without the layout", exc_info=True)
        _rollback()
        body = f"<!doctype html><html lang=\"vi\"><h1>{escape(title)}</h1><p>{escape(message)}</p></html>"
    return body, code, exc.get_headers() and {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


def _rollback() -> None:
    """Give the request's session back clean; never raise (the connection may be the one that broke)."""
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:
        log.warning("rollback after an error failed", exc_info=True)


def _data_error(exc: DataError):
    """A value the database refuses (out of range, too long, NUL): the request was bad, nothing is written."""
    _rollback()
    current_app.logger.warning("database refused a value of %s %r", request.method, request.path, exc_info=exc)
    return error_page(BadRequest())


def _internal_error(exc: Exception):
    """Any unexpected exception: its traceback in the server log, then the Vietnamese 500 page."""
    current_app.logger.error("unhandled exception on %s %r", request.method, request.path, exc_info=exc)
    _rollback()
    return error_page(InternalServerError())


def _server_error(exc: InternalServerError):
    """A 500 that Flask has already logged (an unhandled exception it wrapped) or an explicit ``abort(500)``."""
    _rollback()
    return error_page(exc)


def init_errors(app: Flask) -> None:
    """Register the Vietnamese error pages and the logging of unexpected exceptions."""
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(DataError, _data_error)
    app.register_error_handler(InternalServerError, _server_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, _internal_error)
