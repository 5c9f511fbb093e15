"""Reading the national sync for the screens (issue 18): batches, a batch's records and receipts, Sở Nội vụ's
approval queue, the overdue records, the reconciliation report. Each is one scoped statement (explicit columns,
names joined, no query per row) that the view kit pages: an agency sees its subtree's agencies, Sở Nội vụ the city
(``scope.unit_ids`` on the national sync's resource).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_NATIONAL_SYNC
from app.services.errors import NotFoundError
from app.services.national_sync.outbox import now
from models.national_sync import (
    OPEN_ITEM_STATUSES,
    SyncBatch,
    SyncDifference,
    SyncItem,
    SyncReceipt,
    SyncReconciliation,
)
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = ["approval_queue", "batch_items", "batch_list", "differences", "item_receipts", "latest_runs",
           "overdue_items", "readable_agencies"]


def readable_agencies(actor):
    """SELECT of the ids of the agencies whose sync ``actor`` may read."""
    return scope.unit_ids(actor, ACTION_READ, RESOURCE_NATIONAL_SYNC)


def batch_list(actor, *, state: str | None = None, kind: str | None = None, period: str | None = None
               ) -> tuple[Select, Select]:
    """(page statement, count statement) of the batches of ``actor``'s scope, newest month first."""
    conds = [SyncBatch.agency_unit_id.in_(readable_agencies(actor))]
    if state:
        conds.append(SyncBatch.state == state)
    if kind:
        conds.append(SyncBatch.kind == kind)
    if period:
        conds.append(SyncBatch.period == period)
    stmt = (select(SyncBatch.id, SyncBatch.kind, SyncBatch.period, SyncBatch.batch_key, SyncBatch.state,
                   SyncBatch.status, SyncBatch.record_count, SyncBatch.accepted_count, SyncBatch.rejected_count,
                   SyncBatch.total, SyncBatch.done, SyncBatch.submitted_at, SyncBatch.approved_at,
                   SyncBatch.agency_unit_id, SyncBatch.note, SyncBatch.error, OrgUnit.name.label("agency_name"))
            .join(OrgUnit, OrgUnit.id == SyncBatch.agency_unit_id).where(*conds)
            .order_by(SyncBatch.period.desc(), SyncBatch.id.desc()))
    return stmt, select(SyncBatch.id).where(*conds)


def approval_queue(actor) -> Select:
    """The monthly batches waiting for Sở Nội vụ's approval in ``actor``'s scope, oldest month first."""
    return (select(SyncBatch.id, SyncBatch.period, SyncBatch.batch_key, SyncBatch.record_count,
                   SyncBatch.submitted_at, SyncBatch.agency_unit_id, OrgUnit.name.label("agency_name"))
            .join(OrgUnit, OrgUnit.id == SyncBatch.agency_unit_id)
            .where(SyncBatch.agency_unit_id.in_(readable_agencies(actor)), SyncBatch.kind == "monthly",
                   SyncBatch.state == "submitted")
            .order_by(SyncBatch.period, OrgUnit.name, SyncBatch.id))


_PERSON_UNIT = aliased(OrgUnit, name="person_unit")


def _item_columns():
    return (SyncItem.id, SyncItem.person_id, SyncItem.version_no, SyncItem.status, SyncItem.receipt_code,
            SyncItem.receipt_message, SyncItem.queued_at, SyncItem.due_at, SyncItem.answered_at,
            SyncItem.agency_unit_id, SyncItem.batch_id, Person.family_name, Person.middle_name, Person.given_name,
            Person.org_unit_id, _PERSON_UNIT.path.label("unit_path"))


def _with_person(stmt):
    return (stmt.join(Person, Person.id == SyncItem.person_id)
            .join(_PERSON_UNIT, _PERSON_UNIT.id == Person.org_unit_id))


def batch_items(batch: SyncBatch, status: str | None = None) -> Select:
    """The records of ``batch`` (those it lists, for a monthly batch; those it sends, for an event batch), by id."""
    member = (or_(SyncItem.monthly_batch_id == batch.id, SyncItem.batch_id == batch.id) if batch.kind == "monthly"
              else SyncItem.batch_id == batch.id)
    stmt = _with_person(select(*_item_columns())).where(member).order_by(SyncItem.id)
    return stmt.where(SyncItem.status == status) if status else stmt


def item_receipts(item_ids: list[int]) -> dict[int, int]:
    """Item id -> how many receipts it got (one grouped query for a page)."""
    if not item_ids:
        return {}
    return dict(db.session.execute(select(SyncReceipt.item_id, func.count()).where(
        SyncReceipt.item_id.in_(item_ids)).group_by(SyncReceipt.item_id)).all())


def overdue_items(actor, agency_id: int | None = None) -> tuple[Select, Select]:
    """(page, count) of the records not delivered past their deadline in ``actor``'s scope, oldest first."""
    unit = aliased(OrgUnit)
    conds = [SyncItem.status.in_(OPEN_ITEM_STATUSES), SyncItem.due_at < now(),
             SyncItem.agency_unit_id.in_(readable_agencies(actor))]
    if agency_id is not None:
        conds.append(SyncItem.agency_unit_id == agency_id)
    stmt = (_with_person(select(*_item_columns(), unit.name.label("agency_name")))
            .join(unit, unit.id == SyncItem.agency_unit_id).where(*conds).order_by(SyncItem.due_at, SyncItem.id))
    return stmt, select(SyncItem.id).where(*conds)


def latest_runs(actor) -> Select:
    """The latest reconciliation of each agency of ``actor``'s scope, agencies that differ first."""
    later = aliased(SyncReconciliation)
    return (select(SyncReconciliation, OrgUnit.name.label("agency_name"))
            .join(OrgUnit, OrgUnit.id == SyncReconciliation.agency_unit_id)
            .where(SyncReconciliation.agency_unit_id.in_(readable_agencies(actor)),
                   ~select(later.id).where(and_(later.agency_unit_id == SyncReconciliation.agency_unit_id,
                                                later.id > SyncReconciliation.id)).exists())
            .order_by((SyncReconciliation.status == "match"), OrgUnit.name))


def differences(actor, agency_id) -> tuple[SyncReconciliation, Select]:
    """The latest reconciliation of one agency of ``actor``'s scope and the statement of its differences."""
    run = db.session.scalar(select(SyncReconciliation).where(
        SyncReconciliation.agency_unit_id == agency_id,
        SyncReconciliation.agency_unit_id.in_(readable_agencies(actor))).order_by(SyncReconciliation.id.desc())
        .limit(1))
    if run is None:
        raise NotFoundError(_("Chưa có kết quả đối soát của cơ quan này."))
    stmt = (select(SyncDifference.id, SyncDifference.kind, SyncDifference.person_id, SyncDifference.identifier,
                   SyncDifference.our_version, SyncDifference.their_version, SyncDifference.our_sha256,
                   SyncDifference.their_sha256, Person.family_name, Person.middle_name, Person.given_name)
            .outerjoin(Person, Person.id == SyncDifference.person_id)
            .where(SyncDifference.reconciliation_id == run.id).order_by(SyncDifference.id))
    return run, stmt
