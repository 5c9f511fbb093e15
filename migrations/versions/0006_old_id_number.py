"""person: the former 9-digit CMND number (encrypted) and its blind index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_id_number", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("old_id_index", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_person_old_id_index", ["old_id_index"], unique=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_old_id_index")
        batch_op.drop_column("old_id_index")
        batch_op.drop_column("old_id_number")
