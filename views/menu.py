"""The navbar menu, built once per role set (issue 14): the menu depends only on the user's roles, the permissions
those roles hold, the locale and the script root — not on the page — so its HTML is rendered once per such key and
reused. A role's permissions are part of the key, so ``flask sync-roles`` or an edit of a role shows at once; the
views themselves still check every permission (the menu only hides links).
"""

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

__all__ = ["init_menu_cache", "navbar_menu_html"]

#: Rendered menus kept per process (a city has a handful of role combinations; cleared when it grows past this).
MAX_ENTRIES = 512


def _key():
    sm = current_app.appbuilder.sm
    role_ids = tuple(sorted(role.id for role in sm.get_user_roles(current_user)))
    return (str(get_locale()), request.script_root, role_ids, sm.permission_fingerprint(role_ids))


def navbar_menu_html() -> Markup:
    """The menu's ``<li>`` items for the current user, from the per-process cache when it holds them."""
    cache = current_app.extensions.setdefault("cbccvc_menu_cache", {})
    key = _key()
    html = cache.get(key)
    if html is None:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        html = Markup(render_template("appbuilder/_navbar_menu_items.html", menu=current_app.appbuilder.menu))
        cache[key] = html
    return html


def init_menu_cache(app: Flask) -> None:
    """Make ``navbar_menu_html()`` available to the layout."""
    app.jinja_env.globals["navbar_menu_html"] = navbar_menu_html
