"""Indonesian text in; an English translation and a short English summary out."""

from .version import __version__
from .config import Config, ModelConfig, load_config  # noqa: E402
from .errors import ConfigError, ConversionError, InputError, MissingExtraError, ModelLoadError, OutputError, TranslatorError  # noqa: E402
from .pipeline import Pipeline, translate_and_summarize  # noqa: E402
from .types import Flag, ModelInfo, Result, Segment, Span  # noqa: E402

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
