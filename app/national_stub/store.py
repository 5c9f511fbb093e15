"""The stand-in's storage: one SQLite file (WAL), one connection behind a lock (the server is threaded).

- ``batch``: one row per ``batch_key`` (its ``batch_id``, agency, time);
- ``batch_item``: every record sent in a batch (by idempotency key) and its receipt once it has one;
- ``record``: every version received, once per ``(identifier, version)`` (a replay only counts ``received``);
- ``latest``: each identifier's highest version and the agency that sent it (records and summary per agency).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime

__all__ = ["Store"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS batch (
    batch_id TEXT PRIMARY KEY, batch_key TEXT NOT NULL UNIQUE, agency_code TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch_item (
    batch_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, identifier TEXT NOT NULL, version INTEGER NOT NULL,
    position INTEGER NOT NULL, status TEXT, code TEXT, message TEXT, PRIMARY KEY (batch_id, idempotency_key));
CREATE TABLE IF NOT EXISTS record (
    identifier TEXT NOT NULL, version INTEGER NOT NULL, sha256 TEXT NOT NULL, agency_code TEXT NOT NULL,
    batch_id TEXT NOT NULL, file TEXT NOT NULL, received_at TEXT NOT NULL, received INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (identifier, version));
CREATE TABLE IF NOT EXISTS latest (
    identifier TEXT PRIMARY KEY, version INTEGER NOT NULL, sha256 TEXT NOT NULL, agency_code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_latest_agency ON latest (agency_code, identifier);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Thread-safe access to the stand-in's SQLite file."""

    def __init__(self, path: str):
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        with self.lock:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=5000")
            self.conn.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # ----------------------------------------------------------------------- batches

    def batch_by_key(self, batch_key: str):
        with self.lock:
            return self.conn.execute("SELECT * FROM batch WHERE batch_key = ?", (batch_key,)).fetchone()

    def batch_by_id(self, batch_id: str):
        with self.lock:
            return self.conn.execute("SELECT * FROM batch WHERE batch_id = ?", (batch_id,)).fetchone()

    def open_batch(self, batch_key: str, agency_code: str) -> str:
        """The batch of ``batch_key`` (made now if new); caller holds the lock in a transaction."""
        row = self.conn.execute("SELECT batch_id FROM batch WHERE batch_key = ?", (batch_key,)).fetchone()
        if row is not None:
            return row["batch_id"]
        batch_id = str(uuid.uuid4())
        self.conn.execute("INSERT INTO batch (batch_id, batch_key, agency_code, created_at) VALUES (?, ?, ?, ?)",
                          (batch_id, batch_key, agency_code, now()))
        return batch_id

    def item(self, batch_id: str, key: str):
        return self.conn.execute("SELECT * FROM batch_item WHERE batch_id = ? AND idempotency_key = ?",
                                 (batch_id, key)).fetchone()

    def add_item(self, batch_id: str, key: str, identifier: str, version: int) -> None:
        """Note that ``key`` was sent in the batch (no receipt yet)."""
        if self.item(batch_id, key) is not None:
            return
        position = self.conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM batch_item WHERE batch_id = ?",
                                     (batch_id,)).fetchone()[0]
        self.conn.execute("INSERT INTO batch_item (batch_id, idempotency_key, identifier, version, position) "
                          "VALUES (?, ?, ?, ?, ?)", (batch_id, key, identifier, version, position))

    def set_receipt(self, batch_id: str, key: str, status: str, code: str, message: str) -> None:
        self.conn.execute("UPDATE batch_item SET status = ?, code = ?, message = ? WHERE batch_id = ? AND "
                          "idempotency_key = ?", (status, code, message, batch_id, key))

    def items(self, batch_id: str) -> list:
        with self.lock:
            return self.conn.execute("SELECT * FROM batch_item WHERE batch_id = ? ORDER BY position",
                                     (batch_id,)).fetchall()

    # ----------------------------------------------------------------------- records

    def stored(self, identifier: str, version: int):
        return self.conn.execute("SELECT sha256 FROM record WHERE identifier = ? AND version = ?",
                                 (identifier, version)).fetchone()

    def count_again(self, identifier: str, version: int) -> None:
        self.conn.execute("UPDATE record SET received = received + 1 WHERE identifier = ? AND version = ?",
                          (identifier, version))

    def store(self, record: dict, agency_code: str, batch_id: str) -> None:
        identifier, version, sha256 = record["identifier"], int(record["version"]), record["sha256"]
        self.conn.execute(
            "INSERT INTO record (identifier, version, sha256, agency_code, batch_id, file, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (identifier, version, sha256, agency_code, batch_id,
             json.dumps(record["file"], ensure_ascii=False, separators=(",", ":")), now()))
        self.conn.execute(
            "INSERT INTO latest (identifier, version, sha256, agency_code) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (identifier) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, "
            "agency_code = excluded.agency_code WHERE excluded.version > latest.version",
            (identifier, version, sha256, agency_code))

    def versions(self, identifier: str) -> list[dict]:
        """Every version held of ``identifier`` (oldest first) with its file."""
        with self.lock:
            rows = self.conn.execute("SELECT version, sha256, agency_code, file, received_at FROM record "
                                     "WHERE identifier = ? ORDER BY version", (identifier,)).fetchall()
        return [{"version": r["version"], "sha256": r["sha256"], "agency_code": r["agency_code"],
                 "file": json.loads(r["file"]), "received_at": r["received_at"]} for r in rows]

    def agency_page(self, agency_code: str, after: str | None, limit: int) -> list:
        with self.lock:
            return self.conn.execute(
                "SELECT identifier, version, sha256 FROM latest WHERE agency_code = ? AND identifier > ? "
                "ORDER BY identifier LIMIT ?", (agency_code, after or "", limit)).fetchall()

    def agency_rows(self, agency_code: str):
        """(identifier, version, sha256) of the agency's latest versions, by identifier (streamed)."""
        with self.lock:
            rows = self.conn.execute("SELECT identifier, version, sha256 FROM latest WHERE agency_code = ? "
                                     "ORDER BY identifier", (agency_code,)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def held(self, identifier: str | None = None) -> list[dict]:
        """What the stand-in holds (``GET /_control/records``), without the files."""
        sql = ("SELECT identifier, version, sha256, agency_code, batch_id, received_at, received FROM record")
        args: tuple = ()
        if identifier:
            sql += " WHERE identifier = ?"
            args = (identifier,)
        with self.lock:
            rows = self.conn.execute(sql + " ORDER BY identifier, version", args).fetchall()
        return [dict(r) for r in rows]

    def counts(self) -> dict:
        with self.lock:
            return {"batches": self.conn.execute("SELECT count(*) FROM batch").fetchone()[0],
                    "records": self.conn.execute("SELECT count(*) FROM record").fetchone()[0]}

    def reset(self) -> None:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            for table in ("batch", "batch_item", "record", "latest"):
                self.conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
            self.conn.execute("COMMIT")
