"""Import jobs (issue 19, items 3–4): the dry run and the commit of an :class:`~models.imports.ImportJob`.

Both are leased runs of the same row (``jobs/runner.py``), told apart by its ``stage``:

- :func:`run_dry_run` stages and checks the upload (``app.services.imports.dry_run``) and writes the error report;
  a re-run after a crash starts again (nothing was written to the files). A refused file (zip bomb, macros,
  too many rows …) fails the row with the Vietnamese reason.
- :func:`run_commit` writes the valid rows a batch per transaction: the new files and refusals together
  (``commit.commit_batch``), the updates of existing files one row each (``commit.commit_row``: a change set
  each); a batch that fails is written again row by row. A re-run after a crash (the reconciler re-queues a row
  whose heartbeat stopped) goes on with the rows that have no outcome yet, so every row is written exactly once.
"""

from __future__ import annotations

import logging
import os

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from app import audit
from app.extensions import db
from app.security import scope
from app.services.errors import ServiceError
from app.services.imports import checks, staging
from app.services.imports.commit import commit_batch, commit_row
from app.services.imports.dry_run import PARSED, dry_run, refusal_message, refused
from app.services.imports.sources import FileRefused
from app.services.imports.staging import Staged
from app.services.imports.use_cases import COMMIT_JOB, DRY_RUN_JOB
from jobs import leases
from jobs.runner import LeasedJob, Run
from models.accounts import Account
from models.imports import ImportJob, ImportRow
from models.org_units import OrgUnit

__all__ = ["run_commit", "run_dry_run"]

log = logging.getLogger(__name__)

#: Staged rows read, checked and written at a time by the commit (config ``IMPORT_COMMIT_BATCH`` overrides).
COMMIT_BATCH = 250


DRY_RUN_KIND = leases.register(leases.JobKind(model=ImportJob, func_name=DRY_RUN_JOB, job_timeout=4 * 3600,
                                              rows=lambda: ImportJob.stage == "dry_run"))
COMMIT_KIND = leases.register(leases.JobKind(model=ImportJob, func_name=COMMIT_JOB, job_timeout=4 * 3600,
                                             rows=lambda: ImportJob.stage == "commit"))


class DryRunJob(LeasedJob):
    """The dry run's lifecycle is the runner's; a refused file ends the row failed with its reason."""

    kind = DRY_RUN_KIND
    summary_fields = ("done", "total")

    def failure_message(self) -> str:
        return _("Lỗi hệ thống khi kiểm tra tệp nhập; hãy thử lại sau hoặc báo quản trị hệ thống.")

    def is_done(self, row: ImportJob) -> bool:
        return row.stage != "dry_run" or row.status in ("finished", "failed")

    def run(self, row: ImportJob, run: Run) -> dict:
        try:
            return dry_run(row, run)
        except FileRefused as exc:
            db.session.rollback()
            refused(row.id, exc.message)
            leases.release(ImportJob, row.id, run.token, "failed", error=refusal_message(exc))
            return self.summary("failed")


class CommitJob(LeasedJob):
    """The commit's lifecycle is the runner's; it resumes after the last row with an outcome."""

    kind = COMMIT_KIND
    summary_fields = ("done", "total")

    def failure_message(self) -> str:
        return _("Lỗi hệ thống khi ghi dữ liệu nhập vào hồ sơ; các dòng đã ghi được giữ nguyên, hãy thử lại hoặc "
                 "báo quản trị hệ thống.")

    def is_done(self, row: ImportJob) -> bool:
        return row.stage != "commit" or row.status in ("finished", "failed")

    def run(self, row: ImportJob, run: Run) -> dict:
        return _commit(row, run)


_DRY_RUN = DryRunJob()
_COMMIT = CommitJob()


def run_dry_run(job_id: int) -> dict:
    """Stage and check the upload of import ``job_id`` (nothing written to the files); ``{"status", "done",
    "total"}``."""
    return _DRY_RUN(job_id)


def run_commit(job_id: int) -> dict:
    """Write the valid rows of import ``job_id`` not written yet; ``{"status", "done", "total"}``."""
    return _COMMIT(job_id)


def _commit(job: ImportJob, run: Run) -> dict:
    actor = db.session.get(Account, job.commit_requested_by_id or job.requested_by_id)
    unit = db.session.get(OrgUnit, job.org_unit_id)
    if actor is None or unit is None:
        raise LookupError("import without requester or unit")
    job_id, actor_id = job.id, actor.id
    processes = _processes(job_id)
    if processes > 1:
        _commit_in_processes(job_id, actor_id, run, processes)
    _commit_rows(job_id, actor_id, run)  # all of it, or whatever the processes left (rows being retried)
    job = db.session.get(ImportJob, job_id)
    done, total = job.done, job.total
    run.finish(conn=db.session.connection(), note=None, error=None)
    db.session.commit()
    return {"status": "finished", "done": done, "total": total}


def _processes(job_id: int) -> int:
    """How many processes write a commit: ``IMPORT_COMMIT_PROCESSES`` for a large one (at least
    ``IMPORT_PARALLEL_MIN_ROWS`` rows left), from a process that may fork (no other thread); else 1."""
    wanted = int(current_app.config.get("IMPORT_COMMIT_PROCESSES") or 1)
    if wanted <= 1 or not staging.can_fork():
        return 1
    left = db.session.scalar(select(func.count()).select_from(ImportRow).where(
        ImportRow.job_id == job_id, ImportRow.status == "valid", ImportRow.outcome.is_(None)))
    return wanted if left >= int(current_app.config.get("IMPORT_PARALLEL_MIN_ROWS") or 0) else 1


def _commit_in_processes(job_id: int, actor_id: int, run: Run, processes: int) -> None:
    """The commit shared by ``processes`` forked processes, each writing the rows whose number is its share
    (``row_no % processes``) in its own transactions and database connections: the checks, building the files and
    the ORM's work are Python, so one process keeps one core busy while PostgreSQL waits for the next statement —
    two use both. Each batch stays one transaction with its outcomes (a crash loses one batch per process, which
    the re-run writes); a process that fails fails the run (the re-run resumes), a lost lease stops it."""
    import multiprocessing

    db.session.commit()
    db.session.close()  # no connection checked out while forking: the children open their own
    scope.forget()  # grants cached with rows of the closed session
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_commit_child, args=(job_id, actor_id, run, share, processes), daemon=True,
                                name=f"cbccvc-import-commit-{share}") for share in range(processes)]
    staging.fork_all(children)
    for child in children:
        child.join()
    codes = [child.exitcode for child in children]
    if LOST_LEASE in codes:
        raise leases.LeaseLost(f"import_job {job_id}")
    if any(code != 0 for code in codes):
        raise RuntimeError(f"an import commit process failed (exit codes {codes})")


#: Exit code of a commit process whose run lost its lease.
LOST_LEASE = 75


def _commit_child(job_id: int, actor_id: int, run: Run, share: int, processes: int) -> None:
    """A forked commit process: its own connections (the parent's are left alone), killed with the job's process."""
    staging.die_with_parent()
    db.session.registry.clear()
    db.engine.dispose(close=False)
    scope.forget()
    try:
        _commit_rows(job_id, actor_id, run, (share, processes))
    except leases.LeaseLost:
        os._exit(LOST_LEASE)
    finally:
        db.session.remove()
        db.engine.dispose()


def _commit_rows(job_id: int, actor_id: int, run: Run, part: tuple[int, int] | None = None) -> None:
    """Write the rows of ``job_id`` without an outcome (those numbered ``share`` modulo ``processes`` for a
    ``part``), a batch at a time: new files and refusals together (``commit_batch``), updates one row each."""
    actor = db.session.get(Account, actor_id)
    job = db.session.get(ImportJob, job_id)
    unit = db.session.get(OrgUnit, job.org_unit_id)
    ctx = checks.Context(actor=actor, unit=unit, category=job.category, legacy=job.file_format == "2c")
    size = max(1, int(current_app.config.get("IMPORT_COMMIT_BATCH") or COMMIT_BATCH))
    last = 0
    with audit.acting_as(actor):
        while True:
            query = select(ImportRow).where(ImportRow.job_id == job_id, ImportRow.row_no > last,
                                            ImportRow.status == "valid", ImportRow.outcome.is_(None))
            if part is not None:
                query = query.where(ImportRow.row_no % part[1] == part[0])
            # Rows another process is writing right now are left to it (a run and a stray one never both write).
            rows = list(db.session.scalars(query.order_by(ImportRow.row_no).limit(size).with_for_update(
                skip_locked=True, of=ImportRow)))
            if not rows:
                break
            last = rows[-1].row_no
            staged = [Staged.from_json(r.row_no, r.data) for r in rows]
            checks.lookups(ctx, staged)
            verdicts = [checks.recheck(st, ctx, row.data.get(PARSED)) for st, row in zip(staged, rows, strict=True)]
            batch = [(row, v) for row, v in zip(rows, verdicts, strict=True) if not v.valid or v.action == "create"]
            one_by_one = [row for row, v in zip(rows, verdicts, strict=True) if v.valid and v.action != "create"]
            for _row in batch:
                leases.item_delay()
            if batch:
                try:
                    commit_batch(actor, db.session.get(ImportJob, job_id), batch, run)
                except (ServiceError, IntegrityError, DataError):
                    # Something only one row can explain: the batch is undone, its rows are written one at a time
                    # (each with its own outcome and message).
                    log.warning("import %s: batch after row %s written row by row", job_id, rows[0].row_no,
                                exc_info=True)
                    one_by_one = rows
            db.session.commit()  # the rows' locks go with the batch (nothing left to write in it)
            for row in one_by_one:
                row = db.session.get(ImportRow, row.id)
                if row.outcome is not None:
                    continue
                commit_row(actor, db.session.get(ImportJob, job_id), row, ctx, run)
                leases.item_delay()
