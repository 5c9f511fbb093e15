"""notifications: the bell and the e-mail digests of the daily reminders (HCM-7.1, HCM-7.2, HCM-7.2b/c, HN-7)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], name="fk_notification_user_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "object_type", "object_id", "due_date", name="uq_notification_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_unread", ["user_id"], unique=False,
                              postgresql_where=sa.text("read_at IS NULL"), sqlite_where=sa.text("read_at IS NULL"))
        batch_op.create_index("ix_notification_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_notification_unmailed", ["created_at"], unique=False,
                              postgresql_where=sa.text("emailed_at IS NULL"),
                              sqlite_where=sa.text("emailed_at IS NULL"))


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_unmailed")
        batch_op.drop_index("ix_notification_user_created")
        batch_op.drop_index("ix_notification_user_unread")
    op.drop_table("notification")
