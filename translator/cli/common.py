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
    """models.yaml with the command line's --device, --beams, --threads, --summary-*, --cache,
    --database and --glossary on top, each option's problem named by the option."""
    from pathlib import Path

    from ..config import SECTIONS, load_config

    config = load_config(args.config, profile=getattr(args, "profile", None))

    def option(name: str) -> Any:  # not every command has every option
        return getattr(args, name, None)

    changes: dict[str, Any] = {name: {} for name in SECTIONS}
    names = {f"{name}.{key}": f"--{flag}" for name in SECTIONS for key, flag in _OPTIONS.items()}
    for name in SECTIONS:
        if option("device"):
            changes[name].update(device=args.device, device_set_by="--device")
        if option("beams"):
            changes[name]["generation"] = {**getattr(config, name).generation, "num_beams": args.beams}
    summary = changes["summarization"]
    if option("summary_method"):
        summary["method"] = args.summary_method
    if option("summary_words") or option("summary_ratio"):  # the two replace the file's together
        summary.update(max_words=args.summary_words, ratio=args.summary_ratio)
    if option("threads"):
        changes["threads"] = args.threads
    if option("no_cache") or option("cache"):
        changes["cache"] = None if option("no_cache") else str(Path(args.cache).expanduser().resolve())
    if hasattr(args, "database"):  # translator serve: --database, else $TRANSLATOR_DATABASE_URL
        from ..database import database_url

        url = database_url(args.database)
        if url is not None:
            changes["database"] = url
            names["database"] = "--database" if args.database else "$TRANSLATOR_DATABASE_URL"
    config = config.with_changes(changes, names)
    return config.with_glossaries(args.glossary) if option("glossary") else config


# The options that set a stage's key, by the key: a problem with a value (argparse checked its
# form already) is named by the option the person typed.
_OPTIONS = {
    "device": "device",
    "generation.num_beams": "beams",
    "method": "summary-method",
    "max_words": "summary-words",
    "ratio": "summary-ratio",
}


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
