"""What a person sees on stderr: levelled messages (coloured on a terminal), the flags of a
result, progress bars; and where a command's output goes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..types import Flag

WARNINGS_SHOWN = 3  # in summary mode, the first few flags are printed whole, then counted


def report_warnings(warnings: Sequence[Flag], name: str, args: argparse.Namespace) -> None:
    """Flags on stderr: all, none, or a count per kind after the first few (the default)."""
    mode = args.warnings or ("none" if args.quiet else "summary")
    if mode == "none":
        return
    notes = [w for w in warnings if w.kind == "document"]
    flags = [w for w in warnings if w.kind != "document"]
    for note in notes:
        say("note", f"{name}: {note}")
    shown = flags if mode == "all" or len(flags) <= WARNINGS_SHOWN + 1 else flags[:WARNINGS_SHOWN]
    for warning in shown:
        say("warning", f"{name}: {warning}")
    if len(shown) < len(flags):
        counts: dict[str, int] = {}
        for warning in flags:
            counts[warning.kind] = counts.get(warning.kind, 0) + 1
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        say(
            "warning",
            f"{name}: {len(flags)} flags in all: {kinds}; --warnings all, or --format json, for each",
        )


def check_output_path(
    output: str | None, inputs: tuple[str | None, ...] = (), overwrite: bool = False
) -> None:
    """Fail before the models load if the output cannot be written, is one of the ``inputs``, or
    exists (without ``overwrite``)."""
    if output is None:
        return
    from pathlib import Path

    from ..documents.output import guard_output
    from ..errors import OutputError

    path = Path(output)
    if path.is_dir():
        raise OutputError(f"{output}: is a directory; --output needs a file path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{output}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{output}: cannot write in {parent} (permission denied)")
    guard_output(path, [i for i in inputs if i is not None], overwrite)  # stdin (None) is no file


def emit(text: str, output: str | None) -> None:
    if output:
        from ..documents.output import write_atomic

        write_atomic(output, text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


COLOURS = {"error": "31", "failed": "31", "warning": "33", "note": "36"}


def say(level: str, message: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    label = f"{level}:"
    if use_colour(stream):
        label = f"\x1b[{COLOURS.get(level, '0')}m{label}\x1b[0m"
    print(f"translator: {label} {message}", file=stream)


def use_colour(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Colour only for a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """What a person at a terminal sees while a command works: one tqdm bar for what is being
    counted (a run's sentences, then its summary windows; a batch's documents) and, beside a
    batch's bar, what is happening now (loading, translating, summarising). A batch's bar stays
    open until the batch ends. Nothing is shown when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None  # a tqdm bar while one is counting
        self.stage = ""  # what the bar counts: "translate", "summarize" or "documents"

    def loading(self, role: str, converting: bool = False) -> None:
        """A model is about to load (and, the first time, be converted for CTranslate2)."""
        extra = " (converting it for CTranslate2, once: a minute or two)" if converting else ""
        self.status(f"loading the {role} model{extra}")

    def status(self, message: str) -> None:
        if not self.enabled:
            return
        if self.stage == "documents":
            self.bar.set_postfix_str(message)
            return
        self._close_bar()
        sys.stderr.write(f"\r\x1b[Ktranslator: {message}...")
        sys.stderr.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        """A stage's count: translated sentences, or summary windows (whose total may grow)."""
        if not self.enabled:
            return
        unit = "sentence" if stage == "translate" else "window"
        verb = "translating" if stage == "translate" else "summarising"
        if self.stage == "documents":
            self.bar.set_postfix_str(f"{verb} {done}/{total} {unit}s")
            return
        if self.stage != stage:
            self._open_bar(stage, total, unit, verb)
        bar = self.bar
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if stage == "translate" and done >= total:
            self._close_bar()

    def start_documents(self, total: int) -> None:
        if self.enabled and total:
            self._open_bar("documents", total, "doc", "documents")

    def advance(self, n: int) -> None:
        if self.stage == "documents":
            self.bar.update(n)

    def _open_bar(self, stage: str, total: int, unit: str, desc: str) -> None:
        from tqdm import tqdm

        self._close_bar()
        sys.stderr.write("\r\x1b[K")
        self.bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)
        self.stage = stage

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar, self.stage = None, ""

    def close(self) -> None:
        if self.enabled:
            self._close_bar()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def quiet_libraries(show_downloads: bool) -> None:
    # transformers and huggingface_hub write their own advice to stderr; the command speaks for
    # itself. Model download bars stay for a person at a terminal. Set before they are imported.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    if not show_downloads:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def quiet_ray() -> None:
    # Ray's own loggers would print its start-up advice; the batch's summary line says what happened.
    import logging

    for name in ("ray", "ray.data", "ray.util"):
        logging.getLogger(name).setLevel(logging.ERROR)


class LibraryNotes(logging.Handler):
    """Warnings that libraries would print on their own, before the command's words (pypdf on a
    damaged PDF: "incorrect startxref pointer(2)"): kept, and said once after the command as its own
    one line. TRANSLATOR_DEBUG=1 leaves them as the library prints them."""

    LOGGERS = ("pypdf",)

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def install(self) -> "LibraryNotes":
        if not os.environ.get("TRANSLATOR_DEBUG"):
            for name in self.LOGGERS:
                logger = logging.getLogger(name)
                logger.addHandler(self)
                logger.propagate = False
        return self

    def say(self) -> None:
        if self.messages:
            first = self.messages[0].strip().replace("\n", " ")
            say(
                "note",
                f"pypdf repaired what it could of a damaged PDF ({len(self.messages)} message(s), the first: "
                f"{first}; TRANSLATOR_DEBUG=1 shows them all)",
            )
