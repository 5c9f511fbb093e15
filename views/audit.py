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

from flask import g
from flask_appbuilder import expose, has_access
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
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
from views.kit import Column, ListView, Page, paginate

__all__ = [
    "ACTION_LABELS",
    "AccessLogView",
    "ChangeLogView",
    "EVENT_LABELS",
    "OBJECT_LABELS",
    "diff_cell",
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
    user_name = StringField(_l("Người thực hiện (tên đăng nhập)"), filters=[lambda v: (v or "").strip().lower()])
    object_id = StringField(_l("Mã đối tượng"), filters=[lambda v: (v or "").strip()[:40]])


class ChangeFilterForm(_LogFilterForm):
    """Change-log filters."""

    object_type = SelectField(_l("Loại đối tượng"), choices=[], validate_choice=False)
    action = SelectField(_l("Thao tác"), choices=[("", _l("Tất cả"))] + list(ACTION_LABELS.items()),
                         validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.object_type.choices = [("", _("Tất cả"))] + [
            (name, str(OBJECT_LABELS.get(name, name))) for name in audited_types()]


class AccessFilterForm(_LogFilterForm):
    """Access-log filters."""

    event = SelectField(_l("Sự kiện"), choices=[("", _l("Tất cả"))] + list(EVENT_LABELS.items()),
                        validate_choice=False)


def audited_types() -> list[str]:
    """Class names of the audited models (bounded: read from the mappers, never from the log)."""
    names = {m.class_.__name__ for m in ChangeLog.registry.mappers if getattr(m.class_, "__audited__", False)}
    return sorted(names | set(OBJECT_LABELS))


# --------------------------------------------------------------------------- cells


def _object_cell(label, object_id) -> Markup:
    return Markup('%s <span class="text-muted">#%s</span>') % (label, object_id or "—")


def _change_object_cell(row) -> Markup:
    text = _object_cell(OBJECT_LABELS.get(row.object_type, row.object_type), row.object_id)
    text += Markup("<br><small>%s</small>") % (row.object_repr or "")
    if row.reason:
        text += Markup('<br><small class="text-muted">%s</small>') % _("Căn cứ: %(reason)s", reason=row.reason)
    return text


def diff_cell(before: dict | None, after: dict | None, masked=frozenset()) -> Markup:
    """A change-log row as a field / before / after table. Fields empty on both sides are left out, except
    masked ones (``app.audit.readable_changes``), shown with a "restricted" label instead of their values."""
    before, after = before or {}, after or {}
    restricted = Markup('<span class="label label-default restricted" title="%s">%s</span>') % (
        _("Mục hạn chế tiếp cận: bạn không được xem nội dung này"), _("Hạn chế"))
    rows = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in masked:
            rows.append(Markup('<tr class="diff-masked" data-field="{0}"><td><code>{0}</code></td>'
                               '<td colspan="2">{1}</td></tr>').format(key, restricted))
        elif old not in (None, "") or new not in (None, ""):
            rows.append(Markup('<tr data-field="{0}"><td><code>{0}</code></td><td class="diff-before">{1}</td>'
                               '<td class="diff-after">{2}</td></tr>').format(
                key, show_value(old) if key in before else "", show_value(new) if key in after else ""))
    if not rows:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<table class="table table-condensed diff-table"><thead><tr><th>%s</th><th>%s</th><th>%s</th>'
                  "</tr></thead><tbody>%s</tbody></table>") % (_("Trường"), _("Trước"), _("Sau"), Markup("").join(rows))


def _detail_cell(row):
    if not row.detail:
        return "—"
    return Markup('<ul class="list-unstyled">%s</ul>') % Markup("").join(
        Markup("<li><code>%s</code>: %s</li>") % (key, show_value(value)) for key, value in row.detail.items())


# --------------------------------------------------------------------------- views


class _LogView(ListView):
    """What both logs share: their filters in SQL (a refused filter is a 400), the audit scope, newest first,
    50 rows a page without a count."""

    class_permission_name = RESOURCE_AUDIT
    method_permission_name = {"index": READ}
    base_permissions = ["can_" + READ]
    refuse_bad_filters = True
    table_class = "table table-condensed table-bordered audit-table"
    model: Any = ChangeLog
    #: Filters matching a column of the same name exactly (besides the user name and the object id).
    exact_filters: tuple[str, ...] = ()

    def list_page(self, filters) -> Page:
        """The page of log rows in the user's audit scope that match the filters."""
        model, stmt = self.model, select(self.model)
        if filters.date_from.data:
            stmt = stmt.where(model.time >= _day_start(filters.date_from.data))
        if filters.date_to.data:
            stmt = stmt.where(model.time < _day_start(filters.date_to.data + timedelta(days=1)))
        for name in ("user_name", "object_id", *self.exact_filters):
            if filters[name].data:
                stmt = stmt.where(getattr(model, name) == filters[name].data)
        limit = audit_scope(model.org_unit_id)
        if limit is not None:
            stmt = stmt.where(limit)
        return paginate(stmt.order_by(model.time.desc(), model.id.desc()))

    @expose("/")
    @has_access
    def index(self):
        """The log: newest first, 50 a page."""
        return self.render_list()


class ChangeLogView(_LogView):
    """Every insert/update/delete of audited objects, each change as a field/before/after table."""

    route_base = "/audit/changes"
    model = ChangeLog
    exact_filters = ("object_type", "action")
    filter_form = ChangeFilterForm
    filter_fields = ("date_from", "date_to", "user_name", "object_type", "action", "object_id")
    list_title = _l("Nhật ký thay đổi")
    list_intro = _l("Mọi thao tác thêm, sửa, xóa dữ liệu được ghi lại cùng lúc với thay đổi. Danh sách chỉ gồm các "
                    "thay đổi thuộc phạm vi đơn vị bạn được xem.")
    table_id = "change-log"
    row_class = "change-row"
    empty_message = _l("Không có thay đổi nào phù hợp với điều kiện lọc.")
    # Rows are (log row, its diff table as the reader may see it).
    columns = [
        Column(_l("Thời gian"), lambda r: when(r[0].time), "text-nowrap"),
        Column(_l("Người thực hiện"), lambda r: r[0].user_name or _("(hệ thống)")),
        Column(_l("Thao tác"), lambda r: ACTION_LABELS.get(r[0].action, r[0].action)),
        Column(_l("Đối tượng"), lambda r: _change_object_cell(r[0])),
        Column(_l("Nội dung thay đổi"), lambda r: r[1]),
    ]

    def list_page(self, filters) -> Page:
        """The log rows with their values masked above the reader's level on each file."""
        page = super().list_page(filters)
        readable = audit.readable_changes(g.user, page.rows)
        page.rows = [(row, diff_cell(*readable[row.id])) for row in page.rows]
        return page

    def row_attrs(self, r) -> dict:
        row = r[0]
        return {"class": self.row_class, "data-id": row.id, "data-object": f"{row.object_type}/{row.object_id}",
                "data-unit": "" if row.org_unit_id is None else row.org_unit_id}


class AccessLogView(_LogView):
    """Reads, exports, downloads and security events, in Vietnamese."""

    route_base = "/audit/access"
    model = AccessLog
    exact_filters = ("event",)
    filter_form = AccessFilterForm
    filter_fields = ("date_from", "date_to", "user_name", "event", "object_id")
    list_title = _l("Nhật ký truy cập và bảo mật")
    list_intro = _l("Đăng nhập, đăng xuất, truy cập bị từ chối, thay đổi quyền và mọi lần xem, kết xuất, in, tải dữ "
                    "liệu. Danh sách chỉ gồm các sự kiện thuộc phạm vi đơn vị bạn được xem.")
    table_id = "access-log"
    row_class = "access-row"
    table_class = "table table-condensed table-bordered table-striped audit-table"
    empty_message = _l("Không có sự kiện nào phù hợp với điều kiện lọc.")
    columns = [
        Column(_l("Thời gian"), lambda r: when(r.time), "text-nowrap"),
        Column(_l("Người dùng"), lambda r: r.user_name or "—"),
        Column(_l("Địa chỉ IP"), lambda r: r.ip or "—"),
        Column(_l("Sự kiện"), lambda r: EVENT_LABELS.get(r.event, r.event)),
        Column(_l("Đối tượng"), lambda r: _object_cell(OBJECT_LABELS.get(r.object_type, r.object_type), r.object_id)
               if r.object_type else "—"),
        Column(_l("Đường dẫn"), lambda r: Markup("<small>%s</small>") % (r.path or "—")),
        Column(_l("Chi tiết"), _detail_cell),
    ]

    def row_attrs(self, row) -> dict:
        return {"class": self.row_class, "data-id": row.id, "data-event": row.event,
                "data-unit": "" if row.org_unit_id is None else row.org_unit_id}


def register(appbuilder) -> None:
    """Menus under "Nhật ký"."""
    appbuilder.add_view(ChangeLogView, MENU_CHANGE_LOG, label=_l("Nhật ký thay đổi"), icon="fa-history",
                        category=MENU_AUDIT, category_label=_l("Nhật ký"), category_icon="fa-book")
    appbuilder.add_view(AccessLogView, MENU_ACCESS_LOG, label=_l("Nhật ký truy cập và bảo mật"), icon="fa-shield",
                        category=MENU_AUDIT)
