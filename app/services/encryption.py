"""Encryption keys of the sensitive columns, as the operator sees them (``flask crypto status|rotate``).

The column type, the key ring and the SQL that counts and rewrites values are in ``app/crypto.py``; this module
runs them on the app's session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData

from app.crypto import KeyRing, key_usage, keyring, rotate
from app.extensions import db

__all__ = ["KeyStatus", "key_status", "rotate_keys"]


@dataclass(frozen=True)
class KeyStatus:
    """The key ring and, per encrypted column (``table.column``), how many values each key id protects."""

    ring: KeyRing
    usage: dict[str, dict[str, int]]


def key_status(metadata: MetaData) -> KeyStatus:
    """The key ring and the values per kid of each encrypted column of ``metadata`` (read only)."""
    ring = keyring()
    return KeyStatus(ring=ring, usage=key_usage(db.session, metadata))


def rotate_keys(metadata: MetaData, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every value of ``metadata``'s encrypted columns under the active key, one commit per batch
    (resumable: see :func:`app.crypto.rotate`); on an error the open batch is rolled back and the error raised."""
    try:
        return rotate(db.session, metadata, batch_size=batch_size)
    except Exception:
        db.session.rollback()
        raise
