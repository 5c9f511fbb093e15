"""Signers' credentials: store a PKCS#12 (encrypted) or a PKCS#11 key reference, load a signer, revoke.

Passphrases and PINs are arguments only: never stored, logged, put in an exception or in the change log.
A loaded PKCS#12 signer is cached per process for ``SIGN_SIGNER_CACHE_SECONDS`` under an HMAC of (credential,
certificate, passphrase) with a random per-process key, so the ~35 ms PKCS#12 decryption is paid once per
signing session while a wrong passphrase still never signs.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import pki
from app.audit import log_access, log_security, reason
from app.crypto import blind_index
from app.extensions import db
from app.services.errors import Errors, ForbiddenError, ValidationError, use_case
from app.text import clean
from models.signing import SigningCredential

__all__ = [
    "DEV_LABEL",
    "MAX_PKCS12_BYTES",
    "Signer",
    "active_credential",
    "credential_status",
    "forget_signers",
    "holder_match",
    "issue_dev_credential",
    "list_credentials",
    "load_signer",
    "open_pkcs12",
    "register_pkcs11",
    "revoke_credential",
    "store_pkcs12",
]

log = logging.getLogger(__name__)

MAX_PKCS12_BYTES = 64 * 1024
#: Label of the credentials `flask pki init-dev` issues (it may replace those, never a certificate a user brought).
DEV_LABEL = "dev CA"
_CACHE_SIZE = 64
_process_key = secrets.token_bytes(32)
_signers: OrderedDict[bytes, tuple[float, Any]] = OrderedDict()
_signers_lock = threading.Lock()


@dataclass(eq=False)
class Signer:
    """A key ready to sign: pyHanko's signer, the certificate, whose it is. Close it to end a token session."""

    signer: Any
    certificate: x509.Certificate
    account_id: int | None = None
    kind: str = "pkcs12"
    session: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The certificate's common name (shown in the stamp)."""
        return pki.common_name(self.certificate.subject)

    def close(self) -> None:
        """End the PKCS#11 session, if any."""
        if self.session is not None:
            try:
                self.session.close()
            finally:
                self.session = None

    def __enter__(self) -> Signer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        """Kind, account and certificate subject; never key material."""
        return f"<Signer {self.kind} account={self.account_id} {self.name!r}>"


def forget_signers() -> None:
    """Drop every cached signer of this process."""
    with _signers_lock:
        _signers.clear()


def _now() -> datetime:
    return datetime.now(UTC)


def active_credential(account) -> SigningCredential | None:
    """The account's current credential (revoked or not), or None."""
    if account is None:
        return None
    return db.session.scalar(select(SigningCredential).where(
        SigningCredential.account_id == account.id, SigningCredential.active.is_(True)))


def list_credentials(username: str | None = None, limit: int = 200) -> list[tuple[SigningCredential, str]]:
    """Active credentials with their account's username, by username (``flask pki list``)."""
    from models.accounts import Account

    stmt = (select(SigningCredential, Account.username).join(Account, Account.id == SigningCredential.account_id)
            .where(SigningCredential.active.is_(True)).order_by(Account.username).limit(limit))
    if username:
        stmt = stmt.where(Account.username == username)
    return [(cred, name) for cred, name in db.session.execute(stmt).all()]


def credential_status(cred: SigningCredential | None) -> tuple[str, list[str]]:
    """``(code, messages)``: ``none``, ``revoked``, ``invalid`` (expired, not yet valid, no nonRepudiation,
    revoked by CRL — with the reasons) or ``ok``."""
    if cred is None:
        return "none", [_("Chưa có chứng thư số.")]
    if cred.revoked_at is not None:
        return "revoked", [_("Chứng thư số đã bị thu hồi từ ngày %(date)s.",
                             date=pki.format_time(cred.revoked_at)[:10])]
    problems = pki.certificate_problems(cred.certificate)
    return ("invalid", problems) if problems else ("ok", [])


# --------------------------------------------------------------------------------------------------------------
# PKCS#12
# --------------------------------------------------------------------------------------------------------------


def _looks_like_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        parsed = asn1_pkcs12.Pfx.load(data)
        return parsed["version"].native == "v3" and parsed["auth_safe"]["content_type"].native in ("data",
                                                                                                   "signed_data")
    except Exception:  # noqa: BLE001 - any parse failure means "not a PKCS#12 file"
        return False


def open_pkcs12(data: bytes, passphrase: str | None):
    """``(key, certificate, other certificates)`` of a PKCS#12 file; ValidationError (Vietnamese) when the file
    is not PKCS#12, the passphrase is wrong or missing, or the file lacks a key or a certificate."""
    if not data or not _looks_like_pkcs12(data):
        raise ValidationError({"file": [_("Tệp không phải chứng thư số dạng PKCS#12 (.p12, .pfx).")]})
    if not passphrase:
        raise ValidationError({"passphrase": [_("Hãy nhập mật khẩu của chứng thư số.")]})
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8"))
    except ValueError:
        raise ValidationError({"passphrase": [_("Mật khẩu của chứng thư số không đúng.")]}) from None
    if key is None or cert is None:
        raise ValidationError({"file": [_("Tệp PKCS#12 phải chứa cả khóa bí mật và chứng thư số của người ký.")]})
    return key, cert, list(others or [])


def _same_key(key, cert: x509.Certificate) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == cert.public_key().public_bytes(*fmt)


def _fill_certificate(cred: SigningCredential, cert: x509.Certificate) -> None:
    info = pki.cert_info(cert)
    cred.certificate = info["der"]
    cred.subject, cred.issuer, cred.serial = info["subject"], info["issuer"], info["serial"]
    cred.not_before, cred.not_after, cred.fingerprint = info["not_before"], info["not_after"], info["fingerprint"]


#: The holder's identity number in a subject's UID or serialNumber, as Vietnamese CAs write it
#: ("CCCD:001080012345", "CMND:012345678", "CMT: …", or the bare digits).
_ID_NUMBER = re.compile(r"(?:(?:CCCD|CMND|CMT|CC|CAN ?CUOC|SO ?DINH ?DANH)\s*[:=]?\s*)?(\d{9}|\d{12})", re.I)


def holder_match(account, cert: x509.Certificate) -> str | None:
    """How ``cert``'s subject names ``account``: ``"uid"`` (a UID equal to the username, as the dev CA and an
    internal CA write it), ``"id_number"`` (a UID or serialNumber carrying the CCCD or former CMND of the file
    linked to the account, compared through the blind index), or None when it names someone else."""
    from models.personnel import Person

    username = (getattr(account, "username", None) or "").strip().lower()
    values = [str(attr.value).strip() for attr in cert.subject
              if attr.oid in (NameOID.USER_ID, NameOID.SERIAL_NUMBER)]
    if username and any(value.lower() == username for value in values):
        return "uid"
    indexes = db.session.execute(select(Person.cccd_index, Person.old_id_index).where(
        Person.account_id == getattr(account, "id", None))).first()
    if indexes is None:
        return None
    for value in values:
        found = _ID_NUMBER.fullmatch(value)
        if found and blind_index(found.group(1)) in {i for i in indexes if i}:
            return "id_number"
    return None


def _is_admin(actor) -> bool:
    from app.security import scope
    from app.security.roles import role_config

    for assignment in scope.valid_assignments(actor):
        try:
            if role_config(assignment.role.name)["admin"]:
                return True
        except KeyError:
            continue
    return False


def _operator(actor) -> str:
    """Who acts: the account, or the operating-system user of a command line."""
    if actor is not None:
        return getattr(actor, "username", "?")
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _check_holder(account, cert: x509.Certificate, *, actor, bind_reason: str | None, field_name: str) -> dict | None:
    """Refuse a certificate whose subject does not name ``account`` (logged), unless an administrator binds it
    with a reason: then the facts of the binding (to log once it is stored), else None."""
    if holder_match(account, cert):
        return None
    info = pki.cert_info(cert)
    facts = {"account": account.username, "subject": info["subject"], "serial": info["serial"],
             "fingerprint": info["fingerprint"], "by": _operator(actor)}
    why = clean(bind_reason or "")[:400]
    if not why:
        log_security("certificate_refused", user=account, detail=facts)
        raise ValidationError({field_name: [_(
            "Chứng thư số này không phải của tài khoản %(user)s: chủ thể của chứng thư (%(subject)s) không ghi tên "
            "đăng nhập hoặc số CCCD/CMND của hồ sơ gắn với tài khoản. Nếu đây đúng là chứng thư số của bạn, hãy đề "
            "nghị quản trị hệ thống gắn chứng thư cho tài khoản.", user=account.username, subject=info["subject"])]})
    if actor is not None and not _is_admin(actor):
        raise ForbiddenError(_("Chỉ quản trị hệ thống được gắn chứng thư số của người khác cho một tài khoản."))
    return {**facts, "reason": why}


def _log_binding(cred: SigningCredential, binding: dict | None) -> None:
    if binding is not None:
        log_access("certificate_bound", user=cred.account, object_type="SigningCredential", object_id=cred.id,
                   detail=binding)


def _replace_active(account, cred: SigningCredential) -> SigningCredential:
    """Make ``cred`` the account's only active credential (the previous one stays, inactive, for history)."""
    previous = active_credential(account)
    if previous is not None:
        previous.active = False
        previous.replaced_at = _now()
        db.session.flush()
    cred.account_id = account.id
    cred.active = True
    db.session.add(cred)
    db.session.flush()
    return cred


@use_case
def store_pkcs12(account, data: bytes, passphrase: str | None, *, actor=None, label: str | None = None,
                 bind_reason: str | None = None) -> SigningCredential:
    """Check and store ``account``'s PKCS#12 (replacing its credential): passphrase, key matches certificate,
    validity, nonRepudiation, not revoked, and the certificate's subject names the account (:func:`holder_match`)
    — or an administrator (``actor`` None: the server's command line) binds it with ``bind_reason``, which goes
    to the change log and the access log. The file is kept as uploaded, encrypted; the passphrase is not kept."""
    errors = Errors()
    if not data:
        errors.add("file", _("Hãy chọn tệp chứng thư số (.p12, .pfx)."))
    elif len(data) > MAX_PKCS12_BYTES:
        errors.add("file", _("Tệp chứng thư số lớn hơn %(kb)s KB.", kb=MAX_PKCS12_BYTES // 1024))
    errors.raise_if_any()
    key, cert, _others = open_pkcs12(data, passphrase)
    if not _same_key(key, cert):
        raise ValidationError({"file": [_("Khóa bí mật trong tệp không khớp với chứng thư số.")]})
    problems = pki.certificate_problems(cert)
    if problems:
        raise ValidationError({"file": problems})
    binding = _check_holder(account, cert, actor=actor, bind_reason=bind_reason, field_name="file")
    cred = SigningCredential(kind="pkcs12", pkcs12=bytes(data), label=clean(label)[:200] or None,
                             created_by_id=getattr(actor or account, "id", None))
    _fill_certificate(cred, cert)
    with reason(_bind_note(binding)):
        cred = _replace_active(account, cred)
    _log_binding(cred, binding)
    return cred


def _bind_note(binding: dict | None) -> str | None:
    if binding is None:
        return None
    return _("Quản trị %(by)s gắn chứng thư số không ghi tên tài khoản: %(reason)s", by=binding["by"],
             reason=binding["reason"])


@use_case
def register_pkcs11(account, module: str, token_label: str, key_label: str, certificate: bytes, *,
                    actor=None, label: str | None = None, bind_reason: str | None = None) -> SigningCredential:
    """Make a key on a PKCS#11 token/HSM ``account``'s credential; ``certificate`` is its certificate (DER/PEM),
    whose subject must name the account unless an administrator binds it (as :func:`store_pkcs12`)."""
    errors = Errors()
    if not module or not os.path.isfile(module):
        errors.add("module", _("Không tìm thấy thư viện PKCS#11 %(path)s.", path=module or ""))
    if not clean(token_label):
        errors.add("token", _("Hãy nhập nhãn của thiết bị ký số."))
    if not clean(key_label):
        errors.add("key", _("Hãy nhập nhãn của khóa trên thiết bị ký số."))
    try:
        cert = (x509.load_pem_x509_certificate(certificate) if b"-----BEGIN" in (certificate or b"")
                else x509.load_der_x509_certificate(certificate or b""))
    except ValueError:
        cert = None
        errors.add("certificate", _("Tệp chứng thư số không hợp lệ."))
    errors.raise_if_any()
    problems = pki.certificate_problems(cert)
    if problems:
        raise ValidationError({"certificate": problems})
    binding = _check_holder(account, cert, actor=actor, bind_reason=bind_reason, field_name="certificate")
    cred = SigningCredential(kind="pkcs11", pkcs11_module=module, pkcs11_token=clean(token_label)[:100],
                             pkcs11_key=clean(key_label)[:100], label=clean(label)[:200] or None,
                             created_by_id=getattr(actor or account, "id", None))
    _fill_certificate(cred, cert)
    with reason(_bind_note(binding)):
        cred = _replace_active(account, cred)
    _log_binding(cred, binding)
    return cred


def issue_dev_credential(account, ca: pki.DevCA, passphrase: str = pki.DEV_PASSPHRASE) -> SigningCredential:
    """A dev-CA certificate and PKCS#12 for ``account``, stored as its credential (no commit: the caller
    batches). Development only."""
    unit = getattr(getattr(account, "org_unit", None), "name", None)
    name = getattr(account, "display_name", "") or account.username
    cert, key = pki.issue_certificate(ca, name, uid=account.username, unit=unit)
    blob = pki.pkcs12_bytes(cert, key, [ca.root_cert], passphrase, friendly_name=account.username)
    cred = SigningCredential(kind="pkcs12", pkcs12=blob, label=DEV_LABEL)
    _fill_certificate(cred, cert)
    return _replace_active(account, cred)


@use_case
def revoke_credential(account, *, actor=None) -> SigningCredential:
    """Mark ``account``'s credential revoked: it never signs again (the CRL entry is the CA's business)."""
    cred = active_credential(account)
    if cred is None:
        raise ValidationError({"credential": [_("Tài khoản %(user)s chưa có chứng thư số.",
                                                user=account.username)]})
    if cred.revoked_at is None:
        cred.revoked_at = _now()
    forget_signers()
    log_security("certificate_revoked", user=account, detail={"serial": cred.serial, "by": getattr(
        actor, "username", None)})
    return cred


# --------------------------------------------------------------------------------------------------------------
# Loading a signer
# --------------------------------------------------------------------------------------------------------------


def _refuse(account, reason: str, field_name: str, messages: list[str]):
    log_security("sign_refused", user=account, detail={"reason": reason})
    return ValidationError({field_name: messages})


def load_signer(account, passphrase: str | None = None) -> Signer:
    """The signer of ``account``'s stored credential, after every check; ValidationError (Vietnamese) when
    there is no certificate, the passphrase/PIN is wrong, the certificate is expired or not yet valid, revoked
    (credential or a known CRL), or lacks the nonRepudiation usage."""
    cred = active_credential(account)
    if cred is None:
        raise _refuse(account, "no_certificate", "credential", [_(
            "Tài khoản %(user)s chưa có chứng thư số; hãy tải lên chứng thư số tại mục \"Chứng thư số của tôi\".",
            user=getattr(account, "username", "?"))])
    code, problems = credential_status(cred)
    if code != "ok":
        raise _refuse(account, code, "credential", problems)
    if cred.kind == "pkcs11":
        return _load_pkcs11(account, cred, passphrase)
    return _load_pkcs12(account, cred, passphrase)


def _cache_key(cred: SigningCredential, passphrase: str) -> bytes:
    return hmac.new(_process_key, f"{cred.id}|{cred.fingerprint}|".encode() + passphrase.encode("utf-8"),
                    hashlib.sha256).digest()


def _load_pkcs12(account, cred: SigningCredential, passphrase: str | None) -> Signer:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    if not passphrase:
        raise _refuse(account, "no_passphrase", "passphrase", [_("Hãy nhập mật khẩu của chứng thư số.")])
    cert = x509.load_der_x509_certificate(cred.certificate)
    key_id = _cache_key(cred, passphrase)
    ttl = current_app.config.get("SIGN_SIGNER_CACHE_SECONDS", 300)
    with _signers_lock:
        hit = _signers.get(key_id)
        if hit is not None and hit[0] > time.monotonic():
            _signers.move_to_end(key_id)
            return Signer(hit[1], cert, account.id, "pkcs12")
    try:
        key, p12_cert, others = open_pkcs12(cred.pkcs12 or b"", passphrase)
    except ValidationError as exc:
        log_security("sign_refused", user=account, detail={"reason": "wrong_passphrase"})
        raise exc from None
    if pki.cert_info(p12_cert)["fingerprint"] != cred.fingerprint:
        raise _refuse(account, "mismatch", "credential", [_("Tệp chứng thư số đã lưu không khớp với chứng thư số "
                                                            "đã đăng ký; hãy tải lên lại.")])
    signer = SimpleSigner(signing_cert=pki.asn1_cert(p12_cert), signing_key=pki.asn1_key(key),
                          cert_registry=SimpleCertificateStore.from_certs([pki.asn1_cert(c) for c in others]))
    if ttl > 0:
        with _signers_lock:
            _signers[key_id] = (time.monotonic() + ttl, signer)
            while len(_signers) > _CACHE_SIZE:
                _signers.popitem(last=False)
    return Signer(signer, cert, account.id, "pkcs12")


def _load_pkcs11(account, cred: SigningCredential, pin: str | None) -> Signer:
    from pkcs11 import exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as p11
    from pyhanko.sign.general import SigningError

    pin = pin or os.environ.get(current_app.config.get("PKCS11_PIN_ENV") or "PKCS11_PIN") or None
    if not pin:
        raise _refuse(account, "no_pin", "passphrase", [_("Hãy nhập mã PIN của thiết bị ký số.")])
    try:
        session = p11.open_pkcs11_session(cred.pkcs11_module, token_criteria=TokenCriteria(label=cred.pkcs11_token),
                                          user_pin=pin)
    except (p11_errors.PinIncorrect, p11_errors.PinInvalid, p11_errors.PinLenRange):
        raise _refuse(account, "wrong_pin", "passphrase", [_("Mã PIN của thiết bị ký số không đúng.")]) from None
    except p11_errors.PinLocked:
        raise _refuse(account, "pin_locked", "passphrase", [_("Thiết bị ký số đã bị khóa mã PIN.")]) from None
    except (p11_errors.PKCS11Error, SigningError, OSError, RuntimeError):
        log.warning("PKCS#11 token %r not available for account %s", cred.pkcs11_token, account.id)
        raise _refuse(account, "no_token", "credential", [_("Không kết nối được thiết bị ký số %(token)s.",
                                                            token=cred.pkcs11_token or "")]) from None
    cert = x509.load_der_x509_certificate(cred.certificate)
    chain = [pki.asn1_cert(r) for r in pki.trust_roots() if r.subject == cert.issuer]
    signer = p11.PKCS11Signer(session, key_label=cred.pkcs11_key, signing_cert=pki.asn1_cert(cert),
                              other_certs_to_pull=(), ca_chain=chain)
    return Signer(signer, cert, account.id, "pkcs11", session=session)
