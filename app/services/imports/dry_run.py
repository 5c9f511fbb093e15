"""The dry run of an import (issue 19, item 3), run by ``jobs.imports.run_dry_run`` under the row's lease: the
upload is read (``sources``), staged (``staging``) and checked (``checks``) batch by batch into ``import_row`` —
nothing is written to the files. A re-run (after a crash) starts again from scratch: the staged rows of the
earlier run are deleted first, so the result is the same. At the end: two rows with one CCCD are both errors,
the counts, and the error report workbook (``report``).
"""

from __future__ import annotations

import os
import uuid

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.crypto import blind_index
from app.extensions import db
from app.services.imports import checks, report, staging
from app.services.imports.sources import FileRefused, open_source
from app.services.imports.use_cases import import_store
from models.accounts import Account
from models.imports import ImportJob, ImportRow
from models.org_units import OrgUnit

__all__ = ["BATCH", "PARSED", "dry_run", "source_of"]

#: People checked and staged per transaction.
BATCH = 500
#: The key of a staged row's data holding the values the dry run parsed (a valid new file only).
PARSED = "parsed"


def source_of(job: ImportJob, path: str):
    """(source, layout) of a job's upload at ``path`` (a local copy, :func:`dry_run`): the file opened and its
    layout detected ("template", "csv", "2c")."""
    kind = "xlsx" if job.stored_name.endswith(".xlsx") else "csv"
    source = open_source(path, kind)
    layout = staging.detect_format(source)
    if kind == "csv" and layout == "template":
        layout = "csv"
    return source, layout


def dry_run(job: ImportJob, run) -> dict:
    """Stage and check every person of ``job``'s upload; returns the summary. :class:`FileRefused` propagates
    (the job records its message)."""
    actor = db.session.get(Account, job.requested_by_id)
    unit = db.session.get(OrgUnit, job.org_unit_id)
    if actor is None or unit is None:
        raise LookupError("import without requester or unit")
    job_id = job.id
    db.session.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
    db.session.commit()
    store = import_store()
    # The upload read from this machine's disk (the local backend's own file, a bucket's a temporary copy).
    with store.local_copy(job.stored_name, suffix=os.path.splitext(job.stored_name)[1]) as upload:
        return _dry_run(job, run, actor, unit, store, upload)


def _dry_run(job: ImportJob, run, actor: Account, unit: OrgUnit, store, upload: str) -> dict:
    job_id = job.id
    source, layout = source_of(job, upload)
    source.check_sizes()
    total = source.estimate(staging.main_sheet_name(source))
    run.beat(file_format=layout, total=total, done=0)
    ctx = checks.Context(actor=actor, unit=unit, category=job.category, legacy=layout == "2c")
    file_issues: list[list] = []
    batch: list[staging.Staged] = []
    done = 0

    def flush():
        nonlocal done
        checks.lookups(ctx, batch)
        for st in batch:
            verdict = checks.check(st, ctx)
            data = st.to_json()
            if verdict.valid and verdict.action == "create":
                # The values as parsed, so that the commit checks only what may change meanwhile (checks.recheck).
                data[PARSED] = {"scalar": verdict.scalar, "rows": verdict.rows}
            db.session.add(ImportRow(
                job_id=job_id, row_no=st.row_no, sheet=st.sheet[:40], line=st.line,
                cccd_index=blind_index(st.cccd) if st.cccd else None, data=data,
                status="valid" if verdict.valid else "error", action=verdict.action, errors=verdict.errors,
                warnings=verdict.warnings, person_id=verdict.person_id))
        done += len(batch)
        batch.clear()
        db.session.flush()
        run.beat(conn=db.session.connection(), done=done, total=max(total, done))
        db.session.commit()

    encodings = source.encodings
    if total >= int(current_app.config.get("IMPORT_PARALLEL_MIN_ROWS") or 0) and staging.can_fork():
        # A large upload is read by a second process while this one checks and stores (staging.stage_in_child).
        encodings = {}
        people = staging.stage_in_child(upload, source.kind, layout, file_issues, encodings)
    else:
        people = staging.stage(source, layout, file_issues)
    for st in people:
        batch.append(st)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    if file_issues:
        errors = [i for i in file_issues if i[2] != staging.ROW]
        warnings = [i for i in file_issues if i[2] == staging.ROW]
        db.session.add(ImportRow(job_id=job_id, row_no=0, sheet=file_issues[0][0][:40], line=file_issues[0][1],
                                 data={}, status="file" if errors else "valid_file", action="none", errors=errors,
                                 warnings=warnings))
        db.session.flush()
    _mark_duplicates(job_id)
    counts = dict(db.session.execute(select(ImportRow.status, func.count()).where(
        ImportRow.job_id == job_id, ImportRow.row_no > 0).group_by(ImportRow.status)).all())
    warning_rows = sum(1 for w in db.session.scalars(select(ImportRow.warnings).where(
        ImportRow.job_id == job_id, ImportRow.row_no > 0, ImportRow.status == "valid")) if w)
    db.session.commit()
    issues = report.index_issues(db.session.execute(select(ImportRow.errors, ImportRow.warnings).where(
        ImportRow.job_id == job_id)).tuples())
    db.session.rollback()
    # The report is the upload again with the issues marked: a file without any issue has nothing to mark (and a
    # 50,000-person workbook takes as long to rewrite as to read), so none is written — the page says so.
    name = _write_report(job, upload, store, layout, issues) if issues else None
    old = job.report_name
    encoding = ",".join(sorted(encodings.get("found", ()))) or None
    run.finish(valid_rows=counts.get("valid", 0), error_rows=counts.get("error", 0), warning_rows=warning_rows,
               report_name=name, encoding=encoding, done=done, total=done, error=None, note=None)
    if old and old != name:
        store.delete(old)
    return {"status": "finished", "done": done, "total": done}


def _write_report(job: ImportJob, upload: str, store, layout: str, issues) -> str:
    """The error report workbook in the import store; its name."""
    name = f"{uuid.uuid4().hex}.xlsx"
    path = os.path.join(store.scratch_dir(), name)
    report_source, _layout = source_of(job, upload)
    try:
        report.write_report(path + ".part", report_source, layout, issues)
        store.put_file(name, path + ".part")
    except BaseException:
        if os.path.exists(path + ".part"):
            os.remove(path + ".part")
        raise
    return name


def _mark_duplicates(job_id: int) -> None:
    """Rows sharing one CCCD are all errors (the file must say which one is right)."""
    dupes = list(db.session.execute(select(ImportRow.cccd_index).where(
        ImportRow.job_id == job_id, ImportRow.row_no > 0, ImportRow.cccd_index.is_not(None))
        .group_by(ImportRow.cccd_index).having(func.count() > 1)).scalars())
    if not dupes:
        return
    rows = list(db.session.scalars(select(ImportRow).where(ImportRow.job_id == job_id,
                                                           ImportRow.cccd_index.in_(dupes)).order_by(ImportRow.row_no)))
    by_index: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_index.setdefault(row.cccd_index, []).append(row)
    for group in by_index.values():
        lines = [(r.sheet, r.line) for r in group]
        for row in group:
            others = [pl for pl in lines if pl != (row.sheet, row.line)]
            row.errors = list(row.errors or []) + [[row.sheet, row.line, "cccd", checks.duplicate_rows(others)]]
            row.status, row.action = "error", "none"
    db.session.flush()


def refused(job_id: int, message: str) -> None:
    """Forget what a refused file staged (the job records the message)."""
    db.session.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
    db.session.commit()


def refusal_message(exc: FileRefused) -> str:
    """The job's error for a refused file."""
    return _("Tệp không được nhận: %(reason)s", reason=exc.message)
