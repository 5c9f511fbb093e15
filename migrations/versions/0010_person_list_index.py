"""person: the unit/order index also carries status, so a subtree list is an index-only scan

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_org_unit_sort")
        batch_op.create_index("ix_person_org_unit_sort", ["org_unit_id", "sort_key", "id"], unique=False,
                              postgresql_include=["status"])


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_org_unit_sort")
        batch_op.create_index("ix_person_org_unit_sort", ["org_unit_id", "sort_key", "id"], unique=False)
