"""transfers: one row per move of a person (within a unit, between agencies, out of / into the city, leaving)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = "status IN ('recorded', 'moved')"


def upgrade():
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("external_place", sa.String(length=300), nullable=True),
        sa.Column("leave_status", sa.String(length=20), nullable=True),
        sa.Column("new_title", sa.String(length=200), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("decision_signer", sa.String(length=200), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("handover_date", sa.Date(), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("deadline_rule", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("access_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_by_id", sa.Integer(), nullable=True),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_transfer_person_id"),
        sa.ForeignKeyConstraint(["from_unit_id"], ["org_unit.id"], name="fk_transfer_from_unit_id"),
        sa.ForeignKeyConstraint(["to_unit_id"], ["org_unit.id"], name="fk_transfer_to_unit_id"),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"], name="fk_transfer_attachment_id"),
        sa.ForeignKeyConstraint(["version_id"], ["file_version.id"], name="fk_transfer_version_id"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["ab_user.id"], name="fk_transfer_recorded_by_id"),
        sa.ForeignKeyConstraint(["moved_by_id"], ["ab_user.id"], name="fk_transfer_moved_by_id"),
        sa.ForeignKeyConstraint(["completed_by_id"], ["ab_user.id"], name="fk_transfer_completed_by_id"),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["ab_user.id"], name="fk_transfer_cancelled_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transfer_person", "transfer", ["person_id", "id"])
    op.create_index("ix_transfer_from_unit", "transfer", ["from_unit_id", "status", "due_date"])
    op.create_index("ix_transfer_to_unit", "transfer", ["to_unit_id", "status", "due_date"])
    op.create_index("ix_transfer_status_due", "transfer", ["status", "due_date"])
    op.create_index("ix_transfer_status_effective", "transfer", ["status", "effective_date"])
    op.create_index("uq_transfer_person_open", "transfer", ["person_id"], unique=True,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    op.drop_table("transfer")
