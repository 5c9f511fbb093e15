"""bulk decisions: bulk approve / return from the approver's inbox, decided by a background job

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulk_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("change_set_ids", sa.JSON(), nullable=False),
        sa.Column("passphrase", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queue_job_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["requested_by_id"], ["ab_user.id"], name="fk_bulk_decision_requested_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_decision", schema=None) as batch_op:
        batch_op.create_index("ix_bulk_decision_requested_by", ["requested_by_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("bulk_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_decision_requested_by")
    op.drop_table("bulk_decision")
