"""Office files (.docx, .pptx, .odt): a zip of XML parts. Each paragraph of every text-bearing
part (the body, tables, headers and footers, footnotes, text boxes, slides, notes) is one unit;
its text is the text of the runs whose nearest paragraph it is (a text box inside a paragraph is a
paragraph of its own). The translation goes into the paragraph's first text run, keeping that
run's formatting; the other runs are emptied, never removed. Every other part of the zip is
copied byte for byte. Limits on the uncompressed size (in all, per parsed part, and by ratio) and on
the number of parts refuse a zip bomb before anything is decompressed; libxml2's bounds on depth
stay on.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Callable

from ...errors import InputError
from .units import Unit

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes of all parts together
MAX_RATIO = 200  # uncompressed / compressed, for any part over 1 MB
MAX_XML_PART = 32 * 1024 * 1024  # bytes of one XML part that is parsed: lxml's tree takes several times that
MAX_PARTS = 10_000  # entries in the archive

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass(frozen=True)
class Flavour:
    """Where a format keeps its text: which parts, which elements are paragraphs, text, spaces."""

    kind: str
    main: str  # the part every file of the kind has (a deck without slides is still a deck)
    parts: re.Pattern[str]
    paragraphs: tuple[str, ...]
    text: str
    spaces: tuple[str, ...]  # elements that separate words (tabs, breaks)
    mixed: bool = False  # ODF: text lives in element.text and .tail, not in text elements


C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
# Charts and SmartArt diagrams keep their text in parts of their own: a chart's title, axis titles
# and labels are DrawingML paragraphs (a:p), its categories and series names cached values (c:v).
_DRAWINGS = r"charts/chart\d+|diagrams/data\d+|diagrams/drawing\d+"
_DRAWING_PART = re.compile(rf"(word|ppt)/({_DRAWINGS})\.xml")

DOCX = Flavour(
    "docx",
    "word/document.xml",
    re.compile(rf"word/(document\d*|header\d*|footer\d*|footnotes|endnotes|comments|{_DRAWINGS})\.xml"),
    (f"{{{W}}}p",),
    f"{{{W}}}t",
    (f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}cr"),
)
PPTX = Flavour(
    "pptx",
    "ppt/presentation.xml",
    re.compile(rf"ppt/(slides/slide\d+|notesSlides/notesSlide\d+|{_DRAWINGS})\.xml"),
    (f"{{{A}}}p",),
    f"{{{A}}}t",
    (f"{{{A}}}br",),
)
ODT = Flavour(
    "odt",
    "content.xml",
    re.compile(r"(content|styles)\.xml"),
    (f"{{{TEXT}}}p", f"{{{TEXT}}}h"),
    "",
    (f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break", f"{{{TEXT}}}s"),
    mixed=True,
)
# The text of charts and diagrams, in a Word file as in a deck.
DRAWING = Flavour("drawing", "", re.compile(""), (f"{{{A}}}p",), f"{{{A}}}t", (f"{{{A}}}br",))
FLAVOURS = {".docx": DOCX, ".pptx": PPTX, ".odt": ODT}


class Package:
    """An office file opened for translation: its units, and the file again with them written."""

    def __init__(self, data: bytes, name: str, flavour: Flavour) -> None:
        self.name, self.flavour = name, flavour
        self.zip = _open_zip(data, name)
        self.trees: dict[str, object] = {}
        self.units: list[Unit] = []
        for info in self.zip.infolist():
            if flavour.parts.fullmatch(info.filename):
                if info.file_size > MAX_XML_PART:
                    raise InputError(
                        f"{name}: {info.filename} is {info.file_size / 1024 / 1024:.0f} MB of XML, over the "
                        f"limit of {MAX_XML_PART // 1024 // 1024} MB for one part"
                    )
                tree = _parse(self.zip.read(info), name, info.filename)
                self.trees[info.filename] = tree
                drawing = _DRAWING_PART.fullmatch(info.filename) is not None
                self.units += _units(tree, DRAWING if drawing else flavour)
                if "/charts/" in info.filename:
                    self.units += _cached_values(tree)
        names = set(self.zip.namelist())
        if flavour.main not in names and not any(n.startswith("word/document") for n in self.trees):
            raise InputError(f"{name}: not a {flavour.kind} file ({flavour.main} is not in the archive)")

    def main_part(self) -> str:
        """The part the body's text lives in (word/document.xml; some Word files say document2.xml)."""
        if self.flavour.kind == "docx":
            return min((n for n in self.trees if re.fullmatch(r"word/document\d*\.xml", n)), key=len)
        return self.flavour.main

    def heading_style(self) -> str | None:
        """The style id of a .docx's Heading 1 (its name is "heading 1" in every language Word
        writes; the id is localised: Heading1, Kop1, berschrift1), or None without one."""
        try:
            data = self.zip.read("word/styles.xml")
        except KeyError:
            return None
        styles = _parse(data, self.name, "word/styles.xml")
        for style in styles.iter(f"{{{W}}}style"):
            name = style.find(f"{{{W}}}name")
            if style.get(f"{{{W}}}type") == "paragraph" and name is not None:
                if (name.get(f"{{{W}}}val") or "").lower() == "heading 1":
                    found = style.get(f"{{{W}}}styleId")
                    return str(found) if found is not None else None
        return None

    def save(self) -> bytes:
        from lxml import etree

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in self.zip.infolist():
                if info.filename in self.trees:
                    data = etree.tostring(
                        self.trees[info.filename], xml_declaration=True, encoding="UTF-8", standalone=True
                    )
                else:
                    data = self.zip.read(info)
                # mimetype first and stored: ODF readers require it
                kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
                target.writestr(info, data, compress_type=kind)
        return out.getvalue()


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not a valid office file (the zip archive is damaged)") from None
    total = 0
    if len(archive.infolist()) > MAX_PARTS:
        raise InputError(
            f"{name}: {len(archive.infolist()):,} parts in the archive, over the limit of {MAX_PARTS:,}"
        )
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise InputError(f"{name}: the file is encrypted (password-protected); save an unprotected copy")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            ratio = info.file_size // max(1, info.compress_size)
            raise InputError(f"{name}: {info.filename} expands {ratio}x: refused as a zip bomb")
    if total > MAX_UNCOMPRESSED:
        limit = MAX_UNCOMPRESSED // 1024 // 1024
        raise InputError(f"{name}: {total / 1024 / 1024:.0f} MB uncompressed, over the limit of {limit} MB")
    return archive


def _parse(data: bytes, name: str, part: str) -> Any:
    from lxml import etree

    # No huge_tree: libxml2's own bounds on depth and on one text node stay on (an XML bomb is
    # refused as malformed); entities are never resolved, nothing is fetched.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{name}: damaged ({part} is not well-formed XML: {e})") from None


def _units(tree: Any, flavour: Flavour) -> list[Unit]:
    """One unit per paragraph with text, in document order."""
    tags = set(flavour.paragraphs)
    units = []
    for paragraph in tree.iter(*flavour.paragraphs):
        if flavour.mixed:
            unit = _mixed_unit(paragraph, tags, flavour)
        else:
            unit = _run_unit(paragraph, tags, flavour)
        if unit is not None:
            units.append(unit)
    return units


def _cached_values(tree: Any) -> list[Unit]:
    """A chart's category and series names: the text values its string caches hold (numbers stay)."""
    units = []
    for cache in tree.iter(f"{{{C}}}strCache"):
        for value in cache.iter(f"{{{C}}}v"):
            if value.text and value.text.strip():
                units.append(Unit(value.text, _setter(value)))
    return units


def _setter(element: Any) -> Callable[[str], None]:
    def write(translation: str) -> None:
        element.text = translation

    return write


def _own(element: Any, paragraph: Any, tags: set[str]) -> bool:
    """Whether ``paragraph`` is ``element``'s nearest paragraph (not a text box's inside it)."""
    parent = element.getparent()
    while parent is not None and parent.tag not in tags:
        parent = parent.getparent()
    return parent is paragraph


def _run_unit(paragraph: Any, tags: set[str], flavour: Flavour) -> Unit | None:
    pieces, texts = [], []
    for element in paragraph.iter(flavour.text, *flavour.spaces):
        if not _own(element, paragraph, tags):
            continue
        if element.tag == flavour.text:
            texts.append(element)
            pieces.append(element.text or "")
        else:
            pieces.append(" ")
    text = "".join(pieces)
    if not texts or not text.strip():
        return None
    runs = [t for t in texts if (t.text or "").strip()]
    formats = {_run_format(t) for t in runs}

    def write(translation: str) -> None:
        texts[0].text = translation
        if flavour.kind == "docx":
            texts[0].set(XML_SPACE, "preserve")
        for other in texts[1:]:
            other.text = ""

    return Unit(text, write, simplified=len(formats) > 1)


def _run_format(text_element: Any) -> bytes:
    """A run's formatting, to tell whether a paragraph mixes formats."""
    from lxml import etree

    run = text_element.getparent()
    properties = [child for child in run if child.tag.endswith("}rPr")]
    link = any(a.tag.endswith("}hyperlink") for a in run.iterancestors())
    return (etree.tostring(properties[0]) if properties else b"") + (b"link" if link else b"")


def _mixed_unit(paragraph: Any, tags: set[str], flavour: Flavour) -> Unit | None:
    """ODF: the paragraph's own text (element.text and tails), spans included, nested paragraphs
    (frames) excluded."""
    slots = []  # (element, "text" | "tail")

    def walk(element: Any) -> None:
        if element.text is not None:
            slots.append((element, "text"))
        for child in element:
            if not isinstance(child.tag, str):
                pass  # a comment, processing instruction or entity: not text, and not writable
            elif child.tag in tags:
                pass  # a frame's paragraph: its own unit
            elif child.tag in flavour.spaces:
                slots.append((child, "space"))
            else:
                walk(child)
            if child.tail is not None:
                slots.append((child, "tail"))

    walk(paragraph)
    text = "".join(" " if kind == "space" else getattr(e, kind) or "" for e, kind in slots)
    if not text.strip():
        return None
    holders = [(e, kind) for e, kind in slots if kind != "space"]

    def write(translation: str) -> None:
        first, kind = holders[0]
        setattr(first, kind, translation)
        for element, other in holders[1:]:
            setattr(element, other, "")

    return Unit(text, write, simplified=any(e is not paragraph for e, _ in holders))
