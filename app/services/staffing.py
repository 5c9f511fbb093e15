"""Staffing data (issue 17 item 1; HN-3.1/3.2, HN-8.1, HCM-9.3): quotas (biên chế) by decision, the job-position
catalogue (vị trí việc làm) and the count of each position approved per unit.

One public function = one use case = one transaction, audited (the models are ``__audited__``: the change log
names them, ``views/audit.py``). Who may do what:

- **read**: ``Staffing`` read on the unit (``scope.py``); the city's common positions (no owning unit) are read by
  every holder of ``Staffing`` read;
- **write** a quota or an approved count: ``Staffing`` write on the unit — Sở Nội vụ city-wide, an agency's TCCB
  officers inside their subtree; a unit outside it is refused (403) and nothing is written;
- **write** a common position (no owning unit): ``Staffing`` write on the whole city (Sở Nội vụ); an agency's own
  position: ``Staffing`` write on the agency.

History: a quota or a count is never overwritten. A new decision is a new row; the one in force on a day is the
latest decision dated on or before it (``current_ids``: a window function). A decision dated before the one in
force, a decision in the future, or the same decision twice is refused.

A person's position is linked **by code**: ``person.job_position_code`` (item 30.3 of the SYLL, filled through the
file's approval) names ``job_position.code``, which never changes once created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_STAFFING
from app.services import code_lists
from app.services.errors import Errors, ForbiddenError, NotFoundError, use_case
from app.text import clean
from models.org_units import STATUS_ACTIVE, OrgUnit, Subtree
from models.staffing import POSITION_GROUPS, QUOTA_KINDS, JobPosition, JobPositionQuota, UnitQuota

__all__ = [
    "GROUP_LABELS",
    "KIND_CATEGORIES",
    "KIND_LABELS",
    "PositionData",
    "create_position",
    "current_ids",
    "get_position",
    "get_quota",
    "is_city_writer",
    "position_counts",
    "position_list",
    "quota_history",
    "quota_list",
    "set_position_count",
    "set_quota",
    "update_position",
]

#: Kinds of quota: key -> label.
KIND_LABELS = {
    "cong_chuc": _l("Biên chế công chức"),
    "so_nguoi_lam_viec": _l("Số lượng người làm việc"),
    "hop_dong": _l("Hợp đồng lao động"),
}
#: The people a quota of each kind counts (``person.category``). People on probation (tập sự) and non-dedicated
#: commune workers (không chuyên trách) hold no quota of these kinds.
KIND_CATEGORIES = {
    "cong_chuc": ("can_bo", "cong_chuc"),
    "so_nguoi_lam_viec": ("vien_chuc",),
    "hop_dong": ("nguoi_lao_dong",),
}
#: Groups of positions: key -> label.
GROUP_LABELS = {
    "lanh_dao": _l("Lãnh đạo, quản lý"),
    "chuyen_mon": _l("Chuyên môn, nghiệp vụ"),
    "ho_tro": _l("Hỗ trợ, phục vụ"),
}
assert tuple(KIND_LABELS) == QUOTA_KINDS and tuple(GROUP_LABELS) == POSITION_GROUPS

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_COUNT = 1_000_000
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


# --------------------------------------------------------------------------- scope helpers


def is_city_writer(user) -> bool:
    """True when ``user`` writes staffing data for the whole city (Sở Nội vụ): a grant over the root's subtree."""
    return any(g.include_descendants and g.unit_path.count("/") == 2
               for g in scope.grants_for(user, ACTION_WRITE, RESOURCE_STAFFING))


def _unit(errors: Errors, field: str, raw: Any) -> OrgUnit | None:
    try:
        unit = db.session.get(OrgUnit, as_id(raw)) if raw not in (None, "") else None
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        errors.add(field, _("Hãy chọn một đơn vị có trong danh sách."))
    elif unit.status != STATUS_ACTIVE:
        errors.add(field, _("Đơn vị %(name)s đã chấm dứt hoạt động.", name=unit.name))
    return unit


def _require_write(user, unit: OrgUnit) -> None:
    if not scope.allows(user, ACTION_WRITE, RESOURCE_STAFFING, unit):
        raise ForbiddenError(_("Bạn không có quyền cập nhật biên chế, vị trí việc làm của đơn vị %(name)s.",
                               name=unit.name))


def _decision(errors: Errors, number: str | None, day: date | None) -> str:
    number = clean(number)
    if not number:
        errors.add("decision_number", _("Hãy nhập số quyết định."))
    elif len(number) > 100:
        errors.add("decision_number", _("Tối đa %(max)s ký tự.", max=100))
    if day is None:
        errors.add("decision_date", _("Hãy nhập ngày quyết định."))
    elif day > scope.today():
        errors.add("decision_date", _("Ngày quyết định không được sau ngày hôm nay."))
    return number


def _count(errors: Errors, field: str, value: Any) -> int | None:
    if value is None or value == "":
        errors.add(field, _("Hãy nhập số lượng."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _("Số lượng phải là số nguyên."))
        return None
    if not 0 <= number <= MAX_COUNT:
        errors.add(field, _("Phải là số từ %(min)s đến %(max)s.", min=0, max=MAX_COUNT))
        return None
    return number


def _check_history(errors: Errors, model, key: dict, number: str, day: date | None) -> None:
    """A new decision may not predate the one in force, nor repeat a recorded decision number."""
    rows = db.session.execute(select(model.decision_number, model.decision_date)
                              .where(*[getattr(model, k) == v for k, v in key.items()])
                              .order_by(model.decision_date.desc(), model.id.desc())).all()
    if not rows:
        return
    if number and any(clean(r.decision_number).casefold() == number.casefold() for r in rows):
        errors.add("decision_number", _("Quyết định số %(number)s đã được ghi nhận.", number=number))
    latest = rows[0]
    if day is not None and day < latest.decision_date:
        errors.add("decision_date", _(
            "Quyết định đang áp dụng là số %(number)s ngày %(day)s; quyết định mới không được có ngày sớm hơn.",
            number=latest.decision_number, day=latest.decision_date.strftime("%d/%m/%Y")))


def current_ids(model, partition: tuple, *conditions, day: date | None = None) -> Select:
    """SELECT of the ids of the rows in force: per ``partition`` (columns of ``model``), the latest decision dated on
    or before ``day`` (any date when None) among the rows matching ``conditions`` — one window function."""
    if day is not None:
        conditions = (*conditions, model.decision_date <= day)
    rank = func.row_number().over(partition_by=partition,
                                  order_by=(model.decision_date.desc(), model.id.desc())).label("rn")
    ranked = select(model.id.label("id"), rank).where(*conditions).subquery("ranked")
    return select(ranked.c.id).where(ranked.c.rn == 1)


def _audited(actor, reason: str | None):
    return audit.acting_as(actor, request_id=audit.current_request_id()), audit.reason(reason)


def _add(actor, row, reason: str | None) -> None:
    acting, why = _audited(actor, reason)
    with acting, why:
        db.session.add(row)
        db.session.flush()


# --------------------------------------------------------------------------- quotas


@use_case
def set_quota(actor, unit_id: Any, year: Any, kind: str | None, quota: Any, decision_number: str | None,
              decision_date: date | None, note: str | None = None) -> UnitQuota:
    """Record the decision giving a unit its quota of ``kind`` for ``year``; it supersedes the one in force (which
    is kept). Raises ForbiddenError for a unit outside the actor's write scope, ValidationError for bad input."""
    errors = Errors()
    unit = _unit(errors, "org_unit_id", unit_id)
    if unit is not None:
        _require_write(actor, unit)
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        errors.add("year", _("Năm phải từ %(min)s đến %(max)s.", min=MIN_YEAR, max=MAX_YEAR))
    if kind not in KIND_LABELS:
        errors.add("kind", _("Hãy chọn loại biên chế."))
    amount = _count(errors, "quota", quota)
    number = _decision(errors, decision_number, decision_date)
    if unit is not None and year is not None and kind in KIND_LABELS:
        _check_history(errors, UnitQuota, {"org_unit_id": unit.id, "year": year, "kind": kind}, number,
                       decision_date)
    errors.raise_if_any()
    row = UnitQuota(org_unit_id=unit.id, year=year, kind=kind, quota=amount, decision_number=number,
                    decision_date=decision_date, note=clean(note) or None, created_by_id=getattr(actor, "id", None))
    _add(actor, row, number)
    return row


def quota_list(user, *, unit_id: int | None = None, year: int | None = None, kind: str | None = None) -> Select:
    """SELECT (UnitQuota, unit name) of the quotas in force (the latest decision per unit, year and kind) of the
    units ``user`` reads, optionally inside ``unit_id``'s subtree, of one year or one kind; by unit, year, kind."""
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_STAFFING)
    conditions = [UnitQuota.org_unit_id.in_(readable)]
    if year is not None:
        conditions.append(UnitQuota.year == year)
    if kind:
        conditions.append(UnitQuota.kind == kind)
    if unit_id is not None:
        root = db.session.get(OrgUnit, unit_id)
        conditions.append(UnitQuota.org_unit_id.in_(
            select(OrgUnit.id).where(Subtree.of(root).condition()) if root is not None else []))
    current = current_ids(UnitQuota, (UnitQuota.org_unit_id, UnitQuota.year, UnitQuota.kind), *conditions)
    return (select(UnitQuota, OrgUnit.name.label("unit_name")).join(OrgUnit, OrgUnit.id == UnitQuota.org_unit_id)
            .where(UnitQuota.id.in_(current))
            .order_by(OrgUnit.path, UnitQuota.year.desc(), UnitQuota.kind))


def get_quota(user, quota_id: Any) -> UnitQuota:
    """One quota decision ``user`` reads (NotFoundError otherwise)."""
    try:
        row = db.session.get(UnitQuota, as_id(quota_id))
    except (TypeError, ValueError):
        row = None
    if row is None or not scope.allows(user, ACTION_READ, RESOURCE_STAFFING, row.org_unit):
        raise NotFoundError(_("Không tìm thấy quyết định giao biên chế trong phạm vi của bạn."))
    return row


def quota_history(user, quota_id: Any) -> tuple[UnitQuota, list[UnitQuota]]:
    """A quota decision and every decision of the same unit, year and kind, the one in force first."""
    row = get_quota(user, quota_id)
    history = list(db.session.scalars(select(UnitQuota).where(
        UnitQuota.org_unit_id == row.org_unit_id, UnitQuota.year == row.year, UnitQuota.kind == row.kind)
        .order_by(UnitQuota.decision_date.desc(), UnitQuota.id.desc())))
    return row, history


# --------------------------------------------------------------------------- positions


@dataclass
class PositionData:
    """A position as typed (``code`` and ``org_unit_id`` only when creating)."""

    code: str | None = None
    name: str | None = None
    group: str | None = None
    rank_code: str | None = None
    org_unit_id: Any = None
    active: bool = True
    note: str | None = None


def _position_fields(errors: Errors, data: PositionData) -> dict:
    name = clean(data.name)
    if not name:
        errors.add("name", _("Hãy nhập tên vị trí việc làm."))
    elif len(name) > 200:
        errors.add("name", _("Tối đa %(max)s ký tự.", max=200))
    if data.group not in GROUP_LABELS:
        errors.add("group", _("Hãy chọn nhóm vị trí việc làm."))
    rank = clean(data.rank_code) or None
    if rank is not None and not code_lists.is_valid("rank", rank):
        errors.add("rank_code", _("Mã ngạch, chức danh nghề nghiệp không có trong danh mục."))
    return {"name": name, "group": data.group, "rank_code": rank, "active": bool(data.active),
            "note": clean(data.note) or None}


def _may_write_position(user, position: JobPosition) -> bool:
    if position.org_unit_id is None:
        return is_city_writer(user)
    return scope.allows(user, ACTION_WRITE, RESOURCE_STAFFING, position.org_unit)


def _may_read_position(user, position: JobPosition) -> bool:
    if position.org_unit_id is None:
        return scope.has_permission(user, ACTION_READ, RESOURCE_STAFFING)
    return scope.allows(user, ACTION_READ, RESOURCE_STAFFING, position.org_unit)


@use_case
def create_position(actor, data: PositionData) -> JobPosition:
    """Add a position to the catalogue: the city's common one (no unit: Sở Nội vụ only) or an agency's own."""
    errors = Errors()
    code = clean(data.code).upper()
    if not code:
        errors.add("code", _("Hãy nhập mã vị trí việc làm."))
    elif len(code) > 40 or not CODE_RE.match(code):
        errors.add("code", _("Mã gồm chữ không dấu, chữ số và các dấu . - _ / (tối đa 40 ký tự, không có khoảng "
                             "trắng)."))
    elif db.session.scalar(select(func.count()).select_from(JobPosition).where(JobPosition.code == code)):
        errors.add("code", _("Mã %(code)s đã có trong danh mục.", code=code))
    unit = None
    if data.org_unit_id not in (None, ""):
        unit = _unit(errors, "org_unit_id", data.org_unit_id)
        if unit is not None:
            _require_write(actor, unit)
    elif not is_city_writer(actor):
        errors.add("org_unit_id", _("Chỉ Sở Nội vụ được thêm vị trí vào danh mục chung của thành phố; hãy chọn cơ "
                                    "quan của bạn."))
    values = _position_fields(errors, data)
    errors.raise_if_any()
    row = JobPosition(code=code, org_unit_id=unit.id if unit is not None else None, **values)
    _add(actor, row, None)
    return row


def get_position(user, position_id: Any, *, write: bool = False) -> JobPosition:
    """One position ``user`` reads (NotFoundError otherwise); with ``write``, ForbiddenError when they may only read
    it."""
    try:
        row = db.session.get(JobPosition, as_id(position_id))
    except (TypeError, ValueError):
        row = None
    if row is None or not _may_read_position(user, row):
        raise NotFoundError(_("Không tìm thấy vị trí việc làm trong phạm vi của bạn."))
    if write and not _may_write_position(user, row):
        raise ForbiddenError(_("Bạn không có quyền sửa vị trí việc làm %(code)s.", code=row.code))
    return row


@use_case
def update_position(actor, position_id: Any, data: PositionData) -> JobPosition:
    """Change a position's name, group, required ngạch, note or whether it is in use (its code and its owner stay)."""
    row = get_position(actor, position_id, write=True)
    errors = Errors()
    values = _position_fields(errors, data)
    errors.raise_if_any()
    acting, why = _audited(actor, None)
    with acting, why:
        for key, value in values.items():
            setattr(row, key, value)
        db.session.flush()
    return row


def position_list(user, *, q: str | None = None, group: str | None = None, unit_id: int | None = None,
                  include_inactive: bool = False) -> Select:
    """SELECT (JobPosition, owner unit name) of the positions ``user`` reads: the city's common ones and those of
    the agencies in their scope; ``q`` matches code or name, ``unit_id`` keeps an agency's own; by code."""
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_STAFFING)
    stmt = (select(JobPosition, OrgUnit.name.label("unit_name"))
            .outerjoin(OrgUnit, OrgUnit.id == JobPosition.org_unit_id)
            .where(or_(JobPosition.org_unit_id.is_(None), JobPosition.org_unit_id.in_(readable)))
            .order_by(JobPosition.code))
    if not scope.has_permission(user, ACTION_READ, RESOURCE_STAFFING):
        stmt = stmt.where(JobPosition.id.is_(None))
    if q:
        like = f"%{clean(q).upper()}%"
        stmt = stmt.where(or_(func.upper(JobPosition.code).like(like), func.upper(JobPosition.name).like(like)))
    if group:
        stmt = stmt.where(JobPosition.group == group)
    if unit_id is not None:
        stmt = stmt.where(JobPosition.org_unit_id == unit_id)
    if not include_inactive:
        stmt = stmt.where(JobPosition.active.is_(True))
    return stmt


@use_case
def set_position_count(actor, position_id: Any, unit_id: Any, count: Any, decision_number: str | None,
                       decision_date: date | None, note: str | None = None) -> JobPositionQuota:
    """Record the decision approving ``count`` people in a position for a unit; it supersedes the one in force."""
    position = get_position(actor, position_id)
    errors = Errors()
    unit = _unit(errors, "org_unit_id", unit_id)
    if unit is not None:
        _require_write(actor, unit)
        if position.org_unit_id is not None and not Subtree(position.org_unit.path).covers(unit):
            errors.add("org_unit_id", _("Vị trí này thuộc danh mục riêng của %(owner)s; chỉ giao cho đơn vị thuộc "
                                        "cơ quan đó.", owner=position.org_unit.name))
    if not position.active:
        errors.add("__all__", _("Vị trí việc làm %(code)s đã ngừng sử dụng.", code=position.code))
    amount = _count(errors, "count", count)
    number = _decision(errors, decision_number, decision_date)
    if unit is not None:
        _check_history(errors, JobPositionQuota, {"org_unit_id": unit.id, "job_position_id": position.id}, number,
                       decision_date)
    errors.raise_if_any()
    row = JobPositionQuota(job_position_id=position.id, org_unit_id=unit.id, count=amount, decision_number=number,
                           decision_date=decision_date, note=clean(note) or None,
                           created_by_id=getattr(actor, "id", None))
    _add(actor, row, number)
    return row


def position_counts(user, position_id: Any) -> tuple[JobPosition, list, list]:
    """A position, the counts in force per unit ``user`` reads ((JobPositionQuota, unit name) by unit) and every
    decision (history, newest first)."""
    position = get_position(user, position_id)
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_STAFFING)
    mine = (JobPositionQuota.job_position_id == position.id, JobPositionQuota.org_unit_id.in_(readable))
    current = current_ids(JobPositionQuota, (JobPositionQuota.org_unit_id,), *mine)
    base = select(JobPositionQuota, OrgUnit.name.label("unit_name")).join(
        OrgUnit, OrgUnit.id == JobPositionQuota.org_unit_id)
    rows = db.session.execute(base.where(JobPositionQuota.id.in_(current)).order_by(OrgUnit.path)).all()
    history = db.session.execute(base.where(*mine).order_by(
        JobPositionQuota.decision_date.desc(), JobPositionQuota.id.desc())).all()
    return position, rows, history
