"""Abstractive summaries of English text of any length, window by window (map-reduce).

Text over the model's input limit is never cut off: it is split at sentence boundaries into
windows that fit, each window is summarised, and the joined partial summaries are summarised
again until they fit one window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .batching import run_sorted
from .config import ModelConfig
from .generate import Generated, cap_new_tokens, generate
from .loading import LoadedModel
from .segment import split_sentences, split_to_budget
from .types import Flag, Span

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


class Summarizer:
    """Summarises a list of English sentences with a seq2seq model (BART/PEGASUS style)."""

    def __init__(self, loaded: LoadedModel, cfg: ModelConfig):
        self.loaded = loaded
        self.cfg = cfg

    def summarize(self, sentences: list[str], max_words: int | None = None) -> Summary:
        """Summarise; ``max_words`` bounds the final summary (through its token cap)."""
        units = [s.strip() for s in sentences if s.strip()]
        if not units:
            return Summary(text="", chunks=0, rounds=0, warnings=[Flag("summary", "summary: nothing to summarise")])
        warnings: list[Flag] = []
        first_chunks = 0
        for round_number in range(1, MAX_ROUNDS + 1):
            windows = self.windows(units)
            first_chunks = first_chunks or len(windows)
            if len(windows) == 1:
                output = self._run(windows, final=True, max_words=max_words)[0]
                if output.hit_cap:
                    warnings.append(Flag("length_cap", f"summary: stopped at the length cap of {output.new_tokens} tokens"))
                if not output.text:
                    warnings.append(Flag("empty", "summary: the model returned an empty summary"))
                return Summary(text=output.text, chunks=first_chunks, rounds=round_number, warnings=warnings)
            partials = " ".join(g.text for g in self._run(windows, final=False) if g.text)
            units = [s.text for s in split_sentences(partials)]
            if not units:
                warnings.append(Flag("empty", f"summary: the model returned only empty partial summaries in round {round_number}"))
                return Summary(text="", chunks=first_chunks, rounds=round_number, warnings=warnings)
        warnings.append(
            Flag(
                "summary",
                f"summary: still over {self.loaded.max_input_tokens} tokens after {MAX_ROUNDS} rounds; "
                "summarised the first window of the last round only",
            )
        )
        output = self._run(self.windows(units)[:1], final=True, max_words=max_words)[0]
        return Summary(text=output.text, chunks=first_chunks, rounds=MAX_ROUNDS + 1, warnings=warnings)

    def windows(self, units: list[str]) -> list[str]:
        """Pack sentences, in order, into the fewest windows that each fit the input budget."""
        budget = self.loaded.max_input_tokens
        count = self.loaded.count_tokens
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
        return [p.text for p in split_to_budget(unit, span, self.loaded.count_tokens, self.loaded.max_input_tokens)]

    def _run(self, windows: list[str], final: bool, max_words: int | None = None) -> list[Generated]:
        lengths = [self.loaded.count_tokens(w) for w in windows]
        order = list(range(len(windows)))
        max_tokens = None
        if final and max_words is not None:
            # Words -> tokens at this text's own rate: the tokenizer's, not a guessed constant.
            words = sum(len(w.split()) for w in windows) or 1
            max_tokens = math.ceil(max_words * max(1.0, sum(lengths) / words))

        def run(batch: list[int]) -> list[Generated]:
            settings = self.settings(max(lengths[i] for i in batch), final, max_tokens)
            return generate(self.loaded, [windows[i] for i in batch], settings)

        return run_sorted(order, run, size=lengths.__getitem__, batch_size=self.cfg.batch_size, max_tokens=self.cfg.max_batch_tokens)

    def settings(self, longest_input: int, final: bool, max_tokens: int | None = None) -> dict[str, Any]:
        """generate() arguments; partial (non-final) summaries are held to a share of their window."""
        settings = self.cfg.generation
        limit = settings.get("max_new_tokens", self.loaded.max_positions)
        if max_tokens is not None:
            limit = min(limit, max_tokens)
            settings["min_length"] = 0  # the model's own minimum may be over a short budget
        if not final:
            limit = min(limit, max(MIN_PARTIAL_TOKENS, int(PARTIAL_SHARE * longest_input)))
            settings["min_length"] = 0
        settings["max_new_tokens"] = cap_new_tokens(self.loaded, limit)
        settings.pop("max_length", None)
        if "min_new_tokens" in settings:
            settings["min_new_tokens"] = min(settings["min_new_tokens"], settings["max_new_tokens"])
        return settings
