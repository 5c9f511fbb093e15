"""audit log indexes for the user-name and object filters of the log screens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_change_log_user_name_time", "change_log", ["user_name", "time"])
    op.create_index("ix_access_log_user_name_time", "access_log", ["user_name", "time"])
    op.create_index("ix_access_log_object", "access_log", ["object_type", "object_id"])


def downgrade():
    op.drop_index("ix_access_log_object", table_name="access_log")
    op.drop_index("ix_access_log_user_name_time", table_name="access_log")
    op.drop_index("ix_change_log_user_name_time", table_name="change_log")
