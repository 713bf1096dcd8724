"""What produced a result: the models' ids and the signature that lets two runs be compared."""

from __future__ import annotations

from .config import Config
from .summarize import SummaryOptions, SummaryStage
from .translate import Translator
from .types import ModelInfo
from .version import __version__

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
        if translator.glossary:
            parts.append(f"glossary:{translator.glossary.fingerprint}")
    if summarize:
        parts += summary.signature(options)
    return "|".join(parts)
