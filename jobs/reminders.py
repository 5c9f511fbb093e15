"""Daily reminders (issue 8 part 5; regulations.md §4, §5, §11: HCM-7.1, HCM-7.2, HCM-7.2b/c, HN-7, HN-17.5,
HN-18.3): find every deadline that is near or past and tell the people responsible, in the bell and by e-mail.

Kinds (``models.notifications.NOTIFICATION_KINDS``):

- ``account_missing`` (HCM-7.1, profiles with ``account_deadline``): a person in force without a personal
  account. The decision (approval, recruitment, contract) is recorded when the file is opened, so the deadline
  counts from the file's creation day (Việt Nam date of ``person.created_at``). Told to the unit's account
  managers: the (non-administrator) roles holding write on accounts whose assignment covers the person's
  unit — Quản trị cơ quan — and the valid delegates of ``manage_accounts`` (``scope.holders`` again).
- ``first_entry_missing`` (HCM-7.2, profiles with ``first_entry_deadline``): a person whose account has
  submitted nothing yet; counts from the account's creation day (``ab_user.created_on``). Told to the person.
- ``approval_due`` / ``approval_overdue`` (HCM-7.2a–c, HN-7): a pending approval step due within the horizon
  or past its due date. Told to every user who can act on it — the holders query the workflow's ``can_act``
  asks too (``app.security.scope.holders``): role assignments whose role holds the step's authority (its
  permission, or its named roles) and whose unit covers the person's unit, plus valid delegations — never the
  person themself, nor the officer who prepared the change on their behalf (four eyes,
  ``workflow.may_decide_condition``). Roles flagged ``admin``
  (Quản trị Sở Nội vụ holds every permission as the system's administrator) are not reminded.
- ``update_due`` / ``update_overdue`` (HN-6.3, HCM-7.2c; issue 16): a draft (or a returned change) of an approved
  file not sent yet, whose update deadline — counted from the day of the change it records — is near or past.
  Told to whoever drafts it (the person, or the officer writing on their behalf).
- ``quality_report_due`` / ``quality_report_overdue`` (HN-21.6, profiles with ``quality_report_day``): an
  agency (a level-2 unit) that has not sent the quarter's data-quality report, near or past its due day; told to
  whoever signs it over the agency (``Report: sign`` — heads), administrators left out.
- ``transfer_due`` / ``transfer_overdue`` (issue 16: HCM-8.1, HCM-8.2, HCM-8.4, HN-12.2.2a): an open move due
  within the horizon or past its due date. Told to whoever takes its next step: the competent authority
  (``transfer_authority``) for a between-agency move not moved yet, else the personnel officers (write on files,
  administrators left out) over the unit the move waits in (the gaining unit once moved, the losing one before).
- ``sync_overdue`` (issue 18, ND27-SYNC): an agency whose approved versions are not delivered to the national
  database past their deadline (queued, sent without a receipt, or rejected): one reminder per agency and oldest
  deadline, to the officers who submit and resend its records (write on the national sync: heads, TCCB officers).
- ``window_open`` (HN-7, profiles with ``window_reminder``): from the first day of the month's approval window
  to its last day, each user who can act on pending window steps gets one reminder (per month) with the
  count.

"Near" = due within ``REMINDER_HORIZON_WORKDAYS`` working days (default 2, ``app/workdays.py``). Everything is
a few set-based statements per kind and authority; Python only formats the rows that will be notified.
A (user, kind, object) already reminded is skipped in SQL, and the unique key (user, kind, object, due date)
with ``ON CONFLICT DO NOTHING`` makes a second run insert nothing. E-mail digests go out after the commit
(``app.services.notifications.send_digests``): running twice sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Date, cast, exists, func, literal, select
from werkzeug.routing import BuildError

from app import workdays
from app.extensions import db
from app.profiles import Authority, CityProfile, active_profile
from app.security import scope
from app.security.permissions import ACTION_WRITE, RESOURCE_ACCOUNT, RESOURCE_PERSONNEL
from app.services.compliance import local_date
from app.services.notifications import admin_roles, insert_notifications, send_digests
from app.services.personnel.people import ACTIVE_STATUSES
from app.workflow import local_today, may_decide_condition
from jobs.base import job_context
from models.accounts import Account
from models.approvals import ApprovalStep
from models.notifications import Notification
from models.org_units import OrgUnit
from models.personnel import ChangeSet, Person

__all__ = ["KINDS", "run_reminders"]

log = logging.getLogger(__name__)

KINDS = ("account_missing", "first_entry_missing", "approval_due", "approval_overdue", "window_open", "update_due",
         "update_overdue", "transfer_due", "transfer_overdue", "quality_report_due", "quality_report_overdue",
         "sync_overdue")


def _date_of(column):
    """SQL: the date part of a naive timestamp (FAB's ``created_on`` is the server's local time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(column, Date)
    return func.date(column)


@dataclass
class _Run:
    """What every kind needs: the day, the horizon, the profile, link building and name formatting."""

    day: date
    horizon: date
    profile: CityProfile

    def __post_init__(self) -> None:
        self._adapter = current_app.url_map.bind("localhost", script_name="/")
        self._due_cache: dict[tuple[date, int], date] = {}

    def link(self, endpoint: str, **values) -> str | None:
        try:
            return self._adapter.build(endpoint, values)
        except BuildError:  # a view not registered in this app: no link rather than no reminder
            return None

    def due(self, start: date, n: int) -> date:
        key = (start, n)
        if key not in self._due_cache:
            self._due_cache[key] = workdays.add_workdays(start, n)
        return self._due_cache[key]

    def latest_start(self, n: int) -> date:
        """The last day ``d`` whose deadline ``d + n WD`` falls on or before the horizon."""
        d = self.horizon - timedelta(days=1)
        while self.due(d, n) > self.horizon:
            d -= timedelta(days=1)
        return d

    def when(self, due: date) -> str:
        """"hạn dd/mm/yyyy" or "quá hạn từ dd/mm/yyyy"."""
        if due < self.day:
            return _("đã quá hạn (hạn %(due)s)", due=workdays.format_day(due))
        return _("hạn %(due)s", due=workdays.format_day(due))


def _full_name(family: str | None, middle: str | None, given: str | None) -> str:
    return " ".join(p for p in (family, middle, given) if p)


# --------------------------------------------------------------------------- who is responsible

def _authority_holders(authority: Authority, unit_ids, day: date):
    """Who is reminded of a step of ``authority`` on each unit of ``unit_ids``: the holders query the workflow
    asks (``scope.holders``), administrator roles left out. A subquery (unit_id, user_id); None when nobody
    can hold it."""
    grants = scope.authority_grants(authority, day, except_roles=admin_roles())
    return None if grants is None else scope.holders(grants, unit_ids, with_delegator=False).subquery("holders")


def _not_reminded(user_col, kind: str, object_type: str, object_col, due_col=None):
    """SQL: no notification of ``kind`` about this object for this user yet (for this due date, if given)."""
    conds = [Notification.user_id == user_col, Notification.kind == kind, Notification.object_type == object_type,
             Notification.object_id == object_col]
    if due_col is not None:
        conds.append(Notification.due_date == due_col)
    return ~exists(select(literal(1)).where(*conds))


# --------------------------------------------------------------------------- HCM-7.1: accounts

def _account_missing(run: _Run) -> Iterator[dict]:
    deadline = run.profile.account_deadline
    # HCM-7.1 counts from the decision (recruitment, approval, contract) when the file records it (issue 16),
    # else from the day the file was opened.
    created = func.coalesce(Person.decision_date, local_date(Person.created_at))
    target = (Person.status.in_(ACTIVE_STATUSES), Person.account_id.is_(None),
              Person.category.in_(run.profile.categories), created <= run.latest_start(deadline.workdays))
    permission = (ACTION_WRITE, RESOURCE_ACCOUNT)
    grants = scope.grants_of(run.day, permission=permission, delegation_actions=scope.delegated_actions(permission),
                             except_roles=admin_roles())
    if grants is None:
        return
    holders = scope.holders(grants, select(Person.org_unit_id).where(*target).distinct(),
                            with_delegator=False).subquery("holders")
    rows = db.session.execute(
        select(holders.c.user_id, Person.id, Person.family_name, Person.middle_name, Person.given_name,
               created.label("created"), OrgUnit.name)
        .select_from(Person)
        .join(holders, holders.c.unit_id == Person.org_unit_id)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(*target, _not_reminded(holders.c.user_id, "account_missing", "person", Person.id))
        .order_by(Person.id))
    for user_id, person_id, family, middle, given, created_day, unit in rows:
        if isinstance(created_day, str):
            created_day = date.fromisoformat(created_day)
        due = run.due(created_day, deadline.workdays)
        name = _full_name(family, middle, given)
        title = (_("Quá hạn cấp tài khoản cho %(name)s", name=name) if due < run.day
                 else _("Sắp đến hạn cấp tài khoản cho %(name)s", name=name))
        body = _("Hồ sơ của %(name)s (%(unit)s), quyết định hoặc lập hồ sơ ngày %(start)s, chưa có tài khoản cá "
                 "nhân; %(when)s. "
                 "Quy định: cấp tài khoản trong %(n)s ngày làm việc kể từ quyết định.", name=name, unit=unit,
                 start=workdays.format_day(created_day), when=run.when(due), n=deadline.workdays)
        yield {"user_id": user_id, "kind": "account_missing", "object_type": "person", "object_id": person_id,
               "due_date": due, "title": title[:300], "body": body, "link": run.link("PeopleView.show", pk=person_id)}


# --------------------------------------------------------------------------- HCM-7.2: first entry

def _first_entry_missing(run: _Run) -> Iterator[dict]:
    deadline = run.profile.first_entry_deadline
    received = _date_of(Account.created_on)
    submitted = exists(select(literal(1)).where(
        ChangeSet.person_id == Person.id, ChangeSet.submitted_by_id == Person.account_id,
        ChangeSet.submitted_at.is_not(None)))
    rows = db.session.execute(
        select(Person.account_id, Person.id, received.label("received"))
        .join(Account, Account.id == Person.account_id)
        .where(Person.status.in_(ACTIVE_STATUSES), Person.category.in_(run.profile.categories),
               Account.active.is_(True), Account.created_on.is_not(None),
               received <= run.latest_start(deadline.workdays), ~submitted,
               _not_reminded(Person.account_id, "first_entry_missing", "person", Person.id))
        .order_by(Person.id))
    link = run.link("MyFileView.show")
    for user_id, person_id, received_day in rows:
        if isinstance(received_day, str):
            received_day = date.fromisoformat(received_day)
        due = run.due(received_day, deadline.workdays)
        title = (_("Quá hạn khai và ký số hồ sơ của bạn") if due < run.day
                 else _("Sắp đến hạn khai và ký số hồ sơ của bạn"))
        body = _("Bạn nhận tài khoản ngày %(start)s; hãy khai sơ yếu lý lịch và ký số gửi duyệt, %(when)s. "
                 "Quy định: khai và ký số trong %(n)s ngày làm việc kể từ khi nhận tài khoản.",
                 start=workdays.format_day(received_day), when=run.when(due), n=deadline.workdays)
        yield {"user_id": user_id, "kind": "first_entry_missing", "object_type": "person", "object_id": person_id,
               "due_date": due, "title": title, "body": body, "link": link}


# --------------------------------------------------------------------------- approval steps

def _step_label(run: _Run, chain: str | None, seq: int, key: str) -> str:
    try:
        return str(run.profile.chains[chain].steps[seq].label)
    except (KeyError, IndexError, TypeError):
        return key


def _units_of_steps(target: tuple):
    """SELECT of the distinct units of the people whose steps match ``target``."""
    return (select(Person.org_unit_id).select_from(ApprovalStep)
            .join(ChangeSet, ChangeSet.id == ApprovalStep.change_set_id)
            .join(Person, Person.id == ChangeSet.person_id).where(*target).distinct())


def _approval(run: _Run, kind: str) -> Iterator[dict]:
    """Pending steps due from today to the horizon (``approval_due``) or before today (``approval_overdue``)."""
    window = (ApprovalStep.due_date >= run.day, ApprovalStep.due_date <= run.horizon) if kind == "approval_due" \
        else (ApprovalStep.due_date < run.day,)
    for key, authority in run.profile.authorities.items():
        target = (ApprovalStep.status == "pending", ApprovalStep.authority == key, *window)
        holders = _authority_holders(authority, _units_of_steps(target), run.day)
        if holders is None:
            continue
        rows = db.session.execute(
            select(holders.c.user_id, ApprovalStep.id, ApprovalStep.due_date, ApprovalStep.key, ApprovalStep.seq,
                   ChangeSet.id, ChangeSet.chain, Person.family_name, Person.middle_name,
                   Person.given_name, OrgUnit.name)
            .select_from(ApprovalStep)
            .join(ChangeSet, ChangeSet.id == ApprovalStep.change_set_id)
            .join(Person, Person.id == ChangeSet.person_id)
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .join(holders, holders.c.unit_id == Person.org_unit_id)
            .where(*target, may_decide_condition(holders.c.user_id),
                   _not_reminded(holders.c.user_id, kind, "step", ApprovalStep.id, ApprovalStep.due_date))
            .order_by(ApprovalStep.due_date, ApprovalStep.id))
        for user_id, step_id, due, step_key, seq, cs_id, chain, family, middle, given, unit in rows:
            name = _full_name(family, middle, given)
            title = (_("Quá hạn xử lý đề nghị của %(name)s", name=name) if kind == "approval_overdue"
                     else _("Sắp đến hạn xử lý đề nghị của %(name)s", name=name))
            body = _("Bước “%(step)s” của đề nghị số %(id)s (hồ sơ %(name)s, %(unit)s): %(when)s.",
                     step=_step_label(run, chain, seq, step_key), id=cs_id, name=name, unit=unit,
                     when=run.when(due))
            yield {"user_id": user_id, "kind": kind, "object_type": "step", "object_id": step_id, "due_date": due,
                   "title": title[:300], "body": body, "link": run.link("ChangeSetsView.show", cs_id=cs_id)}


# --------------------------------------------------------------------------- HN-6.3, HCM-7.2c: updates

def _updates(run: _Run, kind: str) -> Iterator[dict]:
    """Unsent drafts whose update deadline falls from today to the horizon (``update_due``) or before today."""
    window = (ChangeSet.update_due >= run.day, ChangeSet.update_due <= run.horizon) if kind == "update_due" \
        else (ChangeSet.update_due < run.day,)
    rows = db.session.execute(
        select(ChangeSet.created_by_id, ChangeSet.id, ChangeSet.update_due, ChangeSet.change_date, Person.id,
               Person.account_id, Person.family_name, Person.middle_name, Person.given_name)
        .join(Person, Person.id == ChangeSet.person_id)
        .where(ChangeSet.status.in_(("draft", "returned")), ChangeSet.update_due.is_not(None), *window,
               Person.status.in_(ACTIVE_STATUSES), ChangeSet.created_by_id.is_not(None),
               _not_reminded(ChangeSet.created_by_id, kind, "change_set", ChangeSet.id, ChangeSet.update_due))
        .order_by(ChangeSet.update_due, ChangeSet.id))
    for user_id, cs_id, due, changed, person_id, account_id, family, middle, given in rows:
        own = user_id == account_id
        name = _full_name(family, middle, given)
        title = (_("Quá hạn gửi cập nhật hồ sơ của %(name)s", name=name) if kind == "update_overdue"
                 else _("Sắp đến hạn gửi cập nhật hồ sơ của %(name)s", name=name))
        body = _("Thay đổi phát sinh ngày %(day)s đang ở bản nháp, chưa gửi duyệt; %(when)s.",
                 day=workdays.format_day(changed), when=run.when(due)) if changed else run.when(due)
        link = run.link("MyFileView.draft") if own else run.link("PeopleView.draft", pk=person_id)
        yield {"user_id": user_id, "kind": kind, "object_type": "change_set", "object_id": cs_id, "due_date": due,
               "title": title[:300], "body": body, "link": link}


# --------------------------------------------------------------------------- HN-21.6: the quarterly report

def _quality_reports(run: _Run, kind: str) -> Iterator[dict]:
    """Agencies without this quarter's report, due from today to the horizon or past due (until the quarter ends:
    a later quarter has its own report)."""
    from app.security.permissions import RESOURCE_REPORT, SIGN
    from app.services.reports.quarterly import due_date, quarter_of
    from models.data_quality import QualityReport

    quarters = [quarter_of(run.day)]
    grants = scope.grants_of(run.day, permission=("can_" + SIGN, RESOURCE_REPORT), except_roles=admin_roles())
    if grants is None:
        return
    for y, q in quarters:
        due = due_date(y, q)
        if due is None or (kind == "quality_report_due" and not run.day <= due <= run.horizon) or (
                kind == "quality_report_overdue" and not due < run.day):
            continue
        missing = (select(OrgUnit.id).where(OrgUnit.level == 2, OrgUnit.status == "active", ~exists(
            select(literal(1)).where(QualityReport.org_unit_id == OrgUnit.id, QualityReport.year == y,
                                     QualityReport.quarter == q))))
        holders = scope.holders(grants, missing, with_delegator=False).subquery("holders")
        object_id = y * 10 + q
        rows = db.session.execute(
            select(holders.c.user_id, OrgUnit.id, OrgUnit.name).join(OrgUnit, OrgUnit.id == holders.c.unit_id)
            .where(_not_reminded(holders.c.user_id, kind, "quality_report", object_id, literal(due)))
            .order_by(OrgUnit.id))
        for user_id, unit_id, unit in rows:
            title = (_("Quá hạn gửi báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s", q=q, y=y)
                     if kind == "quality_report_overdue"
                     else _("Sắp đến hạn gửi báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s", q=q, y=y))
            body = _("%(unit)s chưa gửi Sở Nội vụ báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s; %(when)s.",
                     unit=unit, q=q, y=y, when=run.when(due))
            yield {"user_id": user_id, "kind": kind, "object_type": "quality_report", "object_id": object_id,
                   "due_date": due, "title": title[:300], "body": body,
                   "link": run.link("QualityView.unit", pk=unit_id)}


# --------------------------------------------------------------------------- issue 16: moves

def _transfers(run: _Run, kind: str) -> Iterator[dict]:
    """Open moves due from today to the horizon (``transfer_due``) or before today (``transfer_overdue``)."""
    from app.services.transfers.states import KIND_LABELS
    from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

    window = (Transfer.due_date >= run.day, Transfer.due_date <= run.horizon) if kind == "transfer_due" \
        else (Transfer.due_date < run.day,)
    target = (Transfer.status.in_(OPEN_TRANSFER_STATUSES), Transfer.due_date.is_not(None), *window)
    officers = scope.grants_of(run.day, permission=(ACTION_WRITE, RESOURCE_PERSONNEL), except_roles=admin_roles())
    authority = run.profile.transfer_authority
    waiting_for_authority = (Transfer.kind == "between_agencies") & (Transfer.status == "recorded")
    legs = [(waiting_for_authority, Transfer.from_unit_id,
             scope.authority_grants(authority, run.day) if authority is not None else None),
            (~waiting_for_authority & (Transfer.status == "moved"), Transfer.to_unit_id, officers),
            (~waiting_for_authority & (Transfer.status == "recorded"), Transfer.from_unit_id, officers)]
    for condition, unit_col, grants in legs:
        if grants is None:
            continue
        holders = scope.holders(grants, select(unit_col).where(*target, condition).distinct(),
                                with_delegator=False).subquery("holders")
        rows = db.session.execute(
            select(holders.c.user_id, Transfer.id, Transfer.due_date, Transfer.kind, Transfer.decision_number,
                   Person.family_name, Person.middle_name, Person.given_name)
            .select_from(Transfer)
            .join(Person, Person.id == Transfer.person_id)
            .join(holders, holders.c.unit_id == unit_col)
            .where(*target, condition,
                   _not_reminded(holders.c.user_id, kind, "transfer", Transfer.id, Transfer.due_date))
            .order_by(Transfer.due_date, Transfer.id))
        for user_id, transfer_id, due, move_kind, number, family, middle, given in rows:
            name = _full_name(family, middle, given)
            title = (_("Quá hạn thực hiện quyết định điều động %(name)s", name=name) if kind == "transfer_overdue"
                     else _("Sắp đến hạn thực hiện quyết định điều động %(name)s", name=name))
            body = _("%(kind)s theo quyết định số %(number)s: %(when)s.", kind=KIND_LABELS.get(move_kind, move_kind),
                     number=number, when=run.when(due))
            yield {"user_id": user_id, "kind": kind, "object_type": "transfer", "object_id": transfer_id,
                   "due_date": due, "title": title[:300], "body": body,
                   "link": run.link("TransfersView.show", transfer_id=transfer_id)}


# --------------------------------------------------------------------------- issue 18: the national sync

def _sync_overdue(run: _Run) -> Iterator[dict]:
    """Agencies with approved versions not delivered to the national database past their deadline (ND27-SYNC):
    one reminder per agency and oldest deadline, to the officers who submit and resend its records (write on the
    national sync over the agency: heads and TCCB officers), administrators left out."""
    from app.security.permissions import RESOURCE_NATIONAL_SYNC
    from app.services.national_sync.outbox import now
    from models.national_sync import OPEN_ITEM_STATUSES, SyncItem

    grants = scope.grants_of(run.day, permission=(ACTION_WRITE, RESOURCE_NATIONAL_SYNC), except_roles=admin_roles())
    if grants is None:
        return
    late = (select(SyncItem.agency_unit_id.label("agency_id"), func.count().label("n"),
                   local_date(func.min(SyncItem.due_at)).label("oldest"))
            .where(SyncItem.status.in_(OPEN_ITEM_STATUSES), SyncItem.due_at < now())
            .group_by(SyncItem.agency_unit_id).subquery("late"))
    holders = scope.holders(grants, select(late.c.agency_id), with_delegator=False).subquery("holders")
    rows = db.session.execute(
        select(holders.c.user_id, late.c.agency_id, late.c.n, late.c.oldest, OrgUnit.name)
        .select_from(late).join(holders, holders.c.unit_id == late.c.agency_id)
        .join(OrgUnit, OrgUnit.id == late.c.agency_id)
        .where(_not_reminded(holders.c.user_id, "sync_overdue", "sync_agency", late.c.agency_id, late.c.oldest))
        .order_by(late.c.agency_id, holders.c.user_id))
    link = run.link("NationalSyncView.overdue")
    for user_id, agency_id, n, oldest, unit in rows:
        if isinstance(oldest, str):  # SQLite
            oldest = date.fromisoformat(oldest)
        yield {"user_id": user_id, "kind": "sync_overdue", "object_type": "sync_agency", "object_id": agency_id,
               "due_date": oldest, "title": _("%(n)s hồ sơ của %(unit)s quá hạn đồng bộ về CSDL quốc gia", n=n,
                                              unit=unit)[:300],
               "body": _("Hồ sơ đã duyệt phải được đồng bộ về CSDL quốc gia trong thời hạn quy định; hồ sơ quá hạn "
                         "lâu nhất có hạn %(due)s. Hãy kiểm tra các hồ sơ bị từ chối hoặc chưa gửi được.",
                         due=workdays.format_day(oldest)),
               "link": link}


# --------------------------------------------------------------------------- HN-7: the monthly window

def _month_window(run: _Run) -> tuple[date, date, date, set[str]] | None:
    """(first day, last calendar day, deadline, authorities) of this month's approval window, if today is in it."""
    lengths = {step.window_last_days for chain in run.profile.chains.values() for step in chain.steps
               if step.window_last_days}
    if not lengths:
        return None
    n = max(lengths)
    nxt = date(run.day.year + run.day.month // 12, run.day.month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    start = last - timedelta(days=n - 1)
    if not start <= run.day <= last:
        return None
    authorities = {step.authority for chain in run.profile.chains.values() for step in chain.steps
                   if step.window_last_days}
    return start, last, workdays.roll_forward(last), authorities


def _window_open(run: _Run) -> Iterator[dict]:
    found = _month_window(run)
    if found is None:
        return
    start, last, due, authorities = found
    month_key = run.day.year * 100 + run.day.month
    counts: dict[int, int] = {}
    for key in sorted(authorities):
        authority = run.profile.authorities[key]
        target = (ApprovalStep.status == "pending", ApprovalStep.authority == key,
                  ApprovalStep.window_start.is_not(None), ApprovalStep.window_start <= run.day)
        holders = _authority_holders(authority, _units_of_steps(target), run.day)
        if holders is None:
            continue
        rows = db.session.execute(
            select(holders.c.user_id, func.count(func.distinct(ApprovalStep.id)))
            .select_from(ApprovalStep)
            .join(ChangeSet, ChangeSet.id == ApprovalStep.change_set_id)
            .join(Person, Person.id == ChangeSet.person_id)
            .join(holders, holders.c.unit_id == Person.org_unit_id)
            .where(*target, may_decide_condition(holders.c.user_id),
                   _not_reminded(holders.c.user_id, "window_open", "window", month_key))
            .group_by(holders.c.user_id))
        for user_id, n in rows:
            counts[user_id] = counts.get(user_id, 0) + n
    link = run.link("ChangeSetsView.index")
    month = f"{run.day.month:02d}/{run.day.year}"
    for user_id, n in sorted(counts.items()):
        yield {"user_id": user_id, "kind": "window_open", "object_type": "window", "object_id": month_key,
               "due_date": due,
               "title": _("Kỳ phê duyệt tháng %(month)s: %(n)s đề nghị chờ bạn phê duyệt", month=month, n=n),
               "body": _("Từ ngày %(start)s đến hết ngày %(last)s là kỳ phê duyệt dữ liệu hằng tháng; "
                         "hạn cuối %(due)s. Có %(n)s đề nghị đang chờ bạn phê duyệt.",
                         start=workdays.format_day(start), last=workdays.format_day(last),
                         due=workdays.format_day(due), n=n),
               "link": link}


# --------------------------------------------------------------------------- the job

def run_reminders(day: date | None = None, *, send_email: bool = True) -> dict[str, int]:
    """Write today's reminders (one transaction), then e-mail the digests. Returns counts per kind and the
    e-mail counts (``emails_sent``, ``emails_failed``). Safe to run twice: the second run adds nothing."""
    with job_context():
        run_day = day or local_today()
        profile = active_profile()
        run = _Run(run_day, workdays.add_workdays(run_day, int(current_app.config.get(
            "REMINDER_HORIZON_WORKDAYS", 2))), profile)
        counts = dict.fromkeys(KINDS, 0)
        try:
            if profile.account_deadline is not None:
                counts["account_missing"] = insert_notifications(_account_missing(run))
            if profile.first_entry_deadline is not None:
                counts["first_entry_missing"] = insert_notifications(_first_entry_missing(run))
            counts["approval_due"] = insert_notifications(_approval(run, "approval_due"))
            counts["approval_overdue"] = insert_notifications(_approval(run, "approval_overdue"))
            if profile.window_reminder:
                counts["window_open"] = insert_notifications(_window_open(run))
            counts["update_due"] = insert_notifications(_updates(run, "update_due"))
            counts["update_overdue"] = insert_notifications(_updates(run, "update_overdue"))
            if profile.quality_report_day is not None:
                counts["quality_report_due"] = insert_notifications(_quality_reports(run, "quality_report_due"))
                counts["quality_report_overdue"] = insert_notifications(
                    _quality_reports(run, "quality_report_overdue"))
            counts["transfer_due"] = insert_notifications(_transfers(run, "transfer_due"))
            counts["transfer_overdue"] = insert_notifications(_transfers(run, "transfer_overdue"))
            if profile.national_sync is not None:
                counts["sync_overdue"] = insert_notifications(_sync_overdue(run))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        mail = send_digests() if send_email else {"sent": 0, "failed": 0, "skipped": 1}
        counts["emails_sent"], counts["emails_failed"] = mail["sent"], mail["failed"]
        log.info("reminders %s (%s): %s", run_day.isoformat(), profile.key, counts)
        return counts
