"""The option groups that several commands share (each a parent parser), and the argument types
that turn a bad number into argparse's one-line usage error."""

from __future__ import annotations

import argparse
from datetime import tzinfo
from typing import Any, TypeAlias

from ..config import DEVICES, SUMMARY_METHODS

Commands: TypeAlias = "argparse._SubParsersAction[Any]"  # what add_parser adds to


def config_options() -> argparse.ArgumentParser:
    """--config and --profile: which models.yaml, which profile."""
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        metavar="PATH",
        help="a models.yaml (default: $TRANSLATOR_CONFIG, else ./models.yaml, else "
        "~/.config/translator/models.yaml, else the one shipped with translator)",
    )
    config.add_argument(
        "--profile", metavar="NAME", help="a profile from models.yaml: default, fast, quality, ..."
    )
    return config


def runtime_options() -> argparse.ArgumentParser:
    """How the models run and what is shown on stderr."""
    runtime = argparse.ArgumentParser(add_help=False)
    runtime.add_argument("--device", choices=DEVICES, help="run the models here (default: models.yaml)")
    runtime.add_argument(
        "--threads", type=positive_int, metavar="N", help="CPU threads for inference (default: all cores)"
    )
    runtime.add_argument(
        "--beams", type=positive_int, metavar="N", help="beam width for both models (1 = greedy)"
    )
    runtime.add_argument(
        "--glossary",
        action="append",
        metavar="FILE",
        help="a TSV glossary (Indonesian<TAB>English) on top of models.yaml's (repeatable)",
    )
    runtime.add_argument(
        "--cache",
        metavar="FILE",
        help="the translation memory to use (default: models.yaml's cache, else "
        "~/.cache/translator/memory.sqlite3)",
    )
    runtime.add_argument(
        "--no-cache", action="store_true", help="no translation memory: every sentence goes to the model"
    )
    runtime.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress on stderr, and no warnings unless --warnings is given",
    )
    runtime.add_argument(
        "--warnings",
        choices=("all", "summary", "none"),
        help="flags on stderr: every one, or (the default) a count per kind and the first few, or none",
    )
    return runtime


def summary_options() -> argparse.ArgumentParser:
    """The summary's method and length."""
    summary = argparse.ArgumentParser(add_help=False)
    summary.add_argument(
        "--summary-method",
        choices=SUMMARY_METHODS,
        help="abstractive (a summarisation model) or extractive (sentences picked from the translation, no "
        "model)",
    )
    summary.add_argument(
        "--summary-words", type=positive_int, metavar="N", help="at most about N words in the summary"
    )
    summary.add_argument(
        "--summary-ratio", type=ratio, metavar="R", help="a summary of at most R (0-1] of the text's words"
    )
    return summary


def add_reading_options(parser: argparse.ArgumentParser, format_help: str, whose: str) -> None:
    """--input-format and --encoding: how an input document is read (run and batch alike)."""
    parser.add_argument(
        "--input-format", choices=("auto", "text", "markdown", "html"), default="auto", help=format_help
    )
    parser.add_argument(
        "--encoding", metavar="NAME", help=f"the {whose} encoding when it is not UTF-8 (e.g. latin-1, cp1252)"
    )


def document_options() -> argparse.ArgumentParser:
    """One input document and where its output goes."""
    document = argparse.ArgumentParser(add_help=False)
    document.add_argument(
        "input",
        nargs="?",
        default="-",
        metavar="INPUT",
        help="a file (text, Markdown, HTML; or .docx .pptx .odt .srt .pdf, translated into the same kind "
        "of file), an http(s) link to a web page (its article is fetched), or '-' / nothing for stdin",
    )
    add_reading_options(document, "default: from the file name, or HTML if it looks like HTML", "input's")
    document.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)"
    )
    document.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write here (atomically: a temp file, then a rename) instead of stdout; for a .docx, .pptx, "
        ".odt, .srt or .pdf input, the translated file (default: NAME.en.SUFFIX beside the input)",
    )
    document.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an output file that exists already (never the input itself)",
    )
    document.add_argument(
        "--keep-layout",
        action="store_true",
        help="for an .html, .md or .txt input: write the same kind of file, its markup kept (like .docx)",
    )
    add_file_options(document, "")
    return document


def add_file_options(parser: argparse.ArgumentParser, when: str) -> None:
    """--summary-in and --pdf-as: how a translated file is written (run and batch alike)."""
    parser.add_argument(
        "--summary-in",
        choices=("top", "file", "none"),
        default="top",
        help=f"{when}a translated file's English summary: at its top (default), in NAME.summary.txt, or none",
    )
    parser.add_argument(
        "--pdf-as",
        choices=("docx", "md"),
        default="docx",
        help=f"{when}what a PDF's translation is written as (a PDF has no layout to edit; default: docx)",
    )


def add_force(parser: argparse.ArgumentParser, what: str = "the input") -> None:
    """--force: the one switch past the language check, worded for what the command reads."""
    parser.add_argument(
        "--force", action="store_true", help=f"translate {what} even if it does not look Indonesian"
    )


def time_zone(text: str) -> tzinfo:
    """An IANA time zone name (Asia/Jakarta, Europe/London, UTC)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"no time zone {text!r}: give an IANA name such as Asia/Jakarta or UTC"
        ) from None


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    value = non_negative_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def non_negative_float(text: str) -> float:
    value = number(text)
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def ratio(text: str) -> float:
    value = number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
