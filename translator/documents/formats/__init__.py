"""Files in, the same kind of file out, in English: .docx, .pptx, .odt, .srt and .txt keep their
structure; a .pdf, which has no layout to edit, comes out as .docx or Markdown (and a note says
so). The English summary goes at the top of the translated file, into a file of its own, or
nowhere. Formats call a Pipeline; they never import the models, the CLI, the batch engine or the
server.

    from translator import Pipeline
    from translator.documents.formats import translate_file

    out = translate_file(Pipeline.from_config(), Path("laporan.docx").read_bytes(), "laporan.docx")
    Path("laporan.en.docx").write_bytes(out.data)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ...types import Flag, Result
from .registry import BY_SUFFIX, FILE_ONLY, SUFFIXES, Kind, identify
from .registry import output_suffix as kind_suffix
from .units import Opened, Translated, Unit, translate_units, wanted
from .writers import docx_from_paragraphs, markdown_from_paragraphs

SUMMARY_PLACES = ("top", "file", "none")
PDF_OUTPUTS = (".docx", ".md")
NOTHING_TO_TRANSLATE = "nothing to translate: the file has no text with letters; it is returned unchanged"


@dataclass
class FileResult:
    """A translated file: its bytes and kind, the Result of its text, and what was changed."""

    data: bytes
    suffix: str  # the translated file's kind: the input's, or .docx / .md for a PDF
    result: Result
    summary: str | None = None  # the summary, when it goes into a file of its own
    notes: list[str] = field(default_factory=list)
    nothing: bool = False  # nothing to translate: ``data`` is the input as it was


def summary_path(out: Path) -> Path:
    """Where a translated file's summary goes when it goes into a file of its own."""
    return out.with_name(f"{out.stem}.summary.txt")


def output_suffix(name: str, pdf_as: str = ".docx", data: bytes | None = None) -> str:
    """The suffix of ``name``'s translated file (its kind from ``data`` when given, else from the
    suffix alone)."""
    kind = identify(data, name) if data is not None else BY_SUFFIX.get(Path(name).suffix.lower())
    return kind_suffix(name, kind, pdf_as) if kind is not None else Path(name).suffix.lower()


def translate_file(
    pipeline: Any,
    data: bytes,
    name: str,
    *,
    summary: str = "top",
    pdf_as: str = ".docx",
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    encoding: str | None = None,
    input_format: str = "auto",
) -> FileResult:
    """Translate the file ``data`` into the same kind of file; what it is comes from
    formats.registry (its suffix, then its content; ``input_format`` for a text), and a text is
    decoded in ``encoding`` when given."""
    kind = identify(data, name, input_format, as_file=True)
    if summary not in SUMMARY_PLACES:
        raise ValueError(f"summary must be one of {SUMMARY_PLACES}, got {summary!r}")
    if pdf_as not in PDF_OUTPUTS:
        raise ValueError(f"pdf_as must be one of {PDF_OUTPUTS}, got {pdf_as!r}")
    opened = _open(kind, data, name, encoding)
    if not wanted(opened.units):
        empty = Result("", "", [], [], [], {})
        if isinstance(opened, PlainText) and kind.name == "pdf":  # "unchanged": its text as it was
            out = _pdf_text_file(opened.english, pdf_as, None, "")
            return FileResult(out, pdf_as, empty, None, [NOTHING_TO_TRANSLATE], nothing=True)
        return FileResult(data, kind_suffix(name, kind), empty, None, [NOTHING_TO_TRANSLATE], nothing=True)
    summarize = summary != "none"  # and the pipeline makes summaries: see Translated.summarized
    done = translate_units(pipeline, opened.units, name, summarize, force, progress)
    text = done.result.summary if done.summarized and summary == "top" else None
    if kind.name == "srt":
        notes = ["the summary of a subtitle file is written to a file of its own"] if done.summarized else []
        return _finish(_as_bytes(opened.save()), ".srt", done, "file", notes)
    if isinstance(opened, PlainText) and kind.name == "pdf":
        note = (
            f"Translated from {Path(name).name}: a PDF has no editable layout, so its text is given here "
            f"as {pdf_as}."
        )
        out = _pdf_text_file(opened.english, pdf_as, text, note)
        return _finish(out, pdf_as, done, summary, [note, *opened.notes])
    return _finish(_saved(kind, opened, text), kind_suffix(name, kind), done, summary)


def _as_bytes(saved: bytes | str) -> bytes:
    return saved if isinstance(saved, bytes) else saved.encode("utf-8")


def _pdf_text_file(paragraphs: list[str], pdf_as: str, summary: str | None, note: str) -> bytes:
    """A PDF's text as the file it becomes: a .docx or Markdown."""
    writer = docx_from_paragraphs if pdf_as == ".docx" else markdown_from_paragraphs
    return writer(paragraphs, summary, note)


def _open(kind: Kind, data: bytes, name: str, encoding: str | None) -> Opened:
    """The file opened by its kind's reader."""
    from .registry import decode

    if kind.name in ("docx", "pptx", "odt"):
        from .package import FLAVOURS, Package

        return Package(data, name, FLAVOURS["." + kind.name])
    if kind.name == "pdf":
        from .pdf import pdf_paragraphs

        paragraphs, notes = pdf_paragraphs(data, name)
        plain = PlainText("\n\n".join(paragraphs))
        plain.notes = notes
        return plain
    text = decode(data, name, encoding)
    if kind.name == "srt":
        from .subtitles import Subtitles

        return Subtitles(text, name)
    if kind.name in ("html", "markdown"):
        from .markup import MarkdownFile, Page

        return MarkdownFile(text, name) if kind.name == "markdown" else Page(text, name)
    return PlainText(text)


def _saved(kind: Kind, opened: Opened, summary: str | None) -> bytes:
    """The file saved, with the English summary at its top in the way its kind allows."""
    from .package import Package
    from .writers import docx_summary_first, odt_summary_first, pptx_summary_first, text_with_summary

    if summary and isinstance(opened, Package) and kind.name == "docx":
        docx_summary_first(opened.trees[opened.main_part()], summary, opened.heading_style())
    elif summary and isinstance(opened, Package) and kind.name == "odt":
        odt_summary_first(opened.trees[opened.main_part()], summary)
    saved = opened.save()  # a text's is its str, every other kind's is bytes
    if kind.name == "text":
        return text_with_summary(str(saved), summary)
    out = _as_bytes(saved)
    if not summary:
        return out
    if kind.name == "markdown":
        return f"## English summary\n\n{summary}\n\n".encode() + out
    if kind.name == "html":
        return _html_summary_first(out, summary)
    if kind.name == "pptx":
        return pptx_summary_first(out, summary)
    return out


def _html_summary_first(page: bytes, summary: str) -> bytes:
    import html

    block = (
        f'<section class="english-summary"><h2>English summary</h2><p>{html.escape(summary)}</p></section>'
    )
    text = page.decode("utf-8")
    match = re.search(r"<body[^>]*>", text, re.I)
    at = match.end() if match else 0
    return (text[:at] + block + text[at:]).encode("utf-8")


class PlainText:
    """A plain text opened for translation: its paragraphs as the segmenter finds them (each line of
    news copy, hard-wrapped lines joined), each replaced in place by its translation; the line
    breaks and blank lines between them are kept as they were."""

    def __init__(self, text: str) -> None:
        from ...text.segment import split_paragraphs

        self.text = text.replace("\r\n", "\n")
        self.spans = split_paragraphs(self.text)
        self.english = [span.text for span in self.spans]  # a paragraph without words stays as it is
        self.units = [Unit(span.text, self._writer(i)) for i, span in enumerate(self.spans)]
        self.notes: list[str] = []  # what reading left out (a PDF's running headers, page numbers)

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
    "summary_path",
    "translate_file",
]
