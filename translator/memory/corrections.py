"""People's corrections: a whole source sentence and the translation a person gave it.

They live beside the memory's model outputs (in its SQLite file, ``store.Corrections``, or in
the shared database, ``postgres.PostgresCorrections``), but are keyed by the sentence alone
(white space folded), not by the model: a correction holds whichever model runs, in the CLI, a
batch or the service. The latest correction of a sentence wins; the earlier ones are kept as its
history. Corrections are never evicted by the memory's size bound. This module holds what both
stores share: the record, the checks and the protocol.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from ..errors import InputError
from ..text.checks import check_segment

LOCAL = "local"  # who made a correction when no API key names a person


@dataclass(frozen=True)
class Correction:
    id: int
    source: str
    translation: str
    who: str
    created: float  # seconds since the epoch

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CorrectionRefused(InputError):
    """A correction that would make the translation worse in a way the checks can see."""


def normal(source: str) -> str:
    """The key of a sentence: its text with white space folded (line breaks inside a sentence of a
    hard-wrapped file are the same sentence)."""
    return " ".join(source.split())


def problem(source: str, translation: str) -> str | None:
    """Why ``translation`` cannot stand for ``source`` as given, or None: it is empty, it is the
    source again, or it loses or adds a number of the source."""
    if not translation.strip():
        return "the correction is empty"
    if normal(translation).casefold() == normal(source).casefold():
        return "the correction is the source sentence itself, not a translation"
    numbers = [
        f for f in check_segment(0, source, translation) if f.kind in ("number_missing", "number_added")
    ]
    if numbers:
        return "; ".join(f.message for f in numbers)
    return None


class CorrectionStore(Protocol):
    """Where corrections are kept: beside the memory in its SQLite file (``Corrections``), or in
    the database the service's replicas share (``memory/postgres.py``). Both pass one contract
    test suite (tests/test_shared_state.py)."""

    def add(
        self,
        source: str,
        translation: str,
        who: str = LOCAL,
        force: bool = False,
        created: float | None = None,
    ) -> Correction: ...

    def latest(self, sources: list[str]) -> dict[str, Correction]: ...

    def all(self, history: bool = False) -> list[Correction]: ...

    def history(self, source: str) -> list[Correction]: ...

    def delete(self, correction_id: int) -> bool: ...


def checked(source: str, translation: str, force: bool, created: float | None) -> tuple[str, str, float]:
    """The row a correction becomes (its source folded, whole seconds), or CorrectionRefused with why."""
    source, translation = normal(source), translation.strip()
    if not source:
        raise CorrectionRefused("the source sentence is empty")
    reason = problem(source, translation)
    if reason and not force:
        raise CorrectionRefused(f"correction refused: {reason} (force it to keep it anyway)")
    # Whole seconds, as TMX keeps them: an exported and re-imported correction is the same row.
    return source, translation, float(int(time.time() if created is None else created))


COLUMNS = "id, source, translation, who, created"
