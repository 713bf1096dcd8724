"""The shape of models.yaml: its sections and keys, their defaults, and the frozen dataclasses a
validated file becomes. The ``with_*`` copies are how the CLI and the service override a loaded
Config, checked the same way as the file."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError
from .checks import is_int, is_number, items

SECTIONS = ("translation", "summarization")
TOP_KEYS = (
    *SECTIONS, "profiles", "threads", "max_input_chars", "glossary", "cache", "cache_max_mb", "database"
)  # fmt: skip
DATABASE_SCHEMES = ("postgresql://", "postgres://")
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
    "translation": ("retry_generation", "candidates", "low_confidence", "min_confidence"),
    "summarization": ("method", "fallback", "max_words", "ratio", "include_boilerplate", "max_windows"),
}
DEFAULT_BATCH_SIZE = {"translation": 16, "summarization": 4}
SUMMARY_METHODS = ("abstractive", "extractive")
FALLBACKS = ("none", "extractive")
# A translation that stops at the token cap is generated once more with these settings on top of
# `generation`: wider beams that may not repeat a trigram, and a mild penalty on repeated tokens.
DEFAULT_RETRY_GENERATION = (("no_repeat_ngram_size", 3), ("num_beams", 4), ("repetition_penalty", 1.2))
DEFAULT_CANDIDATES = 4
# A sentence whose confidence (the geometric mean of its tokens' probabilities) is below this is
# flagged low_confidence. Not calibrated on real weights here: a starting point, set in models.yaml.
DEFAULT_LOW_CONFIDENCE = 0.3


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

    def with_database(self, url: str | None) -> "Config":
        """A copy whose memory and corrections live in the PostgreSQL database at ``url`` (the
        CLI's --database, or $TRANSLATOR_DATABASE_URL); None keeps the file's choice."""
        if url is None:
            return self
        if not url.startswith(DATABASE_SCHEMES):
            raise ConfigError(f"--database must be a postgresql:// URL, got {url!r}")
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
        problems = []
        if device is not None and device not in DEVICES:
            problems.append(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
        if beams is not None and not is_int(beams, 1):
            problems.append(f"beams must be an integer >= 1, got {beams!r}")
        if threads is not None and not is_int(threads, 1):
            problems.append(f"threads must be an integer >= 1, got {threads!r}")
        if problems:
            raise ConfigError(problems)

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
        problems = []
        if method is not None and method not in SUMMARY_METHODS:
            problems.append(f"summary method must be one of {', '.join(SUMMARY_METHODS)}, got {method!r}")
        if max_words is not None and not is_int(max_words, 1):
            problems.append(f"summary words must be an integer >= 1, got {max_words!r}")
        if ratio is not None and not (is_number(ratio) and 0 < ratio <= 1):
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
