"""exports: background export jobs (placeholder until the table lands)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
