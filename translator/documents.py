"""Documents in plain text, Markdown or HTML, turned into the plain text the pipeline reads.

HTML goes through trafilatura, which finds the article in a page (not its menus, scripts and
footers); Markdown through markdown-it-py, keeping the text of headings, paragraphs, lists and
tables and leaving out code. Whatever is left out is said in ``Document.notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .inputs import decode, read_input

FORMATS = ("auto", "text", "markdown", "html")
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
_LOOKS_LIKE_HTML = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p|h1)\b", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Document:
    text: str  # plain text, paragraphs separated by blank lines for HTML and Markdown
    name: str  # the path, or "stdin"
    format: str  # text, markdown or html: what it was read as
    notes: tuple[str, ...] = ()  # what extraction left out, for the warnings


def load_document(source: str | None, fmt: str = "auto", encoding: str | None = None, max_chars: int | None = None) -> Document:
    """Read a file (or stdin for None / "-") and extract its text."""
    text, name = read_input(source, encoding, max_chars)
    return to_document(text, name, fmt)


def document_from_bytes(data: bytes, name: str, fmt: str = "auto") -> Document:
    return to_document(decode(data, name), name, fmt)


def to_document(text: str, name: str, fmt: str = "auto") -> Document:
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    kind = detect_format(name, text) if fmt == "auto" else fmt
    if kind == "html":
        body, notes = html_to_text(text)
    elif kind == "markdown":
        body, notes = markdown_to_text(text)
    else:
        body, notes = text, []
    if text.strip() and not body.strip():
        raise InputError(f"{name}: no text found in this {kind} document")
    return Document(body, name, kind, tuple(notes))


def detect_format(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return "html"
    if suffix in _MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in ("", ".txt") and _LOOKS_LIKE_HTML.match(text):
        return "html"
    return "text"


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The main text of a page, one paragraph per block, or all of its text if no article is found."""
    import trafilatura

    notes: list[str] = []
    main = trafilatura.extract(html, favor_recall=True, include_comments=False, include_tables=True, deduplicate=False)
    if not main:
        main = trafilatura.html2txt(html) or ""
        if main.strip():
            notes.append("no article found in the HTML; translated all of its text")
    else:
        notes.append("HTML: translated the article text; menus, scripts and page furniture were left out")
    lines = [line.strip() for line in main.splitlines() if line.strip()]
    return "\n\n".join(lines), notes


def markdown_to_text(markdown: str) -> tuple[str, list[str]]:
    """Text blocks of a Markdown document without its markup; code blocks are left out."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    blocks: list[str] = []
    skipped = 0
    for token in tokens:
        if token.type == "inline":
            text = _inline_text(token.children or [])
            if text.strip():
                blocks.append(text.strip())
        elif token.type in ("fence", "code_block", "html_block"):
            skipped += 1
    notes = [f"Markdown: {skipped} code/HTML block(s) left untranslated and out of the output"] if skipped else []
    return "\n\n".join(blocks), notes


def _inline_text(children) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return "".join(parts)
