"""The reports exported to XLSX by the background export job (issue 17 item 6): one entry per report.

Each :class:`ReportExport` says

- how a request is checked (:attr:`ReportExport.prepare`): the page's parameters → the unit and the parameters
  recorded with the request (JSON: the unit, the reference day — today when none was given, so that the file is
  the one asked for even if the job runs after midnight —, the BM02 kind and depth, the salary list's filter). A
  bad parameter is a ValidationError, a unit outside the reader's scope a NotFoundError (as on the page); nothing
  is computed yet;
- how the job writes the workbook (:attr:`ReportExport.write`): the report computed by its own service *as the
  requester* — the same scope, and the same masking, as the page: the people listed are those whose items the
  requester reads in clear — then written row by row in constant memory (``workbook.py``) in its official column
  layout, with ``progress.start(total)`` once and ``progress(n)`` after each row.

``app/services/exports.py`` records and queues a request (``start_report_export``), ``jobs/exports.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL, RESOURCE_REPORT
from app.services.errors import NotFoundError, ValidationError
from models.org_units import OrgUnit

__all__ = ["REPORTS", "ReportExport", "Written", "report_export"]


@dataclass(frozen=True)
class Written:
    """What the job wrote: rows, and the file's download name."""

    rows: int
    name: str


@dataclass(frozen=True)
class ReportExport:
    """One report's XLSX export: its key (the export row's kind is ``report_<key>``), its title in the list of
    exports, the resource whose scope its unit is checked in, and its two steps."""

    key: str
    title: Any
    resource: str
    #: ``prepare(user, params)`` → (the unit or None, the parameters to record).
    prepare: Callable[[Any, dict], tuple[OrgUnit | None, dict]]
    #: ``write(user, params, path, progress)`` → :class:`Written`.
    write: Callable[[Any, dict, str, Any], Written]


def _unit(user, unit_id, resource: str) -> OrgUnit | None:
    """The unit of a request (None: the reader's whole scope); NotFoundError outside the reader's scope."""
    if unit_id in (None, ""):
        return None
    unit = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and unit_id > 0 else None
    if unit is None or not scope.allows(user, ACTION_READ, resource, unit):
        raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
    return unit


def _day(params: dict) -> date:
    value = params.get("day")
    if isinstance(value, str) and value:
        return date.fromisoformat(value)
    return value or scope.today()


def _unit_id(unit: OrgUnit | None) -> int | None:
    return unit.id if unit is not None else None


# --------------------------------------------------------------------------- BM02 family


def _prepare_bm02(user, params: dict):
    from app.services.reports import bm02

    kind = params.get("kind")
    if kind not in bm02.KINDS:
        raise ValidationError({"kind": [_("Không có loại báo cáo này.")]})
    bm02.require_postgresql()
    depth = bm02.parse_depth(params.get("depth"))
    unit = _unit(user, params.get("unit_id"), RESOURCE_PERSONNEL)
    return unit, {"kind": kind, "unit_id": _unit_id(unit), "day": _day(params).isoformat(), "depth": depth}


def _write_bm02(user, params: dict, path: str, progress) -> Written:
    from app.services.reports import bm02, bm02_files

    report = bm02.bm02_report(user, params["kind"], params.get("unit_id"), _day(params), params.get("depth"))
    progress.start(len(report.rows) + 1)
    rows = bm02_files.write_bm02_xlsx(path, report, progress)
    return Written(rows, bm02_files.file_name(report, "xlsx"))


# --------------------------------------------------------------------------- biên chế, vị trí việc làm


def _prepare_staffing(user, params: dict):
    unit = _unit(user, params.get("unit_id"), RESOURCE_REPORT)
    return unit, {"unit_id": _unit_id(unit), "day": _day(params).isoformat()}


def _write_quotas(user, params: dict, path: str, progress) -> Written:
    from app.services.reports import staffing

    report = staffing.quota_report(user, params.get("unit_id"), _day(params))
    progress.start(len(report.rows) + len(report.totals))
    rows = staffing.write_quota_xlsx(report, path, progress)
    return Written(rows, f"bao-cao-bien-che-{report.day:%d-%m-%Y}.xlsx")


def _write_positions(user, params: dict, path: str, progress) -> Written:
    from app.services.reports import staffing

    report = staffing.position_report(user, params.get("unit_id"), _day(params))
    mismatches = staffing.rank_mismatches(user, params.get("unit_id"))
    progress.start(len(report.rows) + staffing.count_mismatches(mismatches))
    rows = staffing.write_position_xlsx(report, mismatches, path, progress)
    return Written(rows, f"bao-cao-vi-tri-viec-lam-{report.day:%d-%m-%Y}.xlsx")


# --------------------------------------------------------------------------- danh sách và tiền lương


def _prepare_salary(user, params: dict):
    only = params.get("only") or ""
    if only not in ("", "raise"):
        raise ValidationError({"only": [_("Bộ lọc không hợp lệ.")]})
    unit = _unit(user, params.get("unit_id"), RESOURCE_PERSONNEL)
    return unit, {"unit_id": _unit_id(unit), "only": only, "day": _day(params).isoformat()}


def _write_salary(user, params: dict, path: str, progress) -> Written:
    from sqlalchemy import func, select

    from app.services.reports import salary
    from app.services.transfers.retirement import add_months

    day = _day(params)
    unit = _unit(user, params.get("unit_id"), RESOURCE_PERSONNEL)
    due = (day, add_months(day, salary.RAISE_MONTHS)) if params.get("only") == "raise" else None
    rows, count = salary.salary_rows(user, unit, due_within=due)
    progress.start(db.session.scalar(select(func.count()).select_from(count.subquery())))
    written = salary.write_salary_xlsx(path, rows, add_months(day, salary.RETIRE_MONTHS), progress)
    return Written(written, f"danh-sach-luong-{day:%d-%m-%Y}.xlsx")


#: Every report exported to XLSX, by key.
REPORTS: dict[str, ReportExport] = {r.key: r for r in (
    ReportExport("bm02", _l("Báo cáo số lượng, chất lượng"), RESOURCE_PERSONNEL, _prepare_bm02, _write_bm02),
    ReportExport("quotas", _l("Báo cáo biên chế"), RESOURCE_REPORT, _prepare_staffing, _write_quotas),
    ReportExport("positions", _l("Báo cáo vị trí việc làm"), RESOURCE_REPORT, _prepare_staffing, _write_positions),
    ReportExport("salary", _l("Danh sách và tiền lương"), RESOURCE_PERSONNEL, _prepare_salary, _write_salary),
)}


def report_export(key: str) -> ReportExport:
    """The export of report ``key``; NotFoundError for an unknown report."""
    found = REPORTS.get(key)
    if found is None:
        raise NotFoundError(_("Không có loại báo cáo này."))
    return found
