"""Pipeline: validate -> segment -> translate -> summarise -> Result, with models loaded once.

``Pipeline`` is a facade over the phases, each in its own module: ``prepare`` (validation,
sentences, token-budget pieces), the ``Translator`` (the model and the translation memory),
``SummaryStage`` (abstractive, extractive or none) and ``assemble`` (segments with their flags, the
Result). The library runs them in order, pooling the sentences of many texts into shared batches;
the service's scheduler calls the same phases one batch at a time (``prepare``, ``segment``,
``summarize_segments``, ``result``), so both give the same Result for the same text.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Callable, Sequence

from .assemble import assemble_result, build_segment, join_paragraphs, piece_outputs, translated_segments
from .config import Config, load_config
from .documents import Document
from .errors import InputError, TranslatorError, first_line
from .models.base import Generated, load_model
from .prepare import Prepared, prepare_document
from .summarize import Summary, SummaryOptions, SummaryStage
from .text.glossary import load_glossary
from .text.language import identify, load_identifier
from .text.segment import split_sentences
from .text.validate import validate_text
from .translate import Translator
from .types import Flag, ModelInfo, Result, Segment
from .version import __version__

if TYPE_CHECKING:
    from .memory import TranslationMemory

SEGMENTER_VERSION = "1"
ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


class Pipeline:
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
        self.config = config
        self.translator = translator
        self.summary = summary
        self.notes = list(notes or []) + summary.notes  # flags from loading, repeated in every Result
        self._lock = threading.Lock()  # generate() on one model is not safe to run concurrently
        models = [m for m in (translator.model if translator else None, summary.model) if m is not None]
        self.load_seconds = sum(m.load_seconds for m in models)

    @property
    def summarizer(self):
        """The abstractive summariser, or None (extractive, or no summaries)."""
        return self.summary.summarizer

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
        translator, notes = None, []
        if translate:
            if on_load:
                on_load("translation")
            model, chosen = load_model(
                "translation", cfg.translation, cfg.source, cfg.translation.threads or cfg.threads
            )
            memory, memory_notes = open_memory(cfg)
            translator = Translator(model, cfg.translation, load_glossary(cfg.glossary), memory)
            notes = [Flag("backend", note) for note in chosen] + [
                Flag("memory", note) for note in memory_notes
            ]
            load_identifier()  # with the models, so that the first text's segment timing is its own
        stage = SummaryStage.disabled(cfg.summarization)
        if summarize:
            if on_load and cfg.summarization.needs_model:
                on_load("summarization")
            stage = SummaryStage.load(cfg.summarization, cfg.source, cfg.summarization.threads or cfg.threads)
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
            if progress is not None:
                progress("summarize", 0, 1)
            started = time.perf_counter()
            made = self.summarize_segments(segments, options)
            timings["summarize"] = time.perf_counter() - started
        return self.result(doc, segments, made, timings, options, cache_hits=sum(o.cached for o in outputs))

    # ---- the phases, one by one (the service's scheduler calls them) ----------------------------

    def prepare(self, text: str | Document, force: bool = False) -> Prepared:
        """Validate and segment ``text`` into pieces within the model's budget; raises InputError.
        Uses only the tokenizer, so it may run outside the lock, beside a generate() call."""
        if self.translator is None:
            raise TranslatorError("this Pipeline was loaded without a translation model (summaries only)")
        return prepare_document(
            text, self.translator.count_tokens, self.translator.budget, self.config.max_input_chars, force
        )

    def segments(self, doc: Prepared, outputs: list[Generated]) -> list[Segment]:
        """``doc``'s segments from one output per piece."""
        assert self.translator is not None
        return translated_segments(doc, outputs, self.translator.budget, self.translator.glossary)

    def prepare_many(
        self, texts: Sequence[str | Document], force: bool = False
    ) -> list[Prepared | InputError]:
        """``prepare`` for each text; a text that cannot be used gives its InputError in its place."""
        docs: list[Prepared | InputError] = []
        for text in texts:
            try:
                docs.append(self.prepare(text, force))
            except InputError as e:
                docs.append(e)
        return docs

    def segment(self, doc: Prepared, index: int, parts: list[Generated]) -> Segment:
        """Sentence ``index`` of ``doc`` from its pieces' outputs: what the service streams."""
        assert self.translator is not None
        return build_segment(doc, index, parts, self.translator.budget, self.translator.glossary)

    def summarize_segments(self, segments: list[Segment], options: SummaryOptions | None = None) -> Summary:
        """The summary of translated segments (boilerplate left out unless configured)."""
        return self.summary.summarize(self.summary_input(segments), options)

    def summary_input(self, segments: list[Segment]) -> list[str]:
        """The English the summary is made of: the translations, boilerplate left out unless configured."""
        include = self.config.summarization.include_boilerplate
        return [s.translation for s in segments if include or not s.boilerplate]

    def result(
        self,
        doc: Prepared,
        segments: list[Segment],
        summary: Summary | None,
        timings: dict[str, float],
        options: SummaryOptions | None = None,
        cache_hits: int = 0,
    ) -> Result:
        """The Result of ``doc``: its segments, the summary (None: not summarised), provenance."""
        assert self.translator is not None
        summarized = summary is not None
        return assemble_result(
            translation=join_paragraphs(segments),
            segments=segments,
            summary=summary,
            source=doc.text,
            notes=self.notes + self.translator.notes + doc.notes,
            models=self.models(summarized, options),
            timings=timings,
            signature=self.signature(summarized, options=options),
            source_text=doc.text if doc.extracted else None,
            glossary=self.translator.glossary,
            cache_hits=cache_hits,
        )

    def summarize_text(self, english: str, summary: SummaryOptions | None = None) -> Result:
        """Summarise an English text (no translation). ``translation`` holds the input, unchanged."""
        if not self.summary.enabled:
            raise TranslatorError("this Pipeline was loaded without summaries")
        validate_text(english, self.config.max_input_chars, indonesian=False)
        notes = self.notes + _not_english(english)
        sentences = [s.text for s in split_sentences(english)]
        with self._lock:
            started = time.perf_counter()
            made = self.summary.summarize(sentences, summary)
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

    def models(self, summarize: bool = True, options: SummaryOptions | None = None) -> list[ModelInfo]:
        infos = []
        if self.translator is not None:
            infos.append(
                ModelInfo("translation", self.config.translation.model, self.config.translation.revision)
            )
        if summarize:
            infos += self.summary.models(options)
        return infos

    def signature(
        self, summarize: bool = True, translation: bool = True, options: SummaryOptions | None = None
    ) -> str:
        """What produced a result, sacrebleu-style, so that two runs can be compared: each model's
        ``label`` with the beams it ran with."""
        parts = [f"translator:{__version__}", f"seg:{SEGMENTER_VERSION}"]
        if translation and self.translator is not None:
            beams = self.config.translation.generation.get("num_beams", "model")
            parts.append(
                f"mt:{self.translator.model.label}|beams:{beams}|candidates:{self.config.translation.candidates}"
            )
            if self.translator.glossary:
                parts.append(f"glossary:{self.translator.glossary.fingerprint}")
        if summarize:
            parts += self.summary.signature(options)
        return "|".join(parts)


def translate_and_summarize(
    text: str, config: str | os.PathLike[str] | Config | None = None, *, summarize: bool = True
) -> Result:
    """Translate ``text`` and summarise the translation. Loads the models on every call:
    for more than one text, build a ``Pipeline`` once and call it."""
    return Pipeline.from_config(config, summarize=summarize)(text, summarize=summarize)


def open_memory(config: Config) -> tuple["TranslationMemory | None", list[str]]:
    """The configured translation memory, and notes; a memory that cannot be opened (a read-only
    home, say) means no memory and a note, never a failed run."""
    if config.cache is None:
        return None, []
    from .memory import TranslationMemory, default_path

    path = default_path() if config.cache == "default" else config.cache
    try:
        memory = TranslationMemory(path, config.cache_max_mb)
    except (OSError, sqlite3.Error) as e:
        return None, [f"translation memory {path} cannot be used ({first_line(e)}); translating without it"]
    return memory, memory.notes


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
