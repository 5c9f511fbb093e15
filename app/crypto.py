"""Field-level encryption: AES-256-GCM under a key ring, a blind index for exact lookup, key rotation.

Design (``design.md`` §3, ``stack-notes.md`` §5.3):

- A value is stored as one blob::

      b"\\x01" + bytes([len(kid)]) + kid (ASCII, 1-16 chars) + nonce (12 bytes) + AES-GCM ciphertext and tag

  The header (version byte, kid length, kid) is the AES-GCM associated data, so a blob cannot be relabelled
  with another kid. Every value gets a fresh random nonce: equal plaintexts give different blobs, so
  encrypted columns cannot be searched or compared in SQL. Exact lookup goes through a separate
  :func:`blind_index` column (HMAC-SHA256 with its own key).
- The key ring (``ENCRYPTION_KEYS``, ``ENCRYPTION_ACTIVE_KEY``, ``BLIND_INDEX_KEY``) holds every key that may
  still be in use; new values are written under the active kid. Rotation: add a key, make it active,
  run ``flask crypto rotate`` (:func:`rotate`), check ``flask crypto status`` (:func:`key_usage`), then retire
  the old key.
- Without ``ENCRYPTION_KEYS`` and without ``DATABASE_URL`` (the embedded SQLite default) the keys come from
  ``instance/keys.json`` (``ENCRYPTION_KEYS_FILE``), created on first use with random keys and mode 0600.
  With ``DATABASE_URL`` set, missing keys are an error: production never runs on generated keys.

Encrypted columns use the :class:`EncryptedText`, :class:`EncryptedBytes` and :class:`EncryptedJSON` types
(stored as ``LargeBinary``/``bytea``; Alembic migrations should declare them as ``sa.LargeBinary()``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
import zlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import (
    Column,
    LargeBinary,
    MetaData,
    Table,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "DecryptionError",
    "EncryptedBytes",
    "EncryptedJSON",
    "EncryptedText",
    "KeyRing",
    "blind_index",
    "decrypt",
    "encrypt",
    "encrypted_columns",
    "generate_key",
    "key_id",
    "key_usage",
    "keyring",
    "mask",
    "reset_keyring",
    "rotate",
]

VERSION = 1
NONCE_SIZE = 12
KEY_SIZE = 32
MAX_KID_LENGTH = 16
EXTENSION_KEY = "cbccvc_keyring"
_KID_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,%d}$" % MAX_KID_LENGTH)


class DecryptionError(ValueError):
    """A blob cannot be decrypted: malformed, unknown or retired kid, or failed authentication tag."""


# --------------------------------------------------------------------------------------------------------------
# Key ring
# --------------------------------------------------------------------------------------------------------------


def generate_key() -> str:
    """Return a fresh random AES-256 key (32 bytes) as standard base64."""
    return base64.b64encode(secrets.token_bytes(KEY_SIZE)).decode("ascii")


def _decode_key(name: str, value: Any) -> bytes:
    """Decode one base64 key and check it is 32 bytes."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        try:
            raw = base64.b64decode(str(value).strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RuntimeError(f"{name}: not valid base64 ({exc})") from None
    if len(raw) != KEY_SIZE:
        raise RuntimeError(f"{name}: key must be {KEY_SIZE} bytes (AES-256), got {len(raw)}")
    return raw


def _parse_keys(value: Any) -> dict[str, Any]:
    """Turn ``ENCRYPTION_KEYS`` (a mapping, or ``"kid1:b64,kid2:b64"``) into an ordered ``{kid: b64}``."""
    if isinstance(value, Mapping):
        return dict(value)
    keys: dict[str, Any] = {}
    for part in str(value).split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, key = part.partition(":")
        if not sep:
            raise RuntimeError("ENCRYPTION_KEYS: expected 'kid:base64key[,kid:base64key…]'")
        kid = kid.strip()
        if kid in keys:
            raise RuntimeError(f"ENCRYPTION_KEYS: kid {kid!r} listed twice")
        keys[kid] = key.strip()
    return keys


class KeyRing:
    """The encryption keys ``{kid: 32-byte key}``, the active kid for new values, and the blind-index key."""

    def __init__(self, keys: Mapping[str, bytes], active: str, blind_key: bytes):
        """Validate and hold the keys. Raise ``RuntimeError`` on a bad kid, key length or active kid."""
        if not keys:
            raise RuntimeError("ENCRYPTION_KEYS: the key ring is empty")
        for kid, key in keys.items():
            if not self.valid_kid(kid):
                raise RuntimeError(
                    f"ENCRYPTION_KEYS: kid {kid!r} must be 1-{MAX_KID_LENGTH} ASCII letters, digits, '_', '-', '.'"
                )
            if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
                raise RuntimeError(f"ENCRYPTION_KEYS: key {kid!r} must be {KEY_SIZE} bytes (AES-256)")
        if active not in keys:
            raise RuntimeError(
                f"ENCRYPTION_ACTIVE_KEY: kid {active!r} is not in ENCRYPTION_KEYS ({', '.join(keys)})"
            )
        if not isinstance(blind_key, bytes | bytearray) or len(blind_key) != KEY_SIZE:
            raise RuntimeError(f"BLIND_INDEX_KEY must be {KEY_SIZE} bytes")
        self.keys: dict[str, bytes] = {kid: bytes(key) for kid, key in keys.items()}
        self.active: str = active
        self.blind_key: bytes = bytes(blind_key)
        self._aead = {kid: AESGCM(key) for kid, key in self.keys.items()}

    def __repr__(self) -> str:
        """Show the kids, never the keys."""
        return f"<KeyRing kids={list(self.keys)} active={self.active!r}>"

    @staticmethod
    def valid_kid(kid: Any) -> bool:
        """Whether ``kid`` is a usable key id: 1-16 ASCII letters, digits, ``_``, ``-`` or ``.``."""
        return isinstance(kid, str) and bool(_KID_RE.match(kid))

    @staticmethod
    def header(kid: str) -> bytes:
        """The blob header for ``kid``: version byte, kid length, kid (also the AES-GCM associated data)."""
        raw = kid.encode("ascii")
        return bytes([VERSION, len(raw)]) + raw

    @property
    def active_header(self) -> bytes:
        """The header of blobs written under the active key."""
        return self.header(self.active)

    def aead(self, kid: str) -> AESGCM:
        """The AES-GCM cipher of ``kid``; ``DecryptionError`` if the kid is not (or no longer) in the ring."""
        try:
            return self._aead[kid]
        except KeyError:
            raise DecryptionError(
                f"key {kid!r} is not in the key ring (unknown or retired); known: {', '.join(self.keys)}"
            ) from None

    @classmethod
    def from_values(cls, keys: Any, active: str | None, blind_key: Any) -> KeyRing:
        """Build a ring from configuration-style values: keys as mapping or string, base64 keys."""
        parsed = _parse_keys(keys)
        if not parsed:
            raise RuntimeError("ENCRYPTION_KEYS is empty")
        decoded = {str(kid): _decode_key(f"ENCRYPTION_KEYS[{kid}]", key) for kid, key in parsed.items()}
        if blind_key in (None, ""):
            raise RuntimeError("BLIND_INDEX_KEY must be set together with ENCRYPTION_KEYS")
        active = active or list(decoded)[-1]
        return cls(decoded, active, _decode_key("BLIND_INDEX_KEY", blind_key))

    @classmethod
    def from_file(cls, path: str) -> KeyRing:
        """Load the ring from a JSON key file, creating it (random keys, mode 0600) when it does not exist.

        File format: ``{"keys": {kid: base64}, "active": kid, "blind_index_key": base64}``. Creation is
        atomic (written to a temporary file, then hard-linked into place), so concurrent processes agree.
        """
        if not os.path.exists(path):
            _create_key_file(path)
        with open(path, encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except ValueError as exc:
                raise RuntimeError(f"{path}: not a valid key file ({exc})") from None
        if not isinstance(data, dict):
            raise RuntimeError(f"{path}: not a valid key file")
        return cls.from_values(data.get("keys") or {}, data.get("active"), data.get("blind_index_key"))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyRing:
        """Build the ring from the app configuration.

        ``ENCRYPTION_KEYS`` (dict kid -> base64, or ``"kid1:b64,kid2:b64"``), ``ENCRYPTION_ACTIVE_KEY`` (default:
        the last listed kid), ``BLIND_INDEX_KEY`` (base64). When ``ENCRYPTION_KEYS`` is unset the key file
        ``ENCRYPTION_KEYS_FILE`` is used; config.py sets it only when ``DATABASE_URL`` is unset (embedded SQLite).
        """
        keys = config.get("ENCRYPTION_KEYS")
        if keys:
            return cls.from_values(keys, config.get("ENCRYPTION_ACTIVE_KEY"), config.get("BLIND_INDEX_KEY"))
        path = config.get("ENCRYPTION_KEYS_FILE")
        if path:
            return cls.from_file(path)
        raise RuntimeError("ENCRYPTION_KEYS must be set when DATABASE_URL is set")


def _create_key_file(path: str) -> None:
    """Write a new key file with random keys, mode 0600, without clobbering one made concurrently."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    kid = "local1"
    content = json.dumps(
        {"keys": {kid: generate_key()}, "active": kid, "blind_index_key": generate_key()}, indent=2
    )
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its keys
    finally:
        os.unlink(tmp)


def keyring() -> KeyRing:
    """The key ring of ``current_app``, built from its config on first use and cached in ``app.extensions``."""
    ring = current_app.extensions.get(EXTENSION_KEY)
    if ring is None:
        ring = KeyRing.from_config(current_app.config)
        current_app.extensions[EXTENSION_KEY] = ring
    return ring


def reset_keyring() -> None:
    """Drop the cached key ring of ``current_app`` (the next call to :func:`keyring` rebuilds it)."""
    current_app.extensions.pop(EXTENSION_KEY, None)


# --------------------------------------------------------------------------------------------------------------
# Blobs
# --------------------------------------------------------------------------------------------------------------


def _split(blob: bytes) -> tuple[bytes, str, bytes, bytes]:
    """Split a blob into (header, kid, nonce, ciphertext); ``DecryptionError`` if it is malformed."""
    blob = bytes(blob)
    if len(blob) < 2 or blob[0] != VERSION:
        raise DecryptionError("not an encrypted value (unknown format version)")
    end = 2 + blob[1]
    if blob[1] == 0 or len(blob) < end + NONCE_SIZE + 16:
        raise DecryptionError("not an encrypted value (truncated)")
    try:
        kid = blob[2:end].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("not an encrypted value (bad key id)") from None
    return blob[:end], kid, blob[end:end + NONCE_SIZE], blob[end + NONCE_SIZE:]


def key_id(blob: bytes) -> str:
    """The kid a blob was encrypted under (``DecryptionError`` if the blob is malformed)."""
    return _split(blob)[1]


def encrypt(data: bytes, ring: KeyRing | None = None) -> bytes:
    """Encrypt ``data`` under the active key with a random nonce; returns header + nonce + ciphertext."""
    ring = ring or keyring()
    header = ring.active_header
    nonce = os.urandom(NONCE_SIZE)
    return header + nonce + ring.aead(ring.active).encrypt(nonce, bytes(data), header)


def decrypt(blob: bytes, ring: KeyRing | None = None) -> bytes:
    """Decrypt a blob with the key named in its header (any key of the ring, active or not)."""
    ring = ring or keyring()
    header, kid, nonce, ciphertext = _split(blob)
    aead = ring.aead(kid)
    try:
        return aead.decrypt(nonce, ciphertext, header)
    except InvalidTag:
        raise DecryptionError(f"decryption failed under key {kid!r} (tampered data or wrong key)") from None


# --------------------------------------------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------------------------------------------


class _Encrypted(TypeDecorator):
    """Base of the encrypted column types: ``LargeBinary`` storage, ``None`` stays ``None``."""

    impl = LargeBinary
    cache_ok = True

    def to_bytes(self, value: Any) -> bytes:  # pragma: no cover - overridden
        """Serialise a Python value to the plaintext bytes."""
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:  # pragma: no cover - overridden
        """Deserialise plaintext bytes to the Python value."""
        raise NotImplementedError

    def process_bind_param(self, value, dialect):
        """Encrypt on the way to the database."""
        if value is None:
            return None
        return encrypt(self.to_bytes(value))

    def process_result_value(self, value, dialect):
        """Decrypt on the way back."""
        if value is None:
            return None
        return self.from_bytes(decrypt(bytes(value)))


class EncryptedText(_Encrypted):
    """A ``str`` stored encrypted (NFC-normalised, UTF-8). Not searchable: add a blind index for lookups."""

    cache_ok = True

    def to_bytes(self, value: Any) -> bytes:
        """NFC-normalise and encode as UTF-8."""
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText expects str, got {type(value).__name__}")
        return unicodedata.normalize("NFC", value).encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        """Decode UTF-8."""
        return data.decode("utf-8")

    @property
    def python_type(self):
        """``str``."""
        return str


class EncryptedBytes(_Encrypted):
    """``bytes`` stored encrypted (e.g. a scanned document or a photo)."""

    cache_ok = True

    def to_bytes(self, value: Any) -> bytes:
        """Bytes as they are."""
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"EncryptedBytes expects bytes, got {type(value).__name__}")
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        """Bytes as they are."""
        return data

    @property
    def python_type(self):
        """``bytes``."""
        return bytes


def _json_default(value: Any) -> Any:
    """JSON fallback: dates and datetimes as ISO strings, ``Decimal`` as a string."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


#: The plaintext of a deflated :class:`EncryptedJSON` value starts with this (JSON text cannot).
_DEFLATED = b"\x00z1"


class EncryptedJSON(_Encrypted):
    """Any JSON value stored encrypted (dates/datetimes become ISO strings and ``Decimal`` strings).

    Like SQLAlchemy's ``JSON``, in-place changes to a dict or list are not detected: assign a new value
    (or use ``flag_modified``).
    """

    cache_ok = True

    def __init__(self, *args: Any, compressed: bool = False, **kwargs: Any):
        """``compressed``: deflate the JSON text before encrypting it (large, repetitive values such as an import's
        staged rows: the database cannot compress what is encrypted). Either form reads back."""
        super().__init__(*args, **kwargs)
        self.compressed = compressed

    def to_bytes(self, value: Any) -> bytes:
        """Serialise with sorted keys, Vietnamese kept as is (deflated behind a marker when ``compressed``)."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default).encode("utf-8")
        return _DEFLATED + zlib.compress(text, 1) if self.compressed else text

    def from_bytes(self, data: bytes) -> Any:
        """Parse the JSON text (inflated first when it carries the marker: JSON text never starts with NUL)."""
        if data.startswith(_DEFLATED):
            data = zlib.decompress(data[len(_DEFLATED):])
        return json.loads(data.decode("utf-8"))


ENCRYPTED_TYPES = (EncryptedText, EncryptedBytes, EncryptedJSON)


# --------------------------------------------------------------------------------------------------------------
# Blind index and masking
# --------------------------------------------------------------------------------------------------------------


def _normalise(value: str, kind: str) -> str:
    """Normalise a value before indexing: CCCD keeps ASCII digits only; other kinds NFC, strip, lower."""
    if kind == "cccd":
        return "".join(c for c in unicodedata.normalize("NFKC", value) if "0" <= c <= "9")
    return unicodedata.normalize("NFC", value).strip().lower()


def blind_index(value: str | None, kind: str = "cccd", ring: KeyRing | None = None) -> str | None:
    """HMAC-SHA256 (hex) of ``kind:normalised value`` with the blind-index key, for exact-match lookup.

    ``"001 200 012 345"`` and ``"001200012345"`` give the same index. ``None``, empty or (for CCCD) digit-less
    values give ``None``. ``kind`` separates the index spaces of different fields (``"cccd"``, ``"phone"`` …).
    """
    if value is None:
        return None
    norm = _normalise(str(value), kind)
    if not norm:
        return None
    ring = ring or keyring()
    return hmac.new(ring.blind_key, f"{kind}:{norm}".encode(), hashlib.sha256).hexdigest()


def mask(value: str | None, keep: int = 3) -> str:
    """Mask a value for lists: the first ``keep`` and last 2 characters, asterisks between.

    ``mask("001200012345", 4) == "0012******45"``; values of ``keep + 2`` characters or fewer are all
    asterisks; ``None`` gives ``""``.
    """
    if value is None:
        return ""
    value = str(value)
    if len(value) <= keep + 2:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep - 2) + value[-2:]


# --------------------------------------------------------------------------------------------------------------
# Operations over the database: usage per kid, rotation
# --------------------------------------------------------------------------------------------------------------


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, Column]]:
    """Every ``(table, column)`` of ``metadata`` whose type is one of the encrypted types."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, ENCRYPTED_TYPES)
    ]


def _raw(column: Column):
    """The column as plain bytes (no decryption on read, no encryption of compared values)."""
    return type_coerce(column, LargeBinary)


def _substr(expr, length: int):
    """``substr(expr, 1, length)`` typed as bytes (PostgreSQL ``bytea`` and SQLite blobs).

    The bounds are inlined, not bound, so the same expression in SELECT and GROUP BY is textually equal.
    """
    return func.substr(expr, literal_column("1"), literal_column(str(int(length))), type_=LargeBinary)


def _kid_of_header(header: bytes) -> str:
    """The kid of a header prefix, or a placeholder for values that are not blobs."""
    if len(header) < 2 or header[0] != VERSION or header[1] == 0 or len(header) != 2 + header[1]:
        return "<invalid>"
    try:
        return header[2:].decode("ascii")
    except UnicodeDecodeError:
        return "<invalid>"


def key_usage(session, metadata: MetaData) -> dict[str, dict[str, int]]:
    """Count the non-null values of each encrypted column per kid: ``{"table.column": {kid: count}}``.

    Counted in SQL without loading rows: first the distinct 2-byte prefixes (version, kid length), then for
    each kid length the distinct headers of that length.
    """
    usage: dict[str, dict[str, int]] = {}
    for table, column in encrypted_columns(metadata):
        raw = _raw(column)
        counts: dict[str, int] = {}
        short = _substr(raw, 2).label("hdr_len")
        prefixes = session.execute(
            select(short, func.count()).select_from(table).where(raw.is_not(None)).group_by(short)
        ).all()
        for prefix, count in prefixes:
            prefix = bytes(prefix or b"")
            if len(prefix) < 2 or prefix[0] != VERSION or prefix[1] == 0:
                counts["<invalid>"] = counts.get("<invalid>", 0) + count
                continue
            head = _substr(raw, 2 + prefix[1]).label("hdr")
            rows = session.execute(
                select(head, func.count()).select_from(table)
                .where(raw.is_not(None), _substr(raw, 2) == bindparam("prefix", prefix, type_=LargeBinary))
                .group_by(head)
            ).all()
            for header, n in rows:
                kid = _kid_of_header(bytes(header or b""))
                counts[kid] = counts.get(kid, 0) + n
        usage[f"{table.name}.{column.name}"] = counts
    return usage


def rotate(session, metadata: MetaData, batch_size: int = 500, ring: KeyRing | None = None) -> dict[str, int]:
    """Re-encrypt under the active key every encrypted value whose kid is another one.

    Table by table, in batches of ``batch_size`` rows ordered by primary key, only rows with at least one
    encrypted column not under the active key (filtered in SQL on the header bytes). Each value is decrypted
    with the ring and re-encrypted under the active key, then written with a Core ``UPDATE`` by primary key
    (no ORM objects: no change-log noise, other columns untouched) guarded by the old blob's header and nonce,
    so a value rewritten concurrently is left alone (and not counted). One commit per batch: after a crash
    every value is under either the old or the new key, both readable, and a second run picks up the rest.
    Returns the values re-encrypted per ``"table.column"``.

    ``RuntimeError`` for a table with encrypted columns but no single-column primary key; ``DecryptionError``
    (naming table, column and row) for a value under a kid that is not in the ring.
    """
    ring = ring or keyring()
    header = ring.active_header
    by_table: dict[Table, list[Column]] = {}
    for table, column in encrypted_columns(metadata):
        by_table.setdefault(table, []).append(column)
    result = {f"{table.name}.{column.name}": 0 for table, columns in by_table.items() for column in columns}

    for table, columns in by_table.items():
        pks = list(table.primary_key.columns)
        if len(pks) != 1:
            raise RuntimeError(f"rotate: table {table.name} has encrypted columns but no single-column primary key")
        pk = pks[0]
        stale = [
            and_(_raw(c) != bindparam(None, b"", type_=LargeBinary), _substr(_raw(c), len(header)) != header)
            for c in columns
        ]
        last = None
        while True:
            stmt = select(pk, *[_raw(c).label(c.name) for c in columns]).where(or_(*stale))
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = session.execute(stmt.order_by(pk).limit(batch_size)).all()
            if not rows:
                break
            for row in rows:
                row_pk, blobs = row[0], row[1:]
                new_values, guards = {}, []
                for column, blob in zip(columns, blobs, strict=True):
                    if blob is None:
                        continue
                    blob = bytes(blob)
                    if not blob or blob.startswith(header):
                        continue
                    try:
                        plain = decrypt(blob, ring)
                    except DecryptionError as exc:
                        raise DecryptionError(f"{table.name}.{column.name} {pk.name}={row_pk}: {exc}") from None
                    new_values[column.name] = encrypt(plain, ring)
                    # header + nonce identify this very write (the nonce is random per encryption)
                    ident = blob[:2 + blob[1] + NONCE_SIZE]
                    guards.append(_substr(_raw(column), len(ident)) == bindparam(None, ident, type_=LargeBinary))
                if not new_values:
                    continue
                upd = (
                    update(table)
                    .where(pk == row_pk, *guards)
                    .values({name: bindparam(None, value, type_=LargeBinary) for name, value in new_values.items()})
                )
                if session.execute(upd).rowcount:
                    for name in new_values:
                        result[f"{table.name}.{name}"] += 1
            last = rows[-1][0]
            session.commit()
    return result
