"""Permission names as constants: FAB resources (view menus) and the few actions they collapse to.

A FAB permission is ``can_<action>`` on a resource; views map their methods onto these actions with
``method_permission_name`` so that the role matrix stays readable.
"""

__all__ = [
    "ACTION_APPROVE",
    "ACTION_READ",
    "ACTION_WRITE",
    "READ",
    "SIGN",
    "WRITE",
    "MENU_ACCOUNTS",
    "MENU_BM02_CC",
    "MENU_BM02_VC",
    "MENU_BM02_XA",
    "MENU_ASSIGNMENTS",
    "MENU_ARCHIVE",
    "MENU_AUDIT",
    "MENU_MY_FILE",
    "MENU_SYLL_EXPORTS",
    "MENU_PEOPLE",
    "MENU_PENDING_CHANGES",
    "MENU_PERSONNEL",
    "MENU_ACCESS_LOG",
    "MENU_CHANGE_LOG",
    "MENU_COMPLIANCE",
    "MENU_INCOMING_MOVES",
    "MENU_OUTGOING_MOVES",
    "MENU_CONSENTS",
    "MENU_DASHBOARD",
    "MENU_DELEGATIONS",
    "MENU_ORGANISATION",
    "MENU_ORG_TREE",
    "MENU_ORG_UNITS",
    "MENU_ORG_RESTRUCTURE",
    "MENU_STAFF_QUOTAS",
    "MENU_JOB_POSITIONS",
    "MENU_REPORT_QUOTAS",
    "MENU_REPORT_JOB_POSITIONS",
    "MENU_PASSWORD_REQUESTS",
    "MENU_MY_CERTIFICATE",
    "MENU_QUICK_ROLES",
    "MENU_REPORTS",
    "MENU_REPORT_SALARY",
    "MENU_RETIREMENTS",
    "MENU_SIGNATURES",
    "MENU_SYSTEM",
    "MENU_VERIFY_PDF",
    "MENU_WORKDAYS",
    "MENU_WORKDAY_CALENDAR",
    "MENU_WORKDAY_OVERRIDES",
    "MENU_BACKUPS",
    "MENU_MAINTENANCE",
    "MENU_SECURITY_REPORT",
    "RESOURCE_ACCOUNT",
    "RESOURCE_AUDIT",
    "RESOURCE_BACKUP",
    "RESOURCE_MAINTENANCE",
    "RESOURCE_SECURITY_REPORT",
    "RESOURCE_COMPLIANCE",
    "RESOURCE_CONSENT",
    "RESOURCE_DATA_IMPORT",
    "RESOURCE_DATA_ISSUE",
    "RESOURCE_REPORT",
    "MENU_DATA",
    "MENU_IMPORT_FILES",
    "MENU_IMPORT_TEMPLATE",
    "MENU_DATA_ISSUES",
    "MENU_QUALITY",
    "RESOURCE_DELEGATION",
    "RESOURCE_MY_ACCOUNT",
    "RESOURCE_MY_FILE",
    "RESOURCE_NATIONAL_SYNC",
    "MENU_SYNC_APPROVALS",
    "MENU_SYNC_BATCHES",
    "MENU_SYNC_OVERDUE",
    "MENU_SYNC_RECONCILIATION",
    "RESOURCE_NOTIFICATION",
    "RESOURCE_PERSONNEL",
    "RESOURCE_REPORT",
    "RESOURCE_ORG_UNIT",
    "RESOURCE_REPORT",
    "RESOURCE_STAFFING",
    "RESOURCE_ROLE_ADMIN",
    "RESOURCE_SIGNATURE",
    "RESOURCE_REPORT",
    "RESOURCE_TRANSFER",
    "RESOURCE_WORKDAYS",
]

READ = "read"
WRITE = "write"
ACTION_READ = "can_" + READ
ACTION_WRITE = "can_" + WRITE
#: Approve a change set of a personnel file (HN-6.4); delegable.
ACTION_APPROVE = "can_approve"

RESOURCE_ORG_UNIT = "OrgUnit"
#: Accounts, their role assignments and lost-password requests (HN-3.8, HN-9).
RESOURCE_ACCOUNT = "Account"
#: The city-wide "quick role tweaks" screen of Sở Nội vụ.
RESOURCE_ROLE_ADMIN = "RoleAdmin"
RESOURCE_CONSENT = "ConsentGrant"
RESOURCE_DELEGATION = "Delegation"
RESOURCE_AUDIT = "Audit"
#: The signed-in user's own account: change password (every role has it).
RESOURCE_MY_ACCOUNT = "MyAccount"
#: Personnel files of the units in scope: read, write (officer on a person's behalf), approve.
RESOURCE_PERSONNEL = "PersonnelFile"
#: The signed-in person's own file ("Hồ sơ của tôi"): read, and write a draft (HN-6.2, HCM-7.2).
RESOURCE_MY_FILE = "MyFile"
#: Digital signatures (issue 7): read = verify any PDF and see one's own certificate; write = upload it.
RESOURCE_SIGNATURE = "Signature"
#: The working-day calendar (holidays + overrides): read it; only Sở Nội vụ administrators write.
RESOURCE_WORKDAYS = "WorkdayCalendar"
#: The signed-in user's own notifications (the bell): read them, mark them read. Every account has it.
RESOURCE_NOTIFICATION = "Notification"
#: Compliance per unit (HN-21.3, HN-17.5, HN-18.3): read, within the units whose files the user may read.
RESOURCE_COMPLIANCE = "Compliance"
#: Moves (điều động, tiếp nhận, thôi công tác, issue 16): read the lists and pages; write = take a step (the
#: service checks the step's authority on the units: TCCB officers, Sở Nội vụ, account administrators).
RESOURCE_TRANSFER = "Transfer"
#: The official reports (issue 17): read = open them and export them, within the units whose files the user may
#: read; sign = sign a report's PDF as the head of the agency (BM02 family).
RESOURCE_REPORT = "Report"
SIGN = "sign"
#: Staffing data (issue 17): quotas (biên chế) and job positions (vị trí việc làm) — read, write.
RESOURCE_STAFFING = "Staffing"
#: The data-issue register (HN-17.4): read = the list of one's scope; write = report an issue on a file one may
#: read, resolve or reject one (the service: officers who write the file's unit).
RESOURCE_DATA_ISSUE = "DataIssue"
#: The backup log (issue 20; HN-11, HCM-10): read = see each backup, its size, verification and location. Only
#: Sở Nội vụ's administrators (the admin role holds every permission; no other role lists it).
RESOURCE_BACKUP = "Backup"
#: Maintenance notices (issue 20; HCM-4.2): read = the list, write = announce or cancel a window. Sở Nội vụ's
#: administrators only (the admin role holds every permission; no other role lists it).
RESOURCE_MAINTENANCE = "MaintenanceNotice"
#: The security assessment report (issue 20; HCM-11.6): read = the page and its XLSX, city-wide. Sở Nội vụ's
#: administrators only.
RESOURCE_SECURITY_REPORT = "SecurityReport"
#: Bulk import of personnel files (issue 19): read = the imports of one's units and their reports; write = upload
#: into a unit of one's subtree and commit (the service checks the unit: an agency imports only into its subtree).
RESOURCE_DATA_IMPORT = "DataImport"
#: The national sync (issue 18): read = the batches, receipts, overdue list and reconciliation of one's scope;
#: write = submit the agency's monthly batch, resend a rejected record (the service checks the authority);
#: approve = Sở Nội vụ's approval queue (the profile's approver).
RESOURCE_NATIONAL_SYNC = "NationalSync"

#: Menu keys (FAB "menu_access" view menus); labels are translated separately.
MENU_ORGANISATION = "Organisation"
MENU_ORG_TREE = "Org tree"
MENU_ORG_UNITS = "Org units"
#: Issue 19: a whole restructuring from a mapping sheet (Sở Nội vụ's administrators: can_write on OrgUnit).
MENU_ORG_RESTRUCTURE = "Restructure from sheet"
MENU_SYSTEM = "Accounts and access"
MENU_ACCOUNTS = "Accounts"
MENU_ASSIGNMENTS = "Role assignments"
MENU_QUICK_ROLES = "Quick role tweaks"
MENU_CONSENTS = "Consent grants"
MENU_DELEGATIONS = "Delegations"
MENU_PASSWORD_REQUESTS = "Password requests"
MENU_AUDIT = "Audit"
MENU_CHANGE_LOG = "Change log"
MENU_ACCESS_LOG = "Access log"
MENU_PERSONNEL = "Personnel"
MENU_PEOPLE = "People"
MENU_PENDING_CHANGES = "Pending changes"
MENU_ARCHIVE = "Archive"
MENU_MY_FILE = "My file"
MENU_SYLL_EXPORTS = "SYLL exports"
MENU_SIGNATURES = "Digital signatures"
MENU_VERIFY_PDF = "Verify signed PDF"
MENU_MY_CERTIFICATE = "My certificate"
MENU_WORKDAYS = "Working days"
MENU_WORKDAY_CALENDAR = "Working-day calendar"
MENU_WORKDAY_OVERRIDES = "Working-day overrides"
MENU_REPORTS = "Reports"
#: The menu "Dữ liệu": the import of files and its template (issue 19), the national sync's pages (issue 18).
MENU_DATA = "Data"
MENU_IMPORT_FILES = "Import files"
MENU_IMPORT_TEMPLATE = "Import template"
MENU_COMPLIANCE = "Compliance per unit"
MENU_BM02_CC = "BM02 civil servants"
MENU_BM02_VC = "BM02 public employees"
MENU_BM02_XA = "BM02 commune officials"
MENU_OUTGOING_MOVES = "Outgoing moves"
MENU_INCOMING_MOVES = "Incoming moves"
MENU_RETIREMENTS = "Retirements due"
MENU_REPORT_SALARY = "Salary list"
# Staffing (issue 17): the screens under "Cơ cấu tổ chức", the reports under "Báo cáo".
MENU_STAFF_QUOTAS = "Staffing quotas"
MENU_JOB_POSITIONS = "Job positions"
MENU_REPORT_QUOTAS = "Quota report"
MENU_REPORT_JOB_POSITIONS = "Job position report"
MENU_QUALITY = "Data quality"
MENU_DATA_ISSUES = "Data issues"
#: Issue 17, the dashboard (Báo cáo → Tổng quan).
MENU_DASHBOARD = "Dashboard"
#: Issue 20: the backup log (under "Nhật ký").
MENU_BACKUPS = "Backups"
#: Issue 20: maintenance notices and the security assessment report (under "Nhật ký").
MENU_MAINTENANCE = "Maintenance notices"
MENU_SECURITY_REPORT = "Security assessment"
#: Issue 18: the national sync's pages (under "Dữ liệu").
MENU_SYNC_BATCHES = "Sync batches"
MENU_SYNC_APPROVALS = "Sync approvals"
MENU_SYNC_OVERDUE = "Sync overdue"
MENU_SYNC_RECONCILIATION = "Sync reconciliation"
