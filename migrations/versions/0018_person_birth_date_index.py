"""person: an index on the birth date (the retirements coming, the list's age filter)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index("ix_person_birth_date", ["birth_date"], unique=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_birth_date")
