"""The data-issue register (HN-17.4): staff who manage the data report an unclear or contradictory item of a file;
the person and the unit's officers are told at once; an officer of the unit resolves or rejects it.

- **Report** (:func:`report_issue`): whoever may read the file (and holds write on the register) names a section of
  the Sơ yếu lý lịch (``syll.SECTIONS``), optionally one of its fields, and says what is wrong. The person (their
  account) and the unit's officers — the holders of write on personnel files over the file's unit (and valid
  delegates), administrator roles left out — get a notice in the same transaction.
- **Resolve / reject** (:func:`resolve_issue`, :func:`reject_issue`): an officer who writes the file's unit closes
  an open issue with what was done (or why the data is right); the reporter is told.
- **Scope**: every read goes through ``scope.person_filter`` — an issue is seen where its file is read (a file that
  moved takes its open issues along); an issue outside the scope is "not found" (no existence leak).

Each use case is one transaction; ``data_issue`` is audited (the change log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_DATA_ISSUE, RESOURCE_PERSONNEL
from app.services import notifications
from app.services.errors import Errors, ForbiddenError, NotFoundError, ServiceError, use_case
from app.services.personnel import syll
from app.services.personnel.people import get_person
from app.text import clean
from models.accounts import Account
from models.data_quality import ISSUE_STATUSES, DataIssue
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = ["DESCRIPTION_MAX", "DESCRIPTION_MIN", "IssueRow", "can_resolve", "item_choices", "item_label",
           "issue_in_scope", "list_issues", "reject_issue", "report_issue", "resolve_issue"]

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
PAGE_SIZE = 50


class IssueClosed(ServiceError):
    """The issue was already resolved or rejected."""

    status = 409


def item_choices() -> list[tuple[str, str]]:
    """(value, label) of what an issue may name: each section of the form (not the photo) and each of its fields
    ("section.field"), in form order."""
    out = []
    for sec in syll.SECTIONS:
        if sec.key == "photo":
            continue
        out.append((sec.key, str(sec.label)))
        out.extend((f"{sec.key}.{f.name}", f"— {f.label}") for f in sec.fields)
    return out


def item_label(section: str, field: str | None) -> str:
    """The section's label, and the field's when one is named."""
    try:
        sec = syll.section(section)
    except KeyError:
        return section
    if field:
        try:
            return f"{sec.label}: {sec.field(field).label}"
        except KeyError:
            pass
    return str(sec.label)


def _parse_item(value: str | None, errors: Errors) -> tuple[str | None, str | None]:
    text = clean(value)
    section_key, _dot, field_name = text.partition(".")
    try:
        sec = syll.section(section_key)
        if sec.key == "photo" or (field_name and field_name not in {f.name for f in sec.fields}):
            raise KeyError(text)
    except KeyError:
        errors.add("item", _("Hãy chọn mục của sơ yếu lý lịch có dữ liệu chưa đúng."))
        return None, None
    return sec.key, field_name or None


def _description(value: str | None, field_name: str, errors: Errors, what: str) -> str:
    text = clean(value)
    if len(text) < DESCRIPTION_MIN:
        errors.add(field_name, _("%(what)s phải có ít nhất %(n)s ký tự.", what=what, n=DESCRIPTION_MIN))
    elif len(text) > DESCRIPTION_MAX:
        errors.add(field_name, _("%(what)s không được dài quá %(n)s ký tự.", what=what, n=DESCRIPTION_MAX))
    return text


def _officers(person: Person, except_ids: set[int]) -> set[int]:
    """The unit's officers: holders of write on personnel files over the file's unit (and valid delegates of it),
    administrator roles left out."""
    from app.workflow import local_today

    permission = (ACTION_WRITE, RESOURCE_PERSONNEL)
    grants = scope.grants_of(local_today(), permission=permission,
                             delegation_actions=scope.delegated_actions(permission),
                             except_roles=notifications.admin_roles())
    if grants is None:
        return set()
    found = scope.holders(grants, [person.org_unit_id], with_delegator=False).subquery("holders")
    return set(db.session.scalars(select(found.c.user_id))) - except_ids - {None}


def _link(endpoint: str, **values) -> str | None:
    from flask import current_app
    from werkzeug.routing import BuildError

    try:
        return current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    except BuildError:
        return None


@use_case
def report_issue(actor, person_id, item: str | None, description: str | None) -> DataIssue:
    """Report unclear or contradictory data on a file the actor may read; tell the person and the unit's officers.

    ``item`` is a section key of the form, or "section.field". NotFoundError for a file outside the scope,
    ForbiddenError without write on the register, ValidationError (every problem at once) for bad input."""
    person = get_person(actor, person_id, ACTION_READ)
    if not scope.has_permission(actor, ACTION_WRITE, RESOURCE_DATA_ISSUE):
        raise ForbiddenError(_("Bạn không có quyền báo dữ liệu chưa đúng."))
    errors = Errors()
    section_key, field_name = _parse_item(item, errors)
    text = _description(description, "description", errors, _("Nội dung phản ánh"))
    errors.raise_if_any()
    issue = DataIssue(person_id=person.id, org_unit_id=person.org_unit_id, section=section_key, field=field_name,
                      description=text, status="open", reported_by_id=actor.id, reported_at=datetime.now(UTC))
    db.session.add(issue)
    db.session.flush()
    with _vi():
        what = item_label(section_key, field_name)
        reporter = actor.display_name or actor.username
        body = _("%(actor)s báo mục “%(item)s” có dữ liệu chưa đúng: %(text)s", actor=reporter, item=what, text=text)
        own = _("Hồ sơ của bạn có dữ liệu cần xác minh")
        theirs = _("Hồ sơ của %(name)s có dữ liệu cần xác minh", name=person.full_name)
    told = {actor.id}
    if person.account_id is not None and person.account_id != actor.id:
        notifications.notify([person.account_id], "data_issue", "data_issue", issue.id, own, body,
                             _link("MyFileView.index"))
        told.add(person.account_id)
    notifications.notify(_officers(person, told), "data_issue", "data_issue", issue.id, theirs, body,
                         _link("DataIssuesView.index"))
    return issue


def _vi():
    """Notices are written in the app's language (Vietnamese), whatever the actor's."""
    from flask import current_app
    from flask_babel import force_locale

    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi")


def issue_in_scope(actor, issue_id) -> DataIssue:
    """The issue ``issue_id`` if its file is one the actor may read (NotFoundError otherwise)."""
    try:
        iid = int(issue_id)
    except (TypeError, ValueError):
        iid = None
    issue = None if iid is None else db.session.scalar(
        select(DataIssue).join(Person, Person.id == DataIssue.person_id)
        .where(DataIssue.id == iid, scope.person_filter(actor, ACTION_READ)))
    if issue is None:
        raise NotFoundError(_("Không tìm thấy phản ánh này trong phạm vi của bạn."))
    return issue


def can_resolve(actor, issue: DataIssue) -> bool:
    """True when the actor is an officer of the file's unit (write on personnel files there) and holds write on
    the register."""
    return (scope.has_permission(actor, ACTION_WRITE, RESOURCE_DATA_ISSUE)
            and scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, issue.person.org_unit_id))


def checked_for_closing(actor, issue_id) -> DataIssue:
    """The open issue the actor may close: NotFoundError outside the scope, ForbiddenError for someone who is not
    an officer of the file's unit, IssueClosed (409) once it is closed."""
    issue = issue_in_scope(actor, issue_id)
    if not can_resolve(actor, issue):
        raise ForbiddenError(_("Chỉ cán bộ tổ chức cán bộ của đơn vị quản lý hồ sơ mới xử lý được phản ánh này."))
    if issue.status != "open":
        raise IssueClosed(_("Phản ánh này đã được xử lý."))
    return issue


def _close(actor, issue_id, resolution: str | None, status: str) -> DataIssue:
    issue = checked_for_closing(actor, issue_id)
    db.session.refresh(issue, with_for_update=True)
    if issue.status != "open":
        raise IssueClosed(_("Phản ánh này đã được xử lý."))
    errors = Errors()
    text = _description(resolution, "resolution", errors, _("Kết quả xử lý"))
    errors.raise_if_any()
    issue.status, issue.resolution = status, text
    issue.resolved_by_id, issue.resolved_at = actor.id, datetime.now(UTC)
    with _vi():
        title = _("Phản ánh dữ liệu về hồ sơ %(name)s: %(status)s", name=issue.person.full_name,
                  status=str(ISSUE_STATUSES[status]).lower())
        body = _("%(actor)s: %(text)s", actor=actor.display_name or actor.username, text=text)
    notifications.notify({issue.reported_by_id} - {actor.id}, "data_issue_closed", "data_issue", issue.id, title,
                         body, _link("DataIssuesView.index", status=status))
    return issue


@use_case
def resolve_issue(actor, issue_id, resolution: str | None) -> DataIssue:
    """Close an open issue: the data was corrected (or explained); ``resolution`` says what was done."""
    return _close(actor, issue_id, resolution, "resolved")


@use_case
def reject_issue(actor, issue_id, resolution: str | None) -> DataIssue:
    """Close an open issue as unfounded: the data is right; ``resolution`` says why."""
    return _close(actor, issue_id, resolution, "rejected")


@dataclass(frozen=True)
class IssueRow:
    """A row of the register's list."""

    id: int
    person_id: int
    person_name: str
    unit_name: str
    section: str
    field: str | None
    description: str
    status: str
    reported_at: datetime
    reporter: str | None
    resolution: str | None
    resolved_at: datetime | None
    writable: bool


def list_issues(actor, status: str = "open", *, offset: int = 0, limit: int = PAGE_SIZE
                ) -> tuple[list[IssueRow], bool]:
    """Issues of the given status on the files the actor may read, oldest first for open ones (newest first
    otherwise); whether there are more. ``writable``: the actor may close it (an officer of the file's unit)."""
    if status not in ISSUE_STATUSES:
        status = "open"
    write_col = None
    if scope.has_permission(actor, ACTION_WRITE, RESOURCE_DATA_ISSUE):
        write_col = Person.org_unit_id.in_(scope.unit_ids(actor, ACTION_WRITE, RESOURCE_PERSONNEL))
    unit = OrgUnit
    order = (DataIssue.reported_at.asc(), DataIssue.id.asc()) if status == "open" else (
        DataIssue.resolved_at.desc(), DataIssue.id.desc())
    stmt = (select(DataIssue.id, DataIssue.person_id, Person.family_name, Person.middle_name, Person.given_name,
                   unit.name, DataIssue.section, DataIssue.field, DataIssue.description, DataIssue.status,
                   DataIssue.reported_at, Account.username, Account.first_name, Account.last_name,
                   DataIssue.resolution, DataIssue.resolved_at,
                   *([] if write_col is None else [write_col.label("writable")]))
            .select_from(DataIssue).join(Person, Person.id == DataIssue.person_id)
            .join(unit, unit.id == Person.org_unit_id)
            .outerjoin(Account, Account.id == DataIssue.reported_by_id)
            .where(DataIssue.status == status, scope.person_filter(actor, ACTION_READ))
            .order_by(*order).offset(max(offset, 0)).limit(limit + 1))
    out = []
    for r in db.session.execute(stmt).all():
        name = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
        reporter = " ".join(p for p in (r.last_name, r.first_name) if p) or r.username
        allowed = bool(getattr(r, "writable", False))
        out.append(IssueRow(r.id, r.person_id, name, r.name, r.section, r.field, r.description, r.status,
                            r.reported_at, reporter, r.resolution, r.resolved_at, allowed))
    return out[:limit], len(out) > limit

