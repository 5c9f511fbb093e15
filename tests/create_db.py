"""Create the test database named by TEST_DATABASE_URL when it does not exist (``make test`` step)."""

import os
import sys

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url


def main() -> int:
    """Connect to the server's ``postgres`` database and CREATE DATABASE if needed."""
    url = make_url(os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cbccvc_test"))
    conn = psycopg2.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password, dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
            print(f"created database {url.database}")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
