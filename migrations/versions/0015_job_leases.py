"""background jobs: lease and heartbeat of job rows, per-item outcomes of bulk decisions, for the reconciler

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JOB_TABLES = ("bulk_decision", "export_job")


def upgrade():
    for table in JOB_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
            batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
            batch_op.create_index(f"ix_{table}_status_heartbeat", ["status", "heartbeat_at"], unique=False)
    op.create_table(
        "bulk_decision_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulk_id", sa.Integer(), nullable=False),
        sa.Column("change_set_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bulk_id"], ["bulk_decision.id"], name="fk_bulk_decision_item_bulk_id",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["change_set_id"], ["change_set.id"], name="fk_bulk_decision_item_change_set_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bulk_id", "change_set_id", name="uq_bulk_decision_item_bulk_change_set"),
    )


def downgrade():
    op.drop_table("bulk_decision_item")
    for table in JOB_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_status_heartbeat")
            batch_op.drop_column("note")
            batch_op.drop_column("lease_token")
            batch_op.drop_column("attempts")
            batch_op.drop_column("heartbeat_at")
