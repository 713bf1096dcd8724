"""models.yaml -> frozen, validated Config. The file's shape (types, ranges, known keys) is
pydantic's (schema.py); what a type cannot say is checked here, after it. Every problem is
reported at once, each as ``FILE: KEY: message``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import yaml

from ..errors import ConfigError
from ._checks import kind, resolve_model, unknown
from ._words import SECTIONS, file_keys, runtime_keys
from ._words import problems as shape_problems
from .discovery import find_config
from .schema import (
    SECTION_SHAPES,
    Config,
    ModelConfig,
    ModelsFile,
    Overrides,
    SummarizationConfig,
    TopKeys,
    TranslationConfig,
    generation_problems,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

Problem = Callable[[str, str], None]


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
    config = parse_config(data, source=label, base_dir=file.resolve().parent, profile=profile)
    return config.model_copy(update={"found_by": found_by})


def parse_config(
    data: Any, source: str = "models.yaml", base_dir: Path | None = None, profile: str | None = None
) -> Config:
    """Validate already-parsed YAML. Relative paths resolve against ``base_dir``."""
    base_dir = base_dir or Path.cwd()
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{source}: {key}: {message}" if key else f"{source}: {message}")

    if not isinstance(data, Mapping):
        problem("", f"must be a mapping with the sections {', '.join(SECTIONS)}, got {kind(data)}")
        raise ConfigError(problems)
    # A missing section is reported in its place among the sections' problems (below), not first.
    top = _validated(ModelsFile, {**{section: {} for section in SECTIONS}, **data}, problem)
    given = data.get("profiles")  # not a mapping: the file's shape said so
    profiles = {
        str(name): _validated(Overrides, {} if body is None else body, _prefixed(problem, f"profiles.{name}"))
        for name, body in (given.items() if isinstance(given, Mapping) else ())
    }
    names = tuple(dict.fromkeys(["default", *profiles]))
    if profile is not None and profile not in names:
        problem("profiles", f"no profile {profile!r} (profiles: {', '.join(names)})")
    stages: dict[str, dict[str, ModelConfig | None]] = {}
    for name in names:
        overrides = profiles.get(name) or Overrides()
        prefix = "" if name == "default" else f"profiles.{name}"
        stages[name] = dict(stages.get("default", {}))  # a section a profile leaves alone: the default's
        for section in SECTIONS:
            override = getattr(overrides, section)
            if section not in data and name == "default":
                problem(section, "missing section")
            if not isinstance(data.get(section), Mapping) or (name != "default" and override is None):
                continue  # reported by the file's shape, or the default's, already checked
            merged = _merge(data[section], override)
            stages[name][section] = _section(section, merged, base_dir, _prefixed(problem, prefix))
    glossary = _glossary(top.glossary, base_dir, problem) if top else ()
    chosen = stages.get(profile or "default", {})
    if problems or top is None:
        raise ConfigError(problems)
    cache = (
        top.cache
        if top.cache in (None, "default")
        else str((base_dir / Path(top.cache).expanduser()).resolve())
    )
    return Config(
        **{**top.model_dump(include=set(TopKeys.model_fields)), "cache": cache},
        translation=chosen["translation"],  # type: ignore[arg-type]
        summarization=chosen["summarization"],  # type: ignore[arg-type]
        source=source,
        profile=profile or "default",
        profiles=names,
        glossary=glossary,
    )


def _validated(shape: type[BaseModel], data: Mapping[str, Any], problem: Problem) -> Any:
    """``data`` as ``shape``, or None with each of its problems reported."""
    from pydantic import ValidationError

    try:
        return shape.model_validate(data)
    except ValidationError as error:
        for key, message in shape_problems(shape, data, error):
            problem(key, message)
        return None


def _section(name: str, data: Mapping[str, Any], base_dir: Path, problem: Problem) -> ModelConfig | None:
    """One section, merged with its profile's overrides, as its stage's config."""
    shape = SECTION_SHAPES[name]
    bad = False

    def fail(key: str, message: str) -> None:
        nonlocal bad
        bad = True
        problem(f"{name}.{key}", message)

    runtime = runtime_keys(shape)  # fields the program sets as it runs: not the file's to write
    for key in runtime:
        if key in data:
            fail(key, unknown(key, file_keys(shape)))
    data = {key: value for key, value in data.items() if key not in runtime}
    section: ModelConfig | None = _validated(shape, data, lambda k, m: problem(f"{name}.{k}", m))
    if section is None or bad:
        return None
    model = section.model
    extractive = isinstance(section, SummarizationConfig) and not section.needs_model
    if not model and not extractive:
        fail("model", "missing; give a Hugging Face hub id or a local directory")
    elif model:
        model = resolve_model(model.strip(), base_dir, lambda m: fail("model", m))
    if section.revision is not None and os.path.isabs(model):
        # A results file must never claim "/path@a4f8f3e": a directory has no hub revisions.
        fail(
            "revision",
            f"{section.revision!r} is a hub revision, but model is the local directory {model}; set "
            "revision: null",
        )
    generations = {"generation": section.generation}
    if isinstance(section, TranslationConfig):
        generations["retry_generation"] = section.retry_generation or {}
    for key, settings in generations.items():
        for where, message in generation_problems(settings):  # the rest GenerationConfig checks at load
            fail(f"{key}.{where}" if where else key, message)
    revision = section.revision.strip() if section.revision else None
    return None if bad else section.model_copy(update={"model": model, "revision": revision})


def _glossary(value: list[str] | str | None, base_dir: Path, problem: Problem) -> tuple[str, ...]:
    """null or []: off; a path or a list of paths ("default" is the shipped glossary)."""
    from ..text.glossary import DEFAULT, check_paths

    if value is None:
        return ()
    given = [value] if isinstance(value, str) else value
    paths = tuple(i if i == DEFAULT else str((base_dir / Path(i).expanduser()).resolve()) for i in given)
    for message in check_paths(paths):
        problem("glossary", message)
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


def _prefixed(problem: Problem, prefix: str) -> Problem:
    """``problem`` with every key under ``prefix`` (a profile's ``profiles.NAME``)."""
    return lambda key, message: problem(".".join(part for part in (prefix, key) if part), message)


def _reject_profile_change(config: Config, profile: str) -> Config:
    raise ConfigError(
        f"{config.source}: a loaded Config cannot switch profile; load the file again with "
        f"profile={profile!r}"
    )


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
