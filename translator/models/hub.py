"""The Hugging Face hub: is it reachable, what is cached here, fetching models for offline use.

When the hub cannot be reached and a model is not cached, every backend fails within seconds with
the one message of ``offline_error``, which names the model and the fix, instead of spending a
minute in HTTP retries.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..config import Config, ModelConfig
from ..errors import ModelLoadError, first_line
from ._conversions import META, cache_root, converted_dir
from .base import config_label

HUB_PROBE_TIMEOUT_S = 5.0

# What loading needs: configs, tokenizer files and PyTorch weights. TensorFlow, Flax, Rust and
# ONNX copies that many hub repos also carry are left out; they can be larger than the model.
_SKIP = [
    "*.h5",
    "*.msgpack",
    "*.ot",
    "*.onnx",
    "*.tflite",
    "tf_*",
    "flax_*",
    "rust_*",
    "onnx/*",
    "*.md",
    ".gitattributes",
]


@dataclass(frozen=True)
class ModelStatus:
    role: str
    model: str
    revision: str | None
    where: str  # "local directory", "cached", "not cached", or "none needed" (extractive)
    path: str | None
    size_bytes: int | None
    converted: str | None = None  # the CTranslate2 conversion in the cache, if there is one


def configured_models(config: Config) -> list[tuple[str, ModelConfig]]:
    models: list[tuple[str, ModelConfig]] = [("translation", config.translation)]
    if config.summarization.needs_model or config.summarization.model:
        models.append(("summarization", config.summarization))
    return models


def model_status(role: str, cfg: ModelConfig) -> ModelStatus:
    if not cfg.model:
        return ModelStatus(role, "extractive:textrank", None, "none needed", None, None)
    converted = _converted(cfg)
    if cfg.is_local:
        path = Path(cfg.model)
        return ModelStatus(
            role, cfg.model, cfg.revision, "local directory", str(path), _size(path), converted
        )
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(cfg.model, "config.json", revision=cfg.revision)
    if isinstance(found, str):
        snapshot = Path(found).parent
        return ModelStatus(role, cfg.model, cfg.revision, "cached", str(snapshot), _size(snapshot), converted)
    return ModelStatus(role, cfg.model, cfg.revision, "not cached", None, None, converted)


def _converted(cfg: ModelConfig) -> str | None:
    """'int8, 78.1 MB at PATH' when a CTranslate2 conversion of ``cfg`` is cached."""
    for quantization in (
        "int8",
        "int8_float16",
        "int8_float32",
        "float16",
        "float32",
        "bfloat16",
        "int8_bfloat16",
    ):
        path = converted_dir(cfg, quantization)
        if (path / META).is_file():
            return f"{quantization}, {human_size(_size(path))} at {path}"
    return None


def conversion_pending(cfg: ModelConfig) -> bool:
    """Whether loading ``cfg`` will first convert it for CTranslate2 (installed, chosen, not cached)."""
    import importlib.util

    installed = importlib.util.find_spec("ctranslate2") is not None
    if not cfg.model or cfg.backend == "transformers" or cfg.device == "mps" or not installed:
        return False
    return _converted(cfg) is None


def is_cached(cfg: ModelConfig) -> bool:
    """Whether the hub model ``cfg`` names is in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(cfg.model, "config.json", revision=cfg.revision), str)


def hub_cache_dir() -> Path:
    """Where huggingface_hub keeps downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def env_flag(name: str) -> bool:
    """A huggingface_hub-style boolean environment variable is set to a true value."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def hub_unreachable_reason() -> str | None:
    """Why the Hugging Face hub cannot be reached right now, or None if it answers."""
    if env_flag("HF_HUB_OFFLINE"):
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


def offline_error(role: str, cfg: ModelConfig, source: str, reason: str) -> ModelLoadError:
    """The one message for a hub model that is neither cached nor reachable: the model and the fixes."""
    return ModelLoadError(
        f"cannot load {role} model '{config_label(cfg)}': it is not in the local Hugging Face cache "
        f"and the hub cannot be reached ({reason}). Fix: on a connected machine run "
        f"`hf download {cfg.model}{' --revision ' + cfg.revision if cfg.revision else ''}` "
        f"(or one run of translator) and copy the cache here, or set {role}.model in "
        f"{source} to a local directory"
    )


def _here(cfg: ModelConfig) -> bool:
    """Whether ``cfg``'s model can load without the hub: a directory, a CTranslate2 conversion the
    backend may use, or the hub's own cache."""
    return cfg.is_local or (cfg.backend != "transformers" and _converted(cfg) is not None) or is_cached(cfg)


def check_models_here(models: list[tuple[str, ModelConfig]], source: str) -> None:
    """Before any model loads: when some of ``models`` are not here and the hub cannot be reached,
    one ModelLoadError names every one of them and the ways forward (a first run offline)."""
    missing = [(role, cfg) for role, cfg in models if cfg.model and not _here(cfg)]
    if not any(_fatal(role, cfg) for role, cfg in missing):
        return  # nothing missing, or a summariser that falls back to extractive (with a flag)
    reason = hub_unreachable_reason()
    if reason:
        raise missing_models_error(missing, source, reason)


def _fatal(role: str, cfg: ModelConfig) -> bool:
    """A model whose absence fails the run: not a summariser with ``fallback: extractive``."""
    return not (role == "summarization" and getattr(cfg, "fallback", "none") == "extractive")


def missing_models_error(missing: list[tuple[str, ModelConfig]], source: str, reason: str) -> ModelLoadError:
    """Every missing model in one message, with the three ways forward."""
    names = " and ".join(
        f"the {role} model '{config_label(cfg)}'"
        + ("" if _fatal(role, cfg) else " (it would fall back to extractive)")
        for role, cfg in missing
    )
    fetch = " && ".join(
        f"hf download {cfg.model}{' --revision ' + cfg.revision if cfg.revision else ''}"
        for _, cfg in missing
    )
    ways = [
        f"on a connected machine run `translator models download` (or `{fetch}`) and copy the Hugging Face "
        f"cache ({hub_cache_dir()}) here, or set each model in {source} to a local directory",
        "`translator doctor` checks this install and says what else it lacks",
    ]
    if any(role == "summarization" for role, _ in missing):
        ways.append(
            "`--summary-method extractive` (summarization.method: extractive) summarises with no model"
        )
    steps = "; ".join(f"({n}) {way}" for n, way in enumerate(ways, 1))
    return ModelLoadError(
        f"cannot load {names}: not on this machine, and the hub cannot be reached ({reason}). "
        f"Ways forward: {steps}"
    )


def ensure_reachable(role: str, cfg: ModelConfig, source: str) -> None:
    """A hub model must be cached here or the hub must answer; else the offline message."""
    if cfg.is_local or is_cached(cfg):
        return
    reason = hub_unreachable_reason()
    if reason:
        raise offline_error(role, cfg, source, reason)


def download(role: str, cfg: ModelConfig, directory: str | None = None) -> Path:
    """Fetch ``cfg.model`` at its pinned revision into the hub cache, or into ``directory``/<id>."""
    from huggingface_hub import snapshot_download

    label = config_label(cfg)
    unreachable = hub_unreachable_reason()
    if unreachable:
        raise ModelLoadError(
            f"cannot download {role} model '{label}': the hub cannot be reached ({unreachable}). Fix: run "
            "this "
            f"on a machine that reaches huggingface.co (or set HF_ENDPOINT to a mirror), or run "
            f"`hf download {cfg.model}{' --revision ' + cfg.revision if cfg.revision else ''}` on a "
            "connected machine and copy the cache here"
        )
    target = Path(directory) / cfg.model.replace("/", "--") if directory else None
    try:
        path = snapshot_download(cfg.model, revision=cfg.revision, local_dir=target, ignore_patterns=_SKIP)
    except Exception as e:  # noqa: BLE001 - huggingface_hub raises many kinds; all mean "not downloaded"
        raise ModelLoadError(
            f"cannot download {role} model '{label}': {first_line(e)}. Check the id and revision in "
            "models.yaml"
        ) from e
    return Path(path)


def clear_converted() -> tuple[Path, int]:
    """Delete every CTranslate2 conversion in the cache; returns (the directory, bytes freed).
    They are made again, once, the next time a model loads with the CTranslate2 backend."""
    import shutil

    root = cache_root()
    if not root.is_dir():
        return root, 0
    freed = _size(root)
    shutil.rmtree(root)
    return root, freed


def _size(path: Path) -> int:
    # Cache snapshots are symlinks into blobs/: stat() follows them to the real sizes.
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
