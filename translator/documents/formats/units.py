"""The one way every file format is translated: the format's reader yields its text as units (a
paragraph, a table cell, a slide's text box, a subtitle cue), each with a way to write its
translation back; the units go through the pipeline as one text, a paragraph each, so sentences
are translated whole whatever runs or tags split them; each unit's sentences come back to it by
their character spans, never by matching text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol

from ...text.cleaning import xml_safe
from ...types import Flag, Result

SEPARATOR = "\n\n"  # always a paragraph break for the segmenter
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass
class Unit:
    """One piece of a document's text and where its translation goes."""

    text: str
    write: Callable[[str], None]
    simplified: bool = False  # the unit's inline formatting cannot all be carried over


class Opened(Protocol):
    """A file opened for translation, whatever its kind: its text units (each knows where its
    translation goes) and ``save()``, the same kind of file with the translations in place (a plain
    text's is its str, every other kind's is bytes). Readers in this package implement it."""

    units: list[Unit]

    def save(self) -> bytes | str: ...


@dataclass
class Translated:
    """A document translated: the Result of its text, and notes on what the writer changed."""

    result: Result
    summarized: bool  # a summary was asked for and the pipeline makes them
    units: int  # units translated
    kept: int  # units left as they were: no letters (numbers, code, URLs alone)
    notes: list[str] = field(default_factory=list)


def translate_units(
    pipeline: Any, units: list[Unit], name: str, summarize: bool, force: bool, progress: Any = None
) -> Translated:
    """Translate every unit with letters in one pipeline call and write each translation back. The
    pipeline is first touched here, after the file was opened: a bad file fails before models load."""
    chosen = wanted(units)
    if not chosen:
        from ...errors import InputError

        raise InputError(f"{name}: no text to translate (nothing with letters in it)")
    texts = [" ".join(u.text.split()) for u in chosen]
    joined, spans, position = [], [], 0
    for text in texts:
        spans.append((position, position + len(text)))
        joined.append(text)
        position += len(text) + len(SEPARATOR)
    from ..reader import Document  # here: documents asks formats.registry what an input is

    summarize = summarize and pipeline.summary.enabled
    result = pipeline(
        Document(SEPARATOR.join(joined), name, "text"), summarize=summarize, force=force, progress=progress
    )
    result = _xml_safe(result)
    pieces: list[list[str]] = [[] for _ in chosen]
    unit = 0
    for segment in result.segments:
        while unit < len(spans) - 1 and segment.start >= spans[unit][1]:
            unit += 1
        if segment.translation:
            pieces[unit].append(segment.translation)
    for target, parts in zip(chosen, pieces):
        target.write(" ".join(parts))
    notes = []
    simplified = sum(u.simplified for u in chosen)
    if simplified:
        notes.append(
            f"{simplified} paragraph(s) mixed formatting inside a sentence (bold, a link, another font): "
            "the translation carries the first run's formatting"
        )
    return Translated(result, summarize, len(chosen), len(units) - len(chosen), notes)


def wanted(units: list[Unit]) -> list[Unit]:
    """The units worth translating: those with letters that are not a link alone."""
    return [u for u in units if _LETTER.search(u.text) and not _is_link(u.text)]


# What XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF), and the
# C1 controls no document means to hold: removed from model output before any writer sees it.
def _xml_safe(result: Result) -> Result:
    """The result with every translation and the summary made writable into XML; each sentence
    that lost characters is flagged with how many (never an exception in a writer)."""
    segments, flags = [], []
    for index, segment in enumerate(result.segments):
        cleaned, removed = xml_safe(segment.translation)
        if removed:
            flag = Flag(
                "control_chars",
                f"{removed} control character(s) in the model's output removed: no file can hold them",
                index,
                str(removed),
            )
            segment = replace(segment, translation=cleaned, flags=(*segment.flags, flag))
            flags.append(flag)
        segments.append(segment)
    summary, removed = xml_safe(result.summary)
    if removed:
        flags.append(
            Flag("control_chars", f"summary: {removed} control character(s) removed", None, str(removed))
        )
    if not flags:
        return result
    translation, _ = xml_safe(result.translation)
    return replace(
        result,
        segments=segments,
        summary=summary,
        translation=translation,
        warnings=[*result.warnings, *flags],
    )


def _is_link(text: str) -> bool:
    stripped = text.strip()
    return bool(re.fullmatch(r"(https?://|www\.|mailto:)\S+", stripped))
