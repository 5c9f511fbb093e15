"""Export jobs: a unit's Sơ yếu lý lịch as one ZIP of PDFs (issue 7, part 5); the people list and every report as an
XLSX workbook (issue 17, item 6: :class:`XlsxExportRunner`, written in constant memory, same lifecycle).

:func:`export_unit_syll` takes the id of an :class:`~models.exports.ExportJob` row (written and committed by
``app.services.exports.start_unit_syll_export``), streams the people in batches (never the whole unit at
once: a unit may have 8,000 people), renders each file's latest approved version with the requester's
reader level, and writes ``<họ tên>_<id>.pdf`` entries into a ZIP under the export folder. Progress is kept
in the row (and, best-effort, in the RQ job's ``meta`` when RQ runs it), so a page can show a progress bar.
The lifecycle of a run (lease, progress, finished / failed, partial files removed) is ``jobs/runner.py``.
The row is leased (``jobs/leases.py``): a run killed mid-way is re-queued by the reconciler and the re-run
rebuilds the ZIP from a fresh ``.zip.part``; a failure removes partial files. Running it twice rebuilds the
same ZIP; a finished export is left as it is. Finished files expire after ``EXPORT_RETENTION_HOURS``.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import load_only

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services.exports import (
    KIND_PEOPLE_XLSX,
    KIND_SYLL_UNIT,
    PEOPLE_XLSX_JOB,
    REPORT_KIND_PREFIX,
    REPORT_XLSX_JOB,
    SYLL_UNIT_JOB,
    export_folder,
    export_store,
    people_export_filter,
    report_export_params,
)
from app.text import nfc
from jobs import leases
from jobs.runner import LeasedJob, Run
from models.accounts import Account
from models.exports import ExportJob
from models.org_units import OrgUnit, Subtree
from models.personnel import FileVersion, Person

__all__ = ["BATCH_SIZE", "JOB_TIMEOUT", "dispatch", "expire_exports", "export_people_xlsx", "export_report_xlsx",
           "export_unit_syll", "remove_partials", "zip_entry_name"]

log = logging.getLogger(__name__)

#: People rendered between two progress updates (and loaded at once).
BATCH_SIZE = 100
#: Seconds an RQ worker may spend on one export (8,000 files at ~50 ms each, with room to spare).
JOB_TIMEOUT = 4 * 3600
#: Statuses of a person whose file goes into the batch (the archive is left out).
ACTIVE_STATUSES = ("active", "suspended")


def zip_entry_name(full_name: str, person_id: int) -> str:
    """``<họ tên>_<id>.pdf`` in NFC, without path separators or control characters."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", " ", nfc(full_name)).strip() or "ho-so"
    return f"{' '.join(name.split())}_{person_id}.pdf"


def part_prefix(export_id: int) -> str:
    """File name prefix of the partial files of an export (``export-<id>-<lease>.zip.part`` / ``.xlsx.part``)."""
    return f"export-{export_id}-"


#: Suffixes of the partial files of a run (a ZIP of SYLLs, a workbook of the people list).
PART_SUFFIXES = (".zip.part", ".xlsx.part")


def remove_partials(export_id: int) -> int:
    """Delete every partial file an earlier (dead or failed) run of the export left behind; returns how many."""
    folder = export_folder()
    removed = 0
    for name in os.listdir(folder):
        if name.startswith(part_prefix(export_id)) and name.endswith(PART_SUFFIXES):
            try:
                os.remove(os.path.join(folder, name))
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def _retention_hours() -> int:
    return int(current_app.config.get("EXPORT_RETENTION_HOURS", 72))


KIND = leases.register(leases.JobKind(model=ExportJob, func_name=SYLL_UNIT_JOB,
                                      job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600, cleanup=remove_partials,
                                      rows=lambda: ExportJob.kind == KIND_SYLL_UNIT))
#: The people list as XLSX (issue 17, item 6): same table and lifecycle, its own job function.
PEOPLE_KIND = leases.register(leases.JobKind(model=ExportJob, func_name=PEOPLE_XLSX_JOB,
                                             job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600, cleanup=remove_partials,
                                             rows=lambda: ExportJob.kind == KIND_PEOPLE_XLSX))
#: Every report as XLSX (issue 17, item 6): the rows of kind ``report_<key>``, one job function.
REPORT_KIND = leases.register(leases.JobKind(
    model=ExportJob, func_name=REPORT_XLSX_JOB, job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600,
    cleanup=remove_partials, rows=lambda: ExportJob.kind.startswith(REPORT_KIND_PREFIX, autoescape=True)))


def dispatch(export_id: int):
    """Queue the export (after the commit that wrote its row): RQ with a long timeout and the failure callback,
    else run it now. When the queue cannot be reached the row stays queued with a Vietnamese note (the
    reconciler queues it when Redis is back); the page never sees an exception."""
    return leases.dispatch(KIND, export_id, export_unit_syll)


def remove_stale_partials(now: datetime | None = None) -> int:
    """Delete partial files nobody has written to for longer than the heartbeat timeout (left by a run that died
    before the reconciler saw its row, or by an older version); returns how many."""
    folder = export_folder()
    cutoff = (now or datetime.now(UTC)).timestamp() - int(current_app.config.get("JOB_HEARTBEAT_TIMEOUT_SECONDS", 180))
    removed = 0
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if name.endswith(PART_SUFFIXES) and os.path.getmtime(path) < cutoff:
                os.remove(path)
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def expire_exports(now: datetime | None = None) -> int:
    """Delete the files of exports finished more than ``EXPORT_RETENTION_HOURS`` ago and mark them expired
    (the page says so), and stale partial files; returns how many exports expired. Part of the reconciler."""
    now = now or datetime.now(UTC)
    remove_stale_partials(now)
    cutoff = now - timedelta(hours=_retention_hours())
    rows = list(db.session.execute(select(ExportJob.id, ExportJob.stored_name)
                                   .where(ExportJob.status == "finished", ExportJob.finished_at < cutoff)))
    store = export_store()
    for export_id, stored in rows:
        with db.engine.begin() as conn:
            done = conn.execute(update(ExportJob).where(ExportJob.id == export_id, ExportJob.status == "finished")
                                .values(status="expired", note=None)).rowcount
        if done and stored:
            store.delete(stored)
    return len(rows)


def _people_query(requester: Account, unit: OrgUnit):
    """Conditions on Person: in the unit's subtree, active, readable by the requester."""
    return and_(
        Person.org_unit_id.in_(select(OrgUnit.id).where(Subtree.of(unit).condition())),
        Person.status.in_(ACTIVE_STATUSES),
        scope.person_filter(requester, ACTION_READ),
    )


def _batches(requester: Account, unit: OrgUnit):
    """Lists of people (id order, ``BATCH_SIZE`` at a time; only the columns the job needs)."""
    cond = _people_query(requester, unit)
    last_id = 0
    while True:
        people = list(db.session.scalars(
            select(Person).options(load_only(Person.id, Person.org_unit_id, Person.account_id, Person.family_name,
                                              Person.middle_name, Person.given_name, Person.version_no))
            .where(cond, Person.id > last_id).order_by(Person.id).limit(BATCH_SIZE)))
        if not people:
            return
        yield people
        last_id = people[-1].id


def _versions(people: list[Person]) -> dict[int, FileVersion]:
    """The latest approved version of each person of the batch (one query)."""
    rows = db.session.scalars(
        select(FileVersion).join(Person, and_(Person.id == FileVersion.person_id,
                                              Person.version_no == FileVersion.version_no))
        .where(FileVersion.person_id.in_([p.id for p in people])))
    return {v.person_id: v for v in rows}


class ExportJobRunner(LeasedJob):
    """The lifecycle is the runner's (``jobs/runner.py``); a failure removes the partial ZIPs (the kind's
    ``cleanup``)."""

    kind = KIND
    summary_fields = ("done", "skipped")

    def failure_message(self) -> str:
        """The row's error after an unexpected failure."""
        return _("Lỗi hệ thống khi xuất sơ yếu lý lịch; hãy thử lại sau hoặc báo quản trị hệ thống.")

    def is_done(self, row: ExportJob) -> bool:
        """A finished (or expired) export with its file is left as it is."""
        return row.status in ("finished", "expired") and bool(row.stored_name)

    def run(self, row: ExportJob, run: Run) -> dict:
        """Build the ZIP."""
        return _run(row, run)


_JOB = ExportJobRunner()


def export_unit_syll(export_id: int) -> dict:
    """Build the ZIP of export ``export_id``; returns ``{"status", "done", "skipped"}``.

    The run takes the row's lease; a re-run (after a crash) rebuilds into a fresh ``.zip.part`` after removing
    the partial files of earlier runs; a failure removes its partial file and leaves a Vietnamese error.
    """
    return _JOB(export_id)


def _run(job: ExportJob, run: Run) -> dict:
    from app.pdf.syll import person_name, render_syll

    export_id = job.id
    requester = db.session.get(Account, job.requested_by_id)
    unit = db.session.get(OrgUnit, job.org_unit_id)
    if requester is None or unit is None:
        raise LookupError("export without requester or unit")
    total = db.session.scalar(select(func.count()).select_from(Person).where(_people_query(requester, unit)))
    run.beat(total=total, done=0, skipped=0)
    remove_partials(export_id)
    store = export_store()
    folder = store.scratch_dir()
    stored = f"{uuid.uuid4().hex}.zip"
    part = os.path.join(folder, f"{part_prefix(export_id)}{run.token}.zip.part")
    done = skipped = 0
    try:
        with audit.acting_as(requester), zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED,
                                                         compresslevel=1) as archive:
            for people in _batches(requester, unit):
                versions = _versions(people)
                printed = []
                for person in people:
                    version = versions.get(person.id)
                    if version is None:
                        skipped += 1
                        continue
                    access = scope.person_access(requester, person)
                    pdf = render_syll(version, reader_level=access.level)
                    archive.writestr(zip_entry_name(person_name(version.snapshot) or person.full_name, person.id),
                                     pdf.data)
                    printed.append(person.id)
                    done += 1
                    leases.item_delay()
                    run.progress(done=done, skipped=skipped)
                audit.log_access("export_syll", user=requester, object_type="OrgUnit", object_id=unit.id,
                                 org_unit_id=unit.id, detail={"export_id": export_id, "person_ids": printed})
                for obj in list(versions.values()) + people:
                    db.session.expunge(obj)
                run.progress(force=True, meta=(done + skipped, total), done=done, skipped=skipped)
        run.beat(done=done, skipped=skipped)
        published = store.put_file(stored, part)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise
    name = _("Sơ yếu lý lịch - %(unit)s - %(day)s.zip", unit=unit.name, day=datetime.now().strftime("%Y-%m-%d"))
    _finish(run, store, job.stored_name, stored, published, name, done=done, skipped=skipped)
    return {"status": "finished", "done": done, "skipped": skipped}


def _finish(run: Run, store, old: str | None, stored: str, published, name: str, **counts) -> None:
    """End the run with its published file (the row names the new file, its size and digest); a lost lease
    deletes the file just published, a finished run deletes the file of an earlier run of the same row."""
    try:
        run.finish(stored_name=stored, download_name=nfc(name)[:255], size=published.size, sha256=published.sha256,
                   error=None, note=None, **counts)
    except leases.LeaseLost:
        store.delete(stored)
        raise
    if old and old != stored:
        store.delete(old)


# --------------------------------------------------------------------------- workbooks: the people list, the reports


class XlsxProgress:
    """The progress of a workbook being written, into its row: :meth:`start` once with the rows to write, then a
    call after each row (a throttled heartbeat; every 5,000 rows the RQ job's ``meta``; the fault tests' delay)."""

    def __init__(self, run: Run):
        self.run, self.total = run, 0
        self.delay = float(current_app.config.get("JOB_ITEM_DELAY_SECONDS") or 0)

    def start(self, total: int) -> None:
        """The rows the workbook will have (written into the row at once)."""
        self.total = total
        self.run.beat(total=total, done=0)

    def __call__(self, n: int) -> None:
        if self.delay:
            leases.item_delay()
        self.run.progress(done=n)
        if n % 5000 == 0:
            leases.meta_progress(n, self.total)


class XlsxExportRunner(ExportJobRunner):
    """A workbook written by :meth:`produce` into a ``.xlsx.part`` file, then moved into place: the people list
    and every report share the lifecycle, partial files, expiry, access log and download of the SYLL ZIP."""

    summary_fields = ("done", "total")

    def produce(self, job: ExportJob, requester: Account, part: str, progress: XlsxProgress) -> tuple[int, str, dict]:
        """Write the workbook at ``part`` as ``requester``: (rows written, download name, what the access log's
        ``export`` entry adds)."""
        raise NotImplementedError

    def run(self, row: ExportJob, run: Run) -> dict:
        """Write the workbook."""
        return _run_xlsx(self, row, run)


def _run_xlsx(runner: XlsxExportRunner, job: ExportJob, run: Run) -> dict:
    export_id = job.id
    requester = db.session.get(Account, job.requested_by_id)
    if requester is None:
        raise LookupError("export without requester")
    remove_partials(export_id)
    store = export_store()
    folder = store.scratch_dir()
    stored = f"{uuid.uuid4().hex}.xlsx"
    part = os.path.join(folder, f"{part_prefix(export_id)}{run.token}.xlsx.part")
    progress = XlsxProgress(run)
    try:
        with audit.acting_as(requester):
            done, name, detail = runner.produce(job, requester, part, progress)
        db.session.rollback()  # end the streamed read's transaction
        run.beat(done=done)
        published = store.put_file(stored, part)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise
    audit.log_access("export", user=requester, object_type="ExportJob", object_id=export_id,
                     org_unit_id=job.org_unit_id, detail={"export_id": export_id, "kind": job.kind, "rows": done,
                                                          **detail})
    total = max(progress.total, done)
    _finish(run, store, job.stored_name, stored, published, name, done=done, total=total)
    return {"status": "finished", "done": done, "total": total}


class PeopleExportRunner(XlsxExportRunner):
    """The people list's workbook (issue 17, item 6), with the list's filters as asked."""

    kind = PEOPLE_KIND

    def failure_message(self) -> str:
        """The row's error after an unexpected failure."""
        return _("Lỗi hệ thống khi xuất danh sách hồ sơ; hãy thử lại sau hoặc báo quản trị hệ thống.")

    def produce(self, job, requester, part, progress):
        """The list's rows, streamed."""
        from app.services.reports import people_xlsx

        flt, day = people_export_filter(job.id)
        progress.start(people_xlsx.count_people(requester, flt, day))
        done = people_xlsx.write_people(part, people_xlsx.people_rows(requester, flt, day), progress)
        return done, _("Danh sách hồ sơ - %(day)s.xlsx", day=datetime.now().strftime("%d-%m-%Y")), {}


_PEOPLE_JOB = PeopleExportRunner()


def export_people_xlsx(export_id: int) -> dict:
    """Write the people list of export ``export_id`` (its filters as asked) to an XLSX workbook; returns
    ``{"status", "done", "total"}``. A re-run after a crash starts a fresh ``.xlsx.part``; a failure removes it."""
    return _PEOPLE_JOB(export_id)


class ReportExportRunner(XlsxExportRunner):
    """A report's workbook (issue 17, item 6): the report computed by its service as the requester, with the
    parameters recorded when it was asked (``app/services/reports/xlsx_exports.py``)."""

    kind = REPORT_KIND

    def failure_message(self) -> str:
        """The row's error after an unexpected failure."""
        return _("Lỗi hệ thống khi xuất báo cáo ra Excel; hãy thử lại sau hoặc báo quản trị hệ thống.")

    def produce(self, job, requester, part, progress):
        """The report's rows in its official layout."""
        from app.services.reports.xlsx_exports import report_export

        report, params = report_export_params(job.id)
        written = report_export(report).write(requester, params, part, progress)
        return written.rows, written.name, {"report": report, "params": params}


_REPORT_JOB = ReportExportRunner()


def export_report_xlsx(export_id: int) -> dict:
    """Write the report of export ``export_id`` to an XLSX workbook; returns ``{"status", "done", "total"}``. A
    re-run after a crash starts a fresh ``.xlsx.part``; a failure removes it."""
    return _REPORT_JOB(export_id)
