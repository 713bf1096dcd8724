"""What produced a result: the models' ids and the signature that lets two runs be compared."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ..config import Config
from ..types import ModelInfo
from ..version import __version__
from .summarize import SummaryOptions, SummaryStage
from .translate import Translator

if TYPE_CHECKING:
    from ..config import ModelConfig

SEGMENTER_VERSION = "1"


def model_infos(
    config: Config,
    translator: Translator | None,
    summary: SummaryStage,
    summarize: bool = True,
    options: SummaryOptions | None = None,
) -> list[ModelInfo]:
    """The models a result was made with: the translation model, and the summary's when summarised."""
    infos = []
    if translator is not None:
        infos.append(ModelInfo("translation", config.translation.model, config.translation.revision))
    if summarize:
        infos += summary.models(options)
    return infos


def signature(
    config: Config,
    translator: Translator | None,
    summary: SummaryStage,
    summarize: bool = True,
    translation: bool = True,
    options: SummaryOptions | None = None,
) -> str:
    """sacrebleu-style: the version, the segmenter, each model's ``label`` with the beams it ran
    with, the glossary's fingerprint and the summary's part."""
    parts = [f"translator:{__version__}", f"seg:{SEGMENTER_VERSION}"]
    if translation and translator is not None:
        beams = config.translation.generation.get("num_beams", "model")
        parts.append(f"mt:{translator.model.label}|beams:{beams}|candidates:{config.translation.candidates}")
        parts.append(f"mt_settings:{settings_digest(config.translation)}")
        if translator.glossary:
            parts.append(f"glossary:{translator.glossary.fingerprint}")
    if summarize:
        parts += summary.signature(options)
        parts.append(f"sum_settings:{settings_digest(config.summarization)}")
    return "|".join(parts)


# Settings that decide where a model runs or how fast, never what it writes.
_NOT_OUTPUT = {"model", "device", "device_set_by", "threads", "workers", "batch_size", "max_batch_tokens"}


def settings_digest(stage: ModelConfig) -> str:
    """A short digest of every setting of a stage that can change its output (generation
    settings, limits, retries, candidates, confidence thresholds, revision, compute type), so a
    resumed batch never mixes two configurations that differ only there."""
    settings = stage.model_dump(exclude=_NOT_OUTPUT)
    canonical = json.dumps(settings, sort_keys=True, default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]
