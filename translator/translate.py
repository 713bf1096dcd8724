"""Sentence translation with a seq2seq model (MarianMT by default), batched by length."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from .config import TranslationConfig
from .models.base import Generated, Model, cap_new_tokens
from .models.batches import run_sorted, unique
from .text.checks import find_loop
from .text.cleaning import model_text

# Without a configured max_new_tokens, each batch may write this many tokens per input token
# (plus a little): English from Indonesian is rarely longer than the source in tokens, so a
# translation that reaches the cap is almost surely looping, and gets flagged.
OUTPUT_RATIO = 2.0
OUTPUT_EXTRA = 8


class Translator:
    """Translates a list of sentences; identical sentences are translated once.

    An output that stops at its token cap is usually a loop; it is generated once more with
    ``retry_generation`` and the better of the two is kept (``Generated.retried`` says so).
    """

    def __init__(self, model: Model, cfg: TranslationConfig):
        self.model = model
        self.cfg = cfg

    @property
    def budget(self) -> int:
        """The most input tokens one sentence (or piece of one) may have."""
        return self.model.max_input_tokens

    def count_tokens(self, source: str) -> int:
        """Tokens of ``source`` as the model will see it: cleaned by ``model_text`` first."""
        return self.model.count_tokens(model_text(source))

    def translate(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> list[Generated]:
        """Translate texts already cleaned by ``model_text``, each within ``budget`` tokens."""
        distinct, index = unique(texts)
        lengths = {text: self.model.count_tokens(text) for text in distinct}

        def runner(base: dict[str, Any]) -> Callable[[list[str]], list[Generated]]:
            return lambda batch: self.model.generate(batch, self.settings(max(lengths[t] for t in batch), base))

        batching = {"size": lengths.__getitem__, "batch_size": self.cfg.batch_size, "max_tokens": self.cfg.max_batch_tokens}
        outputs = run_sorted(distinct, runner(self.cfg.generation), on_batch=on_batch, **batching)
        retry = self.cfg.retry_generation
        capped = [i for i, output in enumerate(outputs) if output.hit_cap]
        if retry is not None and capped:
            again = run_sorted([distinct[i] for i in capped], runner(retry), **batching)
            for i, second in zip(capped, again):
                outputs[i] = _better(outputs[i], second)
        return [outputs[i] for i in index]

    def settings(self, longest_input: int, base: dict[str, Any] | None = None) -> dict[str, Any]:
        """generate() arguments for a batch whose longest input has ``longest_input`` tokens."""
        settings = dict(self.cfg.generation if base is None else base)
        if "max_new_tokens" in settings:
            settings["max_new_tokens"] = cap_new_tokens(self.model, settings["max_new_tokens"])
        elif "max_length" in settings:
            settings["max_length"] = min(settings["max_length"], self.model.max_positions)
        else:
            settings["max_new_tokens"] = cap_new_tokens(self.model, int(OUTPUT_RATIO * longest_input) + OUTPUT_EXTRA)
        if "min_new_tokens" in settings:
            settings["min_new_tokens"] = min(settings["min_new_tokens"], settings.get("max_new_tokens", settings["min_new_tokens"]))
        return settings


def _better(first: Generated, second: Generated) -> Generated:
    """The retry wins unless it is no better: still capped and looping where the first was not."""
    if second.hit_cap and find_loop(second.text) and not find_loop(first.text):
        return replace(first, retried=True)
    return replace(second, retried=True)
