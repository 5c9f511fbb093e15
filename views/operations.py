"""Operations screens (issue 20 items 4–5): the load balancer's probes, maintenance notices (HCM-4.2) and the
security assessment report (HCM-11.6).

- ``HealthView``: ``/healthz`` (the process answers; no database) and ``/readyz`` (database, Redis, workers, queue
  depths, job heartbeats, age of the last verified backup; 503 when a required part is down). Public (no login:
  the load balancer has none), GET only (no CSRF), no session cookie (``session.PROBE_ENDPOINTS``); gunicorn's
  access log leaves them out (``deploy/gunicorn.conf.py``).
- ``MaintenanceView``: Sở Nội vụ's administrators announce and cancel maintenance windows.
- ``SecurityReportView``: the security assessment report and its XLSX, city-wide.
"""

import os
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import after_this_request, g, jsonify, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateTimeField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, NumberRange
from wtforms.validators import Optional as OptionalV
from wtforms.widgets import TextInput

from app.extensions import db
from app.security.permissions import (
    MENU_AUDIT,
    MENU_MAINTENANCE,
    MENU_SECURITY_REPORT,
    READ,
    RESOURCE_MAINTENANCE,
    RESOURCE_SECURITY_REPORT,
    WRITE,
)
from app.services.operations import health
from app.services.operations import maintenance as notices
from app.services.operations import security_report as report_svc
from models.accounts import ACCOUNT_KINDS, DELEGATION_ACTIONS
from views.forms import VNForm
from views.kit import Column, ListView, Page, label, moment, paginate, post_action, post_button, service_form, small

__all__ = ["HealthView", "MaintenanceView", "SecurityReportView", "register"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HealthView(BaseView):
    """The load balancer's probes (JSON, no login)."""

    route_base = ""
    default_view = "healthz"

    @expose("/healthz")
    def healthz(self):
        """200 while the process answers; touches neither the database nor Redis."""
        resp = jsonify(health.liveness())
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @expose("/readyz")
    def readyz(self):
        """200 when the database (and Redis, when configured) answer, 503 otherwise; the details as JSON."""
        body, ready = health.readiness()
        resp = jsonify(body)
        resp.status_code = 200 if ready else 503
        resp.headers["Cache-Control"] = "no-store"
        return resp


# --------------------------------------------------------------------------- maintenance notices


class VNDateTimeField(DateTimeField):
    """A moment typed as dd/mm/yyyy hh:mm, Việt Nam time."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy hh:mm", "inputmode": "numeric",
                                        "autocomplete": "off"})
        super().__init__(label, validators, format=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"], **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=TZ)


class NoticeForm(VNForm):
    """A maintenance window."""

    starts_at = VNDateTimeField(_l("Bắt đầu"), validators=[DataRequired(message=_l("Hãy nhập thời điểm bắt đầu."))])
    ends_at = VNDateTimeField(_l("Kết thúc"), validators=[DataRequired(message=_l("Hãy nhập thời điểm kết thúc."))])
    message = TextAreaField(_l("Nội dung thông báo"), validators=[DataRequired(message=_l(
        "Hãy nhập nội dung thông báo."))], render_kw={"rows": 3, "maxlength": notices.MESSAGE_MAX})


def _notice_state(row) -> Markup:
    now = datetime.now(TZ)
    if row.cancelled_at is not None:
        return label(_l("Đã huỷ"), "default") + small(moment(row.cancelled_at))
    if row.ends_at <= now:
        return label(_l("Đã kết thúc"), "default")
    if row.starts_at <= now:
        return label(_l("Đang bảo trì"), "danger")
    return label(_l("Sắp diễn ra"), "warning")


class MaintenanceView(ListView):
    """Maintenance notices, newest start first; announce a new one, cancel one not yet over."""

    route_base = "/maintenance"
    class_permission_name = RESOURCE_MAINTENANCE
    method_permission_name = {"index": READ, "add": WRITE, "cancel": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    list_title = _l("Thông báo bảo trì")
    list_intro = _l("Thông báo khoảng thời gian bảo trì hệ thống cho mọi người dùng: thông báo hiện trên mọi trang từ "
                    "trước thời điểm bắt đầu cho đến khi kết thúc.")
    table_id = "maintenance-list"
    row_class = "maintenance-row"
    empty_message = _l("Chưa có thông báo bảo trì nào.")
    list_links = ((_l("Thông báo mới"), "MaintenanceView.add", "fa-plus", WRITE),)

    def list_columns(self):
        may_write = self.appbuilder.sm.has_access("can_" + WRITE, self.class_permission_name)
        columns = [
            Column(_l("Bắt đầu"), lambda r: moment(r.starts_at), "text-nowrap"),
            Column(_l("Kết thúc"), lambda r: moment(r.ends_at), "text-nowrap"),
            Column(_l("Nội dung"), lambda r: r.message),
            Column(_l("Tình trạng"), _notice_state),
        ]
        if may_write:
            columns.append(Column("", lambda r: post_button(
                url_for("MaintenanceView.cancel", notice_id=r.id), _("Huỷ thông báo"))
                if r.cancelled_at is None and r.ends_at > datetime.now(TZ) else ""))
        return columns

    def list_page(self, filters) -> Page:
        """A page of notices (a few a year: counted)."""
        return paginate(notices.list_notices(), count_cap=10_000)

    def row_attrs(self, row) -> dict:
        return {"class": self.row_class, "data-id": row.id,
                "data-cancelled": "1" if row.cancelled_at is not None else "0"}

    @expose("/")
    @has_access
    def index(self):
        """``?page=N``."""
        return self.render_list()

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Announce a window."""
        form = NoticeForm()
        return service_form(
            self, form, lambda: notices.announce(g.user, form.starts_at.data, form.ends_at.data, form.message.data),
            title=_("Thông báo bảo trì mới"), done=_("Đã đăng thông báo bảo trì."),
            back=url_for("MaintenanceView.index"), form_id="maintenance-form")

    @expose("/<int:notice_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, notice_id):
        """Withdraw a notice."""
        return post_action(VNForm(), lambda: notices.cancel(g.user, notice_id), done=_("Đã huỷ thông báo bảo trì."),
                           back=url_for("MaintenanceView.index"))


# --------------------------------------------------------------------------- security assessment report


class ReportForm(VNForm):
    """The report's two periods."""

    dormant_days = IntegerField(_l("Không đăng nhập từ (ngày)"), validators=[
        OptionalV(), NumberRange(min=1, max=3650, message=_l("Từ 1 đến 3650 ngày."))])
    login_days = IntegerField(_l("Đăng nhập sai trong (ngày)"), validators=[
        OptionalV(), NumberRange(min=1, max=366, message=_l("Từ 1 đến 366 ngày."))])


def _kind(value) -> str:
    return str(ACCOUNT_KINDS.get(value, value or _("Chưa phân loại")))


def _consent_kind(value) -> str:
    return _("Theo hồ sơ cá nhân") if value == "person" else _("Theo đơn vị")


def _action(value) -> str:
    return str(DELEGATION_ACTIONS.get(value, value))


class SecurityReportView(BaseView):
    """The security assessment report (page and XLSX)."""

    route_base = "/security-report"
    default_view = "index"
    class_permission_name = RESOURCE_SECURITY_REPORT
    method_permission_name = {"index": READ, "export_xlsx": READ}
    base_permissions = ["can_" + READ]

    def _params(self):
        form = ReportForm(request.args, meta={"csrf": False})
        valid = form.validate()
        dormant = (form.dormant_days.data if valid and form.dormant_days.data else
                   report_svc.DEFAULT_DORMANT_DAYS)
        logins = form.login_days.data if valid and form.login_days.data else report_svc.DEFAULT_LOGIN_DAYS
        return form, valid, dormant, logins

    @expose("/")
    @has_access
    def index(self):
        """``?dormant_days=N&login_days=M``."""
        form, valid, dormant, logins = self._params()
        report = report_svc.build(dormant_days=dormant, login_days=logins)
        privileged = db.session.execute(report_svc.privileged_accounts(report.today)).all()
        body = self.render_template(
            "operations/security_report.html", title=_("Báo cáo đánh giá an toàn thông tin"), form=form,
            report=report, privileged=privileged, limit=report_svc.PAGE_LIST_LIMIT, kind=_kind,
            consent_kind=_consent_kind, action=_action, moment=moment,
            xlsx_url=url_for("SecurityReportView.export_xlsx", dormant_days=dormant, login_days=logins))
        return (body, 400) if not valid else body

    @expose("/xlsx")
    @has_access
    def export_xlsx(self):
        """The same figures as a workbook (small: a synchronous download)."""
        _form, _valid, dormant, logins = self._params()
        report = report_svc.build(dormant_days=dormant, login_days=logins)
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        report_svc.write_xlsx(path, report, _xlsx_labels())

        @after_this_request
        def _remove(response):
            try:
                os.remove(path)
            except OSError:
                pass
            return response

        name = f"danh-gia-an-toan-{report.today:%Y%m%d}.xlsx"
        return send_file(path, mimetype=XLSX_MIME, as_attachment=True, download_name=name, max_age=0)


def _xlsx_labels() -> dict:
    return {
        "kind": _kind, "consent_kind": _consent_kind, "delegation_action": _action, "moment": moment,
        "yes": _("Có"),
        "sheet_roles": _("Theo vai trò"),
        "h_roles": [_("Vai trò"), _("Loại tài khoản"), _("Đang hoạt động"), _("Đang bị khoá")],
        "sheet_kinds": _("Theo loại tài khoản"),
        "h_kinds": [_("Loại tài khoản"), _("Tổng số"), _("Đang hoạt động"), _("Đang bị khoá"),
                    _("Ngừng hoạt động")],
        "sheet_dormant": _("Không đăng nhập"),
        "h_dormant": [_("Loại tài khoản"), _("Lâu không đăng nhập"), _("Chưa từng đăng nhập")],
        "sheet_password": _("Mật khẩu mặc định"),
        "h_password": [_("Loại tài khoản"), _("Chưa từng đổi mật khẩu"), _("Được cấp lại, chưa đổi")],
        "sheet_privileged": _("Tài khoản đặc quyền"),
        "h_privileged": [_("Tên đăng nhập"), _("Họ và tên"), _("Loại tài khoản"), _("Vai trò"), _("Đơn vị"),
                         _("Đăng nhập gần nhất"), _("Đang bị khoá")],
        "sheet_logins": _("Đăng nhập sai"),
        "h_logins": [_("Ngày"), _("Đăng nhập sai"), _("Bị khoá"), _("Số tên đăng nhập")],
        "sheet_grants": _("Chấp thuận và ủy quyền"),
        "h_grants": [_("Loại"), _("Đang hiệu lực")],
    }


def register(appbuilder) -> None:
    """The probes (no menu); "Nhật ký" → "Thông báo bảo trì", "Đánh giá an toàn thông tin"."""
    appbuilder.add_view_no_menu(HealthView)
    appbuilder.add_view(MaintenanceView, MENU_MAINTENANCE, label=_l("Thông báo bảo trì"), icon="fa-wrench",
                        category=MENU_AUDIT)
    appbuilder.add_view(SecurityReportView, MENU_SECURITY_REPORT, label=_l("Đánh giá an toàn thông tin"),
                        icon="fa-shield", category=MENU_AUDIT)


def init_maintenance_banner(app) -> None:
    """The banner of every page (``cbccvc_baselayout.html``): ``maintenance_banner()`` is called by the template
    only when the page renders its messages (no cost for JSON answers), and reads the notices at most once per
    ``MAINTENANCE_NOTICE_CACHE_SECONDS`` per process."""

    @app.context_processor
    def _maintenance_banner():
        return {"maintenance_banner": notices.banner}

    @app.template_filter("vn_moment")
    def _vn_moment(value) -> str:
        return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if value else ""
