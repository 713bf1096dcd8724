"""Summaries of English text behind one stage: abstractive (a model), extractive (TextRank) or none.

Abstractive text over the model's input limit is never cut off: it is split at sentence
boundaries into windows that fit, each window is summarised, and the joined partial summaries are
summarised again until they fit one window. ``SummaryStage`` owns the choice of method and the
fallback to extractive when the model cannot load or returns nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..config import ModelConfig, SummarizationConfig
from ..errors import InputError, ModelLoadError, first_line
from ..models.base import Generated, Model, cap_new_tokens, load_model
from ..models.batches import run_sorted
from ..text.budget import split_to_budget
from ..text.extractive import summarize_extractive
from ..text.segment import split_sentences
from ..types import Flag, ModelInfo, Span

EXTRACTIVE_ID = "extractive:textrank"


@dataclass(frozen=True)
class SummaryOptions:
    """One call's summary settings over the configured ones (the service's per-request options)."""

    max_words: int | None = None  # None: the configured max_words / ratio
    method: str | None = None  # "abstractive" or "extractive"; None: the loaded method


WindowProgress = Callable[[int, int], None]  # (windows summarised, windows known so far)

# Partial summaries are at most this share of their window, so every round shrinks the text.
PARTIAL_SHARE = 0.5
MIN_PARTIAL_TOKENS = 8
MAX_ROUNDS = 8


@dataclass(frozen=True)
class Summary:
    text: str
    chunks: int  # windows the text was split into in the first round
    rounds: int  # summarisation rounds (1 when the text fits one window)
    warnings: list[Flag] = field(default_factory=list)
    method: str = "abstractive"  # or "extractive"


class Summarizer:
    """Summarises a list of English sentences with a seq2seq model (BART/PEGASUS style)."""

    def __init__(self, model: Model, cfg: ModelConfig) -> None:
        self.model = model
        self.cfg = cfg

    def summarize(
        self, sentences: list[str], max_words: int | None = None, on_window: WindowProgress | None = None
    ) -> Summary:
        """Summarise; ``max_words`` bounds the final summary (through its token cap). ``on_window``
        is told the windows done and the windows known so far (a later round adds its own)."""
        counter = _WindowCounter(on_window)
        units = [s.strip() for s in sentences if s.strip()]
        if not units:
            return Summary(
                text="", chunks=0, rounds=0, warnings=[Flag("summary", "summary: nothing to summarise")]
            )
        warnings: list[Flag] = []
        first_chunks = 0
        for round_number in range(1, MAX_ROUNDS + 1):
            windows = self.windows(units)
            if round_number == 1:
                first_chunks = len(windows)  # the whole text's, before any sampling
                windows = self._sample(windows, warnings)
            first_chunks = first_chunks or len(windows)
            counter.add(len(windows))
            if len(windows) == 1:
                output = self._run(windows, final=True, max_words=max_words, on_batch=counter.done)[0]
                if output.hit_cap:
                    warnings.append(
                        Flag(
                            "length_cap", f"summary: stopped at the length cap of {output.new_tokens} tokens"
                        )
                    )
                if not output.text:
                    warnings.append(Flag("empty", "summary: the model returned an empty summary"))
                return Summary(text=output.text, chunks=first_chunks, rounds=round_number, warnings=warnings)
            partials = " ".join(
                g.text for g in self._run(windows, final=False, on_batch=counter.done) if g.text
            )
            units = [s.text for s in split_sentences(partials)]
            if not units:
                warnings.append(
                    Flag(
                        "empty",
                        f"summary: the model returned only empty partial summaries in round {round_number}",
                    )
                )
                return Summary(text="", chunks=first_chunks, rounds=round_number, warnings=warnings)
        warnings.append(
            Flag(
                "summary",
                f"summary: still over {self.model.max_input_tokens} tokens after {MAX_ROUNDS} rounds; "
                "summarised the first window of the last round only",
            )
        )
        counter.add(1)
        output = self._run(self.windows(units)[:1], final=True, max_words=max_words, on_batch=counter.done)[0]
        return Summary(text=output.text, chunks=first_chunks, rounds=MAX_ROUNDS + 1, warnings=warnings)

    def _sample(self, windows: list[str], warnings: list[Flag]) -> list[str]:
        """At most ``max_windows`` windows, spread evenly through the text (first and last kept)."""
        cap = getattr(self.cfg, "max_windows", None)
        if not cap or len(windows) <= cap:
            return windows
        picked = sorted({round(i * (len(windows) - 1) / max(1, cap - 1)) for i in range(cap)})
        message = (
            f"summary: the text is {len(windows)} windows long; summarised {len(picked)} of them, spread "
            "evenly through it (summarization.max_windows)"
        )
        warnings.append(Flag("summary", message, None, f"{len(picked)}/{len(windows)}"))
        return [windows[i] for i in picked]

    def windows(self, units: list[str]) -> list[str]:
        """Pack sentences, in order, into the fewest windows that each fit the input budget."""
        budget = self.model.max_input_tokens
        count = self.model.count_tokens
        windows: list[str] = []
        current = ""
        for unit in units:
            for piece in self._fit(unit):
                candidate = f"{current} {piece}" if current else piece
                if count(candidate) <= budget:
                    current = candidate
                else:
                    windows.append(current)
                    current = piece
        if current:
            windows.append(current)
        return windows

    def _fit(self, unit: str) -> list[str]:
        """A sentence alone over the budget is cut at clause, then word boundaries."""
        span = Span(0, len(unit), unit)
        return [
            p.text for p in split_to_budget(unit, span, self.model.count_tokens, self.model.max_input_tokens)
        ]

    def _run(
        self,
        windows: list[str],
        final: bool,
        max_words: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[Generated]:
        lengths = [self.model.count_tokens(w) for w in windows]
        order = list(range(len(windows)))
        max_tokens = None
        if final and max_words is not None:
            # Words -> tokens at this text's own rate: the tokenizer's, not a guessed constant.
            words = sum(len(w.split()) for w in windows) or 1
            max_tokens = math.ceil(max_words * max(1.0, sum(lengths) / words))

        def run(batch: list[int]) -> list[Generated]:
            settings = self.settings(max(lengths[i] for i in batch), final, max_tokens)
            return self.model.generate([windows[i] for i in batch], settings)

        return run_sorted(
            order,
            run,
            size=lengths.__getitem__,
            batch_size=self.cfg.batch_size,
            max_tokens=self.cfg.max_batch_tokens,
            on_batch=on_batch,
        )

    def settings(self, longest_input: int, final: bool, max_tokens: int | None = None) -> dict[str, Any]:
        """generate() arguments; partial (non-final) summaries are held to a share of their window."""
        settings = dict(self.cfg.generation)  # a copy: the Config is shared
        limit = settings.get("max_new_tokens", self.model.max_positions)
        if max_tokens is not None:
            limit = min(limit, max_tokens)
            settings["min_length"] = 0  # the model's own minimum may be over a short budget
        if not final:
            limit = min(limit, max(MIN_PARTIAL_TOKENS, int(PARTIAL_SHARE * longest_input)))
            settings["min_length"] = 0
        settings["max_new_tokens"] = cap_new_tokens(self.model, limit)
        settings.pop("max_length", None)
        if "min_new_tokens" in settings:
            settings["min_new_tokens"] = min(settings["min_new_tokens"], settings["max_new_tokens"])
        return settings


class _WindowCounter:
    """Windows summarised out of windows known, for a progress display."""

    def __init__(self, report: WindowProgress | None) -> None:
        self.report, self.total, self.finished = report, 0, 0

    def add(self, windows: int) -> None:
        self.total += windows
        if self.report is not None:
            self.report(self.finished, self.total)

    def done(self, windows: int) -> None:
        self.finished += windows
        if self.report is not None:
            self.report(self.finished, self.total)


class SummaryStage:
    """How this pipeline summarises: ``abstractive`` (a model), ``extractive`` (no model) or ``none``.

    It owns the fallback: with ``fallback: extractive`` a summariser that cannot load, or that
    returns an empty summary, gives way to TextRank, and a flag says so.
    """

    def __init__(
        self,
        cfg: SummarizationConfig,
        summarizer: Summarizer | None,
        method: str,
        notes: list[Flag] | None = None,
    ) -> None:
        self.cfg = cfg
        self.summarizer = summarizer
        self.method = method
        self.notes = list(notes or [])  # flags from loading, repeated in every Result

    @classmethod
    def load(
        cls, cfg: SummarizationConfig, source: str = "models.yaml", threads: int | None = None
    ) -> "SummaryStage":
        """Load the configured summariser, or fall back to extractive when allowed."""
        if not cfg.needs_model:
            return cls(cfg, None, "extractive")
        try:
            model, chosen = load_model("summarization", cfg, source, threads)
        except ModelLoadError as e:
            if cfg.fallback != "extractive":
                raise
            note = Flag(
                "summary",
                f"summary: extractive, because the summarisation model did not load ({first_line(e)})",
            )
            return cls(cfg, None, "extractive", [note])
        return cls(cfg, Summarizer(model, cfg), "abstractive", [Flag("backend", note) for note in chosen])

    @classmethod
    def disabled(cls, cfg: SummarizationConfig) -> "SummaryStage":
        return cls(cfg, None, "none")

    @property
    def enabled(self) -> bool:
        return self.method != "none"

    @property
    def model(self) -> Model | None:
        return self.summarizer.model if self.summarizer is not None else None

    def method_for(self, options: SummaryOptions | None = None) -> str:
        """The method a call with ``options`` uses; InputError when it asks for one not loaded."""
        wanted = options.method if options and options.method else self.method
        if wanted not in ("abstractive", "extractive"):
            raise InputError(f"summary method must be abstractive or extractive, got {wanted!r}")
        if wanted == "abstractive" and self.summarizer is None:
            raise InputError(
                "no abstractive summariser is loaded here (its profile summarises extractively); use summary "
                "method extractive"
            )
        return wanted

    def uses_model(self, texts: list[str], options: SummaryOptions | None = None) -> bool:
        """Whether summarising ``texts`` runs the model: not for the extractive method, nor for a
        text of one sentence (its own summary). The service makes those at once, off the model's queue."""
        return (
            self.summarizer is not None
            and self.method_for(options) == "abstractive"
            and sum(1 for t in texts if t.strip()) > 1
        )

    def summarize(
        self, texts: list[str], options: SummaryOptions | None = None, on_window: WindowProgress | None = None
    ) -> Summary:
        """Summarise English sentences within the configured word budget (or ``options``');
        ``on_window`` follows an abstractive summary's windows."""
        if not self.enabled:
            raise ValueError("this stage was loaded without summaries")
        method = self.method_for(options)
        budget = (options.max_words if options else None) or self.cfg.word_budget(
            sum(len(t.split()) for t in texts)
        )
        flags: list[Flag] = []
        units = [t.strip() for t in texts if t.strip()]
        if method == "abstractive" and len(units) == 1:
            # One sentence has nothing to condense: a model asked for 30-odd tokens about it can only
            # pad or invent. The sentence is its own summary, said so.
            note = Flag(
                "summary", "summary: the text is one sentence; it is its own summary (nothing to condense)"
            )
            return Summary(units[0], 0, 0, [note], method="extractive")
        if self.summarizer is not None and method == "abstractive":
            summary = self.summarizer.summarize(texts, max_words=budget, on_window=on_window)
            if summary.text or self.cfg.fallback != "extractive":
                return summary
            flags = summary.warnings + [
                Flag("summary", "summary: extractive, because the model returned an empty summary")
            ]
        extract = summarize_extractive(texts, budget)
        made = 1 if extract.text else 0
        return Summary(extract.text, made, made, flags, method="extractive")

    def models(self, options: SummaryOptions | None = None) -> list[ModelInfo]:
        if not self.enabled:
            return []
        if self.summarizer is not None and self.method_for(options) == "abstractive":
            return [ModelInfo("summarization", self.cfg.model, self.cfg.revision)]
        return [ModelInfo("summarization", EXTRACTIVE_ID, None)]

    def signature(self, options: SummaryOptions | None = None) -> list[str]:
        """This stage's parts of a Result's signature."""
        if not self.enabled:
            return []
        if self.summarizer is not None and self.method_for(options) == "abstractive":
            parts = [
                f"sum:{self.summarizer.model.label}|beams:{self.cfg.generation.get('num_beams', 'model')}"
            ]
        else:
            parts = [f"sum:{EXTRACTIVE_ID}"]
        max_words = (options.max_words if options else None) or self.cfg.max_words
        ratio = None if options and options.max_words else self.cfg.ratio
        if max_words or ratio:
            parts.append(f"sum_words:{max_words or '-'}|sum_ratio:{ratio or '-'}")
        return parts
