"""Pipeline: the library's door to the engine. Validate -> segment -> translate -> summarise ->
Result, with the models loaded once.

A ``Pipeline`` holds one profile's loaded parts (``engine.Parts``) and an ``Engine`` over them,
started on first use: every call submits its texts to the engine and waits for the ticket, so the
library, the CLI, ``translator batch``, Ray's actors and the service run one code path from
segments to Result. A list of texts is handed over whole (``run_many``): the engine batches their
sentences together, shortest first, with the summaries on their own lane.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Sequence

from ..config import Config, load_config
from ..documents.reader import Document
from ..errors import InputError, TranslatorError
from ..text.validate import validate_text
from ..types import ModelInfo, Result
from . import Engine, EventSink, Parts, Ticket
from ._loading import load_parts
from .cores import engine_config
from .summarize import SummaryOptions

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)

BULK_BATCH_S = 3.0  # a library call waits for its whole answer: fewer, fuller batches than the service's


class Pipeline:
    """Loaded models plus the engine that runs them. Build it once (``Pipeline.from_config``), call
    it for each text or list of texts; safe to share between threads (the engine schedules every
    model call). ``close()`` (or ``with``) stops the engine's threads; they are daemons otherwise."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        # The parts, as the library has always shown them (the same objects: one state, one owner).
        self.config, self.translator, self.summary = parts.config, parts.translator, parts.summary
        self.notes = parts.notes
        self._engine: Engine | None = None
        self._starting = threading.Lock()

    @classmethod
    def from_config(
        cls,
        config: str | os.PathLike[str] | Config | None = None,
        *,
        summarize: bool = True,
        translate: bool = True,
        on_load: Callable[[str], None] | None = None,
    ) -> "Pipeline":
        """Load every configured model once. ``config``: a path, a loaded Config, or None for defaults.

        ``translate=False`` loads only what summaries need (for English input); ``on_load`` is
        told the role of each model before it loads, for progress displays. The cores are split
        between the engine's lanes as for every driver (engine/cores.py).
        """
        cfg = engine_config(load_config(config))
        translator, stage, notes = load_parts(cfg, summarize=summarize, translate=translate, on_load=on_load)
        return cls(Parts(cfg, translator, stage, notes))

    def models(self, summarize: bool = True, options: SummaryOptions | None = None) -> list[ModelInfo]:
        return self.parts.models(summarize, options)

    def signature(
        self, summarize: bool = True, translation: bool = True, options: SummaryOptions | None = None
    ) -> str:
        """What produced a result, so that two runs can be compared (see provenance.signature)."""
        return self.parts.signature(summarize, translation, options)

    @property
    def engine(self) -> Engine:
        """The engine over these parts, started on first use."""
        with self._starting:
            if self._engine is None:
                self._engine = Engine(
                    {self._profile: self.parts}, max_queue=1 << 30, target_batch_s=BULK_BATCH_S
                )
            return self._engine

    @property
    def _profile(self) -> str:
        return self.config.profile or "default"

    def close(self) -> None:
        """Stop the engine's threads (work not finished gets ShuttingDown)."""
        with self._starting:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.stop()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(
        self,
        texts: Sequence[str | Document],
        *,
        summarize: bool = True,
        progress: ProgressCallback | None = None,
        force: bool = False,
        summary: SummaryOptions | None = None,
        on_event: EventSink | None = None,
    ) -> Ticket:
        """Hand ``texts`` to the engine and return at once: the ticket's future gets one Result or
        InputError per text. For drivers that keep the engine fed (batch reads ahead); such a
        driver may pass one ``on_event`` (``progress_events``) for all its calls instead of
        ``progress``, so that its counts run across them."""
        if self.translator is None:
            raise TranslatorError("this Pipeline was loaded without a translation model (summaries only)")
        summarize = summarize and self.summary.enabled
        if summarize:
            self.summary.method_for(summary)  # a method that is not loaded fails before any work
        return self.engine.submit(
            list(texts), profile=self._profile, summarize=summarize, force=force, options=summary,
            on_event=on_event or progress_events(progress), bulk=len(texts) > 1,
        )  # fmt: skip

    def run_many(
        self,
        texts: Sequence[str | Document],
        *,
        summarize: bool = True,
        progress: ProgressCallback | None = None,
        force: bool = False,
        summary: SummaryOptions | None = None,
    ) -> list[Result | InputError]:
        """Translate many texts, their sentences batched together by the engine.

        A text that cannot be used (empty, not a str) gives its InputError in its place; the
        others go on. Each Result's translate timing is the request's time shared by piece count.
        """
        ticket = self.submit(texts, summarize=summarize, progress=progress, force=force, summary=summary)
        return ticket.future.result()

    def __call__(
        self,
        text: str | Document,
        *,
        summarize: bool = True,
        progress: ProgressCallback | None = None,
        force: bool = False,
        summary: SummaryOptions | None = None,
    ) -> Result:
        """Translate (and summarise) one text. Bad input raises InputError; so does text in a
        language other than Indonesian (or a close one), unless ``force``. ``summary`` overrides
        the configured summary length or method for this call."""
        outcome = self.run_many([text], summarize=summarize, progress=progress, force=force, summary=summary)[
            0
        ]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def summarize_text(
        self, english: str, summary: SummaryOptions | None = None, progress: ProgressCallback | None = None
    ) -> Result:
        """Summarise an English text (no translation). ``translation`` holds the input, unchanged."""
        if not self.summary.enabled:
            raise TranslatorError("this Pipeline was loaded without summaries")
        ticket = self.engine.submit_english(
            [english], profile=self._profile, options=summary, on_event=progress_events(progress)
        )
        outcome = ticket.future.result()[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def translate_and_summarize(
    text: str,
    config: str | os.PathLike[str] | Config | None = None,
    *,
    summarize: bool = True,
    force: bool = False,
) -> Result:
    """Translate ``text`` and summarise the translation. The text is checked before any model
    loads (empty, binary, too long, or not Indonesian: InputError; ``force`` translates another
    language anyway). Loads the models on every call: for more than one text, build a
    ``Pipeline`` once and call it."""
    cfg = load_config(config)
    validate_text(text, cfg.max_input_chars, force)
    with Pipeline.from_config(cfg, summarize=summarize) as pipeline:
        return pipeline(text, summarize=summarize, force=force)


def progress_events(progress: ProgressCallback | None) -> EventSink | None:
    """The engine's events as ``progress(stage, done, total)``: translated sentences of all the
    texts, then each summary's windows (told 0 of 1 at its start, so a display knows the stage
    began even when no model runs). Events come from the engine's threads: one at a time here."""
    if progress is None:
        return None
    report: ProgressCallback = progress
    lock = threading.Lock()
    counts = {"total": 0, "done": 0}

    def on_event(kind: str, doc: int, payload: Any) -> None:
        with lock:
            if kind == "sentences":
                counts["total"] += len(payload.sentences)
            elif kind == "sentence":
                counts["done"] += 1
                report("translate", counts["done"], counts["total"])
            elif kind == "window":
                report("summarize", *payload)

    return on_event
