"""The scheduler's two lanes: what a translation worker and a summary worker do with the work they
take. The scheduler owns the requests, the lock and the threads; a lane owns its own choice of
what runs next and hands results back through the scheduler's ``finish`` and ``advance``."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from ..errors import InputError, first_line
from ..pipeline import Pipeline
from ..summarize import Summary
from .batching import BatchCost, SummaryQueue, generate_isolated, take_batch
from .tickets import RequestFailed, SummaryJob, Ticket, model_failure

log = logging.getLogger("translator.server")

Finish = Callable[[Ticket, "Exception | None"], None]
Batch = tuple[str, dict[str, list[Ticket]]]  # a profile and, per model text, the requests waiting for it


class TranslationLane:
    """Chooses each batch (owners in turn, within the measured budget), runs it, hands out its outputs."""

    def __init__(
        self,
        pipelines: dict[str, Pipeline],
        cost: BatchCost,
        finish: Finish,
        advance: Callable[[Ticket], None],
    ):
        self.pipelines = pipelines
        self.cost = cost
        self._finish = finish
        self._advance = advance
        self._owner_served: dict[str, float] = {}
        self._handoff = (
            threading.Lock()
        )  # outputs handed to requests, and sentences sent, one thread at a time
        self.batches = 0  # generate batches run, for tests and logs

    def models(self) -> list:
        return [p.translator.model for p in self.pipelines.values() if p.translator is not None]

    def budget(self, profile: str) -> int:
        """Padded tokens for the next batch: about the target seconds of work at the measured cost."""
        return self.cost.budget(profile, self.pipelines[profile].config.translation.max_batch_tokens or 4096)

    def take(self, tickets: list[Ticket]) -> Batch | None:
        """The next batch (called under the scheduler's lock)."""
        waiting = [t for t in tickets if t.queue and not t.cancelled]
        return take_batch(waiting, self._owner_served, self.budget, time.monotonic()) if waiting else None

    def run(self, batch: Batch) -> None:
        profile, texts = batch
        translator = self.pipelines[profile].translator
        assert translator is not None
        lengths = {text: tickets[0].tokens[text] for text, tickets in texts.items()}
        started = time.perf_counter()
        outputs, failures = generate_isolated(translator, list(texts), lengths)
        seconds = time.perf_counter() - started
        self.batches += 1
        padded = max(lengths.values()) * len(texts)
        self.cost.record(profile, seconds, padded)
        log.debug("batch of %d pieces (%d padded tokens) in %.3f s", len(texts), padded, seconds)
        try:
            translator.remember(outputs)
        except Exception as e:  # noqa: BLE001 - a memory that cannot be written must not fail a translation
            log.warning("translation memory: %s", first_line(e))
        total = sum(lengths[t] * len(ts) for t, ts in texts.items())
        with self._handoff:
            touched: dict[Ticket, int] = {}
            for text, tickets in texts.items():
                for ticket in tickets:
                    touched[ticket] = touched.get(ticket, 0) + lengths[text]
                    if text in failures:
                        error = model_failure(ticket, text, failures[text])
                        log.error("request %s: %s", ticket.id, error, exc_info=failures[text])
                        self._finish(ticket, error)
                    else:
                        ticket.outputs[text] = outputs[text]
            for ticket, tokens in touched.items():
                ticket.timings["translate"] = ticket.timings.get("translate", 0.0) + seconds * tokens / total
                self._advance(ticket)


class SummaryLane:
    """Queues documents' summaries (owners in turn, shortest first, with aging) and makes them."""

    def __init__(
        self, pipelines: dict[str, Pipeline], work: threading.Condition, finish: Finish, done: Callable
    ):
        self.pipelines = pipelines
        self.queue = SummaryQueue()  # guarded by ``work``, the scheduler's lock
        self._work = work
        self._finish = finish
        self._done = done  # the scheduler's: finish the request if nothing is left

    def models(self) -> list:
        return [p.summary.model for p in self.pipelines.values() if p.summary.model is not None]

    def add(self, ticket: Ticket, doc: int) -> None:
        """Queue a document's summary; one that needs no model (extractive, or one sentence) is made
        at once, so a short request never waits behind articles' summaries."""
        texts = ticket.pipeline.summary_input(ticket.segments[doc])
        if not ticket.pipeline.summary.uses_model(texts, ticket.options):
            self.run(SummaryJob(ticket, doc, 0))
            return
        with self._work:
            self.queue.add(SummaryJob(ticket, doc, sum(len(t.split()) for t in texts)))
            self._work.notify_all()

    def run(self, job: SummaryJob) -> None:
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
        self._done(ticket)
