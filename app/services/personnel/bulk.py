"""Bulk decisions from the approver's inbox (issue 8, part 4): approve or return many change sets at once.

:func:`request_bulk_decision` (the inbox's bulk form; one transaction) checks everything up front
(:func:`start_bulk_decision`) — the ids parse, at most :data:`MAX_BATCH`, each one awaits the user
(``queries.awaiting_ids``: the same condition as the inbox), the reason of a return, and, when a selected step
needs a signature, that the passphrase opens the user's certificate — then writes a
:class:`~models.approvals.BulkDecision` row and, once that is committed, queues the job
``jobs.approvals.run_bulk_decision`` with the row's id only (``after_commit``; RQ, or in-process without Redis).
Nothing is written or queued when anything is refused. The job decides each change set through the ordinary use
cases (``change_sets.approve`` / ``return_change_set``); see ``jobs/approvals.py``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ
from app.services.errors import Errors, NotFoundError, ValidationError, after_commit, requested_row, use_case
from app.services.personnel.change_sets import parse_round
from app.services.personnel.queries import awaiting_ids
from jobs.leases import dispatch_named
from models.approvals import BULK_ACTIONS, BulkDecision
from models.personnel import ChangeSet, Person

__all__ = [
    "JOB",
    "MAX_BATCH",
    "OUTCOME_LABELS",
    "get_bulk_decision",
    "parse_ids",
    "request_bulk_decision",
    "start_bulk_decision",
]

#: The job that decides a bulk decision's change sets (its dotted path: services name jobs, never import them).
JOB = "jobs.approvals.run_bulk_decision"
#: Change sets decided in one bulk decision at most.
MAX_BATCH = 100
#: What happened to one change set of a bulk decision.
OUTCOME_LABELS = {
    "approved": _l("Đã duyệt"),
    "forwarded": _l("Đã xác thực, chuyển bước sau"),
    "returned": _l("Đã trả lại"),
    "refused": _l("Không xử lý được"),
}


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


def _refused_by_four_eyes(user, cs: ChangeSet) -> bool:
    """The pending step of ``cs`` is one ``user`` holds the authority of, but they prepared the change for the
    person (``workflow.prepared_by``): the only reason it is not in their inbox."""
    step = workflow.current_step(cs) if cs.status == "submitted" else None
    return (step is not None and workflow.prepared_by(cs, user.id)
            and workflow.holds_authority(user, step, cs.person)[0])


def _refuse_unknown(user, missing: list[int]) -> None:
    """Ids not awaiting ``user``: a 404 when some are not change sets the user may read (a forged or
    out-of-scope id); a 400 naming those awaiting the user's authority but prepared by them on the person's
    behalf (four eyes: ``workflow.prepared_by``); else a 400 saying they no longer await them (decided meanwhile,
    another step)."""
    readable = {cs.id: cs for cs in db.session.scalars(
        select(ChangeSet).join(Person, Person.id == ChangeSet.person_id)
        .where(ChangeSet.id.in_(missing), scope.person_filter(user, ACTION_READ)))}
    if set(missing) - set(readable):
        raise NotFoundError(_("Không tìm thấy đề nghị thay đổi."))
    prepared = [i for i in missing if _refused_by_four_eyes(user, readable[i])]
    if prepared:
        raise ValidationError({"ids": [_(
            "Bạn đã lập hoặc gửi các đề nghị số %(ids)s thay cho người có hồ sơ nên không được xác thực, phê duyệt "
            "hay trả lại các đề nghị này; việc kiểm tra phải do một người khác có thẩm quyền thực hiện. Hãy bỏ chọn "
            "chúng.", ids=", ".join(str(i) for i in prepared[:10]))]})
    raise ValidationError({"ids": [_(
        "Các đề nghị số %(ids)s không còn chờ bạn xử lý (đã được xử lý hoặc không thuộc bước của bạn); "
        "hãy tải lại danh sách.", ids=", ".join(str(i) for i in missing[:10]))]})


@use_case
def start_bulk_decision(user, action: str, change_set_ids, comment: str | None = None, *,
                        passphrase: str | None = None, seen_rounds: dict | None = None) -> BulkDecision:
    """Check a bulk approve / return and write its row; nothing is queued (:func:`request_bulk_decision` queues).

    ``change_set_ids`` are the form's values; every one must await ``user``. A return needs its reason
    (``comment``); an approval of steps that need a signature needs the passphrase of the user's
    certificate, checked here so that a wrong one refuses the batch before anything is decided.
    ``seen_rounds`` ({id: the round the inbox showed}, the form's values): a change set returned and sent again
    since the list was loaded refuses the batch — a decision is taken on the submission the user saw.
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
    seen = {int(k): parse_round(v) for k, v in (seen_rounds or {}).items() if str(k).isdigit()}
    changed = [i for i in ids if seen.get(i) not in (None, awaiting[i][1])]
    if changed:
        raise ValidationError({"ids": [_(
            "Các đề nghị số %(ids)s đã được trả lại và gửi lại với nội dung mới sau khi bạn mở danh sách; chưa có "
            "gì được thay đổi. Hãy tải lại danh sách và xem lại các đề nghị này.",
            ids=", ".join(str(i) for i in changed[:10]))]})
    signing = action == "approve" and any(needs for needs, _round in awaiting.values())
    if signing:
        if not passphrase:
            raise ValidationError({"passphrase": [_("Các đề nghị đã chọn cần chữ ký số: hãy nhập mật khẩu "
                                                    "chứng thư số của bạn.")]})
        from app.signing import load_signer

        with load_signer(user, passphrase):
            pass
    row = BulkDecision(requested_by_id=user.id, action=action, comment=comment, change_set_ids=ids, total=len(ids),
                       seen_rounds={str(i): awaiting[i][1] for i in ids}, done=0, results=[], status="queued",
                       passphrase=passphrase if signing else None)
    db.session.add(row)
    db.session.flush()
    return row


@use_case
def request_bulk_decision(user, action: str, change_set_ids, comment: str | None = None, *,
                          passphrase: str | None = None, seen_rounds: dict | None = None) -> BulkDecision:
    """Check and write a bulk decision (:func:`start_bulk_decision`), then queue its job once committed.

    When the queue cannot be reached the row stays queued with a Vietnamese ``note`` (``jobs.leases.dispatch``):
    the reconciler queues it when Redis is back, or the TTL expires it (passphrase blanked).
    """
    row = start_bulk_decision(user, action, change_set_ids, comment, passphrase=passphrase, seen_rounds=seen_rounds)
    after_commit(dispatch_named, JOB, row.id)
    return row


def get_bulk_decision(user, bulk_id) -> BulkDecision:
    """The bulk decision ``bulk_id`` if ``user`` asked for it (NotFoundError otherwise: no existence leak)."""
    return requested_row(BulkDecision, user, bulk_id, _("Không tìm thấy lần xử lý hàng loạt này."))
