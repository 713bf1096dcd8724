"""The one model interface both stages use, and the closed table of backends that load it.

``Translator`` and ``Summarizer`` hold a :class:`Model` and call ``model.generate()``; they never
know which backend is behind it. A backend is picked by name from ``BACKENDS`` (as sacrebleu picks
a tokenizer from its registry); its module is imported only when it is used, so that ``--help``,
config errors and the CTranslate2 path never import torch or transformers.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..config import ModelConfig
from ..errors import ConfigError, ConversionError, ModelLoadError, first_line
from ._allocator import keep_freed_memory

# Tokenizers report "no limit" as a huge sentinel (int(1e30)); anything above this is not a limit.
NO_LIMIT = 1_000_000
# Used when neither the model config nor the tokenizer states a limit (e.g. T5's relative positions).
FALLBACK_LIMIT = 512


@dataclass(frozen=True)
class Generated:
    """One decoded output, and whether generation stopped at the token cap rather than at EOS.

    With ``candidates`` asked for, ``alternatives`` holds the other hypotheses of the same beam
    search, best score first after this one; a stage may choose one of them instead.
    """

    text: str
    new_tokens: int
    hit_cap: bool
    retried: bool = False  # generated a second time with the retry settings
    score: float | None = None  # the model's score for this output (higher is better), when known
    alternatives: tuple["Generated", ...] = ()
    reranked: str | None = None  # why a lower-scored candidate was chosen: the flags the top one had
    cached: bool = False  # came from the translation memory, not from the model
    # The model's own certainty: the geometric mean of the chosen tokens' probabilities, in [0, 1]
    # (None where the backend gave no scores, or for a person's correction).
    confidence: float | None = None
    corrected: bool = False  # a person's correction of the whole sentence, not a model's output


@runtime_checkable
class Model(Protocol):
    """A loaded seq2seq model with its tokenizer, whatever runs it.

    The caller guarantees that every text given to ``generate`` has at most ``max_input_tokens``
    tokens by ``count_tokens``; nothing is truncated. ``settings`` are transformers-style
    generate() arguments layered on the model's own generation config.
    """

    role: str  # "translation" or "summarization"
    model_id: str
    revision: str | None
    backend: str  # "transformers" or "ctranslate2"
    compute_type: str  # "float32" for transformers on CPU; int8, float16, ... for CTranslate2
    device: str
    max_input_tokens: int  # the effective input budget, special tokens included
    max_positions: int  # the decoder's position table, which bounds new tokens
    load_seconds: float

    @property
    def label(self) -> str:
        """What produced an output, for signatures: ``id@revision|max_in:N|backend:B``."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def bind_thread(self) -> None:
        """Called by a thread that will run this model's generate() (the service's scheduler): gives
        that thread the model's thread count where the runtime counts per calling thread (torch
        under OpenMP). CTranslate2's threads belong to the model: nothing to do there."""
        ...

    def generate(self, texts: list[str], settings: dict[str, Any], candidates: int = 1) -> list[Generated]:
        """One Generated per text; with ``candidates`` > 1 (at most the beam width), each also
        carries the other hypotheses of its beam search in ``alternatives``."""
        ...


def model_label(model: Model) -> str:
    """The ``label`` every backend gives: model, revision, input budget and how it ran."""
    backend = "transformers" if model.backend == "transformers" else f"ct2-{model.compute_type}"
    return f"{model.model_id}@{model.revision or 'default'}|max_in:{model.max_input_tokens}|backend:{backend}"


def device_key(role: str, cfg: ModelConfig, source: str) -> str:
    """Who chose the device, for messages: ``--device``, or the key in the config file."""
    return cfg.device_set_by or f"{source}: {role}.device"


def cap_new_tokens(model: Model, wanted: int) -> int:
    """Bound ``max_new_tokens`` by the decoder's position table (one position is the start token)."""
    return max(1, min(wanted, model.max_positions - 1))


# name -> module with ``available() -> bool`` and ``load(role, cfg, source, threads) -> Model``.
BACKENDS = {"transformers": "translator.models.hf", "ctranslate2": "translator.models.ct2"}
_INSTALL = {"transformers": "pip install transformers torch", "ctranslate2": "pip install ctranslate2"}


def _backend(name: str) -> Any:
    return importlib.import_module(BACKENDS[name])


def load_model(
    role: str, cfg: ModelConfig, source: str = "models.yaml", threads: int | None = None
) -> tuple[Model, list[str]]:
    """Load ``cfg.model`` with the configured backend; returns (model, notes about the choice).

    ``auto`` takes CTranslate2 when it is installed and the model converts, else transformers,
    saying why in a note. Only a :class:`ConversionError` leads to that fallback: an offline hub
    or a broken model directory is reported as it is.
    """
    if cfg.is_local:
        validate_model_dir(Path(cfg.model), role, source)  # once, whichever backend loads it
    loaded = _load_with_backend(role, cfg, source, threads)
    if cfg.device in ("cpu", "auto") and _large(cfg):
        keep_freed_memory()  # once it has loaded: what it allocates from now on, call after call
    return loaded


def _load_with_backend(
    role: str, cfg: ModelConfig, source: str, threads: int | None
) -> tuple[Model, list[str]]:
    if cfg.backend != "auto":
        backend = _backend(cfg.backend)
        if not backend.available():
            raise ModelLoadError(
                f"{source}: {role}.backend: {cfg.backend} is not installed; {_INSTALL[cfg.backend]}, or use "
                "backend: auto"
            )
        return backend.load(role, cfg, source, threads), []
    fast = _backend("ctranslate2")
    if cfg.device == "mps" or not fast.available():  # CTranslate2 has no MPS support
        return _backend("transformers").load(role, cfg, source, threads), []
    try:
        return fast.load(role, cfg, source, threads), []
    except ConversionError as e:
        note = f"{role}: using transformers, because {first_line(e)}"
        return _backend("transformers").load(role, cfg, source, threads), [note]


# A model whose files are at least this large gets the allocator tuning (_allocator.py): its
# activation buffers are megabytes. Small models gain nothing from it, and a process full of small
# allocations (the test suite, 20% slower with it) loses.
LARGE_MODEL_BYTES = 50 * 1024 * 1024


def _large(cfg: ModelConfig) -> bool:
    """Whether ``cfg`` names a large model: any hub model, or a directory with that many bytes."""
    if not cfg.is_local:
        return True
    try:
        return sum(f.stat().st_size for f in Path(cfg.model).iterdir() if f.is_file()) >= LARGE_MODEL_BYTES
    except OSError:
        return False


def resolve_device(name: str, key: str, *, cuda: bool, mps: bool, runtime: str) -> str:
    """Map auto/cpu/cuda/mps to a device that ``runtime`` has on this machine.

    The one rule for every backend: ``auto`` takes the best device there is; a device asked for by
    name that is not there is an error naming the key, never a quiet fall back to the CPU.
    """
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ModelLoadError(
            f"{key}: {name} was asked for, but {runtime} sees no {name.upper()} device; use auto or cpu"
        )
    return name


def input_limit(*limits: Any) -> int:
    """The smallest real limit among ``limits`` (None and "no limit" sentinels ignored)."""
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < NO_LIMIT]
    return min(usable) if usable else FALLBACK_LIMIT


def check_input_budget(role: str, cfg: ModelConfig, source: str, limit: int) -> None:
    """A configured max_input_tokens over the model's own limit is a config error."""
    if cfg.max_input_tokens is not None and cfg.max_input_tokens > limit:
        raise ConfigError(
            f"{source}: {role}.max_input_tokens: {cfg.max_input_tokens} is over the limit of "
            f"'{config_label(cfg)}' ({limit} tokens); use a value <= {limit} or null"
        )


def config_label(cfg: ModelConfig) -> str:
    return f"{cfg.model}@{cfg.revision}" if cfg.revision else cfg.model


# The encoder-decoder families translator drives (config.json "model_type").
SUPPORTED_MODEL_TYPES = frozenset(
    {"marian", "bart", "mbart", "pegasus", "pegasus_x", "t5", "mt5", "led", "m2m_100", "nllb-moe", "fsmt"}
)
_WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
_TOKENIZER_SETS = (
    ("tokenizer.json",),
    ("source.spm", "vocab.json"),  # Marian
    ("vocab.json", "merges.txt"),  # BART
    ("spiece.model",),  # T5, PEGASUS
    ("sentencepiece.bpe.model",),  # mBART
)


def validate_model_dir(path: Path, role: str, source: str = "models.yaml") -> None:
    """Check a local model directory before any backend sees it, naming what is missing or wrong."""
    where = f"{source}: {role}.model: {path}"
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(f"{where}: no config.json; point it at a directory written by save_pretrained()")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelLoadError(f"{where}: config.json is not readable JSON ({first_line(e)})") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if not isinstance(model_type, str):
        raise ModelLoadError(f"{where}: config.json has no model_type field")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ModelLoadError(
            f"{where}: config.json model_type {model_type!r} is not a supported encoder-decoder "
            f"(supported: {', '.join(sorted(SUPPORTED_MODEL_TYPES))})"
        )
    if config.get("auto_map"):
        raise ModelLoadError(
            f"{where}: config.json asks for custom code (auto_map); translator never runs code that comes "
            "with a model"
        )
    if not any((path / name).is_file() for name in _WEIGHTS):
        raise ModelLoadError(f"{where}: no weights (expected {' or '.join(_WEIGHTS[::2])})")
    if not any(all((path / name).is_file() for name in names) for names in _TOKENIZER_SETS):
        raise ModelLoadError(
            f"{where}: no tokenizer files (expected tokenizer.json, or source.spm + vocab.json, "
            "vocab.json + merges.txt, spiece.model or sentencepiece.bpe.model)"
        )
