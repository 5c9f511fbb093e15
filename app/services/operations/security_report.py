"""Security assessment report (issue 20 item 5; HCM-11.6): the figures Sở Nội vụ reviews about who can reach the
city's personnel files — city-wide, for Sở Nội vụ's administrators only (the view's permission; the admin role).

Every figure is one SQL ``GROUP BY`` (no rows loaded to be counted in Python):

- accounts by role (assignments in force today) and kind, active or locked;
- dormant accounts: active, not locked, no login for ``days`` days (or never, created that long ago);
- accounts still on a default password (``must_change_password``, HN-6.2: set at creation and by a reset,
  cleared by the first change): never changed any password vs. reset and not changed since;
- privileged accounts: holders of a role that manages accounts (``grantable`` in ``roles.py``: Sở Nội vụ's and the
  agencies' administrators), listed;
- failed logins and lockouts by day (``access_log`` events ``login_failed`` / ``lockout``, Việt Nam days);
- consents and delegations in force today (``InForceMixin.in_force``), by kind and by action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, case, cast, func, select

from app.extensions import db
from app.security import scope
from models.accounts import Account, ConsentGrant, Delegation, RoleAssignment
from models.audit import AccessLog

__all__ = ["DEFAULT_DORMANT_DAYS", "DEFAULT_LOGIN_DAYS", "SecurityReport", "build", "privileged_accounts",
           "privileged_role_names", "write_xlsx"]

DEFAULT_DORMANT_DAYS = 90
DEFAULT_LOGIN_DAYS = 30
#: The privileged accounts shown on the page (the XLSX lists them all).
PAGE_LIST_LIMIT = 200
TZ_NAME = "Asia/Ho_Chi_Minh"


@dataclass
class SecurityReport:
    """The report's figures (lists of tuples straight from the GROUP BY queries)."""

    today: date
    dormant_days: int
    login_days: int
    #: (role name, kind, active accounts, locked accounts)
    by_role: list[tuple] = field(default_factory=list)
    #: (kind, total, active, locked, inactive)
    by_kind: list[tuple] = field(default_factory=list)
    #: (kind, dormant: logged in before, dormant: never logged in)
    dormant: list[tuple] = field(default_factory=list)
    #: (kind, default password never changed, reset and not changed since)
    default_password: list[tuple] = field(default_factory=list)
    #: (role name, holders)
    privileged: list[tuple] = field(default_factory=list)
    #: (day, failed logins, lockouts, distinct usernames failing)
    logins: list[tuple] = field(default_factory=list)
    #: (kind "unit"/"person", grants in force)
    consents: list[tuple] = field(default_factory=list)
    #: (action, delegations in force)
    delegations: list[tuple] = field(default_factory=list)


def privileged_role_names() -> list[str]:
    """Roles that grant roles to others (the account administrators): the privileged ones."""
    from app.security.roles import ROLE_CONFIGS

    return [c["name"] for c in ROLE_CONFIGS if c.get("admin") or c.get("grantable")]


def _role_name():
    from flask_appbuilder.security.sqla.models import Role

    return Role


def _assignments_in_force(today: date):
    role_model = _role_name()
    return (select(RoleAssignment.user_id, role_model.name.label("role"))
            .join(role_model, role_model.id == RoleAssignment.role_id)
            .where(RoleAssignment.in_force(today)).distinct().subquery())


def build(today: date | None = None, *, dormant_days: int = DEFAULT_DORMANT_DAYS,
          login_days: int = DEFAULT_LOGIN_DAYS, now: datetime | None = None) -> SecurityReport:
    """Compute every figure of the report (read only)."""
    now = now or datetime.now(UTC)
    today = today or scope.today()  # the day grants are judged on (not the UTC date: from 17:00 UTC, VN is a day on)
    report = SecurityReport(today=today, dormant_days=dormant_days, login_days=login_days)
    locked = Account.locked_at.is_not(None)
    active = Account.active.is_(True) & Account.locked_at.is_(None)
    kind = func.coalesce(Account.kind, "")

    held = _assignments_in_force(today)
    report.by_role = [tuple(r) for r in db.session.execute(
        select(held.c.role, kind, func.count().filter(active), func.count().filter(locked))
        .select_from(held).join(Account, Account.id == held.c.user_id)
        .group_by(held.c.role, kind).order_by(held.c.role, kind))]
    report.by_kind = [tuple(r) for r in db.session.execute(
        select(kind, func.count(), func.count().filter(active), func.count().filter(locked),
               func.count().filter(Account.active.is_not(True) & Account.locked_at.is_(None)))
        .group_by(kind).order_by(kind))]
    # FAB keeps ``last_login`` and ``created_on`` as naive local times (``datetime.now()``).
    since = now.astimezone().replace(tzinfo=None) - timedelta(days=dormant_days)
    report.dormant = [tuple(r) for r in db.session.execute(
        select(kind, func.count().filter(Account.last_login < since),
               func.count().filter(Account.last_login.is_(None) & (Account.created_on < since)))
        .where(active).group_by(kind).order_by(kind))]
    report.default_password = [tuple(r) for r in db.session.execute(
        select(kind, func.count().filter(Account.password_changed_at.is_(None)),
               func.count().filter(Account.password_changed_at.is_not(None)))
        .where(Account.must_change_password.is_(True), Account.active.is_(True))
        .group_by(kind).order_by(kind))]
    names = privileged_role_names()
    report.privileged = [tuple(r) for r in db.session.execute(
        select(held.c.role, func.count(func.distinct(held.c.user_id))).where(held.c.role.in_(names))
        .group_by(held.c.role).order_by(held.c.role))]
    day = cast(func.timezone(TZ_NAME, AccessLog.time), Date)
    first = now - timedelta(days=login_days)
    report.logins = [tuple(r) for r in db.session.execute(
        select(day, func.count().filter(AccessLog.event == "login_failed"),
               func.count().filter(AccessLog.event == "lockout"),
               func.count(func.distinct(case((AccessLog.event == "login_failed", AccessLog.user_name)))))
        .where(AccessLog.event.in_(("login_failed", "lockout")), AccessLog.time >= first)
        .group_by(day).order_by(day.desc()))]
    consent_kind = case((ConsentGrant.person_id.is_not(None), "person"), else_="unit")
    report.consents = [tuple(r) for r in db.session.execute(
        select(consent_kind, func.count()).where(ConsentGrant.in_force(today))
        .group_by(consent_kind).order_by(consent_kind))]
    report.delegations = [tuple(r) for r in db.session.execute(
        select(Delegation.action, func.count()).where(Delegation.in_force(today))
        .group_by(Delegation.action).order_by(Delegation.action))]
    return report


def privileged_accounts(today: date | None = None, limit: int | None = PAGE_LIST_LIMIT):
    """(username, name, kind, role, unit name, last login, locked?) of the privileged accounts, by role then
    username; ``limit`` rows (None: all, streamed by the caller)."""
    from models.org_units import OrgUnit

    today = today or scope.today()
    role_model = _role_name()
    stmt = (select(Account.username, Account.last_name, Account.first_name, Account.kind, role_model.name, OrgUnit.name,
                   Account.last_login, Account.locked_at.is_not(None))
            .join(RoleAssignment, RoleAssignment.user_id == Account.id)
            .join(role_model, role_model.id == RoleAssignment.role_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(RoleAssignment.in_force(today), role_model.name.in_(privileged_role_names()))
            .order_by(role_model.name, Account.username, OrgUnit.name))
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def write_xlsx(path: str, report: SecurityReport, labels: dict) -> None:
    """The report as a workbook at ``path`` (one sheet per figure; the privileged accounts streamed)."""
    from app.services.reports.workbook import SafeSheet, new_workbook

    book = new_workbook(path)
    try:
        def sheet(name, headers, rows, widths):
            s = SafeSheet(book, book.add_worksheet(name), widths)
            bold = s.format(bold=True)
            s.line(headers, bold)
            for row in rows:
                s.line(row)
            s.close()

        kind = labels["kind"]
        sheet(labels["sheet_roles"], labels["h_roles"],
              ((role, kind(k), a, lk) for role, k, a, lk in report.by_role), (34, 22, 14, 14))
        sheet(labels["sheet_kinds"], labels["h_kinds"],
              ((kind(k), *rest) for k, *rest in report.by_kind), (22, 12, 14, 14, 14))
        sheet(labels["sheet_dormant"], labels["h_dormant"],
              ((kind(k), *rest) for k, *rest in report.dormant), (22, 20, 20))
        sheet(labels["sheet_password"], labels["h_password"],
              ((kind(k), *rest) for k, *rest in report.default_password), (22, 20, 20))
        rows = db.session.execute(privileged_accounts(report.today, None).execution_options(yield_per=1000))
        sheet(labels["sheet_privileged"], labels["h_privileged"],
              ((u, " ".join(x for x in (ln, fn) if x), kind(k), role, unit, labels["moment"](last),
                labels["yes"] if lk else "") for u, ln, fn, k, role, unit, last, lk in rows),
              (24, 28, 20, 28, 40, 18, 10))
        sheet(labels["sheet_logins"], labels["h_logins"], report.logins, (14, 16, 12, 18))
        sheet(labels["sheet_grants"], labels["h_grants"],
              [(labels["consent_kind"](k), n) for k, n in report.consents]
              + [(labels["delegation_action"](a), n) for a, n in report.delegations], (40, 14))
    finally:
        book.close()
