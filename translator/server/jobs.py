"""Long work as jobs: POST /v1/files answers 202 at once with the job's URLs; the job waits in a
``JobStore`` until a replica's worker (job_worker.py) takes it; GET /v1/jobs/ID says how far it
is, and /v1/jobs/ID/events streams the same as server-sent events until the file is ready.

A store keeps each job's upload beside its status, so any replica can run it. A running job
holds a lease that its replica renews; a job whose lease ran out (its replica died) is taken up
again by the next claim, and only the lease holder may record progress or the end, so a job ends
once. Two stores pass one contract suite (tests/test_shared_state.py): ``SqliteJobs`` (one
machine: a file in the server's private folder) and ``PostgresJobs`` (replicas: shared.py).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

MAX_JOBS = 200  # kept at once; the oldest finished ones go first
MAX_ATTEMPTS = 3  # a job whose replica died this many times while running it is failed, not retried
COLUMNS = "id, name, owner, status, done, total, error, stored, created, version"


@dataclass(frozen=True)
class Job:
    """A job as the store last recorded it."""

    id: str
    name: str
    owner: str
    status: str  # queued, running, done, failed
    done: int  # sentences translated
    total: int  # sentences known so far
    error: str | None
    stored: str | None  # the translated file's name in the file store
    created: float
    version: int  # changes with every recorded change: what a watcher compares

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    def view(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "status_url": f"{base}/v1/jobs/{self.id}",
            "events_url": f"{base}/v1/jobs/{self.id}/events",
            "download_url": download_url(base, self.stored) if self.stored else None,
        }


@dataclass(frozen=True)
class Claim:
    """A job a replica has taken: the job, its upload and how to translate it."""

    job: Job
    content: bytes
    work: dict[str, Any]  # profile, summary, pdf_as, encoding, input_format


class TooManyJobs(Exception):
    """As many jobs are queued or running as may be: the route answers 503 with Retry-After."""


class JobStore(Protocol):
    """Where jobs wait, run and end. Only the replica holding a job's lease changes it."""

    active_max: int

    def add(self, name: str, owner: str, content: bytes, work: dict[str, Any]) -> Job:
        """A new queued job; TooManyJobs when ``active_max`` are queued or running (all replicas')."""
        ...

    def get(self, job_id: str) -> Job | None: ...

    def claim(self, replica: str, lease_s: float) -> Claim | None:
        """The oldest job waiting, or running under a lease that ran out, now ``replica``'s."""
        ...

    def renew(self, job_id: str, replica: str, lease_s: float) -> bool:
        """Extend the lease; False when ``replica`` no longer holds it."""
        ...

    def progress(self, job_id: str, replica: str, done: int, total: int) -> bool: ...

    def finish(self, job_id: str, replica: str, stored: str | None = None, error: str | None = None) -> bool:
        """Done (``stored``) or failed (``error``), once: False when the lease was lost (another
        replica runs or ran the job; this one's output must be dropped)."""
        ...

    def close(self) -> None: ...


class SqliteJobs:
    """Jobs in a SQLite file: one machine's server (its private folder), or several processes on
    one machine sharing the file. Times are this machine's clock."""

    def __init__(self, path: str | Path, active_max: int = 32, remove: bool = False) -> None:
        self.path, self.active_max, self.remove = (
            Path(path),
            active_max,
            remove,
        )  # remove: the folder, at close
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, "
            "status TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, "
            "error TEXT, stored TEXT, work TEXT NOT NULL, content BLOB NOT NULL, created REAL NOT NULL, "
            "version INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until REAL, attempts INTEGER NOT "
            "NULL DEFAULT 0)"
        )

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, name: str, owner: str, content: bytes, work: dict[str, Any]) -> Job:
        job_id, now = uuid.uuid4().hex, time.time()
        with self._writing() as db:
            if db.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[
                0
            ] >= (self.active_max):
                raise TooManyJobs()
            db.execute(
                "INSERT INTO jobs (id, name, owner, status, work, content, created) VALUES "
                "(?, ?, ?, 'queued', ?, ?, ?)",
                (job_id, name, owner, json.dumps(work), content, now),
            )
            db.execute(
                "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN ('done', 'failed') "
                "ORDER BY created DESC LIMIT -1 OFFSET ?)",
                (MAX_JOBS,),
            )
        found = self.get(job_id)
        assert found is not None
        return found

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(*row) if row else None

    def claim(self, replica: str, lease_s: float) -> Claim | None:
        now = time.time()
        with self._writing() as db:
            db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, content = x'', lease_owner = NULL, version = "
                "version + 1 WHERE status = 'running' AND lease_until < ? AND attempts >= ?",
                (gave_up(), now, MAX_ATTEMPTS),
            )
            row = db.execute(
                "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < ?) "
                "ORDER BY created LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            taken = db.execute(
                "UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts "
                f"+ 1, version = version + 1 WHERE id = ? RETURNING {COLUMNS}, content, work",
                (replica, now + lease_s, row[0]),
            ).fetchone()
        return Claim(Job(*taken[:-2]), bytes(taken[-2]), json.loads(taken[-1]))

    def renew(self, job_id: str, replica: str, lease_s: float) -> bool:
        return self._held(
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
            (time.time() + lease_s, job_id, replica),
        )

    def progress(self, job_id: str, replica: str, done: int, total: int) -> bool:
        return self._held(
            "UPDATE jobs SET done = ?, total = ?, version = version + 1 WHERE id = ? AND lease_owner = ? AND "
            "status = 'running'",
            (done, total, job_id, replica),
        )

    def finish(self, job_id: str, replica: str, stored: str | None = None, error: str | None = None) -> bool:
        return self._held(
            "UPDATE jobs SET status = ?, stored = ?, error = ?, done = CASE WHEN ? THEN max(done, total) "
            "ELSE done END, content = x'', lease_owner = NULL, version = version + 1 WHERE id = ? AND "
            "lease_owner = ? AND status = 'running'",
            ("failed" if error else "done", stored, error, error is None, job_id, replica),
        )

    def _held(self, sql: str, params: tuple[Any, ...]) -> bool:
        with self._writing() as db:
            return db.execute(sql, params).rowcount > 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
        if self.remove:
            shutil.rmtree(self.path.parent, ignore_errors=True)


def gave_up() -> str:
    return f"the job stopped the replica running it {MAX_ATTEMPTS} times; it is not tried again"


class Changes:
    """Wakes the watchers of a job on this replica's event loop when this replica records a change
    to it; a watcher of a job another replica runs wakes at its poll interval instead. No thread
    waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watchers: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def notify(self, job_id: str) -> None:
        with self._lock:
            watchers = list(self._watchers.get(job_id, ()))
        for loop, event in watchers:
            loop.call_soon_threadsafe(event.set)

    async def wait(self, job_id: str, timeout: float) -> None:
        """Until ``job_id`` changes here, or ``timeout`` passes."""
        watcher = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._watchers.setdefault(job_id, []).append(watcher)
        try:
            await asyncio.wait_for(watcher[1].wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._lock:
                waiting = self._watchers[job_id]
                waiting.remove(watcher)
                if not waiting:
                    del self._watchers[job_id]


def download_url(base: str, stored: str) -> str:
    """Where a stored file is downloaded: its name percent-encoded (spaces, brackets, any script)."""
    return f"{base.rstrip('/')}/download_file/{quote(stored)}"
