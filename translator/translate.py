"""Sentence translation with a seq2seq model (MarianMT by default), batched by length."""

from __future__ import annotations

from typing import Any, Callable

from .batching import run_sorted, unique
from .config import ModelConfig
from .generate import Generated, cap_new_tokens, generate
from .loading import LoadedModel

# Without a configured max_new_tokens, each batch may write this many tokens per input token
# (plus a little): English from Indonesian is rarely longer than the source in tokens, so a
# translation that reaches the cap is almost surely looping, and gets flagged.
OUTPUT_RATIO = 2.0
OUTPUT_EXTRA = 8


class Translator:
    """Translates a list of sentences; identical sentences are translated once."""

    def __init__(self, loaded: LoadedModel, cfg: ModelConfig):
        self.loaded = loaded
        self.cfg = cfg

    @property
    def budget(self) -> int:
        """The most input tokens one sentence (or piece of one) may have."""
        return self.loaded.max_input_tokens

    def count_tokens(self, text: str) -> int:
        return self.loaded.count_tokens(text)

    def translate(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> list[Generated]:
        distinct, index = unique(texts)
        lengths = {text: self.count_tokens(text) for text in distinct}

        def run(batch: list[str]) -> list[Generated]:
            return generate(self.loaded, batch, self.settings(max(lengths[t] for t in batch)))

        outputs = run_sorted(distinct, run, size=lengths.__getitem__, batch_size=self.cfg.batch_size, on_batch=on_batch)
        return [outputs[i] for i in index]

    def settings(self, longest_input: int) -> dict[str, Any]:
        """generate() arguments for a batch whose longest input has ``longest_input`` tokens."""
        settings = self.cfg.generation
        if "max_new_tokens" in settings:
            settings["max_new_tokens"] = cap_new_tokens(self.loaded, settings["max_new_tokens"])
        elif "max_length" in settings:
            settings["max_length"] = min(settings["max_length"], self.loaded.max_positions)
        else:
            settings["max_new_tokens"] = cap_new_tokens(self.loaded, int(OUTPUT_RATIO * longest_input) + OUTPUT_EXTRA)
        if "min_new_tokens" in settings:
            settings["min_new_tokens"] = min(settings["min_new_tokens"], settings.get("max_new_tokens", settings["min_new_tokens"]))
        return settings
