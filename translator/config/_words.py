"""pydantic's validation errors in this project's words: one ``(key, message)`` for each key that is
wrong, the key a dotted path through the file and the message "must be ..., got ..." in the
words its declaration gives (schema.py's ``key``)."""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from ._checks import kind, unknown

# The mark of a field the program sets as it runs, never the file (refused there by name).
RUNTIME: dict[str, Any] = {"runtime": True}
SECTIONS = ("translation", "summarization")  # the file's two sections, named first where keys are listed


def runtime_keys(shape: type[BaseModel]) -> tuple[str, ...]:
    return tuple(k for k, field in shape.model_fields.items() if field.json_schema_extra == RUNTIME)


def file_keys(shape: type[BaseModel]) -> tuple[str, ...]:
    """The keys a file may write in ``shape``, its sections first: its fields but those the
    program sets as it runs."""
    runtime = runtime_keys(shape)
    keys = [k for k in shape.model_fields if k not in runtime]
    return tuple(sorted(keys, key=lambda k: k not in SECTIONS))


def problems(
    shape: type[BaseModel], data: Mapping[str, Any], error: ValidationError | None = None
) -> list[tuple[str, str]]:
    """(key, message) for each thing wrong with ``data`` as ``shape`` (its ``error`` when already
    validated): pydantic's errors in this project's words, one per key."""
    if error is None:
        try:
            shape.model_validate(data)
            return []
        except ValidationError as invalid:
            error = invalid
    said: dict[str, str] = {}
    for each in error.errors():
        key, message = _message(shape, data, each)
        said.setdefault(key, message)  # a union's members each report the one value
    return list(said.items())


def _message(shape: type[BaseModel], data: Any, error: Any) -> tuple[str, str]:
    """(the key, what is wrong with it) for one pydantic error. Every shape is validated on its own
    (a section, a profile, generate()'s settings), so the key is the first step of the error's
    location; the rest is inside the value (a union's member, a list's index)."""
    key = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "extra_forbidden":
        return key, unknown(key, file_keys(shape))
    field = shape.model_fields.get(key)
    words = (field.json_schema_extra if field else shape.model_config.get("json_schema_extra")) or {}
    assert isinstance(words, dict)
    if error["type"] == "missing":
        return key, str(words.get("missing", "missing"))
    value = data.get(key) if key and isinstance(data, Mapping) else data
    got = repr(value) if words.get("got") == "repr" else kind(value)
    return key, f"must be {words.get('must', 'valid')}, got {got}"
