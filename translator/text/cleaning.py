"""What the model sees of a span: invisible and control characters removed, spaces collapsed.

Spans keep pointing into the untouched input; only the text handed to the tokenizer is cleaned.
Zero-width spaces, soft hyphens and bidi marks (Unicode category Cf) split words into pieces the
model has never seen; control characters (Cc) are noise from scraping.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")


def model_text(text: str) -> str:
    """Format characters (Cf) out, control characters (Cc) as spaces, NFC, spaces collapsed."""
    invisible, control, unclean = _patterns()
    if "  " not in text and not unclean.search(text) and unicodedata.is_normalized("NFC", text):
        return text.strip()  # already clean, as most text is: one scan instead of three passes
    return _SPACES.sub(" ", unicodedata.normalize("NFC", control.sub(" ", invisible.sub("", text)))).strip()


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The Cf and the Cc characters of this Python's Unicode database, each as one character class,
    and a class of every character that cleaning changes (those and whitespace other than a space):
    regex passes instead of a category lookup per character (counting tokens cleans the same long
    text thousands of times while it is split). Built once, in about 0.2 s, on first use."""
    found: dict[str, list[int]] = {"Cf": [], "Cc": []}
    spaces = []
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        category = unicodedata.category(char)
        if category in found:
            found[category].append(point)
        elif char.isspace() and char != " ":
            spaces.append(point)
    unclean = sorted({*found["Cf"], *found["Cc"], *spaces})
    return _character_class(found["Cf"]), _character_class(found["Cc"]), _character_class(unclean)


def _character_class(points: list[int]) -> re.Pattern[str]:
    ranges, start = [], None
    for i, point in enumerate(points):
        start = point if start is None else start
        if i + 1 == len(points) or points[i + 1] != point + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(point)) if point != start else ""))
            start = None
    return re.compile("[" + "".join(ranges) + "]")


def has_words(text: str) -> bool:
    """Whether there is anything to translate: a letter or a digit in any script."""
    return any(char.isalnum() for char in text)


_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` without the characters XML cannot hold, and how many were removed."""
    cleaned, removed = _NOT_IN_XML.subn("", text)
    return cleaned, removed
