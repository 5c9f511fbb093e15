"""Export jobs: a unit's Sơ yếu lý lịch as one ZIP of PDFs (issue 7, part 5).

:func:`export_unit_syll` takes the id of an :class:`~models.exports.ExportJob` row (written and committed by
``app.services.exports.start_unit_syll_export``), streams the people in batches (never the whole unit at
once: a unit may have 8,000 people), renders each file's latest approved version with the requester's
reader level, and writes ``<họ tên>_<id>.pdf`` entries into a ZIP under the export folder. Progress is kept
in the row (and in the RQ job's ``meta`` when RQ runs it), so a page can show a progress bar. Running it
twice rebuilds the same ZIP; a finished export is left as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import load_only

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ
from app.text import nfc
from jobs import enqueue
from jobs.base import job_context
from models.accounts import Account
from models.exports import ExportJob
from models.org_units import OrgUnit
from models.personnel import FileVersion, Person

__all__ = ["BATCH_SIZE", "JOB_TIMEOUT", "dispatch", "export_unit_syll", "zip_entry_name"]

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


def dispatch(export_id: int):
    """Queue the export (after the commit that wrote its row): RQ with a long timeout, else run it now.

    When the queue cannot be reached the row is marked failed with the reason (the page shows it).
    """
    queue = current_app.extensions.get("rq_queue")
    try:
        if queue is None:
            job = enqueue(export_unit_syll, export_id)
        else:
            job = queue.enqueue(export_unit_syll, export_id, job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600)
    except Exception:
        log.exception("export %s could not be queued", export_id)
        _set(export_id, status="failed", finished_at=datetime.now(UTC),
             error=_("Không đưa được việc xuất vào hàng đợi; hãy thử lại sau hoặc báo quản trị hệ thống."))
        return None
    _set(export_id, queue_job_id=str(job.id))
    return job


def _set(export_id: int, **values) -> None:
    """Update the export row in its own short transaction (the job's session stays as it is)."""
    with db.engine.begin() as conn:
        conn.execute(update(ExportJob).where(ExportJob.id == export_id).values(**values))


def _meta_progress(done: int, total: int) -> None:
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover - rq is a dependency
        return
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": total}
        job.save_meta()


def _people_query(requester: Account, unit: OrgUnit):
    """Conditions on Person: in the unit's subtree, active, readable by the requester."""
    return and_(
        Person.org_unit_id.in_(select(OrgUnit.id).where(OrgUnit.path.like(unit.path + "%"))),
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


def export_unit_syll(export_id: int) -> dict:
    """Build the ZIP of export ``export_id``; returns ``{"status", "done", "skipped"}``."""
    with job_context():
        job = db.session.get(ExportJob, export_id)
        if job is None:
            return {"status": "missing", "done": 0, "skipped": 0}
        if job.status == "finished" and job.stored_name:
            return {"status": job.status, "done": job.done, "skipped": job.skipped}
        try:
            return _run(job)
        except Exception as exc:  # the row says what went wrong; the page shows it
            log.exception("export %s failed", export_id)
            db.session.rollback()
            _set(export_id, status="failed", error=str(exc)[:2000], finished_at=datetime.now(UTC))
            return {"status": "failed", "done": 0, "skipped": 0}


def _run(job: ExportJob) -> dict:
    from app.pdf.syll import person_name, render_syll
    from app.services.exports import export_folder

    export_id = job.id
    requester = db.session.get(Account, job.requested_by_id)
    unit = db.session.get(OrgUnit, job.org_unit_id)
    if requester is None or unit is None:
        raise LookupError("export without requester or unit")
    total = db.session.scalar(select(func.count()).select_from(Person).where(_people_query(requester, unit)))
    _set(export_id, status="running", total=total, done=0, skipped=0, error=None,
         started_at=datetime.now(UTC))
    folder = export_folder()
    stored = f"{uuid.uuid4().hex}.zip"
    part = os.path.join(folder, stored + ".part")
    done = skipped = 0
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
            audit.log_access("export_syll", user=requester, object_type="OrgUnit", object_id=unit.id,
                             org_unit_id=unit.id, detail={"export_id": export_id, "person_ids": printed})
            for obj in list(versions.values()) + people:
                db.session.expunge(obj)
            _set(export_id, done=done, skipped=skipped)
            _meta_progress(done + skipped, total)
    digest = hashlib.sha256()
    with open(part, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    os.replace(part, os.path.join(folder, stored))
    name = nfc(_("Sơ yếu lý lịch - %(unit)s - %(day)s.zip", unit=unit.name, day=datetime.now().strftime("%Y-%m-%d")))
    old = job.stored_name
    _set(export_id, status="finished", done=done, skipped=skipped, stored_name=stored, download_name=name[:255],
         size=os.path.getsize(os.path.join(folder, stored)), sha256=digest.hexdigest(),
         finished_at=datetime.now(UTC))
    if old and old != stored and os.path.isfile(os.path.join(folder, old)):
        os.remove(os.path.join(folder, old))
    return {"status": "finished", "done": done, "skipped": skipped}
