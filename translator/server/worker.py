"""The one thread that owns the models: requests wait in a bounded queue and are pooled.

Concurrent requests must not queue behind one another one document at a time. The worker takes
the oldest waiting job and then whatever else is waiting, up to a sentence budget, and runs them
through ``Pipeline.run_many``: the sentences of several requests share length-sorted batches, the
pooling the batch engine uses. Jobs are taken in arrival order, so a short request waits for at
most one pool of work ahead of it, never for every long request that came before. The event loop
only awaits futures; it never blocks on a model.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from ..documents import Document
from ..errors import InputError
from ..pipeline import Pipeline
from ..summarize import SummaryOptions
from ..types import Result

log = logging.getLogger("translator.server")

# Sentences pooled into one run_many call; a job larger than this runs alone.
POOL_SENTENCES = 96


class QueueFull(Exception):
    """The queue holds as many jobs as it may: the caller answers 503 with Retry-After."""


class ShuttingDown(Exception):
    """The server is stopping: jobs that have not started get 503."""


@dataclass
class Job:
    """One request's work: texts to translate (``kind`` "translate") or English to summarise."""

    kind: str  # "translate" or "summarize"
    texts: list[str | Document]
    profile: str
    summarize: bool = True
    force: bool = False
    summary: SummaryOptions | None = None
    progress: Callable[[str, int, int], None] | None = None
    future: Future = field(default_factory=Future)
    sentences: int = 1  # an estimate, for the pool budget

    def key(self) -> tuple:
        return (self.kind, self.profile, self.summarize, self.force, self.summary)


class Worker:
    """Owns the pipelines (one per loaded profile) and runs every job on its own thread."""

    def __init__(self, pipelines: dict[str, Pipeline], max_queue: int = 64):
        self.pipelines = pipelines
        self.max_queue = max_queue
        self._jobs: collections.deque[Job] = collections.deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="translator-worker", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> Future:
        """Queue ``job``; its future gets a list with one Result (or InputError) per text."""
        with self._ready:
            if self._stopping:
                raise ShuttingDown()
            if len(self._jobs) >= self.max_queue:
                raise QueueFull()
            self._jobs.append(job)
            self._ready.notify()
        return job.future

    def stop(self) -> None:
        """Finish the pool in hand; every job not started gets ShuttingDown."""
        with self._ready:
            self._stopping = True
            pending = list(self._jobs)
            self._jobs.clear()
            self._ready.notify_all()
        for job in pending:
            job.future.set_exception(ShuttingDown())
        self._thread.join(timeout=30)

    def _take(self) -> list[Job] | None:
        """The oldest job, then the waiting jobs with the same settings, up to the sentence budget."""
        with self._ready:
            while not self._jobs and not self._stopping:
                self._ready.wait()
            if self._stopping:
                return None
            first = self._jobs.popleft()
            taken, budget = [first], POOL_SENTENCES - first.sentences
            for job in list(self._jobs):
                if budget <= 0:
                    break
                if job.key() == first.key() and job.sentences <= budget:
                    self._jobs.remove(job)
                    taken.append(job)
                    budget -= job.sentences
            return taken

    def _run(self) -> None:
        while True:
            jobs = self._take()
            if jobs is None:
                return
            jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]  # a client that left costs nothing
            if jobs:
                self._process(jobs)

    def _process(self, jobs: list[Job]) -> None:
        first = jobs[0]
        pipeline = self.pipelines[first.profile]
        started = time.perf_counter()
        try:
            if first.kind == "summarize":
                for job in jobs:
                    job.future.set_result([self._summarize(pipeline, text, job.summary) for text in job.texts])
                return
            texts = [text for job in jobs for text in job.texts]

            def progress(stage: str, done: int, total: int) -> None:  # the pool's progress, shown to each of its jobs
                for job in jobs:
                    if job.progress is not None:
                        job.progress(stage, done, total)

            outcomes = pipeline.run_many(texts, summarize=first.summarize, force=first.force, summary=first.summary, progress=progress)
            position = 0
            for job in jobs:
                job.future.set_result(outcomes[position : position + len(job.texts)])
                position += len(job.texts)
        except Exception as e:  # noqa: BLE001 - handed to the waiting requests, which answer for it
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(e)
        finally:
            log.debug("pooled %d job(s) in %.3f s", len(jobs), time.perf_counter() - started)

    @staticmethod
    def _summarize(pipeline: Pipeline, text: Any, options: SummaryOptions | None) -> Result | InputError:
        try:
            return pipeline.summarize_text(text.text if isinstance(text, Document) else text, options)
        except InputError as e:
            return e
