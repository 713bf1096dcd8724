"""The choices and defaults of models.yaml's keys, in plain Python: every command imports these
(the Config's defaults, the CLI's choices), and only a file being read needs pydantic (shape.py)."""

from __future__ import annotations

from typing import Literal, get_args

Device = Literal["auto", "cpu", "cuda", "mps"]
Backend = Literal["auto", "transformers", "ctranslate2"]
ComputeType = Literal[
    "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "float32", "float16", "bfloat16"
]
Method = Literal["abstractive", "extractive"]
Fallback = Literal["none", "extractive"]

DEVICES: tuple[str, ...] = get_args(Device)
BACKENDS: tuple[str, ...] = get_args(Backend)
COMPUTE_TYPES: tuple[str, ...] = get_args(ComputeType)
SUMMARY_METHODS: tuple[str, ...] = get_args(Method)
SECTIONS = ("translation", "summarization")

# About 150,000 words, a long book: far past any article, and small enough that a 2-core, 8 GB
# laptop never runs out of memory on the text itself (models take about 1.5 GB). null: no limit.
DEFAULT_MAX_INPUT_CHARS = 1_000_000
DEFAULT_CANDIDATES = 4
# A sentence whose confidence (the geometric mean of its tokens' probabilities) is below this is
# flagged low_confidence. Not calibrated on real weights here: a starting point, set in models.yaml.
DEFAULT_LOW_CONFIDENCE = 0.3
# A translation that stops at the token cap is generated once more with these settings on top of
# `generation`: wider beams that may not repeat a trigram, and a mild penalty on repeated tokens.
DEFAULT_RETRY_GENERATION = {"no_repeat_ngram_size": 3, "num_beams": 4, "repetition_penalty": 1.2}
