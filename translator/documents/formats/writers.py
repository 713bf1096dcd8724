"""Writing what has no layout of its own (a PDF's text, plain text) and the English summary into
the translated file."""

from __future__ import annotations

import io
from typing import Any

SUMMARY_TITLE = "English summary"


def docx_from_paragraphs(paragraphs: list[str], summary: str | None, note: str) -> bytes:
    """A new .docx: the summary (when given), a note on where the text came from, the paragraphs."""
    from docx import Document as Docx

    document = Docx()
    if summary:
        document.add_heading(SUMMARY_TITLE, level=1)
        document.add_paragraph(summary)
    if note:
        document.add_paragraph(note).runs[0].italic = True
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def markdown_from_paragraphs(paragraphs: list[str], summary: str | None, note: str) -> bytes:
    parts = [f"## {SUMMARY_TITLE}\n\n{summary}\n"] if summary else []
    if note:
        parts.append(f"_{note}_\n")
    parts += [f"{text}\n" for text in paragraphs]
    return "\n".join(parts).encode("utf-8")


def text_with_summary(translation: str, summary: str | None) -> bytes:
    head = f"{SUMMARY_TITLE}\n{'-' * len(SUMMARY_TITLE)}\n{summary}\n\n{'-' * 40}\n\n" if summary else ""
    return (head + translation.rstrip("\n") + "\n").encode("utf-8")


def docx_summary_first(tree: Any, summary: str, heading_style: str | None = None) -> None:
    """Two paragraphs at the top of a .docx body: a title and the summary. The title is a level-1
    heading: in the document's own Heading 1 style when it has one (``heading_style``, its style
    id), and always at outline level 1, so it shows in Word's navigation pane and table of
    contents; bold when the document has no heading style to lend it a look."""
    from lxml import etree

    from .package import XML_SPACE, W

    body = tree.find(f"{{{W}}}body")
    if body is None:
        return
    for position, (text, title) in enumerate(((SUMMARY_TITLE, True), (summary, False))):
        paragraph = etree.Element(f"{{{W}}}p")
        if title:
            properties = etree.SubElement(paragraph, f"{{{W}}}pPr")
            if heading_style:
                etree.SubElement(properties, f"{{{W}}}pStyle", {f"{{{W}}}val": heading_style})
            etree.SubElement(properties, f"{{{W}}}outlineLvl", {f"{{{W}}}val": "0"})
        run = etree.SubElement(paragraph, f"{{{W}}}r")
        if title and not heading_style:
            etree.SubElement(etree.SubElement(run, f"{{{W}}}rPr"), f"{{{W}}}b")
        element = etree.SubElement(run, f"{{{W}}}t")
        element.text = text
        element.set(XML_SPACE, "preserve")
        body.insert(position, paragraph)


def odt_summary_first(tree: Any, summary: str) -> None:
    """A heading and the summary at the top of an .odt's text."""
    from lxml import etree

    from .package import TEXT

    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    body = tree.find(f"{{{office}}}body/{{{office}}}text")
    if body is None:
        return
    heading = etree.Element(f"{{{TEXT}}}h", {f"{{{TEXT}}}outline-level": "1"})
    heading.text = SUMMARY_TITLE
    paragraph = etree.Element(f"{{{TEXT}}}p")
    paragraph.text = summary
    at = next((i for i, child in enumerate(body) if child.tag.startswith(f"{{{TEXT}}}")), len(body))
    body.insert(at, paragraph)
    body.insert(at, heading)


def pptx_summary_first(data: bytes, summary: str) -> bytes:
    """A first slide holding the summary (a title-and-content layout where the deck has one)."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation(io.BytesIO(data))
    layouts = list(deck.slide_layouts)
    layout = next((item for item in layouts if len(item.placeholders) >= 2), layouts[-1])
    slide = deck.slides.add_slide(layout)
    placeholders = list(slide.placeholders)
    if len(placeholders) >= 2:
        placeholders[0].text = SUMMARY_TITLE
        placeholders[1].text = summary
    else:
        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), deck.slide_width - Inches(1), Inches(5))
        box.text_frame.word_wrap = True
        box.text_frame.text = SUMMARY_TITLE
        box.text_frame.paragraphs[0].runs[0].font.bold = True
        box.text_frame.add_paragraph().text = summary
        box.text_frame.paragraphs[1].runs[0].font.size = Pt(16)
    ids = deck.slides._sldIdLst  # the new slide first: python-pptx has no public reordering
    ids.insert(0, ids[-1])
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
