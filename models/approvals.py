"""Approvals aggregate: the steps of a change set's approval chain (``app/workflow.py`` writes them).

A submitted change set gets one :class:`ApprovalStep` per step of the chain its city profile picks for the
person (``app/profiles/``): who may act (an authority), the deadline in working days, whether a signature is
required. Acting on a step records who, when, comment, on whose delegation and the signature; the steps of
earlier submissions stay as history (``round``). Overdue is a query (``due_date < today`` on a pending
step), never a stored flag.

A :class:`BulkDecision` is one "approve / return the selected change sets" from the approver's inbox: the
background job (``jobs/approvals.py``) decides each change set in its own transaction and keeps its progress
and each outcome in the row, which the inbox polls.
"""

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedBytes, EncryptedText
from models.mixins import BackgroundJobMixin, utcnow

__all__ = ["BULK_ACTIONS", "BULK_STATUSES", "STEP_STATUSES", "ApprovalStep", "BulkDecision", "BulkDecisionItem",
           "ChangeSetDocument"]

#: waiting (a later step not reached yet), pending (the one to act on), done, returned, cancelled
STEP_STATUSES = ("waiting", "pending", "done", "returned", "cancelled")


class ApprovalStep(Model):
    """One step of one submission of a change set."""

    __tablename__ = "approval_step"
    __audited__ = True
    __table_args__ = (
        Index("ix_approval_step_change_set", "change_set_id", "round", "seq"),
        Index("ix_approval_step_pending_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_approval_step_change_set_id"), nullable=False)
    #: 1 for the first submission, 2 after a return and a new submission, …
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The step's key in the profile's chain (e.g. "review", "approve").
    key: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The authority key of the profile (who may act).
    authority: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="waiting")
    signature_required: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: First day of the window in which the step is meant to be done (HN-7: the month's last 5 days).
    window_start: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    #: The rule ids the deadline comes from (e.g. "HCM-7.2b, HCM-7.2c").
    rule: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("ab_user.id", name="fk_approval_step_actor_id"))
    #: When the actor acted under a delegation: the delegator's account.
    on_behalf_of_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_approval_step_on_behalf_of_id"))
    comment: Mapped[str | None] = mapped_column(Text)
    #: The signature made at this step (a signed document of the signing module), when one was required.
    signature_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    change_set = relationship("ChangeSet", back_populates="steps")
    actor = relationship("Account", foreign_keys=[actor_id])
    on_behalf_of = relationship("Account", foreign_keys=[on_behalf_of_id])


class ChangeSetDocument(Model):
    """The signed PDF of one submission: the Sơ yếu lý lịch as proposed, signed by the person, then by each
    step that requires a signature (sequential PAdES signatures on the same file, HCM-3.4, HCM-7.2a–c).

    Encrypted (it holds the whole file, sensitive items included); each signature replaces ``content`` with
    the PDF plus one incremental update, so the earlier signed revisions stay inside it.
    """

    __tablename__ = "change_set_document"
    __audited__ = True
    __audit_exclude__ = {"content"}
    __table_args__ = (Index("ix_change_set_document_set_round", "change_set_id", "round", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_change_set_document_change_set_id"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(EncryptedBytes, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Field names signed so far, comma-separated in order ("NguoiKhai,CanBoTCCB").
    signed_fields: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 nullable=False)


#: approve (each selected change set's pending step) or return (all with the same reason)
BULK_ACTIONS = ("approve", "return")
#: queued → running → finished | failed
BULK_STATUSES = ("queued", "running", "finished", "failed")


class BulkDecision(BackgroundJobMixin, Model):
    """One bulk approve / return asked for from the inbox, decided item by item by a background job.

    Each change set is decided in its own transaction (the normal change log records it), which also writes its
    :class:`BulkDecisionItem` (the truth a re-run resumes from) and the row's progress; ``results`` holds
    one ``{"id", "person", "outcome", "message"}`` per change set done so far (outcome: approved, forwarded,
    returned, refused), for the page. The signing passphrase, when the steps need a signature, is kept encrypted only
    until the job ends (blanked then, also on failure) and never travels in the queue's payload.
    """

    __tablename__ = "bulk_decision"
    __table_args__ = (Index("ix_bulk_decision_requested_by", "requested_by_id", "created_at"),
                      Index("ix_bulk_decision_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_bulk_decision_requested_by_id"), nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    #: The approver's comment (approve) or the reason (return, required), the same for every item.
    comment: Mapped[str | None] = mapped_column(Text)
    #: The change set ids, in the order they are decided.
    change_set_ids: Mapped[list] = mapped_column(JSON, nullable=False)
    #: {change set id (text): the submission (round) the decision was asked on}: the job decides a change set only
    #: while it is that submission (None: rows written before this was kept).
    seen_rounds: Mapped[dict | None] = mapped_column(JSON)
    #: The signing passphrase (encrypted under the key ring) while the job has not ended; None otherwise.
    passphrase: Mapped[str | None] = mapped_column(EncryptedText)
    results: Mapped[list] = mapped_column(JSON, nullable=False, default=list)

    requested_by = relationship("Account", foreign_keys=[requested_by_id])


class BulkDecisionItem(Model):
    """The outcome of one change set of a bulk decision, written in the same transaction as the decision itself,
    so a re-run after a crash skips exactly the change sets already decided (unique per bulk and change set)."""

    __tablename__ = "bulk_decision_item"
    __table_args__ = (UniqueConstraint("bulk_id", "change_set_id", name="uq_bulk_decision_item_bulk_change_set"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulk_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("bulk_decision.id", name="fk_bulk_decision_item_bulk_id", ondelete="CASCADE"),
        nullable=False)
    change_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_bulk_decision_item_change_set_id"), nullable=False)
    #: approved, forwarded, returned, refused
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
