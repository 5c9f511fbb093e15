"""The checks of one staged person (issue 19, item 3): exactly the edit forms' (``values.parse_section`` for each
section and each table row, ``change_sets.cross_check`` across items, ``change_sets.row_checks`` for a table row),
plus what only an import meets — duplicates.

A section is checked as its edit form checks it when saved: every field, the required ones included. A new file's
identity and documents are always checked; another scalar section only when the row gives at least one of its
items (an entirely empty section is left empty: the file's completeness shows it). For a person who already has a
file (same CCCD, in the importer's scope and unit subtree) only the items the row gives are checked here; the
commit opens a change set through ``save_section``, which checks the section as a save does.

Duplicates: a CCCD with an active file outside the importer's reach (another unit, out of scope, in the archive,
on its way to another agency) is an error; two rows with one CCCD are both errors (``duplicate_rows``); a file or
a row with the same name and birth date but another CCCD is a warning (probable duplicate), never an error.

Database look-ups are made for a batch of people at once (:func:`lookups`): one query for the CCCDs, one for the
name + birth date pairs — no query per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, select, tuple_

from app.crypto import blind_index
from app.security import scope
from app.security.permissions import ACTION_WRITE
from app.services import code_lists
from app.services.code_lists import lookup_key
from app.services.errors import Errors
from app.services.imports import layout as lay
from app.services.imports.staging import ROW, Staged
from app.services.personnel import change_sets, checks
from app.services.personnel import values as fv
from app.services.personnel.people import ACTIVE_STATUSES, ARCHIVE_STATUSES, CATEGORIES, covered_categories
from app.services.personnel.syll import SECTIONS, section
from app.text import clean, sort_key
from models.org_units import OrgUnit, Subtree
from models.personnel import Person
from models.transfers import OPEN_TRANSFER_STATUSES, Transfer

__all__ = ["Context", "SCALAR_SECTIONS", "Verdict", "check", "duplicate_rows", "lookups", "parsed_row", "parsed_scalar",
           "recheck", "resolve_category"]

#: Scalar sections of the form, in order (the photo has no item to import).
SCALAR_SECTIONS = tuple(s for s in SECTIONS if not s.repeating and s.fields)
#: Sections always checked for a new file.
ALWAYS = ("identity", "documents")


@dataclass
class Existing:
    """A file already holding a CCCD of the batch."""

    person_id: int
    status: str
    unit_name: str
    writable: bool
    in_subtree: bool
    in_transit: bool


@dataclass
class Context:
    """What the checks of one upload share: the actor, the unit, the default category, the batch's look-ups, and
    the name + birth date pairs met so far in the file."""

    actor: object
    unit: OrgUnit
    category: str
    existing: dict[str, Existing] = field(default_factory=dict)
    probable: dict[tuple, set[str]] = field(default_factory=dict)
    seen_pairs: dict[tuple, tuple[int, str]] = field(default_factory=dict)
    on: date | None = None
    #: The upload is in the 2C-BNV/2008 layout (see :func:`parsed_scalar`).
    legacy: bool = False


@dataclass
class Verdict:
    """The result of the checks of one person."""

    errors: list[list]
    warnings: list[list]
    action: str
    category: str | None
    person_id: int | None = None
    #: The values as parsed: {scalar section key: {field: JSON}} and {table section key: [row values]} — what the
    #: commit writes for a new file, without parsing the row again.
    scalar: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def resolve_category(text: str | None, default: str) -> str | None:
    """The category key a cell names (key or label, accent-blind); ``default`` for an empty cell; None if unknown
    or not covered by the city."""
    value = clean(text)
    if not value:
        return default
    covered = covered_categories()
    for key, label in CATEGORIES.items():
        if lookup_key(value) in (lookup_key(key), lookup_key(str(label))):
            return key if key in covered else None
    return None


def _pair(st: Staged) -> tuple | None:
    """(sort key, birth date) of a staged person, for probable duplicates (None when either is unreadable)."""
    s = st.scalar
    given = clean(s.get("given_name"))
    if not given:
        return None
    try:
        born, _precision = checks.parse_partial_date(s.get("birth_date"))
    except ValueError:
        return None
    if born is None:
        return None
    return sort_key(given, " ".join(p for p in (clean(s.get("family_name")), clean(s.get("middle_name"))) if p)), born


def lookups(ctx: Context, batch: list[Staged]) -> None:
    """Read what the checks of ``batch`` need from the database: the files holding its CCCDs, and the active files
    with the same name and birth date (two queries)."""
    indexes = {blind_index(st.cccd) for st in batch if st.cccd}
    indexes.discard(None)
    ctx.existing = {}
    if indexes:
        from app.extensions import db

        writable = scope.person_filter(ctx.actor, ACTION_WRITE)
        transit = select(Transfer.id).where(Transfer.person_id == Person.id, Transfer.kind == "between_agencies",
                                            Transfer.status.in_(OPEN_TRANSFER_STATUSES)).exists()
        rows = db.session.execute(
            select(Person.id, Person.cccd_index, Person.status, OrgUnit.name,
                   case((writable, True), else_=False), case((Subtree.of(ctx.unit).condition(), True), else_=False),
                   case((transit, True), else_=False))
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id).where(Person.cccd_index.in_(sorted(indexes))))
        for pid, idx, status, unit_name, can_write, inside, moving in rows:
            old = ctx.existing.get(idx)
            if old is None or (old.status not in ACTIVE_STATUSES and status in ACTIVE_STATUSES):
                ctx.existing[idx] = Existing(pid, status, unit_name, bool(can_write), bool(inside), bool(moving))
    pairs = {p for p in (_pair(st) for st in batch) if p is not None}
    ctx.probable = {}
    if pairs:
        from app.extensions import db

        rows = db.session.execute(select(Person.sort_key, Person.birth_date, Person.cccd_index).where(
            tuple_(Person.sort_key, Person.birth_date).in_(sorted(pairs, key=lambda p: (p[0], p[1]))),
            Person.status.in_(ACTIVE_STATUSES)))
        for key, born, idx in rows:
            ctx.probable.setdefault((key, born), set()).add(idx or "")


def _errors_of(errors: Errors, sheet: str, line: int, out: list[list], fields: dict | None = None,
               data: dict | None = None) -> None:
    """Append ``errors`` as issues of (sheet, line); an unmatched code gets the closest names of its list."""
    for name, messages in errors.items():
        f = (fields or {}).get(name)
        hint = ""
        if f is not None and f.type == "code" and clean((data or {}).get(name)):
            near = code_lists.suggest(f.code_list, (data or {}).get(name))
            if near:
                hint = " " + _("Có phải: %(names)s?", names=", ".join(f"“{n}”" for n in near))
        for message in messages:
            out.append([sheet, line, ROW if name == "__all__" else name, message + hint])


#: Scalar fields by name (their names are unique across the scalar sections: they are ``person``'s columns).
def _scalar_fields() -> dict:
    return {f.name: f for sec in SCALAR_SECTIONS for f in sec.fields}


def parsed_scalar(st: Staged, *, new: bool, legacy: bool = False) -> tuple[dict[str, dict], Errors]:
    """Parse the scalar sections a staged person gives (see the module doc): ({section key: {field: JSON}},
    errors by field). ``legacy`` (the 2C-BNV/2008 layout): outside identity and documents only the items given are
    checked — the items TT 06/2023 added (domain.md §1.2) are not on the old form, so they cannot be required."""
    errors = Errors()
    out: dict[str, dict] = {}
    for sec in SCALAR_SECTIONS:
        given = {f.name for f in sec.fields if clean(st.scalar.get(f.name))}
        if not given and not (new and sec.key in ALWAYS):
            out[sec.key] = {}
            continue
        data = {f.name: st.scalar.get(f.name) for f in sec.fields}
        whole = new and (sec.key in ALWAYS or not legacy)
        parsed = fv.parse_section(sec, data, errors, agency=True, only=None if whole else given)
        values = {}
        for f in sec.fields:
            if f.name in parsed:
                values[f.name] = fv.to_json(f, parsed[f.name])
                if f.type == "pdate":
                    values[fv.precision_key(f.name)] = parsed.get(fv.precision_key(f.name))
        out[sec.key] = values
    return out, errors


def parsed_row(key: str, data: dict) -> tuple[dict, Errors]:
    """Parse one table row of section ``key`` as its edit form does: (JSON values, errors by field)."""
    sec = section(key)
    errors = Errors()
    parsed = fv.parse_section(sec, data, errors, agency=True)
    values = {}
    for f in sec.fields:
        if f.name in parsed:
            values[f.name] = fv.to_json(f, parsed[f.name])
            if f.type == "pdate":
                values[fv.precision_key(f.name)] = parsed.get(fv.precision_key(f.name))
    if not errors:
        change_sets.row_checks(sec, values, errors)
    return values, errors


def check(st: Staged, ctx: Context) -> Verdict:
    """Every check of one staged person (see the module doc)."""
    errors: list[list] = []
    warnings: list[list] = []
    for issue in st.issues:
        (warnings if issue[2] == ROW or "ký tự điều khiển" in issue[3] else errors).append(list(issue))
    sheet, line = st.sheet, st.line
    category = resolve_category(st.scalar.get(lay.CATEGORY), ctx.category)
    if category is None:
        errors.append([sheet, line, lay.CATEGORY, _(
            "Đối tượng “%(value)s” không có trong danh sách hoặc quy chế của thành phố không áp dụng.",
            value=clean(st.scalar.get(lay.CATEGORY))[:60])])
    action, person_id = "create", None
    if not st.cccd:
        errors.append([sheet, line, "cccd", _("Số CCCD là bắt buộc: hồ sơ được nhận diện theo Số CCCD.")])
    else:
        found = ctx.existing.get(blind_index(st.cccd))
        if found is not None:
            message = _existing_problem(found)
            if message:
                errors.append([sheet, line, "cccd", message])
            else:
                action, person_id = "update", found.person_id
    scalar, errs = parsed_scalar(st, new=action == "create", legacy=ctx.legacy)
    _errors_of(errs, sheet, line, errors, _scalar_fields(), st.scalar)
    doc = {"sections": {sec.key: scalar.get(sec.key, {}) for sec in SCALAR_SECTIONS}}
    cross = Errors()
    change_sets.cross_check(doc, cross, on=ctx.on)
    known = {e[2] for e in errors}
    for name, messages in cross.items():
        for message in messages:
            if name not in known:  # a field already wrong is not checked against the others
                errors.append([sheet, line, name, message])
    parsed_rows: dict[str, list[dict]] = {}
    for key, rows in st.sections.items():
        for rsheet, rline, data in rows:
            values, row_errors = parsed_row(key, data)
            parsed_rows.setdefault(key, []).append(values)
            _errors_of(row_errors, rsheet, rline, errors, {f.name: f for f in section(key).fields}, data)
    pair = _pair(st)
    if pair is not None:
        others = ctx.probable.get(pair, set()) - {blind_index(st.cccd) if st.cccd else ""}
        if others:
            warnings.append([sheet, line, ROW, _(
                "Có thể trùng người: đã có hồ sơ cùng họ tên và ngày sinh với người này (Số CCCD khác).")])
        earlier = ctx.seen_pairs.get(pair)
        if earlier is not None and earlier[1] != st.cccd:
            warnings.append([sheet, line, ROW, _(
                "Có thể trùng người: dòng %(line)s có cùng họ tên và ngày sinh (Số CCCD khác).", line=earlier[0])])
        else:
            ctx.seen_pairs.setdefault(pair, (line, st.cccd))
    return Verdict(errors, warnings, action if not errors else "none", category, person_id, scalar, parsed_rows)


def recheck(st: Staged, ctx: Context, parsed: dict | None) -> Verdict:
    """The commit's checks of a person the dry run found valid as a new file, from the values it parsed then
    (``parsed``: {"scalar", "rows"} of its :class:`Verdict`): only what may have changed since — the CCCD now held
    by a file, a code that expired, the checks that depend on today's date. Anything else than "still a valid new
    file" (or no ``parsed``) runs the whole :func:`check` again, for its messages."""
    if not parsed or not st.cccd or ctx.existing.get(blind_index(st.cccd)) is not None:
        return check(st, ctx)
    category = resolve_category(st.scalar.get(lay.CATEGORY), ctx.category)
    if category is None:
        return check(st, ctx)
    on = ctx.on or date.today()
    scalar, rows = parsed.get("scalar") or {}, parsed.get("rows") or {}

    def codes_valid(sec, values: dict) -> bool:
        for f in sec.fields:
            code = values.get(f.name)
            if f.type == "code" and code is not None and not (
                    code in code_lists.labels(f.code_list) if f.any_period else code_lists.is_valid(f.code_list,
                                                                                                    code, on)):
                return False
        return True

    if not all(codes_valid(sec, scalar.get(sec.key) or {}) for sec in SCALAR_SECTIONS) or not all(
            codes_valid(section(key), values) for key, key_rows in rows.items() for values in key_rows):
        return check(st, ctx)
    cross = Errors()
    change_sets.cross_check({"sections": {sec.key: scalar.get(sec.key, {}) for sec in SCALAR_SECTIONS}}, cross,
                            on=ctx.on)
    if cross:
        return check(st, ctx)
    return Verdict([], [], "create", category, None, scalar, rows)


def _existing_problem(found: Existing) -> str | None:
    """Why a file with the row's CCCD cannot take the import (None: it can, as a change set)."""
    if found.status in ARCHIVE_STATUSES:
        return _("Hồ sơ mang Số CCCD này đang ở kho lưu trữ; hãy tiếp nhận người này qua chức năng “Tiếp nhận, "
                 "chuyển đến”.")
    if not found.writable:
        return _("Số CCCD này đã có hồ sơ đang công tác tại một đơn vị ngoài phạm vi của bạn; mỗi người chỉ có "
                 "một hồ sơ.")
    if not found.in_subtree:
        return _("Số CCCD này đã có hồ sơ tại đơn vị “%(unit)s”, ngoài đơn vị nhập; muốn chuyển người này hãy dùng "
                 "chức năng điều động.", unit=found.unit_name)
    if found.in_transit:
        return _("Hồ sơ mang Số CCCD này đang chuyển công tác sang cơ quan khác; chưa cập nhật được.")
    return None


def duplicate_rows(lines: list[tuple[str, int]]) -> str:
    """The error of a row whose CCCD is on other rows too (``lines``: their sheet and line)."""
    return _("Số CCCD này có ở nhiều dòng (%(lines)s); mỗi người chỉ một dòng.",
             lines=", ".join(str(line) for _sheet, line in lines[:10]))
