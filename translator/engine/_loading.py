"""Loading a pipeline's parts from a Config: the translation model with its memory and glossary,
and the summary stage. Kept apart from the Pipeline so that what loads, and what a failure to
open the memory means, reads in one place."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

from ..config import Config, ModelConfig
from ..errors import first_line
from ..models.base import load_model
from ..models.hub import check_models_here
from ..text.glossary import load_glossary
from ..text.language import load_identifier
from ..types import Flag
from .summarize import SummaryStage
from .translate import Translator

if TYPE_CHECKING:
    from ..memory.store import Memory


def load_parts(
    cfg: Config, *, summarize: bool, translate: bool, on_load: Callable[[str], None] | None
) -> tuple[Translator | None, SummaryStage, list[Flag]]:
    """The translator (None when ``translate`` is off), the summary stage, and the notes from loading."""
    translator, notes = None, []
    wanted: list[tuple[str, ModelConfig]] = [("translation", cfg.translation)] if translate else []
    if summarize and cfg.summarization.needs_model:
        wanted.append(("summarization", cfg.summarization))
    check_models_here(wanted, _where_to_edit(cfg))  # a first run offline: every missing model in one message
    if translate:
        if on_load:
            on_load("translation")
        model, chosen = load_model(
            "translation", cfg.translation, cfg.source, cfg.translation.threads or cfg.threads
        )
        memory, memory_notes = open_memory(cfg)
        translator = Translator(model, cfg.translation, load_glossary(cfg.glossary), memory)
        notes = [Flag("backend", note) for note in chosen] + [Flag("memory", note) for note in memory_notes]
        load_identifier()  # with the models, so that the first text's segment timing is its own
    stage = SummaryStage.disabled(cfg.summarization)
    if summarize:
        if on_load and cfg.summarization.needs_model:
            on_load("summarization")
        stage = SummaryStage.load(cfg.summarization, cfg.source, cfg.summarization.threads or cfg.threads)
    return translator, stage, notes


def _where_to_edit(cfg: Config) -> str:
    """The models.yaml a person should edit: the one in use, unless that is the copy inside the
    installed package (edited there, it is lost with the next install)."""
    if cfg.found_by != "the packaged default":
        return cfg.source
    from ..config.discovery import user_config_path

    return f"a models.yaml of your own (copy {cfg.source} to {user_config_path()}, or pass --config FILE)"


def open_memory(config: Config) -> tuple["Memory | None", list[str]]:
    """The configured translation memory, and notes; a memory file that cannot be opened (a
    read-only home, say) means no memory and a note, never a failed run. A shared database
    (``database:``) that cannot be reached stops the run: replicas working without the memory
    they share would each keep people's corrections from the others."""
    if config.database is not None:
        from ..memory.postgres import PostgresMemory

        return PostgresMemory(config.database, config.cache_max_mb), []
    if config.cache is None:
        return None, []
    from ..memory.store import TranslationMemory, default_path

    path = default_path() if config.cache == "default" else config.cache
    try:
        memory = TranslationMemory(path, config.cache_max_mb)
    except (OSError, sqlite3.Error) as e:
        return None, [f"translation memory {path} cannot be used ({first_line(e)}); translating without it"]
    return memory, memory.notes
