"""Subtitles (.srt): each cue's text is one unit; numbers and timings are kept as they were. A
translation longer than a line is wrapped into at most two balanced lines, as subtitles are read."""

from __future__ import annotations

import textwrap
from typing import Any, Callable

from ...errors import InputError
from .units import Unit

LINE = 42  # characters a subtitle line holds, by the usual broadcast guidelines


class Subtitles:
    def __init__(self, text: str, name: str) -> None:
        import srt

        try:
            self.cues = list(srt.parse(text))
        except (srt.SRTParseError, ValueError) as e:
            raise InputError(f"{name}: not a valid .srt file ({e})") from None
        if not self.cues:
            raise InputError(f"{name}: no subtitles in the file")
        self.units = [Unit(cue.content, self._writer(cue)) for cue in self.cues]

    @staticmethod
    def _writer(cue: Any) -> Callable[[str], None]:
        def write(translation: str) -> None:
            cue.content = wrap(translation)

        return write

    def save(self) -> bytes:
        import srt

        return str(srt.compose(self.cues, reindex=False)).encode("utf-8")


def wrap(text: str) -> str:
    """One line when it fits, else lines of about equal length."""
    if len(text) <= LINE:
        return text
    lines = 2
    while True:
        width = max(LINE, -(-len(text) // lines) + 4)
        wrapped = textwrap.wrap(text, width=width)
        if len(wrapped) <= lines or width > len(text):
            return "\n".join(wrapped)
        lines += 1
