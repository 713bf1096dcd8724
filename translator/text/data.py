"""The small data files under translator/data/: one entry a line, '#' starts a comment line."""

from __future__ import annotations

from importlib import resources


def data_lines(name: str) -> list[str]:
    raw = resources.files("translator").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.lstrip().startswith("#")]
