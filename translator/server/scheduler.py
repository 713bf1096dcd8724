"""The service's scheduler: while serving, the only caller of the models.

Translation is scheduled at the grain of one model batch, not one request (Bergamot's design).
Each request's pieces (the distinct model texts the translation memory did not have) wait in the
request's own queue, in document order. Before every ``generate`` call the next batch is built
from everything waiting:

* **Owners share each batch equally.** An owner is an API key, or the client's address without
  keys. Owners are visited in turn, one piece each, so a key that sends 500 articles gets the same
  share as a key that sends one.
* **Within an owner, requests take turns, shortest remaining work first.** Turns last across
  batches: the request served longest ago (a new one: never) goes first, so a newcomer is in the
  very next batch and nothing waits forever, however small the batches. Among requests equally
  due, the shortest remaining work goes first: its key is its waiting tokens minus an aging credit
  (``AGING_TOKENS_PER_S`` for every second it has waited). Owners' turns last across batches too.
* **A request's pieces go in document order**, so its sentences finish, and stream, in order.
* **A token budget, not a sentence count.** A batch closes when its padded tokens (longest piece
  times count, what the model computes) would pass the budget. The budget follows the measured
  cost of recent batches so that one batch is about ``TARGET_BATCH_S`` of work on this machine:
  a request that arrives now waits for at most the batch in flight, then joins the next.

Each lane is a pool of single-threaded workers (CTranslate2's ``inter_threads``): several batches,
and several summaries, may run at once, and either lane can use every core the other leaves idle.
After each call every output is handed to each request that waits for it; a sentence is sent
(``on_event``) as soon as all its pieces are in, and a document's summary is queued when its last
sentence is. Summaries (one long encoder pass and a long decode) run on their own thread, with
their own cores, so they never hold up anyone's sentences: owners in turn, shortest text first,
with aging. A cancelled request is dropped before the next batch and before its summary. A batch
that raises is run again one text at a time, and only the requests whose text fails get an error.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from ..documents import Document
from ..pipeline import Pipeline
from ..summarize import SummaryOptions
from .batching import TARGET_BATCH_S, BatchCost
from .lanes import SummaryLane, TranslationLane
from .tickets import (
    Cancelled,
    EventSink,
    QueueFull,
    RequestFailed,
    ShuttingDown,
    SummaryJob,
    Ticket,
    is_done,
    open_ticket,
    results_of,
    send_ready,
)

__all__ = ["Cancelled", "EventSink", "QueueFull", "RequestFailed", "Scheduler", "ShuttingDown", "Ticket"]

log = logging.getLogger("translator.server")


class Scheduler:
    """Owns the pipelines (one per profile) and the requests; ``workers`` threads translate,
    ``summary_workers`` summarise."""

    def __init__(
        self,
        pipelines: dict[str, Pipeline],
        max_queue: int = 64,
        target_batch_s: float = TARGET_BATCH_S,
        workers: int | None = None,
        summary_workers: int | None = None,
    ):
        self.pipelines = pipelines
        self.max_queue = max_queue
        self._tickets: list[Ticket] = []  # not finished, in arrival order
        self._work = threading.Condition()
        self._stopping = False
        self._draining = False  # stopping soon: nothing new is admitted
        self.translation = TranslationLane(pipelines, BatchCost(target_batch_s), self._finish, self._advance)
        self.summaries = SummaryLane(pipelines, self._work, self._finish, self._finish_if_done)
        workers = workers or max(p.config.translation.workers for p in pipelines.values())
        summary_workers = summary_workers or max(p.config.summarization.workers for p in pipelines.values())
        lanes = [
            ("batches", workers, (self.translation.models(), lambda: self.translation.take(self._tickets),
                                  self.translation.run)),
            ("summaries", summary_workers, (self.summaries.models(), self.summaries.queue.take,
                                            self.summaries.run)),
        ]  # fmt: skip
        self._threads = _start(lambda *lane: _worker(self._work, lambda: self._stopping, *lane), lanes)

    @property
    def in_progress(self) -> int:
        """Requests admitted and not yet answered."""
        return len(self._tickets)

    # ---- the caller's side ---------------------------------------------------------------------

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
    ) -> Ticket:
        """Prepare ``texts`` on the calling thread and queue their work.

        The ticket's future gets one Result (or InputError) per text."""
        self._admit()
        ticket = open_ticket(
            self.pipelines[profile], texts, profile=profile, owner=owner, summarize=summarize,
            force=force, options=options, on_event=on_event,
        )  # fmt: skip
        self._advance(ticket)  # sentences the memory held are sent before any other thread sees the ticket
        with self._work:
            if self._stopping or self._draining:
                raise ShuttingDown()
            if not ticket.finished:
                self._tickets.append(ticket)
                self._work.notify_all()
        return ticket

    def submit_english(
        self, texts: list[str], *, profile: str, owner: str = "-", options: SummaryOptions | None = None
    ) -> Ticket:
        """Summarise English texts (no translation): straight to the summary lane."""
        self._admit()
        pipeline = self.pipelines[profile]
        ticket = Ticket(owner, profile, pipeline, [], True, options, english=list(texts))
        with self._work:
            self._tickets.append(ticket)
            self.summaries.queue.add(*(SummaryJob(ticket, i, len(t.split())) for i, t in enumerate(texts)))
            self._work.notify_all()
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
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _admit(self) -> None:
        with self._work:
            if self._stopping or self._draining:
                raise ShuttingDown()
            if len(self._tickets) >= self.max_queue:
                raise QueueFull()

    # ---- the workers' side -----------------------------------------------------------------------

    def _advance(self, ticket: Ticket) -> None:
        """Send what is ready, queue finished documents' summaries, finish the request when done."""
        if ticket.cancelled or ticket.finished:
            return
        for doc in send_ready(ticket):
            self.summaries.add(ticket, doc)
        self._finish_if_done(ticket)

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
        if error is not None:
            ticket.future.set_exception(error)
            return
        try:
            ticket.future.set_result(results_of(ticket))
        except Exception as e:  # noqa: BLE001 - a bug in assembly fails this request alone
            log.error("request %s: cannot assemble the result", ticket.id, exc_info=e)
            ticket.future.set_exception(e)


def _start(target: Callable, lanes: list) -> list[threading.Thread]:
    """``count`` daemon threads per lane, each running ``target`` with the lane's arguments."""
    threads = [
        threading.Thread(target=target, args=args, name=f"translator-{name}-{i}", daemon=True)
        for name, count, args in lanes
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    return threads


def _worker(
    work: threading.Condition, stopping: Callable[[], bool], models: list, take: Callable, run: Callable
) -> None:
    """A worker of a lane: take the next piece of work (under the lock) and run it, until stopped."""
    for model in models:
        model.bind_thread()
    while True:
        with work:
            job = take()
            while job is None and not stopping():
                work.wait()
                job = take()
            if stopping():
                return
        run(job)
