"""The test database named by TEST_DATABASE_URL, created when it does not exist (``make test`` step).

Under pytest-xdist each worker (``PYTEST_XDIST_WORKER`` = ``gw0``, ``gw1`` …) gets services of its own, so that
workers never see each other's rows, jobs or connections: the database ``<name>_gw0`` … (created on first use by
the session fixture) and the Redis database numbered ``n - i`` for worker ``gwi`` when TEST_REDIS_URL names
database ``n`` (the default ``/15``: ``gw0`` on 15, ``gw1`` on 14). ``use_worker_services()`` rewrites both
variables in the worker's environment before ``config`` reads them, so the worker subprocesses the tests start
inherit them too.
"""

import os
import sys
import time

import psycopg2
from psycopg2 import errors, sql
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/cbccvc_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
#: Settings of the test databases' sessions (see ``ensure_database``).
SETTINGS = ("synchronous_commit = off", "work_mem = '64MB'")


def worker_index() -> int | None:
    """The xdist worker's number (``gw1`` → 1), or None outside xdist workers."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return int(worker.removeprefix("gw")) if worker else None


def use_worker_services() -> None:
    """In an xdist worker: point TEST_DATABASE_URL and TEST_REDIS_URL at this worker's own database and Redis db."""
    index = worker_index()
    if index is None or os.environ.get("CBCCVC_TEST_WORKER_SERVICES") == str(index):
        return
    url = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL))
    os.environ["TEST_DATABASE_URL"] = url.set(database=f"{url.database}_gw{index}").render_as_string(
        hide_password=False)
    redis = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    base, _, number = redis.rpartition("/")
    if not number.isdigit() or int(number) < index:
        raise RuntimeError(f"TEST_REDIS_URL={redis}: xdist worker gw{index} needs a database number ≥ {index}")
    os.environ["TEST_REDIS_URL"] = f"{base}/{int(number) - index}"
    os.environ["CBCCVC_TEST_WORKER_SERVICES"] = str(index)


def ensure_database(database_url: str) -> bool:
    """CREATE DATABASE unless it exists (connected to the server's ``postgres`` database); True if created.

    Its sessions commit without waiting for the WAL flush (``synchronous_commit = off``): a test database is
    rebuilt by every session, so the durability of the last commits before a crash is of no use, and the suite
    commits some 4,500 times (a flush is ~0.3 ms on a quiet machine, several ms while other jobs write). What a
    commit makes visible, and when, is unchanged. Sorts get ``work_mem = 64MB``: the tests that fingerprint every
    table after each request (``tests/url_routes.fingerprint``) sort the demo city's 7,000 change-log rows as text
    several hundred times, which spilled to disk at the default 4 MB (a fingerprint: ~99 ms, ~89 ms in memory).
    """
    url = make_url(database_url)
    conn = psycopg2.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password, dbname="postgres",
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for attempt in range(20):
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,))
                created = False
                if cur.fetchone() is None:
                    try:
                        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
                        created = True
                    except errors.DuplicateDatabase:
                        pass
                    except errors.ObjectInUse:  # another worker is copying template1 at this very moment
                        time.sleep(0.1 * (attempt + 1))
                        continue
                for setting in SETTINGS:
                    cur.execute(sql.SQL("ALTER DATABASE {} SET " + setting).format(sql.Identifier(url.database)))
                return created
            raise RuntimeError(f"could not create database {url.database}")
    finally:
        conn.close()


def main() -> int:
    """Create the database of TEST_DATABASE_URL if needed."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    if ensure_database(url):
        print(f"created database {make_url(url).database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
