"""The file as one document: snapshot of the approved rows, a draft laid over it, the diff, versions.

A snapshot is plain JSON: ``{"meta": {...}, "sections": {key: {field: value} | [row, ...]}}``, built with
one query for the person and one per section table. Drafts never touch live rows: :func:`overlay` lays a
change set's items over the approved snapshot for display and cross-checks; :func:`diff` lists exactly
what would change.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.services.national_sync import outbox
from app.services.personnel import values as fv
from app.services.personnel.syll import SECTIONS, Field, Section
from models.personnel import SECTION_MODELS, ChangeItem, FileVersion, Person, PersonPhoto

__all__ = [
    "DiffEntry",
    "canonical_json",
    "completeness",
    "completeness_of",
    "diff",
    "overlay",
    "proposed",
    "snapshot",
    "snapshot_of",
    "write_first_versions",
    "write_version",
]

META_FIELDS = ("id", "org_unit_id", "category", "status", "status_since", "status_decision", "account_id")


def _row_json(sec: Section, obj) -> dict:
    out = {}
    for f in sec.fields:
        out[f.name] = fv.to_json(f, getattr(obj, f.name))
        if f.type == "pdate":
            out[fv.precision_key(f.name)] = getattr(obj, fv.precision_key(f.name))
    return out


def _matches(sec: Section, obj) -> bool:
    return all(getattr(obj, k) == v for k, v in sec.fixed.items())


def snapshot(person: Person) -> dict:
    """The approved file of ``person`` as JSON (one query per section table)."""
    # The digest only: the photo itself (encrypted bytes) is not read to show or hash the file.
    photo = db.session.scalar(select(PersonPhoto.sha256).where(PersonPhoto.person_id == person.id))
    rows_by_table = {}
    for table, model in SECTION_MODELS.items():
        rows_by_table[table] = list(db.session.scalars(
            select(model).where(model.person_id == person.id).order_by(model.position, model.id)))
    return snapshot_of(person, rows_by_table, photo)


def snapshot_of(person: Person, rows_by_table: dict[str, list], photo_sha256: str | None) -> dict:
    """:func:`snapshot` from rows already in hand: ``rows_by_table`` {section table: its rows of ``person`` ordered
    by position and id} (a table left out has none) — no query but the unit's name (once per unit in a session)."""
    meta = {k: fv.to_json(Field(k, "", k), getattr(person, k)) for k in META_FIELDS}
    meta["version_no"] = person.version_no
    meta["org_unit_name"] = person.org_unit.name if person.org_unit else None
    meta["photo_sha256"] = photo_sha256
    sections: dict = {}
    for sec in SECTIONS:
        if sec.repeating:
            sections[sec.key] = [
                {"id": row.id, **_row_json(sec, row)} for row in rows_by_table.get(sec.table, ()) if _matches(sec, row)
            ]
        else:
            sections[sec.key] = _row_json(sec, person)
    return {"meta": meta, "sections": sections}


def canonical_json(doc: dict) -> str:
    """The canonical text hashed for a version: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def overlay(snap: dict, items: list[ChangeItem]) -> dict:
    """The file as it would be if ``items`` were approved; changed rows and fields are marked.

    Scalar sections get ``_changed`` (field names); rows get ``_state`` (added / changed / deleted) and
    ``_item`` (the change item's id, to edit or undo it).
    """
    doc = copy.deepcopy(snap)
    sections = doc["sections"]
    for item in items:
        sec_rows = sections.get(item.section)
        if sec_rows is None:
            continue
        if item.op == "set":
            changed = []
            for name, value in (item.values or {}).items():
                if sec_rows.get(name) != value:
                    changed.append(name)
                sec_rows[name] = value
            sec_rows["_changed"] = sorted(set(sec_rows.get("_changed", [])) | set(changed))
            sec_rows["_item"] = item.id
        elif item.op == "add":
            sec_rows.append({"id": None, **(item.values or {}), "_state": "added", "_item": item.id})
        else:
            for row in sec_rows:
                if row.get("id") == item.row_id:
                    if item.op == "update":
                        row.update(item.values or {})
                        row["_state"] = "changed"
                    else:
                        row["_state"] = "deleted"
                    row["_item"] = item.id
    return doc


def proposed(snap: dict, items: list[ChangeItem]) -> dict:
    """The file as it would read once ``items`` are approved: the overlay without deleted rows and markers
    (what the person signs, HCM-7.2c)."""
    doc = overlay(snap, items)
    sections = {}
    for key, value in doc["sections"].items():
        if isinstance(value, list):
            sections[key] = [{k: v for k, v in row.items() if not k.startswith("_")} for row in value
                             if row.get("_state") != "deleted"]
        else:
            sections[key] = {k: v for k, v in value.items() if not k.startswith("_")}
    return {"meta": doc["meta"], "sections": sections}


@dataclass
class DiffEntry:
    """One change as the diff screen shows it: section, operation, and (label, old, new) per field."""

    section: Section
    op: str
    item_id: int
    row_id: int | None
    changes: list[tuple[Field, str, str]] = field(default_factory=list)


def _text(f: Field, values: dict) -> str:
    return fv.display(f, values.get(f.name), values.get(fv.precision_key(f.name)))


def diff(snap: dict, items: list[ChangeItem]) -> list[DiffEntry]:
    """Exactly what approving ``items`` would change in the approved file ``snap``, in form order."""
    from app.services.personnel.syll import section

    order = {s.key: i for i, s in enumerate(SECTIONS)}
    out = []
    for item in sorted(items, key=lambda it: (order.get(it.section, 999), it.id)):
        sec = section(item.section)
        new = item.values or {}
        if sec.repeating:
            old = next((r for r in snap["sections"][sec.key] if r.get("id") == item.row_id), {}) \
                if item.row_id else {}
        else:
            old = snap["sections"][sec.key]
        entry = DiffEntry(sec, item.op, item.id, item.row_id)
        for f in sec.fields:
            before = _text(f, old)
            after = "" if item.op == "delete" else (_text(f, new) if (f.name in new or item.op == "add") else before)
            if before != after:
                entry.changes.append((f, before, after))
        if entry.changes or item.op == "delete":
            out.append(entry)
    return out


def completeness_of(person: Person, rows_by_table: dict[str, list]) -> int:
    """:func:`completeness` of the file :func:`snapshot_of` would give for these rows, without building it."""
    total = filled = 0
    for sec in SECTIONS:
        if sec.repeating:
            if sec.required:
                total += 1
                filled += 1 if any(_matches(sec, row) for row in rows_by_table.get(sec.table, ())) else 0
            continue
        for f in sec.fields:
            if f.required:
                total += 1
                filled += 1 if getattr(person, f.name) not in (None, "") else 0
    return round(100 * filled / total) if total else 100


def completeness(snap: dict) -> int:
    """Share (0–100) of the required items filled in ``snap`` (required fields + required tables)."""
    total = filled = 0
    for sec in SECTIONS:
        data = snap["sections"].get(sec.key)
        if sec.repeating:
            if sec.required:
                total += 1
                filled += 1 if any(r.get("_state") != "deleted" for r in data or []) else 0
            continue
        for f in sec.fields:
            if f.required:
                total += 1
                filled += 1 if (data or {}).get(f.name) not in (None, "") else 0
    return round(100 * filled / total) if total else 100


def write_version(person: Person, actor, change_set_id: int | None, *, sync: bool = True) -> FileVersion:
    """Snapshot the approved rows of ``person`` as its next immutable version (caller's transaction).

    The person row is locked (and re-read) before its version number is taken, so two writers never take the
    same number. The version is queued for the national database in the same transaction (the outbox, issue 18:
    ``app.services.national_sync.outbox``) unless ``sync`` is False (the demo seed: files that stand for data the
    national database holds already)."""
    db.session.flush()
    db.session.refresh(person, with_for_update={"key_share": True})
    person.version_no = (person.version_no or 0) + 1
    snap = snapshot(person)
    snap["meta"]["version_no"] = person.version_no
    person.completeness = completeness(snap)
    version = FileVersion(
        person_id=person.id,
        version_no=person.version_no,
        snapshot=snap,
        sha256=hashlib.sha256(canonical_json(snap).encode("utf-8")).hexdigest(),
        change_set_id=change_set_id,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    if sync:
        outbox.queue_version(person, version)
    return version


def write_first_versions(files: list[tuple[Person, dict[str, list]]], actor, **values) -> list[FileVersion]:
    """Version 1 of each file created in the caller's transaction, with ``values`` (source …) on every version, and
    each queued for the national database — a batch at a time (the import, issue 19): ``files`` = [(person, its
    section rows by table, as :func:`snapshot_of` takes them)], everything flushed. No lock and no query per file:
    nobody else can see a file its transaction has not committed yet."""
    versions = []
    for person, rows_by_table in files:
        snap = snapshot_of(person, rows_by_table, None)
        snap["meta"]["version_no"] = 1
        if person.version_no != 1 or person.completeness != completeness(snap):
            person.version_no, person.completeness = 1, completeness(snap)
        versions.append(FileVersion(
            person_id=person.id, version_no=1, snapshot=snap,
            sha256=hashlib.sha256(canonical_json(snap).encode("utf-8")).hexdigest(), change_set_id=None,
            created_by_id=getattr(actor, "id", None), **values))
    db.session.add_all(versions)
    db.session.flush()
    outbox.queue_first_versions([(person, version) for (person, _rows), version in zip(files, versions, strict=True)])
    return versions
