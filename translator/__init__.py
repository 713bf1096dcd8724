"""Indonesian text in; an English translation and a short English summary out."""

from .config import Config, ModelConfig, load_config  # noqa: E402
from .engine.pipeline import Pipeline, translate_and_summarize  # noqa: E402
from .errors import (  # noqa: E402
    ConfigError,
    ConversionError,
    InputError,
    MissingExtraError,
    ModelLoadError,
    OutputError,
    TranslatorError,
)
from .types import Flag, ModelInfo, Result, Segment, Span  # noqa: E402
from .version import __version__

__all__ = [
    "__version__",
    "translate_and_summarize",
    "Pipeline",
    "Result",
    "Segment",
    "Flag",
    "Span",
    "ModelInfo",
    "Config",
    "ModelConfig",
    "load_config",
    "TranslatorError",
    "ConfigError",
    "InputError",
    "ModelLoadError",
    "ConversionError",
    "OutputError",
    "MissingExtraError",
]
