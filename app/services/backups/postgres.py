"""PostgreSQL side of the backups: ``pg_dump``/``pg_restore`` streamed through pipes, per-table checksums computed
by the server, empty and scratch databases.

**Checksums.** Each table's rows are hashed by the server: ``md5`` of the row's text form, its 128 bits taken as two
64-bit halves and summed over the table (``numeric`` sums, exact), with the row count. The sum is independent of the
row order (no sort, one sequential scan, constant memory, tables without a primary key included) and changes with
any row added, dropped or altered (a collision needs two 64-bit sums to cancel at once). The text form of a row
depends on a few settings (dates, time zone, bytea, floats), which :data:`CHECKSUM_SETTINGS` fixes, so a restore
on another server gives the same figures.

**Consistency.** The backup exports a snapshot (``pg_export_snapshot()`` in a REPEATABLE READ transaction),
computes the checksums in that transaction and runs ``pg_dump --snapshot``: the manifest describes exactly the
dumped rows, whatever is written meanwhile.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

__all__ = [
    "CHECKSUM_SETTINGS",
    "PgTools",
    "ToolError",
    "libpq",
    "scratch_database",
    "table_checksums",
    "user_relations",
]

#: Settings that fix the text form of every value for the checksums.
CHECKSUM_SETTINGS = {
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",
    "bytea_output": "hex",
    "extra_float_digits": "1",
}
#: Schemas that are PostgreSQL's own.
_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')"
_READ = 1 << 20


class ToolError(RuntimeError):
    """``pg_dump``/``pg_restore`` failed; ``stderr`` holds its last lines."""

    def __init__(self, tool: str, code: int, stderr: str):
        super().__init__(f"{tool} exited with {code}: {stderr}")
        self.tool = tool
        self.code = code
        self.stderr = stderr


def libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as a libpq connection string without the password, and the environment carrying it
    (``PGPASSWORD``: not on the command line, where ``ps`` shows it)."""
    parsed = make_url(url) if isinstance(url, str) else url
    env = {}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), env


def server_major(conn: Connection) -> int:
    """The server's major version (15 for 15.4)."""
    return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000


@dataclass(frozen=True)
class PgTools:
    """The client binaries matching the server: ``PG_BIN_DIR`` when configured, else Debian's
    ``/usr/lib/postgresql/<major>/bin`` when present, else the ones on ``PATH``."""

    dump: str
    restore: str

    @classmethod
    def for_server(cls, major: int, bin_dir: str | None = None) -> PgTools:
        """The binaries for a server of version ``major``."""
        for folder in (bin_dir, f"/usr/lib/postgresql/{major}/bin"):
            if folder and os.path.isfile(os.path.join(folder, "pg_dump")):
                return cls(os.path.join(folder, "pg_dump"), os.path.join(folder, "pg_restore"))
        dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
        if not dump or not restore:
            raise ToolError("pg_dump", 127, "pg_dump/pg_restore not found (set PG_BIN_DIR)")
        return cls(dump, restore)

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        return {**os.environ, **extra, "PGAPPNAME": "cbccvc-backup"}

    def dump_stream(self, url: str | URL, snapshot: str | None = None) -> Iterator[bytes]:
        """``pg_dump -Fc`` of the database, its output read 1 MiB at a time (never whole in memory). Owners and
        privileges are left out (``--no-owner --no-acl``): the restore belongs to whoever restores it."""
        conninfo, env = libpq(url)
        args = [self.dump, "--format=custom", "--no-owner", "--no-acl", "--compress=6", f"--dbname={conninfo}"]
        if snapshot:
            args.append(f"--snapshot={snapshot}")
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                    env=self._env(env))
            try:
                while True:
                    data = proc.stdout.read(_READ)
                    if not data:
                        break
                    yield data
            finally:
                proc.stdout.close()
                code = proc.wait()
            if code != 0:
                err.seek(0)
                raise ToolError("pg_dump", code, _tail(err.read()))

    def restore_stream(self, url: str | URL, data: Iterable[bytes]) -> None:
        """``pg_restore`` of a custom-format dump fed from ``data`` into the database, in one transaction
        (``--single-transaction --exit-on-error``: a failure leaves the database as it was)."""
        conninfo, env = libpq(url)
        args = [self.restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-acl",
                f"--dbname={conninfo}"]
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
                                    env=self._env(env))
            broken = False
            try:
                for piece in data:
                    if not broken:
                        try:
                            proc.stdin.write(piece)
                        except BrokenPipeError:
                            broken = True  # pg_restore stopped: keep reading the archive (to authenticate it)
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
                code = proc.wait()
            if code != 0:
                err.seek(0)
                raise ToolError("pg_restore", code, _tail(err.read()))


def _tail(raw: bytes, lines: int = 8) -> str:
    return "\n".join(raw.decode("utf-8", "replace").strip().splitlines()[-lines:])


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def user_tables(conn: Connection) -> list[tuple[str, str]]:
    """(schema, table) of every ordinary table outside PostgreSQL's own schemas, in name order."""
    return [tuple(r) for r in conn.execute(text(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind = 'r' AND n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY n.nspname, c.relname"))]


def user_relations(conn: Connection) -> int:
    """How many relations (tables, views, sequences …) exist outside PostgreSQL's own schemas (0: empty)."""
    return int(conn.execute(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN {_SYSTEM_SCHEMAS} "
        "AND n.nspname NOT LIKE 'pg\\_%'")).scalar())


def fix_settings(conn: Connection) -> None:
    """Set :data:`CHECKSUM_SETTINGS` for the connection's transaction."""
    for name, value in CHECKSUM_SETTINGS.items():
        conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


def table_checksums(conn: Connection) -> dict[str, dict]:
    """``{"schema.table": {"rows": n, "checksum": hex}}`` of every user table, one statement per table (caller's
    transaction, with :func:`fix_settings`)."""
    out = {}
    for schema, table in user_tables(conn):
        qualified = f"{_ident(schema)}.{_ident(table)}"
        rows, high, low = conn.execute(text(
            "SELECT count(*), coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0), "
            "coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0) "
            f"FROM (SELECT md5(t::text) AS h FROM {qualified} AS t) AS s")).one()
        out[f"{schema}.{table}"] = {"rows": int(rows), "checksum": f"{int(rows)}:{int(high)}:{int(low)}"}
    return out


_SAFE_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@contextmanager
def scratch_database(server_url: str | URL, prefix: str) -> Iterator[URL]:
    """A new empty database on the server of ``server_url`` (the connecting role needs CREATEDB), dropped on the
    way out (``WITH (FORCE)``: a stuck restore's connections too)."""
    base = make_url(server_url) if isinstance(server_url, str) else server_url
    clean = re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:30] or "cbccvc"
    name = f"{clean}_verify_{secrets.token_hex(4)}"
    if not _SAFE_NAME.match(name):
        raise ValueError(name)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {_ident(name)} TEMPLATE template0 ENCODING 'UTF8'"))
        try:
            yield base.set(database=name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)"))
    finally:
        admin.dispose()
