"""The frozen dataclasses a validated models.yaml becomes (the file's own shape is shape.py's).
The ``with_*`` copies are how the CLI and the service override a loaded Config, checked the same
way as the file."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ConfigError
from .checks import generation_problems, items
from .keys import (
    DEFAULT_CANDIDATES,
    DEFAULT_LOW_CONFIDENCE,
    DEFAULT_MAX_INPUT_CHARS,
    DEFAULT_RETRY_GENERATION,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

DEFAULT_RETRY_ITEMS = items(DEFAULT_RETRY_GENERATION)


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
    retry_items: tuple[tuple[str, Any], ...] | None = DEFAULT_RETRY_ITEMS
    # Hypotheses of each beam search to choose among (at most num_beams; 1: the top one only).
    candidates: int = DEFAULT_CANDIDATES
    low_confidence: float | None = DEFAULT_LOW_CONFIDENCE  # flag below this; None: never
    min_confidence: float | None = None  # below this, the source sentence instead of a translation

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
    # A text longer than this many windows is summarised from this many windows spread evenly through
    # it (flagged): a 200-page document's map-reduce would otherwise run for many minutes. None: all.
    max_windows: int | None = 32

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


_Stage = TypeVar("_Stage", TranslationConfig, SummarizationConfig)  # a stage, copied as its own kind


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
    # A PostgreSQL URL: the memory and corrections there instead of in ``cache`` (shared by replicas)
    database: str | None = None

    def with_database(self, url: str | None, given_as: str = "--database") -> "Config":
        """A copy whose memory and corrections live in the PostgreSQL database at ``url`` (the
        CLI's --database, or $TRANSLATOR_DATABASE_URL); None keeps the file's choice."""
        if url is None:
            return self
        _check("ModelsFile", {"database": url}, {"database": given_as})
        return replace(self, database=url)

    def with_cache(self, path: str | None) -> "Config":
        """A copy with another translation memory file (--cache PATH), or none (--no-cache)."""
        return replace(self, cache=None if path is None else str(Path(path).expanduser().resolve()))

    def with_glossaries(self, paths: list[str]) -> "Config":
        """A copy with more glossary files (the CLI's --glossary), checked here too."""
        from ..text.glossary import check_paths

        problems = check_paths(tuple(paths))
        if problems:
            raise ConfigError([f"--glossary {p}" for p in problems])
        return replace(self, glossary=(*self.glossary, *(str(Path(p).resolve()) for p in paths)))

    def with_runtime(
        self, *, device: str | None = None, beams: int | None = None, threads: int | None = None
    ) -> "Config":
        """A copy with the CLI's --device / --beams / --threads applied to both stages."""
        _check(
            "Section",
            {"device": device, "generation": {"num_beams": beams}},
            {"generation.num_beams": "beams"},
        )
        _check("ModelsFile", {"threads": threads})

        def stage(cfg: _Stage) -> _Stage:
            changes: dict[str, Any] = {}
            if device is not None:
                changes["device"], changes["device_set_by"] = device, "--device"
            if beams is not None:
                changes["generation_items"] = items({**cfg.generation, "num_beams": beams})
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
        given = {"method": method, "max_words": max_words, "ratio": ratio}
        _check("SummarizationSection", given, {k: f"summary {k.removeprefix('max_')}" for k in given})
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


def _check(shape_name: str, given: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """The values a command line gave (those not None), checked as the file's keys are (by the
    shape named, from shape.py), each message under the option's name (``names``, else the key's)."""
    from . import shape as shapes

    shape: type[BaseModel] = getattr(shapes, shape_name)
    values = {key: value for key, value in given.items() if value is not None}
    generation = {key: value for key, value in values.pop("generation", {}).items() if value is not None}
    if generation:
        values["generation"] = generation
    if shape is shapes.ModelsFile:
        values = {"translation": {}, "summarization": {}, **values}
    found = shapes.problems(shape, values) + [
        (f"generation.{key}", message) for key, message in generation_problems(generation)
    ]
    if found:
        raise ConfigError([f"{(names or {}).get(key, key)} {message}" for key, message in found])
