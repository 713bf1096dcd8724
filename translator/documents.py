"""Documents in: a file or stdin decoded with one clear error per kind of bad input, then plain
text, Markdown or HTML turned into the plain text the pipeline reads.

HTML goes through trafilatura, which finds the article in a page (not its menus, scripts and
footers); Markdown through markdown-it-py, keeping the text of headings, paragraphs, lists and
tables and leaving out code. Whatever is left out is said in ``Document.notes``.
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .types import Source

FORMATS = ("auto", "text", "markdown", "html")
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
_LOOKS_LIKE_HTML = re.compile(
    r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p|h1)\b", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class Document:
    text: str  # plain text, paragraphs separated by blank lines for HTML and Markdown
    name: str  # the path, or "stdin"
    format: str  # text, markdown or html: what it was read as
    notes: tuple[str, ...] = ()  # what extraction left out, for the warnings
    source: Source | None = None  # the page it was fetched from (translator.web)


BYTES_PER_CHAR = 4  # the most UTF-8 (and UTF-16) spends on one character
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_input(
    source: str | None, encoding: str | None = None, max_chars: int | None = None
) -> tuple[str, str]:
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
            raise InputError(
                f"stdin: more than {max_bytes:,} bytes, over the max_input_chars limit of {max_chars:,}"
            )
        return _limit(decode(data, "stdin", encoding), "stdin", max_chars), "stdin"
    path = Path(source)
    try:
        size = path.stat().st_size
        if max_bytes is not None and path.is_file() and size > max_bytes:
            raise InputError(
                f"{source}: {size:,} bytes, over the max_input_chars limit of {max_chars:,} characters; "
                "split it, or raise the limit in models.yaml"
            )
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
        raise InputError(
            f"{name}: {len(text):,} characters, over the max_input_chars limit of {max_chars:,}; split it, "
            "or raise the limit in models.yaml"
        )
    return text


# Formats people hold that are not text, by their first bytes: named, so the error says the format
# is the problem (not "a binary file").
_AS_FILE = "translator run FILE.docx (or .pptx, .odt) translates the file itself"
_SIGNATURES = (
    (b"%PDF-", "a PDF document", "translator run FILE.pdf translates the file itself"),
    (b"PK\x03\x04", "an office document or archive (.docx, .odt, .pptx, .epub, .zip)", _AS_FILE),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc, .ppt, .xls)", "save it as .docx, then: " + _AS_FILE),
    (b"{\\rtf", "an RTF document", "save it as .docx or .txt first"),
)


def _unsupported(data: bytes, name: str) -> None:
    for signature, kind, fix in _SIGNATURES:
        if data.startswith(signature):
            raise InputError(
                f"{name}: unsupported format: {kind}; as text, translator reads plain text, Markdown and "
                f"HTML ({fix})"
            )


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16, or the ``encoding`` given; anything else
    is an error with its byte offset. PDF, office and RTF files are refused by name."""
    _unsupported(data, name)
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
            f"{name}: not valid UTF-8 at byte offset {e.start} (save the file as UTF-8, or name its "
            "encoding: --encoding latin-1)"
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


def load_document(
    source: str | None, fmt: str = "auto", encoding: str | None = None, max_chars: int | None = None
) -> Document:
    """Read a file (or stdin for None / "-") and extract its text."""
    text, name = read_input(source, encoding, max_chars)
    return to_document(text, name, fmt)


def document_from_bytes(data: bytes, name: str, fmt: str = "auto", encoding: str | None = None) -> Document:
    return to_document(decode(data, name, encoding), name, fmt)


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
    main = trafilatura.extract(
        html, favor_recall=True, include_comments=False, include_tables=True, deduplicate=False
    )
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
    notes = (
        [f"Markdown: {skipped} code/HTML block(s) left untranslated and out of the output"] if skipped else []
    )
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
