"""The `translator` command: argument parsing, output formats, progress, errors -> exit codes.

Exit codes: 0 ok, 1 runtime failure (a model cannot be loaded, processing failed),
2 bad usage, bad config or bad input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import TextIO

from . import __version__

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Indonesian text into English and summarise it.",
    )
    parser.add_argument("--version", action="version", version=f"translator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="translate and summarise a text", description="Translate and summarise a text.")
    run.add_argument("input", nargs="?", default="-", metavar="INPUT", help="a UTF-8 text file; '-' or nothing reads stdin")
    run.add_argument("--config", metavar="PATH", help="a models.yaml (default: the one shipped with translator)")
    run.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    run.add_argument("--no-summary", action="store_true", help="translate only; do not load the summariser")
    run.add_argument(
        "--summary-method",
        choices=("abstractive", "extractive"),
        help="abstractive (a summarisation model) or extractive (sentences picked from the translation, no model)",
    )
    run.add_argument("--summary-words", type=_positive_int, metavar="N", help="at most about N words in the summary")
    run.add_argument(
        "--summary-ratio", type=_ratio, metavar="R", help="a summary of at most R (0-1] of the translation's words"
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress and no warnings on stderr")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    _restore_sigpipe()
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("translator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from .errors import TranslatorError

    try:
        return _command_run(args)
    except TranslatorError as e:
        for line in str(e).splitlines() or [type(e).__name__]:
            print(f"translator: error: {line}", file=sys.stderr)
        return e.exit_code
    except MemoryError:
        print("translator: error: out of memory; try a smaller input or batch_size", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - the one place that turns surprises into an exit code
        if os.environ.get("TRANSLATOR_DEBUG"):
            raise
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            f"translator: error: unexpected {type(e).__name__}: {first} (set TRANSLATOR_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def _command_run(args: argparse.Namespace) -> int:
    from .config import load_config
    from .inputs import read_input

    progress = _Progress(sys.stderr, enabled=not args.quiet and sys.stderr.isatty())
    _quiet_libraries(show_downloads=progress.enabled)
    # Validate what is cheap before loading models: a bad config or input fails in a second.
    config = load_config(args.config)
    if args.summary_method or args.summary_words or args.summary_ratio:
        config = config.with_summary(method=args.summary_method, max_words=args.summary_words, ratio=args.summary_ratio)
    text, name = read_input(args.input)

    from .pipeline import Pipeline

    summarize = not args.no_summary
    progress.note("loading models")
    pipeline = Pipeline.from_config(config, summarize=summarize)
    result = pipeline(text, summarize=summarize, progress=progress.update)
    progress.done()
    if not args.quiet:
        for warning in result.warnings:
            print(f"translator: warning: {name}: {warning}", file=sys.stderr)
    _write(result, args.format, sys.stdout, summarize)
    return EXIT_OK


def _write(result, fmt: str, out: TextIO, summarize: bool) -> None:
    if fmt == "json":
        json.dump(result.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if summarize:
        out.write("Summary\n-------\n" + result.summary + "\n\n")
    out.write("Translation\n-----------\n" + result.translation + "\n")
    out.flush()


class _Progress:
    """Progress on stderr, only when a person is watching it (stderr is a terminal)."""

    def __init__(self, stream: TextIO, enabled: bool):
        self.stream = stream
        self.enabled = enabled

    def note(self, message: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[Ktranslator: {message}...")
            self.stream.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        self.note(f"{stage} {done}/{total}")

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _quiet_libraries(show_downloads: bool) -> None:
    # transformers and huggingface_hub write their own advice to stderr; the command speaks for
    # itself. Model download bars stay for a person at a terminal. Set before they are imported.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    if not show_downloads:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _restore_sigpipe() -> None:
    # `translator run x | head` should end quietly, as other Unix tools do.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
