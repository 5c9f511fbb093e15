"""Roles as data, applied by ``flask sync-roles``; the README's role table is printed from the same data.

Each role lists (action, resource) pairs — *what* it may do. *Where* is a separate question answered by
role assignments on the org tree (``app/security/scope.py``). ``grantable`` lists the roles a holder may
give to others, inside the subtree where it manages accounts (HN-9.2: nobody raises an account above
their own rights); ``below_only`` roles may only be granted on units strictly below the granter's own.
``field_level`` is the highest restricted-access level of the personnel file (``syll.LEVEL_*``: 0 public,
1 internal, 2 sensitive, 3 specially restricted) the role reads in clear (HN-4.3, HCM-6.2); the rest is masked.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    MENU_ACCESS_LOG,
    MENU_ACCOUNTS,
    MENU_ARCHIVE,
    MENU_AUDIT,
    MENU_BM02_CC,
    MENU_BM02_VC,
    MENU_BM02_XA,
    MENU_CHANGE_LOG,
    MENU_COMPLIANCE,
    MENU_CONSENTS,
    MENU_DASHBOARD,
    MENU_DATA,
    MENU_DATA_ISSUES,
    MENU_DELEGATIONS,
    MENU_IMPORT_FILES,
    MENU_IMPORT_TEMPLATE,
    MENU_INCOMING_MOVES,
    MENU_JOB_POSITIONS,
    MENU_MY_CERTIFICATE,
    MENU_MY_FILE,
    MENU_ORG_TREE,
    MENU_ORG_UNITS,
    MENU_ORGANISATION,
    MENU_OUTGOING_MOVES,
    MENU_PASSWORD_REQUESTS,
    MENU_PENDING_CHANGES,
    MENU_PEOPLE,
    MENU_PERSONNEL,
    MENU_QUALITY,
    MENU_REPORT_JOB_POSITIONS,
    MENU_REPORT_QUOTAS,
    MENU_REPORT_SALARY,
    MENU_REPORTS,
    MENU_RETIREMENTS,
    MENU_SIGNATURES,
    MENU_STAFF_QUOTAS,
    MENU_SYLL_EXPORTS,
    MENU_SYNC_APPROVALS,
    MENU_SYNC_BATCHES,
    MENU_SYNC_OVERDUE,
    MENU_SYNC_RECONCILIATION,
    MENU_SYSTEM,
    MENU_VERIFY_PDF,
    MENU_WORKDAY_CALENDAR,
    MENU_WORKDAY_OVERRIDES,
    MENU_WORKDAYS,
    RESOURCE_ACCOUNT,
    RESOURCE_AUDIT,
    RESOURCE_COMPLIANCE,
    RESOURCE_CONSENT,
    RESOURCE_DATA_IMPORT,
    RESOURCE_DATA_ISSUE,
    RESOURCE_DELEGATION,
    RESOURCE_MY_ACCOUNT,
    RESOURCE_MY_FILE,
    RESOURCE_NATIONAL_SYNC,
    RESOURCE_NOTIFICATION,
    RESOURCE_ORG_UNIT,
    RESOURCE_PERSONNEL,
    RESOURCE_REPORT,
    RESOURCE_SIGNATURE,
    RESOURCE_STAFFING,
    RESOURCE_TRANSFER,
    RESOURCE_WORKDAYS,
    SIGN,
)

__all__ = [
    "ROLE_ADMIN",
    "ROLE_AGENCY_ADMIN",
    "ROLE_CONFIGS",
    "ROLE_DIRECTOR",
    "ROLE_HEAD",
    "ROLE_HR_OFFICER",
    "ROLE_REPORT_VIEWER",
    "ROLE_SELF_SERVICE",
    "ROLE_SNV_OFFICER",
    "role_config",
    "roles_markdown",
    "sync_roles",
]

ROLE_ADMIN = "Quản trị Sở Nội vụ"
ROLE_SNV_OFFICER = "Chuyên viên Sở Nội vụ"
ROLE_DIRECTOR = "Giám đốc Sở Nội vụ"
ROLE_AGENCY_ADMIN = "Quản trị cơ quan"
ROLE_HR_OFFICER = "Cán bộ TCCB"
ROLE_HEAD = "Thủ trưởng"
ROLE_SELF_SERVICE = "Cán bộ công chức"
ROLE_REPORT_VIEWER = "Xem báo cáo"

_SELF = [
    (ACTION_READ, RESOURCE_MY_ACCOUNT),
    (ACTION_WRITE, RESOURCE_MY_ACCOUNT),
    # FAB's profile page; its "reset my password" (no current password) is the technical administrator's only:
    # everyone changes their password through MyAccountView.password (issue 13).
    ("can_userinfo", "UserDBModelView"),
    # Digital signatures (issue 7): every account verifies PDFs and manages its own certificate.
    (ACTION_READ, RESOURCE_SIGNATURE),
    (ACTION_WRITE, RESOURCE_SIGNATURE),
    ("menu_access", MENU_SIGNATURES),
    ("menu_access", MENU_VERIFY_PDF),
    ("menu_access", MENU_MY_CERTIFICATE),
    # Notifications (issue 8): every account reads its own bell and marks it read.
    (ACTION_READ, RESOURCE_NOTIFICATION),
    (ACTION_WRITE, RESOURCE_NOTIFICATION),
]
_MY_FILE = [(ACTION_READ, RESOURCE_MY_FILE), (ACTION_WRITE, RESOURCE_MY_FILE), ("menu_access", MENU_PERSONNEL),
            ("menu_access", MENU_MY_FILE)]
_PEOPLE_READ = [(ACTION_READ, RESOURCE_PERSONNEL), ("menu_access", MENU_PERSONNEL), ("menu_access", MENU_PEOPLE),
                ("menu_access", MENU_ARCHIVE), ("menu_access", MENU_SYLL_EXPORTS)]
_PEOPLE_WRITE = _PEOPLE_READ + [(ACTION_WRITE, RESOURCE_PERSONNEL), ("menu_access", MENU_PENDING_CHANGES)]
_PEOPLE_APPROVE = _PEOPLE_READ + [(ACTION_APPROVE, RESOURCE_PERSONNEL), ("menu_access", MENU_PENDING_CHANGES)]
_ORG_READ = [
    (ACTION_READ, RESOURCE_ORG_UNIT),
    ("menu_access", MENU_ORGANISATION),
    ("menu_access", MENU_ORG_TREE),
    ("menu_access", MENU_ORG_UNITS),
]
_ACCOUNTS_READ = [(ACTION_READ, RESOURCE_ACCOUNT), ("menu_access", MENU_SYSTEM), ("menu_access", MENU_ACCOUNTS)]
_ACCOUNTS_WRITE = _ACCOUNTS_READ + [(ACTION_WRITE, RESOURCE_ACCOUNT), ("menu_access", MENU_PASSWORD_REQUESTS)]
_AUDIT_READ = [(ACTION_READ, RESOURCE_AUDIT), ("menu_access", MENU_AUDIT), ("menu_access", MENU_CHANGE_LOG),
               ("menu_access", MENU_ACCESS_LOG)]
_CONSENT_WRITE = [(ACTION_READ, RESOURCE_CONSENT), (ACTION_WRITE, RESOURCE_CONSENT), ("menu_access", MENU_SYSTEM),
                  ("menu_access", MENU_CONSENTS)]
_DELEGATION_WRITE = [(ACTION_READ, RESOURCE_DELEGATION), (ACTION_WRITE, RESOURCE_DELEGATION),
                     ("menu_access", MENU_SYSTEM), ("menu_access", MENU_DELEGATIONS)]
#: Compliance per unit (HN-21.3): Sở Nội vụ, heads of agencies and report viewers, within their scope.
_COMPLIANCE_READ = [(ACTION_READ, RESOURCE_COMPLIANCE), ("menu_access", MENU_REPORTS),
                    ("menu_access", MENU_COMPLIANCE)]
#: Reports (issue 17): open the reports of one's scope and export them.
_REPORTS_READ = [(ACTION_READ, RESOURCE_REPORT), ("menu_access", MENU_REPORTS), ("menu_access", MENU_REPORT_SALARY)]
#: The BM02 family (issue 17): its menus; heads and the Director of Sở Nội vụ also sign the PDF.
_BM02_READ = [("menu_access", MENU_BM02_CC), ("menu_access", MENU_BM02_VC), ("menu_access", MENU_BM02_XA)]
_BM02_SIGN = _BM02_READ + [("can_" + SIGN, RESOURCE_REPORT)]
#: The dashboard (issue 17, item 5): its menu (the landing page of heads and report viewers).
_DASHBOARD_READ = [("menu_access", MENU_DASHBOARD)]
#: Moves (issue 16): the lists and pages; writing = taking the steps the service lets the user take.
_MOVES_READ = [(ACTION_READ, RESOURCE_TRANSFER), ("menu_access", MENU_PERSONNEL),
               ("menu_access", MENU_OUTGOING_MOVES), ("menu_access", MENU_INCOMING_MOVES),
               ("menu_access", MENU_RETIREMENTS)]
_MOVES_WRITE = _MOVES_READ + [(ACTION_WRITE, RESOURCE_TRANSFER)]
#: The working-day calendar, read-only (writing it is for Sở Nội vụ administrators, who hold everything).
_WORKDAYS_READ = [(ACTION_READ, RESOURCE_WORKDAYS), ("menu_access", MENU_WORKDAYS),
                  ("menu_access", MENU_WORKDAY_CALENDAR), ("menu_access", MENU_WORKDAY_OVERRIDES)]
#: Staffing data (issue 17): quotas and job positions; agencies' TCCB officers maintain their subtree's.
_STAFFING_READ = [(ACTION_READ, RESOURCE_STAFFING), ("menu_access", MENU_ORGANISATION),
                  ("menu_access", MENU_STAFF_QUOTAS), ("menu_access", MENU_JOB_POSITIONS)]
_STAFFING_WRITE = _STAFFING_READ + [(ACTION_WRITE, RESOURCE_STAFFING)]
#: The biên chế and vị trí việc làm reports (issue 17 item 2).
_STAFFING_REPORTS = [("menu_access", MENU_REPORT_QUOTAS), ("menu_access", MENU_REPORT_JOB_POSITIONS)]
#: Data quality (issue 17): the quality figures (a report), the data-issue register (HN-17.4): reporting an issue
#: for those who manage data, the list only for report viewers.
_QUALITY_READ = [("menu_access", MENU_QUALITY)]
_DATA_ISSUES_READ = [(ACTION_READ, RESOURCE_DATA_ISSUE), ("menu_access", MENU_PERSONNEL),
                     ("menu_access", MENU_DATA_ISSUES)]
_DATA_ISSUES_WRITE = _DATA_ISSUES_READ + [(ACTION_WRITE, RESOURCE_DATA_ISSUE)]
#: Bulk import of files (issue 19): TCCB officers upload and commit into their subtree (they write files there);
#: agency administrators follow the imports of their subtree and make the imported people's accounts.
_IMPORT_READ = [(ACTION_READ, RESOURCE_DATA_IMPORT), ("menu_access", MENU_DATA),
                ("menu_access", MENU_IMPORT_FILES), ("menu_access", MENU_IMPORT_TEMPLATE)]
_IMPORT_WRITE = _IMPORT_READ + [(ACTION_WRITE, RESOURCE_DATA_IMPORT)]
#: The national sync (issue 18): batches, receipts, overdue records and reconciliation of one's scope; agencies'
#: heads and TCCB officers submit the monthly batch and resend rejected records (the service checks who may);
#: Sở Nội vụ's Director and officers have the approval queue (the profile's approver decides).
_SYNC_READ = [(ACTION_READ, RESOURCE_NATIONAL_SYNC), ("menu_access", MENU_DATA),
              ("menu_access", MENU_SYNC_BATCHES), ("menu_access", MENU_SYNC_OVERDUE),
              ("menu_access", MENU_SYNC_RECONCILIATION)]
_SYNC_WRITE = _SYNC_READ + [(ACTION_WRITE, RESOURCE_NATIONAL_SYNC)]
_SYNC_APPROVE = _SYNC_READ + [(ACTION_APPROVE, RESOURCE_NATIONAL_SYNC), ("menu_access", MENU_SYNC_APPROVALS)]

ROLE_CONFIGS = [
    {
        "name": ROLE_ADMIN,
        "admin": True,
        "description": _l(
            "Sở Nội vụ: quản lý danh mục cơ cấu tổ chức, tài khoản cơ quan và toàn bộ hệ thống."
        ),
        "permissions": [],
        "field_level": 3,
        "grantable": "*",
        "below_only": [],
        "demo_scope": "city",
    },
    {
        "name": ROLE_SNV_OFFICER,
        "admin": False,
        "description": _l("Chuyên viên Sở Nội vụ: theo dõi, tổng hợp dữ liệu toàn thành phố; không quản trị."),
        # The inbox: HCM-7.2a makes a Sở Nội vụ officer authenticate the files of BTV-managed people.
        "permissions": _SELF + _ORG_READ + _ACCOUNTS_READ + _AUDIT_READ + _PEOPLE_READ + _WORKDAYS_READ
        + [("menu_access", MENU_PENDING_CHANGES)] + _COMPLIANCE_READ + _MOVES_READ + _REPORTS_READ + _STAFFING_READ
        + _STAFFING_REPORTS
        + _BM02_READ + _QUALITY_READ + _DATA_ISSUES_WRITE + _DASHBOARD_READ + _SYNC_APPROVE,
        "field_level": 2,
        "grantable": [],
        "demo_scope": "city",
    },
    {
        "name": ROLE_DIRECTOR,
        "admin": False,
        "description": _l(
            "Giám đốc Sở Nội vụ: phê duyệt cấp thành phố, chấp thuận văn bản cho phép khai thác."
        ),
        "permissions": _SELF + _ORG_READ + _ACCOUNTS_READ + _AUDIT_READ + _CONSENT_WRITE + _DELEGATION_WRITE
        + _PEOPLE_APPROVE + _WORKDAYS_READ + _COMPLIANCE_READ + _MOVES_READ + _REPORTS_READ + _STAFFING_READ
        + _STAFFING_REPORTS
        + _BM02_SIGN + _QUALITY_READ + _DATA_ISSUES_WRITE + _DASHBOARD_READ + _SYNC_APPROVE,
        "field_level": 3,
        "grantable": [],
        "delegable": ["approve"],
        "demo_scope": "city",
    },
    {
        "name": ROLE_AGENCY_ADMIN,
        "admin": False,
        "description": _l("Tài khoản cơ quan: tạo tài khoản cho đơn vị trực thuộc và cá nhân."),
        "permissions": _SELF + _ORG_READ + _ACCOUNTS_WRITE + _AUDIT_READ + _DELEGATION_WRITE + _PEOPLE_READ
        + _MOVES_WRITE + _IMPORT_READ + _SYNC_READ,
        "field_level": 1,
        "grantable": [ROLE_AGENCY_ADMIN, ROLE_HR_OFFICER, ROLE_HEAD, ROLE_SELF_SERVICE, ROLE_REPORT_VIEWER],
        "below_only": [ROLE_AGENCY_ADMIN],
        "delegable": ["manage_accounts"],
        "demo_scope": "agency",
    },
    {
        "name": ROLE_HR_OFFICER,
        "admin": False,
        "description": _l("Cán bộ tổ chức cán bộ: rà soát hồ sơ của cơ quan."),
        "permissions": _SELF + _MY_FILE + _ORG_READ + _ACCOUNTS_READ + _PEOPLE_WRITE + _MOVES_WRITE
        + _REPORTS_READ + _STAFFING_WRITE + _STAFFING_REPORTS
        + _BM02_READ + _QUALITY_READ + _DATA_ISSUES_WRITE + _DASHBOARD_READ + _IMPORT_WRITE + _SYNC_WRITE,
        "field_level": 3,
        "grantable": [],
        "demo_scope": "agency",
    },
    {
        "name": ROLE_HEAD,
        "admin": False,
        "description": _l("Thủ trưởng cơ quan: phê duyệt hoặc ủy quyền phê duyệt, chấp thuận khai thác."),
        "permissions": _SELF + _MY_FILE + _ORG_READ + _ACCOUNTS_READ + _DELEGATION_WRITE + _CONSENT_WRITE
        + _PEOPLE_APPROVE + _COMPLIANCE_READ + _MOVES_READ + _REPORTS_READ + _STAFFING_READ + _STAFFING_REPORTS
        + _BM02_SIGN + _QUALITY_READ + _DATA_ISSUES_WRITE + _DASHBOARD_READ + _SYNC_WRITE,
        "field_level": 3,
        "grantable": [],
        "delegable": ["approve"],
        "demo_scope": "agency",
    },
    {
        "name": ROLE_SELF_SERVICE,
        "admin": False,
        "description": _l("Tài khoản cá nhân: tự cập nhật hồ sơ của mình."),
        "permissions": _SELF + _MY_FILE,
        "field_level": 0,
        "grantable": [],
        "demo_scope": "own",
    },
    {
        "name": ROLE_REPORT_VIEWER,
        "admin": False,
        "description": _l("Chỉ xem cơ cấu tổ chức và báo cáo trong phạm vi được giao, không được sửa."),
        "permissions": _SELF + _ORG_READ + _PEOPLE_READ + _COMPLIANCE_READ + _REPORTS_READ + _STAFFING_READ
        + _STAFFING_REPORTS
        + _BM02_READ + _QUALITY_READ + _DATA_ISSUES_READ + _DASHBOARD_READ,
        "field_level": 1,
        "grantable": [],
        "demo_scope": "agency",
    },
]


def role_config(name: str) -> dict:
    """The configuration of a role by name (KeyError for an unknown role)."""
    for cfg in ROLE_CONFIGS:
        if cfg["name"] == name:
            return cfg
    raise KeyError(name)


def roles_markdown() -> str:
    """The README's role table, from :data:`ROLE_CONFIGS` (``flask sync-roles --markdown``)."""
    lines = ["| Vai trò | Quyền (tài nguyên: hành động) | Mức trường hạn chế xem rõ | Được cấp các vai trò "
             "| Được ủy quyền |", "|---|---|---|---|---|"]
    for cfg in ROLE_CONFIGS:
        if cfg["admin"]:
            perms = "tất cả"
        else:
            by_resource: dict[str, list[str]] = {}
            for perm, view in cfg["permissions"]:
                if perm in (ACTION_READ, ACTION_WRITE, ACTION_APPROVE):
                    by_resource.setdefault(view, []).append(perm[4:])
            perms = "; ".join(f"{view}: {'/'.join(acts)}" for view, acts in by_resource.items())
        grantable = "tất cả" if cfg.get("grantable") == "*" else ", ".join(cfg.get("grantable", [])) or "—"
        delegable = ", ".join(cfg.get("delegable", [])) or ("tất cả" if cfg["admin"] else "—")
        level = 3 if cfg["admin"] else cfg.get("field_level", 0)
        lines.append(f"| {cfg['name']} | {perms} | {level} | {grantable} | {delegable} |")
    return "\n".join(lines)


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
            for perm, view in dict.fromkeys(cfg["permissions"]):
                pv = sm.find_permission_view_menu(perm, view)
                if pv is None:
                    raise LookupError(f"unknown permission {perm} on {view} for role {cfg['name']}")
                wanted.append(pv)
            role.permissions = wanted
        result[cfg["name"]] = len(role.permissions)
    sm.session.commit()
    return result
