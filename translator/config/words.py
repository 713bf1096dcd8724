"""pydantic's validation errors in this project's words: one ``(key, message)`` for each key that is
wrong, the key a dotted path through the file and the message "must be ..., got ..." in the
words its declaration gives (schema.py's ``key``)."""

from __future__ import annotations

from typing import Any, Mapping, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .checks import kind, unknown

# A stage's settings that the program sets as it runs, never the file (refused there by name).
RUNTIME_KEYS = ("device_set_by", "threads", "workers")


def file_keys(shape: type[BaseModel]) -> tuple[str, ...]:
    """The keys a file may write in ``shape``: its fields, less those the program sets as it runs."""
    return tuple(k for k in shape.model_fields if k not in RUNTIME_KEYS)


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
    """(the key, what is wrong with it) for one pydantic error: the key is the path through the
    shapes as far as it names keys of the file (a union's member names are not keys)."""
    model: Any = shape
    path: list[str] = []
    field = None
    for part in error["loc"]:
        if isinstance(model, type) and issubclass(model, BaseModel) and str(part) in model.model_fields:
            field = model.model_fields[str(part)]
            path.append(str(part))
            model = _inner(field.annotation)
        elif model is dict:
            path.append(str(part))  # a profile's name
            model = _inner(field.annotation, value=True) if field else None
        elif error["type"] == "extra_forbidden" and isinstance(model, type) and issubclass(model, BaseModel):
            return ".".join([*path, str(part)]), unknown(part, file_keys(model))
        else:
            break
    value, words = _value(data, path), _words(field.json_schema_extra if field else None)
    if error["type"] == "missing":
        return ".".join(path), str(
            words.get("missing") or ("missing section" if len(path) == 1 else "missing")
        )
    if isinstance(model, type) and issubclass(model, BaseModel) and path and error["type"].endswith("type"):
        wanted = _words(model.model_config.get("json_schema_extra")).get("must", "a mapping")
        return ".".join(path), f"must be {wanted}, got {kind(value)}"
    got = kind(value) if words.get("got") == "kind" else repr(value)
    return ".".join(path), f"must be {words.get('must', 'valid')}, got {got}"


def _words(extra: Any) -> dict[str, Any]:
    """A Field's or a shape's own words (``must``, ``got``, ``missing``): its json_schema_extra."""
    return extra if isinstance(extra, dict) else {}


def _inner(annotation: Any, value: bool = False) -> Any:
    """The model or dict inside an annotation (``X | None``, ``dict[str, X]``); with ``value``,
    what a dict inside it holds."""
    origin = get_origin(annotation)
    if origin is dict:
        return _inner(get_args(annotation)[1]) if value else dict
    if origin is not None:  # a union, or Annotated
        for member in get_args(annotation):
            found = _inner(member, value)
            if found is dict or (isinstance(found, type) and issubclass(found, BaseModel)):
                return found
    return annotation


def _value(data: Any, path: list[str]) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, Mapping) else None
    return data
