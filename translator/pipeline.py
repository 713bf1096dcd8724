"""Pipeline: segment -> translate -> summarise -> Result, with models loaded once."""

from __future__ import annotations

import os
import threading
import time
from typing import Callable

from . import __version__
from .config import Config, load_config
from .errors import InputError
from .loading import load_seq2seq
from .segment import Sentence, segment, split_to_budget
from .summarize import Summarizer
from .translate import Translator
from .types import ModelInfo, Result, Segment, Span

SEGMENTER_VERSION = "1"
ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


class Pipeline:
    """Holds loaded models; call it on a text to get a Result. Safe to share between threads."""

    def __init__(self, config: Config, translator: Translator, summarizer: Summarizer | None):
        self.config = config
        self.translator = translator
        self.summarizer = summarizer
        self._lock = threading.Lock()  # generate() on one model is not safe to run concurrently
        self.load_seconds = translator.loaded.load_seconds + (summarizer.loaded.load_seconds if summarizer else 0.0)

    @classmethod
    def from_config(cls, config: str | os.PathLike[str] | Config | None = None, *, summarize: bool = True) -> "Pipeline":
        """Load every configured model once. ``config``: a path, a loaded Config, or None for defaults."""
        cfg = load_config(config)
        translator = Translator(load_seq2seq("translation", cfg.translation, cfg.source), cfg.translation)
        summarizer = None
        if summarize:
            summarizer = Summarizer(load_seq2seq("summarization", cfg.summarization, cfg.source), cfg.summarization)
        return cls(cfg, translator, summarizer)

    def __call__(self, text: str, *, summarize: bool = True, progress: ProgressCallback | None = None) -> Result:
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        sentences = segment(text)
        if not sentences:
            raise InputError("the input is empty (nothing but whitespace)")
        with self._lock:
            return self._run(text, sentences, summarize and self.summarizer is not None, progress)

    def _run(self, text: str, sentences: list[Sentence], summarize: bool, progress: ProgressCallback | None) -> Result:
        timings: dict[str, float] = {}
        warnings: list[str] = []
        started = time.perf_counter()

        pieces: list[Span] = []
        owner: list[int] = []  # for each piece, the index of its sentence
        for i, sentence in enumerate(sentences):
            for piece in split_to_budget(text, sentence.span, self.translator.count_tokens, self.translator.budget):
                pieces.append(piece)
                owner.append(i)
        timings["segment"] = time.perf_counter() - started

        started = time.perf_counter()
        done = 0

        def on_batch(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress("translate", done, len(pieces))

        outputs = self.translator.translate([p.text for p in pieces], on_batch=on_batch)
        timings["translate"] = time.perf_counter() - started

        joined: list[list[str]] = [[] for _ in sentences]
        for piece_index, (sentence_index, output) in enumerate(zip(owner, outputs)):
            joined[sentence_index].append(output.text)
            if output.hit_cap:
                warnings.append(
                    f"segment {sentence_index}: translation stopped at the length cap of "
                    f"{output.new_tokens} tokens and may be incomplete or looping"
                )
        segments = []
        for i, (sentence, parts) in enumerate(zip(sentences, joined)):
            translation = " ".join(p for p in parts if p)
            if not translation:
                warnings.append(f"segment {i}: the model returned an empty translation")
            if len(parts) > 1:
                warnings.append(
                    f"segment {i}: over the {self.translator.budget}-token input limit; translated in "
                    f"{len(parts)} pieces and joined"
                )
            segments.append(
                Segment(
                    source=sentence.span.text,
                    translation=translation,
                    start=sentence.span.start,
                    end=sentence.span.end,
                    paragraph=sentence.paragraph,
                    boilerplate=sentence.boilerplate,
                    pieces=len(parts),
                )
            )

        summary_text, chunks, rounds = "", 0, 0
        summarizer = self.summarizer if summarize else None
        if summarizer is not None:
            started = time.perf_counter()
            summary = summarizer.summarize([s.translation for s in segments if not s.boilerplate])
            summary_text, chunks, rounds = summary.text, summary.chunks, summary.rounds
            warnings.extend(summary.warnings)
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
        )

    def models(self, summarize: bool = True) -> list[ModelInfo]:
        infos = [ModelInfo("translation", self.config.translation.model, self.config.translation.revision)]
        if summarize and self.summarizer is not None:
            infos.append(ModelInfo("summarization", self.config.summarization.model, self.config.summarization.revision))
        return infos

    def signature(self, summarize: bool = True) -> str:
        """What produced a result, sacrebleu-style, so that two runs can be compared."""
        parts = [f"translator:{__version__}", f"seg:{SEGMENTER_VERSION}"]
        stages = [("mt", self.translator)] + ([("sum", self.summarizer)] if summarize and self.summarizer else [])
        for name, stage in stages:
            generation = stage.cfg.generation
            parts.append(
                f"{name}:{stage.cfg.model}@{stage.cfg.revision or 'default'}"
                f"|beams:{generation.get('num_beams', 'model')}|max_in:{stage.loaded.max_input_tokens}"
            )
        return "|".join(parts)


def translate_and_summarize(
    text: str, config: str | os.PathLike[str] | Config | None = None, *, summarize: bool = True
) -> Result:
    """Translate ``text`` and summarise the translation. Loads the models on every call:
    for more than one text, build a ``Pipeline`` once and call it."""
    return Pipeline.from_config(config, summarize=summarize)(text, summarize=summarize)


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
