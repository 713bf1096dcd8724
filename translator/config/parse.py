"""models.yaml -> frozen, validated Config. Every problem is reported at once, by key path."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from ..errors import ConfigError
from .checks import generation_problems, is_int, is_number, items, kind, resolve_model, unknown
from .discovery import find_config
from .schema import (
    BACKENDS,
    COMPUTE_TYPES,
    DATABASE_SCHEMES,
    DEFAULT_BATCH_SIZE,
    DEFAULT_CANDIDATES,
    DEFAULT_MAX_INPUT_CHARS,
    DEVICES,
    EXTRA_KEYS,
    FALLBACKS,
    SECTION_KEYS,
    SECTIONS,
    SUMMARY_METHODS,
    TOP_KEYS,
    Config,
    ModelConfig,
    SummarizationConfig,
    TranslationConfig,
)


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


Problem = Callable[[str, str], None]


def parse_config(
    data: Any, source: str = "models.yaml", base_dir: Path | None = None, profile: str | None = None
) -> Config:
    """Validate already-parsed YAML. Relative model directories resolve against ``base_dir``."""
    base_dir = base_dir or Path.cwd()
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{source}: {key}: {message}" if key else f"{source}: {message}")

    if not isinstance(data, Mapping):
        problem("", f"must be a mapping with the sections {', '.join(SECTIONS)}, got {kind(data)}")
        raise ConfigError(problems)
    for key in data:
        if key not in TOP_KEYS:
            problem(str(key), unknown(key, TOP_KEYS))
    top = _parse_top(data, base_dir, problem)
    profiles = data.get("profiles") or {}
    if not isinstance(profiles, Mapping):
        problem("profiles", f"must be a mapping of profile names to overrides, got {kind(profiles)}")
        profiles = {}
    names = tuple(dict.fromkeys(["default", *map(str, profiles)]))
    if profile is not None and profile not in names:
        problem("profiles", f"no profile {profile!r} (profiles: {', '.join(names)})")
    parsed = _parse_profiles(data, profiles, names, base_dir, problem)
    chosen = parsed.get(profile or "default", {})
    if problems:
        raise ConfigError(problems)
    return Config(
        translation=chosen["translation"],  # type: ignore[arg-type]
        summarization=chosen["summarization"],  # type: ignore[arg-type]
        source=source,
        profile=profile or "default",
        profiles=names,
        **top,
    )


def _parse_top(data: Mapping[str, Any], base_dir: Path, problem: Problem) -> dict[str, Any]:
    """The top-level settings beside the sections: threads, glossary, the memory, the input cap."""
    threads = data.get("threads")
    if threads is not None and not is_int(threads, 1):
        problem("threads", f"must be an integer >= 1 (or null for all cores), got {threads!r}")
    glossary = _parse_glossary(data.get("glossary", ["default"]), base_dir, lambda m: problem("glossary", m))
    cache = data.get("cache", "default")
    if cache is not None and not (isinstance(cache, str) and cache.strip()):
        problem(
            "cache",
            'must be a file path, "default" (the user cache directory) or null (no translation memory), '
            f"got {kind(cache)}",
        )
        cache = None
    elif cache not in (None, "default"):
        cache = str((base_dir / Path(cache).expanduser()).resolve())
    cache_max_mb = data.get("cache_max_mb", 500)
    if not (is_number(cache_max_mb) and cache_max_mb > 0):
        problem("cache_max_mb", f"must be a number > 0, got {cache_max_mb!r}")
        cache_max_mb = 500
    database = data.get("database")
    if database is not None and not (isinstance(database, str) and database.startswith(DATABASE_SCHEMES)):
        problem(
            "database",
            "must be a postgresql:// URL (the database the service's replicas share) or null, got "
            f"{database!r}",
        )
        database = None
    max_input_chars = data.get("max_input_chars", DEFAULT_MAX_INPUT_CHARS)
    if max_input_chars is not None and not is_int(max_input_chars, 1):
        problem("max_input_chars", f"must be an integer >= 1 (or null for no limit), got {max_input_chars!r}")
    return {
        "threads": threads,
        "max_input_chars": max_input_chars,
        "glossary": glossary,
        "cache": cache,
        "cache_max_mb": float(cache_max_mb),
        "database": database,
    }


def _parse_profiles(
    data: Mapping[str, Any],
    profiles: Mapping[str, Any],
    names: tuple[str, ...],
    base_dir: Path,
    problem: Problem,
) -> dict[str, dict[str, ModelConfig | None]]:
    """Every profile's sections, each checked once: a profile's section is the default's with its
    overrides merged on top, and a section a profile leaves alone is the default's."""
    parsed: dict[str, dict[str, ModelConfig | None]] = {}
    for name in names:
        overrides = profiles.get(name) or {}
        if not isinstance(overrides, Mapping):
            problem(
                f"profiles.{name}",
                f"must be a mapping with the sections {', '.join(SECTIONS)}, got {kind(overrides)}",
            )
            continue
        for key in overrides:
            if key not in SECTIONS:
                problem(f"profiles.{name}.{key}", unknown(key, SECTIONS))
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
            sections[section] = _parse_section(section, merged, base_dir, _prefixed(problem, prefix))
        parsed[name] = sections
    return parsed


def _parse_glossary(value: Any, base_dir: Path, fail: Callable[[str], None]) -> tuple[str, ...]:
    """null or []: off; a path or a list of paths ("default" is the shipped glossary)."""
    from ..text.glossary import DEFAULT, check_paths

    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        fail(
            'must be a file path, a list of file paths ("default" is the shipped glossary) or [], got '
            f"{kind(value)}"
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
        f"{config.source}: a loaded Config cannot switch profile; load the file again with "
        f"profile={profile!r}"
    )


def _prefixed(problem: Problem, prefix: str) -> Problem:
    """``problem`` with every key under ``prefix`` (a profile's ``profiles.NAME.``)."""
    return lambda key, message: problem(prefix + key, message)


def _parse_section(name: str, data: Any, base_dir: Path, problem: Problem) -> ModelConfig | None:
    if not isinstance(data, Mapping):
        problem(name, f"must be a mapping with the keys {', '.join(SECTION_KEYS)}, got {kind(data)}")
        return None
    bad = False

    def fail(key: str, message: str) -> None:
        nonlocal bad
        bad = True
        problem(f"{name}.{key}", message)

    valid_keys = SECTION_KEYS + EXTRA_KEYS[name]
    for key in data:
        if key not in valid_keys:
            fail(str(key), unknown(key, valid_keys))

    extra = _parse_translation(data, fail) if name == "translation" else _parse_summarization(data, fail)
    source = _parse_source(data, base_dir, extra.get("method") == "extractive", fail)
    runtime = _parse_runtime(name, data, fail)
    generation = data.get("generation") or {}
    if not isinstance(generation, Mapping):
        fail("generation", f"must be a mapping of generate() arguments, got {kind(generation)}")
        generation = {}
    # Combinations only GenerationConfig knows are checked when transformers loads.
    for message_key, message in generation_problems(generation):
        fail(f"generation.{message_key}" if message_key else "generation", message)
    if bad:
        return None
    config_class = TranslationConfig if name == "translation" else SummarizationConfig
    return config_class(**source, **runtime, generation_items=items(generation), **extra)


def _parse_source(data: Mapping[str, Any], base_dir: Path, extractive: bool, fail: Problem) -> dict[str, Any]:
    """model and revision: a hub id (with an optional revision) or a local directory (with none)."""
    model = data.get("model")
    if model is None and extractive:
        model = ""  # the extractive summariser needs no model
    elif model is None:
        fail("model", "missing; give a Hugging Face hub id or a local directory")
    elif not isinstance(model, str) or not model.strip():
        fail("model", f"must be a hub id or a directory path, got {kind(model)}")
    else:
        model = resolve_model(model.strip(), base_dir, lambda m: fail("model", m))

    revision = data.get("revision")
    if revision is not None and not (isinstance(revision, str) and revision.strip()):
        fail("revision", f"must be a branch, tag or commit id, got {kind(revision)}")
    elif revision is not None and isinstance(model, str) and os.path.isabs(model):
        # A results file must never claim "/path@a4f8f3e": a directory has no hub revisions.
        fail(
            "revision",
            f"{revision!r} is a hub revision, but model is the local directory {model}; set revision: null",
        )
    return {"model": model, "revision": revision.strip() if isinstance(revision, str) else None}


def _parse_runtime(name: str, data: Mapping[str, Any], fail: Problem) -> dict[str, Any]:
    """How the section's model runs: input limit, batches, device, backend, compute type."""
    max_input_tokens = data.get("max_input_tokens")
    if max_input_tokens is not None and not is_int(max_input_tokens, 8):
        fail(
            "max_input_tokens",
            f"must be an integer >= 8 (or null for the model's own limit), got {max_input_tokens!r}",
        )
    batch_size = data.get("batch_size", DEFAULT_BATCH_SIZE[name])
    if not is_int(batch_size, 1):
        fail("batch_size", f"must be an integer >= 1, got {batch_size!r}")
    max_batch_tokens = data.get("max_batch_tokens")
    if max_batch_tokens is not None and not is_int(max_batch_tokens, 1):
        fail("max_batch_tokens", f"must be an integer >= 1 (or null), got {max_batch_tokens!r}")
    chosen = {}
    for key, allowed in (("device", DEVICES), ("backend", BACKENDS), ("compute_type", COMPUTE_TYPES)):
        chosen[key] = data.get(key, "auto")
        if chosen[key] not in allowed:
            fail(key, f"must be one of {', '.join(allowed)}, got {chosen[key]!r}")
    return {
        "max_input_tokens": max_input_tokens,
        "batch_size": batch_size,
        "max_batch_tokens": max_batch_tokens,
        **chosen,
    }


def _parse_translation(data: Mapping[str, Any], fail: Problem) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    candidates = data.get("candidates", DEFAULT_CANDIDATES)
    if not is_int(candidates, 1):
        fail("candidates", f"must be an integer >= 1 (1: keep the top hypothesis only), got {candidates!r}")
    else:
        extra["candidates"] = candidates
    for key in ("low_confidence", "min_confidence"):
        if key in data:
            value = data[key]
            if value is not None and not (is_number(value) and 0 <= value <= 1):
                fail(key, f"must be a number from 0 to 1 (or null: off), got {value!r}")
            else:
                extra[key] = value
    if "retry_generation" not in data:
        return extra
    return {**extra, **_parse_retry(data, fail)}


def _parse_retry(data: Mapping[str, Any], fail: Problem) -> dict[str, Any]:
    retry = data["retry_generation"]
    if retry is None:
        return {"retry_items": None}
    if not isinstance(retry, Mapping):
        fail(
            "retry_generation",
            f"must be a mapping of generate() arguments (or null for no retry), got {kind(retry)}",
        )
        return {}
    for message_key, message in generation_problems(retry):
        fail(f"retry_generation.{message_key}" if message_key else "retry_generation", message)
    return {"retry_items": items(retry)}


def _parse_summarization(data: Mapping[str, Any], fail: Problem) -> dict[str, Any]:
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
    if max_words is not None and not is_int(max_words, 1):
        fail("max_words", f"must be an integer >= 1 (or null), got {max_words!r}")
    else:
        extra["max_words"] = max_words
    ratio = data.get("ratio")
    if ratio is not None and not (is_number(ratio) and 0 < ratio <= 1):
        fail("ratio", f"must be a number in (0, 1] (or null), got {ratio!r}")
    else:
        extra["ratio"] = ratio
    include = data.get("include_boilerplate", False)
    if not isinstance(include, bool):
        fail("include_boilerplate", f"must be true or false, got {include!r}")
    else:
        extra["include_boilerplate"] = include
    if "max_windows" in data:
        windows = data["max_windows"]
        if windows is not None and not is_int(windows, 1):
            fail("max_windows", f"must be an integer >= 1 (or null: no cap), got {windows!r}")
        else:
            extra["max_windows"] = windows
    return extra


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
