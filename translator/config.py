"""models.yaml -> frozen, validated Config. Every problem is reported at once, by key path."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ConfigError

SECTIONS = ("translation", "summarization")
TOP_KEYS = (*SECTIONS, "profiles", "threads", "max_input_chars", "glossary", "cache", "cache_max_mb")
# About 150,000 words, a long book: far past any article, and small enough that a 2-core, 8 GB
# laptop never runs out of memory on the text itself (models take about 1.5 GB). null: no limit.
DEFAULT_MAX_INPUT_CHARS = 1_000_000
DEVICES = ("auto", "cpu", "cuda", "mps")
SECTION_KEYS = (
    "model",
    "revision",
    "max_input_tokens",
    "batch_size",
    "max_batch_tokens",
    "device",
    "backend",
    "compute_type",
    "generation",
)
BACKENDS = ("auto", "transformers", "ctranslate2")
COMPUTE_TYPES = (
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "float32",
    "float16",
    "bfloat16",
)
EXTRA_KEYS = {
    "translation": ("retry_generation", "candidates"),
    "summarization": ("method", "fallback", "max_words", "ratio", "include_boilerplate"),
}
DEFAULT_BATCH_SIZE = {"translation": 16, "summarization": 4}
SUMMARY_METHODS = ("abstractive", "extractive")
FALLBACKS = ("none", "extractive")
# A translation that stops at the token cap is generated once more with these settings on top of
# `generation`: wider beams that may not repeat a trigram, and a mild penalty on repeated tokens.
DEFAULT_RETRY_GENERATION = (("no_repeat_ngram_size", 3), ("num_beams", 4), ("repetition_penalty", 1.2))
DEFAULT_CANDIDATES = 4

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


@dataclass(frozen=True)
class ModelConfig:
    """One stage's model: where to load it from and how to run it."""

    model: str  # hub id, or the absolute path of a local directory
    revision: str | None = None
    max_input_tokens: int | None = None  # None: the model's own limit
    batch_size: int = 16
    max_batch_tokens: int | None = None  # padded input tokens per batch; None: only batch_size bounds it
    device: str = "auto"
    backend: str = "auto"  # auto: CTranslate2 when installed and the model converts, else transformers
    compute_type: str = "auto"  # CTranslate2 only; auto: int8 on CPU, int8_float16 on CUDA
    generation_items: tuple[tuple[str, Any], ...] = ()
    device_set_by: str | None = None  # "--device" when the command line chose it, for messages
    threads: int | None = (
        None  # this stage's inference threads (the service splits the cores); None: Config.threads
    )
    workers: int = 1  # batches this stage may run at once, each on ``threads`` (CTranslate2's inter_threads)

    @property
    def generation(self) -> dict[str, Any]:
        """Keyword arguments for ``generate()``, as written in models.yaml (a fresh copy)."""
        return dict(self.generation_items)

    @property
    def is_local(self) -> bool:
        return os.path.isabs(self.model)


@dataclass(frozen=True)
class TranslationConfig(ModelConfig):
    # Settings for the one retry of an output that stopped at the cap; None: no retry.
    retry_items: tuple[tuple[str, Any], ...] | None = DEFAULT_RETRY_GENERATION
    # Hypotheses of each beam search to choose among (at most num_beams; 1: the top one only).
    candidates: int = DEFAULT_CANDIDATES

    @property
    def retry_generation(self) -> dict[str, Any] | None:
        return None if self.retry_items is None else {**self.generation, **dict(self.retry_items)}


@dataclass(frozen=True)
class SummarizationConfig(ModelConfig):
    method: str = "abstractive"  # or "extractive": no model, sentences picked from the translation
    fallback: str = "none"  # "extractive": used when the model cannot load or returns nothing
    max_words: int | None = None
    ratio: float | None = None  # of the words in the summarised translation
    include_boilerplate: bool = False

    @property
    def needs_model(self) -> bool:
        return self.method == "abstractive"

    def word_budget(self, source_words: int) -> int | None:
        """The most words a summary of ``source_words`` words may have, or None for the model's choice."""
        budgets = [
            b
            for b in (
                self.max_words,
                None if self.ratio is None else max(1, round(self.ratio * source_words)),
            )
            if b
        ]
        return min(budgets) if budgets else None


@dataclass(frozen=True)
class Config:
    """The whole validated models.yaml."""

    translation: TranslationConfig
    summarization: SummarizationConfig
    source: str = "models.yaml"
    profile: str = "default"
    profiles: tuple[str, ...] = ("default",)
    threads: int | None = None  # torch / CTranslate2 threads; None: all cores
    max_input_chars: int | None = DEFAULT_MAX_INPUT_CHARS  # longer inputs are refused before any work
    found_by: str = ""  # how find_config chose the file: "--config", "TRANSLATOR_CONFIG", ...
    glossary: tuple[str, ...] = ("default",)  # TSV files of house terms; "default": the shipped one; (): off
    cache: str | None = (
        "default"  # the translation memory's SQLite file; "default": the user cache dir; None: off
    )
    cache_max_mb: float = 500.0

    def with_cache(self, path: str | None) -> "Config":
        """A copy with another translation memory file (--cache PATH), or none (--no-cache)."""
        return replace(self, cache=None if path is None else str(Path(path).expanduser().resolve()))

    def with_glossaries(self, paths: list[str]) -> "Config":
        """A copy with more glossary files (the CLI's --glossary), checked here too."""
        from .text.glossary import check_paths

        problems = check_paths(tuple(paths))
        if problems:
            raise ConfigError([f"--glossary {p}" for p in problems])
        return replace(self, glossary=(*self.glossary, *(str(Path(p).resolve()) for p in paths)))

    def with_runtime(
        self, *, device: str | None = None, beams: int | None = None, threads: int | None = None
    ) -> "Config":
        """A copy with the CLI's --device / --beams / --threads applied to both stages."""
        problems = []
        if device is not None and device not in DEVICES:
            problems.append(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
        if beams is not None and not _is_int(beams, 1):
            problems.append(f"beams must be an integer >= 1, got {beams!r}")
        if threads is not None and not _is_int(threads, 1):
            problems.append(f"threads must be an integer >= 1, got {threads!r}")
        if problems:
            raise ConfigError(problems)

        def stage(cfg):
            changes: dict[str, Any] = {}
            if device is not None:
                changes["device"], changes["device_set_by"] = device, "--device"
            if beams is not None:
                changes["generation_items"] = _items({**cfg.generation, "num_beams": beams})
            return replace(cfg, **changes)

        return replace(
            self,
            translation=stage(self.translation),
            summarization=stage(self.summarization),
            threads=threads or self.threads,
        )

    def with_stage_threads(
        self, translation: int, summarization: int, translation_workers: int = 1, summary_workers: int = 1
    ) -> "Config":
        """A copy whose stages run on threads of their own (the service's lanes): each stage runs
        ``*_workers`` calls at once, each call on ``translation`` / ``summarization`` threads."""
        return replace(
            self,
            translation=replace(self.translation, threads=translation, workers=translation_workers),
            summarization=replace(self.summarization, threads=summarization, workers=summary_workers),
        )

    def with_summary(
        self, *, method: str | None = None, max_words: int | None = None, ratio: float | None = None
    ) -> "Config":
        """A copy with summary settings overridden (the CLI's --summary-* options). Checked here too."""
        problems = []
        if method is not None and method not in SUMMARY_METHODS:
            problems.append(f"summary method must be one of {', '.join(SUMMARY_METHODS)}, got {method!r}")
        if max_words is not None and not _is_int(max_words, 1):
            problems.append(f"summary words must be an integer >= 1, got {max_words!r}")
        if ratio is not None and not (_is_number(ratio) and 0 < ratio <= 1):
            problems.append(f"summary ratio must be a number in (0, 1], got {ratio!r}")
        if problems:
            raise ConfigError(problems)
        changes: dict[str, Any] = {}
        if method is not None:
            changes["method"] = method
        if max_words is not None or ratio is not None:
            changes["max_words"], changes["ratio"] = max_words, ratio
        if method == "abstractive" and not self.summarization.model:
            raise ConfigError(
                f"{self.source}: summarization.model: missing; the abstractive method needs a model"
            )
        return replace(self, summarization=replace(self.summarization, **changes))


CONFIG_ENV = "TRANSLATOR_CONFIG"


def default_config_path() -> Path:
    """The models.yaml shipped in the wheel, or the repo-root one in a checkout/editable install."""
    packaged = Path(__file__).with_name("models.yaml")
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "models.yaml"


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/translator/models.yaml``, or ``~/.config/translator/models.yaml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "translator" / "models.yaml"


def find_config(path: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """Which models.yaml to read, and why, by one rule for every command, script and API call
    (the way pip and ruff find theirs): the path given (``--config``), then ``TRANSLATOR_CONFIG``,
    then ``./models.yaml`` in the working directory, then the user config directory, then the
    packaged default. Returns (path, how it was chosen)."""
    if path is not None:
        return Path(path), "--config"
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), CONFIG_ENV
    for candidate, how in (
        (Path("models.yaml"), "the working directory"),
        (user_config_path(), "the user config directory"),
    ):
        if candidate.is_file():
            return candidate, how
    return default_config_path(), "the packaged default"


def load_config(path: str | os.PathLike[str] | Config | None = None, profile: str | None = None) -> Config:
    """Load and validate a models.yaml. ``None`` finds one by ``find_config``'s rule; a Config
    passes through. Every message names the file that was read.

    ``profile`` picks one of the file's ``profiles`` (named overrides); every profile is
    validated at load either way, so a broken one is reported before it is needed.
    """
    if isinstance(path, Config):
        return path if profile is None or profile == path.profile else _reject_profile_change(path, profile)
    file, found_by = find_config(path)
    label = str(file)
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{label}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{label}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{label}: cannot read config file ({e})") from None
    try:
        data = yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise ConfigError(f"{label}: not valid YAML: {_yaml_problem(e)}") from None
    return replace(
        parse_config(data, source=label, base_dir=file.resolve().parent, profile=profile), found_by=found_by
    )


def parse_config(
    data: Any, source: str = "models.yaml", base_dir: Path | None = None, profile: str | None = None
) -> Config:
    """Validate already-parsed YAML. Relative model directories resolve against ``base_dir``."""
    base_dir = base_dir or Path.cwd()
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{source}: {key}: {message}" if key else f"{source}: {message}")

    if not isinstance(data, Mapping):
        problem("", f"must be a mapping with the sections {', '.join(SECTIONS)}, got {_kind(data)}")
        raise ConfigError(problems)
    for key in data:
        if key not in TOP_KEYS:
            problem(str(key), _unknown(key, TOP_KEYS))
    threads = data.get("threads")
    if threads is not None and not _is_int(threads, 1):
        problem("threads", f"must be an integer >= 1 (or null for all cores), got {threads!r}")
    glossary = _parse_glossary(data.get("glossary", ["default"]), base_dir, lambda m: problem("glossary", m))
    cache = data.get("cache", "default")
    if cache is not None and not (isinstance(cache, str) and cache.strip()):
        problem(
            "cache",
            f'must be a file path, "default" (the user cache directory) or null (no translation memory), got {_kind(cache)}',
        )
        cache = None
    elif cache not in (None, "default"):
        cache = str((base_dir / Path(cache).expanduser()).resolve())
    cache_max_mb = data.get("cache_max_mb", 500)
    if not (_is_number(cache_max_mb) and cache_max_mb > 0):
        problem("cache_max_mb", f"must be a number > 0, got {cache_max_mb!r}")
        cache_max_mb = 500
    max_input_chars = data.get("max_input_chars", DEFAULT_MAX_INPUT_CHARS)
    if max_input_chars is not None and not _is_int(max_input_chars, 1):
        problem("max_input_chars", f"must be an integer >= 1 (or null for no limit), got {max_input_chars!r}")
    profiles = data.get("profiles") or {}
    if not isinstance(profiles, Mapping):
        problem("profiles", f"must be a mapping of profile names to overrides, got {_kind(profiles)}")
        profiles = {}
    names = tuple(dict.fromkeys(["default", *map(str, profiles)]))
    if profile is not None and profile not in names:
        problem("profiles", f"no profile {profile!r} (profiles: {', '.join(names)})")

    parsed: dict[str, dict[str, ModelConfig | None]] = {}
    for name in names:
        overrides = profiles.get(name) or {}
        if not isinstance(overrides, Mapping):
            problem(
                f"profiles.{name}",
                f"must be a mapping with the sections {', '.join(SECTIONS)}, got {_kind(overrides)}",
            )
            continue
        for key in overrides:
            if key not in SECTIONS:
                problem(f"profiles.{name}.{key}", _unknown(key, SECTIONS))
        sections: dict[str, ModelConfig | None] = dict(parsed.get("default", {}))
        for section in SECTIONS:
            if section not in data:
                if name == "default":
                    problem(section, "missing section")
                continue
            if name != "default" and section not in overrides:
                continue  # the same as the default profile's, already checked
            prefix = "" if name == "default" else f"profiles.{name}."
            merged = _merge(data[section], overrides.get(section))
            sections[section] = _parse_section(
                section, merged, base_dir, lambda k, m, p=prefix: problem(p + k, m)
            )
        parsed[name] = sections
    chosen = parsed.get(profile or "default", {})
    if problems:
        raise ConfigError(problems)
    return Config(
        translation=chosen["translation"],  # type: ignore[arg-type]
        summarization=chosen["summarization"],  # type: ignore[arg-type]
        source=source,
        profile=profile or "default",
        profiles=names,
        threads=threads,
        max_input_chars=max_input_chars,
        glossary=glossary,
        cache=cache,
        cache_max_mb=float(cache_max_mb),
    )


def _parse_glossary(value: Any, base_dir: Path, fail) -> tuple[str, ...]:
    """null or []: off; a path or a list of paths ("default" is the shipped glossary)."""
    from .text.glossary import DEFAULT, check_paths

    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        fail(
            f'must be a file path, a list of file paths ("default" is the shipped glossary) or [], got {_kind(value)}'
        )
        return ()
    paths = tuple(i if i == DEFAULT else str((base_dir / Path(i).expanduser()).resolve()) for i in items)
    for message in check_paths(paths):
        fail(message)
    return paths


def _merge(base: Any, override: Any) -> Any:
    """``override`` on top of ``base``, mappings merged key by key (so one generation setting can
    change alone); anything else replaces."""
    if override is None:
        return base
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if isinstance(value, Mapping) else value
        return merged
    return override


def _reject_profile_change(config: Config, profile: str) -> Config:
    raise ConfigError(
        f"{config.source}: a loaded Config cannot switch profile; load the file again with profile={profile!r}"
    )


def _parse_section(name: str, data: Any, base_dir: Path, problem) -> ModelConfig | None:
    if not isinstance(data, Mapping):
        problem(name, f"must be a mapping with the keys {', '.join(SECTION_KEYS)}, got {_kind(data)}")
        return None
    bad = False

    def fail(key: str, message: str) -> None:
        nonlocal bad
        bad = True
        problem(f"{name}.{key}", message)

    valid_keys = SECTION_KEYS + EXTRA_KEYS[name]
    for key in data:
        if key not in valid_keys:
            fail(str(key), _unknown(key, valid_keys))

    extra = _parse_translation(data, fail) if name == "translation" else _parse_summarization(data, fail)
    model = data.get("model")
    if model is None and extra.get("method") == "extractive":
        model = ""  # the extractive summariser needs no model
    elif model is None:
        fail("model", "missing; give a Hugging Face hub id or a local directory")
    elif not isinstance(model, str) or not model.strip():
        fail("model", f"must be a hub id or a directory path, got {_kind(model)}")
    else:
        model = _resolve_model(model.strip(), base_dir, lambda m: fail("model", m))

    revision = data.get("revision")
    if revision is not None and not (isinstance(revision, str) and revision.strip()):
        fail("revision", f"must be a branch, tag or commit id, got {_kind(revision)}")
    elif revision is not None and isinstance(model, str) and os.path.isabs(model):
        # A results file must never claim "/path@a4f8f3e": a directory has no hub revisions.
        fail(
            "revision",
            f"{revision!r} is a hub revision, but model is the local directory {model}; set revision: null",
        )

    max_input_tokens = data.get("max_input_tokens")
    if max_input_tokens is not None and not _is_int(max_input_tokens, 8):
        fail(
            "max_input_tokens",
            f"must be an integer >= 8 (or null for the model's own limit), got {max_input_tokens!r}",
        )

    batch_size = data.get("batch_size", DEFAULT_BATCH_SIZE[name])
    if not _is_int(batch_size, 1):
        fail("batch_size", f"must be an integer >= 1, got {batch_size!r}")
    max_batch_tokens = data.get("max_batch_tokens")
    if max_batch_tokens is not None and not _is_int(max_batch_tokens, 1):
        fail("max_batch_tokens", f"must be an integer >= 1 (or null), got {max_batch_tokens!r}")

    device = data.get("device", "auto")
    if device not in DEVICES:
        fail("device", f"must be one of {', '.join(DEVICES)}, got {device!r}")

    backend = data.get("backend", "auto")
    if backend not in BACKENDS:
        fail("backend", f"must be one of {', '.join(BACKENDS)}, got {backend!r}")
    compute_type = data.get("compute_type", "auto")
    if compute_type not in COMPUTE_TYPES:
        fail("compute_type", f"must be one of {', '.join(COMPUTE_TYPES)}, got {compute_type!r}")

    generation = data.get("generation") or {}
    if not isinstance(generation, Mapping):
        fail("generation", f"must be a mapping of generate() arguments, got {_kind(generation)}")
        generation = {}
    problems = _generation_problems(
        generation
    )  # combinations only GenerationConfig knows: checked when transformers loads
    for message_key, message in problems:
        fail(f"generation.{message_key}" if message_key else "generation", message)

    if bad:
        return None
    kind = TranslationConfig if name == "translation" else SummarizationConfig
    return kind(
        model=model,
        revision=revision.strip() if isinstance(revision, str) else None,
        max_input_tokens=max_input_tokens,
        batch_size=batch_size,
        max_batch_tokens=max_batch_tokens,
        device=device,
        backend=backend,
        compute_type=compute_type,
        generation_items=_items(generation),
        **extra,
    )


def _parse_translation(data: Mapping[str, Any], fail) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    candidates = data.get("candidates", DEFAULT_CANDIDATES)
    if not _is_int(candidates, 1):
        fail("candidates", f"must be an integer >= 1 (1: keep the top hypothesis only), got {candidates!r}")
    else:
        extra["candidates"] = candidates
    if "retry_generation" not in data:
        return extra
    return {**extra, **_parse_retry(data, fail)}


def _parse_retry(data: Mapping[str, Any], fail) -> dict[str, Any]:
    retry = data["retry_generation"]
    if retry is None:
        return {"retry_items": None}
    if not isinstance(retry, Mapping):
        fail(
            "retry_generation",
            f"must be a mapping of generate() arguments (or null for no retry), got {_kind(retry)}",
        )
        return {}
    for message_key, message in _generation_problems(retry):
        fail(f"retry_generation.{message_key}" if message_key else "retry_generation", message)
    return {"retry_items": _items(retry)}


def _parse_summarization(data: Mapping[str, Any], fail) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    method = data.get("method", "abstractive")
    if method not in SUMMARY_METHODS:
        fail("method", f"must be one of {', '.join(SUMMARY_METHODS)}, got {method!r}")
    else:
        extra["method"] = method
    fallback = data.get("fallback", "none")
    fallback = "none" if fallback is None else fallback
    if fallback not in FALLBACKS:
        fail("fallback", f"must be one of {', '.join(FALLBACKS)}, got {fallback!r}")
    else:
        extra["fallback"] = fallback
    max_words = data.get("max_words")
    if max_words is not None and not _is_int(max_words, 1):
        fail("max_words", f"must be an integer >= 1 (or null), got {max_words!r}")
    else:
        extra["max_words"] = max_words
    ratio = data.get("ratio")
    if ratio is not None and not (_is_number(ratio) and 0 < ratio <= 1):
        fail("ratio", f"must be a number in (0, 1] (or null), got {ratio!r}")
    else:
        extra["ratio"] = ratio
    include = data.get("include_boilerplate", False)
    if not isinstance(include, bool):
        fail("include_boilerplate", f"must be true or false, got {include!r}")
    else:
        extra["include_boilerplate"] = include
    return extra


def _items(generation: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((str(k), v) for k, v in generation.items()))


def _resolve_model(model: str, base_dir: Path, fail) -> str:
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


def _generation_problems(generation: Mapping[str, Any]) -> list[tuple[str, str]]:
    known = _generation_keys()
    found: list[tuple[str, str]] = []
    for key, value in generation.items():
        key = str(key)
        if key in _FORBIDDEN_GENERATION:
            found.append((key, _FORBIDDEN_GENERATION[key]))
        elif key not in known:
            found.append((key, _unknown(key, known)))
        elif key in _INT_MIN and not _is_int(value, _INT_MIN[key]):
            found.append((key, f"must be an integer >= {_INT_MIN[key]}, got {value!r}"))
        elif key in _POSITIVE_FLOAT and not (_is_number(value) and value > 0):
            found.append((key, f"must be a number > 0, got {value!r}"))
        elif key == "top_p" and not (_is_number(value) and 0 < value <= 1):
            found.append((key, f"must be a number in (0, 1], got {value!r}"))
        elif key == "length_penalty" and not _is_number(value):
            found.append((key, f"must be a number, got {value!r}"))
        elif key in _BOOL and not isinstance(value, bool):
            found.append((key, f"must be true or false, got {value!r}"))
        elif key == "early_stopping" and not (isinstance(value, bool) or value == "never"):
            found.append((key, f"must be true, false or 'never', got {value!r}"))
    return found


@lru_cache(maxsize=1)
def _generation_keys() -> tuple[str, ...]:
    # A shipped list, not an import: reading (and rejecting) a config must not cost the seconds
    # transformers takes to import, and the CTranslate2 path never needs transformers at all.
    from .text.data import data_lines

    return tuple(data_lines("generation_keys.txt"))


def _unknown(key: Any, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {close[0]}?)"
    if len(valid) <= 16:  # a section's keys; generate() has too many to list
        return f"unknown key (valid keys: {', '.join(valid)})"
    return "unknown key (see transformers' GenerationConfig for the valid names)"


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return (
        f"{type(value).__name__} {value!r}"
        if isinstance(value, (str, int, float, bool))
        else type(value).__name__
    )


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
