"""models.yaml: its keys' choices and defaults (keys.py), its shape as pydantic models (shape.py,
imported only when a file is read), the frozen Config it becomes (schema.py), where it is found
(discovery.py), how it is read and validated (parse.py) and the checks a type cannot say
(checks.py). It may import errors and the text package's data files, and never a model, the
pipeline or anything above them."""

from .discovery import CONFIG_ENV, default_config_path, find_config, user_config_path
from .keys import (
    BACKENDS,
    COMPUTE_TYPES,
    DEFAULT_CANDIDATES,
    DEFAULT_MAX_INPUT_CHARS,
    DEVICES,
    SECTIONS,
    SUMMARY_METHODS,
)
from .parse import load_config, parse_config
from .schema import Config, ModelConfig, SummarizationConfig, TranslationConfig

__all__ = [
    "BACKENDS",
    "COMPUTE_TYPES",
    "CONFIG_ENV",
    "DEFAULT_CANDIDATES",
    "DEFAULT_MAX_INPUT_CHARS",
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
    "user_config_path",
]
