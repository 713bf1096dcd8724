"""The engine: the one owner of the loaded models and the only caller of them, under every door.

The library (``Pipeline``), the CLI, ``translator batch``, the Ray engine's actors and the service
all submit their texts here and wait on a ticket's future; the engine decides what runs next. It
schedules translation at the grain of one model batch, not one request (Bergamot's design; vLLM's
one ``LLMEngine`` under both its offline and its server API). Each request's pieces (the distinct
model texts the translation memory did not have) wait in the request's own queue, in document
order, or shortest first for bulk work (a batch's pools, the library's lists). Before every
``generate`` call the next batch is built from everything waiting:

* **Owners share each batch equally.** An owner is an API key, or the client's address without
  keys. Owners are visited in turn, one piece each, so a key that sends 500 articles gets the same
  share as a key that sends one.
* **Within an owner, requests take turns, shortest remaining work first.** Turns last across
  batches: the request served longest ago (a new one: never) goes first, so a newcomer is in the
  very next batch and nothing waits forever, however small the batches. Among requests equally
  due, the shortest remaining work goes first: its key is its waiting tokens minus an aging credit
  (``AGING_TOKENS_PER_S`` for every second it has waited). Owners' turns last across batches too.
* **A token budget, not a sentence count.** A batch closes when its padded tokens (longest piece
  times count, what the model computes) would pass the budget. The budget follows the measured
  cost of recent batches so that one batch is about ``target_batch_s`` of work on this machine:
  the service keeps it short (a newcomer waits at most the batch in flight), bulk drivers make it
  longer (fewer, fuller batches).

Each lane is a pool of single-threaded workers (CTranslate2's ``inter_threads``; see cores.py for
the split, decided once for every driver): several batches, and several summaries, may run at once,
and either lane can use every core the other leaves idle. After each call every output is handed to
each request that waits for it; a sentence is sent (``on_event``) as soon as all its pieces are in,
and a document's summary is queued when its last sentence is. Summaries run on their own lane, so
they never hold up anyone's sentences: owners in turn, shortest text first, with aging.

Faults stay with the requests they touch. A batch that raises is run again one text at a time, and
only the requests whose text fails get an error. Anything unexpected in a worker (a bug) fails the
requests its job touched, with their request id, is logged with its traceback, and the worker goes
on: no request waits on a dead thread. A cancelled request is dropped before the next batch and
before its summary; what was generated for it after it was cancelled is counted (``EngineStats``).
Admission is atomic: ``max_queue`` counts requests admitted and those being prepared.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..documents.reader import Document
from ..errors import first_line
from ._batching import TARGET_BATCH_S, BatchCost
from ._lanes import SummaryLane, TranslationLane
from .parts import Parts
from .summarize import SummaryOptions
from .tickets import (
    Cancelled,
    EventSink,
    QueueFull,
    RequestFailed,
    ShuttingDown,
    SummaryJob,
    Ticket,
    answer,
    is_done,
    open_ticket,
    send_ready,
)

if TYPE_CHECKING:
    from ..models.base import Model

__all__ = [
    "Cancelled",
    "Engine",
    "EngineStats",
    "EventSink",
    "QueueFull",
    "RequestFailed",
    "ShuttingDown",
    "Ticket",
]

log = logging.getLogger("translator.engine")


@dataclass
class EngineStats:
    """What the engine has done, for tests, logs and the service's status."""

    batches: int = 0  # generate batches run
    pieces: int = 0  # model texts generated
    wasted: int = 0  # of those, texts whose every requester had been cancelled by the time they were done
    faults: int = 0  # unexpected errors in a worker, each failing only the requests its job touched


class Engine:
    """Owns each profile's parts and the requests. Start it once, submit from any thread, then stop()."""

    def __init__(
        self,
        parts: dict[str, Parts],
        *,
        max_queue: int = 64,
        target_batch_s: float = TARGET_BATCH_S,
        workers: int | None = None,
        summary_workers: int | None = None,
    ) -> None:
        self.parts = parts
        self.max_queue = max_queue
        self.stats = EngineStats()
        self._tickets: list[Ticket] = []  # not finished, in arrival order
        self._preparing = 0  # admitted, still being prepared on the caller's thread
        self._work = threading.Condition()
        self._stopping = False
        self._draining = False  # stopping soon: nothing new is admitted
        self.summaries = SummaryLane(parts, self._work, self._finish, self._finish_if_done)
        self.translation = TranslationLane(
            parts, BatchCost(target_batch_s), self._finish, self._advance, self.stats, self.summaries.run
        )
        self._threads = _start(self, workers, summary_workers)

    @property
    def in_progress(self) -> int:  # requests admitted and not yet answered
        return len(self._tickets)

    def submit(
        self,
        texts: list[str | Document],
        *,
        profile: str,
        owner: str = "-",
        summarize: bool = True,
        force: bool = False,
        options: SummaryOptions | None = None,
        on_event: EventSink | None = None,
        bulk: bool = False,
    ) -> Ticket:
        """Prepare ``texts`` on the calling thread and queue their work. ``bulk``: the pieces go
        shortest first across the texts (less padding), not in document order (for streaming).

        The ticket's future gets one Result (or InputError) per text."""
        with self._place():
            ticket = open_ticket(
                self.parts[profile], texts, profile=profile, owner=owner, summarize=summarize,
                force=force, options=options, on_event=on_event, bulk=bulk,
            )  # fmt: skip
            for job in self._advance(ticket):  # what the memory held is sent before any worker sees it
                self.summaries.run(job)
            self._queue(ticket)
        return ticket

    def submit_english(
        self, texts: list[str], *, profile: str, owner: str = "-", options: SummaryOptions | None = None,
        on_event: EventSink | None = None,
    ) -> Ticket:  # fmt: skip
        """Summarise English texts (no translation): straight to the summary lane."""
        with self._place():
            ticket = Ticket(
                owner, profile, self.parts[profile], [], True, options, on_event, english=list(texts)
            )
            self._queue(ticket, [SummaryJob(ticket, i, len(t.split())) for i, t in enumerate(texts)])
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """The client went away: its waiting sentences and summaries are dropped before the next batch."""
        self._finish(ticket, Cancelled())

    def drain(self, timeout: float) -> None:
        """Stop soon (SIGTERM): refuse new requests, answer those not started with ShuttingDown,
        let started ones finish for up to ``timeout`` seconds, then stop."""
        with self._work:
            self._draining = True
            unstarted = [t for t in self._tickets if not t.started]
        for ticket in unstarted:
            self._finish(ticket, ShuttingDown())
        with self._work:
            self._work.wait_for(lambda: not self._tickets, timeout)
        self.stop(timeout=1.0)

    def stop(self, timeout: float = 5.0) -> None:
        """The batch and summary in flight finish; every request not finished gets ShuttingDown."""
        with self._work:
            self._stopping = True
            pending, self._tickets = self._tickets, []
            self.summaries.queue.clear()
            self._work.notify_all()
        for ticket in pending:
            self._finish(ticket, ShuttingDown())
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=max(0.0, deadline - time.monotonic()))

    @contextlib.contextmanager
    def _place(self) -> Iterator[None]:
        """Check for a place and take it in one step, so two requests cannot both take the last one."""
        with self._work:
            if self._stopping or self._draining:
                raise ShuttingDown()
            if len(self._tickets) + self._preparing >= self.max_queue:
                raise QueueFull()
            self._preparing += 1
        try:
            yield
        finally:
            with self._work:
                self._preparing -= 1

    def _queue(self, ticket: Ticket, summaries: list[SummaryJob] | None = None) -> None:
        with self._work:
            if self._stopping or self._draining:
                raise ShuttingDown()
            if not ticket.finished:
                self._tickets.append(ticket)
                self.summaries.queue.add(*(summaries or []))
                self._work.notify_all()

    def _advance(self, ticket: Ticket) -> list[SummaryJob]:
        """Send what is ready, queue finished documents' summaries, finish the request when done.
        Returns the summaries that need no model, for the caller to make outside its locks."""
        if ticket.cancelled or ticket.finished:
            return []
        now = [job for doc in send_ready(ticket) if (job := self.summaries.add(ticket, doc)) is not None]
        if not now:
            self._finish_if_done(ticket)
        return now

    def _finish_if_done(self, ticket: Ticket) -> None:
        if is_done(ticket):
            self._finish(ticket, None)

    def _finish(self, ticket: Ticket, error: Exception | None) -> None:
        """Answer ``ticket`` once: its result, or ``error`` (its waiting work is dropped)."""
        with self._work:
            if ticket.finished:
                return
            ticket.finished = True
            if ticket in self._tickets:
                self._tickets.remove(ticket)
            ticket.queue.clear()
            ticket.waiting_tokens = 0
            if error is not None:
                ticket.cancelled = True  # its summaries are skipped too
            self._work.notify_all()  # a drain waits for the last request
        answer(ticket, error)


_RUNNING: "weakref.WeakSet[Engine]" = weakref.WeakSet()
EXIT_WAIT_S = 60.0  # at exit, a model call in flight gets this long to end before the process does


@atexit.register
def _stop_at_exit() -> None:
    """Workers are daemon threads; one still inside a model call when the interpreter tears down
    aborts the process (C++'s terminate). At exit (Ctrl-C included), each engine stops first and
    its workers end their call in flight."""
    for engine in list(_RUNNING):
        engine.stop(timeout=EXIT_WAIT_S)


def _start(engine: Engine, workers: int | None, summary_workers: int | None) -> list[threading.Thread]:
    """The lanes' daemon workers: by default as many as the parts' configs say (engine/cores.py)."""
    parts = engine.parts.values()
    translation, summaries = engine.translation, engine.summaries
    lanes = [
        ("batches", workers or max(p.config.translation.workers for p in parts), translation.models(),
         lambda: translation.take(engine._tickets), translation.run,
         lambda batch: {t for ts in batch[1].values() for t in ts}),
        ("summaries", summary_workers or max(p.config.summarization.workers for p in parts),
         summaries.models(), summaries.queue.take, summaries.run, lambda job: {job.ticket}),
    ]  # fmt: skip
    threads = [
        threading.Thread(
            target=_supervised, args=(engine, *lane[2:]), name=f"translator-{lane[0]}-{i}", daemon=True
        )
        for lane in lanes
        for i in range(lane[1])
    ]
    for thread in threads:
        thread.start()
    _RUNNING.add(engine)
    return threads


def _supervised(
    engine: Engine,
    models: list[Model],
    take: Callable[[], Any],
    run: Callable[[Any], None],
    touched: Callable[[Any], list[Ticket]],
) -> None:
    """A worker of a lane: take the next job (under the engine's lock) and run it, until stopped. A
    job that raises (a bug) fails the requests it ``touched``, with their ids, and is logged with
    its traceback; the worker goes on to the next job."""
    for model in models:
        model.bind_thread()
    while True:
        with engine._work:
            job = take()
            while job is None and not engine._stopping:
                engine._work.wait()
                job = take()
            if engine._stopping:
                return
        try:
            run(job)
        except Exception as e:  # noqa: BLE001 - a bug fails only the requests of this job
            engine.stats.faults += 1
            for ticket in touched(job):
                log.error("request %s: unexpected error in the engine", ticket.id, exc_info=e)
                engine._finish(
                    ticket, RequestFailed(f"internal error in the engine ({first_line(e)})", ticket.id)
                )
