"""One request's state inside the engine (a Ticket), a queued summary, and the ways a request
ends other than with its result."""

from __future__ import annotations

import collections
import logging
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import InputError, TranslatorError, first_line
from ..models.base import Generated
from ..types import Result, Segment
from .assemble import kept, piece_outputs
from .parts import Parts
from .prepare import Prepared
from .summarize import SummaryOptions

log = logging.getLogger("translator.engine")

AGING_TOKENS_PER_S = 50.0  # among requests equally due, 10 s of waiting outweighs 500 tokens of work
AGING_WORDS_PER_S = 2.0  # summaries: a short one goes ahead of articles that have waited less than minutes

EventSink = Callable[
    [str, int, Any], None
]  # (kind, document index, payload): "sentences", "sentence", "window", "summary"


class QueueFull(Exception):
    """As many requests wait as may: the caller answers 503 with Retry-After."""


class ShuttingDown(Exception):
    """The server is stopping: requests not finished get 503."""


class Cancelled(Exception):
    """The client went away; its work was dropped."""


class RequestFailed(TranslatorError):
    """The request failed in the engine: the model on its own input, or a bug in a job it was part
    of (the other requests went on). Its id is in the message, the log and the service's answer."""

    def __init__(self, message: str, request_id: str) -> None:
        super().__init__(f"{message}; request id {request_id}")
        self.request_id = request_id


@dataclass(eq=False)
class Ticket:
    """One request: its prepared documents, what it waits for, and what it has been given."""

    owner: str
    profile: str
    parts: Parts
    docs: list[Prepared | InputError]
    summarize: bool
    options: SummaryOptions | None
    on_event: EventSink | None = None
    english: list[str] | None = None  # a summarise-only request: the English texts, no translation
    bulk: bool = False  # waited for whole (a batch's pool, a library list): throughput before latency
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    future: Future[list[Result | InputError]] = field(default_factory=Future)
    arrived: float = field(default_factory=time.monotonic)
    served: float = 0.0  # when it last had a piece in a batch (0: never): turns go to the longest unserved
    started: bool = False  # a piece or a summary of it has been taken by a lane
    cancelled: bool = False
    finished: bool = False  # answered (set under the engine's lock, once)
    queue: collections.deque[str] = field(default_factory=collections.deque)  # model texts not yet sent
    tokens: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Generated] = field(default_factory=dict)
    waiting_tokens: int = 0
    sent: list[int] = field(default_factory=list)  # per document: sentences sent so far
    ranges: list[list[range]] = field(default_factory=list)  # per document and sentence: its pieces
    segments: list[list[Segment]] = field(default_factory=list)
    summaries: dict[int, Any] = field(default_factory=dict)  # a Summary per document (a Result for English)
    timings: dict[str, float] = field(default_factory=dict)

    def key(self, now: float) -> float:
        return self.waiting_tokens - AGING_TOKENS_PER_S * (now - self.arrived)

    def emit(self, kind: str, doc: int, payload: Any) -> None:
        if self.on_event is not None and not self.cancelled:
            self.on_event(kind, doc, payload)


@dataclass(eq=False)
class SummaryJob:
    ticket: Ticket
    doc: int
    words: int
    queued: float = field(default_factory=time.monotonic)

    def key(self, now: float) -> float:
        """Shortest first, with aging; bulk work longest first (the longest summary started last
        would leave the other cores idle at the end: the makespan rule)."""
        size = -self.words if self.ticket.bulk else self.words
        return size - AGING_WORDS_PER_S * (now - self.queued)


def piece_ranges(doc: Prepared) -> list[range]:
    """For each sentence, the indices of its pieces (a sentence's pieces are consecutive)."""
    starts = [0] * (len(doc.sentences) + 1)
    for owner in doc.owner:
        starts[owner + 1] += 1
    for i in range(len(doc.sentences)):
        starts[i + 1] += starts[i]
    return [range(starts[i], starts[i + 1]) for i in range(len(doc.sentences))]


def results_of(ticket: Ticket) -> list[Result | InputError]:
    """A finished request's Results (or InputErrors), in its documents' order, from its outputs."""
    if ticket.english is not None:
        return [ticket.summaries[i] for i in range(len(ticket.english))]
    pieces = sum(len(d.to_translate) for d in ticket.docs if isinstance(d, Prepared)) or 1
    results: list[Result | InputError] = []
    for i, doc in enumerate(ticket.docs):
        if not isinstance(doc, Prepared):
            results.append(doc)
            continue
        outputs = piece_outputs(doc, ticket.outputs)
        timings = {
            "segment": ticket.timings.get("segment", 0.0),
            "translate": ticket.timings.get("translate", 0.0) * len(doc.to_translate) / pieces,
        }
        summary = ticket.summaries.get(i)
        if summary is not None:
            timings["summarize"] = ticket.timings.get(f"summarize{i}", 0.0)
        results.append(
            ticket.parts.result(
                doc, ticket.segments[i], summary, timings, ticket.options, sum(o.cached for o in outputs)
            )
        )
    return results


def answer(ticket: Ticket, error: Exception | None) -> None:
    """Set the ticket's future: ``error``, or its results (a bug in assembling them fails this
    request alone, logged with its id)."""
    if error is not None:
        ticket.future.set_exception(error)
        return
    try:
        ticket.future.set_result(results_of(ticket))
    except Exception as e:  # noqa: BLE001 - a bug in assembly fails this request alone
        log.error("request %s: cannot assemble the result", ticket.id, exc_info=e)
        ticket.future.set_exception(
            RequestFailed(f"internal error assembling the result ({first_line(e)})", ticket.id)
        )


def open_ticket(
    parts: Parts,
    texts: list[Any],
    *,
    profile: str,
    owner: str,
    summarize: bool,
    force: bool,
    options: SummaryOptions | None,
    on_event: EventSink | None,
    bulk: bool = False,
) -> Ticket:
    """Prepare ``texts`` (segmenting needs no model) and make their request: what the translation
    memory holds is in its outputs, the rest waits in its queue in document order (``bulk``:
    shortest first, so that batches of similar lengths carry little padding)."""
    translator = parts.translator
    assert translator is not None
    started = time.perf_counter()
    docs = parts.prepare_many(texts, force)
    segment_seconds = (time.perf_counter() - started) / max(1, len(docs))
    ticket = Ticket(
        owner, profile, parts, docs, summarize and parts.summary.enabled, options, on_event, bulk=bulk
    )
    ticket.timings["segment"] = segment_seconds
    ticket.sent = [0] * len(docs)
    ticket.segments = [[] for _ in docs]
    ticket.ranges = [piece_ranges(doc) if isinstance(doc, Prepared) else [] for doc in docs]
    wanted = list(dict.fromkeys(t for d in docs if isinstance(d, Prepared) for t in d.to_translate))
    ticket.outputs = translator.recall(wanted)
    todo = [t for t in wanted if t not in ticket.outputs]
    ticket.tokens = translator.token_counts(todo)
    ticket.queue.extend(sorted(todo, key=ticket.tokens.__getitem__) if bulk else todo)
    ticket.waiting_tokens = sum(ticket.tokens.values())
    for i, doc in enumerate(docs):
        if isinstance(doc, Prepared):
            ticket.emit("sentences", i, doc)
    return ticket


def send_ready(ticket: Ticket) -> list[int]:
    """Send every sentence whose pieces are all in, in order; the documents whose last sentence
    this sent and whose summary is due."""
    due = []
    for i, doc in enumerate(ticket.docs):
        if not isinstance(doc, Prepared) or ticket.sent[i] == len(doc.sentences):
            continue
        for index in range(ticket.sent[i], len(doc.sentences)):
            texts = [doc.model_texts[p] for p in ticket.ranges[i][index]]
            if any(t is not None and t not in ticket.outputs for t in texts):
                break
            parts = [
                ticket.outputs[t] if t is not None else kept(doc, p)
                for p, t in zip(ticket.ranges[i][index], texts)
            ]
            segment = ticket.parts.segment(doc, index, parts)
            ticket.segments[i].append(segment)
            ticket.sent[i] += 1
            ticket.emit("sentence", i, (index, segment, ticket.sent[i], len(doc.sentences)))
        if ticket.sent[i] == len(doc.sentences) and ticket.summarize and i not in ticket.summaries:
            due.append(i)
    return due


def is_done(ticket: Ticket) -> bool:
    """Every sentence sent and every summary made."""
    if ticket.english is not None:
        return len(ticket.summaries) == len(ticket.english)
    return all(
        not isinstance(doc, Prepared)
        or (ticket.sent[i] == len(doc.sentences) and (not ticket.summarize or i in ticket.summaries))
        for i, doc in enumerate(ticket.docs)
    )


def model_failure(ticket: Ticket, text: str, error: Exception) -> RequestFailed:
    """The error for a request whose model text ``text`` failed: which sentence, why, the request id."""
    sentence = next(
        (
            d.owner[d.model_texts.index(text)] + 1
            for d in ticket.docs
            if isinstance(d, Prepared) and text in d.model_texts
        ),
        0,
    )
    return RequestFailed(
        f"the translation model failed on sentence {sentence} of this request ({first_line(error)})",
        ticket.id,
    )
