"""What the model sees of a span: invisible and control characters removed, spaces collapsed.

Spans keep pointing into the untouched input; only the text handed to the tokenizer is cleaned.
Zero-width spaces, soft hyphens and bidi marks (Unicode category Cf) split words into pieces the
model has never seen; control characters (Cc) are noise from scraping.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def model_text(text: str) -> str:
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        kept.append(" " if category == "Cc" else char)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", "".join(kept))).strip()


def has_words(text: str) -> bool:
    """Whether there is anything to translate: a letter or a digit in any script."""
    return any(char.isalnum() for char in text)


_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` without the characters XML cannot hold, and how many were removed."""
    cleaned, removed = _NOT_IN_XML.subn("", text)
    return cleaned, removed
