"""Pipeline: segment -> translate -> summarise -> Result, with models loaded once."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from . import __version__
from .checks import check_segment, summary_flags
from .cleaning import has_words, model_text
from .config import Config, load_config
from .errors import InputError, ModelLoadError, TranslatorError
from .extractive import summarize_extractive
from .generate import Generated
from .language import check_language
from .loading import load_model
from .segment import Sentence, segment, split_sentences, split_to_budget
from .summarize import Summarizer
from .translate import Translator
from .types import Flag, ModelInfo, Result, Segment, Span

SEGMENTER_VERSION = "1"
EXTRACTIVE_ID = "extractive:textrank"
ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class _Doc:
    """One text on its way through a pooled run: its sentences and their token-budget pieces."""

    text: str
    sentences: list[Sentence]
    pieces: list[Span] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # for each piece, the index of its sentence
    first_piece: int = 0  # where its pieces start in the pool
    # What the model sees of each piece; None for pieces without a letter or digit ("***", "—"),
    # which are kept as they are instead of being sent to the model.
    model_texts: list[str | None] = field(default_factory=list)
    notes: list[Flag] = field(default_factory=list)  # document-level flags (language)


class Pipeline:
    """Holds loaded models; call it on a text to get a Result. Safe to share between threads."""

    def __init__(
        self,
        config: Config,
        translator: Translator | None,
        summarizer: Summarizer | None,
        *,
        can_summarize: bool | None = None,
        notes: list[Flag] | None = None,
    ):
        self.config = config
        self.translator = translator
        self.summarizer = summarizer  # None for the extractive method (or its fallback)
        # Whether a summary can be made at all: with a model, or extractively without one.
        self.can_summarize = summarizer is not None if can_summarize is None else can_summarize
        self.notes = list(notes or [])  # flags from loading, repeated in every Result
        self._lock = threading.Lock()  # generate() on one model is not safe to run concurrently
        self.load_seconds = sum(stage.loaded.load_seconds for stage in (translator, summarizer) if stage is not None)

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
            loaded, chosen = load_model("translation", cfg.translation, cfg.source, cfg.threads)
            translator = Translator(loaded, cfg.translation)
            notes += [Flag("backend", note) for note in chosen]
        summarizer = None
        if summarize and cfg.summarization.needs_model:
            if on_load:
                on_load("summarization")
            try:
                loaded, chosen = load_model("summarization", cfg.summarization, cfg.source, cfg.threads)
                summarizer = Summarizer(loaded, cfg.summarization)
                notes += [Flag("backend", note) for note in chosen]
            except ModelLoadError as e:
                if cfg.summarization.fallback != "extractive":
                    raise
                first = str(e).splitlines()[0]
                notes.append(Flag("summary", f"summary: extractive, because the summarisation model did not load ({first})"))
        return cls(cfg, translator, summarizer, can_summarize=summarize, notes=notes)

    def __call__(
        self, text: str, *, summarize: bool = True, progress: ProgressCallback | None = None, force: bool = False
    ) -> Result:
        """Translate (and summarise) one text. Bad input raises InputError; so does text in a
        language other than Indonesian (or a close one), unless ``force``."""
        outcome = self.run_many([text], summarize=summarize, progress=progress, force=force)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def run_many(
        self, texts: list[str], *, summarize: bool = True, progress: ProgressCallback | None = None, force: bool = False
    ) -> list[Result | InputError]:
        """Translate many texts with their sentences pooled into shared, length-sorted batches.

        A text that cannot be used (empty, not a str) gives its InputError in its place; the
        others go on. Each Result's translate timing is the pool's time shared by sentence count.
        """
        with self._lock:
            return self._run_many(texts, summarize and self.can_summarize, progress, force)

    def _run_many(self, texts: list[str], summarize: bool, progress: ProgressCallback | None, force: bool) -> list[Result | InputError]:
        if self.translator is None:
            raise TranslatorError("this Pipeline was loaded without a translation model (summaries only)")
        started = time.perf_counter()
        docs: list[_Doc | InputError] = []
        pieces: list[str] = []
        for text in texts:
            try:
                doc = self._prepare(text, force)
            except InputError as e:
                docs.append(e)
                continue
            doc.first_piece = len(pieces)
            pieces += [t for t in doc.model_texts if t is not None]
            docs.append(doc)
        prepared = [d for d in docs if isinstance(d, _Doc)]
        segment_seconds = time.perf_counter() - started

        started = time.perf_counter()
        done = 0

        def on_batch(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress("translate", done, len(pieces))

        outputs = self.translator.translate(pieces, on_batch=on_batch) if pieces else []
        translate_seconds = time.perf_counter() - started

        results: list[Result | InputError] = []
        for doc in docs:
            if isinstance(doc, InputError):
                results.append(doc)
                continue
            wordy = sum(t is not None for t in doc.model_texts)
            share = wordy / len(pieces) if pieces else 0.0
            timings = {"segment": segment_seconds / len(prepared), "translate": translate_seconds * share}
            translated = iter(outputs[doc.first_piece : doc.first_piece + wordy])
            own = [next(translated) if t is not None else Generated(p.text, 0, False) for p, t in zip(doc.pieces, doc.model_texts)]
            results.append(self._finish(doc, own, summarize, timings, progress))
        return results

    def _prepare(self, text: str, force: bool = False) -> "_Doc":
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        limit = self.config.max_input_chars
        if limit and len(text) > limit:
            raise InputError(f"the input has {len(text):,} characters, over the max_input_chars limit of {limit:,}; split it, or raise the limit in models.yaml")
        sentences = segment(text)
        if not sentences:
            raise InputError("the input is empty (nothing but whitespace)")
        if not has_words(text):
            raise InputError("nothing to translate: the input has no letters or digits")
        notes = check_language(text, force)
        doc = _Doc(text, sentences, notes=notes)
        for i, sentence in enumerate(sentences):
            for piece in split_to_budget(text, sentence.span, self.translator.count_tokens, self.translator.budget):
                doc.pieces.append(piece)
                doc.owner.append(i)
                doc.model_texts.append(model_text(piece.text) if has_words(piece.text) else None)
        return doc

    def _finish(
        self, doc: "_Doc", outputs: list[Generated], summarize: bool, timings: dict[str, float], progress: ProgressCallback | None = None
    ) -> Result:
        warnings: list[Flag] = list(self.notes) + doc.notes
        sentences = doc.sentences
        joined: list[list[str]] = [[] for _ in sentences]
        generation_flags: list[list[Flag]] = [[] for _ in sentences]
        for sentence_index, output in zip(doc.owner, outputs):
            joined[sentence_index].append(output.text)
            generation_flags[sentence_index] += _generation_flags(sentence_index, output)
        segments = []
        for i, (sentence, parts) in enumerate(zip(sentences, joined)):
            translation = " ".join(p for p in parts if p)
            flags = generation_flags[i]
            if len(parts) > 1:
                flags.append(
                    Flag(
                        "split",
                        f"over the {self.translator.budget}-token input limit; translated in {len(parts)} pieces and joined",
                        i,
                        str(len(parts)),
                    )
                )
            flags += check_segment(i, sentence.span.text, translation)
            warnings += flags
            segments.append(
                Segment(
                    source=sentence.span.text,
                    translation=translation,
                    start=sentence.span.start,
                    end=sentence.span.end,
                    paragraph=sentence.paragraph,
                    boilerplate=sentence.boilerplate,
                    pieces=len(parts),
                    flags=tuple(flags),
                )
            )

        summary_text, chunks, rounds, method = "", 0, 0, ""
        if summarize:
            if progress is not None:
                progress("summarize", 0, 1)
            started = time.perf_counter()
            texts = [s.translation for s in segments if self.config.summarization.include_boilerplate or not s.boilerplate]
            summary_text, chunks, rounds, method, summary_warnings = self._summarize(texts)
            warnings += summary_warnings
            warnings += summary_flags(summary_text, _paragraphs(segments), doc.text)
            timings["summarize"] = time.perf_counter() - started
        timings["total"] = sum(timings.values())

        return Result(
            translation=_paragraphs(segments),
            summary=summary_text,
            segments=segments,
            warnings=warnings,
            models=self.models(summarize),
            timings={k: round(v, 4) for k, v in timings.items()},
            summary_chunks=chunks,
            summary_rounds=rounds,
            signature=self.signature(summarize),
            summary_method=method,
        )

    def summarize_text(self, english: str) -> Result:
        """Summarise an English text (no translation). ``translation`` holds the input, unchanged."""
        if not isinstance(english, str):
            raise InputError(f"text must be a str, got {type(english).__name__}")
        if not self.can_summarize:
            raise TranslatorError("this Pipeline was loaded without summaries")
        sentences = [s.text for s in split_sentences(english)]
        if not sentences:
            raise InputError("the input is empty (nothing but whitespace)")
        with self._lock:
            started = time.perf_counter()
            summary, chunks, rounds, method, flags = self._summarize(sentences)
            flags = self.notes + flags + summary_flags(summary, english, "")
            seconds = time.perf_counter() - started
        return Result(
            translation=english,
            summary=summary,
            segments=[],
            warnings=flags,
            models=[m for m in self.models(True) if m.role == "summarization"],
            timings={"summarize": round(seconds, 4), "total": round(seconds, 4)},
            summary_chunks=chunks,
            summary_rounds=rounds,
            signature=self.signature(True, translation=False),
            summary_method=method,
        )

    def _summarize(self, texts: list[str]) -> tuple[str, int, int, str, list[Flag]]:
        """(summary, chunks, rounds, method, flags), by the configured method or its fallback."""
        cfg = self.config.summarization
        budget = cfg.word_budget(sum(len(t.split()) for t in texts))
        flags: list[Flag] = []
        if self.summarizer is not None:
            summary = self.summarizer.summarize(texts, max_words=budget)
            flags += summary.warnings
            if summary.text or cfg.fallback != "extractive":
                return summary.text, summary.chunks, summary.rounds, "abstractive", flags
            flags.append(Flag("summary", "summary: extractive, because the model returned an empty summary"))
        extract = summarize_extractive(texts, budget)
        return extract.text, 1 if extract.text else 0, 1 if extract.text else 0, "extractive", flags

    def models(self, summarize: bool = True) -> list[ModelInfo]:
        infos = []
        if self.translator is not None:
            infos.append(ModelInfo("translation", self.config.translation.model, self.config.translation.revision))
        if summarize and self.summarizer is not None:
            infos.append(ModelInfo("summarization", self.config.summarization.model, self.config.summarization.revision))
        elif summarize and self.can_summarize:
            infos.append(ModelInfo("summarization", EXTRACTIVE_ID, None))
        return infos

    def signature(self, summarize: bool = True, translation: bool = True) -> str:
        """What produced a result, sacrebleu-style, so that two runs can be compared."""
        parts = [f"translator:{__version__}", f"seg:{SEGMENTER_VERSION}"]
        stages = [("mt", self.translator)] if translation and self.translator else []
        stages += [("sum", self.summarizer)] if summarize and self.summarizer else []
        for name, stage in stages:
            generation = stage.cfg.generation
            parts.append(
                f"{name}:{stage.cfg.model}@{stage.cfg.revision or 'default'}"
                f"|beams:{generation.get('num_beams', 'model')}|max_in:{stage.loaded.max_input_tokens}"
                f"|backend:{_backend_label(stage.loaded)}"
            )
        if summarize and self.can_summarize and self.summarizer is None:
            parts.append(f"sum:{EXTRACTIVE_ID}")
        summary = self.config.summarization
        if summarize and (summary.max_words or summary.ratio):
            parts.append(f"sum_words:{summary.max_words or '-'}|sum_ratio:{summary.ratio or '-'}")
        return "|".join(parts)


def translate_and_summarize(
    text: str, config: str | os.PathLike[str] | Config | None = None, *, summarize: bool = True
) -> Result:
    """Translate ``text`` and summarise the translation. Loads the models on every call:
    for more than one text, build a ``Pipeline`` once and call it."""
    return Pipeline.from_config(config, summarize=summarize)(text, summarize=summarize)


def _backend_label(loaded) -> str:
    return f"ct2-{loaded.compute_type}" if loaded.backend == "ctranslate2" else "transformers"


def _generation_flags(index: int, output) -> list[Flag]:
    flags = []
    if output.retried:
        flags.append(Flag("retried", "the first translation stopped at the token cap; generated again with retry_generation", index))
    if output.hit_cap:
        flags.append(
            Flag(
                "length_cap",
                f"translation stopped at the length cap of {output.new_tokens} tokens and may be incomplete or looping",
                index,
                str(output.new_tokens),
            )
        )
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
