"""background jobs: lease and heartbeat of job rows, per-item outcomes, for the reconciler (placeholder until it lands)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
