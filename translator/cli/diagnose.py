"""What `translator doctor` checks about an installation, one part at a time: Python and the
packages, each configured model (here? converted? can it be fetched?), the translation memory,
the cache directories and the CPU's int8 features. A check never raises and never downloads or
writes anything: what is wrong comes back as a Check with the fix to make."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..cachedir import cache_dir
from ..config import Config, ModelConfig
from ..errors import TranslatorError, first_line

OK, NOTE, FAIL = "ok", "note", "fail"  # note: works, but worth knowing; fail: the config cannot run

# (distribution, what it is for); the required ones come from pyproject's dependencies.
REQUIRED = ("transformers", "torch", "sentencepiece", "tokenizers", "huggingface_hub", "ctranslate2")
OPTIONAL = (("fastapi", "translator serve"), ("uvicorn", "translator serve"), ("ray", "batch --engine ray"))


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, NOTE or FAIL
    detail: str
    fix: str = ""


def versions() -> list[Check]:
    """Python and the packages translator runs on, with their versions."""
    python = ".".join(map(str, sys.version_info[:3]))
    checks = [
        Check("python", OK, python)
        if sys.version_info >= (3, 10)
        else Check("python", FAIL, f"{python} is too old", "use Python 3.10 or newer")
    ]
    found, missing = [], []
    for name in REQUIRED:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    fix = f"pip install {' '.join(missing)} (torch first: see the README's install line)" if missing else ""
    detail = ", ".join(found) + (f"; missing: {', '.join(missing)}" if missing else "")
    checks.append(Check("packages", FAIL if missing else OK, detail, fix))
    for name, use in OPTIONAL:
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            extra = "ray" if name == "ray" else "serve"
            checks.append(
                Check(
                    name,
                    NOTE,
                    f"not installed (needed only for {use})",
                    f"pip install 'translator-id-en[{extra}]'",
                )
            )
    return checks


def models(config: Config, hub_reason: Callable[[], str | None]) -> list[Check]:
    """Each configured model: a local directory that loads, or a hub model that is cached or can
    be downloaded; and its CTranslate2 conversion. ``hub_reason`` is asked at most once."""
    from ..models.hub import configured_models

    reason: list[str | None] = []

    def unreachable() -> str | None:
        if not reason:
            reason.append(hub_reason())
        return reason[0]

    checks = [_model(role, cfg, config.source, unreachable) for role, cfg in configured_models(config)]
    if not config.summarization.needs_model and not config.summarization.model:
        checks.append(Check("summarization", OK, "extractive (no model needed)"))
    return checks


def _model(role: str, cfg: ModelConfig, source: str, unreachable: Callable[[], str | None]) -> Check:
    from ..models.base import config_label, validate_model_dir
    from ..models.hub import human_size, model_status, offline_error

    status = model_status(role, cfg)
    label = config_label(cfg)
    if cfg.is_local:
        try:
            validate_model_dir(Path(cfg.model), role, source)
        except TranslatorError as e:
            return Check(
                role,
                FAIL,
                f"{label}: {first_line(e)}",
                "point it at a directory written by save_pretrained()",
            )
        where = f"local directory, {human_size(status.size_bytes)}"
    elif status.where == "cached":
        where = f"in the Hugging Face cache, {human_size(status.size_bytes)}"
    else:
        why = unreachable()
        if why:
            message = str(offline_error(role, cfg, source, why))
            return Check(
                role,
                FAIL,
                f"{label}: not cached, and the hub cannot be reached ({why})",
                message.split("Fix: ")[-1],
            )
        where = "not cached yet; downloaded on first use (the hub answers)"
    return Check(role, OK, f"{label}: {where}; {_conversion(cfg, status.converted)}")


def _conversion(cfg: ModelConfig, converted: str | None) -> str:
    if cfg.backend == "transformers":
        return "backend: transformers"
    if converted:
        return f"CTranslate2 conversion cached ({converted.split(' at ')[0]})"
    if cfg.device == "mps":
        return "transformers on MPS (CTranslate2 has no MPS support)"
    return "converted for CTranslate2 once, on first use (a minute or two)"


def memory(config: Config) -> Check:
    """The translation memory: an existing file opens and reads; a new one can be created."""
    if config.cache is None:
        return Check("memory", OK, f"off (cache: null in {config.source})")
    from ..memory.store import default_path, open_database
    from ..models.hub import human_size

    path = Path(default_path() if config.cache == "default" else config.cache)
    if not path.exists():
        parent = _existing_parent(path.parent)
        if _writable_dir(parent):
            return Check("memory", OK, f"{path}: created on first use")
        return Check(
            "memory", FAIL, f"{path}: cannot be created ({parent} is not a writable directory)", _CACHE_FIX
        )
    try:  # opened as translator opens it, but a file that is not a memory is reported, not set aside
        db = open_database(path, busy_timeout_s=5.0)
        try:
            entries = db.execute("SELECT count(*) FROM memory").fetchone()[0]
        finally:
            db.close()
    except Exception as e:  # noqa: BLE001 - any failure to open is what this check reports
        fix = f"move {path} away (translator sets a corrupt memory aside by itself), or {_CACHE_FIX}"
        return Check("memory", FAIL, f"{path}: cannot be used ({first_line(e)})", fix)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return Check("memory", OK, f"{path}: {entries:,} entries, {human_size(size)}")


_CACHE_FIX = "set TRANSLATOR_CACHE (or cache: in models.yaml) to a writable place, or cache: null"


def database(url: str) -> Check:
    """The shared database: reachable, and its schema this translator's (or made on first start)."""
    from ..database.postgres import SCHEMA_VERSION, redacted, schema_version
    from ..errors import TranslatorError

    shown = redacted(url)
    try:
        found, server = schema_version(url)
    except TranslatorError as e:
        return Check(
            "database",
            FAIL,
            first_line(e),
            "start PostgreSQL there, or correct the URL (--database, $TRANSLATOR_DATABASE_URL, database:)",
        )
    where = f"{shown} (PostgreSQL {server // 10000})"
    if found is None:
        return Check("database", OK, f"{where}: empty; the schema is made by the first translator serve")
    if found > SCHEMA_VERSION:
        return Check(
            "database",
            FAIL,
            f"{where}: schema version {found}, newer than this translator's ({SCHEMA_VERSION})",
            "upgrade translator here to the version the other replicas run",
        )
    later = "" if found == SCHEMA_VERSION else f"; migrated to {SCHEMA_VERSION} by the next translator serve"
    return Check("database", OK, f"{where}: schema version {found}{later}")


def cache_directories() -> list[Check]:
    """The Hugging Face download cache and translator's own cache can be written (or created)."""
    from ..models.hub import hub_cache_dir

    places = (
        ("hub cache", hub_cache_dir(), "set HF_HOME (or HF_HUB_CACHE) to a writable directory"),
        ("translator cache", cache_dir(), "set TRANSLATOR_CACHE to a writable directory"),
    )
    checks = []
    for name, path, fix in places:
        parent = _existing_parent(path)
        if _writable_dir(parent):
            checks.append(Check(name, OK, f"{path}{'' if path.exists() else ' (created on first use)'}"))
        else:
            checks.append(Check(name, FAIL, f"{path}: {parent} is not a writable directory", fix))
    return checks


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def cpu(cpuinfo: str | None = None) -> Check:
    """The instruction sets int8 inference runs fastest with. Never a failure: int8 runs without them."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return Check("cpu", NOTE, f"{os.cpu_count()} cores; instruction sets unknown (no /proc/cpuinfo)")
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.partition(":")[2].split())
    features = {
        "AVX2": "avx2" in flags,
        "AVX-512": "avx512f" in flags,
        "AVX-512 VNNI": "avx512_vnni" in flags,
        "AVX-VNNI": "avx_vnni" in flags,
    }
    have = ", ".join(name for name, there in features.items() if there) or "none of AVX2, AVX-512, VNNI"
    detail = f"{os.cpu_count()} cores; {have}"
    if features["AVX-512 VNNI"] or features["AVX-VNNI"]:
        return Check("cpu", OK, f"{detail}: int8 runs at full speed")
    if features["AVX2"] or "asimd" in flags:
        return Check("cpu", OK, f"{detail}: int8 runs (VNNI would make it faster)")
    return Check("cpu", NOTE, f"{detail}: int8 will be slow on this CPU", "a CPU with AVX2 or newer")
