"""People's corrections: a whole source sentence and the translation a person gave it.

They live in the translation memory's file, beside the model's outputs, but are keyed by the
sentence alone (white space folded), not by the model: a correction holds whichever model runs,
in the CLI, a batch or the service. The latest correction of a sentence wins; the earlier ones
are kept as its history. Corrections are never evicted by the memory's size bound.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InputError
from ..text.checks import check_segment
from .store import TranslationMemory, chunks

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


class Corrections:
    """The corrections held in ``memory``'s file."""

    def __init__(self, memory: TranslationMemory) -> None:
        self.memory = memory

    def add(
        self,
        source: str,
        translation: str,
        who: str = LOCAL,
        force: bool = False,
        created: float | None = None,
    ) -> Correction:
        """Record a correction; refused with the reason (``CorrectionRefused``) unless ``force``."""
        source, translation = normal(source), translation.strip()
        if not source:
            raise CorrectionRefused("the source sentence is empty")
        reason = problem(source, translation)
        if reason and not force:
            raise CorrectionRefused(f"correction refused: {reason} (force it to keep it anyway)")
        # Whole seconds, as TMX keeps them: an exported and re-imported correction is the same row.
        created = float(int(time.time() if created is None else created))
        with self.memory.writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO corrections (source, translation, who, created) VALUES (?, ?, ?, ?)",
                (source, translation, who, created),
            )
            row = db.execute(
                f"SELECT {_COLUMNS} FROM corrections WHERE source = ? AND translation = ? AND who = ? "
                "AND created = ?",
                (source, translation, who, created),
            ).fetchone()
        return Correction(*row)

    def latest(self, sources: list[str]) -> dict[str, Correction]:
        """The latest correction of each of ``sources`` that has one, by the source as given."""
        wanted = {normal(s): s for s in sources if s.strip()}
        found: dict[str, Correction] = {}
        for chunk, marks in chunks(list(wanted)):
            rows = self.memory.read(
                f"SELECT {_COLUMNS} FROM corrections WHERE id IN (SELECT max(id) FROM corrections "
                f"WHERE source IN ({marks}) GROUP BY source)",
                chunk,
            )
            for row in rows:
                found[wanted[row[1]]] = Correction(*row)
        return found

    def all(self, history: bool = False) -> list[Correction]:
        """Every sentence's latest correction, newest first; with ``history``, every one ever made."""
        where = "" if history else "WHERE id IN (SELECT max(id) FROM corrections GROUP BY source)"
        rows = self.memory.read(f"SELECT {_COLUMNS} FROM corrections {where} ORDER BY id DESC")
        return [Correction(*row) for row in rows]

    def history(self, source: str) -> list[Correction]:
        """The corrections of one sentence, newest first."""
        rows = self.memory.read(
            f"SELECT {_COLUMNS} FROM corrections WHERE source = ? ORDER BY id DESC", (normal(source),)
        )
        return [Correction(*row) for row in rows]

    def delete(self, correction_id: int) -> bool:
        """Remove one correction (its sentence falls back to the one before, or to the model)."""
        with self.memory.writing() as db:
            return db.execute("DELETE FROM corrections WHERE id = ?", (correction_id,)).rowcount > 0


_COLUMNS = "id, source, translation, who, created"
