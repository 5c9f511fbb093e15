"""National sync aggregate (issue 18): approved file versions on their way to the national CBCCVC database.

- :class:`SyncItem` — the **outbox**: one row per approved :class:`~models.personnel.FileVersion` (unique), written
  in the transaction that writes the version (``app.services.national_sync.outbox``). It names the sending agency
  (the file's unit's agency, or its nearest superior with an agency account, HN-15), the moment it was queued and
  its deadline (ND27-SYNC), and where it stands: queued → sent → accepted | rejected, or superseded by a newer
  version before it left. Its last receipt's code and message are kept on it; every receipt is a row of
  :class:`SyncReceipt`.
- :class:`SyncBatch` — what is sent together: a per-event batch the periodic job gathers (no human step), or an
  agency's monthly batch submitted in the window, approved (and in HCM signed) by Sở Nội vụ. Its ``state`` is the
  business workflow; the job columns (``status``, lease, heartbeat: :class:`~models.mixins.BackgroundJobMixin`) are
  the send job's, ``idle`` until it is queued.
- :class:`SyncManifest` — the PDF Sở Nội vụ approves (its Director signs it in HCM: PAdES), listing the batches
  approved together and their records with their SHA-256; encrypted (it lists identifiers).
- :class:`SyncReconciliation` / :class:`SyncDifference` — what the national side holds per agency compared with
  what we sent (counts, digests, and the records that differ), for the reconciliation report.
"""

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedBytes, EncryptedText
from models.mixins import BackgroundJobMixin, utcnow

__all__ = ["BATCH_KINDS", "BATCH_STATES", "ITEM_STATUSES", "OPEN_ITEM_STATUSES", "SyncBatch", "SyncDifference",
           "SyncItem", "SyncManifest", "SyncReceipt", "SyncReconciliation", "DIFFERENCE_KINDS"]

#: Where an approved version stands on its way to the national database.
ITEM_STATUSES = {
    "queued": _l("Chờ gửi"),
    "sent": _l("Đã gửi, chờ xác nhận"),
    "accepted": _l("Đã được tiếp nhận"),
    "rejected": _l("Bị từ chối, cần sửa và gửi lại"),
    "superseded": _l("Đã có phiên bản mới hơn"),
}
#: Statuses of an item not delivered yet (it counts as overdue past its deadline).
OPEN_ITEM_STATUSES = ("queued", "sent", "rejected")

BATCH_KINDS = {"event": _l("Gửi ngay khi duyệt"), "monthly": _l("Đợt hằng tháng")}
#: The business state of a batch (the send job's own status is ``status``).
BATCH_STATES = {
    "submitted": _l("Chờ Sở Nội vụ phê duyệt"),
    "returned": _l("Bị trả lại"),
    "approved": _l("Đã phê duyệt, chờ gửi"),
    "sending": _l("Đang gửi"),
    "sent": _l("Đã gửi đủ"),
    "partial": _l("Đã gửi, có hồ sơ bị từ chối"),
    "failed": _l("Gửi không thành công"),
}

DIFFERENCE_KINDS = {
    "missing": _l("Đã gửi nhưng CSDL quốc gia không có"),
    "unexpected": _l("CSDL quốc gia có nhưng thành phố chưa gửi"),
    "different": _l("Khác phiên bản hoặc mã kiểm tra"),
}


class SyncBatch(BackgroundJobMixin, Model):
    """A batch of sync items of one sending agency: per event, or the agency's monthly batch."""

    __tablename__ = "sync_batch"
    __audited__ = True
    __audit_exclude__ = {"lease_token", "heartbeat_at", "queue_job_id", "attempts", "started_at", "finished_at",
                         "done", "total", "note", "error", "status", "retry_at", "retries"}
    __table_args__ = (
        UniqueConstraint("batch_key", name="uq_sync_batch_key"),
        # One monthly batch per agency and month (a returned one is submitted again in place).
        Index("uq_sync_batch_monthly", "agency_unit_id", "period", unique=True,
              postgresql_where=text("kind = 'monthly'"), sqlite_where=text("kind = 'monthly'")),
        Index("ix_sync_batch_agency_period", "agency_unit_id", "period", "id"),
        Index("ix_sync_batch_state", "state", "kind", "period"),
        # Sở Nội vụ's list of every batch, newest month first.
        Index("ix_sync_batch_period", "period", "id"),
        Index("ix_sync_batch_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_sync_batch_agency_unit_id"), nullable=False)
    #: event | monthly
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    #: The month it belongs to, ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    #: The batch's own key; each chunk sent is keyed by it and a digest of the chunk's records.
    batch_key: Mapped[str] = mapped_column(String(80), nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_sync_batch_submitted_by_id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the submitter acted under a delegation: the delegator.
    submitted_for_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_sync_batch_submitted_for_id"))
    approved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_sync_batch_approved_by_id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_sync_batch_returned_by_id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    manifest_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("sync_manifest.id", name="fk_sync_batch_manifest_id"))
    #: The national side's id of the last chunk it answered.
    national_batch_id: Mapped[str | None] = mapped_column(String(80))
    #: A retriable failure (the national side unavailable …) waits until then; the tick queues it again.
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retries: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    agency = relationship("OrgUnit", foreign_keys=[agency_unit_id])
    submitted_by = relationship("Account", foreign_keys=[submitted_by_id])
    approved_by = relationship("Account", foreign_keys=[approved_by_id])
    manifest = relationship("SyncManifest", foreign_keys=[manifest_id])

    def audit_org_unit_id(self) -> int:
        """A batch shows in its agency's change log."""
        return self.agency_unit_id


class SyncItem(Model):
    """One approved file version to send (the outbox row written with the version)."""

    __tablename__ = "sync_item"
    __table_args__ = (
        UniqueConstraint("file_version_id", name="uq_sync_item_file_version"),
        # Supersede a person's unsent versions; the latest accepted version of a person (reconciliation).
        Index("ix_sync_item_person", "person_id", "version_no"),
        # Per agency and status (the reconciliation's accepted versions, the batches' counts).
        Index("ix_sync_item_agency_status", "agency_unit_id", "status", "id"),
        # The tick's gathering: queued items in no batch yet (a small partial index).
        Index("ix_sync_item_unbatched", "agency_unit_id", "id",
              postgresql_where=text("status = 'queued' AND batch_id IS NULL"),
              sqlite_where=text("status = 'queued' AND batch_id IS NULL")),
        # The monthly build: items no monthly batch lists yet.
        Index("ix_sync_item_uncovered", "agency_unit_id", "id", postgresql_where=text("monthly_batch_id IS NULL"),
              sqlite_where=text("monthly_batch_id IS NULL")),
        # The send job's chunks.
        Index("ix_sync_item_batch", "batch_id", "status", "id"),
        Index("ix_sync_item_monthly", "monthly_batch_id", "id"),
        # Overdue items (not delivered past their deadline).
        Index("ix_sync_item_open_due", "due_at", postgresql_where=text("status IN ('queued', 'sent', 'rejected')"),
              sqlite_where=text("status IN ('queued', 'sent', 'rejected')")),
        # The compliance page's 12 months.
        Index("ix_sync_item_queued_at", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, ForeignKey("person.id", name="fk_sync_item_person_id"),
                                           nullable=False)
    file_version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("file_version.id", name="fk_sync_item_file_version_id"), nullable=False)
    version_no: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The agency that sends it (HN-15: the nearest unit up the tree with an agency account).
    agency_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_sync_item_agency_unit_id"), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: ND27-SYNC: sent and accepted by then (the monthly window's end when the per-event mode is off).
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    #: The last receipt's code and message (a rejection's reason).
    receipt_code: Mapped[str | None] = mapped_column(String(60))
    receipt_message: Mapped[str | None] = mapped_column(Text)
    #: Times it was sent.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the national side accepted (or rejected) it.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The batch that sends it (an event batch, or the monthly batch when nothing sent it before).
    batch_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("sync_batch.id", name="fk_sync_item_batch_id"))
    #: The monthly batch that lists it (the month's confirmation).
    monthly_batch_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("sync_batch.id", name="fk_sync_item_monthly_batch_id"))
    #: The identifier sent (số định danh cá nhân, ND27-ID), kept for the reconciliation; encrypted.
    identifier: Mapped[str | None] = mapped_column(EncryptedText)

    person = relationship("Person")
    agency = relationship("OrgUnit", foreign_keys=[agency_unit_id])


class SyncReceipt(Model):
    """One receipt of the national side for one record sent (every one is kept)."""

    __tablename__ = "sync_receipt"
    __table_args__ = (Index("ix_sync_receipt_item", "item_id", "id"), Index("ix_sync_receipt_batch", "batch_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, ForeignKey("sync_item.id", name="fk_sync_receipt_item_id"),
                                         nullable=False)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("sync_batch.id", name="fk_sync_receipt_batch_id"),
                                          nullable=False)
    #: The key of the chunk (request) that carried the record, and the national side's id of it.
    chunk_key: Mapped[str] = mapped_column(String(120), nullable=False)
    national_batch_id: Mapped[str | None] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(80), nullable=False)
    #: accepted | rejected
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    code: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class SyncManifest(Model):
    """The manifest of the batches Sở Nội vụ approved together (signed by its Director where the profile says)."""

    __tablename__ = "sync_manifest"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pdf: Mapped[bytes] = mapped_column(EncryptedBytes, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    approved_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_sync_manifest_approved_by_id"))
    batch_count: Mapped[int] = mapped_column(Integer, nullable=False)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    approved_by = relationship("Account", foreign_keys=[approved_by_id])


class SyncReconciliation(Model):
    """One comparison of what the national side holds for an agency with what we sent and it accepted."""

    __tablename__ = "sync_reconciliation"
    __table_args__ = (Index("ix_sync_reconciliation_agency", "agency_unit_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_sync_reconciliation_agency_unit_id"), nullable=False)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: match | differ | error
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    our_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    their_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    our_digest: Mapped[str | None] = mapped_column(String(64))
    their_digest: Mapped[str | None] = mapped_column(String(64))
    missing_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unexpected_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    different_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(Text)

    agency = relationship("OrgUnit", foreign_keys=[agency_unit_id])


class SyncDifference(Model):
    """One record that differs between the national side and us (at most a few thousand kept per run)."""

    __tablename__ = "sync_difference"
    __table_args__ = (Index("ix_sync_difference_reconciliation", "reconciliation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sync_reconciliation.id", name="fk_sync_difference_reconciliation_id",
                            ondelete="CASCADE"), nullable=False)
    #: missing | unexpected | different
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    person_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("person.id",
                                                                      name="fk_sync_difference_person_id"))
    identifier: Mapped[str | None] = mapped_column(EncryptedText)
    our_version: Mapped[int | None] = mapped_column(Integer)
    their_version: Mapped[int | None] = mapped_column(Integer)
    our_sha256: Mapped[str | None] = mapped_column(String(64))
    their_sha256: Mapped[str | None] = mapped_column(String(64))
