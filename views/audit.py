"""Audit screens: the change log and the access/security log, scoped to the user's subtree, in Vietnamese.

Both logs grow to millions of rows, so every filter runs in SQL, the newest rows come first and a page
holds 50 rows (one row more is read to know whether a next page exists; nothing counts the whole log).
Sở Nội vụ — whoever may read the audit of the city root with its sub-units — sees every row, including
rows tied to no unit (a failed login under an unknown name); everyone else sees the rows of the units
where the scope function lets them read ``Audit`` (an agency's administrators: their subtree).

A page speaks the reader's language, not the database's: each object is named ("Hồ sơ Nguyễn Văn An",
"Phân quyền Cán bộ TCCB tại Sở Y tế", "Tài khoản annv.syt") from the rows a page mentions, read in bulk
(``app.audit.change_log_objects`` / ``access_log_objects``: one query per object type, never one per row);
the items of a file carry their label from the SYLL registry and every other column a label of
:data:`COLUMN_LABELS`; values are shown as the file page shows them (dates dd/mm/yyyy, code names, yes/no,
times in the user's time zone); events have names (``app.audit.EVENTS``). Values above the reader's level on
a file stay masked (``app.audit.readable_changes``), and a file's name shows only to readers of the name.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from flask import current_app, g
from flask_appbuilder import expose, has_access
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Boolean, Date, DateTime, Numeric, inspect, select
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
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
from views.forms import DateField, VNForm
from views.kit import Column, ListView, Page, paginate

__all__ = [
    "ACTION_LABELS",
    "AccessLogView",
    "COLUMN_LABELS",
    "ChangeLogView",
    "DETAIL_LABELS",
    "EVENT_LABELS",
    "OBJECT_LABELS",
    "column_label",
    "diff_cell",
    "register",
]

#: Security and access events written by ``app.audit.log_access`` / ``log_security`` (``app.audit.EVENTS``).
EVENT_LABELS = audit.EVENTS

#: What a change-log row did.
ACTION_LABELS = {
    "insert": _l("Thêm mới"),
    "update": _l("Sửa"),
    "delete": _l("Xóa"),
}

#: Object types (model class names) as users know them: every audited model and every object of the access log.
OBJECT_LABELS = {
    "Account": _l("Tài khoản"),
    "RoleAssignment": _l("Phân quyền"),
    "ConsentGrant": _l("Văn bản cho phép khai thác"),
    "Delegation": _l("Ủy quyền"),
    "PasswordRequest": _l("Yêu cầu cấp lại mật khẩu"),
    "OrgUnit": _l("Đơn vị"),
    "OrgEvent": _l("Sự kiện cơ cấu tổ chức"),
    "OrgEventUnit": _l("Đơn vị trong sự kiện cơ cấu tổ chức"),
    "WorkdayOverride": _l("Điều chỉnh ngày làm việc"),
    "SigningCredential": _l("Chứng thư số"),
    "Person": _l("Hồ sơ"),
    "ChangeSet": _l("Đề nghị thay đổi hồ sơ"),
    "ApprovalStep": _l("Bước phê duyệt"),
    "ChangeSetDocument": _l("Bản ký số của đề nghị thay đổi"),
    "Transfer": _l("Quyết định điều động, chuyển công tác"),
    "UnitQuota": _l("Quyết định giao biên chế"),
    "JobPosition": _l("Vị trí việc làm"),
    "JobPositionQuota": _l("Quyết định giao số lượng vị trí việc làm"),
    "Attachment": _l("Tài liệu chứng minh"),
    "FileVersion": _l("Phiên bản hồ sơ"),
    "ExportJob": _l("Kết xuất sơ yếu lý lịch"),
    "Compliance": _l("Báo cáo tình hình cập nhật hồ sơ"),
    "Report": _l("Báo cáo thống kê"),
    "TrainingRecord": _l("Đào tạo, bồi dưỡng"),
    "WorkRecord": _l("Quá trình công tác"),
    "HistoryRecord": _l("Lịch sử bản thân"),
    "EvaluationRecord": _l("Khen thưởng, xếp loại"),
    "DisciplineRecord": _l("Kỷ luật"),
    "Relative": _l("Quan hệ gia đình"),
    "SalaryRecord": _l("Quá trình lương"),
    "AllowanceRecord": _l("Phụ cấp khác"),
    "DataIssue": _l("Phản ánh dữ liệu chưa đúng"),
    "QualityReport": _l("Báo cáo chất lượng dữ liệu hằng quý"),
    # issue 18: national sync
    "SyncBatch": _l("Đợt đồng bộ CSDL quốc gia"),
    "SyncManifest": _l("Bảng kê đồng bộ CSDL quốc gia"),
    "SyncItem": _l("Hồ sơ đồng bộ CSDL quốc gia"),
    # issue 20: operations
    "MaintenanceNotice": _l("Thông báo bảo trì"),
}

#: Labels of the columns the SYLL registry does not name (bookkeeping of a file, accounts, units …):
#: object type -> column -> label; ``"*"`` holds the columns many models share.
COLUMN_LABELS: dict[str, dict[str, Any]] = {
    "*": {
        "id": _l("Mã số"),
        "person_id": _l("Hồ sơ"),
        "org_unit_id": _l("Đơn vị"),
        "user_id": _l("Tài khoản"),
        "account_id": _l("Tài khoản"),
        "change_set_id": _l("Đề nghị thay đổi"),
        "created_at": _l("Thời điểm tạo"),
        "updated_at": _l("Thời điểm cập nhật"),
        "created_by_id": _l("Người tạo"),
        "status": _l("Trạng thái"),
        "valid_from": _l("Hiệu lực từ ngày"),
        "valid_to": _l("Hiệu lực đến ngày"),
        "revoked_at": _l("Thời điểm thu hồi"),
        "document_number": _l("Số văn bản"),
        "include_descendants": _l("Gồm các đơn vị trực thuộc"),
        "round": _l("Lần trình"),
        "sha256": _l("Mã kiểm tra SHA-256"),
        "kind": _l("Loại"),
        "position": _l("Thứ tự trong bảng"),
        "note": _l("Ghi chú"),
        "reason": _l("Lý do"),
    },
    "Account": {
        "first_name": _l("Tên"),
        "last_name": _l("Họ và tên đệm"),
        "username": _l("Tên đăng nhập"),
        "password": _l("Mật khẩu"),
        "active": _l("Đang hoạt động"),
        "email": _l("Thư điện tử"),
        "last_login": _l("Lần đăng nhập gần nhất"),
        "login_count": _l("Số lần đăng nhập"),
        "fail_login_count": _l("Số lần đăng nhập sai liên tiếp"),
        "created_on": _l("Ngày tạo"),
        "changed_on": _l("Ngày sửa"),
        "created_by_fk": _l("Người tạo"),
        "changed_by_fk": _l("Người sửa"),
        "org_unit_id": _l("Đơn vị"),
        "kind": _l("Loại tài khoản"),
        "must_change_password": _l("Phải đổi mật khẩu mặc định"),
        "locked_at": _l("Thời điểm khóa"),
        "password_changed_at": _l("Thời điểm đổi mật khẩu"),
        "session_epoch": _l("Số lần chấm dứt mọi phiên đăng nhập"),
    },
    "RoleAssignment": {
        "role_id": _l("Vai trò"),
        "org_unit_id": _l("Tại đơn vị"),
        "granted_by_id": _l("Người cấp"),
        "request_number": _l("Số văn bản đề nghị"),
        "revoked_by_id": _l("Người thu hồi"),
    },
    "ConsentGrant": {
        "grantee_id": _l("Người được khai thác"),
        "purpose": _l("Mục đích khai thác"),
        "granted_by_id": _l("Người cho phép"),
    },
    "Delegation": {
        "delegator_id": _l("Người ủy quyền"),
        "delegate_id": _l("Người được ủy quyền"),
        "action": _l("Nội dung ủy quyền"),
    },
    "PasswordRequest": {
        "username": _l("Tên đăng nhập"),
        "contact": _l("Thông tin liên hệ"),
        "resolved_at": _l("Thời điểm giải quyết"),
        "resolved_by_id": _l("Người giải quyết"),
        "document_number": _l("Số văn bản báo mất"),
    },
    "OrgUnit": {
        "name": _l("Tên đơn vị"),
        "short_name": _l("Tên viết tắt"),
        "unit_type": _l("Loại đơn vị"),
        "level": _l("Cấp trong cây tổ chức"),
        "parent_id": _l("Đơn vị cấp trên"),
        "path": _l("Vị trí trong cây tổ chức"),
        "search_key": _l("Từ khóa tìm kiếm"),
        "ma_dinh_danh": _l("Mã định danh"),
        "bien_che_quota": _l("Chỉ tiêu biên chế"),
        "address": _l("Địa chỉ"),
        "valid_from": _l("Hoạt động từ ngày"),
        "valid_to": _l("Hoạt động đến ngày"),
        "successor_id": _l("Đơn vị kế thừa"),
    },
    "WorkdayOverride": {
        "day": _l("Ngày"),
        "kind": _l("Thành ngày"),
        "reason": _l("Lý do, văn bản thông báo"),
    },
    "SigningCredential": {
        "kind": _l("Loại chứng thư số"),
        "label": _l("Tên gọi"),
        "subject": _l("Chủ thể"),
        "issuer": _l("Tổ chức cấp"),
        "serial": _l("Số hiệu"),
        "not_before": _l("Có hiệu lực từ"),
        "not_after": _l("Hết hiệu lực lúc"),
        "fingerprint": _l("Dấu vân tay SHA-256"),
        "certificate": _l("Chứng thư số (tệp DER)"),
        "pkcs12": _l("Tệp chứng thư số PKCS#12"),
        "pkcs11_module": _l("Thư viện của thiết bị ký số"),
        "pkcs11_token": _l("Tên thiết bị ký số"),
        "pkcs11_key": _l("Tên khóa trên thiết bị ký số"),
        "active": _l("Đang dùng"),
        "replaced_at": _l("Thời điểm được thay thế"),
    },
    "Person": {
        "account_id": _l("Tài khoản cá nhân"),
        "category": _l("Đối tượng"),
        "status": _l("Tình trạng công tác"),
        "status_since": _l("Tình trạng từ ngày"),
        "status_decision": _l("Quyết định về tình trạng công tác"),
        "btv_managed": _l("Thuộc diện Ban Thường vụ Thành ủy quản lý"),
        "version_no": _l("Số phiên bản đã duyệt"),
        "completeness": _l("Mức độ đầy đủ của hồ sơ (%)"),
        "decision_date": _l("Ngày quyết định tuyển dụng, phê chuẩn hoặc ký hợp đồng"),
    },
    "ChangeSet": {
        "base_version_no": _l("Lập từ phiên bản"),
        "created_by_id": _l("Người lập"),
        "on_behalf": _l("Cán bộ nhập thay"),
        "note": _l("Nội dung đề nghị"),
        "submitted_at": _l("Thời điểm trình"),
        "submitted_by_id": _l("Người trình"),
        "decided_at": _l("Thời điểm quyết định"),
        "decided_by_id": _l("Người quyết định"),
        "decision_comment": _l("Ý kiến khi quyết định"),
        "version_id": _l("Phiên bản được tạo"),
        "chain": _l("Quy trình phê duyệt"),
        "signed_at": _l("Thời điểm ký"),
        "due_date": _l("Hạn phê duyệt"),
        "change_date": _l("Ngày phát sinh thay đổi"),
        "update_due": _l("Hạn cập nhật hồ sơ"),
    },
    "ApprovalStep": {
        "seq": _l("Thứ tự bước"),
        "key": _l("Bước"),
        "authority": _l("Thẩm quyền"),
        "signature_required": _l("Cần ký số"),
        "window_start": _l("Bắt đầu thời gian thực hiện"),
        "due_date": _l("Hạn xử lý"),
        "started_at": _l("Thời điểm bắt đầu"),
        "acted_at": _l("Thời điểm xử lý"),
        "actor_id": _l("Người xử lý"),
        "on_behalf_of_id": _l("Xử lý theo ủy quyền của"),
        "comment": _l("Ý kiến"),
        "signature_ref": _l("Chữ ký số"),
    },
    "ChangeSetDocument": {
        "content": _l("Tệp PDF đã ký"),
        "signed_fields": _l("Các chữ ký đã có"),
    },
    "Transfer": {
        "kind": _l("Loại quyết định"),
        "status": _l("Tình trạng"),
        "from_unit_id": _l("Từ đơn vị"),
        "to_unit_id": _l("Đến đơn vị"),
        "external_place": _l("Nơi đến hoặc nơi đi ngoài thành phố"),
        "leave_status": _l("Lý do thôi công tác"),
        "new_title": _l("Chức danh mới"),
        "decision_number": _l("Số quyết định"),
        "decision_date": _l("Ngày ký quyết định"),
        "decision_signer": _l("Người ký"),
        "effective_date": _l("Ngày có hiệu lực"),
        "handover_date": _l("Ngày nhận bàn giao"),
        "attachment_id": _l("Bản chụp quyết định"),
        "due_date": _l("Hạn hoàn thành"),
        "note": _l("Ghi chú"),
        "version_id": _l("Phiên bản hồ sơ"),
        "access_revoked_at": _l("Thời điểm thu hồi quyền truy cập"),
        "recorded_by_id": _l("Người ghi nhận"),
        "recorded_at": _l("Thời điểm ghi nhận"),
        "moved_by_id": _l("Người chuyển hồ sơ"),
        "moved_at": _l("Thời điểm chuyển hồ sơ"),
        "completed_by_id": _l("Người hoàn tất"),
        "completed_at": _l("Thời điểm hoàn tất"),
        "cancelled_by_id": _l("Người hủy"),
        "cancelled_at": _l("Thời điểm hủy"),
        "cancel_reason": _l("Lý do hủy"),
    },
    "UnitQuota": {
        "year": _l("Năm"),
        "kind": _l("Loại biên chế"),
        "quota": _l("Biên chế được giao"),
        "decision_number": _l("Số quyết định"),
        "decision_date": _l("Ngày quyết định"),
    },
    "JobPosition": {
        "code": _l("Mã vị trí việc làm"),
        "name": _l("Tên vị trí việc làm"),
        "group": _l("Nhóm vị trí việc làm"),
        "rank_code": _l("Ngạch, chức danh nghề nghiệp yêu cầu"),
        "org_unit_id": _l("Thuộc danh mục riêng của cơ quan"),
        "active": _l("Đang sử dụng"),
    },
    "JobPositionQuota": {
        "job_position_id": _l("Vị trí việc làm"),
        "count": _l("Số lượng được duyệt"),
        "decision_number": _l("Số quyết định"),
        "decision_date": _l("Ngày quyết định"),
    },
    "DataIssue": {
        "section": _l("Mục của hồ sơ"),
        "field": _l("Trường của mục"),
        "description": _l("Nội dung phản ánh"),
        "reported_by_id": _l("Người báo"),
        "reported_at": _l("Thời điểm báo"),
        "resolution": _l("Kết quả xử lý"),
        "resolved_by_id": _l("Người xử lý"),
        "resolved_at": _l("Thời điểm xử lý"),
    },
    "QualityReport": {
        "year": _l("Năm"),
        "quarter": _l("Quý"),
        "due_date": _l("Hạn gửi"),
        "figures": _l("Số liệu"),
        "sha256": _l("Mã kiểm tra SHA-256"),
        "signed_by_id": _l("Người ký"),
        "submitted_at": _l("Thời điểm gửi Sở Nội vụ"),
    },
    "MaintenanceNotice": {
        "starts_at": _l("Bắt đầu bảo trì"),
        "ends_at": _l("Kết thúc bảo trì"),
        "message": _l("Nội dung thông báo"),
        "cancelled_at": _l("Thời điểm hủy"),
        "cancelled_by_id": _l("Người hủy"),
    },
    "SyncBatch": {
        "agency_unit_id": _l("Cơ quan gửi"),
        "kind": _l("Hình thức gửi"),
        "period": _l("Tháng"),
        "batch_key": _l("Mã đợt"),
        "state": _l("Tình trạng"),
        "record_count": _l("Số hồ sơ"),
        "accepted_count": _l("Số hồ sơ được tiếp nhận"),
        "rejected_count": _l("Số hồ sơ bị từ chối"),
        "submitted_by_id": _l("Người trình"),
        "submitted_at": _l("Thời điểm trình"),
        "submitted_for_id": _l("Trình theo ủy quyền của"),
        "approved_by_id": _l("Người phê duyệt"),
        "approved_at": _l("Thời điểm phê duyệt"),
        "returned_by_id": _l("Người trả lại"),
        "return_reason": _l("Lý do trả lại"),
        "manifest_id": _l("Bảng kê"),
        "national_batch_id": _l("Mã tiếp nhận của CSDL quốc gia"),
        "retry_at": _l("Gửi lại lúc"),
        "retries": _l("Số lần gửi lại"),
        "total": _l("Số hồ sơ cần gửi"),
        "done": _l("Số hồ sơ đã có kết quả"),
        "error": _l("Lỗi"),
        "queue_job_id": _l("Mã việc nền"),
        "started_at": _l("Thời điểm bắt đầu gửi"),
        "finished_at": _l("Thời điểm kết thúc gửi"),
        "heartbeat_at": _l("Lần cập nhật tiến độ gần nhất"),
        "attempts": _l("Số lần chạy"),
        "lease_token": _l("Mã phiên chạy"),
    },
    "SyncManifest": {
        "signed": _l("Đã ký số"),
        "approved_by_id": _l("Người phê duyệt"),
        "batch_count": _l("Số đợt"),
        "record_count": _l("Số hồ sơ"),
    },
    "Attachment": {
        "kind": _l("Loại tài liệu"),
        "section": _l("Mục của hồ sơ"),
        "description": _l("Mô tả"),
        "original_name": _l("Tên tệp"),
        "stored_name": _l("Tên tệp lưu trữ"),
        "mime_type": _l("Định dạng tệp"),
        "size": _l("Dung lượng (byte)"),
        "uploaded_by_id": _l("Người tải lên"),
        "uploaded_at": _l("Thời điểm tải lên"),
    },
    "TrainingRecord": {"kind": _l("Mục")},
    "HistoryRecord": {"kind": _l("Mục")},
    "Relative": {"side": _l("Mục")},
}

#: Columns whose values say nothing to a reader (derived search keys, blind indexes of identity numbers — the
#: number's own row says it changed —, a tree path of ids, the rule ids of a deadline): left out of the
#: before/after table.
HIDDEN_COLUMNS = {"search_key", "sort_key", "cccd_index", "old_id_index", "path", "rule", "deadline_rule",
                  "cccd_birth_digits", "pdf"}

#: Keys of the access log's ``detail``: key -> label; ``(event, key)`` when an event uses a key its own way.
DETAIL_LABELS: dict[Any, Any] = {
    "account": _l("Tài khoản"),
    "action": _l("Nội dung ủy quyền"),
    "allowed": _l("Được phép tìm"),
    "assignment": _l("Phân quyền"),
    "attachment": _l("Tài liệu chứng minh"),
    "by": _l("Người thực hiện"),
    "consent": _l("Theo văn bản cho phép khai thác"),
    "count": _l("Số lượng"),
    "day": _l("Ngày báo cáo"),
    "depth": _l("Số cấp đơn vị hiển thị"),
    "format": _l("Định dạng tệp"),
    "report": _l("Báo cáo"),
    "delegation": _l("Ủy quyền"),
    "export_id": _l("Lần kết xuất"),
    "failures": _l("Số lần đăng nhập sai"),
    "file": _l("Tệp"),
    "files": _l("Số tệp"),
    "fingerprint": _l("Dấu vân tay của chứng thư"),
    "from": _l("Từ"),
    "grant": _l("Văn bản cho phép khai thác"),
    "grantee": _l("Người được khai thác"),
    "ids": _l("Các dòng được chọn"),
    "index": _l("Chỉ mục tra cứu (không lưu số)"),
    "kind": _l("Loại số"),
    "matches": _l("Số hồ sơ tìm thấy"),
    "method": _l("Cách truy cập"),
    "pages": _l("Số trang"),
    "person": _l("Hồ sơ"),
    "person_ids": _l("Các hồ sơ"),
    "rate_limited": _l("Vượt giới hạn số lần tìm"),
    "reason": _l("Lý do"),
    "request": _l("Số văn bản đề nghị"),
    "role": _l("Vai trò"),
    "round": _l("Lần gửi"),
    "serial": _l("Số hiệu chứng thư"),
    "sha256": _l("Mã kiểm tra SHA-256"),
    "signatures": _l("Số chữ ký"),
    "signed_field": _l("Đã ký vào ô"),
    "sort": _l("Sắp xếp theo"),
    "status": _l("Mã trả lời"),
    "subject": _l("Chủ thể chứng thư"),
    "to": _l("Đến"),
    "unit": _l("Đơn vị"),
    "username": _l("Tên đăng nhập"),
    "valid": _l("Mọi chữ ký hợp lệ"),
    "version_no": _l("Phiên bản"),
    "via": _l("Thực hiện qua"),
    "view": _l("Màn hình"),
    "what": _l("Thao tác bị từ chối"),
    ("password_request", "request"): _l("Số yêu cầu"),
    ("account_renamed", "from"): _l("Tên đăng nhập cũ"),
    ("account_renamed", "to"): _l("Tên đăng nhập mới"),
    ("delegated", "to"): _l("Người được ủy quyền"),
}

#: What a refusal (``denied``) was about: the ``what`` of its detail.
DENIED_WHAT = {
    "org_write": _l("Điều chỉnh cơ cấu tổ chức"),
    "manage_accounts": _l("Quản lý tài khoản của đơn vị"),
    "manage_account": _l("Quản lý một tài khoản"),
    "take_over": _l("Quản lý tài khoản có vai trò cao hơn"),
    "grant": _l("Cấp vai trò"),
    "consent": _l("Cho phép khai thác dữ liệu"),
    "delegate": _l("Ủy quyền"),
    "attachment": _l("Mở tài liệu chứng minh"),
    "signed_syll": _l("Mở sơ yếu lý lịch đã ký số"),
    "action": _l("Thao tác trên các dòng đã chọn"),
}

#: Why a signature was refused (``sign_refused``).
SIGN_REFUSALS = {
    "no_certificate": _l("Chưa có chứng thư số"),
    "none": _l("Chưa có chứng thư số"),
    "revoked": _l("Chứng thư số đã bị thu hồi"),
    "invalid": _l("Chứng thư số không hợp lệ (hết hạn, chưa có hiệu lực hoặc không dùng để ký)"),
    "no_passphrase": _l("Chưa nhập mật khẩu của chứng thư số"),
    "wrong_passphrase": _l("Sai mật khẩu của chứng thư số"),
    "mismatch": _l("Tệp chứng thư số không khớp chứng thư đã đăng ký"),
    "no_pin": _l("Chưa nhập mã PIN"),
    "wrong_pin": _l("Sai mã PIN"),
    "pin_locked": _l("Thiết bị ký số bị khóa mã PIN"),
    "no_token": _l("Không kết nối được thiết bị ký số"),
}

#: The signature fields of the printed Sơ yếu lý lịch (``app.pdf.syll.SIGNATURE_FIELDS``).
SIGNATURE_FIELD_LABELS = {
    "NguoiKhai": _l("Người khai"),
    "CanBoTCCB": _l("Cán bộ tổ chức cán bộ"),
    "ThuTruong": _l("Thủ trưởng cơ quan"),
    "DauCoQuan": _l("Dấu của cơ quan"),
}

#: Precision of a partial date (``<item>_precision``).
PRECISION_LABELS = {"day": _l("đủ ngày, tháng, năm"), "month": _l("tháng và năm"), "year": _l("chỉ có năm")}

#: How a request reached a refused URL.
METHOD_LABELS = {"GET": _l("Mở trang"), "POST": _l("Gửi biểu mẫu")}

#: HTTP answers of a refused request.
STATUS_CODES = {403: _l("không có quyền"), 404: _l("không tìm thấy")}

#: The labels of the legacy change-log rows that only counted a login.
LOGIN_ONLY_LABEL = _l("Ghi nhận đăng nhập")


# --------------------------------------------------------------------------- display helpers


def show_value(value: Any) -> str:
    """A value as text when nothing more is known of it: "—" for nothing, có/không for booleans, lists and
    structures as "a, b" / "a: b" (never Python's or JSON's notation)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, list | tuple):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show_value(v)}" for k, v in value.items())
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return str(value)


def _local(value: datetime) -> datetime:
    """An aware time (a naive one was written in the server's local time)."""
    return value if value.tzinfo is not None else value.astimezone()


def when(value: datetime | None) -> str:
    """A logged time in the user's time zone (Asia/Ho_Chi_Minh by default), dd/mm/yyyy HH:mm:ss."""
    return format_datetime(_local(value), "dd/MM/yyyy HH:mm:ss") if value else ""


def _time_tag(iso: str, text: str) -> Markup:
    """A shown date or time with its stored value as the machine-readable ``datetime`` of a ``<time>``."""
    return Markup('<time datetime="%s">%s</time>') % (iso, text)


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


# --------------------------------------------------------------------------- registry of column labels and kinds


_REGISTRY: dict[str, Any] = {}


def _registry() -> dict[str, Any]:
    """From the SYLL registry, once: (object type, column) -> [(section, field)], and the column order of each
    audited model (the form's order for a file)."""
    if not _REGISTRY:
        from app.services.personnel.syll import SECTIONS
        from models.personnel import SECTION_MODELS

        fields: dict[tuple[str, str], list] = {}
        for sec in SECTIONS:
            object_type = "Person" if sec.table is None else SECTION_MODELS[sec.table].__name__
            for f in sec.fields:
                fields.setdefault((object_type, f.name), []).append((sec, f))
        order = {}
        for name in audited_types():
            order[name] = {attr.key: i for i, attr in enumerate(inspect(audit.model_class(name)).column_attrs)}
        _REGISTRY.update(fields=fields, order=order)
    return _REGISTRY


def _discriminator(object_type: str, values: dict | None, record: dict | None) -> dict:
    """The fixed values (``kind``, ``side``) of a section row, from its logged values or its live row."""
    out = {}
    for key in ("kind", "side"):
        value = (values or {}).get(key)
        if value is None and record is not None:
            value = record.get(key)
        if value is not None:
            out[key] = value
    return out


def _section_field(object_type: str, column: str, fixed: dict):
    """(section, field) of the registry storing ``column`` of ``object_type``: the section whose fixed values
    match the row's; when they are unknown, the first section declaring it."""
    found = _registry()["fields"].get((object_type, column))
    if not found:
        return None
    for sec, f in found:
        if sec.fixed and all(fixed.get(k) == v for k, v in sec.fixed.items()):
            return sec, f
    return found[0]


def _section_of(object_type: str, fixed: dict):
    """The registry section a section row of ``object_type`` with these fixed values belongs to (or None)."""
    from app.services.personnel.syll import SECTIONS
    from models.personnel import SECTION_MODELS

    candidates = [s for s in SECTIONS if s.table and SECTION_MODELS[s.table].__name__ == object_type]
    if len(candidates) == 1:
        return candidates[0]
    for sec in candidates:
        if sec.fixed and all(fixed.get(k) == v for k, v in sec.fixed.items()):
            return sec
    return None


def _ambiguous(object_type: str, column: str) -> bool:
    labels = {str(f.label) for _s, f in _registry()["fields"].get((object_type, column), ())}
    return len(labels) > 1


#: Labels of a section table's column whose label depends on the section, when the row's section is unknown.
_GENERIC_LABELS = {"level": _l("Văn bằng, trình độ"), "description": _l("Nội dung")}


def column_label(object_type: str, column: str, fixed: dict | None = None) -> str:
    """The label of a logged column: the registry's for a form item (its section chosen by ``fixed``), else
    :data:`COLUMN_LABELS`, else a readable stand-in naming the column (a column dropped since)."""
    fixed = fixed or {}
    if column.endswith("_precision"):
        base = column.removesuffix("_precision")
        found = _section_field(object_type, base, fixed)
        if found is not None:
            return _("%(label)s (độ chính xác)", label=found[1].label)
    found = _section_field(object_type, column, fixed)
    if found is not None:
        sec, f = found
        if _ambiguous(object_type, column) and not (sec.fixed and all(fixed.get(k) == v
                                                                    for k, v in sec.fixed.items())):
            return str(_GENERIC_LABELS.get(column, f.label))
        return str(f.label)
    for key in (object_type, "*"):
        label = COLUMN_LABELS.get(key, {}).get(column)
        if label is not None:
            return str(label)
    return _("Mục khác (%(name)s)", name=column)


def _column_type(object_type: str, column: str):
    model = audit.model_class(object_type)
    if model is None:
        return None
    col = inspect(model).columns.get(column)
    return None if col is None else col.type


def _enum_labels(object_type: str, column: str) -> dict | None:
    """Code -> label of the columns holding a code of the app (statuses, kinds, actions)."""
    from app.services.personnel.people import CATEGORIES, STATUSES
    from app.services.staffing import GROUP_LABELS as POSITION_GROUPS
    from app.services.staffing import KIND_LABELS as QUOTA_KINDS
    from app.services.transfers.states import KIND_LABELS as MOVE_KINDS
    from app.services.transfers.states import STATUS_LABELS as MOVE_STATUSES
    from app.workflow import STATUS_LABELS
    from models.accounts import ACCOUNT_KINDS, DELEGATION_ACTIONS
    from models.national_sync import BATCH_KINDS, BATCH_STATES
    from models.org_units import UNIT_STATUSES, UNIT_TYPES
    from models.signing import CREDENTIAL_KINDS
    from models.workdays import OVERRIDE_KINDS
    from views.personnel.changes import STEP_STATUS_LABELS

    return {
        ("Account", "kind"): ACCOUNT_KINDS,
        ("Delegation", "action"): DELEGATION_ACTIONS,
        ("OrgUnit", "unit_type"): UNIT_TYPES,
        ("OrgUnit", "status"): UNIT_STATUSES,
        ("WorkdayOverride", "kind"): OVERRIDE_KINDS,
        ("SigningCredential", "kind"): CREDENTIAL_KINDS,
        ("ChangeSet", "status"): STATUS_LABELS,
        ("ApprovalStep", "status"): STEP_STATUS_LABELS,
        ("Person", "category"): CATEGORIES,
        ("Person", "status"): STATUSES,
        ("Transfer", "kind"): MOVE_KINDS,
        ("Transfer", "status"): MOVE_STATUSES,
        ("Transfer", "leave_status"): STATUSES,
        ("UnitQuota", "kind"): QUOTA_KINDS,
        ("JobPosition", "group"): POSITION_GROUPS,
        ("PasswordRequest", "status"): {"open": _l("Chờ giải quyết"), "resolved": _l("Đã giải quyết")},
        ("SyncBatch", "state"): BATCH_STATES,
        ("SyncBatch", "kind"): BATCH_KINDS,
    }.get((object_type, column))


# --------------------------------------------------------------------------- names of objects


class Namer:
    """Names of the objects a log page mentions, from the rows ``app.audit`` read in bulk (no query here but
    the code lists' and the city profile's, both cached)."""

    def __init__(self, objects: audit.LogObjects):
        self.objects = objects

    def _record(self, object_type, object_id) -> dict | None:
        return self.objects.get(object_type, object_id)

    def account(self, ident) -> str:
        rec = self._record("Account", ident)
        return rec["username"] if rec and rec.get("username") else "#%s" % ident

    def account_person(self, ident) -> str:
        """An account's holder in Vietnamese order ("" when unknown)."""
        rec = self._record("Account", ident)
        return " ".join(x for x in (rec.get("last_name"), rec.get("first_name")) if x) if rec else ""

    def unit(self, ident) -> str:
        rec = self._record("OrgUnit", ident)
        return rec["name"] if rec and rec.get("name") else _("đơn vị #%(id)s", id=ident)

    def role(self, ident) -> str:
        rec = self._record("Role", ident)
        return rec["name"] if rec and rec.get("name") else _("vai trò #%(id)s", id=ident)

    def person(self, ident) -> str:
        """"Hồ sơ Nguyễn Văn An" — the name only to readers of the name items on that file."""
        from app.services.personnel.syll import section

        rec = self._record("Person", ident)
        sec = section("identity")
        name_level = max(sec.field(n).level for n in ("family_name", "middle_name", "given_name"))
        if rec and self.objects.level(ident) >= name_level:
            name = " ".join(rec.get(n) or "" for n in ("family_name", "middle_name", "given_name")).split()
            if name:
                return _("Hồ sơ %(name)s", name=" ".join(name))
        return _("Hồ sơ #%(id)s", id=ident)

    def name(self, object_type: str | None, object_id, person_id=None) -> tuple[str, str | None]:
        """(name, a second line or None) of one object; ``person_id``: the file a change-log row's object
        belongs to, when known without the object (``visibility.person_ids_for_log``)."""
        if object_id is None:
            return str(OBJECT_LABELS.get(object_type or "", _("Đối tượng khác"))), None
        rec = self._record(object_type, object_id) or {}
        pid = person_id if person_id is not None else rec.get("person_id")
        of_file = self.person(pid) if pid is not None else None
        ident = object_id
        if object_type == "Person":
            return self.person(ident), None
        if object_type == "Account":
            return _("Tài khoản %(name)s", name=self.account(ident)), self.account_person(ident) or None
        if object_type == "OrgUnit":
            return _("Đơn vị %(name)s", name=self.unit(ident)), None
        if object_type == "RoleAssignment" and rec:
            return (_("Phân quyền %(role)s tại %(unit)s", role=self.role(rec.get("role_id")),
                      unit=self.unit(rec.get("org_unit_id"))),
                    _("Tài khoản %(name)s", name=self.account(rec.get("user_id"))))
        if object_type == "ConsentGrant" and rec:
            where = self.person(rec["person_id"]) if rec.get("person_id") else self.unit(rec.get("org_unit_id"))
            return (_("Văn bản cho phép khai thác %(number)s: %(where)s", number=rec.get("document_number") or "",
                      where=where),
                    _("Cho tài khoản %(name)s", name=self.account(rec.get("grantee_id"))))
        if object_type == "Delegation" and rec:
            from models.accounts import DELEGATION_ACTIONS

            action = DELEGATION_ACTIONS.get(rec.get("action"), rec.get("action") or "")
            return (_("Ủy quyền %(action)s tại %(unit)s", action=str(action).lower(),
                      unit=self.unit(rec.get("org_unit_id"))),
                    _("Cho tài khoản %(name)s", name=self.account(rec.get("delegate_id"))))
        if object_type == "PasswordRequest" and rec:
            name = self.account(rec["user_id"]) if rec.get("user_id") else rec.get("username") or "—"
            return _("Yêu cầu cấp lại mật khẩu của %(name)s", name=name), None
        if object_type == "SigningCredential" and rec:
            return _("Chứng thư số của tài khoản %(name)s", name=self.account(rec.get("account_id"))), None
        if object_type == "WorkdayOverride" and rec and rec.get("day"):
            day = rec["day"] if isinstance(rec["day"], date) else date.fromisoformat(str(rec["day"]))
            return _("Điều chỉnh ngày làm việc %(day)s", day=day.strftime("%d/%m/%Y")), None
        if object_type == "ExportJob":
            unit = self.unit(rec["org_unit_id"]) if rec.get("org_unit_id") else None
            return (_("Kết xuất sơ yếu lý lịch số %(id)s", id=ident),
                    _("Đơn vị %(name)s", name=unit) if unit else None)
        if object_type == "UnitQuota" and rec:
            from app.services.staffing import KIND_LABELS

            return (_("%(kind)s năm %(year)s của %(unit)s", kind=KIND_LABELS.get(rec.get("kind"), rec.get("kind")),
                      year=rec.get("year"), unit=self.unit(rec.get("org_unit_id"))),
                    _("Quyết định số %(number)s", number=rec.get("decision_number") or ""))
        if object_type == "JobPosition" and rec:
            return (_("Vị trí việc làm %(code)s %(name)s", code=rec.get("code") or "", name=rec.get("name") or ""),
                    _("Danh mục riêng của %(unit)s", unit=self.unit(rec["org_unit_id"])) if rec.get("org_unit_id")
                    else _("Danh mục chung của thành phố"))
        if object_type == "JobPositionQuota" and rec:
            position = self._record("JobPosition", rec.get("job_position_id")) or {}
            return (_("Số lượng vị trí %(code)s %(name)s tại %(unit)s", code=position.get("code") or "",
                      name=position.get("name") or "", unit=self.unit(rec.get("org_unit_id"))),
                    _("Quyết định số %(number)s", number=rec.get("decision_number") or ""))
        if object_type == "Compliance":
            return _("Báo cáo tình hình cập nhật hồ sơ của %(unit)s", unit=self.unit(ident)), None
        if object_type == "Report":
            from app.services.reports.bm02 import KINDS

            kind = KINDS.get(str(ident))
            return str(kind.title if kind is not None else OBJECT_LABELS["Report"]), None
        if object_type in ("ApprovalStep", "ChangeSetDocument") and rec:
            cs = self._record("ChangeSet", rec.get("change_set_id")) or {}
            file = self.person(cs["person_id"]) if cs.get("person_id") is not None else of_file
            if object_type == "ApprovalStep":
                return (_("Bước “%(step)s” của đề nghị thay đổi số %(id)s", step=_step_label(cs, rec),
                          id=rec.get("change_set_id")), file)
            return _("Bản ký số của đề nghị thay đổi số %(id)s", id=rec.get("change_set_id")), file
        if object_type == "ChangeSet":
            return _("Đề nghị thay đổi số %(id)s", id=ident), of_file
        if object_type == "FileVersion" and rec:
            return _("Phiên bản %(no)s", no=rec.get("version_no")), of_file
        if object_type == "Attachment":
            return str(OBJECT_LABELS["Attachment"]), of_file
        if object_type in OBJECT_LABELS and of_file is not None:
            sec = _section_of(object_type, _discriminator(object_type, None, rec))
            return str(sec.label if sec is not None else OBJECT_LABELS[object_type]), of_file
        label = OBJECT_LABELS.get(object_type or "", _("Đối tượng khác"))
        return (("%s #%s" % (label, ident)) if ident is not None else str(label)), None


def _step_label(cs: dict, step: dict) -> str:
    """A step's label from the chain of its change set (the key when the chain is not the city's)."""
    from app.workflow import step_label

    try:
        return step_label(SimpleNamespace(chain=cs.get("chain")), SimpleNamespace(seq=step.get("seq"),
                                                                                  key=step.get("key")))
    except (KeyError, IndexError, TypeError):
        return str(step.get("key") or "")


def _profile_label(kind: str, key) -> str | None:
    from app.profiles import active_profile

    profile = active_profile()
    item = (profile.chains if kind == "chain" else profile.authorities).get(key)
    return str(item.label) if item is not None else None


# --------------------------------------------------------------------------- values


def value_cell(namer: Namer, object_type: str, column: str, value: Any, side: dict, fixed: dict,
               context: dict | None = None) -> Any:
    """One logged value as the file page or the list would show it (text, or ``Markup`` for a ``<time>``);
    ``side``: the other values of the same side (a date's precision), ``context``: everything known of the
    object (its live row and both sides: a step's chain)."""
    from app.services.personnel import values as file_values

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value == "***" and column in audit.hidden_columns(object_type):
        return _("(đã thay đổi; nội dung không ghi vào nhật ký)")
    if column.endswith("_precision") and value in PRECISION_LABELS:
        return str(PRECISION_LABELS[value])
    found = _section_field(object_type, column, fixed)
    if found is not None:
        f = found[1]
        try:
            text = file_values.display(f, value, side.get(f"{column}_precision"))
        except (TypeError, ValueError, AttributeError, InvalidOperation):
            return show_value(value)
        if f.type in ("date", "pdate") and isinstance(value, str):
            return _time_tag(value, text)
        return text if text != "" else "—"
    target = audit.references(object_type).get(column)
    if target is not None:
        if target == "Account":
            return namer.account(value)
        if target == "OrgUnit":
            return namer.unit(value)
        if target == "Role":
            return namer.role(value)
        if target == "Person":
            return namer.person(value)
        if target == "ChangeSet":
            return _("Đề nghị thay đổi số %(id)s", id=value)
        return namer.name(target, value)[0]
    labels = _enum_labels(object_type, column)
    if labels is not None:
        return str(labels.get(value, value))
    special = _special_value(namer, object_type, column, value, fixed, context or side)
    if special is not None:
        return special
    kind = _column_type(object_type, column)
    if isinstance(kind, Boolean) or isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(kind, DateTime) and isinstance(value, str):
        try:
            return _time_tag(value, when(datetime.fromisoformat(value)))
        except ValueError:
            return value
    if isinstance(kind, Date) and isinstance(value, str):
        try:
            return _time_tag(value, date.fromisoformat(value).strftime("%d/%m/%Y"))
        except ValueError:
            return value
    if isinstance(kind, Numeric):
        return str(value).replace(".", ",")
    return show_value(value)


def _special_value(namer: Namer, object_type: str, column: str, value, fixed: dict, context: dict):
    """Values that need more than a label dict: section discriminators, attachment kinds, chains, steps."""
    from app.services import code_lists

    if object_type in ("TrainingRecord", "HistoryRecord", "Relative") and column in ("kind", "side"):
        sec = _section_of(object_type, {column: value})
        return str(sec.label) if sec is not None else str(value)
    if object_type == "Attachment" and column == "kind":
        return code_lists.label("attachment_kind", value)
    if object_type == "JobPosition" and column == "rank_code":
        return f"{code_lists.label('rank', value)} ({value})"
    if object_type == "Attachment" and column == "section":
        from app.services.personnel.syll import section

        try:
            return str(section(value).label)
        except KeyError:
            return str(value)
    if object_type == "ChangeSet" and column == "chain":
        return _profile_label("chain", value) or str(value)
    if object_type == "ApprovalStep" and column == "authority":
        return _profile_label("authority", value) or str(value)
    if object_type == "ApprovalStep" and column == "key":
        cs = namer.objects.get("ChangeSet", context.get("change_set_id")) or {}
        return _step_label(cs, {"seq": context.get("seq"), "key": value})
    if object_type == "ApprovalStep" and column == "seq" and isinstance(value, int):
        return str(value + 1)
    if object_type == "ChangeSetDocument" and column == "signed_fields":
        return ", ".join(str(SIGNATURE_FIELD_LABELS.get(v, v)) for v in str(value).split(",") if v) or "—"
    return None


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
        named = [(name, str(OBJECT_LABELS.get(name, name))) for name in audited_types()]
        self.object_type.choices = [("", _("Tất cả"))] + sorted(named, key=lambda c: c[1])


def event_choices() -> list[SelectChoice]:
    """The access log's events for its filter, each under (``<optgroup>``) the first group naming it."""
    seen: set[str] = set()
    out = [SelectChoice("", _("Tất cả"))]
    for label, events in audit.EVENT_GROUPS.values():
        out += [SelectChoice(e, str(audit.EVENTS[e]), optgroup=str(label)) for e in events if e not in seen]
        seen.update(events)
    out += [SelectChoice(e, str(label), optgroup=_("Sự kiện khác")) for e, label in audit.EVENTS.items()
            if e not in seen]
    return out


class AccessFilterForm(_LogFilterForm):
    """Access-log filters: a group of events (all prints, all exports …) or one event."""

    group = SelectField(_l("Nhóm sự kiện"), choices=[], validate_choice=False)
    event = SelectField(_l("Sự kiện"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [("", _("Tất cả"))] + [(k, str(label)) for k, (label, _e) in audit.EVENT_GROUPS.items()]
        self.event.choices = event_choices()


def audited_types() -> list[str]:
    """Class names of the audited models (bounded: read from the mappers, never from the log)."""
    names = {m.class_.__name__ for m in ChangeLog.registry.mappers if getattr(m.class_, "__audited__", False)}
    return sorted(names)


# --------------------------------------------------------------------------- cells


def _object_cell(name: str, object_id, note: str | None = None) -> Markup:
    """An object's name, its id (muted, unless the name already ends with it) and a second line."""
    shown = object_id is not None and not str(name).endswith(f"#{object_id}")
    text = Markup('%s <span class="text-muted">#%s</span>') % (name, object_id) if shown else escape(name)
    if note:
        text += Markup("<br><small>%s</small>") % note
    return text


def _user_cell(namer: Namer, user_id, user_name) -> Markup:
    if not user_name:
        return Markup('<span class="text-muted">%s</span>') % _("(hệ thống)")
    person = namer.account_person(user_id) if user_id is not None else ""
    return escape(user_name) + (Markup('<br><small class="text-muted">%s</small>') % person if person else "")


def diff_cell(rows: list[tuple[str, Any, Any, Any]], masked=frozenset()) -> Markup:
    """A change-log row as a field / before / after table: ``rows`` of (column, label, before, after) already
    shown as text (None: the side does not have the column). Masked columns (``app.audit.readable_changes``)
    show a "restricted" label instead of their values."""
    restricted = Markup('<span class="label label-default restricted" title="%s">%s</span>') % (
        _("Mục hạn chế tiếp cận: bạn không được xem nội dung này"), _("Hạn chế"))
    out = []
    for key, label, old, new in rows:
        if key in masked:
            out.append(Markup('<tr class="diff-masked" data-field="{0}"><td>{1}</td>'
                              '<td colspan="2">{2}</td></tr>').format(key, label, restricted))
        else:
            out.append(Markup('<tr data-field="{0}"><td>{1}</td><td class="diff-before">{2}</td>'
                              '<td class="diff-after">{3}</td></tr>').format(
                key, label, "" if old is None else old, "" if new is None else new))
    if not out:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<table class="table table-condensed diff-table"><thead><tr><th>%s</th><th>%s</th><th>%s</th>'
                  "</tr></thead><tbody>%s</tbody></table>") % (_("Mục"), _("Trước"), _("Sau"), Markup("").join(out))


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def change_rows(namer: Namer, row, before: dict | None, after: dict | None, masked: frozenset,
                record: dict | None) -> list[tuple[str, Any, Any, Any]]:
    """The (column, label, before, after) of one change-log row, in the model's column order (the form's for a
    file): items empty on both sides, ids and derived columns left out; masked items kept (without values)."""
    before, after = before or {}, after or {}
    fixed = _discriminator(row.object_type, {**before, **after}, record)
    context = {**(record or {}), **before, **after}
    order = _registry()["order"].get(row.object_type, {})
    keys = sorted(dict.fromkeys([*before, *after]), key=lambda k: (order.get(k, len(order)), k))
    out = []
    for key in keys:
        if key == "id" or key in HIDDEN_COLUMNS:
            continue
        if key.endswith("_precision") and key.removesuffix("_precision") in keys:
            continue  # shown with its date
        label = column_label(row.object_type, key, fixed)
        if key in masked:
            out.append((key, label, None, None))
            continue
        old, new = before.get(key), after.get(key)
        if _empty(old) and _empty(new):
            continue
        out.append((key, label,
                    value_cell(namer, row.object_type, key, old, before, fixed, context) if key in before else None,
                    value_cell(namer, row.object_type, key, new, after, fixed, context) if key in after else None))
    return out


def detail_rows(namer: Namer, row, objects: audit.LogObjects) -> list[tuple[str, str, Any]]:
    """The (key, label, value) of an access-log row's details, in Vietnamese."""
    from app.services.personnel.syll import LEVEL_SENSITIVE

    out = []
    for key, value in (row.detail or {}).items():
        label = DETAIL_LABELS.get((row.event, key)) or DETAIL_LABELS.get(key)
        label = str(label) if label is not None else _("Thông tin khác (%(name)s)", name=key)
        if key == "file" and _file_of_a_person(row, objects) is not None:
            person_id = _file_of_a_person(row, objects)
            if objects.level(person_id) < LEVEL_SENSITIVE:
                out.append((key, label, Markup('<span class="label label-default restricted">%s</span>')
                            % _("Hạn chế")))
                continue
        out.append((key, label, _detail_value(namer, row.event, key, value, row.object_type)))
    return out


def _file_of_a_person(row, objects: audit.LogObjects):
    """The file a download's stored file name belongs to (its name is shown at the sensitive level)."""
    if row.event != "download":
        return None
    if row.object_type == "Attachment":
        rec = objects.get("Attachment", row.object_id)
        if rec and rec.get("person_id") is not None:
            return rec["person_id"]
    person = (row.detail or {}).get("person")
    return person if isinstance(person, int) else None


def _detail_value(namer: Namer, event: str, key: str, value: Any, object_type: str | None = None) -> Any:
    from models.accounts import DELEGATION_ACTIONS

    if _empty(value):
        return "—"
    target = audit.DETAIL_REFERENCES.get(key)
    if target is not None and isinstance(value, int) and not isinstance(value, bool):
        if target == "Account":
            return namer.account(value)
        if target == "OrgUnit":
            return namer.unit(value)
        if target == "Person":
            return namer.person(value)
        if target == "ExportJob":
            return _("số %(id)s", id=value)
        name, note = namer.name(target, value)
        return "%s (%s)" % (name, note) if note else name
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if key == "what":
        return str(DENIED_WHAT.get(value, value))
    if key == "reason" and event == "sign_refused":
        return str(SIGN_REFUSALS.get(value, value))
    if key == "action" and event == "delegated":
        return str(DELEGATION_ACTIONS.get(value, value))
    if key == "kind" and event == "id_search":
        from app.services.personnel.syll import section

        try:
            return str(section("documents").field(value).label)
        except KeyError:
            return str(value)
    if key == "signed_field":
        return ", ".join(str(SIGNATURE_FIELD_LABELS.get(v, v)) for v in str(value).split(",") if v) or "—"
    if key == "via" and value == "cli":
        return _("Dòng lệnh trên máy chủ")
    if key == "by" and isinstance(value, str) and value.startswith("cli"):
        user = value.partition(":")[2]
        return _("Dòng lệnh trên máy chủ (%(user)s)", user=user) if user else _("Dòng lệnh trên máy chủ")
    if key == "method":
        return str(METHOD_LABELS.get(value, value))
    if key == "status" and value in STATUS_CODES:
        return "%s (%s)" % (value, STATUS_CODES[value])
    if key == "view":
        return _view_title(value)
    if key == "sort" and isinstance(value, str):
        from app.services.compliance import COLUMNS

        label = COLUMNS.get(value.lstrip("-"))
        if label is not None:
            return _("%(column)s, giảm dần", column=label) if value.startswith("-") else str(label)
    if key == "ids" and isinstance(value, list):
        if object_type in ("OrgUnit", "Account", "Person"):
            names = [namer.unit(v) if object_type == "OrgUnit" else namer.account(v) if object_type == "Account"
                     else namer.person(v) for v in value[:audit.DETAIL_IDS_SHOWN]]
        else:
            names = [str(v) for v in value[:audit.DETAIL_IDS_SHOWN]]
        shown = "; ".join(names)
        return _("%(n)s dòng: %(ids)s…", n=len(value), ids=shown) if len(value) > len(names) else shown
    if key == "person_ids" and isinstance(value, list):
        return _("%(n)s hồ sơ", n=len(value))
    if key in ("sha256", "fingerprint", "index", "serial") and isinstance(value, str):
        return Markup("<code>%s</code>") % value
    return show_value(value)


def _view_title(name: str) -> str:
    """The title of a screen named by its view class (a refused row action)."""
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == name:
            title = getattr(view, "list_title", None) or getattr(view, "route_base", None)
            if title:
                return str(title)
    return name


def _detail_cell(rows) -> Any:
    if not rows:
        return "—"
    return Markup('<ul class="list-unstyled">%s</ul>') % Markup("").join(
        Markup("<li>%s: %s</li>") % (label, value) for _key, label, value in rows)


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

    def log_query(self, filters):
        """The rows in the user's audit scope that match the filters, newest first."""
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
        return stmt.order_by(model.time.desc(), model.id.desc())

    def list_page(self, filters) -> Page:
        """The page of log rows in the user's audit scope that match the filters."""
        return paginate(self.log_query(filters))

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
    # Rows are SimpleNamespace(row, user, action, object, diff), every cell already shown.
    columns = [
        Column(_l("Thời gian"), lambda r: when(r.row.time), "text-nowrap"),
        Column(_l("Người thực hiện"), lambda r: r.user),
        Column(_l("Thao tác"), lambda r: r.action),
        Column(_l("Đối tượng"), lambda r: r.object),
        Column(_l("Nội dung thay đổi"), lambda r: r.diff),
    ]

    def list_page(self, filters) -> Page:
        """The log rows named in Vietnamese, their values masked above the reader's level on each file; the
        objects they mention read in bulk."""
        page = super().list_page(filters)
        readable, objects = audit.change_log_objects(g.user, page.rows)
        namer = Namer(objects)
        shown = []
        for row in page.rows:
            before, after, masked = readable[row.id]
            record = objects.get(row.object_type, row.object_id)
            name, note = namer.name(row.object_type, row.object_id, objects.row_people.get(row.id))
            obj = _object_cell(name, row.object_id, note)
            if row.reason:
                obj += Markup('<br><small class="text-muted">%s</small>') % _("Căn cứ: %(reason)s", reason=row.reason)
            action = LOGIN_ONLY_LABEL if row.object_type == "Account" and audit.is_login_only(row) else (
                ACTION_LABELS.get(row.action, row.action))
            shown.append(SimpleNamespace(
                row=row, user=_user_cell(namer, row.user_id, row.user_name), action=str(action), object=obj,
                diff=diff_cell(change_rows(namer, row, before, after, masked, record), masked)))
        page.rows = shown
        return page

    def row_attrs(self, r) -> dict:
        row = r.row
        return {"class": self.row_class, "data-id": row.id, "data-object": f"{row.object_type}/{row.object_id}",
                "data-unit": "" if row.org_unit_id is None else row.org_unit_id, "data-action": row.action}


class AccessLogView(_LogView):
    """Reads, prints, exports, downloads and security events, in Vietnamese."""

    route_base = "/audit/access"
    model = AccessLog
    exact_filters = ("event",)
    filter_form = AccessFilterForm
    filter_fields = ("date_from", "date_to", "user_name", "group", "event", "object_id")
    list_title = _l("Nhật ký truy cập và bảo mật")
    list_intro = _l("Đăng nhập, đăng xuất, truy cập bị từ chối, thay đổi quyền và mọi lần xem, kết xuất, in, tải dữ "
                    "liệu. Danh sách chỉ gồm các sự kiện thuộc phạm vi đơn vị bạn được xem.")
    table_id = "access-log"
    row_class = "access-row"
    table_class = "table table-condensed table-bordered table-striped audit-table"
    empty_message = _l("Không có sự kiện nào phù hợp với điều kiện lọc.")
    # Rows are SimpleNamespace(row, user, event, object, detail), every cell already shown.
    columns = [
        Column(_l("Thời gian"), lambda r: when(r.row.time), "text-nowrap"),
        Column(_l("Người dùng"), lambda r: r.user),
        Column(_l("Địa chỉ IP"), lambda r: r.row.ip or "—"),
        Column(_l("Sự kiện"), lambda r: r.event),
        Column(_l("Đối tượng"), lambda r: r.object),
        Column(_l("Đường dẫn"), lambda r: Markup("<small>%s</small>") % (r.row.path or "—")),
        Column(_l("Chi tiết"), lambda r: r.detail),
    ]

    def log_query(self, filters):
        """Also the event group's events; an event filter naming a group rather than an event (a link made when
        the filter offered "print") is that group."""
        event = filters.event.data or ""
        if event in audit.EVENT_GROUPS and event not in audit.EVENTS:
            filters.event.data, filters.group.data = "", event
        stmt = super().log_query(filters)
        group = audit.EVENT_GROUPS.get(filters.group.data or "")
        if group is not None:
            stmt = stmt.where(AccessLog.event.in_(group[1]))
        elif filters.group.data:
            stmt = stmt.where(AccessLog.event.is_(None))  # an unknown group matches nothing
        return stmt

    def list_page(self, filters) -> Page:
        """The log rows in Vietnamese; the objects they mention read in bulk."""
        page = super().list_page(filters)
        objects = audit.access_log_objects(g.user, page.rows)
        namer = Namer(objects)
        shown = []
        for row in page.rows:
            if row.object_type and not (row.object_type == "Account" and row.object_id is not None
                                        and row.object_id == str(row.user_id)):
                name, note = namer.name(row.object_type, row.object_id)
                obj = _object_cell(name, row.object_id, note)
            else:
                obj = "—"
            event = audit.EVENTS.get(row.event)
            shown.append(SimpleNamespace(
                row=row, user=_user_cell(namer, row.user_id, row.user_name) if row.user_name else "—",
                event=str(event) if event is not None else Markup("<code>%s</code>") % row.event, object=obj,
                detail=_detail_cell(detail_rows(namer, row, objects))))
        page.rows = shown
        return page

    def row_attrs(self, r) -> dict:
        row = r.row
        return {"class": self.row_class, "data-id": row.id, "data-event": row.event,
                "data-unit": "" if row.org_unit_id is None else row.org_unit_id}


def register(appbuilder) -> None:
    """Menus under "Nhật ký"."""
    appbuilder.add_view(ChangeLogView, MENU_CHANGE_LOG, label=_l("Nhật ký thay đổi"), icon="fa-history",
                        category=MENU_AUDIT, category_label=_l("Nhật ký"), category_icon="fa-book")
    appbuilder.add_view(AccessLogView, MENU_ACCESS_LOG, label=_l("Nhật ký truy cập và bảo mật"), icon="fa-shield",
                        category=MENU_AUDIT)
