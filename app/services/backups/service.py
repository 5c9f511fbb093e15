"""Backups (issue 20; HN-11.1, HN-11.2, HCM-10.1, HCM-10.2, HCM-4.2): make an encrypted archive, restore it into an
empty database, prove it restores, keep what the retention rule says.

**What an archive holds** (``archive.py`` for the format and its encryption):

- ``database.dump``: ``pg_dump -Fc`` of the whole database, streamed from the process into the archive;
- ``uploads/…``: every file of the attachment store (``app.storage``: ``UPLOAD_FOLDER``, or the S3-compatible
  bucket's ``uploads/`` with the import uploads) — ``attachments/``, the proofs of the files, and anything else
  stored there, listed and read through the storage interface; exports (``EXPORT_FOLDER``) are left out: they
  are re-made on demand and deleted after ``EXPORT_RETENTION_HOURS``;
- ``pki/…``: the signing material that is not in the database — the files of ``PKI_DIR`` (the development CA's
  certificates, keys and CRL; its ``fonts/`` cache is left out) and the production trust roots and CRLs named by
  ``PKI_TRUST_ROOTS``/``PKI_CRLS`` (``pki/trust/…``, ``pki/crls/…``). The users' PKCS#12 certificates are in the
  database, encrypted;
- ``files.jsonl``: one line per file (name, size, SHA-256), and ``manifest.json``: the app version and schema
  revision, every table's row count and checksum (computed by the server in the dump's own snapshot:
  ``postgres.py``), the files' count, bytes and digest, and the key ids needed: the backup key's id, the kids of the
  field-encryption key ring with their public fingerprints and the kids the data is encrypted under.

The field-encryption keys are **not** in the archive: reading a restored database needs the key ring
(``ENCRYPTION_KEYS``, ``BLIND_INDEX_KEY``) kept apart from the backup key, so one leaked key never opens everything.

**Restore** authenticates the whole archive first (a tampered, truncated or foreign archive is refused before
anything is written), refuses a database that is not empty, restores the dump in one transaction, writes the files
where asked, and compares the restored tables with the manifest. **Verify** does the same into a scratch database it
drops afterwards, hashing the files without writing them, and also checks every attachment row's SHA-256 against
the archived file and decrypts a sample of each encrypted column; the result is recorded on the backup's row, and a
failure alerts Sở Nội vụ's administrators (the bell, e-mail) and the app log.

**Where archives are kept** (``backup_store``): ``BACKUP_STORAGE=local`` the directory ``BACKUP_DIR``;
``BACKUP_STORAGE=s3`` an S3-compatible bucket (``BACKUP_S3_BUCKET``, else ``S3_BUCKET``; keys
``<S3_PREFIX>backups/<name>``). Unset, it follows ``STORAGE_BACKEND``: a deployment whose files are in a bucket
keeps its archives there too (no node keeps state). The archive is written to a local partial file (mode 0600, in
``BACKUP_DIR`` or the scratch folder) and renamed into place or uploaded (multipart) when complete, then the local
copy is gone; the ``backup`` row's ``location`` is the directory or ``s3://bucket/<prefix>backups/``.
``restore``, ``verify`` and ``inspect`` take a path or an ``s3://bucket/key`` URL (downloaded once to a temporary
file in the scratch folder, removed afterwards); ``prune`` deletes from where each archive is.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from app.crypto import DecryptionError, decrypt, encrypted_columns, key_usage, keyring
from app.extensions import db
from app.services.backups import postgres
from app.services.backups.archive import (
    DUMP,
    FILE,
    LIST,
    MANIFEST,
    ArchiveFault,
    ArchiveReader,
    ArchiveWriter,
    key_id,
)
from app.services.backups.retention import Kept, prune_plan
from app.services.errors import NotFoundError, ServiceError, ValidationError, use_case
from app.storage import (
    ATTACHMENTS,
    BACKUPS,
    IMPORTS,
    LocalStorage,
    Missing,
    S3Storage,
    Storage,
    get_storage,
    parse_s3_url,
    s3_client,
)
from app.workflow import TZ, local_today
from models.backups import Backup

__all__ = [
    "ArchiveRefused",
    "RestoreReport",
    "archive_path",
    "backup_dir",
    "backup_keys",
    "backup_store",
    "backups_this_month",
    "create_backup",
    "inspect_archive",
    "latest_backup",
    "list_backups",
    "manifest_text",
    "prune_backups",
    "restore_backup",
    "stored_files",
    "verify_backup",
]

log = logging.getLogger(__name__)

FORMAT = "cbccvc-backup"
DUMP_NAME = "database.dump"
LIST_NAME = "files.jsonl"
MANIFEST_NAME = "manifest.json"
UPLOADS = "uploads/"
PKI = "pki/"
SUFFIX = ".cbbk"
_READ = 1 << 20


class ArchiveRefused(ServiceError):
    """The archive cannot be used: not an archive, wrong key, tampered, truncated, inconsistent."""

    status = 400


# --------------------------------------------------------------------------- keys


def _decode(name: str, value: str) -> bytes:
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ValidationError({"key": [_("%(name)s phải là khoá 32 byte mã hoá base64 (tạo bằng lệnh "
                                         "«flask backup new-key»).", name=name)]})
    return key


def backup_keys() -> tuple[bytes, list[bytes]]:
    """(the active backup key, every backup key that may open an archive). Refused when ``BACKUP_KEY`` is missing,
    malformed, or equal to a field-encryption key (HN-11.2: the backups have their own key)."""
    config = current_app.config
    if not config.get("BACKUP_KEY"):
        raise ValidationError({"key": [_("Chưa cấu hình khoá sao lưu BACKUP_KEY.")]})
    active = _decode("BACKUP_KEY", config["BACKUP_KEY"])
    old = [_decode("BACKUP_OLD_KEYS", v) for v in (config.get("BACKUP_OLD_KEYS") or "").split(",") if v.strip()]
    try:
        ring = keyring()
        field_keys = set(ring.keys.values()) | {ring.blind_key}
    except RuntimeError:
        field_keys = set()
    if active in field_keys or field_keys.intersection(old):
        raise ValidationError({"key": [_("Khoá sao lưu phải khác khoá mã hoá dữ liệu.")]})
    return active, [active, *old]


def _fingerprint(key: bytes) -> str:
    """A public fingerprint of a field-encryption key (to tell, at restore, whether the configured key is the same)."""
    return key_id(key)


# --------------------------------------------------------------------------- messages


def _refusal(fault: ArchiveFault) -> ArchiveRefused:
    """The Vietnamese refusal of an archive fault."""
    if fault.reason == "not_archive":
        return ArchiveRefused(_("Tệp này không phải bản sao lưu của hệ thống; không khôi phục."))
    if fault.reason == "wrong_key":
        return ArchiveRefused(_("Khoá sao lưu không đúng: bản sao lưu được mã hoá bằng khoá có mã %(kid)s, không "
                                "phải khoá đã cấu hình; không khôi phục.", kid=fault.key_id or "?"))
    if fault.reason == "truncated":
        return ArchiveRefused(_("Bản sao lưu bị cắt cụt (thiếu phần cuối); không khôi phục."))
    if fault.reason == "damaged":
        return ArchiveRefused(_("Bản sao lưu bị cắt cụt hoặc bị sửa đổi (phần cuối không xác thực được); "
                                "không khôi phục."))
    return ArchiveRefused(_("Bản sao lưu đã bị sửa đổi hoặc hỏng (dữ liệu không xác thực được); không khôi phục."))


# --------------------------------------------------------------------------- what is backed up


def _walk(folder: str, prefix: str, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(archive name, path) of every regular file under ``folder``, in name order (symbolic links not followed)."""
    if not folder or not os.path.isdir(folder):
        return
    for root, dirs, files in os.walk(folder):
        rel_root = os.path.relpath(root, folder)
        dirs[:] = sorted(d for d in dirs if os.path.normpath(os.path.join(rel_root, d)) not in skip
                         and not os.path.islink(os.path.join(root, d)))
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                rel = os.path.normpath(os.path.join(rel_root, name)).replace(os.sep, "/")
                yield prefix + rel, path


def _stored(store: Storage, prefix: str) -> Iterator[tuple[str, Callable[[], Iterator[bytes]]]]:
    """(archive name, reader) of every object of ``store`` (listed and read through ``app.storage``, so a bucket
    is collected like a directory; objects stream, never whole in memory)."""
    for info in store.list():
        if info.key.rsplit("/", 1)[-1].startswith(".") and info.key.endswith(".part"):
            continue  # a write in progress (the local backend's partial file)
        yield prefix + info.key, functools.partial(store.chunks, info.key, _READ)


def stored_files() -> Iterator[tuple[str, Callable[[], Iterator[bytes]]]]:
    """(archive name, reader of its bytes) of the files the app keeps outside the database (see the module's
    docstring). The attachment store is ``app.storage``'s ``uploads`` area (``UPLOAD_FOLDER``, or the bucket); with
    a bucket the kept import uploads (in ``UPLOAD_FOLDER/imports`` with the local backend) come as
    ``uploads/imports/…`` too, so a restore lays out the same tree either way."""
    config = current_app.config
    yield from _stored(get_storage(ATTACHMENTS), UPLOADS)
    if (config.get("STORAGE_BACKEND") or "local").lower() == "s3":
        yield from _stored(get_storage(IMPORTS), f"{UPLOADS}imports/")
    for name, path in _walk(config.get("PKI_DIR"), PKI, skip=("fonts",)):
        yield name, functools.partial(_read_file, path)
    for key, sub in (("PKI_TRUST_ROOTS", "trust/"), ("PKI_CRLS", "crls/")):
        for index, path in enumerate(config.get(key) or []):
            if os.path.isfile(path):
                yield f"{PKI}{sub}{index}-{os.path.basename(path)}", functools.partial(_read_file, path)


def _read_file(path: str) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while data := fh.read(_READ):
            yield data


def _app_version() -> str:
    try:
        import tomllib

        with open(os.path.join(current_app.root_path, os.pardir, "pyproject.toml"), "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "?"


def _require_postgres() -> None:
    if db.engine.dialect.name != "postgresql":
        raise ValidationError({"database": [_("Sao lưu và khôi phục chỉ làm được trên PostgreSQL.")]})


def _tools(conn) -> postgres.PgTools:
    try:
        return postgres.PgTools.for_server(postgres.server_major(conn), current_app.config.get("PG_BIN_DIR"))
    except postgres.ToolError as exc:
        raise ValidationError({"tools": [_("Không tìm thấy pg_dump/pg_restore (đặt PG_BIN_DIR).")]}) from exc


class _HashingWriter:
    """A file object that counts and hashes what goes through it."""

    def __init__(self, out: BinaryIO):
        self.out, self.size, self.digest = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.size += len(data)
        self.digest.update(data)
        return len(data)


class _HashingReader:
    """A file object that hashes what is read through it."""

    def __init__(self, source: BinaryIO):
        self.source, self.size, self.digest = source, 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.size += len(data)
        self.digest.update(data)
        return data


# --------------------------------------------------------------------------- create


def _snapshot_facts(conn) -> dict:
    """In the dump's snapshot: the schema revision, every table's count and checksum, the kids in use."""
    postgres.fix_settings(conn)
    tables = postgres.table_checksums(conn)
    revision = conn.execute(text("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version")
                            ).scalar() if "public.alembic_version" in tables else None
    with Session(bind=conn) as session:
        usage = key_usage(session, db.metadata)
    return {"tables": tables, "schema_revision": revision, "keys_in_use": usage,
            "server_version": conn.execute(text("SHOW server_version")).scalar()}


def _key_facts(backup_key: bytes) -> dict:
    ring = keyring()
    return {"backup_key_id": key_id(backup_key), "field_keys": {kid: _fingerprint(k) for kid, k in ring.keys.items()},
            "field_active_key": ring.active, "blind_index_key": _fingerprint(ring.blind_key)}


def _write_archive(out: BinaryIO, backup_key: bytes) -> dict:
    """Write the whole archive into ``out``; returns its manifest."""
    engine_conn = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    writer = ArchiveWriter(out, backup_key)
    try:
        with engine_conn.begin():
            engine_conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = engine_conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            facts = _snapshot_facts(engine_conn)
            tools = _tools(engine_conn)
            dump_size, dump_sha = writer.add(DUMP, DUMP_NAME, tools.dump_stream(db.engine.url, snapshot))
    finally:
        engine_conn.close()
    # After the dump: every file a dumped row names was written before its row was committed.
    count, total, listing = 0, 0, hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=16 * _READ) as lines:
        for name, read in stored_files():
            size, sha = writer.add(FILE, name, read())
            line = json.dumps({"name": name, "size": size, "sha256": sha}, ensure_ascii=False).encode() + b"\n"
            lines.write(line)
            listing.update(line)
            count, total = count + 1, total + size
        lines.seek(0)
        writer.add(LIST, LIST_NAME, iter(lambda: lines.read(_READ), b""))
    manifest = {
        "format": FORMAT, "version": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "app_version": _app_version(),
        "schema_revision": facts["schema_revision"],
        "server_version": facts["server_version"],
        "dump": {"name": DUMP_NAME, "size": dump_size, "sha256": dump_sha},
        "tables": facts["tables"],
        "rows": sum(t["rows"] for t in facts["tables"].values()),
        "files": {"count": count, "bytes": total, "list_sha256": listing.hexdigest()},
        "keys": {**_key_facts(backup_key), "in_use": facts["keys_in_use"]},
    }
    writer.add(MANIFEST, MANIFEST_NAME, [json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()])
    writer.close()
    return manifest


def backup_dir() -> str:
    """``BACKUP_DIR`` (created, mode 0700, when missing)."""
    folder = os.path.abspath(current_app.config.get("BACKUP_DIR")
                             or os.path.join(current_app.instance_path, "backups"))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _storage_kind() -> str:
    config = current_app.config
    return (config.get("BACKUP_STORAGE") or config.get("STORAGE_BACKEND") or "local").lower()


def _scratch(area: str = BACKUPS) -> str | None:
    scratch = current_app.config.get("STORAGE_SCRATCH_DIR")
    return os.path.join(scratch, area) if scratch else None


def backup_store() -> Storage:
    """Where new archives go: ``BACKUP_STORAGE`` (unset: ``STORAGE_BACKEND``) — ``local``: the directory
    ``BACKUP_DIR``; ``s3``: the bucket ``BACKUP_S3_BUCKET`` (else ``S3_BUCKET``) under ``<S3_PREFIX>backups/``."""
    kind = _storage_kind()
    if kind == "s3":
        config = current_app.config
        bucket = config.get("BACKUP_S3_BUCKET") or config.get("S3_BUCKET")
        if not bucket:
            raise ValidationError({"storage": [_("Sao lưu vào bucket S3 cần cấu hình BACKUP_S3_BUCKET hoặc "
                                                 "S3_BUCKET.")]})
        return S3Storage(BACKUPS, s3_client(config), bucket, config.get("S3_PREFIX") or "", _scratch())
    if kind != "local":
        raise ValidationError({"storage": [_("BACKUP_STORAGE phải là «local» hoặc «s3».")]})
    return LocalStorage(BACKUPS, backup_dir())


def _archive_at(location: str) -> tuple[Storage, str]:
    """(the storage holding the archive, its key there) of a path or an ``s3://bucket/key`` URL."""
    parsed = parse_s3_url(location)
    if parsed is not None:
        bucket, base, name = parsed
        return S3Storage(BACKUPS, s3_client(), bucket, scratch=_scratch(), base=base), name
    if location.startswith("s3://"):
        raise ValidationError({"archive": [_("Địa chỉ bản sao lưu %(path)s không hợp lệ (s3://bucket/khoá).",
                                             path=location)]})
    folder, name = os.path.split(os.path.abspath(location))
    return LocalStorage(BACKUPS, folder), name


@contextmanager
def _local_archive(location: str) -> Iterator[str]:
    """A path on this machine holding the archive at ``location`` for the ``with`` block: a path is itself; an
    ``s3://`` URL is downloaded once to a temporary file (mode 0600) of the scratch folder, removed afterwards."""
    if not location.startswith("s3://"):
        yield location
        return
    from botocore.exceptions import BotoCoreError, ClientError

    store, name = _archive_at(location)
    with ExitStack() as stack:
        try:
            path = stack.enter_context(store.local_copy(name, suffix=SUFFIX))
        except Missing:
            raise NotFoundError(_("Không có bản sao lưu %(path)s trong bucket.", path=location)) from None
        except (BotoCoreError, ClientError, OSError) as exc:
            raise ServiceError(_("Không tải được bản sao lưu %(path)s: %(detail)s", path=location,
                                 detail=str(exc))) from exc
        yield path


@use_case
def _record(**values) -> Backup:
    row = Backup(**values)
    db.session.add(row)
    db.session.flush()
    return row


def create_backup(trigger: str = "command") -> Backup:
    """Make one encrypted archive where ``backup_store`` says (``BACKUP_DIR`` or the bucket) and its ``backup`` row
    (HN-11.1, HN-11.2, HCM-10.1/10.2).

    The archive is written under a temporary local name (mode 0600) and renamed into ``BACKUP_DIR`` or uploaded to
    the bucket (then removed) when complete, so a half-written archive is never taken for a backup. A failure (the
    backup key missing or malformed, the bucket unreachable included) removes it, writes a ``failed`` row with the
    reason, alerts Sở Nội vụ's administrators and raises a :class:`ServiceError` with a Vietnamese message."""
    _require_postgres()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"cbccvc-{stamp}-{secrets.token_hex(3)}{SUFFIX}"
    store, partial = None, None
    try:
        store = backup_store()
        partial = os.path.join(store.scratch_dir(), f".{name}.partial")
        backup_key, _keys = backup_keys()  # a key missing or wrong is a failed backup too: recorded and alerted
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            out = _HashingWriter(fh)
            manifest = _write_archive(out, backup_key)
            fh.flush()
            os.fsync(fh.fileno())
        final = store.local_path(name)
        if final is not None:
            os.replace(partial, final)
        else:
            stored = store.put_file(name, partial, move=True)
            if (stored.size, stored.sha256) != (out.size, out.digest.hexdigest()) or store.size(name) != out.size:
                raise ServiceError(_("Bản sao lưu tải lên bucket không khớp với bản đã ghi."))
            final = f"{store.location}{name}"
    except Exception as exc:
        if partial and os.path.exists(partial):
            os.remove(partial)
        db.session.rollback()
        message = _describe(exc)
        log.error("backup failed: %s", message, exc_info=not isinstance(exc, ServiceError))
        location = store.location if store is not None else _storage_kind()
        row = _record(status="failed", location=location, file_name=None, trigger=trigger, message=message)
        _alert(row, _("Sao lưu dữ liệu không thành công: %(reason)s", reason=message))
        raise ServiceError(_("Sao lưu không thành công: %(reason)s", reason=message)) from exc
    row = _record(status="complete", location=store.location, file_name=name, size=out.size,
                  sha256=out.digest.hexdigest(), key_id=manifest["keys"]["backup_key_id"],
                  schema_revision=manifest["schema_revision"], tables=len(manifest["tables"]),
                  rows=manifest["rows"], files=manifest["files"]["count"], trigger=trigger)
    log.info("backup %s written: %s (%s bytes, %s tables, %s files)", row.id, final, out.size,
             len(manifest["tables"]), manifest["files"]["count"])
    return row


def _describe(exc: Exception) -> str:
    if isinstance(exc, ServiceError):
        return "; ".join(exc.messages)
    if isinstance(exc, postgres.ToolError):
        return _("%(tool)s báo lỗi: %(detail)s", tool=exc.tool, detail=exc.stderr or exc.code)
    if isinstance(exc, OSError):
        return _("lỗi ghi tệp: %(detail)s", detail=exc.strerror or str(exc))
    if exc.__class__.__module__.startswith(("botocore", "boto3")):
        return _("lỗi bucket S3: %(detail)s", detail=str(exc) or exc.__class__.__name__)
    return str(exc) or exc.__class__.__name__


# --------------------------------------------------------------------------- read an archive


@dataclass
class ArchiveCheck:
    """What a full pass over an archive found: its manifest, its own SHA-256 and size."""

    manifest: dict
    sha256: str
    size: int
    files: int = 0


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise NotFoundError(_("Không mở được tệp sao lưu %(path)s: %(detail)s", path=path,
                              detail=exc.strerror or str(exc))) from exc


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in name


def inspect_archive(path: str) -> ArchiveCheck:
    """Read the whole archive (a path or an ``s3://`` URL) once, authenticating every chunk and checking its
    structure (dump, files, list, manifest, in this order; every file against its own size and SHA-256 and the list
    against the manifest). :class:`ArchiveRefused` with the reason in Vietnamese otherwise. Nothing is written."""
    with _local_archive(path) as local:
        return _inspect(local)


def _inspect(path: str) -> ArchiveCheck:
    _active, keys = backup_keys()
    with _open(path) as fh:
        source = _HashingReader(fh)
        try:
            manifest, files = _walk_archive(ArchiveReader(source, keys), None)
        except ArchiveFault as fault:
            raise _refusal(fault) from None
    return ArchiveCheck(manifest=manifest, sha256=source.digest.hexdigest(), size=source.size, files=files)


def _walk_archive(reader: ArchiveReader, handle) -> tuple[dict, int]:
    """Go through the records in order, giving each to ``handle(record)`` (None: only read them). Returns the
    manifest and the number of files; :class:`ArchiveFault` or :class:`ArchiveRefused` on anything unexpected."""
    manifest, files, listing, dump_seen, count = None, 0, hashlib.sha256(), False, 0
    expected_dump = None
    for record in reader:
        if manifest is not None:
            raise ArchiveFault("malformed", "records after the manifest")
        if not _safe_name(record.name):
            raise ArchiveFault("malformed", f"record name {record.name!r}")
        if record.kind == DUMP:
            if dump_seen:
                raise ArchiveFault("malformed", "two dumps")
            dump_seen = True
        elif not dump_seen:
            raise ArchiveFault("malformed", "no dump")
        if record.kind == MANIFEST:
            try:
                manifest = json.loads(record.read_all())
            except ValueError:
                raise ArchiveFault("malformed", "manifest") from None
            continue
        if record.kind == LIST:
            for data in record.chunks():
                listing.update(data)
            continue
        if handle is not None:
            handle(record)
        if not record.done:
            record.skip()
        if record.kind == FILE:
            files += 1
        elif record.kind == DUMP:
            expected_dump = (record.size, record.sha256)
        count += 1
    if manifest is None or not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveFault("malformed", "no manifest")
    dump = manifest.get("dump") or {}
    if expected_dump != (dump.get("size"), dump.get("sha256")):
        raise ArchiveRefused(_("Bản sao lưu không khớp với bảng kê của nó (bản kết xuất cơ sở dữ liệu)."))
    listed = manifest.get("files") or {}
    if files != listed.get("count") or listing.hexdigest() != listed.get("list_sha256"):
        raise ArchiveRefused(_("Bản sao lưu không khớp với bảng kê của nó (danh sách tệp)."))
    return manifest, files


# --------------------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    """What a restore (or a verification) found: the manifest's figures, and every difference."""

    manifest: dict
    tables: int = 0
    rows: int = 0
    files: int = 0
    files_written: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.problems


def _empty_target(url: URL) -> tuple[postgres.PgTools, int]:
    """The tools for the target's server and how many objects it holds (0: empty)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _tools(conn), postgres.user_relations(conn)
    except Exception as exc:
        if isinstance(exc, ServiceError):
            raise
        raise ValidationError({"into": [_("Không kết nối được cơ sở dữ liệu đích: %(detail)s",
                                          detail=str(exc).splitlines()[0][:300])]}) from exc
    finally:
        engine.dispose()


def _target_url(raw: str | URL) -> URL:
    try:
        from config import database_url

        url = make_url(database_url(raw)) if isinstance(raw, str) else raw
    except Exception as exc:
        raise ValidationError({"into": [_("Địa chỉ cơ sở dữ liệu đích không hợp lệ.")]}) from exc
    if url.get_backend_name() != "postgresql" or not url.database:
        raise ValidationError({"into": [_("Chỉ khôi phục vào một cơ sở dữ liệu PostgreSQL (postgresql://…/tên).")]})
    return url


def _empty_dir(path: str | None, name: str) -> str | None:
    if not path:
        return None
    path = os.path.abspath(path)
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise ValidationError({name: [_("Thư mục %(path)s phải trống (hoặc chưa có).", path=path)]})
    return path


def _compare_tables(manifest: dict, url: URL) -> tuple[list[str], int, int]:
    """Differences between the manifest's tables and the database at ``url`` (counts and checksums)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            postgres.fix_settings(conn)
            found = postgres.table_checksums(conn)
    finally:
        engine.dispose()
    expected = manifest.get("tables") or {}
    problems = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None:
            problems.append(_("Bảng %(table)s không có trong bảng kê.", table=table))
        elif got is None:
            problems.append(_("Thiếu bảng %(table)s.", table=table))
        elif want["rows"] != got["rows"]:
            problems.append(_("Bảng %(table)s: %(got)s dòng, bảng kê ghi %(want)s dòng.", table=table,
                              got=got["rows"], want=want["rows"]))
        elif want["checksum"] != got["checksum"]:
            problems.append(_("Bảng %(table)s: tổng kiểm tra khác bảng kê.", table=table))
    return problems, len(found), sum(t["rows"] for t in found.values())


def _file_writer(files_dir: str | None, pki_dir: str | None, counter: list[int]):
    """A record handler writing ``uploads/…`` into ``files_dir`` and ``pki/…`` into ``pki_dir`` (each when
    given), with restrictive modes."""

    def handle(record) -> None:
        target = None
        if record.kind == FILE and files_dir and record.name.startswith(UPLOADS):
            target = os.path.join(files_dir, *record.name[len(UPLOADS):].split("/"))
        elif record.kind == FILE and pki_dir and record.name.startswith(PKI):
            target = os.path.join(pki_dir, *record.name[len(PKI):].split("/"))
        if target is None:
            return
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for data in record.chunks():
                out.write(data)
        counter[0] += 1

    return handle


def _restore_into(path: str, keys: list[bytes], url: URL, tools: postgres.PgTools, handle) -> dict:
    """Second pass: the dump into ``url`` (pg_restore), every other record to ``handle``."""

    def each(record) -> None:
        if record.kind == DUMP:
            tools.restore_stream(url, record.chunks())
        elif handle is not None:
            handle(record)

    with _open(path) as fh:
        try:
            manifest, _files = _walk_archive(ArchiveReader(fh, keys), each)
        except ArchiveFault as fault:
            raise _refusal(fault) from None
    return manifest


def restore_backup(path: str, into: str | URL, files_dir: str | None = None,
                   pki_dir: str | None = None) -> RestoreReport:
    """Restore an archive (a path or an ``s3://`` URL) into the EMPTY PostgreSQL database ``into`` (refused
    otherwise), its attachment store into ``files_dir`` and its signing material into ``pki_dir`` (each an empty or
    new directory, when given), then compare every table with the manifest. The archive is authenticated in full
    before anything is written."""
    url = _target_url(into)
    files_dir, pki_dir = _empty_dir(files_dir, "files"), _empty_dir(pki_dir, "pki")
    with _local_archive(path) as local:
        check = _inspect(local)
        tools, objects = _empty_target(url)
        if objects:
            raise ValidationError({"into": [_("Cơ sở dữ liệu đích không trống (%(n)s đối tượng); chỉ khôi phục vào "
                                              "một cơ sở dữ liệu trống.", n=objects)]})
        _active, keys = backup_keys()
        written = [0]
        try:
            _restore_into(local, keys, url, tools, _file_writer(files_dir, pki_dir, written))
        except postgres.ToolError as exc:
            raise ServiceError(_("Khôi phục không thành công: %(detail)s", detail=exc.stderr or exc.code)) from exc
    problems, tables, rows = _compare_tables(check.manifest, url)
    return RestoreReport(manifest=check.manifest, tables=tables, rows=rows, files=check.files,
                         files_written=written[0], problems=problems)


# --------------------------------------------------------------------------- verify


def latest_backup() -> Backup | None:
    """The newest complete archive still stored."""
    return db.session.scalar(select(Backup).where(Backup.status == "complete", Backup.deleted_at.is_(None))
                             .order_by(Backup.created_at.desc(), Backup.id.desc()).limit(1))


def archive_path(row: Backup) -> str:
    """Where a backup row's archive is: its path, or ``s3://bucket/key`` (a failed attempt: the location)."""
    if not row.file_name:
        return row.location
    if row.location.startswith("s3://"):
        return f"{row.location.rstrip('/')}/{row.file_name}"
    return os.path.join(row.location, row.file_name)


class _FileHasher:
    """A record handler for verification: files are read (not written) and their names, sizes and SHA-256 kept
    in a spooled temporary file for the comparison with the attachment rows."""

    def __init__(self):
        self.lines = tempfile.SpooledTemporaryFile(max_size=16 * _READ, mode="w+b")

    def __call__(self, record) -> None:
        if record.kind != FILE:
            return
        record.skip()
        if record.name.startswith(UPLOADS):
            base = record.name.rsplit("/", 1)[-1]
            self.lines.write(f"{base}\t{record.sha256}\t{record.size}\n".encode())


def _check_attachments(conn, hasher: _FileHasher) -> list[str]:
    """Every attachment row's file is in the archive with the row's SHA-256 (one statement over a temporary table
    filled by COPY: no row is loaded into Python)."""
    if not conn.execute(text("SELECT to_regclass('public.attachment') IS NOT NULL")).scalar():
        return []
    conn.execute(text("CREATE TEMPORARY TABLE archived_file (name text, sha256 text, size bigint) ON COMMIT DROP"))
    hasher.lines.seek(0)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert("COPY archived_file FROM STDIN", hasher.lines)
    missing, differ = conn.execute(text(
        "SELECT count(*) FILTER (WHERE f.name IS NULL), count(*) FILTER (WHERE f.sha256 <> a.sha256 "
        "OR f.size <> a.size) FROM attachment a LEFT JOIN archived_file f ON f.name = a.stored_name")).one()
    problems = []
    if missing:
        problems.append(_("%(n)s tệp đính kèm không có trong bản sao lưu.", n=missing))
    if differ:
        problems.append(_("%(n)s tệp đính kèm có mã SHA-256 khác với hồ sơ.", n=differ))
    return problems


def _check_keys(manifest: dict) -> list[str]:
    """The kids the data was encrypted under are in the configured key ring, with the same keys."""
    ring = keyring()
    keys = manifest.get("keys") or {}
    problems = []
    needed = {kid for counts in (keys.get("in_use") or {}).values() for kid in counts}
    for kid in sorted(needed):
        if kid not in ring.keys:
            problems.append(_("Thiếu khoá mã hoá dữ liệu %(kid)s trong cấu hình.", kid=kid))
        elif (keys.get("field_keys") or {}).get(kid) not in (None, _fingerprint(ring.keys[kid])):
            problems.append(_("Khoá mã hoá dữ liệu %(kid)s trong cấu hình khác khoá đã dùng.", kid=kid))
    if keys.get("blind_index_key") not in (None, _fingerprint(ring.blind_key)):
        problems.append(_("Khoá chỉ mục tìm kiếm (BLIND_INDEX_KEY) khác khoá đã dùng."))
    return problems


def _check_encrypted_sample(conn, sample: int) -> list[str]:
    """Decrypt up to ``sample`` values of every encrypted column with the configured key ring."""
    ring = keyring()
    problems = []
    present = {f"{s}.{t}" for s, t in postgres.user_tables(conn)}
    for table, column in encrypted_columns(db.metadata):
        if f"public.{table.name}" not in present:
            continue
        values = conn.execute(text(
            f'SELECT "{column.name}" FROM "{table.name}" WHERE "{column.name}" IS NOT NULL LIMIT :n'), {"n": sample})
        failed = 0
        for (value,) in values:
            try:
                decrypt(bytes(value), ring)
            except DecryptionError:
                failed += 1
        if failed:
            problems.append(_("%(n)s giá trị mã hoá của %(column)s không giải mã được.", n=failed,
                              column=f"{table.name}.{column.name}"))
    return problems


def _verify_server() -> URL:
    raw = current_app.config.get("BACKUP_VERIFY_URL")
    if raw:
        from config import database_url

        return make_url(database_url(raw))
    return db.engine.url


def _verify(path: str) -> RestoreReport:
    """Restore ``path`` (on this machine) into a scratch database, check it against its manifest, drop it."""
    check = _inspect(path)
    _active, keys = backup_keys()
    report = RestoreReport(manifest=check.manifest, files=check.files)
    report.problems += _check_keys(check.manifest)
    server = _verify_server()
    prefix = server.database or "cbccvc"
    hasher = _FileHasher()
    try:
        with postgres.scratch_database(server, prefix) as scratch:
            tools, _objects = _empty_target(scratch)
            try:
                _restore_into(path, keys, scratch, tools, hasher)
            except postgres.ToolError as exc:
                report.problems.append(_("Khôi phục không thành công: %(detail)s", detail=exc.stderr or exc.code))
                return report
            problems, report.tables, report.rows = _compare_tables(check.manifest, scratch)
            report.problems += problems
            engine = create_engine(scratch)
            try:
                with engine.connect() as conn, conn.begin():
                    report.problems += _check_attachments(conn, hasher)
                    report.problems += _check_encrypted_sample(
                        conn, int(current_app.config.get("BACKUP_VERIFY_SAMPLE", 20)))
            finally:
                engine.dispose()
    finally:
        hasher.lines.close()
    return report


@use_case
def _record_verification(backup_id: int | None, ok: bool, message: str) -> Backup | None:
    row = db.session.get(Backup, backup_id) if backup_id else None
    if row is not None:
        row.verified_at = datetime.now(UTC)
        row.verified_ok = ok
        row.message = message[:4000]
    return row


def verify_backup(path: str | None = None) -> tuple[Backup | None, RestoreReport | None, str]:
    """Prove a backup restores: the latest one (or the archive at ``path``) is restored into a scratch database,
    checked against its manifest (row counts, checksums, attachments' SHA-256, a sample of encrypted values
    decrypting, the keys needed), and the scratch database dropped. The result is recorded on the backup's row
    (found by its SHA-256 for a ``path``); a failure alerts Sở Nội vụ's administrators and the log.
    Returns (row or None, report or None when the archive was refused, the message). ``path`` may be an ``s3://``
    URL; the latest backup is read from where it is stored (downloaded once to a temporary file)."""
    _require_postgres()
    if path is None:
        row = latest_backup()
        if row is None:
            raise NotFoundError(_("Chưa có bản sao lưu nào để kiểm tra."))
        path = archive_path(row)
    else:
        row = None
    report, message, looked_up = None, "", row is not None
    try:
        with _local_archive(path) as local:
            try:
                report = _verify(local)
            finally:
                if not looked_up:
                    row, looked_up = _backup_of_file(path, local), True
    except ServiceError as exc:  # refused archive, missing file, keys not configured: a failed verification
        message = "; ".join(exc.messages)
    except Exception as exc:  # a restore tool or the server failed: the verification failed, say why
        log.exception("backup verification of %s failed", path)
        message = _describe(exc)
    else:
        message = ("; ".join(report.problems) if report.problems else
                   _("Khôi phục thử thành công: %(tables)s bảng, %(rows)s dòng, %(files)s tệp khớp với bảng kê.",
                     tables=report.tables, rows=report.rows, files=report.files))
    ok = report is not None and report.ok
    if not looked_up:  # the archive could not be read at all
        row = _backup_of_file(path, None)
    recorded = _record_verification(row.id if row is not None else None, ok, message)
    if ok:
        log.info("backup verified: %s — %s", path, message)
    else:
        log.error("backup verification FAILED: %s — %s", path, message)
        _alert(recorded, _("Kiểm tra bản sao lưu không thành công: %(reason)s", reason=message))
    return recorded, report, message


def _backup_of_file(path: str, local: str | None) -> Backup | None:
    """The backup row of an archive ``path`` (or URL) by its name and, when its copy ``local`` can be read, its
    SHA-256 — if this database knows it."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    row = db.session.scalar(select(Backup).where(Backup.file_name == name).order_by(Backup.id.desc()).limit(1))
    if row is None or not row.sha256 or local is None or not os.path.isfile(local):
        return row
    digest = hashlib.sha256()
    with open(local, "rb") as fh:
        while data := fh.read(_READ):
            digest.update(data)
    return row if digest.hexdigest() == row.sha256 else None


# --------------------------------------------------------------------------- alert, retention, log


@use_case
def _alert(row: Backup | None, title: str) -> int:
    """Tell Sở Nội vụ's administrators that a backup or its verification failed (the bell and e-mail)."""
    from app.services import notifications

    return notifications.backup_failed(row, title)


@use_case
def prune_backups(today: date | None = None) -> list[Backup]:
    """Delete the archives the retention rule lets go (HN-11.1, HCM-10.1: ``retention.prune_plan``), keep their
    rows with ``deleted_at``. Returns the rows pruned."""
    today = today or local_today()
    rows = list(db.session.scalars(select(Backup).where(Backup.status == "complete", Backup.deleted_at.is_(None))))
    kept = [Kept(r.id, r.created_at.astimezone(TZ).date(), r.verified_ok) for r in rows]
    doomed = set(prune_plan(kept, today, int(current_app.config.get("BACKUP_RETENTION_MONTHS", 3))))
    pruned = []
    for row in rows:
        if row.id in doomed:
            path = archive_path(row)
            store, key = _archive_at(path)
            store.delete(key)  # nothing when already gone
            row.deleted_at = datetime.now(UTC)
            pruned.append(row)
            log.info("backup %s pruned by retention: %s", row.id, path)
    _remove_stale_partials()
    return pruned


def _remove_stale_partials(max_age_hours: int = 24) -> None:
    """Remove half-written archives (a process killed while writing) older than ``max_age_hours``."""
    folder = backup_store().scratch_dir()
    limit = datetime.now(UTC).timestamp() - max_age_hours * 3600
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.startswith(".") and name.endswith(SUFFIX + ".partial") and os.path.getmtime(path) < limit:
            os.remove(path)
            log.warning("half-written backup archive removed: %s", path)


def backups_this_month(today: date | None = None) -> int:
    """How many complete backups were made in ``today``'s month (Việt Nam time)."""
    today = today or local_today()
    start = datetime(today.year, today.month, 1, tzinfo=TZ)
    return db.session.scalar(select(func.count()).select_from(Backup).where(
        Backup.status == "complete", Backup.created_at >= start)) or 0


def list_backups():
    """The SELECT of the backup log, newest first (the view pages it)."""
    return select(Backup).order_by(Backup.created_at.desc(), Backup.id.desc())


def manifest_text(manifest: dict) -> str:
    """The manifest as indented JSON (for the command's output)."""
    out = io.StringIO()
    json.dump(manifest, out, ensure_ascii=False, indent=2, sort_keys=True)
    return out.getvalue()
