"""Checks on single values of models.yaml that no type says: hub ids and model directories, the
generate() settings transformers knows and those the pipeline sets itself, and the messages
that name an unknown key or a value's kind."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

# A hub id is "name" or "org/name"; anything else that is not an existing directory is a typo.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

# Settings that would change the shape of generate()'s output, which the pipeline relies on.
FORBIDDEN_GENERATION = {
    "num_return_sequences": "the pipeline keeps one output per input; remove it",
    "return_dict_in_generate": "set by the pipeline; remove it",
    "output_scores": "set by the pipeline; remove it",
}


def resolve_model(model: str, base_dir: Path, fail: Callable[[str], None]) -> str:
    """Local directories become absolute paths; anything else must look like a hub id."""
    looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1 or "\\" in model
    candidate = Path(model).expanduser()
    if not candidate.is_absolute():
        candidate = base_dir / candidate
    if candidate.is_dir():
        return str(candidate.resolve())
    if looks_like_path:
        fail(f"local model directory {model!r} not found (looked in {candidate})")
        return model
    if not _HUB_ID.match(model):
        fail(f"{model!r} is neither an existing directory nor a hub id like 'Helsinki-NLP/opus-mt-id-en'")
    return model


@lru_cache(maxsize=1)
def generation_keys() -> tuple[str, ...]:
    # A shipped list, not an import: reading (and rejecting) a config must not cost the seconds
    # transformers takes to import, and the CTranslate2 path never needs transformers at all.
    from ..text.data import data_lines

    return tuple(data_lines("generation_keys.txt"))


def unknown(key: Any, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {close[0]}?)"
    if len(valid) <= 16:  # a section's keys; generate() has too many to list
        return f"unknown key (valid keys: {', '.join(valid)})"
    return "unknown key (see transformers' GenerationConfig for the valid names)"


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return (
        f"{type(value).__name__} {value!r}"
        if isinstance(value, (str, int, float, bool))
        else type(value).__name__
    )
