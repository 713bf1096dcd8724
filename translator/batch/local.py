"""The local batch engine: documents in, one record each out, streaming, resumable.

Every document gets exactly one record: its results, or ``error`` with the reason. Records are
appended whole, one write each, and flushed per pool; a rerun of the same command skips the ids
already in the output. Inputs are read lazily and grouped into pools as they come, so memory is
bounded by the pools in flight, not by the corpus. Each pool is handed to the engine whole
(``Pipeline.submit``): its documents' sentences share batches, shortest first, with the summaries
on their own lane, and the next pool is read and segmented while the current one translates
(``READ_AHEAD_POOLS`` in the engine at once), so the engine never waits for the reader.
"""

from __future__ import annotations

import collections
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Union

from ..documents.reader import Document
from ..engine import EventSink, Ticket
from ..engine.pipeline import Pipeline, progress_events
from ..errors import LanguageError, TranslatorError, first_line
from ._records import Outcome, RecordWriter, error_record, result_record
from .items import Item
from .resume import ResumeState

if TYPE_CHECKING:
    from ..types import Result

DEFAULT_POOL_DOCS = 16
READ_AHEAD_POOLS = 2  # pools in the engine at once: one finishing, the next already queued behind it
PipelineSource = Union[Pipeline, Callable[[], Pipeline]]


@dataclass
class Stats:
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already in the output from an earlier run
    duplicates: int = 0  # ids met twice in the input; the later ones are not processed
    earlier_failed: int = 0  # records with an error written by an earlier run (and not redone)
    retried: int = 0  # failed in an earlier run, redone in this one (--retry-failed)
    empty: int = 0  # files with nothing to translate, copied as they were (counted in ok)
    sentences: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        total = self.ok + self.failed + self.skipped
        parts = [
            f"{total} documents: {self.ok} ok, {self.failed} failed, {self.skipped} skipped (already in the "
            "output)"
        ]
        if self.earlier_failed:
            parts.append(f"{self.earlier_failed} of the skipped had failed before")
        if self.retried:
            parts.append(f"{self.retried} of the processed had failed before (--retry-failed)")
        if self.empty:
            parts.append(f"{self.empty} of the ok had nothing to translate and were copied as they were")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate id(s) ignored")
        parts.append(f"{self.sentences} sentences, {self.seconds:.1f} s")
        if self.any_failed:
            parts.append("to redo the failed documents, fix their cause and rerun with --retry-failed")
        return "; ".join(parts)

    @property
    def any_failed(self) -> bool:
        return bool(self.failed or self.earlier_failed)

    def add(self, outcome: Outcome) -> None:
        if outcome.failure is None:
            self.ok += 1
            self.sentences += outcome.sentences
        else:
            self.failed += 1
            self.failures.append(outcome.failure)


def pending_items(
    items: Iterable[Item],
    state: ResumeState,
    stats: Stats,
    on_skip: Callable[[str], None] | None = None,
    retry_failed: bool = False,
) -> Iterator[Item]:
    """The items still to do, each id once; counts the skipped and duplicate ones in ``stats``.

    With ``retry_failed``, an id whose last record has an error is done again: its new record is
    appended, and readers take the last record of an id as its state.
    """
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            stats.duplicates += 1
            if on_skip:
                on_skip(f"{item.id}: duplicate id in the input; only the first is processed")
            continue
        seen.add(item.id)
        if item.id in state:
            if retry_failed and state.failed(item.id):
                stats.retried += 1
                yield item
                continue
            stats.skipped += 1
            stats.earlier_failed += state.failed(item.id)
            continue
        yield item


def pools(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive groups of ``size`` items, built as the items come: the documents whose
    sentences share batches."""
    pool: list[Item] = []
    for item in items:
        pool.append(item)
        if len(pool) >= size:
            yield pool
            pool = []
    if pool:
        yield pool


def run_batch(
    pipeline: PipelineSource,
    items: Iterable[Item],
    out: str | os.PathLike[str],
    *,
    state: ResumeState | None = None,
    summarize: bool = True,
    pool_docs: int = DEFAULT_POOL_DOCS,
    on_document: Callable[[int], None] | None = None,
    on_skip: Callable[[str], None] | None = None,
    force: bool = False,
    retry_failed: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
    mix_configs: bool = False,
) -> Stats:
    """Process every item not yet in ``out`` (and with ``retry_failed``, every item whose last
    record there failed); returns the counts for the summary line.

    ``pipeline`` may be a function that loads one: it is called only when there is work to do.
    ``state`` is the output's ResumeState when the caller has read it already. ``on_progress``
    follows each pool's stages (as ``Pipeline.run_many``'s ``progress``). A pipeline whose
    signature differs from the records already in ``out`` is refused unless ``mix_configs``.
    """
    started = time.perf_counter()
    state = state if state is not None else ResumeState.repair_and_read(out)
    stats = Stats()
    loaded: list[Pipeline] = [pipeline] if isinstance(pipeline, Pipeline) else []

    def get_pipeline() -> Pipeline:
        if not loaded:
            assert callable(pipeline) and not isinstance(pipeline, Pipeline)
            loaded.append(pipeline())
            state.check_signature(loaded[0].signature(summarize), mix_configs)  # before any work
        return loaded[0]

    writer = RecordWriter(out)
    events = progress_events(on_progress)  # one count across the pools in flight
    in_flight: collections.deque[PoolWork] = collections.deque()
    try:
        for pool in pools(pending_items(items, state, stats, on_skip, retry_failed), pool_docs):
            in_flight.append(start_pool(get_pipeline(), pool, summarize, force, events))
            if len(in_flight) >= READ_AHEAD_POOLS:  # records are written in input order
                write_outcomes(
                    writer, finish_pool(in_flight.popleft()), stats, on_document, state, mix_configs
                )
        while in_flight:
            write_outcomes(writer, finish_pool(in_flight.popleft()), stats, on_document, state, mix_configs)
    finally:
        for work in in_flight:  # stopped early (an error, Ctrl-C): nothing more is computed for them
            work.cancel()
        writer.close()
        stats.seconds = time.perf_counter() - started
    return stats


def write_outcomes(
    writer: RecordWriter,
    outcomes: Iterable[Outcome],
    stats: Stats,
    on_document: Callable[[int], None] | None,
    state: ResumeState,
    mix_configs: bool = False,
) -> None:
    """Append each record, count it, and flush to disk at the end of the group. The group's
    signatures are checked against the output's first, so a refused group writes nothing."""
    outcomes = list(outcomes)
    for outcome in outcomes:
        state.check_signature(str(outcome.record.get("signature") or ""), mix_configs)
    for outcome in outcomes:
        signature = str(outcome.record.get("signature") or "")
        state.signatures[signature] = state.signatures.get(signature, 0) + 1
        writer.write(outcome.record)
        stats.add(outcome)
        if on_document:
            on_document(1)
    writer.sync()


# What a pool may fail with that belongs to its documents rather than to a bug: our own errors
# (bad input, a model that fails on this text) and running out of memory on a large document.
DOCUMENT_FAILURES = (TranslatorError, MemoryError)


@dataclass
class PoolWork:
    """A pool handed to the engine: its items, its documents and the ticket they wait on."""

    pipeline: Pipeline
    items: list[Item]
    documents: list[Document]
    ticket: Ticket | None
    summarize: bool
    force: bool
    failure: Exception | None = None  # refused before any work (raised again when finished)

    def cancel(self) -> None:
        if self.ticket is not None and not self.ticket.future.done():
            self.pipeline.engine.cancel(self.ticket)


def start_pool(
    pipeline: Pipeline, items: list[Item], summarize: bool, force: bool, on_event: EventSink | None = None
) -> PoolWork:
    """Hand a pool's readable documents to the engine (segmented now, translated as the engine goes)."""
    readable = [item for item in items if item.error is None]
    documents = [Document(item.text or "", item.id, item.format, item.notes) for item in readable]
    work = PoolWork(pipeline, items, documents, None, summarize, force)
    if documents:
        try:
            work.ticket = pipeline.submit(documents, summarize=summarize, force=force, on_event=on_event)
        except DOCUMENT_FAILURES as e:
            work.failure = e
    return work


def finish_pool(work: PoolWork) -> list[Outcome]:
    """Records for a pool of documents, in order: failures pinned on their document."""
    pipeline, summarize, force = work.pipeline, work.summarize, work.force
    try:
        if work.failure is not None:
            raise work.failure
        outcomes: list[Result | Exception] = (
            list(work.ticket.future.result()) if work.ticket is not None else []
        )
    except DOCUMENT_FAILURES:
        outcomes = [
            _one(pipeline, document, summarize, force) for document in work.documents
        ]  # pin the failure on its document
    readable = [item for item in work.items if item.error is None]
    items = work.items
    by_id = {item.id: outcome for item, outcome in zip(readable, outcomes)}
    models = [m.to_dict() for m in pipeline.models(summarize)]
    signature = pipeline.signature(summarize)
    results = []
    for item in items:
        outcome = by_id.get(item.id, item.error)
        if isinstance(outcome, (str, Exception)):
            message = outcome if isinstance(outcome, str) else _message(outcome)
            results.append(Outcome(error_record(item.id, message, models, signature)))
        else:
            assert outcome is not None  # every readable item has its Result or error
            results.append(Outcome(result_record(item.id, outcome), len(outcome.segments)))
    return results


def process_pool(
    pipeline: Pipeline,
    items: list[Item],
    summarize: bool,
    force: bool,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Outcome]:
    """Records for one pool, start to finish (Ray's actors, each with its own engine)."""
    return finish_pool(start_pool(pipeline, items, summarize, force, progress_events(progress)))


def _one(pipeline: Pipeline, document: Document, summarize: bool, force: bool) -> Result | Exception:
    """One document alone, so that a failure is pinned on the document that caused it."""
    try:
        return pipeline.run_many([document], summarize=summarize, force=force)[0]
    except DOCUMENT_FAILURES as e:
        return e


def _message(error: Exception) -> str:
    if isinstance(error, LanguageError):
        return error.message("--force")  # the batch is a command: its fix is the command's option
    if isinstance(error, TranslatorError):
        return first_line(error)
    return f"{type(error).__name__}: {first_line(error)}"
