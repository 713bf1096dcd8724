"""The one place that decides what an input is, how its bytes become text, and what kind of file
its translation is. The CLI, batch (local and Ray), the library and the service all ask here, so
an option (``encoding``, ``input_format``) means the same on every path, and a new format is one
entry in ``KINDS``.

What a file is: its suffix first; then its content, which wins where the two disagree for the
containers that say what they are (a PDF's signature, a zip's ``[Content_Types].xml`` or ODF
``mimetype``). Text without a telling suffix is sniffed (HTML, subtitles, feeds). Bytes become
text by a byte-order mark (UTF-8, UTF-16, UTF-32), by the NUL pattern of UTF-16 without a mark,
as UTF-8, or in the encoding the user named; never by a guess that could garble a document.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError


@dataclass(frozen=True)
class Kind:
    """A kind of input: how it is recognised and how its translation comes out."""

    name: str  # docx, pptx, odt, srt, pdf, html, markdown, text
    suffixes: tuple[str, ...]  # the first is the one a translated file gets
    structured: bool  # only ever translated into a file of its kind (never read as plain text)
    description: str  # for messages


KINDS = (
    Kind("docx", (".docx", ".docm"), True, "a Word document"),
    Kind("pptx", (".pptx", ".pptm", ".ppsx"), True, "a PowerPoint deck"),
    Kind("odt", (".odt",), True, "an OpenDocument text"),
    Kind("srt", (".srt",), True, "a subtitle file"),
    Kind("pdf", (".pdf",), True, "a PDF document"),
    Kind("html", (".html", ".htm", ".xhtml"), False, "an HTML page"),
    Kind("markdown", (".md", ".markdown", ".mdown"), False, "a Markdown file"),
    Kind("text", (".txt", ".text"), False, "a plain text"),
)
BY_NAME = {kind.name: kind for kind in KINDS}
BY_SUFFIX = {suffix: kind for kind in KINDS for suffix in kind.suffixes}
SUFFIXES = tuple(BY_SUFFIX)  # every suffix translator reads
FILE_ONLY = tuple(s for kind in KINDS if kind.structured for s in kind.suffixes)
TEXT_SUFFIXES = tuple(s for kind in KINDS if not kind.structured for s in kind.suffixes)  # read as text too
TEXT_FORMATS = ("auto", "text", "markdown", "html")  # what --input-format / input_format may say

# Zip containers name their kind inside: Office Open XML by the main part's content type, ODF by
# the ``mimetype`` entry.
_OOXML_TYPES = (
    ("wordprocessingml.document.main+xml", "docx"),
    ("ms-word.document.macroEnabled.main+xml", "docx"),
    ("presentationml.presentation.main+xml", "pptx"),
    ("presentationml.slideshow.main+xml", "pptx"),
    ("ms-powerpoint.presentation.macroEnabled.main+xml", "pptx"),
)
_ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt"}
_LOOKS_LIKE_HTML = re.compile(
    r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p|h1)\b",
    re.IGNORECASE | re.DOTALL,
)
_LOOKS_LIKE_FEED = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.I | re.S)
_LOOKS_LIKE_SRT = re.compile(r"^\s*\d+\s*\r?\n\d\d:\d\d:\d\d[,.]\d{1,3}\s*-->", re.S)

# Formats people hold that translator does not read, by their first bytes: named, so the message
# says the format is the problem (not "a binary file") and what to do.
_FOREIGN = (
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc, .ppt, .xls)", "save it as .docx or .pptx first"),
    (b"{\\rtf", "an RTF document", "save it as .docx or .txt first"),
)


def identify(data: bytes, name: str, declared: str = "auto", *, as_file: bool = False) -> Kind:
    """The kind of the input ``data`` called ``name``; ``declared`` (an --input-format) names a
    text kind and is taken as said for text. ``as_file``: a file to translate into a file of its
    kind, so a suffix translator does not know is refused rather than read as text. Raises
    InputError for what translator cannot read."""
    if declared not in TEXT_FORMATS:
        raise InputError(f"unknown input format {declared!r}; use one of {', '.join(TEXT_FORMATS)}")
    by_suffix = BY_SUFFIX.get(Path(name).suffix.lower())
    if by_suffix is None and as_file and Path(name).suffix:
        raise InputError(
            f"{name}: unsupported file type {Path(name).suffix.lower()}; translator reads "
            f"{', '.join(SUFFIXES)}"
        )
    by_content = _container(data, name)
    if by_content is not None:
        return by_content
    for signature, what, fix in _FOREIGN:
        if data.startswith(signature):
            raise InputError(f"{name}: unsupported format: {what}; {fix}")
    if declared != "auto":
        return BY_NAME[declared]
    if by_suffix is not None and by_suffix.name in ("docx", "pptx", "odt", "pdf"):
        raise InputError(
            f"{name}: not a valid {by_suffix.name} file (damaged, or its content is not "
            f"{by_suffix.description})"
        )
    if by_suffix is not None and by_suffix.name != "text":
        return by_suffix
    sniffed = sniff_text(_head_text(data))
    # A .txt is text or an HTML page saved as text; only a file with no telling suffix is sniffed
    # for subtitles.
    return BY_NAME["text" if by_suffix is not None and sniffed == "srt" else sniffed]


def sniff_text(head: str) -> str:
    """What a text with no telling suffix looks like, by its beginning: html, srt, or text. A feed
    is refused with the command that reads it."""
    if _LOOKS_LIKE_FEED.match(head):
        raise InputError("this is an RSS/Atom feed: translate its items with translator feed FILE_OR_URL")
    if _LOOKS_LIKE_HTML.match(head):
        return "html"
    if _LOOKS_LIKE_SRT.match(head):
        return "srt"
    return "text"


def _head_text(data: bytes) -> str:
    try:
        return decode(data[:4096], "", None, partial=True)
    except InputError:
        return ""


def _container(data: bytes, name: str) -> Kind | None:
    """A PDF or an office zip by its content, or None for anything else."""
    if data[:1024].find(b"%PDF-") >= 0:
        return BY_NAME["pdf"]
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = _head(archive, "mimetype", 200).decode("ascii", "replace").strip()
            if mimetype in _ODF_TYPES:
                return BY_NAME[_ODF_TYPES[mimetype]]
            raise InputError(f"{name}: unsupported OpenDocument kind {mimetype!r}; translator reads .odt")
        if "[Content_Types].xml" in names:
            types = _head(archive, "[Content_Types].xml", 1_000_000).decode("utf-8", "replace")
            for marker, kind in _OOXML_TYPES:
                if marker in types:
                    return BY_NAME[kind]
            raise InputError(f"{name}: an Office file that is neither a Word document nor a deck (.xlsx?)")
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not a valid office file (the zip archive is damaged)") from None
    except RuntimeError as e:  # zipfile: an encrypted entry read without a password
        raise InputError(f"{name}: the file is encrypted ({e}); save an unprotected copy") from None
    by_suffix = BY_SUFFIX.get(Path(name).suffix.lower())
    if by_suffix is not None and by_suffix.name in ("docx", "pptx", "odt"):
        return by_suffix  # a package without its manifest: its reader says what is missing
    raise InputError(f"{name}: a zip archive that is not a .docx, .pptx or .odt file; unpack it first")


def _head(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a member, never more decompressed (a bomb stays unexploded)."""
    with archive.open(member) as handle:
        return handle.read(limit)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16's: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, name: str, encoding: str | None = None, *, partial: bool = False) -> str:
    """The text of ``data``: in ``encoding`` when the user named one, else by its byte-order mark,
    as UTF-16 where its NUL bytes say so, or as UTF-8. A byte that does not decode is an error
    naming its offset and the flag that fixes it. ``partial`` tolerates a cut at the end (a head)."""
    errors = "ignore" if partial else "strict"
    if encoding is not None:
        check_encoding(encoding)
        return _checked(data, name, encoding, errors, named=True).removeprefix("\ufeff")
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :], name, bom_encoding, errors)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked(data, name, utf16, errors)
    nul = data.find(b"\x00")
    if nul >= 0 and not partial:
        raise InputError(
            f"{name}: looks like a binary file (NUL byte at offset {nul}); if it is text, name its "
            "encoding: --encoding utf-16 (or utf-32)"
        )
    return _checked(data, name, "utf-8", errors)


def check_encoding(encoding: str) -> None:
    """Refuse an encoding Python does not know, naming a few that it does."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (try utf-8, latin-1, cp1252, utf-16)") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a mark, by where its NUL bytes fall: ASCII-range text has one in every pair."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _checked(data: bytes, name: str, encoding: str, errors: str, named: bool = False) -> str:
    try:
        text = data.decode(encoding, errors)
    except UnicodeDecodeError as e:
        fix = (
            "check the --encoding given"
            if named
            else "save the file as UTF-8, or name its encoding: --encoding latin-1 (or cp1252, gb2312, ...)"
        )
        shown = "UTF-8" if encoding == "utf-8" else encoding
        raise InputError(f"{name}: not valid {shown} at byte offset {e.start} ({fix})") from None
    nul = text.find("\x00")
    if nul >= 0 and errors == "strict":
        raise InputError(
            f"{name}: looks like a binary file (NUL character at offset {nul} as {encoding}); if it is "
            "text, name its encoding: --encoding utf-16 (or utf-32)"
        )
    return text


def output_suffix(name: str, kind: Kind, pdf_as: str = ".docx") -> str:
    """The suffix of ``name``'s translation: its own (when it is one of its kind's), the kind's
    first otherwise, and a PDF's as ``pdf_as``."""
    if kind.name == "pdf":
        return pdf_as
    suffix = Path(name).suffix.lower()
    return suffix if suffix in kind.suffixes else kind.suffixes[0]
