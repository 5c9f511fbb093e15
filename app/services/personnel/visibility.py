"""Who may see which item of whose file: the one answer the file page, the diffs and the change log share.

The reader's level on a file is ``scope.person_access(user, person).level`` (their roles on the person's
unit, their own file, an approval authority, a consent grant); an item is shown in clear when its
restricted-access level in the registry (``syll.py``) is at or below it (HN-4.3, HCM-6.2).

Stored before/after values (the change log) name columns, not form items: :func:`column_level` maps the
columns of ``person``, of the section tables and of the other objects of a file (change sets, steps,
attachments) to a level. Bookkeeping columns (ids, status, dates of the workflow) are never masked; a column
the registry does not know is treated as specially restricted (default deny).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.security import scope
from app.services.personnel.syll import LEVEL_RESTRICTED, LEVEL_SENSITIVE, SECTIONS, Field
from models.approvals import ApprovalStep, ChangeSetDocument
from models.personnel import SECTION_MODELS, Attachment, ChangeSet, Person

__all__ = [
    "META",
    "column_level",
    "hidden",
    "is_person_related",
    "may_see",
    "person_ids_for_log",
    "reader_level",
    "reader_levels",
]

#: Level of a bookkeeping column: shown to whoever sees the log row.
META = None

_SECTION_META = {"id", "person_id", "position", "kind", "side"}
_META_COLUMNS: dict[str, set[str]] = {
    "Person": {"id", "org_unit_id", "account_id", "category", "status", "status_since", "status_decision",
               "btv_managed", "version_no", "completeness", "created_at", "updated_at", "decision_date"},
    "ChangeSet": {"id", "person_id", "status", "base_version_no", "created_by_id", "on_behalf", "created_at",
                  "updated_at", "submitted_at", "submitted_by_id", "decided_at", "decided_by_id", "version_id",
                  "chain", "round", "signed_at", "due_date", "change_date", "update_due"},
    "ApprovalStep": {"id", "change_set_id", "round", "seq", "key", "authority", "status", "signature_required",
                     "window_start", "due_date", "rule", "started_at", "acted_at", "actor_id", "on_behalf_of_id",
                     "signature_ref", "created_at"},
    "ChangeSetDocument": {"id", "change_set_id", "round", "sha256", "signed_fields", "updated_at"},
    "Attachment": {"id", "person_id", "change_set_id", "kind", "section", "mime_type", "size", "sha256",
                   "stored_name", "uploaded_by_id", "uploaded_at"},
}


def _registry() -> dict[str, dict[str, int]]:
    """Object type -> column -> level, from the SYLL registry (the highest level a column holds)."""
    out: dict[str, dict[str, int]] = {"Person": {}}
    for sec in SECTIONS:
        target = out["Person"] if sec.table is None else out.setdefault(SECTION_MODELS[sec.table].__name__, {})
        for f in sec.fields:
            for column in (f.name, f"{f.name}_precision") if f.type == "pdate" else (f.name,):
                target[column] = max(target.get(column, -1), f.level)
    # Digitised proof opens only at the sensitive level (``attachments.open_attachment``); its names with it.
    out["Attachment"] = {"original_name": LEVEL_SENSITIVE, "description": LEVEL_SENSITIVE}
    return out


_LEVELS = _registry()
_SECTION_TYPES = {model.__name__ for model in SECTION_MODELS.values()}
_PERSON_TYPES = {"Person", "ChangeSet", "Attachment"} | _SECTION_TYPES
_CHANGE_SET_TYPES = {"ApprovalStep": ApprovalStep, "ChangeSetDocument": ChangeSetDocument}
_MODELS = {"Person": Person, "ChangeSet": ChangeSet, "Attachment": Attachment,
           **{model.__name__: model for model in SECTION_MODELS.values()}}


def is_person_related(object_type: str | None) -> bool:
    """True for the objects that hold or describe a personnel file (their values are masked per reader)."""
    return object_type in _PERSON_TYPES or object_type in _CHANGE_SET_TYPES


def column_level(object_type: str, column: str) -> int | None:
    """Restricted-access level of ``column`` of a logged ``object_type``: :data:`META` for bookkeeping
    columns and objects that are no part of a file, the registry's level for form items, and
    ``LEVEL_RESTRICTED`` for a column of a file's object the registry does not know (default deny)."""
    if not is_person_related(object_type):
        return META
    if column in _META_COLUMNS.get(object_type, _SECTION_META if object_type in _SECTION_TYPES else ()):
        return META
    return _LEVELS.get(object_type, {}).get(column, LEVEL_RESTRICTED)


def hidden(f: Field, level: int) -> bool:
    """True when item field ``f`` is above a reader's ``level`` (shown masked)."""
    return f.level > level


def may_see(user, person: Person, f: Field) -> bool:
    """May ``user`` read item field ``f`` of ``person``'s file in clear?"""
    return not hidden(f, reader_level(user, person))


def reader_level(user, person: Person | None) -> int:
    """Highest level ``user`` reads in clear on ``person``'s file (-1 when there is no such file)."""
    return scope.person_access(user, person).level if person is not None else -1


def reader_levels(user, person_ids: Iterable[int]) -> dict[int, int]:
    """:func:`reader_level` for many files (one query for the files, none per file for the grants)."""
    ids = {int(i) for i in person_ids if i is not None}
    if not ids:
        return {}
    people = db.session.scalars(select(Person).options(joinedload(Person.org_unit)).where(Person.id.in_(ids))).all()
    return {p.id: reader_level(user, p) for p in people}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def person_ids_for_log(rows) -> dict[int, int | None]:
    """Change-log row id -> the person whose file the logged object belongs to (None: not a file's object,
    or not found). Reads the logged values first, then the live rows (one query per object type), then the
    logged inserts of rows deleted since."""
    out: dict[int, int | None] = {}
    via_set: dict[int, list[int]] = {}
    pending: dict[str, dict[int, list[int]]] = {}
    for row in rows:
        if not is_person_related(row.object_type):
            continue
        values = {**(row.before or {}), **(row.after or {})}
        out[row.id] = None
        if row.object_type == "Person":
            out[row.id] = _int(row.object_id)
            continue
        column = "change_set_id" if row.object_type in _CHANGE_SET_TYPES else "person_id"
        found = _int(values.get(column))
        if found is None and _int(row.object_id) is not None:
            pending.setdefault(row.object_type, {}).setdefault(_int(row.object_id), []).append(row.id)
        elif column == "person_id":
            out[row.id] = found
        elif found is not None:
            via_set.setdefault(found, []).append(row.id)
    for object_type, by_id in pending.items():
        model = _CHANGE_SET_TYPES.get(object_type) or _MODELS[object_type]
        column = "change_set_id" if object_type in _CHANGE_SET_TYPES else "person_id"
        for ident, value in _lookup(model, column, by_id).items():
            for row_id in by_id[ident]:
                if column == "person_id":
                    out[row_id] = value
                else:
                    via_set.setdefault(value, []).append(row_id)
    if via_set:
        for ident, person_id in _lookup(ChangeSet, "person_id", via_set).items():
            for row_id in via_set[ident]:
                out[row_id] = person_id
    return out


def _lookup(model, column: str, ids) -> dict[int, int]:
    """``column`` of the live ``model`` rows ``ids``; for rows deleted since, the value their logged insert
    recorded."""
    from models.audit import ChangeLog

    ids = set(ids)
    found = dict(db.session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())
    missing = {str(i) for i in ids - set(found)}
    if missing:
        for object_id, after in db.session.execute(select(ChangeLog.object_id, ChangeLog.after).where(
                ChangeLog.object_type == model.__name__, ChangeLog.object_id.in_(missing),
                ChangeLog.action == "insert")):
            value = _int((after or {}).get(column))
            if value is not None:
                found[int(object_id)] = value
    return {k: v for k, v in found.items() if v is not None}
