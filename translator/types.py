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
class Flag:
    """Something a reader should check: a suspect output, a limit that was hit, a fallback taken.

    ``kind`` is a stable name to filter on (see ``translator.checks.KINDS``); ``segment`` is the
    index into ``Result.segments`` when the flag is about one segment, else None.
    """

    kind: str
    message: str
    segment: int | None = None
    detail: str | None = None  # the number, n-gram or ratio the flag is about

    def __str__(self) -> str:
        return f"segment {self.segment}: {self.message}" if self.segment is not None else self.message

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    flags: tuple[Flag, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flags"] = [f.to_dict() for f in self.flags]
        return data


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
    warnings: list[Flag]
    models: list[ModelInfo]
    timings: dict[str, float]
    summary_chunks: int = 0
    summary_rounds: int = 0
    signature: str = ""
    summary_method: str = ""  # "abstractive", "extractive", or "" without a summary

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view; the CLI's ``--format json`` prints exactly this."""
        return {
            "translation": self.translation,
            "summary": self.summary,
            "segments": [s.to_dict() for s in self.segments],
            "warnings": [w.to_dict() for w in self.warnings],
            "models": [m.to_dict() for m in self.models],
            "timings": dict(self.timings),
            "summary_chunks": self.summary_chunks,
            "summary_rounds": self.summary_rounds,
            "summary_method": self.summary_method,
            "signature": self.signature,
        }
