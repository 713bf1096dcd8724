"""models.yaml's keys, declared once as pydantic models: each key's type, range, default and the
words its message uses when it is wrong (``must``). The same classes are the frozen Config the
pipeline runs on, so a key is never declared twice. Strict: YAML's ``"3"`` is not 3 and ``yes``
is not 1; a key not here is refused by name. What a type cannot say (a model directory that
exists, generate()'s settings, a revision beside a local directory) is parse.py's.

``Config.with_changes`` is how the CLI and the service override a loaded Config, checked by the
same declarations as the file. ``json_schema()`` is the file's shape, published with the docs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Mapping, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from ..errors import ConfigError
from ._checks import FORBIDDEN_GENERATION, generation_keys, unknown
from ._words import RUNTIME, SECTIONS, file_keys, problems

Device = Literal["auto", "cpu", "cuda", "mps"]
Backend = Literal["auto", "transformers", "ctranslate2"]
ComputeType = Literal[
    "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "float32", "float16", "bfloat16"
]
Method = Literal["abstractive", "extractive"]
Fallback = Literal["none", "extractive"]
DEVICES, SUMMARY_METHODS = get_args(Device), get_args(Method)  # the CLI's --device, --summary-method

# About 150,000 words, a long book: far past any article, and small enough that a 2-core, 8 GB
# laptop never runs out of memory on the text itself (models take about 1.5 GB). null: no limit.
DEFAULT_MAX_INPUT_CHARS = 1_000_000
DEFAULT_CANDIDATES = 4
# A sentence whose confidence (the geometric mean of its tokens' probabilities) is below this is
# flagged low_confidence. Not calibrated on real weights here: a starting point, set in models.yaml.
DEFAULT_LOW_CONFIDENCE = 0.3
# A translation that stops at the token cap is generated once more with these settings on top of
# `generation`: wider beams that may not repeat a trigram, and a mild penalty on repeated tokens.
DEFAULT_RETRY_GENERATION = {"no_repeat_ngram_size": 3, "num_beams": 4, "repetition_penalty": 1.2}

Text = Annotated[str, StringConstraints(pattern=r"\S")]  # a string with something in it
# A section that may go without a model writes null or leaves it out: "" as the program runs.
if TYPE_CHECKING:
    ModelName = str
else:
    ModelName = Annotated[Text | None, AfterValidator(lambda v: v or "")]
Settings = Annotated[  # generate()'s keyword arguments, read-only to the code (mypy); null is none
    Mapping[str, Any], BeforeValidator(lambda v: {} if v is None else v, json_schema_input_type=dict | None)
]


def key(
    must: str, *, got: str = "repr", json_schema_extra: dict[str, Any] | None = None, **options: Any
) -> Any:
    """A key's Field: ``must`` completes "must be ..." in its message; ``got`` shows the wrong value
    as its repr, or as its ``kind`` (type and value) where a repr alone would puzzle."""
    return Field(json_schema_extra={"must": must, "got": got, **(json_schema_extra or {})}, **options)


def choice(kinds: Any, *, default: str = "auto") -> Any:
    return key(f"one of {', '.join(get_args(kinds))}", default=default)


def shape(must: str) -> ConfigDict:
    """A mapping's settings; ``must`` is what its message says when the value is not a mapping."""
    return ConfigDict(extra="forbid", strict=True, frozen=True, json_schema_extra={"must": must})


class Generation(BaseModel):
    """The generate() settings people set most, checked as the file's keys are: transformers'
    GenerationConfig takes almost any value and fails deep inside generate(). Any other setting
    transformers knows passes (``generation_problems`` checks the names)."""

    model_config = ConfigDict(extra="allow", strict=True, json_schema_extra={"must": "a mapping"})

    num_beams: int = key("an integer >= 1", ge=1, default=None)
    num_beam_groups: int = key("an integer >= 1", ge=1, default=None)
    max_new_tokens: int = key("an integer >= 1", ge=1, default=None)
    max_length: int = key("an integer >= 1", ge=1, default=None)
    min_new_tokens: int = key("an integer >= 0", ge=0, default=None)
    min_length: int = key("an integer >= 0", ge=0, default=None)
    no_repeat_ngram_size: int = key("an integer >= 0", ge=0, default=None)
    encoder_no_repeat_ngram_size: int = key("an integer >= 0", ge=0, default=None)
    top_k: int = key("an integer >= 0", ge=0, default=None)
    top_p: float = key("a number in (0, 1]", gt=0, le=1, default=None)
    repetition_penalty: float = key("a number > 0", gt=0, default=None)
    encoder_repetition_penalty: float = key("a number > 0", gt=0, default=None)
    temperature: float = key("a number > 0", gt=0, default=None)
    length_penalty: float = key("a number", default=None)
    do_sample: bool = key("true or false", default=None)
    use_cache: bool = key("true or false", default=None)
    renormalize_logits: bool = key("true or false", default=None)
    remove_invalid_values: bool = key("true or false", default=None)
    early_stopping: bool | Literal["never"] = key("true, false or 'never'", default=None)


def generation_problems(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for each of generate()'s settings that is not transformers', is the
    pipeline's own, or has a value ``Generation`` refuses; in the order they are written."""
    known, order = generation_keys(), [str(k) for k in settings]
    named = [
        (k, FORBIDDEN_GENERATION.get(k) or unknown(k, known))
        for k in order
        if k not in known or k in FORBIDDEN_GENERATION
    ]
    rest = {k: v for k, v in settings.items() if str(k) not in dict(named)}
    return sorted(named + problems(Generation, rest), key=lambda found: order.index(found[0]))


class ModelConfig(BaseModel):
    """One stage's model and how it runs: the keys both sections share."""

    model_config = shape("a mapping")

    model: ModelName = key(  # a directory's absolute path at run time
        "a hub id or a directory path", got="kind", default=None, validate_default=True
    )
    revision: Text | None = key("a branch, tag or commit id", got="kind", default=None)
    max_input_tokens: int | None = key(
        "an integer >= 8 (or null for the model's own limit)", ge=8, default=None
    )
    batch_size: int = key("an integer >= 1", ge=1, default=16)
    max_batch_tokens: int | None = key("an integer >= 1 (or null)", ge=1, default=None)  # padded, a batch
    device: Device = choice(Device)
    backend: Backend = choice(Backend)  # auto: CTranslate2 when installed and the model converts
    compute_type: ComputeType = choice(ComputeType)  # CTranslate2's; auto: int8 on CPU, int8_float16 on CUDA
    generation: Settings = key(
        "a mapping of generate() arguments", got="kind", default=None, validate_default=True
    )
    # Set as it runs: "--device" when the command line chose the device (for messages); this
    # stage's inference threads (the service splits the cores; None: Config.threads); and how many
    # batches it may run at once, each on ``threads`` (CTranslate2's inter_threads).
    device_set_by: SkipJsonSchema[str | None] = Field(None, json_schema_extra=RUNTIME)
    threads: SkipJsonSchema[int | None] = Field(None, json_schema_extra=RUNTIME)
    workers: SkipJsonSchema[int] = Field(1, json_schema_extra=RUNTIME)

    @property
    def is_local(self) -> bool:
        return os.path.isabs(self.model)


SECTION_KEYS = file_keys(ModelConfig)
A_SECTION = f"a mapping with the keys {', '.join(SECTION_KEYS)}"


class TranslationConfig(ModelConfig):
    model_config = shape(A_SECTION)

    model: Text = key(
        "a hub id or a directory path",
        got="kind",
        json_schema_extra={"missing": "missing; give a Hugging Face hub id or a local directory"},
    )
    retry_generation: Mapping[str, Any] | None = key(  # for the one retry of an output at the cap
        "a mapping of generate() arguments (or null for no retry)",
        got="kind",
        default=DEFAULT_RETRY_GENERATION,
    )
    candidates: int = key(  # hypotheses of each beam search to choose among
        "an integer >= 1 (1: keep the top hypothesis only)", ge=1, default=DEFAULT_CANDIDATES
    )
    low_confidence: float | None = key(  # flagged below this
        "a number from 0 to 1 (or null: off)", ge=0, le=1, default=DEFAULT_LOW_CONFIDENCE
    )
    min_confidence: float | None = key(  # the source sentence below this, not a translation
        "a number from 0 to 1 (or null: off)", ge=0, le=1, default=None
    )

    @property
    def retry_settings(self) -> dict[str, Any] | None:
        """generate()'s arguments for the retry: ``retry_generation`` on top of ``generation``."""
        return None if self.retry_generation is None else {**self.generation, **self.retry_generation}


class SummarizationConfig(ModelConfig):
    model_config = shape(A_SECTION)

    batch_size: int = key("an integer >= 1", ge=1, default=4)
    method: Method = choice(Method, default="abstractive")  # extractive: picked from the translation
    fallback: Fallback | None = choice(Fallback, default="none")  # when the model fails or says nothing
    max_words: int | None = key("an integer >= 1 (or null)", ge=1, default=None)
    ratio: float | None = key("a number in (0, 1] (or null)", gt=0, le=1, default=None)  # of the words
    include_boilerplate: bool = key("true or false", default=False)
    # A text longer than this many windows is summarised from this many windows spread evenly through
    # it (flagged): a 200-page document's map-reduce would otherwise run for many minutes. None: all.
    max_windows: int | None = key("an integer >= 1 (or null: no cap)", ge=1, default=32)

    @property
    def needs_model(self) -> bool:
        return self.method == "abstractive"

    def word_budget(self, source_words: int) -> int | None:
        """The most words a summary of ``source_words`` words may have, or None for the model's choice."""
        ratio = None if self.ratio is None else max(1, round(self.ratio * source_words))
        budgets = [b for b in (self.max_words, ratio) if b]
        return min(budgets) if budgets else None


SECTION_SHAPES: dict[str, type[ModelConfig]] = {
    "translation": TranslationConfig,
    "summarization": SummarizationConfig,
}


class TopKeys(BaseModel):
    """The top-level keys the Config keeps as the file writes them."""

    model_config = shape(f"a mapping with the sections {', '.join(SECTIONS)}")

    threads: int | None = key("an integer >= 1 (or null for all cores)", ge=1, default=None)
    max_input_chars: int | None = key(  # longer inputs are refused before any work
        "an integer >= 1 (or null for no limit)", ge=1, default=DEFAULT_MAX_INPUT_CHARS
    )
    cache: Text | None = key(  # the translation memory's SQLite file
        'a file path, "default" (the user cache directory) or null (no translation memory)',
        got="kind",
        default="default",
    )
    cache_max_mb: float = key("a number > 0", gt=0, default=500.0)
    database: Annotated[str, StringConstraints(pattern=r"^postgres(ql)?://")] | None = key(
        "a postgresql:// URL (the database the service's replicas share) or null", default=None
    )


class Overrides(BaseModel):
    """A profile: either section's keys, on top of the file's sections."""

    model_config = shape(f"a mapping with the sections {', '.join(SECTIONS)}")

    translation: dict[str, Any] | None = key("a mapping of translation keys", got="kind", default=None)
    summarization: dict[str, Any] | None = key("a mapping of summarization keys", got="kind", default=None)


class ModelsFile(TopKeys):
    """The whole file. The sections are read as mappings here, and as their shapes once each
    profile's overrides are merged in (parse.py), so a profile's error names the profile."""

    translation: dict[str, Any] = key(A_SECTION, got="kind")
    summarization: dict[str, Any] = key(A_SECTION, got="kind")
    glossary: list[Text] | Text | None = key(
        'a file path, a list of file paths ("default" is the shipped glossary) or []',
        got="kind",
        default=["default"],
    )
    profiles: dict[str, Any] | None = key(  # each profile's Overrides are checked on their own
        "a mapping of profile names to overrides", got="kind", default=None
    )


TOP_KEYS = tuple(ModelsFile.model_fields)


class Config(TopKeys):
    """The whole validated models.yaml, as the pipeline runs on it. Frozen: a changed copy is
    ``with_changes({...})`` (checked as the file is) or ``model_copy(update={...})`` (unchecked)."""

    model_config = ConfigDict(frozen=True)

    translation: TranslationConfig
    summarization: SummarizationConfig
    source: str = "models.yaml"
    profile: str = "default"
    profiles: tuple[str, ...] = ("default",)
    found_by: str = ""  # how find_config chose the file: "--config", "TRANSLATOR_CONFIG", ...
    glossary: tuple[str, ...] = ("default",)  # TSV files of house terms; "default": the shipped one; (): off

    def with_changes(self, changes: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Config:
        """A copy with ``changes``, written as the file writes them (a section's as a mapping of its
        keys, where a stage's run-time fields may go too), each checked by the declarations that
        check the file. Every problem is raised at once, as ``KEY: message``, or as ``NAME message``
        where ``names`` names the key (a command line's option, say)."""
        fields = tuple(Config.model_fields)
        found = [(k, unknown(k, fields)) for k in changes if k not in fields]
        found += problems(TopKeys, {k: v for k, v in changes.items() if k in TopKeys.model_fields})
        stages: dict[str, ModelConfig] = {}
        for name in SECTIONS:
            stage, update = getattr(self, name), changes.get(name)
            if not update:
                continue
            merged = {**stage.model_dump(), **update}
            merged["model"] = merged["model"] or None  # no model: "" as it runs, null in the file
            found += [(f"{name}.{k}", m) for k, m in problems(type(stage), merged)]
            generation = update.get("generation") or {}
            found += [(f"{name}.generation.{k}", m) for k, m in generation_problems(generation)]
            if not merged["model"] and merged.get("method") == "abstractive":
                found.append((f"{name}.model", f"missing in {self.source}; the abstractive method needs one"))
            stages[name] = stage.model_copy(update=update)
        if found:
            named = names or {}
            said = (f"{named[k]} {m}" if k in named else f"{k}: {m}" for k, m in found)
            raise ConfigError(list(dict.fromkeys(said)))  # an option that sets both stages: said once
        return self.model_copy(update={**{k: v for k, v in changes.items() if k not in SECTIONS}, **stages})

    def with_glossaries(self, paths: list[str]) -> Config:
        """A copy with more glossary files (the CLI's --glossary), checked here too."""
        from ..text.glossary import check_paths

        problems = check_paths(tuple(paths))
        if problems:
            raise ConfigError([f"--glossary {p}" for p in problems])
        return self.model_copy(
            update={"glossary": (*self.glossary, *(str(Path(p).resolve()) for p in paths))}
        )


def json_schema() -> dict[str, Any]:
    """models.yaml as a JSON Schema: the file's keys, with each section's shape in place of the
    mapping the parser first reads it as."""
    schema = ModelsFile.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs["Generation"], defs["Overrides"] = Generation.model_json_schema(), Overrides.model_json_schema()
    profile = {"anyOf": [{"$ref": "#/$defs/Overrides"}, {"type": "null"}]}
    schema["properties"]["profiles"]["anyOf"][0]["additionalProperties"] = profile
    for name, section in SECTION_SHAPES.items():
        written = section.model_json_schema()
        defs.update(written.pop("$defs", {}))
        for settings in ("generation", "retry_generation"):  # as Generation, not just any mapping
            if settings in written["properties"]:
                written["properties"][settings]["anyOf"] = [{"$ref": "#/$defs/Generation"}, {"type": "null"}]
        defs[section.__name__] = written
        schema["properties"][name] = {"$ref": f"#/$defs/{section.__name__}"}
    return schema
