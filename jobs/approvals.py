"""Bulk decisions from the approver's inbox (issue 8, part 4): approve or return many change sets at once.

:func:`start_bulk_decision` (one transaction) checks everything up front — the ids parse, at most
:data:`MAX_BATCH`, each one awaits the user (``queries.awaiting_ids``: the same condition as the inbox), the
reason of a return, and, when a selected step needs a signature, that the passphrase opens the user's
certificate — then writes a :class:`~models.approvals.BulkDecision` row. Nothing is queued when anything is
refused. The caller queues :func:`run_bulk_decision` after the commit (:func:`dispatch`, through
``jobs.enqueue``: RQ, or in-process without Redis) with the row's id only.

The job decides each change set in its own transaction through the ordinary use cases
(``change_sets.approve`` / ``return_change_set``: the workflow decides who may act, signs when the step
requires it, and the change log records it); one refusal (already decided meanwhile, a conflict …) is recorded
with its Vietnamese message and does not undo the others. Progress (done/total) and every outcome go into the
row, which the inbox polls. The signing passphrase is stored only in the row, encrypted under the key ring
(``EncryptedText``), never in the queue's payload, and is blanked as soon as the job ends — finished or failed.
Running the job twice decides nothing twice: items with an outcome are skipped, a finished row is left alone.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import audit
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services import personnel as svc
from app.services.errors import Errors, NotFoundError, ServiceError, ValidationError, use_case
from app.services.personnel.queries import awaiting_ids
from jobs import enqueue
from jobs.base import job_context
from models.accounts import Account
from models.approvals import BULK_ACTIONS, BulkDecision
from models.personnel import ChangeSet, Person

__all__ = [
    "MAX_BATCH",
    "OUTCOME_LABELS",
    "dispatch",
    "get_bulk_decision",
    "parse_ids",
    "run_bulk_decision",
    "start_bulk_decision",
]

log = logging.getLogger(__name__)

#: Change sets decided in one bulk decision at most.
MAX_BATCH = 100
#: What happened to one change set of a bulk decision.
OUTCOME_LABELS = {
    "approved": _l("Đã duyệt"),
    "forwarded": _l("Đã xác thực, chuyển bước sau"),
    "returned": _l("Đã trả lại"),
    "refused": _l("Không xử lý được"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def parse_ids(values) -> list[int]:
    """The change set ids of a form (strings), in order, without repeats; ValidationError on a bad one."""
    ids: list[int] = []
    bad = []
    for raw in values or []:
        text = str(raw).strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 9:
            bad.append(text[:20])
            continue
        if int(text) not in ids:
            ids.append(int(text))
    if bad:
        raise ValidationError({"ids": [_("Mã đề nghị không hợp lệ: %(values)s.", values=", ".join(bad[:5]))]})
    return ids


def _refuse_unknown(user, missing: list[int]) -> None:
    """Ids not awaiting ``user``: a 404 when some are not change sets the user may read (a forged or
    out-of-scope id), else a 400 saying they no longer await them (decided meanwhile, another step)."""
    readable = set(db.session.scalars(
        select(ChangeSet.id).join(Person, Person.id == ChangeSet.person_id)
        .where(ChangeSet.id.in_(missing), scope.person_filter(user, ACTION_READ))))
    if set(missing) - readable:
        raise NotFoundError(_("Không tìm thấy đề nghị thay đổi."))
    raise ValidationError({"ids": [_(
        "Các đề nghị số %(ids)s không còn chờ bạn xử lý (đã được xử lý hoặc không thuộc bước của bạn); "
        "hãy tải lại danh sách.", ids=", ".join(str(i) for i in missing[:10]))]})


@use_case
def start_bulk_decision(user, action: str, change_set_ids, comment: str | None = None, *,
                        passphrase: str | None = None) -> BulkDecision:
    """Check a bulk approve / return and write its row (nothing queued: see :func:`dispatch`).

    ``change_set_ids`` are the form's values; every one must await ``user``. A return needs its reason
    (``comment``); an approval of steps that need a signature needs the passphrase of the user's
    certificate, checked here so that a wrong one refuses the batch before anything is decided.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"__all__": [_("Thao tác không hợp lệ.")]})
    ids = parse_ids(change_set_ids)
    errors = Errors()
    if not ids:
        errors.add("ids", _("Hãy chọn ít nhất một đề nghị."))
    elif len(ids) > MAX_BATCH:
        errors.add("ids", _("Mỗi lần chỉ xử lý được tối đa %(max)s đề nghị; bạn đã chọn %(n)s.", max=MAX_BATCH,
                            n=len(ids)))
    comment = (comment or "").strip() or None
    if action == "return" and not comment:
        errors.add("comment", _("Hãy nêu lý do trả lại."))
    errors.raise_if_any()
    awaiting = awaiting_ids(user, ids)
    missing = [i for i in ids if i not in awaiting]
    if missing:
        _refuse_unknown(user, missing)
    signing = action == "approve" and any(awaiting.values())
    if signing:
        if not passphrase:
            raise ValidationError({"passphrase": [_("Các đề nghị đã chọn cần chữ ký số: hãy nhập mật khẩu "
                                                    "chứng thư số của bạn.")]})
        from app.signing import load_signer

        with load_signer(user, passphrase):
            pass
    row = BulkDecision(requested_by_id=user.id, action=action, comment=comment, change_set_ids=ids, total=len(ids),
                       done=0, results=[], status="queued", passphrase=passphrase if signing else None)
    db.session.add(row)
    db.session.flush()
    return row


def get_bulk_decision(user, bulk_id) -> BulkDecision:
    """The bulk decision ``bulk_id`` if ``user`` asked for it (NotFoundError otherwise: no existence leak)."""
    try:
        bid = int(bulk_id)
    except (TypeError, ValueError):
        bid = None
    row = db.session.get(BulkDecision, bid) if bid is not None else None
    if row is None or row.requested_by_id != getattr(user, "id", None):
        raise NotFoundError(_("Không tìm thấy lần xử lý hàng loạt này."))
    return row


def _set(bulk_id: int, **values) -> None:
    """Update the row in its own short transaction (the job's session stays as it is)."""
    with db.engine.begin() as conn:
        conn.execute(update(BulkDecision).where(BulkDecision.id == bulk_id).values(**values))


def dispatch(bulk_id: int):
    """Queue the job (after the commit that wrote the row) with the row's id only; in-process without Redis.

    When the queue cannot be reached the row is marked failed and its passphrase blanked.
    """
    try:
        job = enqueue(run_bulk_decision, bulk_id)
    except Exception:
        log.exception("bulk decision %s could not be queued", bulk_id)
        _set(bulk_id, status="failed", passphrase=None, finished_at=_now(),
             error=_("Không đưa được việc xử lý vào hàng đợi; hãy thử lại sau hoặc báo quản trị hệ thống."))
        return None
    _set(bulk_id, queue_job_id=str(job.id))
    return job


def _meta_progress(done: int, total: int) -> None:
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta["progress"] = {"done": done, "total": total}
        job.save_meta()


def _decide(actor, action: str, cs_id: int, comment: str | None, passphrase: str | None) -> tuple[str, str]:
    """Decide one change set in its own transaction: (outcome, Vietnamese message)."""
    try:
        if action == "approve":
            version = svc.approve(actor, cs_id, comment, passphrase=passphrase)
            if version is None:
                return "forwarded", _("Đã xác thực; hồ sơ chuyển sang bước tiếp theo.")
            return "approved", _("Đã phê duyệt; hồ sơ được cập nhật thành phiên bản %(no)s.", no=version.version_no)
        svc.return_change_set(actor, cs_id, comment or "")
        return "returned", _("Đã trả lại đề nghị thay đổi.")
    except ServiceError as exc:
        db.session.rollback()
        return "refused", " ".join(exc.messages)
    except Exception:
        log.exception("bulk decision: change set %s failed", cs_id)
        db.session.rollback()
        return "refused", _("Lỗi hệ thống khi xử lý đề nghị này; hãy thử lại hoặc báo quản trị hệ thống.")


def _stale_before(now: datetime) -> datetime:
    """Queued rows created before this moment have waited too long for a worker (config, minutes)."""
    return now - timedelta(minutes=int(current_app.config.get("BULK_PASSPHRASE_TTL_MINUTES", 60)))


def expire_stale(now: datetime | None = None) -> int:
    """Fail the bulk decisions no worker picked up in time and blank their passphrase (a periodic job: a
    passphrase is never kept, even encrypted, for a job that may never run). Returns how many."""
    with job_context():
        now = now or _now()
        with db.engine.begin() as conn:
            result = conn.execute(
                update(BulkDecision)
                .where(BulkDecision.status == "queued", BulkDecision.created_at < _stale_before(now))
                .values(status="failed", passphrase=None, finished_at=now,
                        error=_("Không có tiến trình nền nào nhận việc kịp thời; hãy chọn và gửi lại.")))
        return result.rowcount or 0


def run_bulk_decision(bulk_id: int) -> dict:
    """Decide every change set of bulk decision ``bulk_id``; returns ``{"status", "done", "total"}``."""
    with job_context():
        try:
            row = db.session.get(BulkDecision, bulk_id)
            if row is None:
                return {"status": "missing", "done": 0, "total": 0}
            if row.status in ("finished", "failed"):
                return {"status": row.status, "done": row.done, "total": row.total}
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite
            if row.status == "queued" and created < _stale_before(_now()):
                expire_stale()
                return {"status": "failed", "done": 0, "total": row.total}
            return _run(row)
        except Exception as exc:
            log.exception("bulk decision %s failed", bulk_id)
            db.session.rollback()
            _set(bulk_id, status="failed", error=str(exc)[:2000], finished_at=_now())
            return {"status": "failed", "done": 0, "total": 0}
        finally:
            _set(bulk_id, passphrase=None)


def _run(row: BulkDecision) -> dict:
    bulk_id, action, comment, passphrase = row.id, row.action, row.comment, row.passphrase
    ids = [int(i) for i in row.change_set_ids]
    results = list(row.results or [])
    decided = {r["id"] for r in results}
    actor = db.session.get(Account, row.requested_by_id)
    if actor is None:
        raise LookupError("bulk decision without its requester")
    names = {cid: " ".join(p for p in parts if p) for cid, *parts in db.session.execute(
        select(ChangeSet.id, Person.family_name, Person.middle_name, Person.given_name)
        .join(Person, Person.id == ChangeSet.person_id).where(ChangeSet.id.in_(ids)))}
    _set(bulk_id, status="running", started_at=_now(), error=None, done=len(results))
    db.session.commit()
    with audit.acting_as(actor):
        for cs_id in ids:
            if cs_id in decided:
                continue
            outcome, message = _decide(actor, action, cs_id, comment, passphrase)
            results.append({"id": cs_id, "person": names.get(cs_id, ""), "outcome": outcome, "message": message})
            _set(bulk_id, done=len(results), results=results)
            _meta_progress(len(results), len(ids))
    _set(bulk_id, status="finished", passphrase=None, finished_at=_now())
    return {"status": "finished", "done": len(results), "total": len(ids)}
