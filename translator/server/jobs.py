"""Long work as jobs: POST /v1/files answers 202 at once with the job's URLs; the file is translated
on a thread of its own, its sentences going through the engine like any request's (under the
caller's name, so interactive requests keep their turns); GET /v1/jobs/ID says how far it is, and
/v1/jobs/ID/events streams the same as server-sent events until the file is ready to download.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

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
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    version: int = 0

    def update(self, **values: Any) -> None:
        with self.changed:
            for key, value in values.items():
                setattr(self, key, value)
            self.version += 1
            self.changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        """Block until the job changed after ``seen`` (or ``timeout``); the version now."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout=timeout)
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
            "download_url": f"{base}/download_file/{self.stored}" if self.stored else None,
        }


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, job: Job) -> Job:
        with self._lock:
            if len(self._jobs) >= MAX_JOBS:
                finished = sorted(
                    (j for j in self._jobs.values() if j.status in ("done", "failed")),
                    key=lambda j: j.created,
                )
                for old in finished[: len(self._jobs) - MAX_JOBS + 1]:
                    del self._jobs[old.id]
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)
