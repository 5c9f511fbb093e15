"""national code lists: code_item, code_alias, salary_step

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "code_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_code_item"),
        sa.UniqueConstraint("kind", "code", "valid_from", name="uq_code_item_kind_code_from"),
    )
    op.create_index("ix_code_item_kind_sort", "code_item", ["kind", "sort_order"])
    op.create_table(
        "code_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.Column("alias_key", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_code_alias"),
        sa.UniqueConstraint("kind", "alias_key", name="uq_code_alias_kind_key"),
    )
    op.create_table(
        "salary_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pay_group", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("coefficient", sa.Numeric(5, 2), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_salary_step"),
        sa.UniqueConstraint("pay_group", "step", "valid_from", name="uq_salary_step_group_step_from"),
    )


def downgrade():
    op.drop_table("salary_step")
    op.drop_table("code_alias")
    op.drop_index("ix_code_item_kind_sort", table_name="code_item")
    op.drop_table("code_item")
