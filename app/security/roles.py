"""Roles as data, applied by ``flask sync-roles``. Issue "Accounts" extends this set.

Each role lists (permission, resource) pairs; ``admin`` roles get every permission FAB knows.
The README's role table is generated from :data:`ROLE_CONFIGS` (``flask sync-roles --markdown``).
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.security.permissions import (
    ACTION_READ,
    MENU_ORG_TREE,
    MENU_ORG_UNITS,
    MENU_ORGANISATION,
    RESOURCE_ORG_UNIT,
)

__all__ = ["ROLE_ADMIN", "ROLE_REPORT_VIEWER", "ROLE_CONFIGS"]

ROLE_ADMIN = "Quản trị Sở Nội vụ"
ROLE_REPORT_VIEWER = "Xem báo cáo"

_ORG_READ = [
    (ACTION_READ, RESOURCE_ORG_UNIT),
    ("menu_access", MENU_ORGANISATION),
    ("menu_access", MENU_ORG_TREE),
    ("menu_access", MENU_ORG_UNITS),
]

ROLE_CONFIGS = [
    {
        "name": ROLE_ADMIN,
        "admin": True,
        "description": _l("Sở Nội vụ: quản lý danh mục cơ cấu tổ chức và toàn bộ hệ thống (HN-9.1)."),
        "permissions": [],
    },
    {
        "name": ROLE_REPORT_VIEWER,
        "admin": False,
        "description": _l("Chỉ xem cơ cấu tổ chức và báo cáo, không được sửa."),
        "permissions": _ORG_READ + [("can_this_form_get", "UserInfoEditView"),
                                    ("can_this_form_post", "UserInfoEditView"),
                                    ("can_userinfo", "UserDBModelView"),
                                    ("resetmypassword", "UserDBModelView"),
                                    ("can_this_form_get", "ResetMyPasswordView"),
                                    ("can_this_form_post", "ResetMyPasswordView")],
    },
]


def sync_roles(appbuilder) -> dict[str, int]:
    """Create every permission FAB knows, then make each configured role hold exactly its pairs.

    Returns the number of permissions per role. Unknown pairs are an error (a typo in the data).
    """
    sm = appbuilder.sm
    for cfg in ROLE_CONFIGS:
        if sm.find_role(cfg["name"]) is None:
            sm.add_role(cfg["name"])
    public = current_app.config.get("AUTH_ROLE_PUBLIC", "Public")
    if sm.find_role(public) is None:
        sm.add_role(public)
    appbuilder.add_permissions(update_perms=True)
    result = {}
    for cfg in ROLE_CONFIGS:
        role = sm.find_role(cfg["name"])
        if not cfg["admin"]:
            wanted = []
            for perm, view in cfg["permissions"]:
                pv = sm.find_permission_view_menu(perm, view)
                if pv is None:
                    raise LookupError(f"unknown permission {perm} on {view} for role {cfg['name']}")
                wanted.append(pv)
            role.permissions = wanted
        result[cfg["name"]] = len(role.permissions)
    sm.session.commit()
    return result
