"""Which models.yaml to read, by one rule for every command, script and API call."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "TRANSLATOR_CONFIG"


def default_config_path() -> Path:
    """The models.yaml shipped in the wheel, or the repo-root one in a checkout/editable install."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "models.yaml"
    if packaged.is_file():
        return packaged
    return package.parent / "models.yaml"


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/translator/models.yaml``, or ``~/.config/translator/models.yaml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "translator" / "models.yaml"


def find_config(path: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """Which models.yaml to read, and why, by one rule for every command, script and API call
    (the way pip and ruff find theirs): the path given (``--config``), then ``TRANSLATOR_CONFIG``,
    then ``./models.yaml`` in the working directory, then the user config directory, then the
    packaged default. Returns (path, how it was chosen)."""
    if path is not None:
        return Path(path), "--config"
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), CONFIG_ENV
    for candidate, how in (
        (Path("models.yaml"), "the working directory"),
        (user_config_path(), "the user config directory"),
    ):
        if candidate.is_file():
            return candidate, how
    return default_config_path(), "the packaged default"
