"""approvals: approval steps of change sets, the chain/round/signature/deadline of a submission, BTV flag

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "approval_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_set_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("authority", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("signature_required", sa.Boolean(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("signature_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["ab_user.id"], name="fk_approval_step_actor_id"),
        sa.ForeignKeyConstraint(["change_set_id"], ["change_set.id"], name="fk_approval_step_change_set_id"),
        sa.ForeignKeyConstraint(["on_behalf_of_id"], ["ab_user.id"], name="fk_approval_step_on_behalf_of_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approval_step", schema=None) as batch_op:
        batch_op.create_index("ix_approval_step_change_set", ["change_set_id", "round", "seq"], unique=False)
        batch_op.create_index("ix_approval_step_pending_due", ["status", "due_date"], unique=False)
    op.create_table(
        "change_set_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_set_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_fields", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["change_set_id"], ["change_set.id"], name="fk_change_set_document_change_set_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_set_document", schema=None) as batch_op:
        batch_op.create_index("ix_change_set_document_set_round", ["change_set_id", "round"], unique=True)
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("btv_managed", sa.Boolean(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("btv_managed")
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.drop_column("due_date")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("round")
        batch_op.drop_column("chain")
    with op.batch_alter_table("approval_step", schema=None) as batch_op:
        batch_op.drop_index("ix_approval_step_pending_due")
        batch_op.drop_index("ix_approval_step_change_set")
    op.drop_table("approval_step")
    with op.batch_alter_table("change_set_document", schema=None) as batch_op:
        batch_op.drop_index("ix_change_set_document_set_round")
    op.drop_table("change_set_document")
