"""Values of the form: parsing what a person typed, JSON for change sets and snapshots, display text.

Three shapes of one value: the **input** (a string from a form or an import), the **typed** value stored in
a column (date, Decimal, int, bool, str), and the **JSON** value kept in change items and file versions
(ISO dates, decimals as strings). A partial date ("pdate") travels with its precision in ``<name>_precision``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.services import code_lists
from app.services.errors import Errors
from app.services.personnel import checks
from app.services.personnel.syll import Field, Section
from app.text import clean

__all__ = ["display", "from_json", "max_length", "parse_section", "precision_key", "to_json", "typed_row"]


def precision_key(name: str) -> str:
    """Name of the companion precision value of a partial-date field."""
    return f"{name}_precision"


_MAX_LENGTHS: dict[tuple, int | None] = {}


def max_length(sec: Section, f: Field) -> int | None:
    """The longest text ``f`` accepts: its registry ``max_length`` and, for text, the length of the ``String``
    column that stores it (the smaller wins), so a value the database would refuse is a field error. Worked out
    once per field (the registry and the models are fixed)."""
    key = (sec.table, f.name, f.max_length, f.type, f.encrypted)
    if key not in _MAX_LENGTHS:
        _MAX_LENGTHS[key] = _max_length(sec, f)
    return _MAX_LENGTHS[key]


def _max_length(sec: Section, f: Field) -> int | None:
    limits = [f.max_length] if f.max_length else []
    if f.type in ("text", "longtext"):
        from models.personnel import SECTION_MODELS, Person

        model = SECTION_MODELS[sec.table] if sec.table else Person
        column = model.__table__.columns.get(f.name)
        length = getattr(getattr(column, "type", None), "length", None)
        if length and not f.encrypted:
            limits.append(length)
    return min(limits) if limits else None


def _parse_one(f: Field, raw, errors: Errors, on: date | None, kept=None,
               limit: int | None = None) -> tuple[object, str | None]:
    """Parse one input; returns (typed value, precision) and records problems in ``errors``."""
    text = clean(raw if isinstance(raw, str) else ("" if raw is None else str(raw)))
    if f.type == "bool":
        return (text.lower() in ("1", "true", "on", "yes", "y", "có")), None
    if not text:
        if f.required:
            errors.add(f.name, _("Mục “%(label)s” là bắt buộc.", label=f.label))
        return None, None
    limit = limit if limit is not None else f.max_length
    if limit and len(text) > limit:
        errors.add(f.name, _("Mục “%(label)s” dài quá %(n)s ký tự.", label=f.label, n=limit))
        return None, None
    try:
        if f.type in ("text", "longtext"):
            return text, None
        if f.type == "pdate":
            return checks.parse_partial_date(text)
        if f.type == "date":
            value, precision = checks.parse_partial_date(text)
            if precision != "day":
                errors.add(f.name, _("Mục “%(label)s” cần đủ ngày, tháng, năm.", label=f.label))
                return None, None
            return value, None
        if f.type == "month":
            return checks.parse_month(text), None
        if f.type in ("int", "year", "money"):
            value = int(text.replace(".", "").replace(" ", "")) if f.type == "money" else int(text)
            low, high = (1900, 2100) if f.type == "year" else (f.min_value, f.max_value)
            if (low is not None and value < low) or (high is not None and value > high):
                errors.add(f.name, _("Mục “%(label)s” phải trong khoảng %(low)s – %(high)s.",
                                     label=f.label, low=low, high=high))
                return None, None
            return value, None
        if f.type == "decimal":
            value = Decimal(text.replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
            if (f.min_value is not None and value < Decimal(str(f.min_value))) or (
                    f.max_value is not None and value > Decimal(str(f.max_value))):
                errors.add(f.name, _("Mục “%(label)s” phải trong khoảng %(low)s – %(high)s.",
                                     label=f.label, low=f.min_value, high=f.max_value))
                return None, None
            return value.quantize(Decimal("0.01")), None
        if f.type == "code":
            code = code_lists.resolve(f.code_list, text)
            known = code is not None and (code == kept or (
                code in code_lists.labels(f.code_list) if f.any_period else code_lists.is_valid(f.code_list, code, on)))
            if not known:
                errors.add(f.name, _("Mục “%(label)s”: “%(value)s” không có trong danh mục.",
                                     label=f.label, value=text))
                return None, None
            return code, None
    except (ValueError, InvalidOperation) as exc:
        message = str(exc) if f.type in ("pdate", "date", "month") and str(exc) else None
        errors.add(f.name, message or _("Mục “%(label)s”: giá trị “%(value)s” không hợp lệ.",
                                        label=f.label, value=text))
        return None, None
    raise ValueError(f"unknown field type {f.type}")


def parse_section(sec: Section, data: dict, errors: Errors, *, agency: bool, on: date | None = None,
                  only: set[str] | None = None, approved: dict | None = None) -> dict:
    """Parse every field of ``sec`` (or those named in ``only``) from ``data``; typed values by name.

    Fields the person may not fill themselves (``self_edit=False``) are skipped unless ``agency``. A code
    equal to the approved one (``approved``: the row's JSON values) is kept even if its list entry has
    since expired. Every problem is recorded in ``errors``; nothing is raised here.
    """
    values: dict = {}
    for f in sec.fields:
        if (not f.self_edit and not agency) or (only is not None and f.name not in only):
            continue
        value, precision = _parse_one(f, data.get(f.name), errors, on, (approved or {}).get(f.name),
                                      max_length(sec, f))
        values[f.name] = value
        if f.type == "pdate":
            values[precision_key(f.name)] = precision
    for f in sec.fields:
        if f.type == "month" and f.name == "start" and values.get("start") and values.get("end"):
            for message in checks.check_period(values["start"], values["end"], sec.label):
                errors.add("end", message)
    return values


def to_json(f: Field, value):
    """Typed value -> JSON value."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if f.type == "decimal":
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    return value


def from_json(f: Field, value):
    """JSON value -> typed value (for writing a column)."""
    if value is None:
        return None
    if f.type in ("date", "pdate"):
        return date.fromisoformat(value)
    if f.type == "decimal":
        return Decimal(value)
    return value


def typed_row(sec: Section, json_values: dict) -> dict:
    """A change item's JSON values -> column values of the section (only the section's own fields)."""
    out = {}
    for f in sec.fields:
        if f.name in json_values:
            out[f.name] = from_json(f, json_values[f.name])
        if f.type == "pdate" and precision_key(f.name) in json_values:
            out[precision_key(f.name)] = json_values[precision_key(f.name)]
    return out


def display(f: Field, value, precision: str | None = None) -> str:
    """Human text of a JSON value of ``f`` (dates dd/mm/yyyy, months mm/yyyy, code names)."""
    if value is None or value == "":
        return ""
    if f.type == "bool":
        return _("Có") if value else _("Không")
    if f.type == "pdate":
        return checks.format_partial_date(date.fromisoformat(value), precision or "day")
    if f.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if f.type == "month":
        return checks.format_month(value)
    if f.type == "code":
        return code_lists.label(f.code_list, value)
    if f.type == "money":
        return f"{int(value):,}".replace(",", ".")
    if f.type == "decimal":
        return str(value).replace(".", ",")
    return str(value)
