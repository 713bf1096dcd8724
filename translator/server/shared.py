"""The service's state in the PostgreSQL database its replicas share (``--database``): the jobs
with their uploads and leases, the translated files waiting for their download, and the rate
limits' calls. Each class keeps the contract of its one-machine counterpart (``SqliteJobs``,
``LocalFiles``, ``RateLimiter``); the contract tests run both.

Every time compared across replicas is the database's clock (``NOW``), never a replica's.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from typing import Any

from ..database import Database
from ..database.postgres import NOW
from .jobs import COLUMNS, MAX_ATTEMPTS, MAX_JOBS, Claim, Job, TooManyJobs, gave_up
from .routes_files import check_quota, checked_name, stored_name

JOBS_LOCK = 0x7472616E6A6F  # the advisory lock that makes "count the active jobs, then add one" atomic
PRUNE_CHANCE = 0.01  # a call to the limiter deletes the calls that left every window this often


class PostgresJobs:
    """Jobs any replica can take (``FOR UPDATE SKIP LOCKED``: two replicas never take one job)."""

    def __init__(self, db: Database, active_max: int = 32) -> None:
        self.db, self.active_max = db, active_max

    def add(self, name: str, owner: str, content: bytes, work: dict[str, Any]) -> Job:
        with self.db.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (JOBS_LOCK,))
            active = conn.execute(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
            ).fetchone()
            if active and active[0] >= self.active_max:
                raise TooManyJobs()
            row = conn.execute(
                f"INSERT INTO jobs (id, name, owner, status, work, content, created) VALUES (%s, %s, %s, "
                f"'queued', %s, %s, {NOW}) RETURNING {COLUMNS}",
                (_new_id(), name, owner, json.dumps(work), content),
            ).fetchone()
            conn.execute(
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN ('done', 'failed') "
                "ORDER BY created DESC OFFSET %s)",
                (MAX_JOBS,),
            )
        assert row is not None
        return Job(*row)

    def get(self, job_id: str) -> Job | None:
        rows = self.db.query(f"SELECT {COLUMNS} FROM jobs WHERE id = %s", (job_id,))
        return Job(*rows[0]) if rows else None

    def claim(self, replica: str, lease_s: float) -> Claim | None:
        with self.db.connection() as conn, conn.transaction():
            conn.execute(
                f"UPDATE jobs SET status = 'failed', error = %s, content = '', lease_owner = NULL, version = "
                f"version + 1 WHERE status = 'running' AND lease_until < {NOW} AND attempts >= %s",
                (gave_up(), MAX_ATTEMPTS),
            )
            row = conn.execute(
                f"UPDATE jobs SET status = 'running', lease_owner = %s, lease_until = {NOW} + %s, "
                "attempts = attempts + 1, version = version + 1 WHERE id = (SELECT id FROM jobs WHERE "
                f"status = 'queued' OR (status = 'running' AND lease_until < {NOW}) ORDER BY created LIMIT 1 "
                f"FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}, content, work",
                (replica, lease_s),
            ).fetchone()
        if row is None:
            return None
        return Claim(Job(*row[:-2]), bytes(row[-2]), json.loads(row[-1]))

    def renew(self, job_id: str, replica: str, lease_s: float) -> bool:
        return self._held(
            f"UPDATE jobs SET lease_until = {NOW} + %s WHERE id = %s AND lease_owner = %s AND status = "
            "'running'",
            (lease_s, job_id, replica),
        )

    def progress(self, job_id: str, replica: str, done: int, total: int) -> bool:
        return self._held(
            "UPDATE jobs SET done = %s, total = %s, version = version + 1 WHERE id = %s AND lease_owner = %s "
            "AND status = 'running'",
            (done, total, job_id, replica),
        )

    def finish(self, job_id: str, replica: str, stored: str | None = None, error: str | None = None) -> bool:
        return self._held(
            "UPDATE jobs SET status = %s, stored = %s, error = %s, done = CASE WHEN %s THEN greatest(done, "
            "total) ELSE done END, content = '', lease_owner = NULL, version = version + 1 WHERE id = %s AND "
            "lease_owner = %s AND status = 'running'",
            ("failed" if error else "done", stored, error, error is None, job_id, replica),
        )

    def _held(self, sql: str, params: tuple[Any, ...]) -> bool:
        with self.db.connection() as conn:
            return conn.execute(sql, params).rowcount > 0

    def close(self) -> None:
        self.db.close()


class PostgresFiles:
    """Translated files in the database: made on one replica, downloaded from any."""

    def __init__(self, db: Database, ttl_s: float, max_bytes: int = 1 << 30) -> None:
        self.db, self.ttl_s, self.max_bytes = db, ttl_s, max_bytes

    def check_room(self, size: int) -> None:
        self.expire()
        used = int(self.db.query("SELECT coalesce(sum(length(data)), 0) FROM files")[0][0])
        check_quota(used, size, self.max_bytes)

    def put(self, name: str, data: bytes) -> str:
        self.check_room(len(data))
        stored = stored_name(name)
        self.db.query(f"INSERT INTO files VALUES (%s, %s, {NOW})", (stored, data))
        return stored

    def get(self, stored: str) -> bytes | None:
        rows = self.db.query(
            f"SELECT data FROM files WHERE stored = %s AND created >= {NOW} - %s",
            (checked_name(stored), self.ttl_s),
        )
        return bytes(rows[0][0]) if rows else None

    def delete(self, stored: str) -> None:
        self.db.query("DELETE FROM files WHERE stored = %s", (checked_name(stored),))

    def expire(self) -> None:
        self.db.query(f"DELETE FROM files WHERE created < {NOW} - %s", (self.ttl_s,))

    def close(self) -> None:
        self.db.close()


class SharedRateLimiter:
    """At most ``per_minute`` calls in any 60 s for each caller, counted across every replica (a
    sliding window over the calls table; one caller's checks take turns under an advisory lock).
    Callers are kept as hashes: an API key is never written to the database."""

    blocking = True

    def __init__(self, db: Database, per_minute: int, scope: str, window_s: float = 60.0) -> None:
        self.db, self.per_minute, self.scope, self.window_s = db, per_minute, scope, window_s

    def allow(self, caller: str) -> bool:
        name = hashlib.sha256(f"{self.scope}\0{caller}".encode()).hexdigest()
        with self.db.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
            counted = conn.execute(
                f"SELECT count(*) FROM calls WHERE caller = %s AND at > {NOW} - %s", (name, self.window_s)
            ).fetchone()
            if counted and counted[0] >= self.per_minute:
                return False
            conn.execute(f"INSERT INTO calls VALUES (%s, {NOW})", (name,))
            if random.random() < PRUNE_CHANCE:  # noqa: S311 - housekeeping, not security
                conn.execute(f"DELETE FROM calls WHERE at < {NOW} - %s", (self.window_s,))
        return True


def _new_id() -> str:
    return uuid.uuid4().hex
