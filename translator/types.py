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


# Every kind of Flag translator emits, declared here alone so that users can filter on stable
# names; a Flag of any other kind is refused when it is made.
FLAG_KINDS = {
    "number_missing": "a number in the source is not in the translation",
    "number_added": "a number in the translation is not in the source",
    "repetition": "an n-gram repeats in a loop",
    "untranslated": "the output is a copy of the source, or mostly Indonesian",
    "length_ratio": "the translation is much shorter or longer than its source",
    "length_cap": "generation stopped at the token cap",
    "retried": "the output hit the token cap and was generated again with other settings",
    "reranked": "the top-scored candidate failed a check; a lower-scored one that passes was kept",
    "empty": "the model returned nothing",
    "split": "a sentence over the input limit was translated in pieces and joined",
    "summary_number": "a number in the summary appears nowhere in the translation",
    "summary": "a problem with the summary as a whole (empty, cap, rounds, fallback)",
    "language": "the input does not look Indonesian",
    "backend": "the configured backend could not be used; another one ran",
    "document": "reading the document left something out (Markdown code, HTML page furniture)",
    "glossary": "a glossary term of the source is not in its glossary form in the translation",
    "summary_glossary": "the summary names a glossary term in its untranslated, Indonesian form",
    "memory": "the translation memory was set aside, or could not be opened and was not used",
    "low_confidence": "the model was unsure of this sentence (its confidence is below low_confidence)",
    "source_kept": "confidence below min_confidence: the source sentence stands instead of a translation",
    "control_chars": "characters a file cannot hold (XML's forbidden controls) were removed from the output",
}


@dataclass(frozen=True)
class Flag:
    """Something a reader should check: a suspect output, a limit that was hit, a fallback taken.

    ``kind`` is a stable name to filter on (one of ``FLAG_KINDS``); ``segment`` is the
    index into ``Result.segments`` when the flag is about one segment, else None.
    """

    kind: str
    message: str
    segment: int | None = None
    detail: str | None = None  # the number, n-gram or ratio the flag is about

    def __post_init__(self) -> None:
        if self.kind not in FLAG_KINDS:
            raise ValueError(f"undeclared flag kind {self.kind!r}; declare it in translator.types.FLAG_KINDS")

    def __str__(self) -> str:
        """For people: segments are numbered from 1, as in the side-by-side table (JSON keeps
        the 0-based ``segment`` index)."""
        return f"segment {self.segment + 1}: {self.message}" if self.segment is not None else self.message

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
    # "model", "memory" (every piece from the translation memory), "correction" (a person's), or
    # "source" (confidence below min_confidence: the Indonesian stands)
    origin: str = "model"
    # The model's certainty in [0, 1]: the geometric mean of the chosen tokens' probabilities (of the
    # least certain piece). None for a correction, or where the backend gave no scores.
    confidence: float | None = None
    # The beam's next best distinct translations of the sentence, best first (a sentence translated
    # in one piece, by the model, with candidates > 1; empty otherwise).
    alternatives: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flags"] = [f.to_dict() for f in self.flags]
        data["alternatives"] = list(self.alternatives)
        return data


@dataclass(frozen=True)
class Source:
    """Where a document came from when it was fetched: the page's link, title, author and date."""

    url: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """For people: "Title — Author, Site, 2024-01-31"."""
        rest = ", ".join(x for x in (self.author, self.site, self.date) if x)
        return f"{self.title or self.url}{' — ' + rest if rest else ''}"


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
    # The text the segments' start/end index when it is not the caller's input as given: the
    # plain text extracted from an HTML or Markdown document. None: spans index the input itself.
    source_text: str | None = None
    cache_hits: int = 0  # sentences (or pieces) that came from the translation memory
    source: Source | None = None  # the page a fetched document came from

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
            "source_text": self.source_text,
            "cache_hits": self.cache_hits,
            "source": self.source.to_dict() if self.source else None,
        }
