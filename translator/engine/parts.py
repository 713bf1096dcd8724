"""The loaded parts of one profile (config, translator, summary stage) and the steps of one
document around the models: prepare (validate, segment, pieces within the model's budget), a
sentence's segment from its pieces' outputs, the summary's input and summary, the Result with its
provenance. The engine calls them, one batch at a time, for every driver (library, CLI, batch, Ray,
service), so every door gives the same Result for the same text."""

from __future__ import annotations

import time
from typing import Sequence

from ..config import Config
from ..documents.reader import Document
from ..errors import InputError, TranslatorError
from ..models.base import Generated
from ..text.language import identify
from ..text.segment import split_sentences
from ..text.validate import validate_text
from ..types import Flag, ModelInfo, Result, Segment
from ._provenance import model_infos, signature
from .assemble import SegmentRules, assemble_result, build_segment, join_paragraphs, translated_segments
from .prepare import Prepared, prepare_document
from .summarize import Summary, SummaryOptions, SummaryStage, WindowProgress
from .translate import Translator


class Parts:
    """The loaded parts and the steps that use them. Nothing here calls a model but through the
    translator and the summary stage, and nothing keeps state: the engine owns the scheduling."""

    def __init__(
        self,
        config: Config,
        translator: Translator | None,
        summary: SummaryStage,
        notes: list[Flag] | None = None,
    ) -> None:
        self.config = config
        self.translator = translator
        self.summary = summary
        self.notes = list(notes or []) + summary.notes  # flags from loading, repeated in every Result
        models = [m for m in (translator.model if translator else None, summary.model) if m is not None]
        self.load_seconds = sum(m.load_seconds for m in models)

    def prepare(self, text: str | Document, force: bool = False) -> Prepared:
        """Validate and segment ``text`` into pieces within the model's budget; raises InputError.
        Uses only the tokenizer, so it runs on the submitting thread, beside the engine's generate() calls."""
        if self.translator is None:
            raise TranslatorError("these models were loaded without a translation model (summaries only)")
        translator = self.translator
        return prepare_document(
            text,
            translator.count_tokens,
            translator.budget,
            self.config.max_input_chars,
            force,
            translator.corrected,
        )

    def segments(self, doc: Prepared, outputs: list[Generated]) -> list[Segment]:
        """``doc``'s segments from one output per piece."""
        assert self.translator is not None
        return translated_segments(doc, outputs, self.rules)

    @property
    def rules(self) -> SegmentRules:
        """What every segment is checked against (the translator's budget, glossary, thresholds)."""
        assert self.translator is not None
        cfg = self.translator.cfg
        return SegmentRules(
            self.translator.budget, self.translator.glossary, cfg.low_confidence, cfg.min_confidence
        )

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
        return build_segment(doc, index, parts, self.rules)

    def summarize_segments(
        self,
        segments: list[Segment],
        options: SummaryOptions | None = None,
        on_window: WindowProgress | None = None,
    ) -> Summary:
        """The summary of translated segments (boilerplate left out unless configured)."""
        return self.summary.summarize(self.summary_input(segments), options, on_window)

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
            origin=doc.source,
        )

    def english_result(
        self, english: str, options: SummaryOptions | None = None, on_window: WindowProgress | None = None
    ) -> Result:
        """Summarise an English text (no translation): ``translation`` holds the input, unchanged.
        Raises InputError for unusable text. Runs the summary model: the engine's summary lane calls it."""
        if not self.summary.enabled:
            raise TranslatorError("these models were loaded without summaries")
        validate_text(english, self.config.max_input_chars, indonesian=False)
        notes = self.notes + not_english(english)
        sentences = [s.text for s in split_sentences(english)]
        started = time.perf_counter()
        made = self.summary.summarize(sentences, options, on_window)
        return assemble_result(
            translation=english,
            segments=[],
            summary=made,
            source="",
            notes=notes,
            models=self.summary.models(options),
            timings={"summarize": time.perf_counter() - started},
            signature=self.signature(True, translation=False, options=options),
        )

    def models(self, summarize: bool = True, options: SummaryOptions | None = None) -> list[ModelInfo]:
        return model_infos(self.config, self.translator, self.summary, summarize, options)

    def signature(
        self, summarize: bool = True, translation: bool = True, options: SummaryOptions | None = None
    ) -> str:
        """What produced a result, so that two runs can be compared (see provenance.signature)."""
        return signature(self.config, self.translator, self.summary, summarize, translation, options)


def not_english(text: str) -> list[Flag]:
    """A flag when text given to the English summariser looks Indonesian."""
    verdict = identify(text)
    if verdict is None or not verdict.indonesian_like or verdict.language == "en":
        return []
    message = (
        "the input looks Indonesian, but the summariser expects English; translate and summarise it instead "
        "(translator run)"
    )
    return [Flag("language", message, None, verdict.language)]
