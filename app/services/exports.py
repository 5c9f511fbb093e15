"""Exports aggregate: asking for a batch export, following it, downloading its result (design.md §5).

A unit's Sơ yếu lý lịch batch (``syll_unit``): every active person of the unit and its sub-units that the
requester may read, each file's latest approved version as a PDF, all in one ZIP. Asking
(:func:`request_unit_syll_export`) writes an :class:`~models.exports.ExportJob` row (one transaction) and queues
the job :data:`SYLL_UNIT_JOB` with the row's id once that is committed (``after_commit``). Only the requester
sees the row and downloads the result, and only while the unit is still in their scope; each download is in
the access log.

The people list as XLSX (``people_xlsx``, issue 17 item 6): :func:`request_people_export` records the list's
filters (in the request's access-log entry, the record of what was asked: ``export_people``) and queues
:data:`PEOPLE_XLSX_JOB`, which streams the list's rows into a constant-memory workbook.

Every report as XLSX (``report_<key>``, issue 17 item 6; the reports: ``app/services/reports/xlsx_exports.py``):
:func:`request_report_export` checks the report's parameters (unit, day, kind …), records them in the request's
access-log entry (``export_report``) and queues :data:`REPORT_XLSX_JOB`, which computes the report as the
requester and writes it in its official layout. The same row, progress, download and expiry as the people list.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services.errors import ForbiddenError, NotFoundError, ValidationError, after_commit, requested_row, use_case
from app.services.org_units.queries import find_unit
from app.storage import EXPORTS, Storage, get_storage
from jobs.leases import dispatch_named
from models.audit import AccessLog
from models.exports import ExportJob

__all__ = [
    "KIND_PEOPLE_XLSX",
    "KIND_SYLL_UNIT",
    "PEOPLE_XLSX_JOB",
    "REPORT_XLSX_JOB",
    "is_report_kind",
    "people_export_filter",
    "report_export_params",
    "report_kind",
    "request_people_export",
    "request_report_export",
    "start_people_export",
    "start_report_export",
    "SYLL_UNIT_JOB",
    "expired_message",
    "export_folder",
    "export_store",
    "get_export",
    "open_export",
    "recent_exports",
    "request_unit_syll_export",
    "start_unit_syll_export",
    "syll_version",
    "write_syll_file",
]

KIND_SYLL_UNIT = "syll_unit"
#: The job that builds a unit's ZIP (its dotted path: services name jobs, never import them).
SYLL_UNIT_JOB = "jobs.exports.export_unit_syll"
#: The people list as an XLSX workbook (issue 17, item 6), and its job.
KIND_PEOPLE_XLSX = "people_xlsx"
PEOPLE_XLSX_JOB = "jobs.exports.export_people_xlsx"
#: Every report as an XLSX workbook (issue 17, item 6): the kinds ``report_<key>``, one job.
REPORT_KIND_PREFIX = "report_"
REPORT_XLSX_JOB = "jobs.exports.export_report_xlsx"
#: The filter fields of the people list an export records (``PersonFilter``'s, less the search guard's note).
PEOPLE_FILTER_FIELDS = ("unit_id", "include_sub_units", "category", "status", "rank_code", "gender", "age_min",
                        "age_max", "q")


def export_store() -> Storage:
    """Where result files are kept (``app.storage``): ``EXPORT_FOLDER`` (else ``<instance>/exports``), or the
    bucket's ``exports/``."""
    return get_storage(EXPORTS)


def export_folder() -> str:
    """The local folder where a run builds its partial file before publishing it to :func:`export_store`: the
    export folder itself with the local backend (created on demand), a scratch folder with a bucket."""
    return export_store().scratch_dir()


def expired_message() -> str:
    """What the page says of an export whose file was deleted after ``EXPORT_RETENTION_HOURS``."""
    return _("Tệp kết quả đã hết hạn lưu (%(hours)s giờ) và đã được xóa; hãy xuất lại nếu cần.",
             hours=current_app.config.get("EXPORT_RETENTION_HOURS", 72))


@use_case
def start_unit_syll_export(user, unit_id) -> ExportJob:
    """Ask for the SYLL of every active person of ``unit_id`` and its sub-units, as a ZIP of PDFs.

    A unit that does not exist is a ValidationError (on ``unit_id``); a unit outside the files the user may
    read is a ForbiddenError. Nothing is queued here (:func:`request_unit_syll_export` queues).
    """
    unit = find_unit(unit_id) if unit_id not in (None, "") else None
    if unit is None:
        message = _("Hãy chọn đơn vị cần xuất sơ yếu lý lịch.") if unit_id in (None, "") else \
            _("Không tìm thấy đơn vị.")
        raise ValidationError({"unit_id": [message]})
    if not scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, unit):
        raise ForbiddenError(_("Đơn vị “%(name)s” nằm ngoài phạm vi hồ sơ bạn được xem.", name=unit.name))
    job = ExportJob(kind=KIND_SYLL_UNIT, requested_by_id=user.id, org_unit_id=unit.id, status="queued")
    db.session.add(job)
    db.session.flush()
    audit.log_access("export_syll_batch", user=user, object_type="OrgUnit", object_id=unit.id,
                     org_unit_id=unit.id, detail={"export_id": job.id})
    return job


@use_case
def request_unit_syll_export(user, unit_id) -> ExportJob:
    """Ask for a unit's SYLL export (:func:`start_unit_syll_export`) and queue its job once committed.

    When the queue cannot be reached the row stays queued with a Vietnamese ``note`` (``jobs.leases.dispatch``)
    and the reconciler queues it when Redis is back; without Redis the job runs in-process after the commit.
    """
    job = start_unit_syll_export(user, unit_id)
    after_commit(dispatch_named, SYLL_UNIT_JOB, job.id)
    return job


@use_case
def start_people_export(user, flt, day: date | None = None) -> ExportJob:
    """Ask for the people list (``flt``: the list's ``PersonFilter``, as on the page) as an XLSX workbook. The
    filters and the day (ages are counted on it) are recorded in the request's access-log entry
    (``export_people``), which the job reads back. Nothing is queued here (:func:`request_people_export` queues).

    An exact CCCD/CMND search is not exported (its number would be written in the log): a ValidationError on
    ``q``. A unit outside the files the user may read is a ForbiddenError.
    """
    from app.services.personnel.queries import id_number_query

    if id_number_query(flt.q) is not None:
        raise ValidationError({"q": [_("Không xuất danh sách tìm theo số CCCD/CMND; hãy tìm theo họ tên hoặc bỏ "
                                       "ô tìm kiếm.")]})
    unit = find_unit(flt.unit_id) if flt.unit_id is not None else None
    if flt.unit_id is not None and unit is None:
        raise ValidationError({"unit_id": [_("Không tìm thấy đơn vị.")]})
    if unit is not None and not scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, unit):
        raise ForbiddenError(_("Đơn vị “%(name)s” nằm ngoài phạm vi hồ sơ bạn được xem.", name=unit.name))
    job = ExportJob(kind=KIND_PEOPLE_XLSX, requested_by_id=user.id, org_unit_id=unit.id if unit else None,
                    status="queued")
    db.session.add(job)
    db.session.flush()
    params = {name: getattr(flt, name) for name in PEOPLE_FILTER_FIELDS}
    params["day"] = (day or date.today()).isoformat()
    audit.log_access("export_people", user=user, object_type="ExportJob", object_id=job.id,
                     org_unit_id=job.org_unit_id, detail={"export_id": job.id, "filters": params})
    return job


@use_case
def request_people_export(user, flt, day: date | None = None) -> ExportJob:
    """:func:`start_people_export`, and its job queued once committed (in-process without Redis)."""
    job = start_people_export(user, flt, day)
    after_commit(dispatch_named, PEOPLE_XLSX_JOB, job.id)
    return job


def people_export_filter(export_id: int):
    """(``PersonFilter``, day) an export of the people list was asked with (its ``export_people`` access-log
    entry); LookupError when that entry is missing (the job then fails: it never exports an unfiltered list)."""
    from app.services.personnel.queries import PersonFilter

    detail = db.session.scalar(
        select(AccessLog.detail).where(AccessLog.event == "export_people", AccessLog.object_type == "ExportJob",
                                       AccessLog.object_id == str(export_id))
        .order_by(AccessLog.id.desc()).limit(1))
    params = (detail or {}).get("filters")
    if not isinstance(params, dict):
        raise LookupError(f"export {export_id}: no recorded filters")
    flt = PersonFilter(**{name: params.get(name) for name in PEOPLE_FILTER_FIELDS if name in params})
    return flt, date.fromisoformat(params["day"]) if params.get("day") else date.today()


def _kind_condition(kind):
    """SQL on ExportJob.kind: one kind, or :data:`REPORT_KIND_PREFIX` for every report's."""
    if kind == REPORT_KIND_PREFIX:
        return ExportJob.kind.startswith(REPORT_KIND_PREFIX, autoescape=True)
    return ExportJob.kind == kind


def _of_kind(job: ExportJob, kind: str | None) -> bool:
    return kind is None or job.kind == kind or (kind == REPORT_KIND_PREFIX and is_report_kind(job.kind))


# --------------------------------------------------------------------------- reports as XLSX (issue 17, item 6)


def report_kind(report: str) -> str:
    """The export row's kind of report ``report`` (``report_bm02`` …)."""
    return REPORT_KIND_PREFIX + report


def is_report_kind(kind: str | None) -> bool:
    """Whether an export row's kind is a report's."""
    return bool(kind) and kind.startswith(REPORT_KIND_PREFIX)


@use_case
def start_report_export(user, report: str, params: dict) -> ExportJob:
    """Ask for report ``report`` (a key of ``xlsx_exports.REPORTS``) as an XLSX workbook, with the page's
    ``params`` (``unit_id``, ``day``, BM02's ``kind`` and ``depth``, the salary list's ``only``). The checked
    parameters are recorded in the request's access-log entry (``export_report``), which the job reads back.
    Nothing is queued here (:func:`request_report_export` queues).

    An unknown report or a unit outside the reader's scope is a NotFoundError (as on the report's page); a bad
    parameter a ValidationError; nothing is written then."""
    from app.services.reports.xlsx_exports import report_export

    spec = report_export(report)
    unit, recorded = spec.prepare(user, dict(params))
    job = ExportJob(kind=report_kind(spec.key), requested_by_id=user.id, org_unit_id=unit.id if unit else None,
                    status="queued")
    db.session.add(job)
    db.session.flush()
    audit.log_access("export_report", user=user, object_type="ExportJob", object_id=job.id,
                     org_unit_id=job.org_unit_id,
                     detail={"export_id": job.id, "report": spec.key, "params": recorded})
    return job


@use_case
def request_report_export(user, report: str, params: dict) -> ExportJob:
    """:func:`start_report_export`, and its job queued once committed (in-process without Redis)."""
    job = start_report_export(user, report, params)
    after_commit(dispatch_named, REPORT_XLSX_JOB, job.id)
    return job


def report_export_params(export_id: int) -> tuple[str, dict]:
    """(report key, parameters) an export of a report was asked with (its ``export_report`` access-log entry);
    LookupError when that entry is missing (the job then fails)."""
    detail = db.session.scalar(
        select(AccessLog.detail).where(AccessLog.event == "export_report", AccessLog.object_type == "ExportJob",
                                       AccessLog.object_id == str(export_id))
        .order_by(AccessLog.id.desc()).limit(1))
    if not isinstance(detail, dict) or not isinstance(detail.get("params"), dict) or not detail.get("report"):
        raise LookupError(f"export {export_id}: no recorded report parameters")
    return detail["report"], detail["params"]


# --------------------------------------------------------------------------- following and downloading


def get_export(user, export_id, kind: str | None = None) -> ExportJob:
    """The export ``export_id`` if ``user`` asked for it (and it is of ``kind`` when given: a kind, or
    :data:`REPORT_KIND_PREFIX` for any report's); NotFoundError otherwise (no existence leak)."""
    job = requested_row(ExportJob, user, export_id, _("Không tìm thấy yêu cầu xuất dữ liệu."))
    if not _of_kind(job, kind):
        raise NotFoundError(_("Không tìm thấy yêu cầu xuất dữ liệu."))
    return job


def _scope_resource(kind: str) -> str:
    """The resource whose scope the export's unit is checked in (a report's own; files otherwise)."""
    if is_report_kind(kind):
        from app.services.reports.xlsx_exports import REPORTS

        spec = REPORTS.get(kind.removeprefix(REPORT_KIND_PREFIX))
        if spec is not None:
            return spec.resource
    return RESOURCE_PERSONNEL


def open_export(user, export_id, kind: str | None = None) -> tuple[ExportJob, str]:
    """(export, key of its result in :func:`export_store`) for a download: finished, the file still there, the
    unit still in scope.

    Logged as ``export_syll_zip`` (a unit's SYLLs), ``export_people_xlsx`` (the people list) or
    ``export_report_xlsx`` (a report).
    """
    job = get_export(user, export_id, kind)
    if job.org_unit_id is not None and not scope.allows(user, ACTION_READ, _scope_resource(job.kind),
                                                        job.org_unit_id):
        raise ForbiddenError(_("Đơn vị của bản xuất này không còn trong phạm vi hồ sơ bạn được xem."))
    if job.status == "expired":
        raise NotFoundError(expired_message())
    key = job.stored_name or None
    if job.status != "finished" or key is None or not export_store().exists(key):
        raise NotFoundError(_("Bản xuất chưa xong hoặc tệp kết quả không còn."))
    audit.log_access("export_syll_zip" if job.kind == KIND_SYLL_UNIT else "export_people_xlsx"
                     if job.kind == KIND_PEOPLE_XLSX else "export_report_xlsx", user=user,
                     object_type="ExportJob", object_id=job.id, org_unit_id=job.org_unit_id,
                     detail={"files" if job.kind == KIND_SYLL_UNIT else "rows": job.done, "sha256": job.sha256,
                             **({"report": job.kind.removeprefix(REPORT_KIND_PREFIX)}
                                if is_report_kind(job.kind) else {})})
    return job, key


def recent_exports(user, limit: int = 20, kind: str | None = None) -> list[ExportJob]:
    """The user's latest exports (of ``kind`` when given; :data:`REPORT_KIND_PREFIX`: every report's), newest
    first (one bounded query)."""
    stmt = select(ExportJob).where(ExportJob.requested_by_id == getattr(user, "id", None))
    if kind is not None:
        stmt = stmt.where(_kind_condition(kind))
    return list(db.session.scalars(stmt.order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit)))


def syll_version(person_id: int, version_no: int | None = None):
    """``(person, version)``: the approved version ``version_no`` of a file, or its latest; NotFoundError when
    there is no such file or version (``flask export-syll``; the operator reads everything)."""
    from app.services.personnel.queries import get_version
    from models.personnel import Person

    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFoundError(_("Không tìm thấy hồ sơ số %(id)s.", id=person_id))
    no = version_no if version_no is not None else person.version_no
    version = get_version(person.id, no) if no else None
    if version is None:
        raise NotFoundError(_("Hồ sơ số %(id)s không có phiên bản đã duyệt %(no)s để in.", id=person_id, no=no or ""))
    return person, version


def write_syll_file(person, version, out: str, *, signer=None, field_name: str | None = None,
                    passphrase: str | None = None) -> tuple[int, str | None]:
    """Write the SYLL of ``version`` to the file ``out`` (read in full, level 3) and log it in the access log;
    ``signer`` (an account) adds the empty signature fields and signs one with its certificate: ``field_name``,
    else "NguoiKhai" for the person's own file and "CanBoTCCB" otherwise. Returns the page count and the signed
    field; a signing refusal raises its ServiceError before anything is written."""
    from app.pdf.syll import render_syll

    pdf = render_syll(version, reader_level=3)
    data, signed = pdf.data, None
    if signer is not None:
        data, signed = _signed(pdf, signer, person, field_name, passphrase, version.version_no)
    with open(out, "wb") as fh:
        fh.write(data)
    audit.log_access("export_syll", user=signer, object_type="Person", object_id=person.id,
                     org_unit_id=person.org_unit_id,
                     detail={"version_no": version.version_no, "file": out, "signed_field": signed, "via": "cli"})
    return pdf.page_count, signed


def _signed(pdf, account, person, field_name: str | None, passphrase: str | None,
            version_no: int) -> tuple[bytes, str]:
    """Add the empty signature fields, then sign one as ``account`` (``app/signing``, imported only here)."""
    from app import signing

    field_name = field_name or (signing.FIELD_PERSON if person.account_id == account.id else signing.FIELD_REVIEWER)
    data = signing.add_signature_fields(pdf.data, pdf.signature_boxes)
    with signing.load_signer(account, passphrase) as signer:
        # The person's signature is the document's first: a certification that still allows the others.
        data = signing.sign_pdf(data, field=field_name, signer=signer, certify=field_name == signing.FIELD_PERSON,
                                reason=_("Ký sơ yếu lý lịch, phiên bản %(no)s", no=version_no))
    return data, field_name
