"""Documents in: a file or stdin decoded with one clear error per kind of bad input, then plain
text, Markdown or HTML turned into the plain text the pipeline reads.

HTML goes through trafilatura, which finds the article in a page (not its menus, scripts and
footers); Markdown through markdown-it-py, keeping the text of headings, paragraphs, lists and
tables and leaving out code. Whatever is left out is said in ``Document.notes``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..types import Source
from .formats.registry import TEXT_FORMATS as FORMATS
from .formats.registry import decode as registry_decode
from .formats.registry import sniff_text


@dataclass(frozen=True)
class Document:
    text: str  # plain text, paragraphs separated by blank lines for HTML and Markdown
    name: str  # the path, or "stdin"
    format: str  # text, markdown or html: what it was read as
    notes: tuple[str, ...] = ()  # what extraction left out, for the warnings
    source: Source | None = None  # the page it was fetched from (translator.documents.web)


BYTES_PER_CHAR = 4  # the most UTF-8 (and UTF-16) spends on one character


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


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The text of a text input (see formats.registry.decode); a PDF, office or other file that
    only translates as a file is refused with the command that does it."""
    from .formats.registry import identify

    kind = identify(data, name)
    if kind.structured and kind.name != "srt":
        raise InputError(
            f"{name}: {kind.description}, not a text: translate the file itself (translator run FILE, "
            "or a folder: translator batch DIR --output-dir OUT)"
        )
    return registry_decode(data, name, encoding)


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
    """html, markdown or text: by the suffix, else by how the text begins."""
    from .formats.registry import BY_SUFFIX

    kind = BY_SUFFIX.get(Path(name).suffix.lower())
    if kind is not None and kind.name in ("html", "markdown"):
        return kind.name
    return "html" if sniff_text(text[:4096]) == "html" else "text"


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The main text of a page, one paragraph per block, or all of its text if no article is found."""
    import trafilatura

    notes: list[str] = []
    html = _cells_as_paragraphs(html)
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


_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "caption", "colgroup", "col")
_BLOCKS = ".//p | .//div | .//table | .//ul | .//ol | .//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6"


def _cells_as_paragraphs(page: str) -> str:
    """The page with every table cell a paragraph of its own, so that each cell is translated as
    text (trafilatura would hand the model rows of a Markdown table: ``Harga | Rp10.000 |``)."""
    if "<table" not in page.lower():
        return page
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return page
    for table in tree.xpath("//table"):
        for element in table.iter():
            if element.tag in _TABLE_PARTS:
                element.tag = "div"
            elif element.tag in ("td", "th"):
                element.tag = "div" if element.xpath(_BLOCKS) else "p"
    return str(lxml_html.tostring(tree, encoding="unicode"))


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


def _inline_text(children: list[Any]) -> str:  # markdown-it tokens
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
