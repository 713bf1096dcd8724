"""Read the text to translate from a file or stdin, with one clear error per kind of bad input."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

from .errors import InputError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_input(source: str | None) -> tuple[str, str]:
    """Text of a file path, or of stdin for None or "-". Returns (text, a name for messages)."""
    if source in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("no input: give a file, or pipe text on stdin (translator run FILE)")
        return decode(sys.stdin.buffer.read(), "stdin"), "stdin"
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, expected a text file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as e:
        raise InputError(f"{source}: cannot read ({e.strerror or e})") from None
    return decode(data, source), source


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is an error with its offset."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise InputError(f"{name}: invalid {encoding} at byte {e.start}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{name}: looks like a binary file (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not valid UTF-8 at byte offset {e.start} (save the file as UTF-8)") from None
