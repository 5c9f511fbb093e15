"""accounts: a session epoch per account, so logout, lock and password changes end every session (placeholder until it lands)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

"""

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
