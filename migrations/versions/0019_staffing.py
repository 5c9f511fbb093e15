"""staffing: unit quotas (biên chế) by decision with history, the job-position catalogue (vị trí việc làm) and
the count of each position approved per unit (issue 17)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_unit_quota_org_unit_id"),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"], name="fk_unit_quota_created_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unit_quota_unit_year_kind", "unit_quota",
                    ["org_unit_id", "year", "kind", "decision_date", "id"])
    op.create_index("ix_unit_quota_year", "unit_quota", ["year"])
    op.create_table(
        "job_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group", sa.String(length=20), nullable=False),
        sa.Column("rank_code", sa.String(length=20), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_job_position_org_unit_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_job_position_code", "job_position", ["code"], unique=True)
    op.create_index("ix_job_position_org_unit", "job_position", ["org_unit_id"])
    op.create_table(
        "job_position_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_position_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_position_id"], ["job_position.id"],
                                name="fk_job_position_quota_job_position_id"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_job_position_quota_org_unit_id"),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"], name="fk_job_position_quota_created_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_position_quota_unit", "job_position_quota",
                    ["org_unit_id", "job_position_id", "decision_date", "id"])
    op.create_index("ix_job_position_quota_position", "job_position_quota", ["job_position_id"])


def downgrade():
    op.drop_index("ix_job_position_quota_position", table_name="job_position_quota")
    op.drop_index("ix_job_position_quota_unit", table_name="job_position_quota")
    op.drop_table("job_position_quota")
    op.drop_index("ix_job_position_org_unit", table_name="job_position")
    op.drop_index("uq_job_position_code", table_name="job_position")
    op.drop_table("job_position")
    op.drop_index("ix_unit_quota_year", table_name="unit_quota")
    op.drop_index("ix_unit_quota_unit_year_kind", table_name="unit_quota")
    op.drop_table("unit_quota")
