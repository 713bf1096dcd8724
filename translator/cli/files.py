"""`translator run FILE.docx` (and .pptx, .odt, .srt, .pdf): the translated file, the same kind of
file (a PDF's as .docx or Markdown), written whole or not at all; the summary at its top, in a
file of its own, or nowhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from ..documents.formats import FILE_ONLY, SUFFIXES, summary_path
from .common import EXIT_OK, load_config, load_pipeline
from .console import Progress, check_output_path, quiet_libraries, report_warnings, say

# .docx .pptx .odt .srt .pdf are always translated into a file; the others (.txt .html .md) only
# with --keep-layout, else read as text, as before.
LAYOUT_SUFFIXES = tuple(s for s in SUFFIXES if s not in FILE_ONLY)


def is_file_input(args: argparse.Namespace) -> bool:
    from ..documents.web import is_url

    if args.input in (None, "-") or is_url(args.input):
        return False
    path = Path(args.input)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES and path.is_file():  # no telling suffix: what the content is decides
        from ..documents.formats.registry import identify

        with path.open("rb") as handle:
            head = handle.read(1024)
        if head.startswith((b"PK\x03\x04", b"%PDF-")):
            return identify(path.read_bytes(), path.name, args.input_format).structured
    return suffix in FILE_ONLY or (getattr(args, "keep_layout", False) and suffix in LAYOUT_SUFFIXES)


def run_file(args: argparse.Namespace) -> int:
    from ..documents.formats import output_suffix, translate_file
    from ..documents.output import write_atomic
    from ..errors import InputError

    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    quiet_libraries(show_downloads=progress.enabled)
    config = load_config(args)
    source = Path(args.input)
    place = "none" if args.command == "translate" or getattr(args, "no_summary", False) else args.summary_in
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as e:
        raise InputError(f"{source}: cannot read ({e.strerror or e})") from None
    suffix = output_suffix(source.name, "." + args.pdf_as, data)
    out = Path(args.output) if args.output else source.with_name(f"{source.stem}.en{suffix}")
    check_output_path(str(out), (str(source),), args.overwrite)
    if place == "file" or (place != "none" and suffix == ".srt"):  # subtitles keep theirs apart
        check_output_path(str(summary_path(out)), (str(source),), args.overwrite)
    # Loaded when translate_file first needs it, after the file was opened: a damaged or unreadable
    # file fails before any model loads, and the file is read once.
    pipeline = Lazy(lambda: load_pipeline(config, progress, summarize=place != "none"))
    done = translate_file(
        pipeline, data, source.name, summary=place, pdf_as=suffix if suffix in (".docx", ".md") else ".docx",
        force=args.force, progress=progress.update, encoding=args.encoding, input_format=args.input_format,
    )  # fmt: skip
    progress.close()
    report_warnings(done.result.warnings, str(source), args)
    write_atomic(out, done.data)
    written = [str(out)]
    if done.summary:
        write_atomic(summary_path(out), done.summary + "\n")
        written.append(str(summary_path(out)))
    if not args.quiet:
        for note in done.notes if done.nothing else ():
            say("note", f"{source}: {note}")
        say("note", f"wrote {' and '.join(written)}")
    return EXIT_OK


class Lazy:
    """A Pipeline loaded on first use."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load: Callable[[], Any] = load
        self._loaded: Any = None

    def _get(self) -> Any:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._get()(*args, **kwargs)
