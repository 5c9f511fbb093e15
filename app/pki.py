"""Certificates for digital signatures: the development CA, trust roots and CRLs, timestamps, certificate checks.

- **Development CA** (``flask pki init-dev``, dev and tests only): a root "CSDL CBCCVC Dev Root CA", a timestamp
  authority certificate (critical EKU timeStamping) and a CRL, as files in ``PKI_DIR``::

      dev-root.pem  dev-root.key.pem  dev-tsa.pem  dev-tsa.key.pem  dev-root.crl.pem

  The keys are in clear (mode 0600): **development only**, as is the demo passphrase :data:`DEV_PASSPHRASE`.
  Certificates it issues carry ``KeyUsage(digitalSignature, nonRepudiation)`` and a CRL distribution point,
  so validators check the dev CRL that ``flask pki revoke`` updates.
- **Trust**: ``PKI_TRUST_ROOTS`` (production roots) + the dev root when present; CRLs: ``PKI_CRLS`` + the dev CRL.
  Files are re-read when they change (modification time), so every process sees a revocation.
- **Timestamps**: ``TSA_URL`` → :class:`HTTPTimeStamper` (production); otherwise the dev TSA signs in-process
  (:class:`DummyTimeStamper`), so PAdES B-T works offline.
- :func:`certificate_problems`: the Vietnamese reasons a certificate may not sign (not yet valid, expired,
  revoked, no nonRepudiation).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp as _asn1_tsp  # noqa: F401 - see below
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app
from flask_babel import gettext as _

__all__ = [
    "DEV_CRL_URL",
    "DEV_PASSPHRASE",
    "DEV_ROOT_CN",
    "DEV_TSA_CN",
    "VN_TZ",
    "DevCA",
    "asn1_cert",
    "asn1_key",
    "cert_info",
    "certificate_problems",
    "common_name",
    "create_dev_ca",
    "crl_revocation",
    "format_time",
    "issue_certificate",
    "known_crls",
    "load_dev_ca",
    "new_key",
    "pkcs12_bytes",
    "pki_dir",
    "refresh_crl",
    "revoke_serial",
    "timestamper",
    "trust_roots",
    "validation_context",
]

DEV_ROOT_CN = "CSDL CBCCVC Dev Root CA"
DEV_TSA_CN = "CSDL CBCCVC Dev TSA"
DEV_ORG = "CSDL CBCCVC (development)"
#: DEV-ONLY passphrase of the PKCS#12 files `flask pki init-dev` makes for the demo accounts.
DEV_PASSPHRASE = "Demo@2026"
#: Written in dev certificates so validators look for a CRL; ``.invalid`` never resolves (the CRL is local).
DEV_CRL_URL = "http://pki.cbccvc.invalid/dev-root.crl"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ROOT_FILE, ROOT_KEY_FILE = "dev-root.pem", "dev-root.key.pem"
TSA_FILE, TSA_KEY_FILE = "dev-tsa.pem", "dev-tsa.key.pem"
CRL_FILE = "dev-root.crl.pem"
CRL_VALIDITY = timedelta(days=365)

# asn1crypto.tsp adds the "tst_info" content type to asn1crypto's CMS map on import; the map's reverse index is
# built once, at the first CMS object parsed (e.g. a PKCS#12 upload). Imported here, first, so timestamps work.

_lock = threading.Lock()
_cache: dict[str, tuple[Any, Any]] = {}


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


def pki_dir() -> Path:
    """The app's ``PKI_DIR`` (dev CA, CRL, font cache)."""
    return Path(current_app.config["PKI_DIR"])


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key (what Vietnamese public CAs issue; ~45 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def asn1_cert(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> asn1_x509.Certificate:
    """The certificate as asn1crypto (what pyHanko takes) from a ``cryptography`` object or DER bytes."""
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    der = cert if isinstance(cert, bytes) else cert.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    """A ``cryptography`` private key as asn1crypto ``PrivateKeyInfo`` (what pyHanko's SimpleSigner takes)."""
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _x509(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    der = cert.dump() if isinstance(cert, asn1_x509.Certificate) else cert
    return x509.load_der_x509_certificate(der)


def common_name(name: x509.Name) -> str:
    """The CN of a name (else its RFC 4514 string)."""
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def format_time(moment: datetime | None) -> str:
    """``dd/mm/YYYY HH:MM:SS`` in Vietnam time (``""`` for None)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S")


def _format_day(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def cert_info(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> dict[str, Any]:
    """What lists show of a certificate: subject, CN, issuer, serial (hex), validity, SHA-256 fingerprint."""
    c = _x509(cert)
    der = c.public_bytes(serialization.Encoding.DER)
    return {
        "subject": c.subject.rfc4514_string()[:500],
        "common_name": common_name(c.subject),
        "issuer": c.issuer.rfc4514_string()[:500],
        "issuer_cn": common_name(c.issuer),
        "serial": format(c.serial_number, "x"),
        "not_before": c.not_valid_before_utc,
        "not_after": c.not_valid_after_utc,
        "fingerprint": hashlib.sha256(der).hexdigest(),
        "der": der,
    }


def _cached(name: str, paths: Iterable[Path], loader: Callable[[], Any]) -> Any:
    """``loader()`` cached per process until one of ``paths`` appears, disappears or changes."""
    stamp = tuple((str(p), p.stat().st_mtime_ns if p.exists() else None) for p in paths)
    with _lock:
        hit = _cache.get(name)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    value = loader()
    with _lock:
        _cache[name] = (stamp, value)
    return value


def _write(path: Path, data: bytes, secret: bool = False) -> None:
    """Write atomically (temp file + rename); ``secret`` files get mode 0600."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------------------------------------------
# The development CA
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevCA:
    """The development root CA and timestamp authority (keys in clear: development and tests only)."""

    directory: Path
    root_cert: x509.Certificate
    root_key: Any
    tsa_cert: x509.Certificate
    tsa_key: Any

    def __repr__(self) -> str:
        """Never the keys."""
        return f"<DevCA {self.directory}>"

    @property
    def crl_path(self) -> Path:
        """The dev CA's CRL file."""
        return self.directory / CRL_FILE


def _key_usage(*, digital_signature=False, content_commitment=False, key_cert_sign=False, crl_sign=False):
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=key_cert_sign, crl_sign=crl_sign, encipher_only=False, decipher_only=False)


def _crl_dp() -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(DEV_CRL_URL)], relative_name=None, reasons=None, crl_issuer=None)])


def create_dev_ca(directory: str | Path | None = None, *, force: bool = False) -> DevCA:
    """Make (or, without ``force``, reuse) the dev root CA, its TSA certificate and an empty CRL in ``directory``."""
    directory = Path(directory) if directory is not None else pki_dir()
    existing = None if force else load_dev_ca(directory)
    if existing is not None:
        refresh_crl(existing)
        return existing
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    root_key = new_key()
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEV_ROOT_CN),
                           x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORG),
                           x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    tsa_key = new_key()
    tsa = (_leaf_builder(root, root_key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEV_TSA_CN),
                                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORG)]),
                         tsa_key.public_key(), now - timedelta(days=1), now + timedelta(days=3650))
           .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .sign(root_key, hashes.SHA256()))
    _write(directory / ROOT_KEY_FILE, _pem_key(root_key), secret=True)
    _write(directory / TSA_KEY_FILE, _pem_key(tsa_key), secret=True)
    _write(directory / TSA_FILE, _pem_cert(tsa))
    _write(directory / ROOT_FILE, _pem_cert(root))
    ca = DevCA(directory, root, root_key, tsa, tsa_key)
    _write_crl(ca, [], number=1)
    return ca


def load_dev_ca(directory: str | Path | None = None) -> DevCA | None:
    """The dev CA of ``directory`` (default ``PKI_DIR``), or None when it was never made."""
    directory = Path(directory) if directory is not None else pki_dir()
    files = [directory / f for f in (ROOT_FILE, ROOT_KEY_FILE, TSA_FILE, TSA_KEY_FILE)]

    def load() -> DevCA | None:
        if not all(f.exists() for f in files):
            return None
        root, root_key, tsa, tsa_key = (f.read_bytes() for f in files)
        return DevCA(directory, x509.load_pem_x509_certificate(root),
                     serialization.load_pem_private_key(root_key, None), x509.load_pem_x509_certificate(tsa),
                     serialization.load_pem_private_key(tsa_key, None))

    return _cached(f"devca:{directory}", files, load)


def _leaf_builder(root: x509.Certificate, root_key, subject: x509.Name, public_key, not_before, not_after):
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(root.subject).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(_crl_dp(), critical=False))


def issue_certificate(ca: DevCA, name: str, *, uid: str | None = None, unit: str | None = None,
                      public_key=None, days: int = 730, not_before: datetime | None = None,
                      not_after: datetime | None = None, non_repudiation: bool = True):
    """Issue a signing certificate from the dev CA; returns ``(certificate, private key or None)``.

    Without ``public_key`` a fresh RSA-2048 key is made and returned; with one (e.g. a key generated on a
    PKCS#11 token) only the certificate is made. ``non_repudiation=False`` and past/future validity exist for
    tests of the refusals.
    """
    key = None
    if public_key is None:
        key = new_key()
        public_key = key.public_key()
    now = datetime.now(UTC)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, " ".join(name.split())[:64] or "?")]
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid[:64]))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, " ".join(unit.split())[:64]))
    attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORG), x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    start = not_before or now - timedelta(minutes=5)
    cert = (_leaf_builder(ca.root_cert, ca.root_key, x509.Name(attrs), public_key, start,
                          not_after or start + timedelta(days=days))
            .add_extension(_key_usage(digital_signature=True, content_commitment=non_repudiation), critical=True)
            .sign(ca.root_key, hashes.SHA256()))
    return cert, key


def pkcs12_bytes(cert: x509.Certificate, key, chain: list[x509.Certificate], passphrase: str,
                 friendly_name: str = "") -> bytes:
    """A PKCS#12 file (AES-256, PBKDF2-SHA256) holding ``key``, ``cert`` and ``chain``, under ``passphrase``."""
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(20000)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256())
                  .build(passphrase.encode("utf-8")))
    return pkcs12.serialize_key_and_certificates((friendly_name or "signer").encode("utf-8"), key, cert, chain,
                                                 encryption)


# --------------------------------------------------------------------------------------------------------------
# Revocation
# --------------------------------------------------------------------------------------------------------------


def _write_crl(ca: DevCA, revoked: list[x509.RevokedCertificate], number: int) -> None:
    now = datetime.now(UTC)
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.root_cert.subject)
               .last_update(now - timedelta(minutes=1)).next_update(now + CRL_VALIDITY)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.root_key.public_key()),
                              critical=False))
    for entry in revoked:
        builder = builder.add_revoked_certificate(entry)
    crl = builder.sign(ca.root_key, hashes.SHA256())
    _write(ca.crl_path, crl.public_bytes(serialization.Encoding.PEM))


def _read_dev_crl(ca: DevCA) -> tuple[list[x509.RevokedCertificate], int]:
    if not ca.crl_path.exists():
        return [], 0
    crl = x509.load_pem_x509_crl(ca.crl_path.read_bytes())
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = 0
    return list(crl), number


def refresh_crl(ca: DevCA) -> None:
    """Re-sign the dev CRL with the same entries and a fresh validity (a stale CRL fails validation)."""
    entries, number = _read_dev_crl(ca)
    _write_crl(ca, entries, number + 1)


def revoke_serial(ca: DevCA, serial: int, when: datetime | None = None) -> bool:
    """Add ``serial`` to the dev CRL (reason keyCompromise unknown: none given); False if already there."""
    entries, number = _read_dev_crl(ca)
    if any(e.serial_number == serial for e in entries):
        return False
    entry = (x509.RevokedCertificateBuilder().serial_number(serial)
             .revocation_date(when or datetime.now(UTC) - timedelta(seconds=1)).build())
    _write_crl(ca, [*entries, entry], number + 1)
    return True


# --------------------------------------------------------------------------------------------------------------
# Trust roots, CRLs, timestamper, validation context
# --------------------------------------------------------------------------------------------------------------


def _load_certs(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _root_paths() -> list[Path]:
    return [Path(p) for p in current_app.config.get("PKI_TRUST_ROOTS") or []] + [pki_dir() / ROOT_FILE]


def _crl_paths() -> list[Path]:
    return [Path(p) for p in current_app.config.get("PKI_CRLS") or []] + [pki_dir() / CRL_FILE]


def trust_roots() -> list[x509.Certificate]:
    """The trusted roots: ``PKI_TRUST_ROOTS`` plus the dev root when ``PKI_DIR`` has one."""
    paths = _root_paths()
    return _cached("roots", paths, lambda: [c for p in paths if p.exists() for c in _load_certs(p.read_bytes())])


def known_crls() -> list[x509.CertificateRevocationList]:
    """The CRLs the app knows: ``PKI_CRLS`` plus the dev CA's."""
    paths = _crl_paths()
    return _cached("crls", paths, lambda: [_load_crl(p.read_bytes()) for p in paths if p.exists()])


def crl_revocation(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> datetime | None:
    """When a known CRL of the certificate's issuer revoked it (None if not revoked or no CRL is known).

    A CRL counts only when its signature verifies with a trusted root that issued it.
    """
    c = _x509(cert)
    issuers = [r for r in trust_roots() if r.subject == c.issuer]
    for crl in known_crls():
        if crl.issuer != c.issuer or not any(crl.is_signature_valid(i.public_key()) for i in issuers):
            continue
        entry = crl.get_revoked_certificate_by_serial_number(c.serial_number)
        if entry is not None:
            return entry.revocation_date_utc
    return None


def certificate_problems(cert: x509.Certificate | asn1_x509.Certificate | bytes,
                         at: datetime | None = None) -> list[str]:
    """Why this certificate may not sign now (Vietnamese messages); empty when it may."""
    c = _x509(cert)
    at = at or datetime.now(UTC)
    problems = []
    if c.not_valid_before_utc > at:
        problems.append(_("Chứng thư số chưa có hiệu lực (có hiệu lực từ ngày %(date)s).",
                          date=_format_day(c.not_valid_before_utc)))
    if c.not_valid_after_utc < at:
        problems.append(_("Chứng thư số đã hết hạn từ ngày %(date)s.", date=_format_day(c.not_valid_after_utc)))
    try:
        usage = c.extensions.get_extension_for_class(x509.KeyUsage).value
        non_repudiation = usage.content_commitment
    except x509.ExtensionNotFound:
        non_repudiation = False
    if not non_repudiation:
        problems.append(_("Chứng thư số không dùng để ký văn bản: thiếu mục đích sử dụng chống chối bỏ "
                          "(nonRepudiation)."))
    revoked = crl_revocation(c)
    if revoked is not None:
        problems.append(_("Chứng thư số đã bị thu hồi từ ngày %(date)s.", date=_format_day(revoked)))
    return problems


def timestamper():
    """The RFC 3161 timestamper: ``TSA_URL`` over HTTP, else the dev TSA in-process; None when neither exists."""
    from pyhanko.sign import timestamps

    url = current_app.config.get("TSA_URL")
    if url:
        key = f"tsa:{url}"
        with _lock:
            hit = _cache.get(key)
        if hit is None:
            hit = (None, timestamps.HTTPTimeStamper(url, timeout=10))
            with _lock:
                _cache[key] = hit
        return hit[1]
    ca = load_dev_ca()
    if ca is None:
        return None
    files = [ca.directory / TSA_FILE, ca.directory / TSA_KEY_FILE, ca.directory / ROOT_FILE]
    return _cached(f"dummytsa:{ca.directory}", files, lambda: timestamps.DummyTimeStamper(
        tsa_cert=asn1_cert(ca.tsa_cert), tsa_key=asn1_key(ca.tsa_key), certs_to_embed=[asn1_cert(ca.root_cert)]))


def validation_context():
    """A fresh pyHanko validation context: the trusted roots, the known CRLs, no network fetching."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[asn1_cert(r) for r in trust_roots()],
                             crls=[asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
                                   for c in known_crls()],
                             allow_fetching=False, revocation_mode="soft-fail")
