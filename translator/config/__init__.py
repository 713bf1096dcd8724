"""models.yaml: its keys declared once as pydantic models, which are also the frozen Config the
pipeline runs on (schema.py), where it is found (discovery.py), how it is read (parse.py), the
checks a type cannot say (_checks.py) and pydantic's errors in the project's words (_words.py).
It may import errors and the text package's data files, and never a model, the pipeline or
anything above them."""

from ._words import SECTIONS
from .discovery import default_config_path, find_config
from .parse import load_config, parse_config
from .schema import (
    DEVICES,
    SUMMARY_METHODS,
    Config,
    ModelConfig,
    SummarizationConfig,
    TranslationConfig,
)

__all__ = [
    "DEVICES",
    "SECTIONS",
    "SUMMARY_METHODS",
    "Config",
    "ModelConfig",
    "SummarizationConfig",
    "TranslationConfig",
    "default_config_path",
    "find_config",
    "load_config",
    "parse_config",
]
