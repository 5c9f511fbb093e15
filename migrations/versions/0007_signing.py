"""signing: signers' certificates (PKCS#12 kept encrypted, or a key on a PKCS#11 token/HSM)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pkcs12", sa.LargeBinary(), nullable=True),
        sa.Column("pkcs11_module", sa.String(length=300), nullable=True),
        sa.Column("pkcs11_token", sa.String(length=100), nullable=True),
        sa.Column("pkcs11_key", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["ab_user.id"], name="fk_signing_credential_account_id"),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"], name="fk_signing_credential_created_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signing_credential", schema=None) as batch_op:
        batch_op.create_index("ix_signing_credential_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_signing_credential_fingerprint", ["fingerprint"], unique=False)
        batch_op.create_index("uq_signing_credential_active", ["account_id"], unique=True,
                              postgresql_where=sa.text("active"), sqlite_where=sa.text("active"))


def downgrade():
    with op.batch_alter_table("signing_credential", schema=None) as batch_op:
        batch_op.drop_index("uq_signing_credential_active")
        batch_op.drop_index("ix_signing_credential_fingerprint")
        batch_op.drop_index("ix_signing_credential_account_id")
    op.drop_table("signing_credential")
