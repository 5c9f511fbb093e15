"""Vietnamese names of Flask-AppBuilder's permissions and resources (issue 15 item 4).

FAB stores a permission as an action name (``can_read``, ``menu_access`` …) on a resource (a view class name such
as ``UserDBModelView``, one of ours such as ``PersonnelFile``, or a menu key such as ``Accounts``). Those names
are identifiers; the technical administrator's screens (roles, permissions, views/menus) show these labels
instead. A menu key is named by its menu entry's own label; anything unknown falls back to the catalog (FAB's
English menu names such as "List Users" are translated there) and then to the name itself.
"""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.security.permissions import (
    RESOURCE_ACCOUNT,
    RESOURCE_AUDIT,
    RESOURCE_COMPLIANCE,
    RESOURCE_CONSENT,
    RESOURCE_DELEGATION,
    RESOURCE_MY_ACCOUNT,
    RESOURCE_MY_FILE,
    RESOURCE_NOTIFICATION,
    RESOURCE_ORG_UNIT,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
    RESOURCE_ROLE_ADMIN,
    RESOURCE_SIGNATURE,
    RESOURCE_WORKDAYS,
)

__all__ = ["action_label", "object_label", "permission_label", "resource_label"]

ACTIONS = {
    "can_read": _l("Xem"),
    "can_write": _l("Cập nhật"),
    "can_approve": _l("Phê duyệt"),
    "can_sign": _l("Ký số"),
    "menu_access": _l("Hiện trên trình đơn"),
    "can_list": _l("Xem danh sách"),
    "can_show": _l("Xem chi tiết"),
    "can_add": _l("Thêm"),
    "can_edit": _l("Sửa"),
    "can_delete": _l("Xóa"),
    "can_download": _l("Tải xuống"),
    "can_get": _l("Đọc qua API"),
    "can_put": _l("Sửa qua API"),
    "can_post": _l("Thêm qua API"),
    "can_info": _l("Thông tin qua API"),
    "can_this_form_get": _l("Mở biểu mẫu"),
    "can_this_form_post": _l("Gửi biểu mẫu"),
    "can_userinfo": _l("Xem thông tin tài khoản của mình"),
    "copyrole": _l("Sao chép vai trò"),
    "resetmypassword": _l("Đặt lại mật khẩu của mình"),
    "resetpasswords": _l("Đặt lại mật khẩu người dùng"),
    "userinfoedit": _l("Sửa thông tin tài khoản"),
}

RESOURCES = {
    RESOURCE_ORG_UNIT: _l("Cơ cấu tổ chức"),
    RESOURCE_ACCOUNT: _l("Tài khoản"),
    RESOURCE_ROLE_ADMIN: _l("Điều chỉnh nhanh vai trò"),
    RESOURCE_CONSENT: _l("Văn bản cho phép khai thác"),
    RESOURCE_DELEGATION: _l("Ủy quyền"),
    RESOURCE_AUDIT: _l("Nhật ký"),
    RESOURCE_MY_ACCOUNT: _l("Tài khoản của tôi"),
    RESOURCE_PERSONNEL: _l("Hồ sơ cán bộ, công chức, viên chức"),
    RESOURCE_MY_FILE: _l("Hồ sơ của tôi"),
    RESOURCE_SIGNATURE: _l("Chữ ký số"),
    RESOURCE_WORKDAYS: _l("Lịch ngày làm việc"),
    RESOURCE_NOTIFICATION: _l("Thông báo"),
    RESOURCE_COMPLIANCE: _l("Tình hình cập nhật theo đơn vị"),
    RESOURCE_REPORT: _l("Báo cáo thống kê"),
    # Flask-AppBuilder's own views
    "UserDBModelView": _l("Người dùng (màn hình kỹ thuật)"),
    "RoleModelView": _l("Vai trò (màn hình kỹ thuật)"),
    "UserGroupModelView": _l("Nhóm người dùng"),
    "PermissionModelView": _l("Quyền cơ bản"),
    "ViewMenuModelView": _l("Màn hình và trình đơn"),
    "PermissionViewModelView": _l("Quyền trên màn hình và trình đơn"),
    "UserInfoEditView": _l("Sửa thông tin tài khoản"),
    "ResetPasswordView": _l("Đặt lại mật khẩu người dùng"),
    "ResetMyPasswordView": _l("Đặt lại mật khẩu của mình"),
    "AuthDBView": _l("Đăng nhập"),
    "HomeView": _l("Trang chủ"),
    "LocaleView": _l("Chọn ngôn ngữ"),
    "LostPasswordView": _l("Quên mật khẩu"),
    "UtilView": _l("Tiện ích"),
    "MenuApi": _l("Trình đơn (API)"),
    "RateLimitedSecurityApi": _l("Đăng nhập qua API"),
    "SecurityApi": _l("Đăng nhập qua API"),
}


def action_label(name: str) -> str:
    """The Vietnamese name of a FAB action (``can_read`` → "Xem")."""
    return str(ACTIONS[name]) if name in ACTIONS else name


def resource_label(name: str) -> str:
    """The Vietnamese name of a FAB resource: ours, FAB's views, a menu entry's label, FAB's catalog."""
    if name in RESOURCES:
        return str(RESOURCES[name])
    item = current_app.appbuilder.menu.find(name)
    if item is not None and item.label:
        return str(item.label)
    return _(name)


def permission_label(permission_view) -> str:
    """A permission on a resource, e.g. "Xem — Hồ sơ cán bộ, công chức, viên chức"."""
    return _("%(action)s — %(resource)s", action=action_label(permission_view.permission.name),
             resource=resource_label(permission_view.view_menu.name))


def object_label(obj) -> str:
    """The label of a security object in a choice list or a cell: permission, resource, permission on a
    resource, a role or a group (their own Vietnamese names), a user (Vietnamese name order)."""
    kind = type(obj).__name__
    if kind == "Permission":
        return action_label(obj.name)
    if kind == "ViewMenu":
        return resource_label(obj.name)
    if kind == "PermissionView":
        return permission_label(obj)
    if hasattr(obj, "get_full_name"):
        return obj.get_full_name()
    return str(getattr(obj, "name", obj))
