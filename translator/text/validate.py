"""One check of a text before any model loads: is there something to translate, and is it Indonesian?

The CLI calls it before loading models, so that bad input fails in milliseconds with exit 2; the
Pipeline calls it for every text, so that API users get the same answers.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, LanguageError
from ..types import Flag
from .cleaning import has_words
from .language import check_language


def validate_text(
    text: Any,
    max_chars: int | None = None,
    force: bool = False,
    *,
    name: str | None = None,
    indonesian: bool = True,
) -> list[Flag]:
    """Raise InputError for text that cannot be translated; return the language flags otherwise.

    ``max_chars`` is the config's ``max_input_chars``; ``name`` (a file name) starts each message;
    ``indonesian=False`` skips the language check (English given to the summariser).
    """
    where = f"{name}: " if name else ""
    if not isinstance(text, str):
        raise InputError(f"{where}text must be a str, got {type(text).__name__}")
    if max_chars and len(text) > max_chars:
        raise InputError(
            f"{where}the input has {len(text):,} characters, over the max_input_chars limit of "
            f"{max_chars:,}; "
            "split it, or raise the limit in models.yaml"
        )
    if not text.strip():
        raise InputError(f"{where}the input is empty (nothing but whitespace)")
    if not has_words(text):
        raise InputError(f"{where}nothing to translate: the input has no letters or digits")
    if not indonesian:
        return []
    try:
        return check_language(text, force)
    except LanguageError as e:
        raise e.located(name) from None
