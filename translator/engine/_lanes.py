"""The engine's two lanes: what a translation worker and a summary worker do with the work they
take. The engine owns the requests, the lock and the threads; a lane owns its own choice of
what runs next and hands results back through the engine's ``finish`` and ``advance``."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from ..errors import InputError, first_line
from ._batching import BatchCost, SummaryQueue, generate_isolated, take_batch
from .parts import Parts
from .summarize import Summary
from .tickets import RequestFailed, SummaryJob, Ticket, model_failure

if TYPE_CHECKING:
    from ..models.base import Model

log = logging.getLogger("translator.engine")

Finish = Callable[[Ticket, "Exception | None"], None]
Batch = tuple[str, dict[str, list[Ticket]]]  # a profile and, per model text, the requests waiting for it


class TranslationLane:
    """Chooses each batch (owners in turn, within the measured budget), runs it, hands out its outputs."""

    def __init__(
        self,
        parts: dict[str, Parts],
        cost: BatchCost,
        finish: Finish,
        advance: Callable[[Ticket], list[SummaryJob]],
        stats: Any,
        summarize_now: Callable[[SummaryJob], None],
    ) -> None:
        self.parts = parts
        self.stats = stats  # the engine's EngineStats
        self._summarize_now = summarize_now  # summaries that need no model, run after the hand-off
        self.cost = cost
        self._finish = finish
        self._advance = advance
        self._owner_served: dict[str, float] = {}
        self._handoff = (
            threading.Lock()
        )  # outputs handed to requests, and sentences sent, one thread at a time

    def models(self) -> list[Model]:
        return [p.translator.model for p in self.parts.values() if p.translator is not None]

    def budget(self, profile: str) -> int:
        """Padded tokens for the next batch: about the target seconds of work at the measured cost."""
        return self.cost.budget(profile, self.parts[profile].config.translation.max_batch_tokens or 4096)

    def take(self, tickets: list[Ticket]) -> Batch | None:
        """The next batch (called under the engine's lock)."""
        waiting = [t for t in tickets if t.queue and not t.cancelled]
        return take_batch(waiting, self._owner_served, self.budget, time.monotonic()) if waiting else None

    def run(self, batch: Batch) -> None:
        profile, texts = batch
        translator = self.parts[profile].translator
        assert translator is not None
        lengths = {text: tickets[0].tokens[text] for text, tickets in texts.items()}
        started = time.perf_counter()
        outputs, failures = generate_isolated(translator, list(texts), lengths)
        seconds = time.perf_counter() - started
        self.stats.batches += 1
        self.stats.pieces += len(outputs)
        self.stats.wasted += sum(1 for text in outputs if all(ticket.cancelled for ticket in texts[text]))
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
            now: list[SummaryJob] = []
            for ticket, tokens in touched.items():
                ticket.timings["translate"] = ticket.timings.get("translate", 0.0) + seconds * tokens / total
                now += self._advance(ticket)
        for job in now:  # outside the hand-off lock: no other batch waits for an extractive summary
            self._summarize_now(job)


class SummaryLane:
    """Queues documents' summaries (owners in turn, shortest first, with aging) and makes them."""

    def __init__(
        self,
        parts: dict[str, Parts],
        work: threading.Condition,
        finish: Finish,
        done: Callable[[Ticket], None],
    ) -> None:
        self.parts = parts
        self.queue = SummaryQueue()  # guarded by ``work``, the engine's lock
        self._work = work
        self._finish = finish
        self._done = done  # the engine's: finish the request if nothing is left

    def models(self) -> list[Model]:
        return [p.summary.model for p in self.parts.values() if p.summary.model is not None]

    def add(self, ticket: Ticket, doc: int) -> SummaryJob | None:
        """Queue a document's summary; one that needs no model (extractive, or one sentence) is
        returned instead, for the caller to make at once, outside any lock, so that a short request
        never waits behind articles' summaries."""
        texts = ticket.parts.summary_input(ticket.segments[doc])
        if not ticket.parts.summary.uses_model(texts, ticket.options):
            return SummaryJob(ticket, doc, 0)
        with self._work:
            self.queue.add(SummaryJob(ticket, doc, sum(len(t.split()) for t in texts)))
            self._work.notify_all()
        return None

    def run(self, job: SummaryJob) -> None:
        ticket = job.ticket
        started = time.perf_counter()
        ticket.emit("window", job.doc, (0, 1))  # the summary began, even when no model runs

        def on_window(done: int, total: int) -> None:
            ticket.emit("window", job.doc, (done, total))

        try:
            if ticket.english is not None:
                made: Any = ticket.parts.english_result(ticket.english[job.doc], ticket.options, on_window)
            else:
                made = ticket.parts.summarize_segments(ticket.segments[job.doc], ticket.options, on_window)
        except InputError as e:
            made = e
        except Exception as e:  # noqa: BLE001 - this request's summary failed; the others go on
            log.error("request %s: the summary failed", ticket.id, exc_info=e)
            self._finish(ticket, RequestFailed(f"the summary failed ({first_line(e)})", ticket.id))
            return
        ticket.timings[f"summarize{job.doc}"] = time.perf_counter() - started
        ticket.summaries[job.doc] = made
        if isinstance(made, Summary):
            ticket.emit("summary", job.doc, made)
        self._done(ticket)
