"""Request bodies: pydantic models that both check what comes in and describe it in the OpenAPI
schema, so validation and documentation cannot drift apart. A body may come as JSON, a form or a
multipart upload; ``parse`` reads any of them into its model, and a problem becomes one clear
400 line ("Invalid request: ..."), in LibreTranslate's words where its routes define them."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .service import ApiError

B = TypeVar("B", bound="Body")


class Body(BaseModel):
    """A request body. ``kinds`` words a field's expected type for its error message."""

    kinds: ClassVar[dict[str, str]] = {}
    missing: ClassVar[dict[str, str]] = {}  # a field's own words when it is missing


class TranslateRequest(Body):
    """LibreTranslate's /translate body (JSON, or the same fields as a form). Fields this service
    does not use (``secret``) are accepted and ignored, as LibreTranslate's clients send them."""

    model_config = ConfigDict(extra="ignore")
    kinds: ClassVar[dict[str, str]] = {"q": "a text or a list of texts"}

    q: str | list[str] = Field(description="the text, or a list of texts")
    source: str = Field("auto", description="'id', or 'auto' to detect")
    target: str = Field("en", description="'en'")
    format: str = Field("text", description="'text' or 'html'")
    alternatives: int = Field(
        0,
        ge=0,
        le=10,
        description="also this many other translations, from the beam (fewer when it has fewer)",
    )
    force: bool = Field(
        False, description="translate a text that does not look Indonesian instead of refusing it"
    )
    api_key: str | None = None


class DetectRequest(Body):
    model_config = ConfigDict(extra="ignore")
    kinds: ClassVar[dict[str, str]] = {"q": "a text"}

    q: str
    api_key: str | None = None


class DocumentRequest(Body):
    """translator's own API: one document (JSON), or a file upload (multipart field ``file``).
    An unknown field is refused: a misspelt option must not be ignored silently."""

    model_config = ConfigDict(extra="forbid")
    kinds: ClassVar[dict[str, str]] = {"text": "a text"}

    text: str | None = Field(None, description="the text: plain, Markdown or HTML (or upload a file)")
    url: str | None = Field(None, description="instead of text: a web page whose article is fetched")
    profile: str | None = Field(None, description="a profile this server loaded (GET /v1/models)")
    summary_words: int | None = Field(
        None, ge=1, le=1000, description="at most about this many words in the summary"
    )
    summary_method: Literal["abstractive", "extractive"] | None = Field(
        None, description="'abstractive' or 'extractive'"
    )
    input_format: Literal["auto", "text", "markdown", "html"] = Field(
        "auto", description="auto, text, markdown or html"
    )
    force: bool = Field(False, description="translate even if the text does not look Indonesian")
    api_key: str | None = None


class SuggestRequest(Body):
    """LibreTranslate's /suggest: ``q`` the source text, ``s`` the suggested translation."""

    model_config = ConfigDict(extra="ignore")
    kinds: ClassVar[dict[str, str]] = {"q": "a text", "s": "a text"}

    q: str = Field(description="the Indonesian sentence")
    s: str = Field(description="its better English translation")
    source: str = Field("id", description="'id'")
    target: str = Field("en", description="'en'")
    force: bool = Field(False, description="keep it even if it loses or adds a number of the source")
    api_key: str | None = None


class CorrectionRequest(Body):
    """A correction for translator's own API: a sentence and the translation it is to have."""

    model_config = ConfigDict(extra="forbid")
    kinds: ClassVar[dict[str, str]] = {"source": "a text", "translation": "a text"}

    source: str = Field(description="the Indonesian sentence, as it appears in documents")
    translation: str = Field(description="its English translation, used from now on")
    force: bool = Field(False, description="keep it even if it loses or adds a number of the source")
    profile: str | None = Field(None, description="whose memory (default: the first profile)")
    api_key: str | None = None


def parse(model: type[B], data: dict[str, Any]) -> B:
    """``data`` (a JSON object or a form's fields) as ``model``. Empty values count as absent, as
    LibreTranslate treats them; form values are converted ("5" to 5, "true" to True)."""
    present = {k: v for k, v in data.items() if v is not None and v != "" and v != []}
    try:
        return model.model_validate(present)
    except ValidationError as e:
        problems: dict[str, str] = {}
        for error in e.errors():
            field = str(error["loc"][0]) if error["loc"] else "body"
            problems.setdefault(field, _problem(model, field, error, present.get(field)))
        raise ApiError(400, "Invalid request: " + "; ".join(problems.values())) from None


def _problem(model: type[Body], field: str, error: Any, value: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return model.missing.get(field, f"missing {field} parameter")
    if kind == "extra_forbidden":
        return f"unknown field {field!r} (this route takes {', '.join(model.model_fields)})"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
        return f"{field} must be {expected}, got {error['input']!r}"
    if field in model.kinds and kind.endswith("_type"):
        return f"{field} must be {model.kinds[field]}, not {_kind_of(value)}"
    return f"{field}: {error['msg']}"


def _kind_of(value: Any) -> str:
    """A JSON value's kind in words: "a number", "a list holding a number"."""
    if isinstance(value, list):
        inner = sorted({_kind_of(v) for v in value if not isinstance(v, str)})
        return f"a list holding {' and '.join(inner)}" if inner else "a list"
    names = {bool: "true or false", int: "a number", float: "a number", dict: "an object", str: "a text"}
    return names.get(type(value), type(value).__name__)


def request_body(model: type[BaseModel], multipart: bool = False) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that takes ``model`` as JSON and as a form (or a
    multipart upload with a ``file``)."""
    schema = model.model_json_schema()
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if multipart:
        properties = {**schema.get("properties", {}), "file": {"type": "string", "format": "binary"}}
        content["multipart/form-data"] = {"schema": {"type": "object", "properties": properties}}
    else:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}
