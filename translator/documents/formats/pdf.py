"""PDF in: a PDF has no layout to edit, so its text is read (pypdf), cleaned of what the page
layout added, and the translation is written as a .docx or Markdown file (the caller says so).

Cleaning: lines that repeat at the top or bottom of most pages (running headers and footers) and
page numbers are dropped; a word hyphenated at a line end is joined again; hard-wrapped lines are
joined into paragraphs, which end at a blank line or where a line ends a sentence well short of
the page's usual line length.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from ...errors import InputError, first_line

_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:page|halaman|hal\.?)\s*)?\d{1,4}(?:\s*(?:/|of|dari)\s*\d{1,4})?\s*$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:\"”)]$")


def pdf_paragraphs(data: bytes, name: str) -> tuple[list[str], list[str]]:
    """The PDF's paragraphs, and notes on what was dropped."""
    reader = _open(data, name)
    pages, unreadable = [], []
    for number, page in enumerate(reader.pages, start=1):
        try:
            pages.append(page.extract_text() or "")
        except Exception as e:  # noqa: BLE001 - a damaged page (pypdf raises many kinds) is one note
            unreadable.append(f"{number} ({type(e).__name__}: {first_line(e)})")
            pages.append("")
    if not any(p.strip() for p in pages):
        if unreadable:
            raise InputError(f"{name}: not a readable PDF (no page's text could be read: {unreadable[0]})")
        if reader.is_encrypted:
            raise InputError(
                f"{name}: the PDF is encrypted and its pages give no text (a scan, or text pypdf cannot "
                "decode); it needs OCR first (for example ocrmypdf)"
            )
        raise InputError(
            f"{name}: the PDF has no text layer (a scan); it needs OCR first (for example ocrmypdf)"
        )
    lines_by_page = [[line.rstrip() for line in page.splitlines()] for page in pages]
    dropped = _running_lines(lines_by_page)
    notes = [f"page {page}: its text could not be read, left out" for page in unreadable]
    if dropped:
        notes.append(f"left out running headers/footers repeated on most pages: {', '.join(sorted(dropped))}")
    numbers = 0
    kept: list[str] = []
    for lines in lines_by_page:
        for line in lines:
            if line.strip() in dropped:
                continue
            if _PAGE_NUMBER.match(line):
                numbers += 1
                continue
            kept.append(line)
        kept.append("")  # a page break ends a paragraph only if the text says so (see _paragraphs)
    if numbers:
        notes.append(f"left out {numbers} page number(s)")
    return _paragraphs(kept), notes


def _open(data: bytes, name: str) -> Any:
    """A PdfReader, decrypted with the empty password when the file is encrypted (as every PDF
    viewer does); a file that needs a real password is refused saying so."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{name}: the PDF is encrypted and needs a password to open; open it with the password "
                "and save an unprotected copy (or print it to PDF), then translate that"
            )
        len(reader.pages)  # the page tree is read here: a damaged one fails now, not mid-run
    except DependencyError as e:
        raise InputError(f"{name}: the PDF's encryption needs a library that is missing ({e})") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise InputError(f"{name}: not a readable PDF ({type(e).__name__}: {first_line(e)})") from None
    return reader


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines among the first or last two of a page that recur on at least half of the pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        edge = [line.strip() for line in lines[:2] + lines[-2:] if line.strip()]
        seen.update(set(edge))
    return {
        line
        for line, count in seen.items()
        if count >= max(2, len(pages) / 2) and not _PAGE_NUMBER.match(line)
    }


def _paragraphs(lines: list[str]) -> list[str]:
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        text = line.strip()
        if not text:
            if current and _SENTENCE_END.search(current):
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and text[:1].islower():
            # A word hyphenated at the line's end is joined; a reduplication (anak-anak) keeps its hyphen.
            before = current.rsplit(" ", 1)[-1][:-1].lower()
            repeated = bool(before) and text.lower().startswith(before)
            current = (current if repeated else current[:-1]) + text
        else:
            current = f"{current} {text}" if current else text
        if _SENTENCE_END.search(text) and len(line) < 0.7 * width:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs
