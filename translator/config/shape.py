"""The shape of a models.yaml file as pydantic models: each key's type, range, default and the words
its message uses when it is wrong (``must``). Strict: YAML's ``"3"`` is not 3 and ``yes`` is not 1;
a key not here is refused by name. The checks a type cannot say (a model directory that exists,
generate()'s settings, a revision beside a local directory) are parse.py's, after these.

``json_schema()`` is this shape as a JSON Schema, published with the docs for editors that
complete and check YAML against one.
"""

from __future__ import annotations

from typing import Annotated, Any, Mapping, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .checks import kind, unknown
from .keys import (
    DEFAULT_CANDIDATES,
    DEFAULT_LOW_CONFIDENCE,
    DEFAULT_MAX_INPUT_CHARS,
    DEFAULT_RETRY_GENERATION,
    SECTIONS,
    Backend,
    ComputeType,
    Device,
    Fallback,
    Method,
)

Text = Annotated[str, StringConstraints(pattern=r"\S")]  # a string with something in it


def key(
    must: str, *, got: str = "repr", json_schema_extra: dict[str, Any] | None = None, **options: Any
) -> Any:
    """A key's Field: ``must`` completes "must be ..." in its message; ``got`` shows the wrong value
    as its repr, or as its ``kind`` (type and value) where a repr alone would puzzle."""
    return Field(json_schema_extra={"must": must, "got": got, **(json_schema_extra or {})}, **options)


def choice(kinds: Any, *, default: str = "auto", extra: str = "") -> Any:
    return key(f"one of {', '.join(get_args(kinds))}{extra}", default=default)


def mapping(must: str) -> ConfigDict:
    """A shape's settings; ``must`` is what its message says when the value is not a mapping."""
    return ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra={"must": must})


class Section(BaseModel):
    """One stage's model and how it runs: the keys both sections share."""

    model_config = mapping("a mapping")

    model: Text | None = key("a hub id or a directory path", got="kind", default=None)
    revision: Text | None = key("a branch, tag or commit id", got="kind", default=None)
    max_input_tokens: int | None = key(
        "an integer >= 8 (or null for the model's own limit)", ge=8, default=None
    )
    batch_size: int = key("an integer >= 1", ge=1, default=16)
    max_batch_tokens: int | None = key("an integer >= 1 (or null)", ge=1, default=None)
    device: Device = choice(Device)
    backend: Backend = choice(Backend)
    compute_type: ComputeType = choice(ComputeType)
    generation: dict[str, Any] | None = key("a mapping of generate() arguments", got="kind", default=None)


SECTION_KEYS = tuple(Section.model_fields)


class TranslationSection(Section):
    model_config = mapping(f"a mapping with the keys {', '.join(SECTION_KEYS)}")

    model: Text = key(
        "a hub id or a directory path",
        got="kind",
        json_schema_extra={"missing": "missing; give a Hugging Face hub id or a local directory"},
    )
    retry_generation: dict[str, Any] | None = key(
        "a mapping of generate() arguments (or null for no retry)",
        got="kind",
        default=DEFAULT_RETRY_GENERATION,
    )
    candidates: int = key(
        "an integer >= 1 (1: keep the top hypothesis only)", ge=1, default=DEFAULT_CANDIDATES
    )
    low_confidence: float | None = key(
        "a number from 0 to 1 (or null: off)", ge=0, le=1, default=DEFAULT_LOW_CONFIDENCE
    )
    min_confidence: float | None = key("a number from 0 to 1 (or null: off)", ge=0, le=1, default=None)


class SummarizationSection(Section):
    model_config = mapping(f"a mapping with the keys {', '.join(SECTION_KEYS)}")

    batch_size: int = key("an integer >= 1", ge=1, default=4)
    method: Method = choice(Method, default="abstractive")
    fallback: Fallback | None = choice(Fallback, default="none")
    max_words: int | None = key("an integer >= 1 (or null)", ge=1, default=None)
    ratio: float | None = key("a number in (0, 1] (or null)", gt=0, le=1, default=None)
    include_boilerplate: bool = key("true or false", default=False)
    max_windows: int | None = key("an integer >= 1 (or null: no cap)", ge=1, default=32)


SECTION_SHAPES: dict[str, type[Section]] = {
    "translation": TranslationSection,
    "summarization": SummarizationSection,
}


class Overrides(BaseModel):
    """A profile: either section's keys, on top of the file's sections."""

    model_config = mapping(f"a mapping with the sections {', '.join(SECTIONS)}")

    translation: dict[str, Any] | None = key("a mapping of translation keys", got="kind", default=None)
    summarization: dict[str, Any] | None = key("a mapping of summarization keys", got="kind", default=None)


class ModelsFile(BaseModel):
    """The whole file. The sections are read as mappings here, and as their shapes once each
    profile's overrides are merged in (parse.py), so a profile's error names the profile."""

    model_config = mapping(f"a mapping with the sections {', '.join(SECTIONS)}")

    translation: dict[str, Any] = key(f"a mapping with the keys {', '.join(SECTION_KEYS)}", got="kind")
    summarization: dict[str, Any] = key(f"a mapping with the keys {', '.join(SECTION_KEYS)}", got="kind")
    threads: int | None = key("an integer >= 1 (or null for all cores)", ge=1, default=None)
    max_input_chars: int | None = key(
        "an integer >= 1 (or null for no limit)", ge=1, default=DEFAULT_MAX_INPUT_CHARS
    )
    glossary: list[Text] | Text | None = key(
        'a file path, a list of file paths ("default" is the shipped glossary) or []',
        got="kind",
        default=["default"],
    )
    cache: Text | None = key(
        'a file path, "default" (the user cache directory) or null (no translation memory)',
        got="kind",
        default="default",
    )
    cache_max_mb: float = key("a number > 0", gt=0, default=500.0)
    database: Annotated[str, StringConstraints(pattern=r"^postgres(ql)?://")] | None = key(
        "a postgresql:// URL (the database the service's replicas share) or null", default=None
    )
    profiles: dict[str, Overrides | None] | None = key(
        "a mapping of profile names to overrides", got="kind", default=None
    )


TOP_KEYS = tuple(ModelsFile.model_fields)


def json_schema() -> dict[str, Any]:
    """models.yaml as a JSON Schema: the file's keys, with each section's shape in place of the
    mapping the parser first reads it as."""
    schema = ModelsFile.model_json_schema()
    defs = schema.setdefault("$defs", {})
    for name, shape in SECTION_SHAPES.items():
        section = shape.model_json_schema()
        defs.update(section.pop("$defs", {}))
        defs[shape.__name__] = section
        schema["properties"][name] = {"$ref": f"#/$defs/{shape.__name__}"}
    return schema


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
            return ".".join([*path, str(part)]), unknown(part, tuple(model.model_fields))
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
