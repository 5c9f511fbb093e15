"""One storage interface for the files the app keeps outside the database (issue 20, item 3).

Three areas, each one :class:`Storage`:

- ``uploads``: the attachment store (``attachments/<2 chars>/<random name>``), what the backups collect;
- ``exports``: the result files of the background exports (a unit's SYLL ZIP, the people/report workbooks);
- ``imports``: the bulk import's kept uploads and their error reports.

Two backends, chosen by ``STORAGE_BACKEND``:

- ``local`` (the embedded default): directories — ``UPLOAD_FOLDER``; ``EXPORT_FOLDER`` (else
  ``<instance>/exports``); ``IMPORT_FOLDER`` (else ``<UPLOAD_FOLDER>/imports``): today's layout, unchanged;
- ``s3``: one S3-compatible bucket (``S3_ENDPOINT_URL``, ``S3_BUCKET``, ``S3_ACCESS_KEY``, ``S3_SECRET_KEY``,
  ``S3_REGION``), keys ``<S3_PREFIX><area>/<key>``, so that web nodes and workers share nothing but
  PostgreSQL, Redis and the bucket.

Everything streams (exports run to hundreds of MB): writes read their source in chunks (multipart upload on
S3), reads hand back a file-like stream, and files that a library must build on disk (XlsxWriter, a ZIP, an
error report) are built in :meth:`Storage.scratch_dir` and published with :meth:`Storage.put_file`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, send_file

__all__ = ["AREAS", "ATTACHMENTS", "BACKUPS", "EXPORTS", "IMPORTS", "LocalStorage", "Missing", "ObjectInfo",
           "S3Storage", "Storage", "Stored", "get_storage", "parse_s3_url", "s3_client", "send_stored"]

ATTACHMENTS, EXPORTS, IMPORTS = "uploads", "exports", "imports"
AREAS = (ATTACHMENTS, EXPORTS, IMPORTS)
#: The backup archives' area: not one of :data:`AREAS` (its backend is ``BACKUP_STORAGE``, its directory
#: ``BACKUP_DIR``, chosen by ``app.services.backups``), but the same key layout in a bucket: ``<S3_PREFIX>backups/``.
BACKUPS = "backups"
#: Bytes read or written at a time.
CHUNK = 1024 * 1024


class Missing(FileNotFoundError):
    """No object under this key."""


@dataclass(frozen=True)
class Stored:
    """What a write stored: its size and SHA-256 (hex)."""
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object: key (relative to the area), size, last change (POSIX seconds)."""
    key: str
    size: int
    modified: float


def check_key(key: str) -> str:
    """A relative ``a/b/c`` key, never absolute, never with ``..`` or empty parts (ValueError otherwise)."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"bad storage key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"bad storage key {key!r}")
    return key


class _Hashing:
    """A read-only stream that counts and hashes what is read through it."""

    def __init__(self, raw):
        self.raw, self.size, self.digest = raw, 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.size += len(data)
        self.digest.update(data)
        return data


class Storage:
    """The interface: put (bytes or a stream, with SHA-256), open as a stream, exists, delete, list by prefix,
    size; and the helpers every backend shares."""

    area: str

    # -- backend primitives
    def put(self, key: str, data: bytes | BinaryIO) -> Stored:
        """Store ``data`` (bytes, or a binary stream read in chunks) under ``key``, replacing any object."""
        raise NotImplementedError

    def put_file(self, key: str, path: str, move: bool = True) -> Stored:
        """Store the local file ``path`` under ``key`` (``move``: the file is gone afterwards)."""
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object (:class:`Missing` when there is none); close it (``with``)."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove the object (nothing when it is not there)."""
        raise NotImplementedError

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        raise NotImplementedError

    def size(self, key: str) -> int:
        """Size in bytes (:class:`Missing` when there is none)."""
        raise NotImplementedError

    def local_path(self, key: str) -> str | None:
        """The object's path on this machine's disk when the backend is a directory, else None."""
        return None

    def scratch_dir(self) -> str:
        """A local directory (created) where partial files are built before :meth:`put_file`."""
        raise NotImplementedError

    @property
    def location(self) -> str:
        """Where the area lives, for logs and pages (a directory, or ``s3://bucket/prefix``)."""
        raise NotImplementedError

    # -- shared helpers
    def chunks(self, key: str, size: int = CHUNK) -> Iterator[bytes]:
        """The object's bytes, ``size`` at a time."""
        with self.open(key) as fh:
            while data := fh.read(size):
                yield data

    def sha256(self, key: str) -> str:
        """The object's SHA-256 (hex), read as a stream."""
        digest = hashlib.sha256()
        for data in self.chunks(key):
            digest.update(data)
        return digest.hexdigest()

    def read_bytes(self, key: str) -> bytes:
        """The whole object: only for small ones (tests, manifests)."""
        with self.open(key) as fh:
            return fh.read()

    @contextmanager
    def local_copy(self, key: str, suffix: str = "") -> Iterator[str]:
        """A path on this machine's disk holding the object for the ``with`` block (libraries that need a
        seekable file: openpyxl); a directory backend hands its own file, the others a temporary copy."""
        path = self.local_path(key)
        if path is not None:
            if not os.path.isfile(path):
                raise Missing(key)
            yield path
            return
        fd, tmp = tempfile.mkstemp(suffix=suffix, dir=self.scratch_dir())
        try:
            with os.fdopen(fd, "wb") as out, self.open(key) as src:
                shutil.copyfileobj(src, out, CHUNK)
            yield tmp
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


class LocalStorage(Storage):
    """A directory: the object ``a/b`` is the file ``<root>/a/b``; writes go to a hidden partial file first and
    are renamed into place (a reader never sees half a file)."""

    def __init__(self, area: str, root: str):
        self.area, self.root = area, os.path.abspath(root)

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def local_path(self, key: str) -> str | None:
        return self._path(key)

    def scratch_dir(self) -> str:
        os.makedirs(self.root, exist_ok=True)
        return self.root

    @property
    def location(self) -> str:
        return self.root

    def put(self, key: str, data: bytes | BinaryIO) -> Stored:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        part = os.path.join(os.path.dirname(path), f".{uuid.uuid4().hex}.part")
        digest, size = hashlib.sha256(), 0
        try:
            with open(part, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                    digest.update(data)
                    size = len(data)
                else:
                    while chunk := data.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            os.replace(part, path)
        except BaseException:
            if os.path.exists(part):
                os.remove(part)
            raise
        return Stored(key, size, digest.hexdigest())

    def put_file(self, key: str, path: str, move: bool = True) -> Stored:
        target = self._path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        if move:
            os.replace(path, target)
        else:
            shutil.copyfile(path, target)
        return Stored(key, os.path.getsize(target), digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Missing(key) from None

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def delete(self, key: str) -> None:
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass

    def size(self, key: str) -> int:
        try:
            return os.path.getsize(self._path(key))
        except FileNotFoundError:
            raise Missing(key) from None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        yield from self._list(self.root, "", prefix)

    def _list(self, folder: str, base: str, prefix: str) -> Iterator[ObjectInfo]:
        """Depth first, in the order of the full keys (as S3 lists them: ``a/b/c`` before ``a/c``); symbolic
        links are not followed; only folders that can hold a key with ``prefix`` are entered."""
        try:
            with os.scandir(folder) as it:
                entries = [(e.name + ("/" if e.is_dir(follow_symlinks=False) else ""), e) for e in it]
        except (FileNotFoundError, NotADirectoryError):
            return
        for name, entry in sorted(entries, key=lambda pair: pair[0]):
            key = base + name
            if name.endswith("/"):
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._list(entry.path, key, prefix)
            elif key.startswith(prefix) and entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                yield ObjectInfo(key, st.st_size, st.st_mtime)


class _Body:
    """An S3 object's body as a closable binary stream (``with`` works)."""

    def __init__(self, body):
        self._body = body

    def read(self, n: int = -1) -> bytes:
        return self._body.read(None if n is None or n < 0 else n)

    def close(self) -> None:
        self._body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        return iter(lambda: self.read(CHUNK), b"")


class S3Storage(Storage):
    """An S3-compatible bucket (boto3): the object ``a/b`` of an area is ``<prefix><area>/a/b``; large writes are
    multipart uploads read in chunks (boto3's managed transfer), reads stream the body."""

    def __init__(self, area: str, client, bucket: str, prefix: str = "", scratch: str | None = None,
                 base: str | None = None):
        self.area, self.client, self.bucket = area, client, bucket
        #: The key prefix of the area's objects (``base``, when given, replaces ``<prefix><area>/``: an object
        #: named by its full URL, see :func:`parse_s3_url`).
        self.base = f"{prefix}{area}/" if base is None else base
        self._scratch = scratch or os.path.join(tempfile.gettempdir(), "cbccvc-storage", area)

    def _key(self, key: str) -> str:
        return self.base + check_key(key)

    def scratch_dir(self) -> str:
        os.makedirs(self._scratch, exist_ok=True)
        return self._scratch

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.base}"

    @staticmethod
    def _missing(exc) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes | BinaryIO) -> Stored:
        if isinstance(data, bytes | bytearray | memoryview):
            data = bytes(data)
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
            return Stored(key, len(data), hashlib.sha256(data).hexdigest())
        reader = _Hashing(data)
        self.client.upload_fileobj(reader, self.bucket, self._key(key), Config=_transfer_config())
        return Stored(key, reader.size, reader.digest.hexdigest())

    def put_file(self, key: str, path: str, move: bool = True) -> Stored:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        size = os.path.getsize(path)
        # A file on disk: the managed transfer reads its parts from the file (seekable), nothing held whole.
        self.client.upload_file(path, self.bucket, self._key(key), Config=_transfer_config())
        if move:
            os.remove(path)
        return Stored(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return _Body(self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"])
        except ClientError as exc:
            if self._missing(exc):
                raise Missing(key) from None
            raise

    def _head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise Missing(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.base + prefix):
            for obj in page.get("Contents", ()):
                yield ObjectInfo(obj["Key"][len(self.base):], int(obj["Size"]), obj["LastModified"].timestamp())


def _transfer_config():
    """Multipart above 8 MB, 8 MB parts, at most 4 at a time: a stream's upload holds at most ~32 MB."""
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=8 * CHUNK, multipart_chunksize=8 * CHUNK, max_concurrency=4)


_clients: dict[tuple, object] = {}
_lock = threading.Lock()


def parse_s3_url(url: str) -> tuple[str, str, str] | None:
    """``s3://bucket/dir/name`` -> (bucket, ``dir/``, ``name``); None when ``url`` is not such a URL."""
    if not url.startswith("s3://"):
        return None
    bucket, _sep, key = url[len("s3://"):].partition("/")
    folder, _sep, name = key.rpartition("/")
    if not bucket or not name:
        return None
    try:
        check_key(key)
    except ValueError:
        return None
    return bucket, f"{folder}/" if folder else "", name


def s3_client(config=None) -> object:
    """The boto3 client of the configured S3-compatible endpoint (``S3_ENDPOINT_URL``, ``S3_ACCESS_KEY``, …)."""
    return _s3_client(config if config is not None else current_app.config)


def _s3_client(config) -> object:
    """One boto3 client per process and settings (clients are thread-safe; a forked process makes its own)."""
    import boto3
    from botocore.config import Config

    key = (os.getpid(), config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"), config.get("S3_ACCESS_KEY"),
           config.get("S3_SECRET_KEY"))
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = boto3.session.Session().client(
                "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                region_name=config.get("S3_REGION") or "us-east-1",
                aws_access_key_id=config.get("S3_ACCESS_KEY") or None,
                aws_secret_access_key=config.get("S3_SECRET_KEY") or None,
                # Path-style URLs for a self-hosted endpoint (MinIO, Ceph, moto); AWS picks its own style.
                config=Config(retries={"max_attempts": 5, "mode": "standard"},
                              s3={"addressing_style": "path" if config.get("S3_ENDPOINT_URL") else "auto"}))
            _clients[key] = client
        return client


def local_root(area: str, config=None) -> str:
    """The directory of ``area`` for the local backend (today's folders)."""
    config = config if config is not None else current_app.config
    if area == ATTACHMENTS:
        return config["UPLOAD_FOLDER"]
    if area == EXPORTS:
        return config.get("EXPORT_FOLDER") or os.path.join(current_app.instance_path, "exports")
    if area == IMPORTS:
        return config.get("IMPORT_FOLDER") or os.path.join(config["UPLOAD_FOLDER"], "imports")
    raise ValueError(f"unknown storage area {area!r}")


def get_storage(area: str) -> Storage:
    """The configured :class:`Storage` of ``area`` (:data:`ATTACHMENTS`, :data:`EXPORTS`, :data:`IMPORTS`)."""
    if area not in AREAS:
        raise ValueError(f"unknown storage area {area!r}")
    config = current_app.config
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        scratch = config.get("STORAGE_SCRATCH_DIR")
        return S3Storage(area, _s3_client(config), config["S3_BUCKET"], config.get("S3_PREFIX") or "",
                         os.path.join(scratch, area) if scratch else None)
    if backend != "local":
        raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r} (local, s3)")
    return LocalStorage(area, local_root(area, config))


def send_stored(store: Storage, key: str, mimetype: str, download_name: str):
    """A download response of the object (streamed; a directory backend's file through ``send_file``)."""
    path = store.local_path(key)
    if path is not None:
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
    size = store.size(key)
    resp = send_file(store.open(key), mimetype=mimetype, as_attachment=True, download_name=download_name,
                     max_age=0, etag=False, conditional=False)
    resp.content_length = size
    return resp
