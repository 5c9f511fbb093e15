"""data quality: the register of data issues (HN-17.4), the quarterly quality reports (HN-21.6), and the CCCD's
birth digits beside the encrypted number (the CCCD check in SQL)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_data_issue_person_id"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_data_issue_org_unit_id"),
        sa.ForeignKeyConstraint(["reported_by_id"], ["ab_user.id"], name="fk_data_issue_reported_by_id"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["ab_user.id"], name="fk_data_issue_resolved_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_issue_person_status", "data_issue", ["person_id", "status"])
    op.create_index("ix_data_issue_status_reported", "data_issue", ["status", "reported_at"])
    op.create_table(
        "quality_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_quality_report_org_unit_id"),
        sa.ForeignKeyConstraint(["signed_by_id"], ["ab_user.id"], name="fk_quality_report_signed_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_unit_id", "year", "quarter", name="uq_quality_report_unit_quarter"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cccd_birth_digits", sa.String(length=3), nullable=True))
    _backfill_birth_digits()


def _backfill_birth_digits():
    """Existing files: decrypt each CCCD once (the app's key ring) and store its digits 4–6."""
    from flask import has_app_context

    bind = op.get_bind()
    if not has_app_context() or not bind.execute(
            sa.text("SELECT 1 FROM person WHERE cccd IS NOT NULL LIMIT 1")).first():
        return
    from app.crypto import decrypt
    from app.services.personnel.checks import cccd_birth_digits

    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, cccd FROM person WHERE cccd IS NOT NULL AND id > :last ORDER BY id "
                                    "LIMIT 1000"), {"last": last}).all()
        if not rows:
            return
        values = [{"pid": pid, "d": cccd_birth_digits(decrypt(bytes(blob)).decode("utf-8"))} for pid, blob in rows]
        bind.execute(sa.text("UPDATE person SET cccd_birth_digits = :d WHERE id = :pid"), values)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("cccd_birth_digits")
    op.drop_table("quality_report")
    op.drop_index("ix_data_issue_status_reported", table_name="data_issue")
    op.drop_index("ix_data_issue_person_status", table_name="data_issue")
    op.drop_table("data_issue")
