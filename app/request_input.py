"""Bad input never reaches a query: the request guard and the one integer parser of the app.

Two pieces, used everywhere instead of ad-hoc checks:

- :func:`init_input_guard` installs the first ``before_request`` of the app. It refuses with a Vietnamese 400,
  before any view, service or query runs, a request carrying a NUL byte or another control character in its
  path, query string, form fields (names and values), JSON body or uploaded file names. PostgreSQL refuses NUL
  in text (so such a value would end in a 500 and keep the access log from being written) and CR/LF in a
  redirect target would split a header. Tab, CR and LF are allowed only in the values of posted form fields
  and JSON strings (the multi-line text fields: notes, lists, item 34 …), never in the query string, a file
  name, a field name or ``next``. It also checks Flask-AppBuilder's list parameters (``page_<view>``,
  ``psize_<view>``, ``_oc_<view>``/``_od_<view>``), which FAB passes to ``int()`` and ``ORDER BY`` unchecked.
- :func:`int_arg` reads an integer query argument; :func:`parse_int` is the same check for any string (ids
  posted in forms, ids handed to services). Only ASCII digits count (``"²".isdigit()`` is true but ``int("²")``
  fails) and the value must lie in a sane range (ids and pages: 1..10⁹, below PostgreSQL's ``integer``).
  The ``int`` URL converter is bounded the same way, so ``/x/<int:id>`` answers 404 to a 30-digit id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import IntegerConverter

__all__ = ["MAX_INT", "as_id", "has_control", "init_input_guard", "int_arg", "parse_int"]

#: The largest id, page or offset a request may name (PostgreSQL's ``integer`` stops at 2³¹ − 1).
MAX_INT = 10**9
#: Largest page size of Flask-AppBuilder's list views (``psize_<view>``).
MAX_PAGE_SIZE = 100

_INT_RE = re.compile(r"-?[0-9]{1,12}")
#: C0 controls, DEL and C1 controls: never in a single-line value.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The same minus tab, CR and LF: never in a multi-line value either.
_CONTROL_MULTILINE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Fields that are redirect targets: CR/LF never allowed, even in a posted form.
_REDIRECT_FIELDS = {"next", "next_url", "redirect", "return_to"}


def parse_int(raw, lo: int = 1, hi: int = MAX_INT) -> int | None:
    """``raw`` as an int when it is a plain ASCII integer in ``lo..hi``; None otherwise (never raises)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = raw.strip() if isinstance(raw, str) else ""
        if not _INT_RE.fullmatch(text):
            return None
        value = int(text)
    return value if lo <= value <= hi else None


def as_id(raw) -> int:
    """``raw`` as a row id (1..MAX_INT); ``ValueError`` otherwise, like ``int()``, so the services' existing
    ``except (TypeError, ValueError)`` answer "not found" to a huge id instead of a database error."""
    value = parse_int(raw)
    if value is None:
        raise ValueError(f"not an id: {raw!r}")
    return value


def int_arg(name: str, default: int | None = None, *, lo: int = 1, hi: int = MAX_INT) -> int | None:
    """The integer query argument ``name``: ``default`` when absent or empty, a 400 when it is not an integer
    in ``lo..hi`` (a huge page number, ``²``, ``1e3`` …)."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    value = parse_int(raw, lo, hi)
    if value is None:
        abort(400, description=_("Tham số “%(name)s” phải là một số nguyên từ %(lo)s đến %(hi)s.",
                                 name=name, lo=lo, hi=hi))
    return value


def has_control(text: str, multiline: bool = False) -> bool:
    """True when ``text`` holds a NUL or another control character (tab, CR, LF allowed if ``multiline``)."""
    return bool((_CONTROL_MULTILINE_RE if multiline else _CONTROL_RE).search(text))


def _refuse() -> None:
    abort(400, description=_("Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự điều khiển)."))


def _json_strings(value, depth: int = 0) -> Iterable[tuple[str, bool]]:
    """Every string of a JSON document as (text, is_key)."""
    if depth > 50:
        _refuse()
    if isinstance(value, str):
        yield value, False
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k), True
            yield from _json_strings(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v, depth + 1)


def _check_fab_list_args() -> None:
    """Flask-AppBuilder's paging and ordering parameters: integers in range, a column the view may order by."""
    for key, raw in request.args.items(multi=True):
        if key.startswith("page_") and parse_int(raw, 0, MAX_INT) is None:
            abort(400, description=_("Số trang không hợp lệ."))
        if key.startswith("psize_") and parse_int(raw, 1, MAX_PAGE_SIZE) is None:
            abort(400, description=_("Số dòng mỗi trang phải từ 1 đến %(n)s.", n=MAX_PAGE_SIZE))
        if key.startswith("_od_") and raw not in ("asc", "desc"):
            abort(400, description=_("Thứ tự sắp xếp không hợp lệ."))
        if key.startswith("_oc_"):
            view = _fab_view(key[len("_oc_"):])
            if view is None or raw not in (getattr(view, "order_columns", None) or ()):
                abort(400, description=_("Không thể sắp xếp theo cột này."))


def _fab_view(class_name: str):
    """The registered FAB view of that class name (an index built once: this runs on every request)."""
    index = current_app.extensions.get("cbccvc_views_by_name")
    if index is None:
        appbuilder = getattr(current_app, "appbuilder", None)
        index = {type(view).__name__: view for view in getattr(appbuilder, "baseviews", ())}
        if appbuilder is not None:
            current_app.extensions["cbccvc_views_by_name"] = index
    return index.get(class_name)


def _guard() -> None:
    """Refuse control characters anywhere in the request's text, and FAB's list parameters out of range."""
    if has_control(request.path):
        _refuse()
    for key, value in request.args.items(multi=True):
        if has_control(key) or has_control(value):
            _refuse()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            multiline = key not in _REDIRECT_FIELDS
            if has_control(key) or has_control(value, multiline=multiline):
                _refuse()
        for key, upload in request.files.items(multi=True):
            if has_control(key) or has_control(upload.filename or ""):
                _refuse()
        if request.is_json:
            for text, is_key in _json_strings(request.get_json(silent=True)):
                if has_control(text, multiline=not is_key):
                    _refuse()


def _check_fab_request() -> None:
    """FAB's list parameters out of range, and its routes' arguments (after the CSRF check: a forged request is
    refused as forged whatever its arguments)."""
    _check_fab_list_args()
    _check_fab_routes()


def _check_fab_routes() -> None:
    """FAB's ``/show/<pk>``, ``/edit/<pk>``, ``/delete/<pk>``, ``/action/<name>/<pk>`` take any string: a
    model with an integer key answers 404 to anything but an id in range (not a database error). So do its
    ``/download/<filename>`` with a name not in FAB's stored form and ``/chart/<group_by>`` with a non-index.
    Checked only for a user who holds the route's permission: the others get FAB's login page or 403 first."""
    args = request.view_args or {}
    if not request.endpoint or "." not in request.endpoint:
        return
    view_name, method = request.endpoint.split(".", 1)
    view = _fab_view(view_name)
    if view is None:
        return
    if method in ("action", "action_post") and current_user.is_authenticated:
        # FAB runs ``self.actions.get(name).func``: an unknown action name is an AttributeError (a 500)
        name = args.get("name") if method == "action" else request.form.get("action")
        if name not in (getattr(view, "actions", None) or {}):
            abort(404)
    if not args:
        return  # nothing below to check (and no permission lookup: /healthz stays free of queries)
    if not _permitted(view, method):
        return
    if method == "download" and "_sep_" not in str(args.get("filename", "_sep_")):
        abort(404)
    if "group_by" in args and parse_int(args["group_by"], 0, 1000) is None:
        abort(404)
    datamodel = getattr(view, "datamodel", None)
    if args.get("pk") is None or datamodel is None:
        return
    try:
        python_type = datamodel.get_pk().type.python_type
    except Exception:  # composite or unknown key type: FAB's own handling
        return
    if python_type is int and parse_int(args["pk"]) is None:
        abort(404)


def _permitted(view, method: str) -> bool:
    """Whether the signed-in user holds the FAB permission of ``view``'s ``method`` (as ``@has_access``)."""
    name = (getattr(view, "method_permission_name", None) or {}).get(method, method)
    try:
        return bool(current_app.appbuilder.sm.has_access("can_" + name, view.class_permission_name))
    except Exception:  # no permission data: let the view's own decorator decide
        return False


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that matches only 0..MAX_INT: a 30-digit id is a 404, not ``integer out of range``."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max,
                         signed=signed)


def init_input_guard(app: Flask) -> None:
    """Bound the ``int`` URL converter, make the control-character guard the first ``before_request`` of the app
    and the check of FAB's arguments the last one so far (``create_app`` calls this after ``init_csrf``)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, _guard)
    hooks.append(_check_fab_request)
