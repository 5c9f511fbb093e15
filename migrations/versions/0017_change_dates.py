"""deadlines that are read: the day a change happened (and its update deadline) on change sets, the decision day of
a person's recruitment

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("update_due", sa.Date(), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_date", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("decision_date")
    with op.batch_alter_table("change_set", schema=None) as batch_op:
        batch_op.drop_column("update_due")
        batch_op.drop_column("change_date")
