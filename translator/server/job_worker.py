"""A replica's job worker: it takes jobs from the store while this replica has a free slot on
its files pool, runs each through the engine, renews its lease while it runs, and records its
end. A job another replica abandoned (its lease ran out) is taken like a new one and translated
again from its upload; the sentences the other replica finished come back from the shared
translation memory, and the output is this run's alone, so no sentence appears twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import first_line
from .jobs import Changes, Claim, JobStore

if TYPE_CHECKING:
    from .routes_files import FileStore
    from .service import Service

log = logging.getLogger("translator.server")
POLL_S = 1.0  # how often an idle worker looks for jobs other replicas queued (its own wake it at once)
PROGRESS_S = 0.5  # progress is recorded at most this often (each change still wakes this replica's watchers)


class JobWorker:
    def __init__(
        self, service: Service, store: JobStore, files: FileStore, lease_s: float, shared: bool = True
    ) -> None:
        """``shared``: other replicas queue jobs in ``store`` too, so an idle worker looks every
        ``POLL_S``; a store of this server's own is looked at only when this server wakes it."""
        self.service, self.store, self.files, self.lease_s = service, store, files, lease_s
        self.poll_s = POLL_S if shared else None
        self.replica = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.changes = Changes()
        self._slots = threading.Semaphore(service.pools.sizes["files"])
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="translator-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A job was queued here: look now, not at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_s)
            self._wake.clear()
            if self.service.engine_ is None:
                continue  # the models are still loading: leave the jobs to a replica that can run them
            while not self._stop.is_set() and self._slots.acquire(blocking=False):
                try:
                    claim = self.store.claim(self.replica, self.lease_s)
                except Exception as e:  # noqa: BLE001 - a database that blinks: try again at the next poll
                    log.warning("jobs: cannot look for work: %s", first_line(e))
                    claim = None
                if claim is None:
                    self._slots.release()
                    break
                self.changes.notify(claim.job.id)
                self.service.pools.start("files", self._run, claim)

    def _run(self, claim: Claim) -> None:
        """One job, start to end (never raises): its lease renewed on a thread of its own."""
        job = claim.job
        finished = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(job.id, finished), daemon=True)
        renewer.start()
        try:
            ended = self._translate(claim)
        finally:
            finished.set()
            self._slots.release()
            self._wake.set()
        self.changes.notify(job.id)
        log.info("job %s (%s): %s", job.id, job.name, ended)

    def _translate(self, claim: Claim) -> str:
        from .routes_files import translate_scheduled
        from .service import ApiError

        job, work = claim.job, dict(claim.work)
        profile = work.pop("profile")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_S or done == total:
                last[0] = now
                self.store.progress(job.id, self.replica, done, total)
                self.changes.notify(job.id)

        try:
            if profile not in self.service.engine().parts:
                raise ApiError(400, f"profile {profile!r} is not loaded on this replica")
            done = translate_scheduled(
                self.service, profile, job.owner, claim.content, job.name, progress, **work
            )
            stored = self.files.put(f"{Path(job.name).stem}.en{done.suffix}", done.data)
        except ApiError as e:
            return self._end(job.id, error=e.message)
        except Exception as e:  # noqa: BLE001 - a job's failure is its status, never a dead thread
            return self._end(job.id, error=first_line(e))
        if not self.store.finish(job.id, self.replica, stored=stored):
            self.files.delete(stored)  # another replica took the job over: its output counts, not this
            return "lease lost; another replica finishes it"
        return "done"

    def _end(self, job_id: str, error: str) -> str:
        return f"failed: {error}" if self.store.finish(job_id, self.replica, error=error) else "lease lost"

    def _renew(self, job_id: str, finished: threading.Event) -> None:
        while not finished.wait(self.lease_s / 3):
            try:
                if not self.store.renew(job_id, self.replica, self.lease_s):
                    return  # lost: the end will not be recorded by this replica
            except Exception as e:  # noqa: BLE001 - a database that blinks: the next renewal may work
                log.warning("jobs: cannot renew the lease of %s: %s", job_id, first_line(e))
