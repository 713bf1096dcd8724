"""Pipeline: validate -> segment -> translate -> summarise -> Result, with models loaded once.

Each step reads in one place: ``prepare_document`` (validation, sentences, token-budget pieces),
``Translator`` (the model), ``translated_segments`` (pieces joined, per-segment flags),
``SummaryStage`` (abstractive, extractive or none) and ``assemble_result``. ``Pipeline`` only
holds the loaded stages and runs them, pooling the sentences of many texts into shared batches.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from . import __version__
from .config import Config, load_config
from .documents import Document
from .errors import InputError, TranslatorError, first_line
from .models.base import Generated, load_model
from .summarize import Summary, SummaryOptions, SummaryStage
from .text.checks import check_segment, summary_flags
from .text.cleaning import has_words, model_text
from .text.glossary import Glossary, load_glossary
from .text.language import identify, load_identifier
from .text.segment import Sentence, segment, split_sentences, split_to_budget
from .text.validate import validate_text
from .translate import Translator
from .types import Flag, ModelInfo, Result, Segment, Span

if TYPE_CHECKING:
    from .memory import TranslationMemory

SEGMENTER_VERSION = "1"
ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Prepared:
    """One validated text, its sentences, and the pieces of them that fit the model's budget."""

    text: str
    sentences: list[Sentence]
    notes: list[Flag] = field(default_factory=list)  # document and language flags
    extracted: bool = False  # the text was extracted from HTML or Markdown: spans index it, not the file
    pieces: list[Span] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # for each piece, the index of its sentence
    # What the model sees of each piece; None for pieces without a letter or digit ("***", "—"),
    # which are kept as they are instead of being sent to the model.
    model_texts: list[str | None] = field(default_factory=list)

    @property
    def to_translate(self) -> list[str]:
        return [t for t in self.model_texts if t is not None]


def prepare_document(
    text: str | Document, translator: Translator, max_chars: int | None = None, force: bool = False
) -> Prepared:
    """Validate ``text`` and cut it into sentences and budget-sized pieces; raises InputError."""
    notes: list[Flag] = []
    extracted = isinstance(text, Document) and text.format != "text"
    if isinstance(text, Document):
        notes = [Flag("document", note) for note in text.notes]
        text = text.text
    notes += validate_text(text, max_chars, force)
    doc = Prepared(text, segment(text), notes, extracted)
    for i, sentence in enumerate(doc.sentences):
        # The budget is measured on what the model sees (model_text), not on the raw span.
        for piece in split_to_budget(text, sentence.span, translator.count_tokens, translator.budget):
            doc.pieces.append(piece)
            doc.owner.append(i)
            doc.model_texts.append(model_text(piece.text) if has_words(piece.text) else None)
    return doc


def translated_segments(doc: Prepared, outputs: list[Generated], budget: int, glossary: Glossary | None = None) -> list[Segment]:
    """Join each sentence's translated pieces and attach its flags; ``outputs`` has one per piece."""
    joined: list[list[str]] = [[] for _ in doc.sentences]
    flags: list[list[Flag]] = [[] for _ in doc.sentences]
    for index, output in zip(doc.owner, outputs):
        joined[index].append(output.text)
        flags[index] += _generation_flags(index, output)
    segments = []
    for i, (sentence, parts) in enumerate(zip(doc.sentences, joined)):
        translation = " ".join(p for p in parts if p)
        if len(parts) > 1:
            message = f"over the {budget}-token input limit; translated in {len(parts)} pieces and joined"
            flags[i].append(Flag("split", message, i, str(len(parts))))
        flags[i] += check_segment(i, sentence.span.text, translation)
        for term in glossary.missing(sentence.span.text, translation) if glossary else []:
            message = f"'{term.source}' is '{term.forms[0]}' in the glossary, and the translation does not say so"
            flags[i].append(Flag("glossary", message, i, term.source))
        span = sentence.span
        segments.append(
            Segment(span.text, translation, span.start, span.end, sentence.paragraph, sentence.boilerplate, len(parts), tuple(flags[i]))
        )
    return segments


def assemble_result(
    *,
    translation: str,
    segments: list[Segment],
    summary: Summary | None,
    source: str,
    notes: list[Flag],
    models: list[ModelInfo],
    timings: dict[str, float],
    signature: str,
    source_text: str | None = None,
    glossary: Glossary | None = None,
    cache_hits: int = 0,
) -> Result:
    """The Result of one text: warnings in reading order (notes, segments, summary), timings rounded."""
    warnings = list(notes) + [flag for s in segments for flag in s.flags]
    if summary is not None:
        warnings += summary.warnings + summary_flags(summary.text, translation, source)
        for term in glossary.untranslated(summary.text) if glossary else []:
            message = f"summary: '{term.source}' is left untranslated; the glossary says '{term.forms[0]}'"
            warnings.append(Flag("summary_glossary", message, None, term.source))
    timings = {**timings, "total": sum(timings.values())}
    return Result(
        translation=translation,
        summary=summary.text if summary else "",
        segments=segments,
        warnings=warnings,
        models=models,
        timings={k: round(v, 4) for k, v in timings.items()},
        summary_chunks=summary.chunks if summary else 0,
        summary_rounds=summary.rounds if summary else 0,
        signature=signature,
        summary_method=summary.method if summary else "",
        source_text=source_text,
        cache_hits=cache_hits,
    )


class Pipeline:
    """Loaded models plus the steps around them. Build it once (``Pipeline.from_config``), call it
    for each text. Safe to share between threads: model calls are serialised by a lock, and
    nothing here changes state outside this object."""

    def __init__(self, config: Config, translator: Translator | None, summary: SummaryStage, notes: list[Flag] | None = None):
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
            model, chosen = load_model("translation", cfg.translation, cfg.source, cfg.threads)
            memory, memory_notes = open_memory(cfg)
            translator = Translator(model, cfg.translation, load_glossary(cfg.glossary), memory)
            notes = [Flag("backend", note) for note in chosen] + [Flag("memory", note) for note in memory_notes]
            load_identifier()  # with the models, so that the first text's segment timing is its own
        stage = SummaryStage.disabled(cfg.summarization)
        if summarize:
            if on_load and cfg.summarization.needs_model:
                on_load("summarization")
            stage = SummaryStage.load(cfg.summarization, cfg.source, cfg.threads)
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
        outcome = self.run_many([text], summarize=summarize, progress=progress, force=force, summary=summary)[0]
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
            docs: list[Prepared | InputError] = []
            for text in texts:
                try:
                    docs.append(prepare_document(text, self.translator, self.config.max_input_chars, force))
                except InputError as e:
                    docs.append(e)
            prepared = [d for d in docs if isinstance(d, Prepared)]
            pool = [t for d in prepared for t in d.to_translate]
            segment_seconds = (time.perf_counter() - started) / max(1, len(prepared))

            started = time.perf_counter()
            on_batch = _counter(progress, "translate", len(pool))
            outputs = iter(self.translator.translate(pool, on_batch=on_batch) if pool else [])
            translate_seconds = time.perf_counter() - started

            results: list[Result | InputError] = []
            for doc in docs:
                if isinstance(doc, InputError):
                    results.append(doc)
                    continue
                share = len(doc.to_translate) / len(pool) if pool else 0.0
                own = [next(outputs) if t is not None else Generated(p.text, 0, False) for p, t in zip(doc.pieces, doc.model_texts)]
                timings = {"segment": segment_seconds, "translate": translate_seconds * share}
                results.append(self._finish(doc, own, summarize, timings, progress, summary))
            return results

    def _finish(
        self,
        doc: Prepared,
        outputs: list[Generated],
        summarize: bool,
        timings: dict[str, float],
        progress: ProgressCallback | None,
        options: SummaryOptions | None = None,
    ) -> Result:
        assert self.translator is not None
        segments = translated_segments(doc, outputs, self.translator.budget, self.translator.glossary)
        translation = _paragraphs(segments)
        summary = None
        if summarize:
            if progress is not None:
                progress("summarize", 0, 1)
            started = time.perf_counter()
            include = self.config.summarization.include_boilerplate
            summary = self.summary.summarize([s.translation for s in segments if include or not s.boilerplate], options)
            timings["summarize"] = time.perf_counter() - started
        return assemble_result(
            translation=translation,
            segments=segments,
            summary=summary,
            source=doc.text,
            notes=self.notes + doc.notes,
            models=self.models(summarize, options),
            timings=timings,
            signature=self.signature(summarize, options=options),
            source_text=doc.text if doc.extracted else None,
            glossary=self.translator.glossary,
            cache_hits=sum(output.cached for output in outputs),
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
            infos.append(ModelInfo("translation", self.config.translation.model, self.config.translation.revision))
        if summarize:
            infos += self.summary.models(options)
        return infos

    def signature(self, summarize: bool = True, translation: bool = True, options: SummaryOptions | None = None) -> str:
        """What produced a result, sacrebleu-style, so that two runs can be compared: each model's
        ``label`` with the beams it ran with."""
        parts = [f"translator:{__version__}", f"seg:{SEGMENTER_VERSION}"]
        if translation and self.translator is not None:
            beams = self.config.translation.generation.get("num_beams", "model")
            parts.append(f"mt:{self.translator.model.label}|beams:{beams}|candidates:{self.config.translation.candidates}")
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
    message = "the input looks Indonesian, but the summariser expects English; translate and summarise it instead (translator run)"
    return [Flag("language", message, None, verdict.language)]


def _counter(progress: ProgressCallback | None, stage: str, total: int) -> Callable[[int], None]:
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(stage, done, total)

    return on_batch


def _generation_flags(index: int, output: Generated) -> list[Flag]:
    flags = []
    if output.retried:
        flags.append(Flag("retried", "the first translation stopped at the token cap; generated again with retry_generation", index))
    if output.reranked:
        kinds, which = output.reranked.split("|")
        flags.append(Flag("reranked", f"the top-scored translation had {kinds.replace(',', ', ')}; {which}, which passes the checks, was kept", index, kinds))
    if output.hit_cap:
        message = f"translation stopped at the length cap of {output.new_tokens} tokens and may be incomplete or looping"
        flags.append(Flag("length_cap", message, index, str(output.new_tokens)))
    return flags


def _paragraphs(segments: list[Segment]) -> str:
    paragraphs: list[list[str]] = []
    last = None
    for segment_ in segments:
        if segment_.paragraph != last:
            paragraphs.append([])
            last = segment_.paragraph
        if segment_.translation:
            paragraphs[-1].append(segment_.translation)
    return "\n\n".join(" ".join(p) for p in paragraphs if p)
