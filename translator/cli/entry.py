"""The program's edge: parse, dispatch to the command, and turn every error into a message and
an exit code."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import NoReturn

from ..version import __version__
from . import batch, doctor, feed, memory, models, run, serve, summarize
from .common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK
from .console import LibraryNotes, say


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with a usage error in one line that says where help is (argparse prints
    the whole usage first: for batch, 13 lines before the one that matters). Subcommands' parsers
    are of this class too (``add_subparsers`` makes them of their parent's)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="translator",
        description="Translate Indonesian text into English and summarise it.",
    )
    parser.add_argument("--version", action="version", version=f"translator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run.add_parsers(commands)
    summarize.add_parser(commands)
    models.add_parser(commands)
    batch.add_parser(commands)
    memory.add_parser(commands)
    feed.add_parser(commands)
    serve.add_parser(commands)
    doctor.add_parser(commands)
    return parser


COMMANDS = {
    "run": run.run_run,
    "translate": run.run_run,
    "summarize": summarize.run_summarize,
    "batch": batch.run_batch,
    "models": models.run_models,
    "serve": serve.run_serve,
    "memory": memory.run_memory,
    "cache": memory.run_memory,  # the old name
    "doctor": doctor.run_doctor,
    "feed": feed.run_feed,
}


def main(argv: list[str] | None = None) -> int:
    restore_sigpipe()  # translator serve ignores it again: a client gone must not end a server
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        print("translator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK


def dispatch(args: argparse.Namespace) -> int:
    from ..errors import LanguageError, TranslatorError, first_line

    notes = LibraryNotes() if args.command == "serve" else LibraryNotes().install()  # a server logs its own
    try:
        return COMMANDS[args.command](args)
    except TranslatorError as e:
        text = e.message("--force") if isinstance(e, LanguageError) else str(e)
        for line in text.splitlines() or [type(e).__name__]:
            say("error", line)
        return e.exit_code
    except MemoryError:
        say("error", "out of memory; try a smaller input or batch_size")
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - the one place that turns surprises into an exit code
        if os.environ.get("TRANSLATOR_DEBUG"):
            raise
        say("error", f"unexpected {type(e).__name__}: {first_line(e)} (set TRANSLATOR_DEBUG=1 for details)")
        return EXIT_FAILURE
    finally:
        notes.say()


def restore_sigpipe() -> None:
    # `translator run x | head` should end quietly, as other Unix tools do.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
