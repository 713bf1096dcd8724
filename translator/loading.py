"""Resolve a configured model (hub id or local directory) and load tokenizer + model once.

When the hub cannot be reached and the model is not cached, fail within seconds with a message
that names the model and the fix, instead of spending a minute in HTTP retries.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ModelConfig
from .errors import ConfigError, ModelLoadError

HUB_PROBE_TIMEOUT_S = 5.0
# Tokenizers report "no limit" as a huge sentinel (int(1e30)); anything above this is not a limit.
_NO_LIMIT = 1_000_000
# Used when neither the model config nor the tokenizer states a limit (e.g. T5's relative positions).
_FALLBACK_LIMIT = 512


@dataclass
class LoadedModel:
    """A tokenizer and a seq2seq model, ready for generate(), with the limits that bound them."""

    role: str
    model_id: str
    revision: str | None
    tokenizer: Any
    model: Any
    device: str
    max_input_tokens: int  # the effective input budget, special tokens included
    max_positions: int  # how many positions the decoder has, which bounds new tokens
    load_seconds: float
    backend: str = "transformers"

    def count_tokens(self, text: str) -> int:
        """Token count of ``text`` as the model will see it, special tokens included."""
        # verbose=False: counting a long text is how we avoid feeding it whole, not a mistake.
        return len(self.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])


def load_model(role: str, cfg: ModelConfig, config_source: str = "models.yaml", threads: int | None = None) -> tuple[Any, list[str]]:
    """Load ``cfg.model`` with the configured backend; returns (model, notes about the choice).

    ``auto`` takes CTranslate2 when it is installed and the model converts, and otherwise
    transformers, saying why in a note.
    """
    from . import ct2

    if cfg.is_local:
        validate_model_dir(Path(cfg.model), role, config_source)  # once, whichever backend loads it
    if cfg.backend == "transformers":
        return load_seq2seq(role, cfg, config_source, threads), []
    if cfg.backend == "ctranslate2":
        if not ct2.available():
            raise ModelLoadError(f"{config_source}: {role}.backend: ctranslate2 is not installed; pip install ctranslate2, or use backend: auto")
        return ct2.load(role, cfg, config_source, threads), []
    if not ct2.available():
        return load_seq2seq(role, cfg, config_source, threads), []
    try:
        return ct2.load(role, cfg, config_source, threads), []
    except ModelLoadError as e:
        if "cannot convert" not in str(e):
            raise
        note = f"{role}: using transformers, because {str(e).splitlines()[0]}"
        return load_seq2seq(role, cfg, config_source, threads), [note]


def load_seq2seq(role: str, cfg: ModelConfig, config_source: str = "models.yaml", threads: int | None = None) -> LoadedModel:
    """Load ``cfg.model`` for ``role`` ("translation" or "summarization") with transformers.
    Local directories are validated by load_model(), the entry point for every backend."""
    started = time.perf_counter()
    # Imported here, not at module level, so that --help and config errors stay fast.
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if threads:
        torch.set_num_threads(threads)

    device = resolve_device(cfg.device, f"{config_source}: {role}.device")
    # Never run code that came with a model; safetensors are preferred where a model has them
    # (transformers' default), and .bin weights go through torch's weights-only loader.
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if not cfg.is_local and cfg.revision:
        kwargs["revision"] = cfg.revision

    def load(local_only: bool) -> tuple[Any, Any]:
        tokenizer = AutoTokenizer.from_pretrained(cfg.model, local_files_only=local_only, **kwargs)
        model = AutoModelForSeq2SeqLM.from_pretrained(cfg.model, local_files_only=local_only, **kwargs)
        return tokenizer, model

    with quiet_transformers():
        try:
            tokenizer, model = load(local_only=True)
        except Exception as cached_error:  # noqa: BLE001 - any failure here means "not usable locally"
            if cfg.is_local:
                raise ModelLoadError(
                    f"cannot load {role} model from directory {cfg.model}: {_first_line(cached_error)}. "
                    f"Fix: point {role}.model in {config_source} at a directory written by save_pretrained()"
                ) from cached_error
            unreachable = hub_unreachable_reason()
            if unreachable:
                raise offline_error(role, cfg, config_source, unreachable) from cached_error
            try:
                # A first download is long: let huggingface_hub show its progress bars
                # (HF_HUB_DISABLE_PROGRESS_BARS=1 still turns them off).
                _show_progress_bars(True)
                tokenizer, model = load(local_only=False)
            except Exception as e:  # noqa: BLE001
                raise ModelLoadError(
                    f"cannot load {role} model '{_label(cfg)}' from the hub: {_first_line(e)}. "
                    f"Fix: check the id and revision in {config_source} ({role}.model, {role}.revision)"
                ) from e

    if not getattr(model.config, "is_encoder_decoder", False):
        raise ModelLoadError(
            f"{role} model '{_label(cfg)}' is a {type(model).__name__}, not an encoder-decoder "
            f"(Marian, BART, PEGASUS or T5 style) model"
        )
    model.to(device)
    model.eval()
    limit = model_input_limit(model, tokenizer)
    check_input_budget(role, cfg, config_source, limit)
    positions = getattr(model.config, "max_position_embeddings", None) or limit
    return LoadedModel(
        role=role,
        model_id=cfg.model,
        revision=cfg.revision,
        tokenizer=tokenizer,
        model=model,
        device=device,
        max_input_tokens=cfg.max_input_tokens or limit,
        max_positions=positions,
        load_seconds=time.perf_counter() - started,
    )


@contextlib.contextmanager
def quiet_transformers():
    """Hold transformers' logger at ERROR and hide its bars: its weight-loading bars and generate()
    advice (for example "both max_new_tokens and max_length set", true of every model that ships a
    max_length) are not for our users. Warnings that matter are ours, in Result.warnings."""
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    _show_progress_bars(False)
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)
        _show_progress_bars(bars)


def _show_progress_bars(on: bool) -> None:
    """Switch transformers' and huggingface_hub's bars; HF_HUB_DISABLE_PROGRESS_BARS=1 wins."""
    from transformers.utils import logging as hf_logging

    if not on:
        hf_logging.disable_progress_bar()
    elif not _env_flag("HF_HUB_DISABLE_PROGRESS_BARS"):
        hf_logging.enable_progress_bar()


# The encoder-decoder families translator drives (config.json "model_type").
SUPPORTED_MODEL_TYPES = frozenset({"marian", "bart", "mbart", "pegasus", "pegasus_x", "t5", "mt5", "led", "m2m_100", "nllb-moe", "fsmt"})
_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
_TOKENIZER_SETS = (
    ("tokenizer.json",),
    ("source.spm", "vocab.json"),  # Marian
    ("vocab.json", "merges.txt"),  # BART
    ("spiece.model",),  # T5, PEGASUS
    ("sentencepiece.bpe.model",),  # mBART
)


def validate_model_dir(path: Path, role: str, config_source: str = "models.yaml") -> None:
    """Check a local model directory before transformers sees it, naming what is missing or wrong."""
    where = f"{config_source}: {role}.model: {path}"
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(f"{where}: no config.json; point it at a directory written by save_pretrained()")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelLoadError(f"{where}: config.json is not readable JSON ({_first_line(e)})") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if not isinstance(model_type, str):
        raise ModelLoadError(f"{where}: config.json has no model_type field")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ModelLoadError(
            f"{where}: config.json model_type {model_type!r} is not a supported encoder-decoder "
            f"(supported: {', '.join(sorted(SUPPORTED_MODEL_TYPES))})"
        )
    if config.get("auto_map"):
        raise ModelLoadError(f"{where}: config.json asks for custom code (auto_map); translator never runs code that comes with a model")
    if not any((path / name).is_file() for name in _WEIGHTS):
        raise ModelLoadError(f"{where}: no weights (expected {' or '.join(_WEIGHTS[::2])})")
    if not any(all((path / name).is_file() for name in names) for names in _TOKENIZER_SETS):
        raise ModelLoadError(
            f"{where}: no tokenizer files (expected tokenizer.json, or source.spm + vocab.json, "
            "vocab.json + merges.txt, spiece.model or sentencepiece.bpe.model)"
        )


def _env_flag(name: str) -> bool:
    """A huggingface_hub-style boolean environment variable is set to a true value."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def model_input_limit(model: Any, tokenizer: Any) -> int:
    """The model's own input limit: its position table, or the tokenizer's stated maximum."""
    return input_limit(getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None))


def input_limit(*limits: Any) -> int:
    """The smallest real limit among ``limits`` (None and "no limit" sentinels ignored)."""
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < _NO_LIMIT]
    return min(usable) if usable else _FALLBACK_LIMIT


def resolve_device(name: str, key: str = "device") -> str:
    """Map auto/cpu/cuda/mps to a torch device that exists on this machine."""
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        raise ModelLoadError(f"{key}: cuda was asked for, but torch sees no CUDA device; use auto or cpu")
    if name == "mps" and not mps:
        raise ModelLoadError(f"{key}: mps was asked for, but torch sees no MPS device; use auto or cpu")
    return name


def hub_unreachable_reason() -> str | None:
    """Why the Hugging Face hub cannot be reached right now, or None if it answers."""
    if _env_flag("HF_HUB_OFFLINE"):
        return "HF_HUB_OFFLINE is set"
    from huggingface_hub import constants

    endpoint = constants.ENDPOINT
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=HUB_PROBE_TIMEOUT_S)
    except urllib.error.HTTPError:
        return None  # it answered, even if not with 200
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return f"{endpoint}: {reason}"
    return None


def check_input_budget(role: str, cfg: ModelConfig, config_source: str, limit: int) -> None:
    """A configured max_input_tokens over the model's own limit is a config error."""
    if cfg.max_input_tokens is not None and cfg.max_input_tokens > limit:
        raise ConfigError(
            f"{config_source}: {role}.max_input_tokens: {cfg.max_input_tokens} is over the limit of "
            f"'{_label(cfg)}' ({limit} tokens); use a value <= {limit} or null"
        )


def offline_error(role: str, cfg: ModelConfig, config_source: str, reason: str) -> ModelLoadError:
    """The one message for a hub model that is neither cached nor reachable: the model and the fixes."""
    return ModelLoadError(
        f"cannot load {role} model '{_label(cfg)}': it is not in the local Hugging Face cache "
        f"and the hub cannot be reached ({reason}). Fix: on a connected machine run "
        f"`hf download {cfg.model}{' --revision ' + cfg.revision if cfg.revision else ''}` "
        f"(or one run of translator) and copy the cache here, or set {role}.model in "
        f"{config_source} to a local directory"
    )


def _label(cfg: ModelConfig) -> str:
    return f"{cfg.model}@{cfg.revision}" if cfg.revision else cfg.model


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
