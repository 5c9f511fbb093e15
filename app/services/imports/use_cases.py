"""Imports: the use cases of the screens (issue 19, items 1–4, 6).

- :func:`request_import` — an upload into a unit: the unit must be in the subtree where the user may import
  (``DataImport: write``, ``scope.allows``: an agency imports only into its own subtree); the file is checked
  before anything is kept (content, size, a workbook's ZIP directory: ``sources.check_upload``), stored under the
  import folder with its SHA-256, and its dry run queued once the row is committed.
- :func:`request_commit` — after a finished dry run with valid rows: the commit job is queued (same row, stage
  ``commit``); a commit already done or running is not asked twice.
- :func:`create_accounts` — one personal account per person whose file the import created and who has none (the
  bulk-account feature: ``accounts.lifecycle.create_personal_accounts``), linked to the file; the hand-out of
  default passwords is shown once by the page.
- Reading: :func:`get_job` (a job of a unit in the user's read scope), :func:`jobs_page` (the history),
  :func:`open_report`, :func:`open_upload` (the error report, the uploaded file: access-logged).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.request_input import as_id
from app.security import scope
from app.security.permissions import ACTION_READ, ACTION_WRITE, RESOURCE_DATA_IMPORT
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, after_commit, use_case
from app.services.imports.sources import FileRefused, check_upload
from app.services.org_units.queries import find_unit
from app.services.personnel.people import CATEGORIES, covered_categories
from app.storage import IMPORTS, Storage, get_storage
from app.text import clean
from jobs.leases import dispatch_named
from models.imports import ImportJob, ImportRow
from models.personnel import Person

__all__ = [
    "COMMIT_JOB",
    "DRY_RUN_JOB",
    "create_accounts",
    "get_job",
    "import_folder",
    "import_store",
    "jobs_page",
    "open_report",
    "open_upload",
    "request_commit",
    "request_import",
    "rows_page",
    "start_import",
]

DRY_RUN_JOB = "jobs.imports.run_dry_run"
COMMIT_JOB = "jobs.imports.run_commit"
#: Largest upload (bytes); the request's own cap (MAX_CONTENT_LENGTH) is above it.
DEFAULT_MAX_BYTES = 30 * 1024 * 1024
#: Accounts made by one click of "Tạo tài khoản" (the bulk-account feature's limit).
ACCOUNTS_PER_CLICK = 500


def import_store() -> Storage:
    """Where uploads and reports are kept (``app.storage``): ``IMPORT_FOLDER``, else ``<UPLOAD_FOLDER>/imports``,
    or the bucket's ``imports/``."""
    return get_storage(IMPORTS)


def import_folder() -> str:
    """The local folder where reports are built before they go to :func:`import_store` (the import folder itself
    with the local backend, created on demand)."""
    return import_store().scratch_dir()


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@use_case
def start_import(actor, unit_id, category: str | None, file_name: str | None, content: bytes | None) -> ImportJob:
    """Check an upload and write its job row and file (nothing queued: :func:`request_import` queues)."""
    errors = Errors()
    unit = find_unit(unit_id) if unit_id not in (None, "") else None
    if unit is None:
        errors.add("unit_id", _("Hãy chọn đơn vị nhận hồ sơ.") if unit_id in (None, "") else
                   _("Không tìm thấy đơn vị."))
    elif not scope.allows(actor, ACTION_WRITE, RESOURCE_DATA_IMPORT, unit):
        raise ForbiddenError(_("Đơn vị “%(name)s” nằm ngoài phạm vi bạn được nhập hồ sơ.", name=unit.name))
    elif unit.status != "active":
        errors.add("unit_id", _("Đơn vị “%(name)s” đã ngừng hoạt động.", name=unit.name))
    if category not in CATEGORIES:
        errors.add("category", _("Hãy chọn đối tượng (cán bộ, công chức, viên chức …)."))
    elif category not in covered_categories():
        errors.add("category", _("Quy chế của thành phố không áp dụng cho đối tượng “%(category)s”.",
                                 category=CATEGORIES[category]))
    name = clean(os.path.basename((file_name or "").replace("\\", "/")))[:255]
    kind = None
    if not content:
        errors.add("file", _("Hãy chọn tệp cần nhập (XLSX hoặc CSV)."))
    elif len(content) > _max_bytes():
        errors.add("file", _("Tệp lớn hơn %(mb)s MB; hãy chia thành nhiều tệp.", mb=_max_bytes() // (1024 * 1024)))
    else:
        try:
            kind = check_upload(content)
        except FileRefused as exc:
            errors.add("file", exc.message)
    errors.raise_if_any()
    stored = f"{uuid.uuid4().hex}.{kind}"
    written = import_store().put(stored, content)
    job = ImportJob(requested_by_id=actor.id, org_unit_id=unit.id, category=category, file_format=kind,
                    stage="dry_run", status="queued", file_name=name or f"tep-nhap.{kind}", stored_name=stored,
                    size=written.size, sha256=written.sha256)
    db.session.add(job)
    db.session.flush()
    audit.log_access("import_upload", user=actor, object_type="ImportJob", object_id=job.id, org_unit_id=unit.id,
                     detail={"file": job.file_name, "size": job.size, "sha256": job.sha256})
    return job


@use_case
def request_import(actor, unit_id, category: str | None, file_name: str | None, content: bytes | None) -> ImportJob:
    """:func:`start_import`, and its dry run queued once committed (in-process without Redis)."""
    job = start_import(actor, unit_id, category, file_name, content)
    after_commit(dispatch_named, DRY_RUN_JOB, job.id)
    return job


def _readable(actor, job: ImportJob | None) -> bool:
    return job is not None and scope.allows(actor, ACTION_READ, RESOURCE_DATA_IMPORT, job.org_unit_id)


def get_job(actor, job_id) -> ImportJob:
    """The import ``job_id`` if its unit is in the user's import scope; NotFoundError otherwise (no leak)."""
    try:
        job = db.session.get(ImportJob, as_id(job_id))
    except (TypeError, ValueError):
        job = None
    if not _readable(actor, job):
        raise NotFoundError(_("Không tìm thấy lần nhập dữ liệu này."))
    return job


def jobs_page(actor, offset: int = 0, size: int = 50) -> tuple[list[ImportJob], bool]:
    """The imports of the units in the user's import scope, newest first: (rows, more after them)."""
    units = scope.unit_ids(actor, ACTION_READ, RESOURCE_DATA_IMPORT)
    rows = list(db.session.scalars(select(ImportJob).where(ImportJob.org_unit_id.in_(units))
                                   .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
                                   .offset(offset).limit(size + 1)))
    return rows[:size], len(rows) > size


def rows_page(actor, job_id, only: str | None = None, offset: int = 0, size: int = 50) -> tuple[list, bool]:
    """Staged rows of a job for its page (``only``: "error", "warning", "done", "refused"): (rows, more)."""
    job = get_job(actor, job_id)
    stmt = select(ImportRow).where(ImportRow.job_id == job.id)
    if only == "error":
        stmt = stmt.where(ImportRow.status.in_(("error", "file")))
    elif only == "refused":
        stmt = stmt.where(ImportRow.outcome == "refused")
    rows = list(db.session.scalars(stmt.order_by(ImportRow.row_no).offset(offset).limit(size + 1)))
    return rows[:size], len(rows) > size


@use_case
def request_commit(actor, job_id) -> ImportJob:
    """Queue the commit of a dry-run-checked import (its valid rows become files or change sets)."""
    job = get_job(actor, job_id)
    if not scope.allows(actor, ACTION_WRITE, RESOURCE_DATA_IMPORT, job.org_unit_id):
        raise ForbiddenError(_("Bạn không có quyền ghi dữ liệu nhập vào đơn vị này."))
    db.session.refresh(job, with_for_update=True)
    if job.stage == "commit":
        raise ValidationError({"__all__": [_("Lần nhập này đã được ghi vào hồ sơ (hoặc đang ghi).")]})
    if job.status != "finished":
        raise ValidationError({"__all__": [_("Chưa kiểm tra xong tệp; hãy chờ kết quả kiểm tra thử.")]})
    if not job.valid_rows:
        raise ValidationError({"__all__": [_("Không có dòng hợp lệ nào để ghi vào hồ sơ.")]})
    job.stage, job.status, job.done, job.total = "commit", "queued", 0, job.valid_rows
    job.attempts, job.lease_token = 0, None  # the commit's runs are counted on their own
    job.error = job.note = None
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.commit_requested_by_id, job.commit_requested_at = actor.id, datetime.now(UTC)
    audit.log_access("import_commit", user=actor, object_type="ImportJob", object_id=job.id,
                     org_unit_id=job.org_unit_id, detail={"rows": job.valid_rows})
    after_commit(dispatch_named, COMMIT_JOB, job.id)
    return job


def _key(name: str | None) -> str | None:
    """``name`` when :func:`import_store` holds it."""
    return name if name and import_store().exists(name) else None


def open_report(actor, job_id) -> tuple[ImportJob, str]:
    """(job, key in :func:`import_store` of its error report) once the dry run has finished; access-logged."""
    job = get_job(actor, job_id)
    key = _key(job.report_name)
    if key is None:
        raise NotFoundError(_("Chưa có báo cáo kiểm tra của lần nhập này."))
    audit.log_access("import_report", user=actor, object_type="ImportJob", object_id=job.id,
                     org_unit_id=job.org_unit_id)
    return job, key


def open_upload(actor, job_id) -> tuple[ImportJob, str]:
    """(job, key in :func:`import_store` of the uploaded file): the proof of what was imported; access-logged."""
    job = get_job(actor, job_id)
    key = _key(job.stored_name)
    if key is None:
        raise NotFoundError(_("Không còn tệp đã tải lên của lần nhập này."))
    audit.log_access("import_file", user=actor, object_type="ImportJob", object_id=job.id,
                     org_unit_id=job.org_unit_id, detail={"sha256": job.sha256})
    return job, key


def accounts_pending(job: ImportJob) -> int:
    """People whose file this import created and who have no personal account yet."""
    return db.session.scalar(select(func.count()).select_from(ImportRow).join(Person, Person.id == ImportRow.person_id)
                             .where(ImportRow.job_id == job.id, ImportRow.outcome == "created",
                                    Person.account_id.is_(None))) or 0


@use_case
def create_accounts(actor, job_id) -> list[dict]:
    """One personal account per person the import created who has none yet (at most
    :data:`ACCOUNTS_PER_CLICK` at a time), linked to the file; returns the hand-out rows (name, unit, username,
    default password), shown once. Refused where the user may not create personal accounts (HN-9.2)."""
    from app.services.accounts.lifecycle import create_personal_accounts

    job = get_job(actor, job_id)
    people = list(db.session.scalars(
        select(Person).join(ImportRow, ImportRow.person_id == Person.id)
        .where(ImportRow.job_id == job.id, ImportRow.outcome == "created", Person.account_id.is_(None))
        .order_by(ImportRow.row_no).limit(ACCOUNTS_PER_CLICK)))
    if not people:
        raise ValidationError({"__all__": [_("Mọi người được nhập đều đã có tài khoản cá nhân.")]})
    made = create_personal_accounts(actor, [(p.full_name, p.org_unit) for p in people],
                                    request_number=_("Nhập dữ liệu số %(id)s", id=job.id))
    rows = []
    for person, (account, password) in zip(people, made, strict=True):
        person.account_id = account.id
        rows.append({"name": person.full_name, "username": account.username, "password": password,
                     "unit": person.org_unit.name if person.org_unit else ""})
    db.session.flush()
    return rows
