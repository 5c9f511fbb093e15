"""maintenance notices: announced maintenance windows shown as a banner on every page (issue 20; HCM-4.2)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "maintenance_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"], name="fk_maintenance_notice_created_by_id",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["ab_user.id"], name="fk_maintenance_notice_cancelled_by_id",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_maintenance_notice_ends_at", "maintenance_notice", ["ends_at"])


def downgrade():
    op.drop_index("ix_maintenance_notice_ends_at", table_name="maintenance_notice")
    op.drop_table("maintenance_notice")
