"""Validation helpers: codes, decisions, descriptive fields, parents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.request_input import MAX_INT
from app.services.errors import Errors, NotFoundError, ValidationError
from app.services.org_units.queries import get_unit
from app.services.org_units.values import Decision, UnitData
from app.text import clean
from models.org_units import (
    STATUS_ACTIVE,
    UNIT_TYPES,
    OrgUnit,
    Subtree,
)

__all__ = [
    "CODE_PATTERNS",
    "check_decision",
    "check_unit_data",
    "code_is_valid",
    "has_members",
    "is_inside",
    "load_open",
    "load_parent",
    "open_children",
    "validate_code",
]


#: Accepted shapes of a mã định danh (QĐ 20/2020/QĐ-TTg, amended QĐ 09/2025; domain.md §4).
CODE_PATTERNS = (
    re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"),  # 2020 form, 4 levels: 000.00.00.H29
    re.compile(r"^[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"),  # older 3-level form: 00.09.H29
    re.compile(r"^[A-Z][0-9]{2}(\.[0-9]{2,3}){1,4}$"),  # post-2025 dotted-forward form: H01.151.01
)

MAX_NAME = 255
MAX_SHORT_NAME = 100
MAX_ADDRESS = 500
MAX_DECISION_NUMBER = 100


# --------------------------------------------------------------------------- validation helpers


def validate_code(code: str | None) -> str | None:
    """Normalise a mã định danh (trim, upper case); return None when empty. Raises nothing."""
    value = clean(code).upper()
    return value or None


def code_is_valid(code: str) -> bool:
    """True when ``code`` has one of the shapes of QĐ 20/2020/QĐ-TTg."""
    return any(p.match(code) for p in CODE_PATTERNS)


def check_decision(decision: Decision, errors: Errors, *, required: bool = True) -> None:
    """Add to ``errors`` what is missing or wrong in the decision (number, dates)."""
    number = clean(decision.number)
    if required and not number:
        errors.add("decision_number", _("Số quyết định là bắt buộc."))
    if len(number) > MAX_DECISION_NUMBER:
        errors.add("decision_number", _("Số quyết định dài quá %(max)s ký tự.", max=MAX_DECISION_NUMBER))
    if required and decision.date is None:
        errors.add("decision_date", _("Ngày quyết định là bắt buộc."))
    if decision.date and decision.effective_date and decision.effective_date < decision.date:
        errors.add("effective_date", _("Ngày hiệu lực không được trước ngày quyết định."))


def check_unit_data(
    data: UnitData,
    errors: Errors,
    *,
    prefix: str = "",
    existing: OrgUnit | None = None,
    freed_codes: Iterable[str] = (),
    taken_codes: set[str] | None = None,
) -> None:
    """Validate descriptive fields; ``freed_codes`` are codes of units the same event closes."""
    name = clean(data.name)
    if not name:
        errors.add(prefix + "name", _("Tên đơn vị là bắt buộc."))
    elif len(name) > MAX_NAME:
        errors.add(prefix + "name", _("Tên đơn vị dài quá %(max)s ký tự.", max=MAX_NAME))
    if len(clean(data.short_name)) > MAX_SHORT_NAME:
        errors.add(prefix + "short_name", _("Tên viết tắt dài quá %(max)s ký tự.", max=MAX_SHORT_NAME))
    if len(clean(data.address)) > MAX_ADDRESS:
        errors.add(prefix + "address", _("Địa chỉ dài quá %(max)s ký tự.", max=MAX_ADDRESS))
    if data.unit_type not in UNIT_TYPES:
        errors.add(prefix + "unit_type", _("Loại đơn vị không hợp lệ."))
    if data.bien_che_quota is not None and (not isinstance(data.bien_che_quota, int)
                                            or not 0 <= data.bien_che_quota <= MAX_INT):
        errors.add(prefix + "bien_che_quota", _("Chỉ tiêu biên chế phải là số nguyên không âm."))
    code = validate_code(data.ma_dinh_danh)
    if code:
        if not code_is_valid(code):
            errors.add(
                prefix + "ma_dinh_danh",
                _(
                    "Mã định danh %(code)s không đúng định dạng của QĐ 20/2020/QĐ-TTg "
                    "(ví dụ 000.00.00.H29, 00.09.H29 hoặc H01.151.01).",
                    code=code,
                ),
            )
        elif code not in set(freed_codes):
            holder = db.session.scalar(
                select(OrgUnit).where(OrgUnit.ma_dinh_danh == code, OrgUnit.status == STATUS_ACTIVE)
            )
            if holder is not None and (existing is None or holder.id != existing.id):
                errors.add(
                    prefix + "ma_dinh_danh",
                    _(
                        "Mã định danh %(code)s đã được dùng cho đơn vị đang hoạt động %(name)s.",
                        code=code,
                        name=holder.name,
                    ),
                )
        if taken_codes is not None:
            if code in taken_codes:
                errors.add(
                    prefix + "ma_dinh_danh", _("Mã định danh %(code)s bị trùng trong cùng quyết định.", code=code)
                )
            taken_codes.add(code)


def load_parent(parent_id: Any, errors: Errors, field_name: str = "parent_id") -> OrgUnit | None:
    """Load an open parent unit or record why it cannot be one."""
    try:
        return get_unit(parent_id, field_name=field_name, open_only=True)
    except NotFoundError:
        errors.add(field_name, _("Đơn vị cấp trên không tồn tại."))
    except ValidationError as exc:
        for msg in exc.messages:
            errors.add(field_name, msg)
    return None


def load_open(unit_id: Any, errors: Errors, field_name: str) -> OrgUnit | None:
    """The open unit ``unit_id``, or None with the reason added to ``errors`` under ``field_name``."""
    try:
        return get_unit(unit_id, field_name=field_name, open_only=True)
    except NotFoundError as exc:
        errors.add(field_name, exc.messages[0])
    except ValidationError as exc:
        for msg in exc.messages:
            errors.add(field_name, msg)
    return None


def is_inside(unit: OrgUnit, root: OrgUnit) -> bool:
    """True when ``unit`` is ``root`` or one of its descendants."""
    return Subtree.of(root).covers(unit)


def open_children(unit: OrgUnit) -> list[OrgUnit]:
    """The open direct children of ``unit``, in name order."""
    stmt = (
        select(OrgUnit)
        .where(OrgUnit.parent_id == unit.id, OrgUnit.status == STATUS_ACTIVE)
        .order_by(OrgUnit.search_key, OrgUnit.id)
    )
    return list(db.session.scalars(stmt))


def has_members(counts: dict[str, int]) -> bool:
    """True when any registered reference counts a row in ``counts``."""
    return any(counts.values())

