"""person: an index on (sort_key, birth_date) — the data-quality check for probable duplicates (same name, same
birth date) probes it once per file

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index("ix_person_sort_birth", ["sort_key", "birth_date"], unique=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_sort_birth")
