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
from typing import Any, Callable

from ..documents import Document
from ..errors import InputError, first_line
from ..models.base import Generated
from ..pipeline import Pipeline
from ..prepare import Prepared
from ..summarize import Summary, SummaryOptions
from .batching import take_batch
from .tickets import (
    Cancelled,
    EventSink,
    QueueFull,
    RequestFailed,
    ShuttingDown,
    SummaryJob,
    Ticket,
    piece_ranges,
    results_of,
)

__all__ = ["Cancelled", "EventSink", "QueueFull", "RequestFailed", "Scheduler", "ShuttingDown", "Ticket"]

log = logging.getLogger("translator.server")

TARGET_BATCH_S = 1.0  # one batch is about this much work, so a newcomer waits about this long
INITIAL_BATCH_TOKENS = 256  # padded tokens of the first batch, before any cost is measured
MIN_BATCH_TOKENS = 32
COST_SMOOTHING = 0.3  # weight of the newest batch in the measured cost per token


class Scheduler:
    """Owns the pipelines (one per profile); ``workers`` threads translate, ``summary_workers`` summarise."""

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
        self.target_batch_s = target_batch_s
        self._tickets: list[Ticket] = []  # not finished, in arrival order
        self._summaries: list[SummaryJob] = []
        self._last_summary_owner: dict[str, float] = {}
        self._owner_served: dict[str, float] = {}
        self._seconds_per_token: dict[str, float] = {}  # per profile, measured
        self._work = threading.Condition()
        self._handoff = (
            threading.Lock()
        )  # outputs handed to requests, and sentences sent, by one thread at a time
        self._stopping = False
        self.batches = 0  # generate batches run, for tests and logs
        workers = workers or max(p.config.translation.workers for p in pipelines.values())
        translation = [p.translator.model for p in pipelines.values() if p.translator is not None]
        summaries = [p.summary.model for p in pipelines.values() if p.summary.model is not None]
        lanes: list[tuple[str, int, tuple[list, Callable[[], Any], Callable[[Any], None]]]] = [
            ("batches", workers, (translation, self._next_batch, lambda batch: self._run_batch(*batch)))
        ]
        summary_workers = summary_workers or max(p.config.summarization.workers for p in pipelines.values())
        lanes.append(("summaries", summary_workers, (summaries, self._next_summary, self._run_summary)))
        self._threads = [
            threading.Thread(target=self._lane, args=lane, name=f"translator-{name}-{i}", daemon=True)
            for name, count, lane in lanes
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()

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
        """Prepare ``texts`` on the calling thread (segmenting needs no model) and queue their work.

        The ticket's future gets one Result (or InputError) per text."""
        self._admit()
        pipeline = self.pipelines[profile]
        assert pipeline.translator is not None
        docs = pipeline.prepare_many(texts, force)
        ticket = Ticket(
            owner, profile, pipeline, docs, summarize and pipeline.summary.enabled, options, on_event
        )
        ticket.sent = [0] * len(docs)
        ticket.segments = [[] for _ in docs]
        ticket.ranges = [piece_ranges(doc) if isinstance(doc, Prepared) else [] for doc in docs]
        wanted = list(dict.fromkeys(t for d in docs if isinstance(d, Prepared) for t in d.to_translate))
        ticket.outputs = pipeline.translator.recall(wanted)
        todo = [t for t in wanted if t not in ticket.outputs]
        ticket.tokens = pipeline.translator.token_counts(todo)
        ticket.queue.extend(todo)
        ticket.waiting_tokens = sum(ticket.tokens.values())
        for i, doc in enumerate(docs):
            if isinstance(doc, Prepared):
                ticket.emit("sentences", i, doc)
        return self._enqueue(ticket)

    def submit_english(
        self, texts: list[str], *, profile: str, owner: str = "-", options: SummaryOptions | None = None
    ) -> Ticket:
        """Summarise English texts (no translation): straight to the summary thread."""
        self._admit()
        pipeline = self.pipelines[profile]
        ticket = Ticket(owner, profile, pipeline, [], True, options, english=list(texts))
        with self._work:
            self._tickets.append(ticket)
            self._summaries += [SummaryJob(ticket, i, len(text.split())) for i, text in enumerate(texts)]
            self._work.notify_all()
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """The client went away: its waiting sentences and summaries are dropped before the next batch."""
        self._finish(ticket, Cancelled())

    def stop(self, timeout: float = 5.0) -> None:
        """The batch and summary in flight finish; every request not finished gets ShuttingDown."""
        with self._work:
            self._stopping = True
            pending, self._tickets, self._summaries = self._tickets, [], []
            self._work.notify_all()
        for ticket in pending:
            self._finish(ticket, ShuttingDown())
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _admit(self) -> None:
        with self._work:
            if self._stopping:
                raise ShuttingDown()
            if len(self._tickets) >= self.max_queue:
                raise QueueFull()

    def _enqueue(self, ticket: Ticket) -> Ticket:
        self._advance(ticket)  # sentences the memory held are sent before any other thread sees the ticket
        with self._work:
            if self._stopping:
                raise ShuttingDown()
            if not ticket.finished:
                self._tickets.append(ticket)
                self._work.notify_all()
        return ticket

    # ---- the translation thread ------------------------------------------------------------------

    def _lane(self, models: list, take: Callable[[], Any], run: Callable[[Any], None]) -> None:
        """A worker of a lane: take the next piece of work (under the lock) and run it, until stopped."""
        for model in models:
            model.bind_thread()
        while True:
            with self._work:
                work = take()
                while work is None and not self._stopping:
                    self._work.wait()
                    work = take()
                if self._stopping:
                    return
            run(work)

    def budget(self, profile: str) -> int:
        """Padded tokens for the next batch: about ``target_batch_s`` of work at the measured cost."""
        cap = self.pipelines[profile].config.translation.max_batch_tokens or 4096
        cost = self._seconds_per_token.get(profile)
        wanted = INITIAL_BATCH_TOKENS if cost is None else int(self.target_batch_s / cost)
        return min(cap, max(MIN_BATCH_TOKENS, wanted))

    def _next_batch(self) -> tuple[str, dict[str, list[Ticket]]] | None:
        """The next batch (called under the lock): pieces in turn across owners, then requests."""
        waiting = [t for t in self._tickets if t.queue and not t.cancelled]
        return take_batch(waiting, self._owner_served, self.budget, time.monotonic()) if waiting else None

    def _run_batch(self, profile: str, batch: dict[str, list[Ticket]]) -> None:
        translator = self.pipelines[profile].translator
        assert translator is not None
        texts = list(batch)
        lengths = {text: tickets[0].tokens[text] for text, tickets in batch.items()}
        started = time.perf_counter()
        outputs, failures = self._generate(translator, texts, lengths)
        seconds = time.perf_counter() - started
        self.batches += 1
        padded = max(lengths.values()) * len(texts)
        measured = seconds / padded
        previous = self._seconds_per_token.get(profile)
        self._seconds_per_token[profile] = (
            measured if previous is None else previous + COST_SMOOTHING * (measured - previous)
        )
        log.debug("batch of %d pieces (%d padded tokens) in %.3f s", len(texts), padded, seconds)
        try:
            translator.remember(outputs)
        except Exception as e:  # noqa: BLE001 - a memory that cannot be written must not fail a translation
            log.warning("translation memory: %s", first_line(e))
        total = sum(lengths[t] * len(ts) for t, ts in batch.items())
        with self._handoff:
            touched: dict[Ticket, int] = {}
            for text, tickets in batch.items():
                for ticket in tickets:
                    touched[ticket] = touched.get(ticket, 0) + lengths[text]
                    if text in failures:
                        self._fail(ticket, text, failures[text])
                    else:
                        ticket.outputs[text] = outputs[text]
            for ticket, tokens in touched.items():
                ticket.timings["translate"] = ticket.timings.get("translate", 0.0) + seconds * tokens / total
                self._advance(ticket)

    @staticmethod
    def _generate(
        translator, texts: list[str], lengths: dict[str, int]
    ) -> tuple[dict[str, Generated], dict[str, Exception]]:
        """The batch's outputs by text; when the batch raises, each text alone, so one bad input
        fails only itself (the bulkhead)."""
        try:
            return dict(zip(texts, translator.generate_batch(texts, lengths))), {}
        except Exception as e:  # noqa: BLE001 - isolated below; a text that fails alone is reported
            log.warning("a batch of %d failed (%s); retrying its texts one by one", len(texts), first_line(e))
        outputs, failures = {}, {}
        for text in texts:
            try:
                outputs[text] = translator.generate_batch([text], lengths)[0]
            except Exception as e:  # noqa: BLE001 - handed to the requests that sent this text
                failures[text] = e
        return outputs, failures

    def _fail(self, ticket: Ticket, text: str, error: Exception) -> None:
        sentence = next(
            (
                d.owner[d.model_texts.index(text)] + 1
                for d in ticket.docs
                if isinstance(d, Prepared) and text in d.model_texts
            ),
            0,
        )
        log.error(
            "request %s: the model failed on sentence %d: %s",
            ticket.id,
            sentence,
            first_line(error),
            exc_info=error,
        )
        message = (
            f"the translation model failed on sentence {sentence} of this request ({first_line(error)}); "
            f"request id {ticket.id}"
        )
        self._finish(ticket, RequestFailed(message))

    def _advance(self, ticket: Ticket) -> None:
        """Send every sentence whose pieces are all in, in order; queue a finished document's
        summary; finish the request when nothing is left."""
        if ticket.cancelled or ticket.finished:
            return
        for i, doc in enumerate(ticket.docs):
            if not isinstance(doc, Prepared) or ticket.sent[i] == len(doc.sentences):
                continue
            for index in range(ticket.sent[i], len(doc.sentences)):
                texts = [doc.model_texts[p] for p in ticket.ranges[i][index]]
                if any(t is not None and t not in ticket.outputs for t in texts):
                    break
                parts = [
                    ticket.outputs[t] if t is not None else Generated(doc.pieces[p].text, 0, False)
                    for p, t in zip(ticket.ranges[i][index], texts)
                ]
                segment = ticket.pipeline.segment(doc, index, parts)
                ticket.segments[i].append(segment)
                ticket.sent[i] += 1
                ticket.emit("sentence", i, (index, segment, ticket.sent[i], len(doc.sentences)))
            if ticket.sent[i] == len(doc.sentences) and ticket.summarize and i not in ticket.summaries:
                self._queue_summary(ticket, i)
        self._maybe_finish(ticket)

    def _queue_summary(self, ticket: Ticket, doc: int) -> None:
        """Queue a document's summary for the summary lane; one that needs no model (extractive,
        or one sentence) is made at once, so a short request never waits behind articles' summaries."""
        texts = ticket.pipeline.summary_input(ticket.segments[doc])
        if not ticket.pipeline.summary.uses_model(texts, ticket.options):
            self._run_summary(SummaryJob(ticket, doc, 0))
            return
        with self._work:
            self._summaries.append(SummaryJob(ticket, doc, sum(len(t.split()) for t in texts)))
            self._work.notify_all()

    def _maybe_finish(self, ticket: Ticket) -> None:
        done = all(
            not isinstance(doc, Prepared)
            or (ticket.sent[i] == len(doc.sentences) and (not ticket.summarize or i in ticket.summaries))
            for i, doc in enumerate(ticket.docs)
        )
        if ticket.english is not None:
            done = len(ticket.summaries) == len(ticket.english)
        if done:
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
        if error is not None:
            ticket.future.set_exception(error)
            return
        try:
            ticket.future.set_result(results_of(ticket))
        except Exception as e:  # noqa: BLE001 - a bug in assembly fails this request alone
            log.error("request %s: cannot assemble the result", ticket.id, exc_info=e)
            ticket.future.set_exception(e)

    # ---- the summary thread ----------------------------------------------------------------------

    def _next_summary(self) -> SummaryJob | None:
        """The owner served longest ago goes first; within it, the shortest text, with aging."""
        self._summaries = [j for j in self._summaries if not j.ticket.cancelled]
        if not self._summaries:
            return None
        now = time.monotonic()
        job = min(
            self._summaries, key=lambda j: (self._last_summary_owner.get(j.ticket.owner, 0.0), j.key(now))
        )
        self._summaries.remove(job)
        self._last_summary_owner[job.ticket.owner] = now
        return job

    def _run_summary(self, job: SummaryJob) -> None:
        ticket = job.ticket
        started = time.perf_counter()
        try:
            if ticket.english is not None:
                made: Any = ticket.pipeline.summarize_text(ticket.english[job.doc], ticket.options)
            else:
                made = ticket.pipeline.summarize_segments(ticket.segments[job.doc], ticket.options)
        except InputError as e:
            made = e
        except Exception as e:  # noqa: BLE001 - this request's summary failed; the others go on
            log.error("request %s: the summary failed", ticket.id, exc_info=e)
            self._finish(
                ticket, RequestFailed(f"the summary failed ({first_line(e)}); request id {ticket.id}")
            )
            return
        ticket.timings[f"summarize{job.doc}"] = time.perf_counter() - started
        ticket.summaries[job.doc] = made
        if isinstance(made, Summary):
            ticket.emit("summary", job.doc, made)
        self._maybe_finish(ticket)
