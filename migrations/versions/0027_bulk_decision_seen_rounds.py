"""bulk_decision: the submission (round) of each change set the bulk decision was asked on — the job decides a
change set only while it is still that submission (one returned and sent again meanwhile is refused, not decided
unseen)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bulk_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_rounds", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("bulk_decision", schema=None) as batch_op:
        batch_op.drop_column("seen_rounds")
