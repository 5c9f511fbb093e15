"""ab_user: an index on lower(username) — FAB finds the account of a login case-insensitively
(``AUTH_USERNAME_CI``), three times per login: without it each look-up read the whole table (40 ms at 250,000
accounts, ``make load``)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ab_user_username_lower", "ab_user", [sa.text("lower(username)")], unique=False)


def downgrade():
    op.drop_index("ix_ab_user_username_lower", table_name="ab_user")
