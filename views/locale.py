"""Switching the language keeps the page the user was on (issue 15 item 5).

FAB's ``LocaleView`` (``/lang/<locale>``) sends the user back through its own page-history stack, which often
lands on another page (the last list visited, the home page). The navbar's language links carry ``next`` = the
current path and query; ``/lang/<locale>`` sets the locale and returns there when ``next`` is a path of this site
(never another host: no open redirect), else to the same-site page of the ``Referer``, else home. An error page's
links carry no ``next`` (an error page does not repeat its address: tests/test_small_leaks.py).
"""

import re
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, session, url_for
from flask_babel import refresh

__all__ = ["local_target", "locale_url", "register"]

#: The endpoint FAB registers for ``/lang/<locale>``; its view function is replaced by :func:`switch_locale`.
ENDPOINT = "LocaleView.index"
LOCALE_PATH = re.compile(r"/lang(/|$)")


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path of this site ("/people/?page=2"), else None.

    Refused: absolute and scheme-relative URLs ("https://x", "//x", "/\\\\x" that browsers read as "//x"),
    anything with control characters or a backslash, and the language switch itself (no loop)."""
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if LOCALE_PATH.match(parts.path):
        return None
    return target


def _referrer_target() -> str | None:
    """The path and query of the ``Referer`` when it is a page of this site."""
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return local_target(parts.path + (f"?{parts.query}" if parts.query else ""))


def locale_url(lang: str) -> str:
    """The navbar's link to ``lang``: ``/lang/<lang>?next=<this page>`` (a GET page; a POST's form page)."""
    here = request.full_path if request.query_string else request.path
    return url_for(ENDPOINT, locale=lang, next=here)


def switch_locale(locale: str):
    """Set the session's language and go back to the page the user was on."""
    from flask import current_app

    if locale not in current_app.appbuilder.bm.languages:
        abort(404)
    session["locale"] = locale
    refresh()
    target = local_target(request.args.get("next")) or _referrer_target()
    return redirect(target or current_app.appbuilder.get_url_for_index)


def register(app: Flask) -> None:
    """Answer FAB's ``/lang/<locale>`` with :func:`switch_locale`; give templates :func:`locale_url`."""
    app.view_functions[ENDPOINT] = switch_locale
    app.jinja_env.globals["locale_url"] = locale_url
