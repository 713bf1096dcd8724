"""Checks on single values of models.yaml, shared by the parser and the Config's ``with_*``
copies: integers and numbers, hub ids and model directories, generate() settings, and the
messages that name an unknown key or a value's kind."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

# A hub id is "name" or "org/name"; anything else that is not an existing directory is a typo.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")

# Checks on the values of the generation settings people set most. GenerationConfig accepts
# almost any value and only fails deep inside generate(), so the common ones are checked here.
_INT_MIN = {
    "num_beams": 1,
    "max_new_tokens": 1,
    "max_length": 1,
    "min_new_tokens": 0,
    "min_length": 0,
    "no_repeat_ngram_size": 0,
    "encoder_no_repeat_ngram_size": 0,
    "top_k": 0,
    "num_beam_groups": 1,
}
_POSITIVE_FLOAT = ("repetition_penalty", "temperature", "encoder_repetition_penalty")
_BOOL = ("do_sample", "use_cache", "renormalize_logits", "remove_invalid_values")
# Settings that would change the shape of generate()'s output, which the pipeline relies on.
_FORBIDDEN_GENERATION = {
    "num_return_sequences": "the pipeline keeps one output per input; remove it",
    "return_dict_in_generate": "set by the pipeline; remove it",
    "output_scores": "set by the pipeline; remove it",
}


def items(generation: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((str(k), v) for k, v in generation.items()))


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


def generation_problems(generation: Mapping[str, Any]) -> list[tuple[str, str]]:
    known = generation_keys()
    found: list[tuple[str, str]] = []
    for key, value in generation.items():
        key = str(key)
        if key in _FORBIDDEN_GENERATION:
            found.append((key, _FORBIDDEN_GENERATION[key]))
        elif key not in known:
            found.append((key, unknown(key, known)))
        elif key in _INT_MIN and not is_int(value, _INT_MIN[key]):
            found.append((key, f"must be an integer >= {_INT_MIN[key]}, got {value!r}"))
        elif key in _POSITIVE_FLOAT and not (is_number(value) and value > 0):
            found.append((key, f"must be a number > 0, got {value!r}"))
        elif key == "top_p" and not (is_number(value) and 0 < value <= 1):
            found.append((key, f"must be a number in (0, 1], got {value!r}"))
        elif key == "length_penalty" and not is_number(value):
            found.append((key, f"must be a number, got {value!r}"))
        elif key in _BOOL and not isinstance(value, bool):
            found.append((key, f"must be true or false, got {value!r}"))
        elif key == "early_stopping" and not (isinstance(value, bool) or value == "never"):
            found.append((key, f"must be true, false or 'never', got {value!r}"))
    return found


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


def is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return (
        f"{type(value).__name__} {value!r}"
        if isinstance(value, (str, int, float, bool))
        else type(value).__name__
    )
