"""The backup archive: a record container inside a streamed authenticated encryption (HN-11.2, HCM-10.2).

**Encryption** (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, as Google Tink's
"AES-GCM-HKDF streaming" and age use it), with ``cryptography``'s AES-GCM:

- a header ``MAGIC | version | key id (8 bytes) | salt (32 bytes) | nonce prefix (7 bytes)``;
- the archive key = HKDF-SHA256(backup key, salt, info): a fresh key per archive, so nonces never repeat under a key;
- the plaintext is cut into chunks of :data:`CHUNK` bytes; chunk *i* is sealed with AES-256-GCM under the nonce
  ``prefix | i (4 bytes, big endian) | last`` (``last`` = 1 only for the final chunk, which may be empty) and the
  header as associated data. Reordering, dropping, editing a chunk or the header fails authentication; cutting
  the archive anywhere fails too, because the chunk where it now ends was not sealed as the last one.

The key id is HMAC-SHA256(backup key, "cbccvc-backup key id") cut to 8 bytes: it tells a wrong key from a damaged
archive without revealing anything of the key.

**Records** (the plaintext): ``b"R" | kind (1 byte) | name length (2 bytes) | name (UTF-8) | frames``, a frame being
``length (4 bytes) | data`` and a zero length ending the record; a file record (:data:`FILE`) then carries its size
(8 bytes) and SHA-256 (32 bytes). ``b"E"`` ends the container. Kinds: :data:`DUMP` (``pg_dump -Fc``), :data:`FILE`
(a stored file), :data:`LIST` (the files' list, JSON lines), :data:`MANIFEST` (JSON, last).

Nothing here touches Flask or the database; everything streams (a chunk at a time).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "CHUNK",
    "DUMP",
    "FILE",
    "LIST",
    "MANIFEST",
    "ArchiveFault",
    "ArchiveReader",
    "ArchiveWriter",
    "key_id",
]

MAGIC = b"CBCCVCBK"
VERSION = 1
KEY_ID_SIZE = 8
SALT_SIZE = 32
PREFIX_SIZE = 7
HEADER_SIZE = len(MAGIC) + 1 + KEY_ID_SIZE + SALT_SIZE + PREFIX_SIZE
TAG_SIZE = 16
#: Plaintext bytes per encrypted chunk.
CHUNK = 1 << 20
MAX_CHUNKS = 1 << 32
INFO = b"cbccvc-backup v1 archive key"

DUMP, FILE, LIST, MANIFEST = b"D", b"F", b"L", b"M"
KINDS = frozenset({DUMP, FILE, LIST, MANIFEST})
_FRAME = struct.Struct(">I")
_NAME = struct.Struct(">H")
_TRAILER = struct.Struct(">Q32s")
#: Largest frame a reader accepts (the writer frames at most a chunk).
MAX_FRAME = 4 * CHUNK


class ArchiveFault(Exception):
    """Why an archive cannot be read: ``reason`` is one of ``not_archive``, ``wrong_key``, ``truncated`` (cut at a
    chunk's end), ``damaged`` (ends inside a chunk: cut or edited), ``tampered``, ``malformed``; ``detail`` says
    where."""

    def __init__(self, reason: str, detail: str = "", *, key_id: str | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.key_id = key_id


def key_id(key: bytes) -> str:
    """The public id of a backup key (16 hex digits)."""
    return hmac.new(key, b"cbccvc-backup key id", hashlib.sha256).digest()[:KEY_ID_SIZE].hex()


def _archive_key(key: bytes, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=INFO).derive(key))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ArchiveFault("malformed", "too many chunks")
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class ArchiveWriter:
    """Writes records into ``out`` (a binary file), encrypted under ``key`` (32 bytes); :meth:`close` seals it."""

    def __init__(self, out: BinaryIO, key: bytes):
        if len(key) != 32:
            raise ValueError("the backup key must be 32 bytes")
        salt, prefix = os.urandom(SALT_SIZE), os.urandom(PREFIX_SIZE)
        self.header = MAGIC + bytes([VERSION]) + bytes.fromhex(key_id(key)) + salt + prefix
        self._out = out
        self._aead = _archive_key(key, salt)
        self._prefix = prefix
        self._counter = 0
        self._buffer = bytearray()
        self._closed = False
        out.write(self.header)

    def _write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed by close()
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def _seal(self, chunk: bytes, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, chunk, self.header))
        self._counter += 1

    def _begin(self, kind: bytes, name: str) -> None:
        raw = name.encode("utf-8")
        if kind not in KINDS or len(raw) > 0xFFFF:
            raise ValueError(f"bad record {kind!r} {name!r}")
        self._write(b"R" + kind + _NAME.pack(len(raw)) + raw)

    def _frames(self, data: Iterable[bytes]) -> tuple[int, bytes]:
        size, digest = 0, hashlib.sha256()
        for piece in data:
            for start in range(0, len(piece), CHUNK):
                part = bytes(piece[start:start + CHUNK])
                self._write(_FRAME.pack(len(part)) + part)
                size += len(part)
                digest.update(part)
        self._write(_FRAME.pack(0))
        return size, digest.digest()

    def add(self, kind: bytes, name: str, data: Iterable[bytes]) -> tuple[int, str]:
        """Append one record made of the byte strings of ``data`` (read one at a time); returns its size and
        SHA-256 (hex). A :data:`FILE` record also carries them, so that a reader checks the file by itself."""
        self._begin(kind, name)
        size, digest = self._frames(data)
        if kind == FILE:
            self._write(_TRAILER.pack(size, digest))
        return size, digest.hex()

    def close(self) -> None:
        """End the container and seal the last chunk (the only one sealed as last)."""
        if self._closed:
            return
        self._write(b"E")
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._closed = True


class _Plain:
    """The decrypted byte stream of an archive, read chunk by chunk (each chunk authenticated before use)."""

    def __init__(self, source: BinaryIO, keys: Iterable[bytes]):
        header = source.read(HEADER_SIZE)
        if len(header) < len(MAGIC) + 1 or header[:len(MAGIC)] != MAGIC:
            raise ArchiveFault("not_archive")
        if header[len(MAGIC)] != VERSION:
            raise ArchiveFault("not_archive", f"version {header[len(MAGIC)]}")
        if len(header) < HEADER_SIZE:
            raise ArchiveFault("truncated", "header")
        start = len(MAGIC) + 1
        kid = header[start:start + KEY_ID_SIZE].hex()
        key = next((k for k in keys if hmac.compare_digest(key_id(k), kid)), None)
        if key is None:
            raise ArchiveFault("wrong_key", key_id=kid)
        salt = header[start + KEY_ID_SIZE:start + KEY_ID_SIZE + SALT_SIZE]
        self.key_id = kid
        self.header = header
        self._prefix = header[-PREFIX_SIZE:]
        self._aead = _archive_key(key, salt)
        self._source = source
        self._counter = 0
        self._pending = source.read(CHUNK + TAG_SIZE)
        self._buffer = b""
        self._offset = 0
        self.finished = False

    def _next_chunk(self) -> bool:
        """Decrypt the next chunk into the buffer; False after the last one."""
        if self.finished:
            return False
        sealed = self._pending
        self._pending = self._source.read(CHUNK + TAG_SIZE) if len(sealed) == CHUNK + TAG_SIZE else b""
        last = not self._pending
        if len(sealed) < TAG_SIZE:
            raise ArchiveFault("truncated", f"chunk {self._counter}")
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self.header)
        except InvalidTag:
            raise self._diagnose(sealed, last) from None
        self._counter += 1
        self.finished = last
        self._buffer = self._buffer[self._offset:] + plain
        self._offset = 0
        return True

    def _diagnose(self, sealed: bytes, last: bool) -> ArchiveFault:
        """Why a chunk failed: cut short at a chunk's end (it opens as a middle chunk), ``damaged`` when the file
        ends inside a chunk (cut there, or edited: the two cannot be told apart), else ``tampered``."""
        if last:
            try:
                self._aead.decrypt(_nonce(self._prefix, self._counter, False), sealed, self.header)
                return ArchiveFault("truncated", f"chunk {self._counter}")
            except InvalidTag:
                if len(sealed) < CHUNK + TAG_SIZE:
                    return ArchiveFault("damaged", f"chunk {self._counter}")
        return ArchiveFault("tampered", f"chunk {self._counter}")

    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes; ``ArchiveFault("truncated")`` when the container ends before."""
        while len(self._buffer) - self._offset < n:
            if not self._next_chunk():
                raise ArchiveFault("malformed", "the records end before the container does")
        data = self._buffer[self._offset:self._offset + n]
        self._offset += n
        return data

    def drain(self) -> bytes:
        """What is left after the end mark (must be nothing), reading to the last chunk."""
        rest = self._buffer[self._offset:]
        while self._next_chunk():
            rest += self._buffer
            self._buffer, self._offset = b"", 0
        return rest


class Record:
    """One record being read: its ``kind``, ``name``; :meth:`chunks` yields its data (once), then ``size`` and
    ``sha256`` are set (and, for a file, checked against the record's own trailer)."""

    def __init__(self, plain: _Plain, kind: bytes, name: str):
        self._plain = plain
        self.kind = kind
        self.name = name
        self.size = 0
        self.sha256 = ""
        self.done = False

    def chunks(self) -> Iterator[bytes]:
        """The record's data, frame by frame."""
        if self.done:
            return
        digest = hashlib.sha256()
        while True:
            (length,) = _FRAME.unpack(self._plain.read(_FRAME.size))
            if length == 0:
                break
            if length > MAX_FRAME:
                raise ArchiveFault("malformed", f"frame of {length} bytes in {self.name}")
            data = self._plain.read(length)
            self.size += length
            digest.update(data)
            yield data
        self.sha256 = digest.hexdigest()
        if self.kind == FILE:
            size, sha = _TRAILER.unpack(self._plain.read(_TRAILER.size))
            if size != self.size or sha.hex() != self.sha256:
                raise ArchiveFault("tampered", f"file {self.name}: size or SHA-256 differs from its record")
        self.done = True

    def read_all(self, limit: int = 64 * CHUNK) -> bytes:
        """The whole record (for the small ones: the manifest), at most ``limit`` bytes."""
        out = bytearray()
        for data in self.chunks():
            out += data
            if len(out) > limit:
                raise ArchiveFault("malformed", f"record {self.name} too large")
        return bytes(out)

    def skip(self) -> None:
        """Read past the record's data."""
        for _data in self.chunks():
            pass


class ArchiveReader:
    """Reads the records of an archive in order: ``for record in reader: …`` (consume or skip each before the
    next; unconsumed data is skipped). Raises :class:`ArchiveFault` as soon as anything does not authenticate."""

    def __init__(self, source: BinaryIO, keys: Iterable[bytes]):
        self._plain = _Plain(source, list(keys))
        self.key_id = self._plain.key_id

    def __iter__(self) -> Iterator[Record]:
        record: Record | None = None
        while True:
            if record is not None and not record.done:
                record.skip()
            mark = self._plain.read(1)
            if mark == b"E":
                if self._plain.drain():
                    raise ArchiveFault("malformed", "data after the end mark")
                if not self._plain.finished:
                    raise ArchiveFault("truncated", "end")
                return
            if mark != b"R":
                raise ArchiveFault("malformed", "record mark")
            kind = self._plain.read(1)
            if kind not in KINDS:
                raise ArchiveFault("malformed", f"record kind {kind!r}")
            (length,) = _NAME.unpack(self._plain.read(_NAME.size))
            try:
                name = self._plain.read(length).decode("utf-8")
            except UnicodeDecodeError:
                raise ArchiveFault("malformed", "record name") from None
            record = Record(self._plain, kind, name)
            yield record
