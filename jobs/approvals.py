"""The job of a bulk decision (issue 8, part 4): approve or return many change sets at once.

The request — checks, the row, queueing after the commit — is the personnel service
``app.services.personnel.bulk`` (``request_bulk_decision``; ``start_bulk_decision`` writes the row only, and is
re-exported here with its friends for older callers). :func:`run_bulk_decision` takes the row's id.

The job decides each change set in its own transaction through the ordinary use cases
(``change_sets.approve`` / ``return_change_set``: the workflow decides who may act, signs when the step
requires it, and the change log records it); the same transaction writes the item's outcome
(``bulk_decision_item``, unique per batch and change set) and the row's progress, under the row's lease
(``jobs/leases.py``). One refusal (already decided meanwhile, a conflict …) is recorded with its Vietnamese
message and does not undo the others. The signing passphrase is stored only in the row, encrypted under the key
ring (``EncryptedText``), never in the queue's payload, and is blanked as soon as the job ends — finished or
failed; a run killed mid-way keeps it only for the re-run the reconciler queues (while
``BULK_PASSPHRASE_TTL_MINUTES`` lasts, else the row fails, asking to decide again). Running the job twice decides
nothing twice: items with an outcome are skipped, a finished row is left alone. Each decision tells the people
concerned in its own transaction (the use cases do), and the requester is told of the end
(``notifications.bulk_finished``) in the transaction that marks the row finished or failed: once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from app import audit
from app.extensions import db
from app.services import notifications
from app.services import personnel as svc
from app.services.errors import ServiceError, use_case
from app.services.personnel.bulk import (
    JOB,
    MAX_BATCH,
    OUTCOME_LABELS,
    get_bulk_decision,
    parse_ids,
    start_bulk_decision,
)
from jobs import leases
from jobs.base import job_context
from jobs.runner import LeasedJob, Run
from models.accounts import Account
from models.approvals import BulkDecision, BulkDecisionItem
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


def _now() -> datetime:
    return datetime.now(UTC)


def _ttl_cutoff(now: datetime) -> datetime:
    """Rows created before this moment may no longer hold a passphrase (``BULK_PASSPHRASE_TTL_MINUTES``)."""
    return now - timedelta(minutes=int(current_app.config.get("BULK_PASSPHRASE_TTL_MINUTES", 60)))


def decide_again_message() -> str:
    """Why a signed bulk decision cannot go on after a crash (its passphrase is no longer held)."""
    return _("Việc xử lý hàng loạt bị dừng giữa chừng và mật khẩu chứng thư số không còn được giữ; các đề nghị đã "
             "xử lý được giữ nguyên, hãy chọn và gửi lại các đề nghị còn lại.")


def _retry_refusal(row: BulkDecision, now: datetime) -> str | None:
    """A dead run of a signed bulk decision is re-queued only while the passphrase is held and its TTL lasts."""
    if row.passphrase is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite
    return decide_again_message() if created < _ttl_cutoff(now) else None


def _tell_failed(bulk_id: int) -> None:
    """Tell the requester that the bulk decision stopped, with what was decided (in the caller's transaction)."""
    row = db.session.get(BulkDecision, bulk_id)
    if row is not None:
        notifications.bulk_finished(row, _outcome_counts(bulk_id), failed=True)


KIND = leases.register(leases.JobKind(model=BulkDecision, func_name=JOB,
                                      job_timeout=3600, result_ttl=24 * 3600, retry_refusal=_retry_refusal,
                                      fail_values={"passphrase": None}, on_failed=_tell_failed))


def dispatch(bulk_id: int):
    """Queue the job (after the commit that wrote the row) with the row's id only; in-process without Redis.

    When the queue cannot be reached the row stays queued with a Vietnamese note: the reconciler queues it when
    Redis is back, or the TTL expires it (passphrase blanked).
    """
    return leases.dispatch(KIND, bulk_id, run_bulk_decision)


def _apply(actor, action: str, cs_id: int, comment: str | None, passphrase: str | None,
           seen_round: int | None = None) -> tuple[str, str]:
    """Decide one change set (inside the caller's transaction): (outcome, Vietnamese message). ``seen_round``: the
    submission the decision was asked on (a change set sent again since is refused)."""
    if action == "approve":
        version = svc.approve(actor, cs_id, comment, passphrase=passphrase, seen_round=seen_round)
        if version is None:
            return "forwarded", _("Đã xác thực; hồ sơ chuyển sang bước tiếp theo.")
        return "approved", _("Đã phê duyệt; hồ sơ được cập nhật thành phiên bản %(no)s.", no=version.version_no)
    svc.return_change_set(actor, cs_id, comment or "", seen_round=seen_round)
    return "returned", _("Đã trả lại đề nghị thay đổi.")


def _results(bulk_id: int, names: dict[int, str], order: list[int]) -> list[dict]:
    """The outcomes recorded so far (from ``bulk_decision_item``), in the batch's order, for the page."""
    items = {i.change_set_id: i for i in db.session.scalars(
        select(BulkDecisionItem).where(BulkDecisionItem.bulk_id == bulk_id))}
    return [{"id": cs_id, "person": names.get(cs_id, ""), "outcome": items[cs_id].outcome,
             "message": items[cs_id].message or ""} for cs_id in order if cs_id in items]


@use_case
def _decide_item(actor, row: BulkDecision, run: Run, cs_id: int, names: dict[int, str], order: list[int]) -> str:
    """Decide one change set and record its outcome and the row's progress in ONE transaction (a SAVEPOINT around
    the decision keeps a refusal from undoing the outcome): a crash before the commit leaves neither, after it
    both, so a re-run decides exactly the change sets without an outcome. A refusal (decided meanwhile by
    someone else, a conflict …) is that item's outcome with the service's Vietnamese message."""
    try:
        with db.session.begin_nested():
            outcome, message = _apply(actor, row.action, cs_id, row.comment, row.passphrase,
                                      (row.seen_rounds or {}).get(str(cs_id)))
    except ServiceError as exc:
        outcome, message = "refused", " ".join(exc.messages)
    except Exception:
        log.exception("bulk decision %s: change set %s failed", row.id, cs_id)
        outcome, message = "refused", _("Lỗi hệ thống khi xử lý đề nghị này; hãy thử lại hoặc báo quản trị hệ "
                                        "thống.")
    db.session.add(BulkDecisionItem(bulk_id=row.id, change_set_id=cs_id, outcome=outcome, message=message))
    db.session.flush()
    results = _results(row.id, names, order)
    run.beat(conn=db.session.connection(), done=len(results), results=results)
    return outcome


def _stale_before(now: datetime) -> datetime:
    """Queued rows created before this moment have waited too long for a worker (config, minutes)."""
    return _ttl_cutoff(now)


def expire_stale(now: datetime | None = None) -> int:
    """Fail the bulk decisions no worker picked up in time and blank their passphrase (a periodic job: a
    passphrase is never kept, even encrypted, for a job that may never run). A row re-queued after a crash
    without a passphrase is left to the reconciler. Returns how many."""
    with job_context():
        now = now or _now()
        with db.engine.begin() as conn:
            expired = conn.execute(
                update(BulkDecision)
                .where(BulkDecision.status == "queued", BulkDecision.created_at < _stale_before(now),
                       or_(BulkDecision.attempts == 0, BulkDecision.passphrase.is_not(None)))
                .values(status="failed", passphrase=None, finished_at=now, lease_token=None, note=None,
                        error=_("Không có tiến trình nền nào nhận việc kịp thời; hãy chọn và gửi lại."))
                .returning(BulkDecision.id)).scalars().all()
        for bulk_id in expired:
            leases.after_failure(KIND, bulk_id)
        return len(expired)


class BulkDecisionJob(LeasedJob):
    """The lifecycle is the runner's (``jobs/runner.py``); this job refuses stale or expired rows before it takes
    the lease and decides what is left."""

    kind = KIND
    summary_fields = ("done", "total")

    def failure_message(self) -> str:
        """The row's error after an unexpected failure (the passphrase is blanked by the kind's ``fail_values``)."""
        return _("Lỗi hệ thống khi xử lý hàng loạt; các đề nghị đã xử lý được giữ nguyên, hãy thử lại hoặc báo quản "
                 "trị hệ thống.")

    def before_claim(self, row: BulkDecision) -> dict | None:
        """A row nobody ran in time expires; a resumed signed batch past its TTL fails (decide again)."""
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite
        if row.status == "queued" and row.attempts == 0 and created < _stale_before(_now()):
            expire_stale()
            return {"status": "failed", "done": 0, "total": row.total}
        if row.status == "queued" and _retry_refusal(row, _now()):  # a resumed signed batch past its TTL
            leases.fail(KIND, row.id, decide_again_message(), only_if=("queued",))
            return {"status": "failed", "done": row.done, "total": row.total}
        return None

    def run(self, row: BulkDecision, run: Run) -> dict:
        """Decide what is left (``_run``, looked up at call time)."""
        return _run(row)



_JOB = BulkDecisionJob()


def run_bulk_decision(bulk_id: int) -> dict:
    """Decide every change set of bulk decision ``bulk_id`` not decided yet; returns ``{"status", "done",
    "total"}``. The run takes the row's lease; a re-run after a crash resumes where the outcomes stop."""
    return _JOB(bulk_id)


def _run(row: BulkDecision) -> dict:
    run = Run(KIND, row.id, row.lease_token)
    bulk_id = row.id
    ids = [int(i) for i in row.change_set_ids]
    decided = set(db.session.scalars(select(BulkDecisionItem.change_set_id)
                                     .where(BulkDecisionItem.bulk_id == bulk_id)))
    actor = db.session.get(Account, row.requested_by_id)
    if actor is None:
        raise LookupError("bulk decision without its requester")
    names = {cid: " ".join(p for p in parts if p) for cid, *parts in db.session.execute(
        select(ChangeSet.id, Person.family_name, Person.middle_name, Person.given_name)
        .join(Person, Person.id == ChangeSet.person_id).where(ChangeSet.id.in_(ids)))}
    results = _results(bulk_id, names, ids)
    run.beat(done=len(results), results=results)
    db.session.commit()
    with audit.acting_as(actor):
        for cs_id in ids:
            if cs_id in decided:
                continue
            _decide_item(actor, row, run, cs_id, names, ids)
            decided.add(cs_id)
            leases.meta_progress(len(decided), len(ids))
            leases.item_delay()
    # The requester is told in the transaction that ends the run: a re-run after a crash tells them once.
    notifications.bulk_finished(row, _outcome_counts(bulk_id))
    run.finish(conn=db.session.connection(), passphrase=None, note=None)
    db.session.commit()
    return {"status": "finished", "done": len(decided), "total": len(ids)}


def _outcome_counts(bulk_id: int) -> dict[str, int]:
    """Outcome -> how many change sets of the bulk decision had it."""
    return dict(db.session.execute(select(BulkDecisionItem.outcome, func.count()).where(
        BulkDecisionItem.bulk_id == bulk_id).group_by(BulkDecisionItem.outcome)).all())
