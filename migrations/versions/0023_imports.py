"""imports (issue 19, items 1–4): upload jobs with their staged rows; file versions record an import as their
source and proof

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("valid_rows", sa.Integer(), nullable=False),
        sa.Column("error_rows", sa.Integer(), nullable=False),
        sa.Column("warning_rows", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=True),
        sa.Column("report_name", sa.String(length=80), nullable=True),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("change_set_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("commit_requested_by_id", sa.Integer(), nullable=True),
        sa.Column("commit_requested_at", sa.DateTime(timezone=True), nullable=True),
        # BackgroundJobMixin
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
        sa.ForeignKeyConstraint(["requested_by_id"], ["ab_user.id"], name="fk_import_job_requested_by_id"),
        sa.ForeignKeyConstraint(["commit_requested_by_id"], ["ab_user.id"],
                                name="fk_import_job_commit_requested_by_id"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_import_job_org_unit_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_job_unit_created", "import_job", ["org_unit_id", "created_at"])
    op.create_index("ix_import_job_status_heartbeat", "import_job", ["status", "heartbeat_at"])
    op.create_table(
        "import_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cccd_index", sa.String(length=64), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("errors", sa.LargeBinary(), nullable=False),
        sa.Column("warnings", sa.LargeBinary(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("change_set_id", sa.Integer(), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"], name="fk_import_row_job_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_import_row_person_id"),
        sa.ForeignKeyConstraint(["change_set_id"], ["change_set.id"], name="fk_import_row_change_set_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "row_no", name="uq_import_row_job_row"),
    )
    op.create_index("ix_import_row_job_outcome", "import_row", ["job_id", "outcome"])
    with op.batch_alter_table("file_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("import_job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_file_version_import_job_id", "import_job", ["import_job_id"], ["id"])


def downgrade():
    with op.batch_alter_table("file_version", schema=None) as batch_op:
        batch_op.drop_constraint("fk_file_version_import_job_id", type_="foreignkey")
        batch_op.drop_column("import_job_id")
        batch_op.drop_column("source")
    op.drop_index("ix_import_row_job_outcome", table_name="import_row")
    op.drop_table("import_row")
    op.drop_index("ix_import_job_status_heartbeat", table_name="import_job")
    op.drop_index("ix_import_job_unit_created", table_name="import_job")
    op.drop_table("import_job")
