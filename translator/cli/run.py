"""`translator run` (translate and summarise) and `translator translate` (no summary)."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, load_pipeline, prepare
from .console import emit, report_warnings
from .options import Commands, add_force, config_options, document_options, runtime_options, summary_options


def add_parsers(commands: Commands) -> None:
    document, config, runtime, summary = (
        document_options(),
        config_options(),
        runtime_options(),
        summary_options(),
    )
    run = commands.add_parser(
        "run",
        parents=[document, config, runtime, summary],
        help="translate and summarise a text, a file (.docx .pptx .odt .srt .pdf) or a web page",
        description="Translate and summarise a text.",
    )
    run.add_argument("--no-summary", action="store_true", help="translate only; do not load the summariser")
    _add_output_options(run)

    translate = commands.add_parser(
        "translate",
        parents=[document, config, runtime],
        help="translate a text, a file or a web page (no summary)",
        description="Translate a text; no summary.",
    )
    _add_output_options(translate)


def run_run(args: argparse.Namespace) -> int:
    from ..documents.output import render
    from ..text.validate import validate_text
    from .files import is_file_input, run_file

    if is_file_input(args):
        return run_file(args)

    progress, config, document = prepare(args)
    validate_text(
        document.text, config.max_input_chars, args.force, name=document.name
    )  # bad input fails before any model loads

    summarize = args.command == "run" and not args.no_summary
    pipeline = load_pipeline(config, progress, summarize=summarize)
    result = pipeline(document, summarize=summarize, progress=progress.update, force=args.force)
    progress.close()
    report_warnings(result.warnings, document.name, args)
    text = render(
        result,
        args.format,
        summary=summarize,
        side_by_side=getattr(args, "side_by_side", False),
        headings=args.command == "run",
    )
    emit(text, args.output)
    return EXIT_OK


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """What run and translate share beyond the parent parsers."""
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="also show each sentence with its translation (a table in markdown)",
    )
    add_force(parser)
