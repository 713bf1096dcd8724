"""HTML and Markdown in, the same page or file out, its markup kept.

HTML (lxml): each block that holds text of its own (a paragraph, a heading, a list item, a table
cell, a caption, the title) is one unit, translated whole; the translation takes the block's first
text slot, the other inline elements (emphasis, spans) are emptied, never removed, and a link keeps
its own words and address after the translated sentence (a note says so). Scripts,
styles, code and preformatted text are left as they are. The page's language becomes English.

Markdown (markdown-it-py): each paragraph, heading, list item and table cell is one unit, written
back on its lines with its markers (#, -, 1., >); inline emphasis is reduced to its text, and the
block's links follow the translated sentence as Markdown links; code blocks, HTML blocks and
front matter are left exactly as they were.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import InputError
from .units import Unit

BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "caption", "figcaption",
    "blockquote", "title", "div", "section", "article", "header", "footer", "main", "aside", "label",
    "summary", "option", "button", "legend",
}  # fmt: skip
SKIP = {"script", "style", "code", "pre", "noscript", "template", "svg", "math", "textarea"}


class Page:
    """An HTML page opened for translation."""

    def __init__(self, text: str, name: str) -> None:
        import lxml.html
        from lxml import etree

        try:
            self.tree = lxml.html.document_fromstring(_tail_inside(text))
        except (etree.ParserError, ValueError) as e:
            raise InputError(f"{name}: not readable HTML ({e})") from None
        self.full = bool(re.match(r"\s*(<!--.*?-->\s*)*<(!doctype|html)", text, re.I | re.S))
        self.units: list[Unit] = []
        for element in self.tree.iter():
            if isinstance(element.tag, str) and element.tag in BLOCKS and not _inside_skipped(element):
                unit = _block_unit(element)
                if unit is not None:
                    self.units.append(unit)

    def save(self) -> bytes:
        import lxml.html

        self.tree.set("lang", "en")
        if self.full:
            return bytes(lxml.html.tostring(self.tree, doctype="<!DOCTYPE html>", encoding="utf-8"))
        body = self.tree.find("body")
        parts = body if body is not None else self.tree
        return b"".join(lxml.html.tostring(child, encoding="utf-8") for child in parts)


def _tail_inside(text: str) -> str:
    """Markup after ``</html>`` (pages that a server or a script appended to) moved to the end of the
    body: libxml2 drops what follows the document element, and nothing of a page may be lost."""
    end = None
    for end in re.finditer(r"</html\s*>", text, re.I):
        pass
    if end is None or not text[end.end() :].strip():
        return text
    head, tail = text[: end.start()], text[end.end() :]
    body = head.lower().rfind("</body")
    at = body if body >= 0 else len(head)
    return head[:at] + tail + head[at:] + end.group(0)


def _inside_skipped(element: Any) -> bool:
    return any(a.tag in SKIP for a in element.iterancestors() if isinstance(a.tag, str))


def _block_unit(block: Any) -> Unit | None:
    """The block's own text: its text and its inline children's, not its child blocks'."""
    slots = []  # (element, "text" | "tail")

    def walk(element: Any) -> None:
        if element.text:
            slots.append((element, "text"))
        for child in element:
            if not isinstance(child.tag, str):  # a comment
                pass
            elif child.tag in BLOCKS or child.tag in SKIP:
                pass
            elif child.tag == "br":
                pass
            else:
                walk(child)
            if child.tail:
                slots.append((child, "tail"))

    walk(block)
    text = "".join(getattr(e, kind) for e, kind in slots)
    if not text.strip():
        return None

    def write(translation: str) -> None:
        first, kind = slots[0]
        lead = getattr(first, kind)
        setattr(first, kind, lead[: len(lead) - len(lead.lstrip())] + translation)
        for element, other in slots[1:]:
            if other == "text" and element.tag == "a":
                continue  # a link keeps its words and address, after the translated sentence
            value = getattr(element, other)
            setattr(element, other, value[len(value.rstrip()) :] if not value.strip() else " ")

    simplified = any(e is not block for e, kind in slots if kind == "text")
    return Unit(text, write, simplified=simplified)


_MARKERS = re.compile(r"^(?:\s*(?:>\s?)|\s*(?:[-*+]|\d{1,9}[.)])\s+|\s*#{1,6}\s+)*")
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")


class MarkdownFile:
    """A Markdown file opened for translation: units per paragraph, heading, list item, table cell."""

    def __init__(self, text: str, name: str) -> None:
        from markdown_it import MarkdownIt

        self.lines = text.split("\n")
        self.units: list[Unit] = []
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        for i, token in enumerate(tokens):
            if token.type != "inline" or not token.map or not token.content.strip():
                continue
            parent = tokens[i - 1].type if i else ""
            if parent in ("th_open", "td_open"):
                continue  # table rows are done below, cell by cell
            self.units.append(self._block(token.map[0], token.map[1], token.content))
        for token in tokens:
            if token.type == "tr_open" and token.map:
                self.units += self._row(token.map[0])

    def _block(self, start: int, end: int, content: str) -> Unit:
        prefix = _MARKERS.match(self.lines[start]).group(0)  # type: ignore[union-attr]

        links = " ".join(f"[{t}]({u})" for t, u in _LINK.findall(content) if u)

        def write(translation: str) -> None:
            self.lines[start] = prefix + translation + (f" ({links})" if links else "")
            for k in range(start + 1, end):
                self.lines[k] = None  # type: ignore[call-overload]

        plain = _plain(content)
        return Unit(plain, write, simplified=plain != " ".join(content.split()))

    def _row(self, line: int) -> list[Unit]:
        cells = self.lines[line].split("|")
        units = []
        for k, cell in enumerate(cells):
            if not cell.strip() or set(cell.strip()) <= set(":-"):
                continue

            def write(translation: str, k: int = k) -> None:
                parts = self.lines[line].split("|")
                parts[k] = " " + translation.replace("|", "\\|") + " "
                self.lines[line] = "|".join(parts)

            units.append(Unit(_plain(cell), write))
        return units

    def save(self) -> bytes:
        return "\n".join(line for line in self.lines if line is not None).encode("utf-8")


def _plain(inline: str) -> str:
    """Markdown inline markup reduced to its text (links to their words)."""
    text = _LINK.sub(lambda m: m.group(1), inline)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return " ".join(text.replace("`", "").split())
