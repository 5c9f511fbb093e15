"""The biên chế and vị trí việc làm reports (issue 17 item 2; HN-3.1/3.2, HN-8.1, HCM-9.3), for a unit subtree and a
reference date, scoped by ``Report`` read (``app/security/scope.py``) like the compliance table.

- **Biên chế** (:func:`quota_report`): per unit and kind, the quota in force on the day (the latest decision of
  the day's year dated on or before it) against the people in post (status active or suspended, of the
  categories the kind counts: ``staffing.KIND_CATEGORIES``) in the unit's subtree; over and under. One grouped
  statement: the decisions ranked by a window function, the people counted once per (unit, kind), rolled up to
  the quota's unit by a prefix match on the units' paths.
- **Vị trí việc làm** (:func:`position_report`): per unit and position, the count approved (in force on the day)
  against the people holding the position (``person.job_position_code`` = the position's code) in the subtree, and
  how many of them hold another ngạch than the one the position requires; one statement the same way.
  :func:`rank_mismatches` lists those people (the files whose internal items the reader reads in clear).

People are counted as their files stand now (the file holds the current post); quotas and counts as decided on
the reference date. A quota given to a unit covers its whole subtree, so the total of a kind adds only the rows
not inside another row of the same kind. XLSX files are written row by row by XlsxWriter in constant memory
(``workbook.py``, by the report export job); text that a spreadsheet would read as a formula is written as text
with a quote prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_REPORT
from app.services import code_lists
from app.services.errors import NotFoundError
from app.services.personnel.people import ACTIVE_STATUSES
from app.services.personnel.syll import LEVEL_INTERNAL
from app.services.reports.workbook import SafeSheet, new_workbook
from app.services.staffing import GROUP_LABELS, KIND_CATEGORIES, KIND_LABELS, current_ids
from models.org_units import OrgUnit, Subtree
from models.personnel import Person
from models.staffing import JobPosition, JobPositionQuota, UnitQuota

__all__ = ["PositionReport", "PositionRow", "QuotaReport", "QuotaRow", "count_mismatches", "position_report",
           "quota_report", "rank_mismatches", "write_position_xlsx", "write_quota_xlsx"]


@dataclass(frozen=True)
class QuotaRow:
    """One quota in force and the people in post it covers."""

    quota_id: int
    unit_id: int
    unit_name: str
    unit_path: str
    kind: str
    quota: int
    decision_number: str
    decision_date: date
    in_post: int

    @property
    def difference(self) -> int:
        """People in post minus the quota: positive over, negative under."""
        return self.in_post - self.quota

    @property
    def state(self) -> str:
        """``over``, ``under`` or ``even``."""
        return "over" if self.difference > 0 else "under" if self.difference < 0 else "even"


@dataclass
class QuotaReport:
    """The biên chế report of a subtree (``root`` None: every unit the reader may report on) on ``day``."""

    root: OrgUnit | None
    day: date
    rows: list[QuotaRow]
    #: kind -> (quota, in post) over the rows not inside another row of the same kind.
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class PositionRow:
    """One position approved for a unit: the count in force, the people holding it, those of another ngạch."""

    quota_id: int
    unit_id: int
    unit_name: str
    unit_path: str
    position_id: int
    code: str
    name: str
    group: str
    rank_code: str | None
    approved: int
    decision_number: str
    decision_date: date
    filled: int
    mismatched: int

    @property
    def difference(self) -> int:
        """Filled minus approved."""
        return self.filled - self.approved


@dataclass
class PositionReport:
    """The vị trí việc làm report of a subtree on ``day``."""

    root: OrgUnit | None
    day: date
    rows: list[PositionRow]


def _root(user, unit_id: int | None) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not scope.allows(user, ACTION_READ, RESOURCE_REPORT, unit):
        raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
    return unit


def _in_root(column, root: OrgUnit | None):
    """SQL: the unit id ``column`` lies in ``root``'s subtree (true without a root)."""
    if root is None:
        return literal(True)
    return column.in_(select(OrgUnit.id).where(Subtree.of(root).condition()))


def _kind_of_category():
    return case(*[(Person.category.in_(cats), literal(kind)) for kind, cats in KIND_CATEGORIES.items()],
                else_=None)


def quota_report(user, unit_id: int | None = None, day: date | None = None) -> QuotaReport:
    """Quota vs people in post per unit and kind in ``unit_id``'s subtree (all the reader's units when None) on
    ``day`` (today). NotFoundError for a unit outside the reader's scope."""
    day = day or scope.today()
    root = _root(user, unit_id)
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_REPORT)
    current = current_ids(UnitQuota, (UnitQuota.org_unit_id, UnitQuota.kind), UnitQuota.year == day.year,
                          UnitQuota.org_unit_id.in_(readable), _in_root(UnitQuota.org_unit_id, root), day=day)
    quotas = select(UnitQuota).where(UnitQuota.id.in_(current)).subquery("quotas")
    classified = (select(Person.org_unit_id.label("unit_id"), _kind_of_category().label("kind"))
                  .where(Person.status.in_(ACTIVE_STATUSES), Person.org_unit_id.in_(readable),
                         _in_root(Person.org_unit_id, root))
                  .subquery("classified"))
    pu = aliased(OrgUnit, name="pu")
    people = (select(pu.path.label("path"), classified.c.kind, func.count().label("n"))
              .select_from(classified).join(pu, pu.id == classified.c.unit_id)
              .where(classified.c.kind.is_not(None))
              .group_by(pu.path, classified.c.kind).subquery("people"))
    qu = aliased(OrgUnit, name="qu")
    in_post = func.coalesce(func.sum(people.c.n), 0).label("in_post")
    stmt = (select(quotas.c.id, quotas.c.org_unit_id, qu.name, qu.path, quotas.c.kind, quotas.c.quota,
                   quotas.c.decision_number, quotas.c.decision_date, in_post)
            .select_from(quotas).join(qu, qu.id == quotas.c.org_unit_id)
            .outerjoin(people, and_(people.c.kind == quotas.c.kind, Subtree(qu.path).condition(people.c.path)))
            .group_by(quotas.c.id, quotas.c.org_unit_id, qu.name, qu.path, quotas.c.kind, quotas.c.quota,
                      quotas.c.decision_number, quotas.c.decision_date)
            .order_by(qu.path, quotas.c.kind))
    rows = [QuotaRow(*r[:8], int(r.in_post)) for r in db.session.execute(stmt)]
    totals: dict[str, tuple[int, int]] = {}
    for kind in KIND_LABELS:
        tops = [r for r in rows if r.kind == kind and not any(
            o is not r and o.kind == kind and Subtree(o.unit_path).covers(r.unit_path) for o in rows)]
        if tops:
            totals[kind] = (sum(r.quota for r in tops), sum(r.in_post for r in tops))
    return QuotaReport(root, day, rows, totals)


def position_report(user, unit_id: int | None = None, day: date | None = None) -> PositionReport:
    """Approved vs filled per position and unit in ``unit_id``'s subtree on ``day``, with the people of another
    ngạch than the position requires."""
    day = day or scope.today()
    root = _root(user, unit_id)
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_REPORT)
    current = current_ids(JobPositionQuota, (JobPositionQuota.org_unit_id, JobPositionQuota.job_position_id),
                          JobPositionQuota.org_unit_id.in_(readable), _in_root(JobPositionQuota.org_unit_id, root),
                          day=day)
    counts = select(JobPositionQuota).where(JobPositionQuota.id.in_(current)).subquery("counts")
    pu = aliased(OrgUnit, name="pu")
    people = (select(pu.path.label("path"), Person.job_position_code.label("code"),
                     Person.rank_code.label("rank_code"), func.count().label("n"))
              .select_from(Person).join(pu, pu.id == Person.org_unit_id)
              .where(Person.status.in_(ACTIVE_STATUSES), Person.org_unit_id.in_(readable),
                     _in_root(Person.org_unit_id, root), Person.job_position_code.is_not(None))
              .group_by(pu.path, Person.job_position_code, Person.rank_code).subquery("people"))
    qu = aliased(OrgUnit, name="qu")
    other_rank = and_(JobPosition.rank_code.is_not(None),
                      or_(people.c.rank_code.is_(None), people.c.rank_code != JobPosition.rank_code))
    filled = func.coalesce(func.sum(people.c.n), 0).label("filled")
    mismatched = func.coalesce(func.sum(case((other_rank, people.c.n), else_=0)), 0).label("mismatched")
    keys = (counts.c.id, counts.c.org_unit_id, qu.name, qu.path, JobPosition.id, JobPosition.code, JobPosition.name,
            JobPosition.group, JobPosition.rank_code, counts.c.count, counts.c.decision_number,
            counts.c.decision_date)
    stmt = (select(*keys, filled, mismatched)
            .select_from(counts).join(qu, qu.id == counts.c.org_unit_id)
            .join(JobPosition, JobPosition.id == counts.c.job_position_id)
            .outerjoin(people, and_(people.c.code == JobPosition.code, Subtree(qu.path).condition(people.c.path)))
            .group_by(*keys).order_by(qu.path, JobPosition.code))
    rows = [PositionRow(*r[:12], int(r.filled), int(r.mismatched)) for r in db.session.execute(stmt)]
    return PositionReport(root, day, rows)


def rank_mismatches(user, unit_id: int | None = None):
    """SELECT of the people in post whose ngạch is not the one their position requires (no ngạch counts as not
    matching), in ``unit_id``'s subtree, among the files whose internal items ``user`` reads in clear; by unit then
    name. Columns: id, family/middle/given name, unit name, rank_code, job_position_code, position name,
    required rank."""
    root = _root(user, unit_id)
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_REPORT)
    return (select(Person.id, Person.family_name, Person.middle_name, Person.given_name,
                   OrgUnit.name.label("unit_name"), Person.rank_code, Person.job_position_code,
                   JobPosition.name.label("position_name"), JobPosition.rank_code.label("required_rank"))
            .join(JobPosition, JobPosition.code == Person.job_position_code)
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .where(Person.status.in_(ACTIVE_STATUSES), Person.org_unit_id.in_(readable),
                   _in_root(Person.org_unit_id, root), scope.level_filter(user, LEVEL_INTERNAL),
                   JobPosition.rank_code.is_not(None),
                   or_(Person.rank_code.is_(None), Person.rank_code != JobPosition.rank_code))
            .order_by(OrgUnit.path, Person.sort_key, Person.id))


# --------------------------------------------------------------------------- XLSX


def state_label(state: str) -> str:
    """Vượt / Thiếu / Đủ."""
    return {"over": _("Vượt"), "under": _("Thiếu"), "even": _("Đủ")}[state]


def rank_label(code: str | None) -> str:
    """A ngạch's name and code ("" for none)."""
    return f"{code_lists.label('rank', code)} ({code})" if code else ""


def _sheet(book, name: str, widths: list[int]) -> SafeSheet:
    """A sheet written row by row (``workbook.SafeSheet``) with the formats of these reports."""
    sheet = SafeSheet(book, book.add_worksheet(name), widths)
    sheet.bold = sheet.format(bold=True)
    sheet.head = sheet.format(bold=True, text_wrap=True, border=1, valign="vcenter")
    return sheet


def _heading(sheet: SafeSheet, title: str, root: OrgUnit | None, day: date) -> None:
    sheet.line([title], sheet.bold)
    sheet.line([_("Đơn vị: %(unit)s", unit=root.name if root is not None else _("Tất cả đơn vị trong phạm vi"))])
    sheet.line([_("Ngày báo cáo: %(day)s", day=day.strftime("%d/%m/%Y"))])
    sheet.row += 1


def quota_headers() -> list[str]:
    """The biên chế report's columns (the web page and the XLSX share them)."""
    return [_("STT"), _("Đơn vị"), _("Loại biên chế"), _("Biên chế được giao"), _("Số quyết định"),
            _("Ngày quyết định"), _("Số người hiện có"), _("Chênh lệch"), _("Tình trạng")]


def write_quota_xlsx(report: QuotaReport, path: str, progress: Callable[[int], None] | None = None) -> int:
    """Write the biên chế report as an XLSX file at ``path`` (constant memory); ``progress(n)`` after each row.
    Returns the number of rows (quotas and totals)."""
    book = new_workbook(path)
    try:
        sheet = _sheet(book, _("Biên chế"), [6, 45, 26, 14, 22, 14, 14, 12, 12])
        _heading(sheet, _("Báo cáo biên chế được giao và số người hiện có"), report.root, report.day)
        sheet.line(quota_headers(), sheet.head)
        n = 0
        for n, r in enumerate(report.rows, 1):
            sheet.line([n, r.unit_name, str(KIND_LABELS[r.kind]), r.quota, r.decision_number, r.decision_date,
                        r.in_post, r.difference, state_label(r.state)])
            if progress is not None:
                progress(n)
        for kind, (quota, in_post) in report.totals.items():
            sheet.line(["", _("Tổng cộng"), str(KIND_LABELS[kind]), quota, "", "", in_post, in_post - quota, ""],
                       sheet.bold)
    finally:
        book.close()
    return n + len(report.totals)


def position_headers() -> list[str]:
    """The vị trí việc làm report's columns."""
    return [_("STT"), _("Đơn vị"), _("Mã vị trí"), _("Vị trí việc làm"), _("Nhóm"), _("Ngạch yêu cầu"),
            _("Số lượng được duyệt"), _("Số quyết định"), _("Ngày quyết định"), _("Số người đang giữ"),
            _("Chênh lệch"), _("Khác ngạch yêu cầu")]


def mismatch_headers() -> list[str]:
    """The columns of the list of people whose ngạch does not match their position."""
    return [_("STT"), _("Họ và tên"), _("Đơn vị"), _("Vị trí việc làm"), _("Ngạch yêu cầu"), _("Ngạch hiện giữ")]


def count_mismatches(mismatches) -> int:
    """How many people the SELECT of :func:`rank_mismatches` lists (one COUNT)."""
    return db.session.scalar(select(func.count()).select_from(mismatches.order_by(None).subquery()))


def write_position_xlsx(report: PositionReport, mismatches, path: str,
                        progress: Callable[[int], None] | None = None) -> int:
    """Write the vị trí việc làm report (sheet 1) and the people of another ngạch (sheet 2, streamed from
    ``mismatches``, the SELECT of :func:`rank_mismatches`) as an XLSX file at ``path`` (constant memory);
    ``progress(n)`` after each row. Returns the number of rows of both sheets."""
    book = new_workbook(path)
    try:
        sheet = _sheet(book, _("Vị trí việc làm"), [6, 40, 14, 40, 22, 30, 12, 22, 14, 12, 12, 12])
        _heading(sheet, _("Báo cáo vị trí việc làm được duyệt và số người đang giữ"), report.root, report.day)
        sheet.line(position_headers(), sheet.head)
        done = 0
        for n, r in enumerate(report.rows, 1):
            sheet.line([n, r.unit_name, r.code, r.name, str(GROUP_LABELS.get(r.group, r.group)),
                        rank_label(r.rank_code), r.approved, r.decision_number, r.decision_date, r.filled,
                        r.difference, r.mismatched])
            done += 1
            if progress is not None:
                progress(done)
        other = _sheet(book, _("Khác ngạch"), [6, 30, 40, 40, 30, 30])
        _heading(other, _("Người giữ vị trí việc làm không đúng ngạch yêu cầu"), report.root, report.day)
        other.line(mismatch_headers(), other.head)
        result = db.session.execute(mismatches.execution_options(yield_per=1000))
        for n, r in enumerate(result, 1):
            name = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
            other.line([n, name, r.unit_name, f"{r.position_name} ({r.job_position_code})",
                        rank_label(r.required_rank), rank_label(r.rank_code) or _("Chưa có ngạch")])
            done += 1
            if progress is not None:
                progress(done)
    finally:
        book.close()
    return done
