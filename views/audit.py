"""Audit screens: the change log and the access/security log, scoped to the user's subtree.

Both logs grow to millions of rows, so every filter runs in SQL, the newest rows come first and a page
holds 50 rows (one row more is read to know whether a next page exists; nothing counts the whole log).
Sở Nội vụ — whoever may read the audit of the city root with its sub-units — sees every row, including
rows tied to no unit (a failed login under an unknown name); everyone else sees the rows of the units
where the scope function lets them read ``Audit`` (an agency's administrators: their subtree).
"""

import json
from datetime import datetime, time, timedelta
from typing import Any

from flask import g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional as OptionalV

from app import audit
from app.security import scope
from app.security.permissions import (
    ACTION_READ,
    MENU_ACCESS_LOG,
    MENU_AUDIT,
    MENU_CHANGE_LOG,
    READ,
    RESOURCE_AUDIT,
)
from models.audit import AccessLog, ChangeLog
from views.forms import VNForm
from views.kit import Page, paginate

__all__ = [
    "ACTION_LABELS",
    "AccessLogView",
    "ChangeLogView",
    "EVENT_LABELS",
    "OBJECT_LABELS",
    "diff_rows",
    "register",
]

#: Security and access events written by ``app.audit.log_access`` / ``log_security``.
EVENT_LABELS = {
    "login": _l("Đăng nhập"),
    "login_failed": _l("Đăng nhập sai"),
    "login_locked": _l("Đăng nhập vào tài khoản đang bị khóa"),
    "lockout": _l("Khóa do đăng nhập sai nhiều lần"),
    "logout": _l("Đăng xuất"),
    "denied": _l("Bị từ chối truy cập"),
    "not_found": _l("Truy cập địa chỉ không tồn tại"),
    "role_granted": _l("Cấp vai trò"),
    "role_restricted": _l("Hạn chế vai trò"),
    "role_extended": _l("Gia hạn vai trò"),
    "role_revoked": _l("Thu hồi vai trò"),
    "account_created": _l("Tạo tài khoản"),
    "accounts_bulk_created": _l("Tạo tài khoản hàng loạt"),
    "password_reset": _l("Cấp lại mật khẩu"),
    "password_changed": _l("Đổi mật khẩu"),
    "password_request": _l("Báo mất mật khẩu"),
    "account_locked": _l("Khóa tài khoản"),
    "account_unlocked": _l("Mở khóa tài khoản"),
    "consent_granted": _l("Cho phép khai thác dữ liệu"),
    "consent_revoked": _l("Thu hồi cho phép khai thác dữ liệu"),
    "delegated": _l("Ủy quyền"),
    "delegation_revoked": _l("Thu hồi ủy quyền"),
    "read": _l("Xem dữ liệu"),
    "export": _l("Kết xuất dữ liệu"),
    "print": _l("In"),
    "download": _l("Tải tệp"),
    "id_search": _l("Tìm theo số định danh (CCCD/CMND)"),
    "certificate_refused": _l("Từ chối chứng thư số không đúng chủ"),
    "certificate_bound": _l("Quản trị gắn chứng thư số cho tài khoản"),
    "certificate_revoked": _l("Thu hồi chứng thư số"),
    "sign_refused": _l("Từ chối ký số"),
}

#: What a change-log row did.
ACTION_LABELS = {
    "insert": _l("Thêm mới"),
    "update": _l("Sửa"),
    "delete": _l("Xóa"),
}

#: Audited object types (model class names) as users know them; unknown types show their class name.
OBJECT_LABELS = {
    "Account": _l("Tài khoản"),
    "RoleAssignment": _l("Phân quyền"),
    "ConsentGrant": _l("Văn bản cho phép khai thác"),
    "Delegation": _l("Ủy quyền"),
    "PasswordRequest": _l("Yêu cầu cấp lại mật khẩu"),
    "OrgUnit": _l("Đơn vị"),
    "OrgEvent": _l("Sự kiện cơ cấu tổ chức"),
    "OrgEventUnit": _l("Đơn vị trong sự kiện cơ cấu tổ chức"),
}


# --------------------------------------------------------------------------- display helpers


def show_value(value: Any) -> str:
    """A logged value as text: "—" for nothing, có/không for booleans, JSON for structures."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff_rows(before: dict | None, after: dict | None, masked=frozenset()) -> list[tuple[str, str, str, bool]]:
    """(field, before, after, masked) for every field of a change-log row; fields empty on both sides are left
    out, except masked ones (``app.audit.readable_changes``), shown without their values."""
    before, after = before or {}, after or {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        if key in masked:
            rows.append((key, "", "", True))
            continue
        old, new = before.get(key), after.get(key)
        if old in (None, "") and new in (None, ""):
            continue
        rows.append((key, show_value(old) if key in before else "", show_value(new) if key in after else "", False))
    return rows


def when(value: datetime | None) -> str:
    """A logged time in the user's time zone (Asia/Ho_Chi_Minh by default)."""
    return format_datetime(value, "dd/MM/yyyy HH:mm:ss") if value else ""


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_timezone())


def audit_scope(column):
    """The SQL condition limiting log rows to the user's audit scope, or None when the user sees all.

    Seeing all means reading ``Audit`` on a city root with its sub-units (Sở Nội vụ); then rows tied
    to no unit are shown as well. Otherwise: rows of units in ``scope.unit_ids`` (default deny).
    """
    grants = scope.grants_for(g.user, ACTION_READ, RESOURCE_AUDIT)
    if any(grant.include_descendants and grant.unit_path.strip("/").count("/") == 0 for grant in grants):
        return None
    return column.in_(scope.unit_ids(g.user, ACTION_READ, RESOURCE_AUDIT))


# --------------------------------------------------------------------------- filter forms


class _LogFilterForm(VNForm):
    """Filters both logs share; read from the query string (a GET form, no CSRF token)."""

    date_from = DateField(_l("Từ ngày"), validators=[OptionalV()])
    date_to = DateField(_l("Đến ngày"), validators=[OptionalV()])
    user_name = StringField(_l("Người thực hiện (tên đăng nhập)"), validators=[OptionalV()])
    object_id = StringField(_l("Mã đối tượng"), validators=[OptionalV()])


class ChangeFilterForm(_LogFilterForm):
    """Change-log filters."""

    object_type = SelectField(_l("Loại đối tượng"), choices=[], validate_choice=False)
    action = SelectField(_l("Thao tác"), choices=[("", _l("Tất cả"))] + list(ACTION_LABELS.items()),
                         validate_choice=False)


class AccessFilterForm(_LogFilterForm):
    """Access-log filters."""

    event = SelectField(_l("Sự kiện"), choices=[("", _l("Tất cả"))] + list(EVENT_LABELS.items()),
                        validate_choice=False)


def _filter_form(form_class):
    """The filter form bound to the query string, and its type errors (a date that is not a date)."""
    form = form_class(request.args, meta={"csrf": False})
    form.validate()
    return form, {name: [str(e) for e in errs] for name, errs in form.errors.items()}


def _common_filters(stmt: Select, model, form) -> Select:
    if form.date_from.data:
        stmt = stmt.where(model.time >= _day_start(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(model.time < _day_start(form.date_to.data + timedelta(days=1)))
    user_name = (form.user_name.data or "").strip().lower()
    if user_name:
        stmt = stmt.where(model.user_name == user_name)
    object_id = (form.object_id.data or "").strip()
    if object_id:
        stmt = stmt.where(model.object_id == object_id[:40])
    limit = audit_scope(model.org_unit_id)
    if limit is not None:
        stmt = stmt.where(limit)
    return stmt.order_by(model.time.desc(), model.id.desc())


def audited_types() -> list[str]:
    """Class names of the audited models (bounded: read from the mappers, never from the log)."""
    names = {m.class_.__name__ for m in ChangeLog.registry.mappers if getattr(m.class_, "__audited__", False)}
    return sorted(names | set(OBJECT_LABELS))


# --------------------------------------------------------------------------- views


class ChangeLogView(BaseView):
    """Every insert/update/delete of audited objects."""

    route_base = "/audit/changes"
    default_view = "index"
    class_permission_name = RESOURCE_AUDIT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]

    @expose("/")
    @has_access
    def index(self):
        """Change log: newest first, 50 a page, with each change as a field/before/after table."""
        form, errors = _filter_form(ChangeFilterForm)
        form.object_type.choices = [("", _("Tất cả"))] + [
            (name, str(OBJECT_LABELS.get(name, name))) for name in audited_types()
        ]
        page = Page(rows=[], number=1)
        if not errors:
            stmt = _common_filters(select(ChangeLog), ChangeLog, form)
            if form.object_type.data:
                stmt = stmt.where(ChangeLog.object_type == form.object_type.data)
            if form.action.data:
                stmt = stmt.where(ChangeLog.action == form.action.data)
            page = paginate(stmt)
        readable = audit.readable_changes(g.user, page.rows)
        rows = [
            {
                "id": row.id,
                "time": when(row.time),
                "user": row.user_name,
                "action": str(ACTION_LABELS.get(row.action, row.action)),
                "object_type": str(OBJECT_LABELS.get(row.object_type, row.object_type)),
                "object_key": f"{row.object_type}/{row.object_id}",
                "object_id": row.object_id,
                "object_repr": row.object_repr,
                "unit_id": row.org_unit_id,
                "reason": row.reason,
                "diff": diff_rows(*readable[row.id]),
            }
            for row in page.rows
        ]
        body = self.render_template("audit/changes.html", title=_("Nhật ký thay đổi"), form=form, errors=errors,
                                    rows=rows, page=page)
        return (body, 400) if errors else body


class AccessLogView(BaseView):
    """Reads, exports, downloads and security events."""

    route_base = "/audit/access"
    default_view = "index"
    class_permission_name = RESOURCE_AUDIT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]

    @expose("/")
    @has_access
    def index(self):
        """Access and security log: newest first, 50 a page, events in Vietnamese."""
        form, errors = _filter_form(AccessFilterForm)
        page = Page(rows=[], number=1)
        if not errors:
            stmt = _common_filters(select(AccessLog), AccessLog, form)
            if form.event.data:
                stmt = stmt.where(AccessLog.event == form.event.data)
            page = paginate(stmt)
        rows = [
            {
                "id": row.id,
                "time": when(row.time),
                "user": row.user_name,
                "ip": row.ip,
                "event": row.event,
                "event_label": str(EVENT_LABELS.get(row.event, row.event)),
                "object_type": str(OBJECT_LABELS.get(row.object_type, row.object_type or "")),
                "object_id": row.object_id,
                "unit_id": row.org_unit_id,
                "path": row.path,
                "detail": [(key, show_value(value)) for key, value in (row.detail or {}).items()],
            }
            for row in page.rows
        ]
        body = self.render_template("audit/access.html", title=_("Nhật ký truy cập và bảo mật"), form=form,
                                    errors=errors, rows=rows, page=page)
        return (body, 400) if errors else body


def register(appbuilder) -> None:
    """Menus under "Nhật ký"."""
    appbuilder.add_view(ChangeLogView, MENU_CHANGE_LOG, label=_l("Nhật ký thay đổi"), icon="fa-history",
                        category=MENU_AUDIT, category_label=_l("Nhật ký"), category_icon="fa-book")
    appbuilder.add_view(AccessLogView, MENU_ACCESS_LOG, label=_l("Nhật ký truy cập và bảo mật"), icon="fa-shield",
                        category=MENU_AUDIT)
