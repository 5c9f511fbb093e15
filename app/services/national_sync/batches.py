"""National sync batches (issue 18): the agencies' monthly batches and Sở Nội vụ's approval, the per-event batches
the periodic job gathers, resending a rejected record, retrying a failed batch.

Every public function that writes is one use case (one transaction), audited (``SyncBatch`` is in the change log);
bad input is refused with a Vietnamese message and nothing changes. The rules are the city profile's
(``CityProfile.national_sync``; ``app/profiles``):

- **Monthly batch** (HN-14.1, HCM-7.3): in the last ``window_last_days`` calendar days of the month, the agency's
  competent person (``submit_authority``: the head, or a delegate — ``scope.authority_grants`` / ``scope.holders``
  as the workflow asks) submits the batch of the versions approved since the agency's last batch: every item of
  the agency not listed by a monthly batch yet (superseded versions left out). Outside the window: refused.
- **Sở Nội vụ approves** (HN-14.2, HCM-7.3): the approver (``approve_authority``) approves one or several submitted
  batches at once, within the batches' window (until its last day, moved to the next working day when it is a day
  off); where the Director signs (``manifest_signature``: HCM-11.7) one PAdES signature on one manifest covers
  them all. Nobody approves a batch they submitted; a head approving their own agency's batch without Sở Nội vụ's
  authority is refused. The approval queues the send job (``jobs.national_sync.send_batch``) after the commit.
- **Per event** (ND27-SYNC): :func:`gather_event_batches` (the periodic job) puts each agency's queued items into an
  event batch, approved by nobody, sent at once; the monthly batch then confirms the month, and sends what
  per-event sending has not delivered yet.
- **Rejected records** are fixed by a new approved version (which supersedes them) or sent again as they are
  (:func:`resend_item`); an accepted record is never sent again.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, literal, or_, select, union, update
from werkzeug.routing import BuildError

from app import audit, workdays
from app.extensions import db
from app.profiles import Authority, NationalSync, active_profile
from app.request_input import as_id, parse_int
from app.security import scope
from app.security.permissions import (
    ACTION_APPROVE,
    ACTION_READ,
    ACTION_WRITE,
    RESOURCE_NATIONAL_SYNC,
    RESOURCE_PERSONNEL,
)
from app.services import notifications
from app.services.errors import Errors, ForbiddenError, NotFoundError, ValidationError, after_commit, use_case
from app.services.national_sync import manifest as manifests
from app.services.national_sync.outbox import local_day, now, window_of
from app.services.org_units.queries import find_unit
from jobs.leases import dispatch_named
from models.accounts import Account
from models.national_sync import SyncBatch, SyncItem, SyncManifest
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = [
    "JOB",
    "MAX_APPROVE",
    "agencies_for",
    "approve_batches",
    "due_retries",
    "gather_event_batches",
    "get_batch",
    "get_item",
    "month_label",
    "period_of",
    "preview_monthly",
    "require_sync",
    "resend_item",
    "retry_batch",
    "return_batch",
    "submission_mark",
    "submit_monthly",
    "window_text",
]

#: The send job, named by its dotted path (services never import job modules).
JOB = "jobs.national_sync.send_batch"
#: Batches approved together at most.
MAX_APPROVE = 50
#: Items one event batch takes at most (the rest wait for the next tick).
EVENT_BATCH_MAX = 5000


def require_sync() -> NationalSync:
    """The profile's sync rules; a refusal when the city has none."""
    sync = active_profile().national_sync
    if sync is None:
        raise ValidationError({"__all__": [_("Thành phố chưa cấu hình việc đồng bộ về CSDL quốc gia.")]})
    return sync


def period_of(day: date) -> str:
    """``YYYY-MM`` of ``day``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(period: str) -> str:
    """``MM/YYYY`` of a period."""
    year, month = period.split("-")
    return f"{month}/{year}"


def window_text(period: str, sync: NationalSync) -> tuple[str, str, str]:
    """(first day, last day, approval deadline) of a period's window, dd/mm/yyyy."""
    year, month = (int(x) for x in period.split("-"))
    return tuple(workdays.format_day(d) for d in window_of(year, month, sync))  # type: ignore[return-value]


def _holds(actor, authority: Authority, unit_id: int, day: date) -> tuple[bool, int | None]:
    """(does ``actor`` hold ``authority`` over unit ``unit_id`` on ``day``, the delegator when only a delegation
    gives it) — the holders query of the workflow (``scope.holders``)."""
    if getattr(actor, "id", None) is None:
        return False, None
    grants = scope.authority_grants(authority, day, user_id=actor.id)
    if grants is None:
        return False, None
    found = scope.holders(grants, [unit_id]).subquery("holders")
    delegators = db.session.scalars(select(found.c.delegator_id)).all()
    if not delegators:
        return False, None
    return True, (None if None in delegators else min(delegators))


def _agency_units():
    """SELECT of the ids of the sending agencies: units with an active agency account, and units items name."""
    return union(select(Account.org_unit_id).where(Account.kind == "agency", Account.active.is_(True),
                                                   Account.org_unit_id.is_not(None)),
                 select(SyncItem.agency_unit_id).distinct())


def agencies_for(actor) -> list[OrgUnit]:
    """The sending agencies whose monthly batch ``actor`` may submit (the profile's ``submit_authority``)."""
    sync = active_profile().national_sync
    if sync is None or getattr(actor, "id", None) is None:
        return []
    grants = scope.authority_grants(sync.submit_authority, scope.today(), user_id=actor.id)
    if grants is None:
        return []
    found = scope.holders(grants, _agency_units(), with_delegator=False).subquery("holders")
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(select(found.c.unit_id)))
                                   .order_by(OrgUnit.path)))


def _is_agency(unit_id: int) -> bool:
    return db.session.scalar(select(literal(1)).where(or_(
        exists(select(literal(1)).where(Account.org_unit_id == unit_id, Account.kind == "agency",
                                        Account.active.is_(True))),
        exists(select(literal(1)).where(SyncItem.agency_unit_id == unit_id))))) is not None


def _uncovered(agency_id: int, moment: datetime):
    """Conditions on ``SyncItem``: the agency's items no monthly batch lists yet (superseded ones left out)."""
    return (SyncItem.agency_unit_id == agency_id, SyncItem.monthly_batch_id.is_(None),
            SyncItem.status != "superseded", SyncItem.queued_at <= moment)


def preview_monthly(actor, agency_unit_id) -> dict:
    """What submitting the agency's monthly batch now would send: the period, its window, the number of records."""
    sync = require_sync()
    unit = _unit(agency_unit_id)
    day = local_day()
    moment = now()
    count = db.session.scalar(select(func.count()).select_from(SyncItem).where(*_uncovered(unit.id, moment)))
    start, last, deadline = window_of(day.year, day.month, sync)
    return {"agency": unit, "period": period_of(day), "count": count, "start": start, "last": last,
            "deadline": deadline, "open": start <= day <= last}


def _unit(unit_id) -> OrgUnit:
    unit = find_unit(unit_id)
    if unit is None:
        raise NotFoundError(_("Không tìm thấy cơ quan, đơn vị."))
    return unit


def _notice(user_ids, batch: SyncBatch, title: str, body: str) -> None:
    """A notice about ``batch`` (kind ``sync_batch``), in the app's language."""
    try:
        link = current_app.url_map.bind("localhost", script_name="/").build("NationalSyncView.batch",
                                                                            {"batch_id": batch.id})
    except BuildError:
        link = None
    notifications.notify(user_ids, "sync_batch", "sync_batch", batch.id, title, body, link, once="unread")


def _default_locale():
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi")


def _approvers(sync: NationalSync, unit_id: int) -> set[int]:
    grants = scope.authority_grants(sync.approve_authority, scope.today(),
                                    except_roles=notifications.admin_roles())
    if grants is None:
        return set()
    found = scope.holders(grants, [unit_id], with_delegator=False).subquery()
    return set(db.session.scalars(select(found.c.user_id)))


@use_case
def submit_monthly(actor, agency_unit_id) -> SyncBatch:
    """The agency's competent person submits the month's batch (HN-14.1, HCM-7.3): every version approved since
    its last monthly batch. Only in the window; only the head of the agency or a delegate; once a month (a batch
    Sở Nội vụ returned is submitted again in place). Without Sở Nội vụ's approval in the profile it is sent at once.
    """
    sync = require_sync()
    if agency_unit_id in (None, ""):
        raise ValidationError({"agency_unit_id": [_("Hãy chọn cơ quan.")]})
    unit = _unit(agency_unit_id)
    if not scope.allows(actor, ACTION_READ, RESOURCE_NATIONAL_SYNC, unit):
        raise NotFoundError(_("Không tìm thấy cơ quan, đơn vị."))
    day, moment = local_day(), now()
    start, last, _deadline = window_of(day.year, day.month, sync)
    errors = Errors()
    if not _is_agency(unit.id):
        errors.add("agency_unit_id", _(
            "%(unit)s không có tài khoản cơ quan; dữ liệu của đơn vị do cơ quan cấp trên trực tiếp đồng bộ.",
            unit=unit.name))
    if not start <= day <= last:
        errors.add("__all__", _(
            "Chỉ trình được đợt đồng bộ hằng tháng trong %(n)s ngày cuối tháng (từ %(start)s đến %(last)s).",
            n=sync.window_last_days, start=workdays.format_day(start), last=workdays.format_day(last)))
    errors.raise_if_any()
    held, delegator = _holds(actor, sync.submit_authority, unit.id, scope.today())
    if not held:
        raise ForbiddenError(_("Chỉ %(who)s của %(unit)s trình được đợt đồng bộ hằng tháng.",
                               who=str(sync.submit_authority.label).lower(), unit=unit.name))
    period = period_of(day)
    batch = db.session.scalar(select(SyncBatch).where(SyncBatch.agency_unit_id == unit.id,
                                                      SyncBatch.kind == "monthly", SyncBatch.period == period)
                              .with_for_update())
    if batch is not None and batch.state != "returned":
        raise ValidationError({"__all__": [_("Đợt đồng bộ tháng %(month)s của %(unit)s đã được trình.",
                                             month=month_label(period), unit=unit.name)]})
    if batch is None:
        batch = SyncBatch(agency_unit_id=unit.id, kind="monthly", period=period,
                          batch_key=f"M-{unit.id}-{period}", state="submitted", status="idle", total=0, done=0,
                          retries=0, accepted_count=0, rejected_count=0, created_at=moment)
        db.session.add(batch)
        db.session.flush()
    count = db.session.execute(update(SyncItem).where(*_uncovered(unit.id, moment))
                               .values(monthly_batch_id=batch.id).execution_options(synchronize_session=False)
                               ).rowcount
    with audit.reason(_("Trình đợt đồng bộ tháng %(month)s", month=month_label(period))):
        batch.state, batch.record_count = "submitted", count
        batch.submitted_by_id, batch.submitted_at, batch.submitted_for_id = actor.id, moment, delegator
        batch.returned_by_id = batch.return_reason = None
        db.session.flush()
    if not sync.snv_approves:
        _start_sending(batch, actor, moment)
        return batch
    with _default_locale():
        _notice(_approvers(sync, unit.id), batch,
                _("%(unit)s trình đợt đồng bộ tháng %(month)s", unit=unit.name, month=month_label(period)),
                _("%(n)s hồ sơ chờ Sở Nội vụ phê duyệt để đồng bộ về CSDL quốc gia; hạn phê duyệt %(due)s.",
                  n=count, due=window_text(period, sync)[2]))
    return batch


def _start_sending(batch: SyncBatch, actor, moment: datetime) -> None:
    """Approved: the items still waiting are the batch's to send; the send job is queued after the commit."""
    db.session.execute(update(SyncItem).where(SyncItem.monthly_batch_id == batch.id, SyncItem.batch_id.is_(None),
                                              SyncItem.status == "queued")
                       .values(batch_id=batch.id).execution_options(synchronize_session=False))
    batch.approved_by_id = getattr(actor, "id", None)
    batch.approved_at = moment
    batch.state = "sending"
    batch.status, batch.error, batch.note, batch.retry_at, batch.retries = "queued", None, None, None, 0
    batch.total = db.session.scalar(select(func.count()).select_from(SyncItem).where(
        SyncItem.batch_id == batch.id, SyncItem.status.in_(("queued", "sent")))) or 0
    db.session.flush()
    after_commit(dispatch_named, JOB, batch.id)


def _scoped(model, actor, row_id, action: str, missing: str):
    """The ``model`` row ``row_id`` (a batch or an item) of an agency in ``actor``'s scope; NotFoundError with
    ``missing`` otherwise — a forged id and one out of scope look the same (no existence leak)."""
    try:
        rid = as_id(row_id)
    except (TypeError, ValueError):
        rid = None
    row = db.session.scalar(select(model).where(
        model.id == rid, model.agency_unit_id.in_(scope.unit_ids(actor, action, RESOURCE_NATIONAL_SYNC))))
    if row is None:
        raise NotFoundError(missing)
    return row


def get_batch(actor, batch_id, action: str = ACTION_READ) -> SyncBatch:
    """A batch of an agency in ``actor``'s scope (NotFoundError otherwise: no existence leak)."""
    return _scoped(SyncBatch, actor, batch_id, action, _("Không tìm thấy đợt đồng bộ."))


def _parse_ids(values) -> list[int]:
    ids: list[int] = []
    for raw in values or []:
        text = str(raw).strip()
        if not text:
            continue
        value = parse_int(text)
        if value is None:
            raise ValidationError({"ids": [_("Mã đợt đồng bộ không hợp lệ: %(value)s.", value=text[:20])]})
        if value not in ids:
            ids.append(value)
    return ids


def _check_approvable(actor, batch: SyncBatch, sync: NationalSync, day: date, errors: Errors) -> None:
    unit = batch.agency
    if batch.state != "submitted":
        errors.add("ids", _("Đợt %(key)s của %(unit)s không ở trạng thái chờ phê duyệt.", key=batch.batch_key,
                            unit=unit.name))
        return
    year, month = (int(x) for x in batch.period.split("-"))
    start, _last, deadline = window_of(year, month, sync)
    if not start <= day <= deadline:
        errors.add("ids", _("Đợt tháng %(month)s của %(unit)s chỉ được phê duyệt từ %(start)s đến hết %(due)s; hãy "
                            "trả lại để cơ quan trình vào kỳ sau.", month=month_label(batch.period),
                            unit=unit.name, start=workdays.format_day(start), due=workdays.format_day(deadline)))
    if batch.submitted_by_id == actor.id:
        errors.add("ids", _("Bạn đã trình đợt %(key)s nên không tự phê duyệt được; việc phê duyệt phải do người "
                            "khác của Sở Nội vụ thực hiện.", key=batch.batch_key))


def submission_mark(batch) -> str:
    """Which submission of a monthly batch a page showed (its records and the moment it was submitted): a batch
    returned and submitted again carries another mark. ``batch``: the row, or a row of the approval queue."""
    return f"{batch.record_count or 0}@{batch.submitted_at.isoformat() if batch.submitted_at else ''}"


@use_case
def approve_batches(actor, batch_ids, passphrase: str | None = None, seen: dict | None = None) -> list[SyncBatch]:
    """Sở Nội vụ approves the selected monthly batches (HN-14.2, HCM-7.3): all or none. Where the profile says its
    Director signs (HCM-11.7), one PAdES signature on one manifest covers them all; the manifest is kept (encrypted)
    either way. The send jobs are queued after the commit. ``seen`` ({batch id: :func:`submission_mark`}, the
    queue page's): a batch returned and submitted again since the page was loaded refuses the approval — what is
    approved (and signed) is what was shown."""
    sync = require_sync()
    ids = _parse_ids(batch_ids)
    if not ids:
        raise ValidationError({"ids": [_("Hãy chọn ít nhất một đợt đồng bộ.")]})
    if len(ids) > MAX_APPROVE:
        raise ValidationError({"ids": [_("Mỗi lần phê duyệt tối đa %(max)s đợt; bạn đã chọn %(n)s.",
                                         max=MAX_APPROVE, n=len(ids))]})
    batches = list(db.session.scalars(select(SyncBatch).where(
        SyncBatch.id.in_(ids), SyncBatch.agency_unit_id.in_(scope.unit_ids(actor, ACTION_READ,
                                                                            RESOURCE_NATIONAL_SYNC)))
        .order_by(SyncBatch.id).with_for_update()))
    if len(batches) != len(ids):
        raise NotFoundError(_("Không tìm thấy đợt đồng bộ."))
    day, moment = local_day(), now()
    for batch in batches:
        held, _delegator = _holds(actor, sync.approve_authority, batch.agency_unit_id, scope.today())
        if not held:
            raise ForbiddenError(_("Chỉ %(who)s phê duyệt được dữ liệu đồng bộ về CSDL quốc gia; đợt của %(unit)s "
                                   "không được phê duyệt.", who=str(sync.approve_authority.label),
                                   unit=batch.agency.name))
    seen = {str(k): v for k, v in (seen or {}).items() if v}
    changed = [b.batch_key for b in batches if str(b.id) in seen and seen[str(b.id)] != submission_mark(b)]
    if changed:
        raise ValidationError({"ids": [_(
            "Các đợt %(keys)s đã được trình lại sau khi bạn mở danh sách; chưa có đợt nào được phê duyệt. Hãy tải "
            "lại danh sách và xem lại các đợt này.", keys=", ".join(changed[:10]))]})
    errors = Errors()
    for batch in batches:
        _check_approvable(actor, batch, sync, day, errors)
    if sync.manifest_signature and not passphrase:
        errors.add("passphrase", _("Phê duyệt cần chữ ký số của bạn: hãy nhập mật khẩu chứng thư số."))
    errors.raise_if_any()
    record = _manifest(actor, batches, sync, passphrase if sync.manifest_signature else None, moment)
    with audit.reason(_("Phê duyệt %(n)s đợt đồng bộ (bảng kê số %(id)s)", n=len(batches), id=record.id)):
        for batch in batches:
            batch.manifest_id = record.id
            _start_sending(batch, actor, moment)
    return batches


def _manifest(actor, batches: list[SyncBatch], sync: NationalSync, passphrase: str | None,
              moment: datetime) -> SyncManifest:
    """Render (and sign, with ``passphrase``) the manifest of ``batches``; a refused signature writes nothing."""
    profile = active_profile()
    pdf, last_page, _digests, total = manifests.render_manifest(
        batches, actor.display_name or actor.username, workdays.format_day(local_day(moment)), profile.location)
    signed = passphrase is not None
    if signed:
        from app.signing import FIELD_APPROVER, add_signature_fields, load_signer, sign_pdf

        pdf = add_signature_fields(pdf, {FIELD_APPROVER: (last_page, manifests.SIGNATURE_BOX)})
        with load_signer(actor, passphrase) as signer:
            pdf = sign_pdf(pdf, field=FIELD_APPROVER, signer=signer, certify=True, location=profile.location,
                           reason=_("Phê duyệt dữ liệu đồng bộ về CSDL quốc gia"))
    record = SyncManifest(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), signed=signed, approved_by_id=actor.id,
                          batch_count=len(batches), record_count=total, created_at=moment)
    db.session.add(record)
    db.session.flush()
    if signed:
        audit.log_access("sign_sync_manifest", user=actor, object_type="SyncManifest", object_id=record.id,
                         detail={"batches": [b.id for b in batches], "records": total})
    return record


@use_case
def return_batch(actor, batch_id, reason: str | None) -> SyncBatch:
    """Sở Nội vụ returns a submitted batch with a reason (e.g. too late to approve): its records wait for the
    agency's next batch; the submitter is told."""
    sync = require_sync()
    batch = get_batch(actor, batch_id)
    db.session.refresh(batch, with_for_update=True)
    held, _delegator = _holds(actor, sync.approve_authority, batch.agency_unit_id, scope.today())
    if not held:
        raise ForbiddenError(_("Chỉ %(who)s trả lại được đợt đồng bộ.", who=str(sync.approve_authority.label)))
    errors = Errors()
    reason = (reason or "").strip()
    if batch.state != "submitted":
        errors.add("__all__", _("Chỉ trả lại được đợt đang chờ phê duyệt."))
    if not reason:
        errors.add("reason", _("Hãy nêu lý do trả lại."))
    errors.raise_if_any()
    db.session.execute(update(SyncItem).where(SyncItem.monthly_batch_id == batch.id)
                       .values(monthly_batch_id=None).execution_options(synchronize_session=False))
    with audit.reason(reason[:500]):
        batch.state, batch.returned_by_id, batch.return_reason, batch.record_count = "returned", actor.id, reason, 0
        db.session.flush()
    with _default_locale():
        _notice([batch.submitted_by_id], batch,
                _("Sở Nội vụ trả lại đợt đồng bộ tháng %(month)s", month=month_label(batch.period)),
                _("Lý do: %(reason)s", reason=reason))
    return batch


@use_case
def retry_batch(actor, batch_id) -> SyncBatch:
    """Send a batch that failed (the national side refused the connection, the sending was not configured …)
    again: Sở Nội vụ, once the cause is fixed. Records already accepted are not sent again."""
    batch = get_batch(actor, batch_id, ACTION_APPROVE)
    db.session.refresh(batch, with_for_update=True)
    if batch.state != "failed":
        raise ValidationError({"__all__": [_("Chỉ gửi lại được đợt gửi không thành công.")]})
    with audit.reason(_("Gửi lại đợt đồng bộ")):
        batch.state, batch.status, batch.error, batch.note, batch.retry_at, batch.retries = (
            "sending", "queued", None, None, None, 0)
        batch.attempts = 0
        db.session.flush()
    after_commit(dispatch_named, JOB, batch.id)
    return batch


def get_item(actor, item_id) -> SyncItem:
    """A sync item of an agency in ``actor``'s scope (NotFoundError otherwise)."""
    return _scoped(SyncItem, actor, item_id, ACTION_READ, _("Không tìm thấy hồ sơ đồng bộ."))


@use_case
def resend_item(actor, item_id) -> SyncItem:
    """Send a rejected record again as it is (the agency checked it; the next batch takes it: within minutes per
    event, else next month). An accepted record is never sent again; a record a newer version superseded is not
    either (the newer one goes). Only the officers of the file's unit (write or approve on its files)."""
    item = get_item(actor, item_id)
    db.session.refresh(item, with_for_update=True)
    person = db.session.get(Person, item.person_id)
    if not (scope.allows(actor, ACTION_WRITE, RESOURCE_PERSONNEL, person.org_unit)
            or scope.allows(actor, ACTION_APPROVE, RESOURCE_PERSONNEL, person.org_unit)):
        raise ForbiddenError(_("Chỉ cán bộ tổ chức hoặc thủ trưởng của đơn vị quản lý hồ sơ gửi lại được hồ sơ này."))
    refusals = {
        "accepted": _("Hồ sơ này (phiên bản %(v)s) đã được CSDL quốc gia tiếp nhận; không gửi lại.", v=item.version_no),
        "superseded": _("Hồ sơ đã có phiên bản mới hơn; phiên bản mới sẽ được gửi thay cho phiên bản %(v)s.",
                        v=item.version_no),
        "queued": _("Hồ sơ đang chờ gửi; không cần gửi lại."),
        "sent": _("Hồ sơ đã được gửi và đang chờ CSDL quốc gia xác nhận; không cần gửi lại."),
    }
    if item.status in refusals:
        raise ValidationError({"__all__": [refusals[item.status]]})
    sync = require_sync()
    values = {"status": "queued", "batch_id": None}
    if not sync.per_event:
        values["monthly_batch_id"] = None
    with audit.reason(_("Gửi lại hồ sơ bị từ chối")):
        db.session.execute(update(SyncItem).where(SyncItem.id == item.id).values(**values)
                           .execution_options(synchronize_session=False))
        audit.log_access("sync_resend", user=actor, object_type="Person", object_id=item.person_id,
                         org_unit_id=item.agency_unit_id, detail={"version_no": item.version_no,
                                                                  "code": item.receipt_code})
    db.session.refresh(item)
    return item


@use_case
def gather_event_batches(limit: int = EVENT_BATCH_MAX) -> list[int]:
    """Per event (ND27-SYNC): each agency's queued items not in a batch go into a new event batch, queued to send at
    once (after the commit). Two runs at once never take the same item (``FOR UPDATE SKIP LOCKED``). Returns the
    new batches' ids."""
    sync = active_profile().national_sync
    if sync is None or not sync.per_event:
        return []
    moment = now()
    agencies = list(db.session.scalars(select(SyncItem.agency_unit_id).where(
        SyncItem.status == "queued", SyncItem.batch_id.is_(None)).group_by(SyncItem.agency_unit_id)
        .order_by(SyncItem.agency_unit_id)))
    created = []
    for agency_id in agencies:
        batch = SyncBatch(agency_unit_id=agency_id, kind="event", period=period_of(local_day(moment)),
                          batch_key=f"E-{agency_id}-{uuid.uuid4().hex[:20]}", state="sending", status="queued",
                          total=0, done=0, retries=0, accepted_count=0, rejected_count=0, approved_at=moment,
                          created_at=moment)
        db.session.add(batch)
        db.session.flush()
        picked = (select(SyncItem.id).where(SyncItem.agency_unit_id == agency_id, SyncItem.status == "queued",
                                            SyncItem.batch_id.is_(None))
                  .order_by(SyncItem.id).limit(limit).with_for_update(skip_locked=True))
        count = db.session.execute(update(SyncItem).where(SyncItem.id.in_(picked.scalar_subquery()))
                                   .values(batch_id=batch.id).execution_options(synchronize_session=False)).rowcount
        if not count:
            db.session.delete(batch)
            db.session.flush()
            continue
        batch.record_count = batch.total = count
        created.append(batch.id)
    for batch_id in created:
        after_commit(dispatch_named, JOB, batch_id)
    return created


def due_retries(moment: datetime | None = None) -> list[int]:
    """Batches whose retriable failure waited long enough (``retry_at`` passed): the tick queues them again."""
    moment = moment or now()
    return list(db.session.scalars(select(SyncBatch.id).where(
        SyncBatch.state == "sending", SyncBatch.status == "queued", SyncBatch.retry_at.is_not(None),
        SyncBatch.retry_at <= moment).order_by(SyncBatch.id)))

