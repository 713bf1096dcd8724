"""The one way every file format is translated: the format's reader yields its text as units (a
paragraph, a table cell, a slide's text box, a subtitle cue), each with a way to write its
translation back; the units go through the pipeline as one text, a paragraph each, so sentences
are translated whole whatever runs or tags split them; each unit's sentences come back to it by
their character spans, never by matching text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..documents import Document
from ..types import Result

SEPARATOR = "\n\n"  # always a paragraph break for the segmenter
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass
class Unit:
    """One piece of a document's text and where its translation goes."""

    text: str
    write: Callable[[str], None]
    simplified: bool = False  # the unit's inline formatting cannot all be carried over


@dataclass
class Translated:
    """A document translated: the Result of its text, and notes on what the writer changed."""

    result: Result
    summarized: bool  # a summary was asked for and the pipeline makes them
    units: int  # units translated
    kept: int  # units left as they were: no letters (numbers, code, URLs alone)
    notes: list[str] = field(default_factory=list)


def translate_units(
    pipeline, units: list[Unit], name: str, summarize: bool, force: bool, progress=None
) -> Translated:
    """Translate every unit with letters in one pipeline call and write each translation back. The
    pipeline is first touched here, after the file was opened: a bad file fails before models load."""
    wanted = [u for u in units if _LETTER.search(u.text) and not _is_link(u.text)]
    if not wanted:
        from ..errors import InputError

        raise InputError(f"{name}: no text to translate (nothing with letters in it)")
    texts = [" ".join(u.text.split()) for u in wanted]
    joined, spans, position = [], [], 0
    for text in texts:
        spans.append((position, position + len(text)))
        joined.append(text)
        position += len(text) + len(SEPARATOR)
    summarize = summarize and pipeline.summary.enabled
    result = pipeline(
        Document(SEPARATOR.join(joined), name, "text"), summarize=summarize, force=force, progress=progress
    )
    pieces: list[list[str]] = [[] for _ in wanted]
    unit = 0
    for segment in result.segments:
        while unit < len(spans) - 1 and segment.start >= spans[unit][1]:
            unit += 1
        if segment.translation:
            pieces[unit].append(segment.translation)
    for target, parts in zip(wanted, pieces):
        target.write(" ".join(parts))
    notes = []
    simplified = sum(u.simplified for u in wanted)
    if simplified:
        notes.append(
            f"{simplified} paragraph(s) mixed formatting inside a sentence (bold, a link, another font): "
            "the translation carries the first run's formatting"
        )
    return Translated(result, summarize, len(wanted), len(units) - len(wanted), notes)


def _is_link(text: str) -> bool:
    stripped = text.strip()
    return bool(re.fullmatch(r"(https?://|www\.|mailto:)\S+", stripped))
