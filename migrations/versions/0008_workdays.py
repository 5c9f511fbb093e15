"""workdays: admin overrides of the working-day calendar (extra days off, make-up working Saturdays)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "workday_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('off', 'work')", name="ck_workday_override_kind"),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"], name="fk_workday_override_created_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", name="uq_workday_override_day"),
    )


def downgrade():
    op.drop_table("workday_override")
