"""Read the text to translate from a file or stdin, with one clear error per kind of bad input."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

from .errors import InputError

BYTES_PER_CHAR = 4  # the most UTF-8 (and UTF-16) spends on one character
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_input(source: str | None, encoding: str | None = None, max_chars: int | None = None) -> tuple[str, str]:
    """Text of a file path, or of stdin for None or "-". Returns (text, a name for messages).

    ``max_chars`` refuses a longer text; a file too large to hold that few characters is refused
    from its size alone, before it is read.
    """
    max_bytes = None if max_chars is None else BYTES_PER_CHAR * max_chars
    if source in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("no input: give a file, or pipe text on stdin (translator run FILE)")
        data = sys.stdin.buffer.read() if max_bytes is None else sys.stdin.buffer.read(max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:
            raise InputError(f"stdin: more than {max_bytes:,} bytes, over the max_input_chars limit of {max_chars:,}")
        return _limit(decode(data, "stdin", encoding), "stdin", max_chars), "stdin"
    path = Path(source)
    try:
        size = path.stat().st_size
        if max_bytes is not None and path.is_file() and size > max_bytes:
            raise InputError(f"{source}: {size:,} bytes, over the max_input_chars limit of {max_chars:,} characters; split it, or raise the limit in models.yaml")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, expected a text file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as e:
        raise InputError(f"{source}: cannot read ({e.strerror or e})") from None
    return _limit(decode(data, source, encoding), source, max_chars), source


def _limit(text: str, name: str, max_chars: int | None) -> str:
    if max_chars is not None and len(text) > max_chars:
        raise InputError(f"{name}: {len(text):,} characters, over the max_input_chars limit of {max_chars:,}; split it, or raise the limit in models.yaml")
    return text


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16, or the ``encoding`` given; anything else
    is an error with its byte offset."""
    if encoding is not None:
        return _decode_as(data, name, encoding)
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
        raise InputError(
            f"{name}: not valid UTF-8 at byte offset {e.start} (save the file as UTF-8, or name its encoding: --encoding latin-1)"
        ) from None


def _decode_as(data: bytes, name: str, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252, utf-16)") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not valid {encoding} at byte offset {e.start}") from None
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(f"{name}: looks like a binary file (NUL character at offset {nul})")
    return text
