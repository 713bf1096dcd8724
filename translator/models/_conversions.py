"""Where CTranslate2 conversions live, and what marks one as complete; no CTranslate2 import, so
that the hub's cache report can name them without loading the backend."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..cachedir import cache_dir
from ..config import ModelConfig

FORMAT_VERSION = 1
META = "translator.json"  # written last: a directory without it is not a finished conversion


def cache_root() -> Path:
    """The conversions' directory: ct2/ under the cache directory."""
    return cache_dir() / "ct2"


def converted_dir(cfg: ModelConfig, quantization: str) -> Path:
    """Where the converted model lives: one directory per (model, revision, quantisation)."""
    if cfg.is_local:
        # A local directory can change in place: key it by path and the weights' size and time.
        weights = [p for p in Path(cfg.model).glob("*") if p.suffix in (".safetensors", ".bin")]
        stamp = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(weights))
        revision = hashlib.sha256(f"{cfg.model}|{stamp}".encode()).hexdigest()[:16]
    else:
        revision = cfg.revision or "default"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "--", cfg.model.strip("/"))[-80:]
    return cache_root() / f"{slug}@{revision}-{quantization}-v{FORMAT_VERSION}"
