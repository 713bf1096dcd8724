"""Typed values that cross module boundaries: spans, segments and the Result."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Span:
    """A half-open character range into the original input; ``text == input[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Segment:
    """One source sentence, where it sits in the input, and its English translation."""

    source: str
    translation: str
    start: int
    end: int
    paragraph: int
    boilerplate: bool = False
    pieces: int = 1  # >1 when the sentence was cut to fit the model's token limit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelInfo:
    """Which model produced a stage's output, so results can be reproduced."""

    role: str
    id: str
    revision: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Result:
    """Everything one call of the pipeline produced."""

    translation: str
    summary: str
    segments: list[Segment]
    warnings: list[str]
    models: list[ModelInfo]
    timings: dict[str, float]
    summary_chunks: int = 0
    summary_rounds: int = 0
    signature: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view; the CLI's ``--format json`` prints exactly this."""
        return {
            "translation": self.translation,
            "summary": self.summary,
            "segments": [s.to_dict() for s in self.segments],
            "warnings": list(self.warnings),
            "models": [m.to_dict() for m in self.models],
            "timings": dict(self.timings),
            "summary_chunks": self.summary_chunks,
            "summary_rounds": self.summary_rounds,
            "signature": self.signature,
        }
