"""The commit of an import (issue 19, item 4), run by ``jobs.imports.run_commit`` under the row's lease.

Staged rows are written with their outcome, the job's counters and progress in the same transaction: a crash
before the commit leaves neither, after it both, so a re-run resumes with the rows that have no outcome — and a
second import of the same file changes nothing:

- **a new CCCD** → a new file in the job's unit, approved as version 1 with source "import" and the upload (kept
  with its SHA-256 on the job) as its proof (``file_version.import_job_id``). New files are written a batch per
  transaction (:func:`commit_batch`: a statement per table, not per row; a batch that fails is undone and its rows
  written one at a time by :func:`commit_row`, so one bad row cannot stop the others);
- **a CCCD with a file in the importer's scope and unit subtree** → one transaction per row
  (:func:`commit_row`): the differences become a change set submitted for approval through the edit form's own
  use cases (``save_section`` per section and per new table row, then ``submit``), never a silent overwrite: only
  items the row gives and that differ from the file (or from the change already awaiting approval) count; a table
  row equal to one of the file is not added again; nothing different → "unchanged". A draft or submission of
  someone else still open on the file refuses the row.

Every row is checked again first (``checks.recheck``, from the values the dry run parsed): what changed since
the dry run (a file opened meanwhile with that CCCD, an expired code) refuses the row with its message.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import update

from app import audit
from app.extensions import db
from app.services.errors import ServiceError, use_case
from app.services.imports import checks
from app.services.imports.staging import Staged
from app.services.personnel import change_sets, files
from app.services.personnel import values as fv
from app.services.personnel.people import refresh_derived
from app.services.personnel.syll import section
from models.imports import ImportJob, ImportRow
from models.personnel import SECTION_MODELS, Person

__all__ = ["commit_batch", "commit_row", "input_text"]

COUNTERS = {"created": "created_count", "change_set": "change_set_count", "unchanged": "unchanged_count",
            "refused": "refused_count"}


def input_text(f, value, precision: str | None = None) -> str:
    """A JSON value of the file as the text a form would be given (codes as codes, so that they resolve to
    themselves; the rest as shown: dates dd/mm/yyyy, decimals with a comma)."""
    if value is None:
        return ""
    if f.type == "code":
        return str(value)
    if f.type == "bool":
        return "1" if value else ""
    return fv.display(f, value, precision)


def _row_fields(sec, row: dict) -> dict:
    keys = [f.name for f in sec.fields] + [fv.precision_key(f.name) for f in sec.fields if f.type == "pdate"]
    return {k: row.get(k) for k in keys}


def _new_person(job: ImportJob, verdict: checks.Verdict) -> Person:
    """A new file's person row from the values the checks parsed (not flushed)."""
    person = Person(org_unit_id=job.org_unit_id, category=verdict.category, status="active", given_name="",
                    version_no=0)
    for sec in checks.SCALAR_SECTIONS:
        for name, value in fv.typed_row(sec, verdict.scalar.get(sec.key) or {}).items():
            setattr(person, name, value)
    refresh_derived(person)
    return person


def _new_rows(verdict: checks.Verdict) -> dict[str, list]:
    """The table rows of a new file, by section table, in the file's order (``person_id`` not set yet)."""
    by_table: dict[str, list] = {}
    for key, rows in verdict.rows.items():
        sec = section(key)
        model = SECTION_MODELS[sec.table]
        for position, values in enumerate(rows, start=1):
            by_table.setdefault(sec.table, []).append(
                model(position=position, **sec.fixed, **fv.typed_row(sec, values)))
    return by_table


def _import_reason(job: ImportJob) -> str:
    return _("Nhập hồ sơ từ tệp “%(file)s” (lần nhập số %(id)s)", file=job.file_name, id=job.id)


def _create(actor, job: ImportJob, verdict: checks.Verdict) -> Person:
    """A new approved file (version 1, source import) from the staged person (checked)."""
    person = _new_person(job, verdict)
    db.session.add(person)
    db.session.flush()
    for rows in _new_rows(verdict).values():
        for obj in rows:
            obj.person_id = person.id
        db.session.add_all(rows)
    with audit.reason(_import_reason(job)):
        version = files.write_version(person, actor, None)
    version.source, version.import_job_id = "import", job.id
    return person


def _update(actor, job: ImportJob, st: Staged, person_id: int) -> tuple[str, int | None, str | None]:
    """The differences as a submitted change set: (outcome, change set id, refusal message)."""
    person = db.session.get(Person, person_id)
    change_sets.lock_person(person)
    snap = files.snapshot(person)
    open_cs = change_sets.open_change_set(person)
    base = files.proposed(snap, list(open_cs.items)) if open_cs is not None else snap
    scalar, _errors = checks.parsed_scalar(st, new=False)
    scalar_changes: dict[str, dict] = {}
    for sec in checks.SCALAR_SECTIONS:
        given = scalar.get(sec.key) or {}
        current = base["sections"].get(sec.key) or {}
        if any(current.get(k) != v for k, v in given.items()):
            data = {f.name: input_text(f, current.get(f.name), current.get(fv.precision_key(f.name)))
                    for f in sec.fields}
            data.update({f.name: st.scalar.get(f.name) for f in sec.fields if st.scalar.get(f.name)})
            scalar_changes[sec.key] = data
    new_rows: list[tuple[str, dict]] = []
    for key, rows in st.sections.items():
        sec = section(key)
        existing = [_row_fields(sec, r) for r in base["sections"].get(key) or []]
        for _sheet, _line, data in rows:
            values, _errs = checks.parsed_row(key, data)
            if _row_fields(sec, values) not in existing:
                new_rows.append((key, data))
                existing.append(_row_fields(sec, values))
    if not scalar_changes and not new_rows:
        return "unchanged", None, None
    if open_cs is not None:
        return "refused", None, _("Hồ sơ đang có bản nháp hoặc đề nghị thay đổi chưa xử lý xong; hãy xử lý xong rồi "
                                  "nhập lại.")
    with audit.reason(_import_reason(job)):
        for key, data in scalar_changes.items():
            change_sets.save_section(actor, person.id, key, data)
        for key, data in new_rows:
            change_sets.save_section(actor, person.id, key, data)
        cs = change_sets.submit(actor, person.id, note=_("Cập nhật từ tệp nhập “%(file)s” (lần nhập số %(id)s).",
                                                         file=job.file_name, id=job.id))
    return "change_set", cs.id, None


@use_case
def commit_row(actor, job: ImportJob, row: ImportRow, ctx: checks.Context, run) -> str:
    """Write one staged row and record its outcome, the job's counters and progress — one transaction. A refusal
    (the checks, a use case's ValidationError) is the row's outcome with its messages; a SAVEPOINT keeps it from
    undoing the outcome."""
    st = Staged.from_json(row.row_no, row.data)
    verdict = checks.check(st, ctx)
    outcome, person_id, cs_id, messages = "refused", None, None, []
    if not verdict.valid:
        messages = verdict.errors
    else:
        try:
            with db.session.begin_nested():
                if verdict.action == "create":
                    person = _create(actor, job, verdict)
                    outcome, person_id = "created", person.id
                else:
                    outcome, cs_id, message = _update(actor, job, st, verdict.person_id)
                    person_id = verdict.person_id
                    if message:
                        messages = [[st.sheet, st.line, "__row__", message]]
        except ServiceError as exc:
            outcome, messages = "refused", [[st.sheet, st.line, "__row__", m] for m in exc.messages]
    row.outcome, row.person_id, row.change_set_id = outcome, person_id, cs_id
    row.committed_at = datetime.now(UTC)
    if messages:
        row.errors = list(row.errors or []) + messages
    counter = getattr(ImportJob, COUNTERS[outcome])
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values({counter: counter + 1}))
    db.session.flush()
    run.beat(conn=db.session.connection(), done=ImportJob.done + 1)
    return outcome


@use_case
def commit_batch(actor, job: ImportJob, rows: list[tuple[ImportRow, checks.Verdict]], run) -> dict[str, int]:
    """Write a batch of rows whose verdict is "new file" or "refused" — one transaction, a statement per table
    rather than per row: the people, their table rows, their versions 1 (``files.write_first_versions``), the
    national outbox, the audit, each row's outcome, the job's counters and progress. Any failure rolls the whole
    batch back (the caller then writes its rows one by one with :func:`commit_row`). The outcomes counted."""
    moment = datetime.now(UTC)
    counts = {"created": 0, "refused": 0}
    new: list[tuple[ImportRow, Person, dict]] = []
    for row, verdict in rows:
        if verdict.valid and verdict.action == "create":
            # Version 1 and the completeness are known before the insert (no UPDATE of the row just written).
            person, by_table = _new_person(job, verdict), _new_rows(verdict)
            person.version_no = 1
            person.completeness = files.completeness_of(person, by_table)
            new.append((row, person, by_table))
        else:
            row.outcome, row.committed_at = "refused", moment
            row.errors = list(row.errors or []) + verdict.errors
            counts["refused"] += 1
    with audit.reason(_import_reason(job)):
        db.session.add_all([person for _row, person, _by_table in new])
        db.session.flush()
        for _row, person, by_table in new:
            for table_rows in by_table.values():
                for obj in table_rows:
                    obj.person_id = person.id
                db.session.add_all(table_rows)
        db.session.flush()
        files.write_first_versions([(person, by_table) for _row, person, by_table in new], actor, source="import",
                                   import_job_id=job.id)
    for row, person, _by_table in new:
        row.outcome, row.person_id, row.committed_at = "created", person.id, moment
    counts["created"] = len(new)
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        {getattr(ImportJob, COUNTERS[k]): getattr(ImportJob, COUNTERS[k]) + n for k, n in counts.items() if n}))
    db.session.flush()
    run.beat(conn=db.session.connection(), done=ImportJob.done + len(rows))
    return counts
