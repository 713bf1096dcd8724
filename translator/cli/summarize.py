"""`translator summarize`: an English text summarised, no translation."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, load_pipeline, prepare
from .console import emit, report_warnings
from .options import Commands, config_options, document_options, runtime_options, summary_options


def add_parser(commands: Commands) -> None:
    document, config, runtime, summary = (
        document_options(),
        config_options(),
        runtime_options(),
        summary_options(),
    )
    commands.add_parser(
        "summarize",
        parents=[document, config, runtime, summary],
        help="summarise an English text",
        description="Summarise an English text (no translation).",
    )


def run_summarize(args: argparse.Namespace) -> int:
    from ..documents.output import render
    from ..text.validate import validate_text

    progress, config, document = prepare(args)
    validate_text(
        document.text, config.max_input_chars, name=document.name, indonesian=False
    )  # before the summariser loads
    pipeline = load_pipeline(config, progress, summarize=True, translate=False)
    result = pipeline.summarize_text(document.text, progress=progress.update)
    progress.close()
    report_warnings(result.warnings, document.name, args)
    emit(render(result, args.format, translation=False, headings=False), args.output)
    return EXIT_OK
