"""workdays: admin overrides of the working-day calendar (placeholder until the table lands)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
