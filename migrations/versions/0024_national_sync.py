"""national sync (issue 18): the outbox of approved file versions, batches (per event and monthly) with the send
job's lease, every receipt, the manifests Sở Nội vụ approves (signed in HCM), the reconciliation runs

Revision ID: 0024
Revises: 0023
Create Date: 2027-01-10

"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'sent', 'rejected')"
UNBATCHED = "status = 'queued' AND batch_id IS NULL"
UNCOVERED = "monthly_batch_id IS NULL"


def upgrade():
    op.create_table(
        "sync_manifest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("batch_count", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["approved_by_id"], ["ab_user.id"], name="fk_sync_manifest_approved_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("batch_key", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_for_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("manifest_id", sa.Integer(), nullable=True),
        sa.Column("national_batch_id", sa.String(length=80), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retries", sa.Integer(), server_default="0", nullable=False),
        # the job-runner columns (models.mixins.BackgroundJobMixin)
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queue_job_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["agency_unit_id"], ["org_unit.id"], name="fk_sync_batch_agency_unit_id"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["ab_user.id"], name="fk_sync_batch_submitted_by_id"),
        sa.ForeignKeyConstraint(["submitted_for_id"], ["ab_user.id"], name="fk_sync_batch_submitted_for_id"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["ab_user.id"], name="fk_sync_batch_approved_by_id"),
        sa.ForeignKeyConstraint(["returned_by_id"], ["ab_user.id"], name="fk_sync_batch_returned_by_id"),
        sa.ForeignKeyConstraint(["manifest_id"], ["sync_manifest.id"], name="fk_sync_batch_manifest_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_key", name="uq_sync_batch_key"),
    )
    op.create_index("uq_sync_batch_monthly", "sync_batch", ["agency_unit_id", "period"], unique=True,
                    postgresql_where=sa.text("kind = 'monthly'"), sqlite_where=sa.text("kind = 'monthly'"))
    op.create_index("ix_sync_batch_agency_period", "sync_batch", ["agency_unit_id", "period", "id"])
    op.create_index("ix_sync_batch_state", "sync_batch", ["state", "kind", "period"])
    op.create_index("ix_sync_batch_period", "sync_batch", ["period", "id"])
    op.create_index("ix_sync_batch_status_heartbeat", "sync_batch", ["status", "heartbeat_at"])
    op.create_table(
        "sync_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("file_version_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("agency_unit_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("receipt_code", sa.String(length=60), nullable=True),
        sa.Column("receipt_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("monthly_batch_id", sa.Integer(), nullable=True),
        sa.Column("identifier", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_sync_item_person_id"),
        sa.ForeignKeyConstraint(["file_version_id"], ["file_version.id"], name="fk_sync_item_file_version_id"),
        sa.ForeignKeyConstraint(["agency_unit_id"], ["org_unit.id"], name="fk_sync_item_agency_unit_id"),
        sa.ForeignKeyConstraint(["batch_id"], ["sync_batch.id"], name="fk_sync_item_batch_id"),
        sa.ForeignKeyConstraint(["monthly_batch_id"], ["sync_batch.id"], name="fk_sync_item_monthly_batch_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_version_id", name="uq_sync_item_file_version"),
    )
    op.create_index("ix_sync_item_person", "sync_item", ["person_id", "version_no"])
    op.create_index("ix_sync_item_agency_status", "sync_item", ["agency_unit_id", "status", "id"])
    op.create_index("ix_sync_item_unbatched", "sync_item", ["agency_unit_id", "id"],
                    postgresql_where=sa.text(UNBATCHED), sqlite_where=sa.text(UNBATCHED))
    op.create_index("ix_sync_item_uncovered", "sync_item", ["agency_unit_id", "id"],
                    postgresql_where=sa.text(UNCOVERED), sqlite_where=sa.text(UNCOVERED))
    op.create_index("ix_sync_item_batch", "sync_item", ["batch_id", "status", "id"])
    op.create_index("ix_sync_item_monthly", "sync_item", ["monthly_batch_id", "id"])
    op.create_index("ix_sync_item_open_due", "sync_item", ["due_at"], postgresql_where=sa.text(OPEN),
                    sqlite_where=sa.text(OPEN))
    op.create_index("ix_sync_item_queued_at", "sync_item", ["queued_at"])
    op.create_table(
        "sync_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("chunk_key", sa.String(length=120), nullable=False),
        sa.Column("national_batch_id", sa.String(length=80), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["sync_item.id"], name="fk_sync_receipt_item_id"),
        sa.ForeignKeyConstraint(["batch_id"], ["sync_batch.id"], name="fk_sync_receipt_batch_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_receipt_item", "sync_receipt", ["item_id", "id"])
    op.create_index("ix_sync_receipt_batch", "sync_receipt", ["batch_id", "id"])
    op.create_table(
        "sync_reconciliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_unit_id", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("our_count", sa.Integer(), nullable=False),
        sa.Column("their_count", sa.Integer(), nullable=False),
        sa.Column("our_digest", sa.String(length=64), nullable=True),
        sa.Column("their_digest", sa.String(length=64), nullable=True),
        sa.Column("missing_count", sa.Integer(), nullable=False),
        sa.Column("unexpected_count", sa.Integer(), nullable=False),
        sa.Column("different_count", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["agency_unit_id"], ["org_unit.id"], name="fk_sync_reconciliation_agency_unit_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_reconciliation_agency", "sync_reconciliation", ["agency_unit_id", "id"])
    op.create_table(
        "sync_difference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("identifier", sa.LargeBinary(), nullable=True),
        sa.Column("our_version", sa.Integer(), nullable=True),
        sa.Column("their_version", sa.Integer(), nullable=True),
        sa.Column("our_sha256", sa.String(length=64), nullable=True),
        sa.Column("their_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["reconciliation_id"], ["sync_reconciliation.id"],
                                name="fk_sync_difference_reconciliation_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_sync_difference_person_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_difference_reconciliation", "sync_difference", ["reconciliation_id", "id"])


def downgrade():
    op.drop_index("ix_sync_difference_reconciliation", table_name="sync_difference")
    op.drop_table("sync_difference")
    op.drop_index("ix_sync_reconciliation_agency", table_name="sync_reconciliation")
    op.drop_table("sync_reconciliation")
    op.drop_index("ix_sync_receipt_batch", table_name="sync_receipt")
    op.drop_index("ix_sync_receipt_item", table_name="sync_receipt")
    op.drop_table("sync_receipt")
    for name in ("ix_sync_item_queued_at", "ix_sync_item_open_due", "ix_sync_item_monthly", "ix_sync_item_batch",
                 "ix_sync_item_uncovered", "ix_sync_item_unbatched", "ix_sync_item_agency_status",
                 "ix_sync_item_person"):
        op.drop_index(name, table_name="sync_item")
    op.drop_table("sync_item")
    for name in ("ix_sync_batch_status_heartbeat", "ix_sync_batch_period", "ix_sync_batch_state",
                 "ix_sync_batch_agency_period",
                 "uq_sync_batch_monthly"):
        op.drop_index(name, table_name="sync_batch")
    op.drop_table("sync_batch")
    op.drop_table("sync_manifest")
