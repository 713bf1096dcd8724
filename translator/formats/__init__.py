"""Files in, the same kind of file out, in English: .docx, .pptx, .odt, .srt and .txt keep their
structure; a .pdf, which has no layout to edit, comes out as .docx or Markdown (and a note says
so). The English summary goes at the top of the translated file, into a file of its own, or
nowhere. Formats call a Pipeline; they never import the models, the CLI, the batch engine or the
server.

    from translator import Pipeline
    from translator.formats import translate_file

    out = translate_file(Pipeline.from_config(), Path("laporan.docx").read_bytes(), "laporan.docx")
    Path("laporan.en.docx").write_bytes(out.data)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..types import Flag, Result
from .units import Translated, Unit, translate_units

SUFFIXES = (".docx", ".pptx", ".odt", ".srt", ".pdf", ".txt", ".html", ".htm", ".md")
FILE_ONLY = (".docx", ".pptx", ".odt", ".srt", ".pdf")  # never read as text: only as files
SUMMARY_PLACES = ("top", "file", "none")
PDF_OUTPUTS = (".docx", ".md")


@dataclass
class FileResult:
    """A translated file: its bytes and kind, the Result of its text, and what was changed."""

    data: bytes
    suffix: str  # the translated file's kind: the input's, or .docx / .md for a PDF
    result: Result
    summary: str | None = None  # the summary, when it goes into a file of its own
    notes: list[str] = field(default_factory=list)


def output_suffix(name: str, pdf_as: str = ".docx") -> str:
    suffix = Path(name).suffix.lower()
    return pdf_as if suffix == ".pdf" else suffix


def translate_file(
    pipeline,
    data: bytes,
    name: str,
    *,
    summary: str = "top",
    pdf_as: str = ".docx",
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> FileResult:
    """Translate the file ``data`` (its kind from ``name``'s suffix) into the same kind of file."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{name}: unsupported file type {suffix or '(none)'}; translator reads {', '.join(SUFFIXES)}"
        )
    if summary not in SUMMARY_PLACES:
        raise ValueError(f"summary must be one of {SUMMARY_PLACES}, got {summary!r}")
    summarize = summary != "none"  # and the pipeline makes summaries: see Translated.summarized
    if suffix in (".docx", ".pptx", ".odt"):
        return _package(pipeline, data, name, suffix, summary, summarize, force, progress)
    if suffix == ".srt":
        from .subtitles import Subtitles

        subtitles = Subtitles(_text(data, name), name)
        done = translate_units(pipeline, subtitles.units, name, summarize, force, progress)
        notes = ["the summary of a subtitle file is written to a file of its own"] if done.summarized else []
        return _finish(subtitles.save(), suffix, done, "file", notes)
    if suffix == ".pdf":
        return _pdf(pipeline, data, name, summary, summarize, pdf_as, force, progress)
    if suffix in (".html", ".htm", ".md"):
        return _markup(pipeline, data, name, suffix, summary, summarize, force, progress)
    plain = PlainText(_text(data, name))
    done = translate_units(pipeline, plain.units, name, summarize, force, progress)
    from .writers import text_with_summary

    text = text_with_summary(
        plain.save(), done.result.summary if done.summarized and summary == "top" else None
    )
    return _finish(text, suffix, done, summary)


def _package(pipeline, data, name, suffix, summary, summarize, force, progress) -> FileResult:
    from .package import FLAVOURS, Package
    from .writers import docx_summary_first, odt_summary_first, pptx_summary_first

    package = Package(data, name, FLAVOURS[suffix])
    done = translate_units(pipeline, package.units, name, summarize, force, progress)
    text = done.result.summary if done.summarized and summary == "top" else None
    if text and suffix == ".docx":
        docx_summary_first(package.trees["word/document.xml"], text)
    if text and suffix == ".odt":
        odt_summary_first(package.trees["content.xml"], text)
    out = package.save()
    if text and suffix == ".pptx":
        out = pptx_summary_first(out, text)
    return _finish(out, suffix, done, summary)


def _markup(pipeline, data, name, suffix, summary, summarize, force, progress) -> FileResult:
    from .markup import MarkdownFile, Page

    opened = MarkdownFile(_text(data, name), name) if suffix == ".md" else Page(_text(data, name), name)
    done = translate_units(pipeline, opened.units, name, summarize, force, progress)
    out = opened.save()
    text = done.result.summary if done.summarized and summary == "top" else None
    if text and suffix == ".md":
        out = f"## English summary\n\n{text}\n\n".encode() + out
    elif text:
        out = _html_summary_first(out, text)
    return _finish(out, suffix, done, summary)


def _html_summary_first(page: bytes, summary: str) -> bytes:
    import html

    block = (
        f'<section class="english-summary"><h2>English summary</h2><p>{html.escape(summary)}</p></section>'
    )
    text = page.decode("utf-8")
    match = re.search(r"<body[^>]*>", text, re.I)
    at = match.end() if match else 0
    return (text[:at] + block + text[at:]).encode("utf-8")


def _pdf(pipeline, data, name, summary, summarize, pdf_as, force, progress) -> FileResult:
    from .pdf import pdf_paragraphs
    from .writers import docx_from_paragraphs, markdown_from_paragraphs

    if pdf_as not in PDF_OUTPUTS:
        raise ValueError(f"pdf_as must be one of {PDF_OUTPUTS}, got {pdf_as!r}")
    paragraphs, read_notes = pdf_paragraphs(data, name)
    plain = PlainText("\n\n".join(paragraphs))
    done = translate_units(pipeline, plain.units, name, summarize, force, progress)
    note = (
        f"Translated from {Path(name).name}: a PDF has no editable layout, so its text is given here "
        f"as {pdf_as}."
    )
    text = done.result.summary if done.summarized and summary == "top" else None
    english = plain.english
    writer = docx_from_paragraphs if pdf_as == ".docx" else markdown_from_paragraphs
    return _finish(writer(english, text, note), pdf_as, done, summary, [note, *read_notes])


class PlainText:
    """A plain text opened for translation: its paragraphs as the segmenter finds them (each line of
    news copy, hard-wrapped lines joined), each replaced in place by its translation; the line
    breaks and blank lines between them are kept as they were."""

    def __init__(self, text: str):
        from ..text.segment import split_paragraphs

        self.text = text.replace("\r\n", "\n")
        self.spans = split_paragraphs(self.text)
        self.english = [span.text for span in self.spans]  # a paragraph without words stays as it is
        self.units = [Unit(span.text, self._writer(i)) for i, span in enumerate(self.spans)]

    def _writer(self, index: int) -> Callable[[str], None]:
        def write(translation: str) -> None:
            self.english[index] = translation

        return write

    def save(self) -> str:
        out, at = [], 0
        for span, english in zip(self.spans, self.english):
            out += [self.text[at : span.start], english]
            at = span.end
        return "".join(out) + self.text[at:]


def _text(data: bytes, name: str) -> str:
    from ..documents import decode

    return decode(data, name)


def _finish(
    data: bytes, suffix: str, done: Translated, place: str, notes: list[str] | None = None
) -> FileResult:
    notes = [*(notes or []), *done.notes]
    if done.kept:
        notes.append(f"{done.kept} part(s) without words (numbers, links, symbols) were kept as they were")
    flags = [Flag("document", note) for note in notes]
    result = replace(done.result, warnings=[*done.result.warnings, *flags])
    summary = result.summary if done.summarized and place == "file" else None
    return FileResult(data, suffix, result, summary, notes)


__all__ = [
    "FILE_ONLY",
    "FileResult",
    "PDF_OUTPUTS",
    "SUFFIXES",
    "SUMMARY_PLACES",
    "output_suffix",
    "translate_file",
]
