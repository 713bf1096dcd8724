"""models.yaml: its shape as pydantic models (shape.py), the frozen Config it becomes (schema.py),
where it is found (discovery.py), how it is read and validated (parse.py) and the checks a type
cannot say (checks.py). It may import errors and the
text package's data files, and never a model, the pipeline or anything above them."""

from .discovery import CONFIG_ENV, default_config_path, find_config, user_config_path
from .parse import load_config, parse_config
from .schema import (
    BACKENDS,
    COMPUTE_TYPES,
    DEFAULT_CANDIDATES,
    DEFAULT_MAX_INPUT_CHARS,
    DEVICES,
    SUMMARY_METHODS,
    Config,
    ModelConfig,
    SummarizationConfig,
    TranslationConfig,
)
from .shape import SECTION_KEYS, SECTIONS, TOP_KEYS, json_schema

__all__ = [
    "BACKENDS",
    "COMPUTE_TYPES",
    "CONFIG_ENV",
    "DEFAULT_CANDIDATES",
    "DEFAULT_MAX_INPUT_CHARS",
    "DEVICES",
    "SECTION_KEYS",
    "SECTIONS",
    "SUMMARY_METHODS",
    "TOP_KEYS",
    "Config",
    "ModelConfig",
    "SummarizationConfig",
    "TranslationConfig",
    "default_config_path",
    "find_config",
    "json_schema",
    "load_config",
    "parse_config",
    "user_config_path",
]
