"""Signing aggregate: each signer's certificate and where its private key lives (issue 7, HCM-3.4).

A credential is either a PKCS#12 file (key + certificate), kept in an :class:`~app.crypto.EncryptedBytes` column —
AES-GCM under the app's key ring *and* still protected by its own passphrase, which is never stored — or a key on a
PKCS#11 token/HSM (module, token label, key label; the PIN is typed at signing time or read from an environment
variable for a server HSM). The certificate itself is public and kept in clear, with the fields the lists show.
"""

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedBytes
from models.mixins import utcnow

__all__ = ["CREDENTIAL_KINDS", "SigningCredential"]

CREDENTIAL_KINDS = {
    "pkcs12": _l("Tệp chứng thư số PKCS#12"),
    "pkcs11": _l("Thiết bị ký số (token/HSM)"),
}


class SigningCredential(Model):
    """A signer's certificate and key location; at most one active credential per account."""

    __tablename__ = "signing_credential"
    __audited__ = True
    #: The PKCS#12 blob is encrypted (never logged anyway); the certificate DER is bulky and public.
    __audit_exclude__ = {"pkcs12", "certificate"}
    __table_args__ = (
        Index("ix_signing_credential_account_id", "account_id"),
        Index("ix_signing_credential_fingerprint", "fingerprint"),
        Index("uq_signing_credential_active", "account_id", unique=True,
              postgresql_where=text("active"), sqlite_where=text("active")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_signing_credential_account_id"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    label: Mapped[str | None] = mapped_column(String(200))
    #: The X.509 certificate (DER), public.
    certificate: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    subject: Mapped[str] = mapped_column(String(500), nullable=False)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    #: Serial number in hexadecimal.
    serial: Mapped[str] = mapped_column(String(64), nullable=False)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: SHA-256 of the certificate DER, hexadecimal.
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    #: ``kind == "pkcs12"``: the PKCS#12 file as uploaded (still under its own passphrase), encrypted again.
    pkcs12: Mapped[bytes | None] = mapped_column(EncryptedBytes())
    #: ``kind == "pkcs11"``: the module (shared library), the token label and the key label on it.
    pkcs11_module: Mapped[str | None] = mapped_column(String(300))
    pkcs11_token: Mapped[str | None] = mapped_column(String(100))
    pkcs11_key: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_signing_credential_created_by_id")
    )
    #: When the certificate was revoked (``flask pki revoke``); a revoked credential never signs again.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When an upload replaced it (it stays for history, inactive).
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account = relationship("Account", foreign_keys=[account_id])

    def __repr__(self) -> str:
        """Never the key material: kind, account and certificate subject."""
        return f"<SigningCredential {self.id} {self.kind} account={self.account_id} {self.subject!r}>"

    def __str__(self) -> str:
        """The certificate subject (for the change log)."""
        return self.subject or ""

    @property
    def kind_label(self) -> str:
        """The kind in Vietnamese."""
        return str(CREDENTIAL_KINDS.get(self.kind, self.kind))
