"""A fake Model that implements the protocol without any library: words are tokens.

Stages are tested against it, so that their token-budget logic is checked once for every backend,
and so that outputs can be chosen (a loop, an empty summary, a capped output) instead of hoped for.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from translator.models.base import Generated, model_label

WAIT_S = 60  # how long a test waits for an event that must come (it comes at once on a quiet machine)


def _english(text: str, settings: dict[str, Any]) -> Generated:
    words = [f"en{len(w)}" for w in text.split()]
    cap = settings.get("max_new_tokens")
    if cap is not None and len(words) + 1 > cap:
        return Generated(" ".join(words[:cap]), cap, True)
    return Generated(" ".join(words) + ".", len(words) + 1, False)


@dataclass
class FakeModel:
    """Counts one token per whitespace-separated word, plus one for the end token."""

    role: str = "translation"
    max_input_tokens: int = 16
    max_positions: int = 64
    # One output per text, or a list of candidates, best-scored first (a stub backend's fixed lists).
    respond: Callable[[str, dict[str, Any]], Generated | list[Generated]] = _english
    model_id: str = "fake/model"
    revision: str | None = None
    backend: str = "transformers"
    compute_type: str = "float32"
    device: str = "cpu"
    load_seconds: float = 0.0
    calls: list[tuple[list[str], dict[str, Any]]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return model_label(self)

    def bind_thread(self) -> None:
        pass

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def generate(self, texts: list[str], settings: dict[str, Any], candidates: int = 1) -> list[Generated]:
        for text in texts:
            assert self.count_tokens(text) <= self.max_input_tokens, f"over the budget: {text!r}"
        assert settings.get("max_new_tokens", 0) + 1 <= self.max_positions, settings
        self.calls.append((list(texts), dict(settings)))
        outputs = []
        for text in texts:
            answer = self.respond(text, settings)
            ranked = answer if isinstance(answer, list) else [answer]
            ranked = ranked[: max(1, min(candidates, settings.get("num_beams", 1)))]
            outputs.append(replace(ranked[0], alternatives=tuple(ranked[1:])))
        return outputs


class GatedModel(FakeModel):
    """A FakeModel whose generate() calls wait at a gate: ``next_batch`` returns the texts of the
    call that is waiting, ``release`` lets it run; ``open`` lets every call through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.entered: queue.Queue[list[str]] = queue.Queue()
        self.go = threading.Semaphore(0)
        self.opened = threading.Event()
        self.generated: list[str] = []

    def generate(self, texts, settings, candidates=1):
        self.entered.put(list(texts))
        if not self.opened.is_set():
            assert self.go.acquire(timeout=WAIT_S), "the test never released this batch"
        if any("RACUN" in t for t in texts):
            raise ValueError("the model cannot take this input")
        self.generated += texts
        return super().generate(texts, settings, candidates)

    def next_batch(self) -> list[str]:
        return self.entered.get(timeout=WAIT_S)

    def release(self) -> None:
        self.go.release()

    def open(self) -> None:
        self.opened.set()
        for _ in range(1000):
            self.go.release()
