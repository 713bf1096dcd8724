"""Long work as jobs: POST /v1/files answers 202 at once with the job's URLs; the file is translated
on the service's files pool (pools.py), its sentences going through the engine like any request's
(under the caller's name, so interactive requests keep their turns); GET /v1/jobs/ID says how far
it is, and /v1/jobs/ID/events streams the same as server-sent events until the file is ready to
download. Jobs queued or running are bounded (``Jobs.active_max``); a watcher of a job's events
waits on the event loop, holding no thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

MAX_JOBS = 200  # kept at once; the oldest finished ones go first


@dataclass
class Job:
    name: str
    owner: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = "queued"  # queued, running, done, failed
    done: int = 0  # sentences translated
    total: int = 0  # sentences known so far
    error: str | None = None
    stored: str | None = None  # the translated file's name in the file store
    created: float = field(default_factory=time.time)
    version: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _watchers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(
        default_factory=list, repr=False
    )  # (event loop, asyncio.Event) waiting

    def update(self, **values: Any) -> None:
        """Change the job (from the thread running it) and wake its watchers on their loops."""
        with self._lock:
            for key, value in values.items():
                setattr(self, key, value)
            self.version += 1
            watchers = list(self._watchers)
        for loop, event in watchers:
            loop.call_soon_threadsafe(event.set)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    async def changed_since(self, seen: int, timeout: float) -> int:
        """Wait on the event loop until the job changed after ``seen`` (or ``timeout``); the
        version now. No thread waits."""
        watcher = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self.version != seen:
                return self.version
            self._watchers.append(watcher)
        try:
            await asyncio.wait_for(watcher[1].wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._lock:
                self._watchers.remove(watcher)
        return self.version

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


class TooManyJobs(Exception):
    """As many jobs are queued or running as may be: the route answers 503 with Retry-After."""


class Jobs:
    def __init__(self, active_max: int = 32) -> None:
        self.active_max = active_max
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, job: Job) -> Job:
        """Keep ``job``; TooManyJobs when ``active_max`` are queued or running (checked and taken at once)."""
        with self._lock:
            if sum(j.active for j in self._jobs.values()) >= self.active_max:
                raise TooManyJobs()
            if len(self._jobs) >= MAX_JOBS:
                finished = sorted(
                    (j for j in self._jobs.values() if not j.active),
                    key=lambda j: j.created,
                )
                for old in finished[: len(self._jobs) - MAX_JOBS + 1]:
                    del self._jobs[old.id]
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)


def download_url(base: str, stored: str) -> str:
    """Where a stored file is downloaded: its name percent-encoded (spaces, brackets, any script)."""
    return f"{base.rstrip('/')}/download_file/{quote(stored)}"
