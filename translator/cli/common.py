"""What every model-running command does first: the config with the command line's overrides,
the input checked before any model loads, and the pipeline loaded."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .console import Progress, check_output_path, quiet_libraries

if TYPE_CHECKING:
    from ..config import Config
    from ..documents.reader import Document
    from ..engine.pipeline import Pipeline

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def load_config(args: argparse.Namespace) -> Config:
    from ..config import load_config

    config = load_config(args.config, profile=getattr(args, "profile", None))
    if getattr(args, "device", None) or getattr(args, "beams", None) or getattr(args, "threads", None):
        config = config.with_runtime(
            device=getattr(args, "device", None),
            beams=getattr(args, "beams", None),
            threads=getattr(args, "threads", None),
        )
    if getattr(args, "glossary", None):
        config = config.with_glossaries(args.glossary)
    if hasattr(args, "database"):  # translator serve: --database, else $TRANSLATOR_DATABASE_URL
        from ..database import database_url

        given_as = "--database" if args.database else "$TRANSLATOR_DATABASE_URL"
        config = config.with_database(database_url(args.database), given_as)
    if getattr(args, "no_cache", False) or getattr(args, "cache", None):
        config = config.with_cache(None if getattr(args, "no_cache", False) else args.cache)
    if (
        getattr(args, "summary_method", None)
        or getattr(args, "summary_words", None)
        or getattr(args, "summary_ratio", None)
    ):
        config = config.with_summary(
            method=args.summary_method, max_words=args.summary_words, ratio=args.summary_ratio
        )
    return config


def load_pipeline(config: Config, progress: Progress | None = None, **options: Any) -> Pipeline:
    """Load the models, each announced on ``progress`` (with its conversion, the first time);
    then, as the program's edge, cap torch's process-wide threads if asked (``threads`` in
    models.yaml or --threads). torch is imported only if a model needed it."""
    from ..engine.pipeline import Pipeline

    if progress is not None and progress.enabled:
        from ..models.hub import conversion_pending

        sections = {"translation": config.translation, "summarization": config.summarization}
        options["on_load"] = lambda role: progress.loading(role, conversion_pending(sections[role]))
    pipeline = Pipeline.from_config(config, **options)
    if config.threads and "torch" in sys.modules:
        from ..models.hf import set_torch_threads

        set_torch_threads(config.threads)
    return pipeline


def prepare(args: argparse.Namespace) -> tuple[Progress, Config, Document]:
    """Progress, config, the input document and the output path, all checked before any model
    loads: a bad config, input or --output fails in a second."""
    from ..documents.reader import load_document
    from ..documents.web import FetchPolicy, fetch_document, is_url

    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    quiet_libraries(show_downloads=progress.enabled)
    config = load_config(args)
    if is_url(args.input):  # the person running the command may fetch any address, their own too
        document = fetch_document(args.input, FetchPolicy(allow_private=True))
    else:
        document = load_document(args.input, args.input_format, args.encoding, config.max_input_chars)
    check_output_path(args.output, (args.input,), args.overwrite)
    return progress, config, document
