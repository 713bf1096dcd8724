"""Where translator keeps what it makes (CTranslate2 conversions, the translation memory): one rule."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$TRANSLATOR_CACHE``, else ``$XDG_CACHE_HOME/translator``, else ``~/.cache/translator``."""
    base = os.environ.get("TRANSLATOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "translator"
    )
    return Path(base)
