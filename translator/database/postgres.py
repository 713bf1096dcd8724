"""One PostgreSQL database shared by the service's replicas, through psycopg 3 and its pool.

The schema carries its version in ``translator_schema``. Every process that opens the database
migrates it forward under one advisory lock, so replicas that start together take turns: the
first creates the tables, the others find them made. A database newer than this translator is
refused with what to do, never written to.

Times that several machines compare (leases, rate-limit windows) are the database's clock, not
each replica's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import DatabaseError as DatabaseError
from ..errors import MissingExtraError, first_line

if TYPE_CHECKING:
    import psycopg

DATABASE_ENV = "TRANSLATOR_DATABASE_URL"
SCHEMA_VERSION = 1
LOCK_ID = 0x7472616E736C  # the migrations' advisory lock ("transl" in ASCII)
CONNECT_TIMEOUT_S = 10
POOL_WAIT_S = 5.0  # a request waits this long for a connection (ms when the database is up) before a 503
POOL_MAX = 8  # connections a replica holds at most (its request, memory and job threads together)
NOW = "extract(epoch from clock_timestamp())"  # the database's clock, in seconds since the epoch

# Each version's statements, applied in order in one transaction. A later change appends a version;
# a released one is never edited.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE memory (key text PRIMARY KEY, value text NOT NULL, used double precision NOT NULL)",
        "CREATE INDEX memory_used ON memory (used)",
        "CREATE TABLE memory_meta (name text PRIMARY KEY, value bigint NOT NULL)",
        "INSERT INTO memory_meta VALUES ('hits', 0), ('misses', 0), ('bytes', 0)",
        "CREATE TABLE corrections (id bigserial PRIMARY KEY, source text NOT NULL, translation text NOT "
        "NULL, who text NOT NULL, created double precision NOT NULL, UNIQUE (source, translation, who, "
        "created))",
        "CREATE INDEX corrections_source ON corrections (source, id)",
        "CREATE TABLE jobs (id text PRIMARY KEY, name text NOT NULL, owner text NOT NULL, status text NOT "
        "NULL, done integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, error text, stored text, "
        "work text NOT NULL, content bytea NOT NULL, created double precision NOT NULL, version integer "
        "NOT NULL DEFAULT 0, lease_owner text, lease_until double precision, attempts integer NOT NULL "
        "DEFAULT 0)",
        "CREATE INDEX jobs_waiting ON jobs (status, created)",
        "CREATE TABLE files (stored text PRIMARY KEY, data bytea NOT NULL, created double precision NOT "
        "NULL)",
        "CREATE TABLE calls (caller text NOT NULL, at double precision NOT NULL)",
        "CREATE INDEX calls_caller_at ON calls (caller, at)",
    ),
}


def database_url(given: str | None = None) -> str | None:
    """The database to use: ``given`` (``--database``), else ``$TRANSLATOR_DATABASE_URL``; None: none."""
    return given or os.environ.get(DATABASE_ENV) or None


def redacted(url: str) -> str:
    """The URL as messages and logs show it: the password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


class Database:
    """A pool of connections to one database whose schema is migrated to this version."""

    def __init__(self, url: str, max_size: int = POOL_MAX) -> None:
        psycopg, pool = _driver()
        self.url, self.shown = url, redacted(url)
        self.unanswered = (
            psycopg.OperationalError,
            pool.PoolTimeout,
        )  # what a query may meet when it is down
        self.refs = 1
        self.wait_s = POOL_WAIT_S
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
                self.server_version = int(conn.info.server_version)
                migrate(conn, self.shown)
        except psycopg.Error as e:
            raise DatabaseError(
                f"cannot use the database {self.shown}: {first_line(e)}; check that PostgreSQL runs "
                "there and that the URL (--database, $TRANSLATOR_DATABASE_URL or database: in models.yaml) "
                "is right"
            ) from None
        self.pool = pool.ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, kwargs={"autocommit": True}, name="translator"
        )
        self.pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection from the pool, in autocommit: wrap writes that belong together in
        ``conn.transaction()``. A database that does not answer is a DatabaseError naming it."""
        try:
            with self.pool.connection(timeout=self.wait_s) as conn:
                yield conn
        except self.unanswered as e:
            raise DatabaseError(f"the database {self.shown} did not answer: {first_line(e)}") from None

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """The rows of one statement (or [] for one that returns none)."""
        with self.connection() as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        """Give this holder's share back; the pool closes when the last holder has."""
        with _OPEN_LOCK:
            self.refs -= 1
            if self.refs > 0:
                return
            _OPEN.pop(self.url, None)
        self.pool.close()


_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(url: str) -> Database:
    """The process's one Database for ``url`` (the memory, the jobs and the limits share its pool);
    each caller closes its share."""
    with _OPEN_LOCK:
        found = _OPEN.get(url)
        if found is not None:
            found.refs += 1
            return found
        made = _OPEN[url] = Database(url)
        return made


def migrate(conn: psycopg.Connection[Any], shown: str) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` under the advisory lock; the version found before."""
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS translator_schema (version integer NOT NULL)")
        row = conn.execute("SELECT max(version) FROM translator_schema").fetchone()
        found = int(row[0]) if row and row[0] is not None else 0
        if found > SCHEMA_VERSION:
            raise DatabaseError(
                f"the database {shown} has schema version {found}, newer than this translator's "
                f"({SCHEMA_VERSION}); upgrade translator here to the version the other replicas run"
            )
        for version in range(found + 1, SCHEMA_VERSION + 1):
            with conn.transaction():
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                conn.execute("INSERT INTO translator_schema VALUES (%s)", (version,))
        return found
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))


def schema_version(url: str) -> tuple[int | None, int]:
    """(the schema version the database holds, or None before the first start; the server's
    version number) without changing anything: for ``translator doctor --database``."""
    psycopg, _ = _driver()
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            made = conn.execute("SELECT to_regclass('translator_schema') IS NOT NULL").fetchone()
            version = None
            if made and made[0]:
                row = conn.execute("SELECT max(version) FROM translator_schema").fetchone()
                version = int(row[0]) if row and row[0] is not None else None
            return version, int(conn.info.server_version)
    except psycopg.Error as e:
        raise DatabaseError(f"cannot reach the database {redacted(url)}: {first_line(e)}") from None


def _driver() -> tuple[Any, Any]:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise MissingExtraError(
            "a PostgreSQL database needs psycopg: pip install 'translator-id-en[postgres]'"
        ) from None
    return psycopg, psycopg_pool
