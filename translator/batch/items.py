"""Batch inputs, read lazily: a directory of .txt/.md/.html files, a JSONL file or a CSV file.

Items are yielded one at a time, so that a batch holds only the documents it is working on,
never the corpus. A document that cannot be read becomes an Item with ``error`` (never a skip).
"""

from __future__ import annotations

import codecs
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

from ..documents.formats import FILE_ONLY
from ..documents.formats.registry import TEXT_FORMATS as FORMATS
from ..documents.formats.registry import TEXT_SUFFIXES
from ..documents.reader import detect_format, document_from_bytes, to_document
from ..errors import InputError

DOCUMENT_SUFFIXES = set(TEXT_SUFFIXES)


@dataclass(frozen=True)
class Item:
    """One input document: its text, or why it has none."""

    id: str
    text: str | None
    error: str | None = None
    notes: tuple[str, ...] = ()  # what reading the document left out
    format: str = "text"  # what the text was extracted from: text, markdown or html


def read_items(
    source: str | os.PathLike[str],
    text_field: str = "text",
    id_field: str = "id",
    fmt: str = "auto",
    encoding: str | None = None,
) -> Iterator[Item]:
    """Documents from a directory (.txt/.md/.html files), a JSONL file, or a CSV file with a header.

    The source itself is checked at once (so that a wrong path fails before any model loads);
    its documents are read as they are iterated. ``encoding`` is that of the files (default: UTF-8,
    or UTF-16 with a BOM), as ``--encoding`` in ``translator run``.
    """
    path = Path(source)
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252, utf-16)") from None
    if path.is_dir():
        files = _listed(path)
        if not files:
            raise InputError(f"{path}: no .txt, .md or .html files in this directory")
        return _from_files(path, files, fmt, encoding)
    if not path.exists():
        raise InputError(f"{source}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        _open_text(path, encoding).close()
        return _from_jsonl(path, text_field, id_field, fmt, encoding)
    if suffix == ".csv":
        with _open_text(path, encoding, newline="") as handle:
            header = csv.DictReader(handle).fieldnames
        if header is None or text_field not in header:
            raise InputError(
                f"{path}: no column {text_field!r} in the header (columns: {', '.join(header or [])}); use "
                "--text-field"
            )
        return _from_csv(path, text_field, id_field, fmt, encoding)
    raise InputError(f"{source}: expected a directory, a .jsonl file or a .csv file")


def count_items(source: str | os.PathLike[str]) -> int:
    """About how many documents ``source`` holds, counted without parsing them (for progress)."""
    path = Path(source)
    if path.is_dir():
        return len(_listed(path))
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(0, lines - 1) if path.suffix.lower() == ".csv" else lines


def _listed(root: Path) -> list[Path]:
    """The documents of a directory, and the files (.docx, .pdf, ...) that only --output-dir
    translates: those get a record that says so, rather than being passed over silently."""
    wanted = DOCUMENT_SUFFIXES | set(FILE_ONLY)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in wanted)


def _from_files(root: Path, files: list[Path], fmt: str, encoding: str | None) -> Iterator[Item]:
    for file in files:
        doc_id = file.relative_to(root).as_posix()
        if file.suffix.lower() in FILE_ONLY:
            yield Item(
                doc_id, None, f"a {file.suffix.lower()} file: translate it into a file with --output-dir DIR"
            )
            continue
        try:
            document = document_from_bytes(file.read_bytes(), doc_id, fmt, encoding)
        except InputError as e:
            yield Item(doc_id, None, _without_name(str(e), doc_id))
        except OSError as e:
            yield Item(doc_id, None, f"cannot read ({e.strerror or e})")
        else:
            yield Item(doc_id, document.text, None, document.notes, document.format)


def _from_jsonl(path: Path, text_field: str, id_field: str, fmt: str, encoding: str | None) -> Iterator[Item]:
    with _open_text(path, encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fallback_id = f"line-{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                yield Item(fallback_id, None, f"line {number} is not JSON ({e.msg})")
                continue
            if not isinstance(record, dict):
                yield Item(fallback_id, None, f"line {number} is not a JSON object")
                continue
            yield _item(record, text_field, id_field, fallback_id, fmt)


def _from_csv(path: Path, text_field: str, id_field: str, fmt: str, encoding: str | None) -> Iterator[Item]:
    with _open_text(path, encoding, newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            yield _item(row, text_field, id_field, f"row-{number}", fmt)


def _item(record: dict[str, Any], text_field: str, id_field: str, fallback_id: str, fmt: str) -> Item:
    raw_id = record.get(id_field)
    doc_id = str(raw_id) if raw_id not in (None, "") else fallback_id
    text = record.get(text_field)
    if not isinstance(text, str):
        return Item(
            doc_id,
            None,
            f"no string field {text_field!r}" if text is None else f"field {text_field!r} is not a string",
        )
    if "\x00" in text:
        return Item(doc_id, None, "looks like binary data (NUL character)")
    try:
        document = to_document(text, doc_id, fmt if fmt != "auto" else detect_format("", text))
    except InputError as e:
        return Item(doc_id, None, _without_name(str(e), doc_id))
    return Item(doc_id, document.text, None, document.notes, document.format)


def _open_text(path: Path, encoding: str | None = None, newline: str | None = None) -> TextIO:
    try:
        return path.open("r", encoding=encoding or "utf-8-sig", newline=newline, errors="strict")
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None


def _without_name(message: str, name: str) -> str:
    return message[len(name) + 2 :] if message.startswith(f"{name}: ") else message
