"""Pipeline: validate -> segment -> translate -> summarise -> Result, with models loaded once.

``Pipeline`` is a facade over the phases (``phases.Phases``, its base), each in its own module:
``prepare`` (validation,
sentences, token-budget pieces), the ``Translator`` (the model and the translation memory),
``SummaryStage`` (abstractive, extractive or none) and ``assemble`` (segments with their flags, the
Result). The library runs them in order, pooling the sentences of many texts into shared batches;
the service's scheduler calls the same phases one batch at a time (``prepare``, ``segment``,
``summarize_segments``, ``result``), so both give the same Result for the same text.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Sequence

from .assemble import assemble_result, piece_outputs
from .config import Config, load_config
from .documents import Document
from .errors import InputError, TranslatorError
from .loading import load_parts
from .phases import Phases
from .prepare import Prepared
from .summarize import Summary, SummaryOptions, SummaryStage
from .text.language import identify
from .text.segment import split_sentences
from .text.validate import validate_text
from .translate import Translator
from .types import Flag, Result

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


class Pipeline(Phases):
    """Loaded models plus the steps around them. Build it once (``Pipeline.from_config``), call it
    for each text. Safe to share between threads: model calls are serialised by a lock, and
    nothing here changes state outside this object."""

    def __init__(
        self,
        config: Config,
        translator: Translator | None,
        summary: SummaryStage,
        notes: list[Flag] | None = None,
    ):
        super().__init__(config, translator, summary, notes)
        self._lock = threading.Lock()  # generate() on one model is not safe to run concurrently

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
        told the role of each model before it loads, for progress displays.
        """
        cfg = load_config(config)
        translator, stage, notes = load_parts(cfg, summarize=summarize, translate=translate, on_load=on_load)
        return cls(cfg, translator, stage, notes)

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

    def run_many(
        self,
        texts: Sequence[str | Document],
        *,
        summarize: bool = True,
        progress: ProgressCallback | None = None,
        force: bool = False,
        summary: SummaryOptions | None = None,
    ) -> list[Result | InputError]:
        """Translate many texts with their sentences pooled into shared, length-sorted batches.

        A text that cannot be used (empty, not a str) gives its InputError in its place; the
        others go on. Each Result's translate timing is the pool's time shared by sentence count.
        """
        if self.translator is None:
            raise TranslatorError("this Pipeline was loaded without a translation model (summaries only)")
        summarize = summarize and self.summary.enabled
        if summarize:
            self.summary.method_for(summary)  # a method that is not loaded fails before any work
        with self._lock:
            started = time.perf_counter()
            docs = self.prepare_many(texts, force)
            prepared = [d for d in docs if isinstance(d, Prepared)]
            pool = [t for d in prepared for t in d.to_translate]
            segment_seconds = (time.perf_counter() - started) / max(1, len(prepared))

            started = time.perf_counter()
            on_batch = _counter(progress, "translate", len(pool))
            generated = dict(zip(pool, self.translator.translate(pool, on_batch=on_batch))) if pool else {}
            translate_seconds = time.perf_counter() - started

            results: list[Result | InputError] = []
            for doc in docs:
                if isinstance(doc, InputError):
                    results.append(doc)
                    continue
                share = len(doc.to_translate) / len(pool) if pool else 0.0
                timings = {"segment": segment_seconds, "translate": translate_seconds * share}
                outputs = piece_outputs(doc, generated)
                results.append(self._finish(doc, outputs, timings, summarize, summary, progress))
            return results

    def _finish(
        self,
        doc: Prepared,
        outputs: list,
        timings: dict[str, float],
        summarize: bool,
        options: SummaryOptions | None,
        progress: ProgressCallback | None,
    ) -> Result:
        """One document of a pool: its segments from the pool's outputs, its summary, its Result."""
        segments = self.segments(doc, outputs)
        made: Summary | None = None
        if summarize:
            started = time.perf_counter()
            made = self.summarize_segments(segments, options, _windows(progress))
            timings["summarize"] = time.perf_counter() - started
        return self.result(doc, segments, made, timings, options, cache_hits=sum(o.cached for o in outputs))

    def summarize_text(
        self, english: str, summary: SummaryOptions | None = None, progress: ProgressCallback | None = None
    ) -> Result:
        """Summarise an English text (no translation). ``translation`` holds the input, unchanged."""
        if not self.summary.enabled:
            raise TranslatorError("this Pipeline was loaded without summaries")
        validate_text(english, self.config.max_input_chars, indonesian=False)
        notes = self.notes + _not_english(english)
        sentences = [s.text for s in split_sentences(english)]
        with self._lock:
            started = time.perf_counter()
            made = self.summary.summarize(sentences, summary, _windows(progress))
            seconds = time.perf_counter() - started
        return assemble_result(
            translation=english,
            segments=[],
            summary=made,
            source="",
            notes=notes,
            models=self.summary.models(summary),
            timings={"summarize": seconds},
            signature=self.signature(True, translation=False, options=summary),
        )


def translate_and_summarize(
    text: str, config: str | os.PathLike[str] | Config | None = None, *, summarize: bool = True
) -> Result:
    """Translate ``text`` and summarise the translation. Loads the models on every call:
    for more than one text, build a ``Pipeline`` once and call it."""
    return Pipeline.from_config(config, summarize=summarize)(text, summarize=summarize)


def _not_english(text: str) -> list[Flag]:
    """A flag when text given to the English summariser looks Indonesian."""
    verdict = identify(text)
    if verdict is None or not verdict.indonesian_like or verdict.language == "en":
        return []
    message = (
        "the input looks Indonesian, but the summariser expects English; translate and summarise it instead "
        "(translator run)"
    )
    return [Flag("language", message, None, verdict.language)]


def _counter(progress: ProgressCallback | None, stage: str, total: int) -> Callable[[int], None]:
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(stage, done, total)

    return on_batch


def _windows(progress: ProgressCallback | None) -> Callable[[int, int], None] | None:
    """The summary stage's window count as ``summarize`` progress; told 0 of 1 at the start, so a
    display knows the stage began even when no model runs (extractive, one sentence)."""
    if progress is None:
        return None
    report: ProgressCallback = progress
    report("summarize", 0, 1)
    return lambda done, total: report("summarize", done, total)
