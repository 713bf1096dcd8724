"""The `translator` command: argument parsing, output formats, progress, errors -> exit codes.

Exit codes: 0 ok, 1 runtime failure (a model cannot be loaded, processing failed, some
documents of a batch failed), 2 bad usage, bad config or bad input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TextIO

from .version import __version__

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="translator",
        description="Translate Indonesian text into English and summarise it.",
    )
    parser.add_argument("--version", action="version", version=f"translator {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        metavar="PATH",
        help="a models.yaml (default: $TRANSLATOR_CONFIG, else ./models.yaml, else ~/.config/translator/models.yaml, else the one shipped with translator)",
    )
    config.add_argument(
        "--profile", metavar="NAME", help="a profile from models.yaml: default, fast, quality, ..."
    )

    runtime = argparse.ArgumentParser(add_help=False)
    runtime.add_argument(
        "--device", choices=("auto", "cpu", "cuda", "mps"), help="run the models here (default: models.yaml)"
    )
    runtime.add_argument(
        "--threads", type=_positive_int, metavar="N", help="CPU threads for inference (default: all cores)"
    )
    runtime.add_argument(
        "--beams", type=_positive_int, metavar="N", help="beam width for both models (1 = greedy)"
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
        help="the translation memory to use (default: models.yaml's cache, else ~/.cache/translator/memory.sqlite3)",
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

    summary = argparse.ArgumentParser(add_help=False)
    summary.add_argument(
        "--summary-method",
        choices=("abstractive", "extractive"),
        help="abstractive (a summarisation model) or extractive (sentences picked from the translation, no model)",
    )
    summary.add_argument(
        "--summary-words", type=_positive_int, metavar="N", help="at most about N words in the summary"
    )
    summary.add_argument(
        "--summary-ratio", type=_ratio, metavar="R", help="a summary of at most R (0-1] of the text's words"
    )

    document = argparse.ArgumentParser(add_help=False)
    document.add_argument(
        "input",
        nargs="?",
        default="-",
        metavar="INPUT",
        help="a file (text, Markdown or HTML); '-' or nothing reads stdin",
    )
    document.add_argument(
        "--input-format",
        choices=("auto", "text", "markdown", "html"),
        default="auto",
        help="default: from the file name, or HTML if it looks like HTML",
    )
    document.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)"
    )
    document.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write here (atomically: a temp file, then a rename) instead of stdout",
    )
    document.add_argument(
        "--encoding", metavar="NAME", help="the input's encoding when it is not UTF-8 (e.g. latin-1, cp1252)"
    )

    run = commands.add_parser(
        "run",
        parents=[document, config, runtime, summary],
        help="translate and summarise a text",
        description="Translate and summarise a text.",
    )
    run.add_argument("--no-summary", action="store_true", help="translate only; do not load the summariser")
    run.add_argument(
        "--side-by-side",
        action="store_true",
        help="also show each sentence with its translation (a table in markdown)",
    )
    run.add_argument(
        "--force", action="store_true", help="translate even if the input does not look Indonesian"
    )

    translate = commands.add_parser(
        "translate",
        parents=[document, config, runtime],
        help="translate a text (no summary)",
        description="Translate a text; no summary.",
    )
    translate.add_argument(
        "--side-by-side",
        action="store_true",
        help="also show each sentence with its translation (a table in markdown)",
    )
    translate.add_argument(
        "--force", action="store_true", help="translate even if the input does not look Indonesian"
    )

    commands.add_parser(
        "summarize",
        parents=[document, config, runtime, summary],
        help="summarise an English text",
        description="Summarise an English text (no translation).",
    )

    models = commands.add_parser(
        "models", help="list or download the configured models", description="The configured models."
    )
    model_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    model_commands.add_parser(
        "list", parents=[config], help="each model, whether it is on this machine, and its size"
    )
    download = model_commands.add_parser(
        "download", parents=[config], help="fetch every configured model at its pinned revision"
    )
    download.add_argument(
        "--dir", metavar="DIR", help="save into DIR/<model id> instead of the Hugging Face cache"
    )
    download.add_argument("--quiet", "-q", action="store_true", help="no download progress")
    model_commands.add_parser(
        "clear-cache",
        help="delete the CTranslate2 conversions (made again on next use)",
        description="Delete the CTranslate2 conversions in $TRANSLATOR_CACHE/ct2 (default ~/.cache/translator/ct2). "
        "They are made again, once, the next time a model loads. The Hugging Face download cache is left alone.",
    )

    batch = commands.add_parser(
        "batch",
        parents=[config, runtime, summary],
        help="translate many documents into a JSONL file (resumable)",
        description="Translate a directory of .txt/.md/.html files, a JSONL file or a CSV file into "
        "one JSON line per document. Rerunning the same command skips the ids already in OUTPUT.",
    )
    batch.add_argument("input", metavar="INPUT", help="a directory, a .jsonl file or a .csv file")
    batch.add_argument("--output", "-o", required=True, metavar="OUT.jsonl", help="records are appended here")
    batch.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL/CSV field with the text (default: text)"
    )
    batch.add_argument(
        "--id-field",
        default="id",
        metavar="NAME",
        help="JSONL/CSV field with the id (default: id; else the line number)",
    )
    batch.add_argument(
        "--input-format",
        choices=("auto", "text", "markdown", "html"),
        default="auto",
        help="how to read each document",
    )
    batch.add_argument(
        "--encoding", metavar="NAME", help="the inputs' encoding when it is not UTF-8 (e.g. latin-1, cp1252)"
    )
    batch.add_argument("--no-summary", action="store_true", help="translate only")
    batch.add_argument(
        "--pool-docs",
        type=_positive_int,
        default=16,
        metavar="N",
        help="documents whose sentences share batches (default: 16)",
    )
    batch.add_argument(
        "--force", action="store_true", help="translate documents even if they do not look Indonesian"
    )
    batch.add_argument(
        "--retry-failed",
        action="store_true",
        help="also redo the documents whose last record in OUTPUT has an error (a new record is appended)",
    )
    batch.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (default) or ray: a pool of Ray actors across a cluster (pip install 'translator-id-en[ray]')",
    )
    batch.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="join this Ray cluster (default: RAY_ADDRESS, else start a local Ray)",
    )
    batch.add_argument(
        "--ray-actors",
        type=_positive_int,
        default=1,
        metavar="N",
        help="actors, each holding the models once (default: 1)",
    )
    batch.add_argument(
        "--ray-cpus-per-actor",
        type=_positive_float,
        default=1.0,
        metavar="C",
        help="CPUs reserved per actor (default: 1)",
    )
    batch.add_argument(
        "--ray-gpus-per-actor",
        type=_non_negative_float,
        default=0.0,
        metavar="G",
        help="GPUs reserved per actor (default: 0)",
    )
    batch.add_argument(
        "--ray-num-cpus",
        type=_positive_int,
        metavar="N",
        help="CPUs of a local Ray started here (default: all)",
    )
    memory = commands.add_parser(
        "cache",
        help="the translation memory: stats or clear",
        description="The translation memory (a SQLite file of sentence translations).",
    )
    memory_commands = memory.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    for name, text in (("stats", "entries, size and hit rate"), ("clear", "delete every entry")):
        action = memory_commands.add_parser(name, parents=[config], help=text)
        action.add_argument("--cache", metavar="FILE", help="this file instead of the configured one")

    serve = commands.add_parser(
        "serve",
        parents=[config],
        help="run the translation service: a LibreTranslate-compatible API, translator's own API and a web page",
        description="Run the translation service (pip install 'translator-id-en[serve]'). The models load once at start-up; "
        "GET /readyz answers 200 when they are in memory. Ctrl-C or SIGTERM stops it gracefully.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve.add_argument("--port", type=_positive_int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--profiles",
        metavar="NAMES",
        help="more profiles to load, comma-separated, for requests that name them",
    )
    serve.add_argument(
        "--api-keys", metavar="FILE", help="require one of these keys (one per line) on every API route"
    )
    serve.add_argument(
        "--req-limit",
        type=_positive_int,
        metavar="N",
        help="at most N requests per minute per key (or client address)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="allow browser pages from ORIGIN (repeatable); CORS is off without it",
    )
    serve.add_argument(
        "--max-body-mb",
        type=_positive_float,
        default=5.0,
        metavar="MB",
        help="largest request body (default: 5)",
    )
    serve.add_argument(
        "--timeout",
        type=_positive_float,
        default=300.0,
        metavar="S",
        help="the most one request may take, waiting included (default: 300)",
    )
    serve.add_argument(
        "--max-queue",
        type=_positive_int,
        default=64,
        metavar="N",
        help="requests in progress at once; more get 503 (default: 64)",
    )
    serve.add_argument(
        "--threads",
        type=_positive_int,
        metavar="N",
        help="CPU cores for the models (default: models.yaml's threads, else all cores)",
    )
    serve.add_argument(
        "--translation-workers",
        type=_positive_int,
        metavar="N",
        help="translation batches at once, one thread each (default: one per core)",
    )
    serve.add_argument(
        "--summary-workers",
        type=_positive_int,
        metavar="N",
        help="summaries at once, one thread each (default: one per core)",
    )
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = _number(text)
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _ratio(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    _restore_sigpipe()  # translator serve ignores it again: a client gone must not end a server
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("translator: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    from .errors import LanguageError, TranslatorError, first_line

    commands = {
        "run": _command_run,
        "translate": _command_run,
        "summarize": _command_summarize,
        "batch": _command_batch,
        "models": _command_models,
        "serve": _command_serve,
        "cache": _command_cache,
    }
    try:
        return commands[args.command](args)
    except TranslatorError as e:
        text = e.message("--force") if isinstance(e, LanguageError) else str(e)
        for line in text.splitlines() or [type(e).__name__]:
            _say("error", line)
        return e.exit_code
    except MemoryError:
        _say("error", "out of memory; try a smaller input or batch_size")
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - the one place that turns surprises into an exit code
        if os.environ.get("TRANSLATOR_DEBUG"):
            raise
        _say("error", f"unexpected {type(e).__name__}: {first_line(e)} (set TRANSLATOR_DEBUG=1 for details)")
        return EXIT_FAILURE


def _load_config(args: argparse.Namespace):
    from .config import load_config

    config = load_config(args.config, profile=getattr(args, "profile", None))
    if getattr(args, "device", None) or getattr(args, "beams", None) or getattr(args, "threads", None):
        config = config.with_runtime(
            device=getattr(args, "device", None),
            beams=getattr(args, "beams", None),
            threads=getattr(args, "threads", None),
        )
    if getattr(args, "glossary", None):
        config = config.with_glossaries(args.glossary)
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


def _load_pipeline(config, **options):
    """Load the models; then, as the program's edge, cap torch's process-wide threads if asked
    (``threads`` in models.yaml or --threads). torch is imported only if a model needed it."""
    from .pipeline import Pipeline

    pipeline = Pipeline.from_config(config, **options)
    if config.threads and "torch" in sys.modules:
        from .models.hf import set_torch_threads

        set_torch_threads(config.threads)
    return pipeline


def _prepare(args: argparse.Namespace):
    """Progress, config, the input document and the output path, all checked before any model
    loads: a bad config, input or --output fails in a second."""
    from .documents import load_document

    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    _quiet_libraries(show_downloads=progress.enabled)
    config = _load_config(args)
    document = load_document(args.input, args.input_format, args.encoding, config.max_input_chars)
    _check_output_path(args.output)
    return progress, config, document


def _command_run(args: argparse.Namespace) -> int:
    from .output import render
    from .text.validate import validate_text

    progress, config, document = _prepare(args)
    validate_text(
        document.text, config.max_input_chars, args.force, name=document.name
    )  # bad input fails before any model loads

    summarize = args.command == "run" and not args.no_summary
    pipeline = _load_pipeline(config, summarize=summarize, on_load=progress.loading)
    result = pipeline(document, summarize=summarize, progress=progress.update, force=args.force)
    progress.close()
    _report_warnings(result.warnings, document.name, args)
    text = render(
        result,
        args.format,
        summary=summarize,
        side_by_side=getattr(args, "side_by_side", False),
        headings=args.command == "run",
    )
    _emit(text, args.output)
    return EXIT_OK


def _command_summarize(args: argparse.Namespace) -> int:
    from .output import render
    from .text.validate import validate_text

    progress, config, document = _prepare(args)
    validate_text(
        document.text, config.max_input_chars, name=document.name, indonesian=False
    )  # before the summariser loads
    pipeline = _load_pipeline(config, summarize=True, translate=False, on_load=progress.loading)
    progress.loading("summary")
    result = pipeline.summarize_text(document.text)
    progress.close()
    _report_warnings(result.warnings, document.name, args)
    _emit(render(result, args.format, translation=False, headings=False), args.output)
    return EXIT_OK


def _command_batch(args: argparse.Namespace) -> int:
    from .batch.items import count_items, read_items
    from .batch.resume import ResumeState

    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    _quiet_libraries(show_downloads=progress.enabled)
    config = _load_config(args)
    _check_output_path(args.output)
    items = read_items(
        args.input, args.text_field, args.id_field, args.input_format, args.encoding
    )  # read as the batch goes
    state = ResumeState.repair_and_read(args.output)  # before anything loads
    if progress.enabled:
        done = sum(1 for failed in state.done.values() if not (failed and args.retry_failed))
        progress.start_documents(max(0, count_items(args.input) - done))

    summarize = not args.no_summary
    on_skip = None if args.quiet else lambda message: _say("warning", message)
    common = dict(
        state=state, summarize=summarize, pool_docs=args.pool_docs, force=args.force,
        on_document=progress.advance, on_skip=on_skip, retry_failed=args.retry_failed,
    )  # fmt: skip
    if args.engine == "ray":
        from .batch.ray_engine import RayOptions, run_batch_ray

        _quiet_ray()
        options = RayOptions(
            args.ray_address,
            args.ray_actors,
            args.ray_cpus_per_actor,
            args.ray_gpus_per_actor,
            args.ray_num_cpus,
        )
        stats = run_batch_ray(config, items, args.output, options, **common)
    else:
        from .batch.local import run_batch

        # Loaded when the first pending pool comes: a finished batch reruns without loading models.
        stats = run_batch(
            lambda: _load_pipeline(config, summarize=summarize, on_load=progress.loading),
            items,
            args.output,
            **common,
        )
    progress.close()
    if not args.quiet:
        for failure in stats.failures:
            _say("failed", failure)
    print(f"translator: batch: {stats.line()}", file=sys.stderr)
    return EXIT_FAILURE if stats.any_failed else EXIT_OK


def _command_cache(args: argparse.Namespace) -> int:
    from .memory import TranslationMemory, default_path
    from .models.hub import human_size

    config = _load_config(args)
    if config.cache is None:
        print(f"no translation memory: cache is null in {config.source}")
        return EXIT_OK
    path = default_path() if config.cache == "default" else config.cache
    memory = TranslationMemory(path, config.cache_max_mb)
    for note in memory.notes:
        _say("warning", note)
    if args.cache_command == "clear":
        print(f"cleared {memory.clear():,} entries from {path}")
        return EXIT_OK
    stats = memory.stats()
    print(
        f"{stats.path}\n{stats.entries:,} entries, {human_size(stats.bytes)} (at most {config.cache_max_mb:g} MB)"
    )
    print(f"{stats.hits:,} hits, {stats.misses:,} misses: hit rate {stats.hit_rate:.0%}")
    return EXIT_OK


def _command_serve(args: argparse.Namespace) -> int:
    import logging

    from .errors import ConfigError

    _quiet_libraries(show_downloads=False)
    config = _load_config(args)
    profiles = [config.profile] + [
        p.strip() for p in (args.profiles or "").split(",") if p.strip() and p.strip() != config.profile
    ]
    unknown = [p for p in profiles if p not in config.profiles]
    if unknown:
        raise ConfigError(
            f"{config.source}: profiles: no profile {unknown[0]!r} (profiles: {', '.join(config.profiles)})"
        )
    try:
        from .server.access import read_keys
        from .server.app import ServerSettings
        from .server.run import serve
    except ImportError as e:
        from .errors import MissingExtraError

        raise MissingExtraError(
            f"translator serve needs {e.name}: pip install 'translator-id-en[serve]'"
        ) from None
    settings = ServerSettings(
        profiles=profiles,
        api_keys=read_keys(args.api_keys) if args.api_keys else None,
        req_limit=args.req_limit,
        cors_origins=args.cors_origin or [],
        max_body_bytes=int(args.max_body_mb * 1_000_000),
        timeout_s=args.timeout,
        max_queue=args.max_queue,
        threads=args.threads,
        translation_workers=args.translation_workers,
        summary_workers=args.summary_workers,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("translator: %(levelname)s: %(message)s"))
    logging.getLogger("translator.server").addHandler(handler)
    return serve(config, settings, args.host, args.port)


def _command_models(args: argparse.Namespace) -> int:
    from .models.hub import clear_converted, configured_models, download, human_size, model_status

    if args.models_command == "clear-cache":
        root, freed = clear_converted()
        print(
            f"removed {root} ({human_size(freed)})"
            if freed
            else f"nothing to remove: no conversions in {root}"
        )
        return EXIT_OK
    config = _load_config(args)
    if args.models_command == "list":
        rows = [model_status(role, cfg) for role, cfg in configured_models(config)]
        print(f"config: {config.source} (from {config.found_by})\nprofile: {config.profile}")
        for s in rows:
            label = f"{s.model}@{s.revision}" if s.revision else s.model
            print(
                f"{s.role:<14} {label}\n{'':<14} {s.where}, {human_size(s.size_bytes)}{'  ' + s.path if s.path else ''}"
            )
            if s.converted:
                print(f"{'':<14} CTranslate2: {s.converted}")
        return EXIT_OK
    _quiet_libraries(show_downloads=not args.quiet and sys.stderr.isatty())
    for role, cfg in configured_models(config):
        status = model_status(role, cfg)
        if status.where in ("local directory", "none needed"):
            print(f"{role}: {status.model}: {status.where}; nothing to download")
            continue
        path = download(role, cfg, args.dir)
        print(f"{role}: {status.model}: saved in {path}")
        if args.dir:
            print(f"{'':<{len(role)}}  to use it, set {role}.model: {path} in models.yaml")
    return EXIT_OK


WARNINGS_SHOWN = 3  # in summary mode, the first few flags are printed whole, then counted


def _report_warnings(warnings, name: str, args: argparse.Namespace) -> None:
    """Flags on stderr: all, none, or a count per kind after the first few (the default)."""
    mode = args.warnings or ("none" if args.quiet else "summary")
    if mode == "none":
        return
    notes = [w for w in warnings if w.kind == "document"]
    flags = [w for w in warnings if w.kind != "document"]
    for note in notes:
        _say("note", f"{name}: {note}")
    shown = flags if mode == "all" or len(flags) <= WARNINGS_SHOWN + 1 else flags[:WARNINGS_SHOWN]
    for warning in shown:
        _say("warning", f"{name}: {warning}")
    if len(shown) < len(flags):
        counts: dict[str, int] = {}
        for warning in flags:
            counts[warning.kind] = counts.get(warning.kind, 0) + 1
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        _say(
            "warning",
            f"{name}: {len(flags)} flags in all: {kinds}; --warnings all, or --format json, for each",
        )


def _check_output_path(output: str | None) -> None:
    """Fail before the models load if the output cannot be written."""
    if output is None:
        return
    from pathlib import Path

    from .errors import OutputError

    path = Path(output)
    if path.is_dir():
        raise OutputError(f"{output}: is a directory; --output needs a file path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{output}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{output}: cannot write in {parent} (permission denied)")


def _emit(text: str, output: str | None) -> None:
    if output:
        from .output import write_atomic

        write_atomic(output, text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


_COLOURS = {"error": "31", "failed": "31", "warning": "33", "note": "36"}


def _say(level: str, message: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    label = f"{level}:"
    if use_colour(stream):
        label = f"\x1b[{_COLOURS.get(level, '0')}m{label}\x1b[0m"
    print(f"translator: {label} {message}", file=stream)


def use_colour(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Colour only for a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Progress:
    """A tqdm bar on stderr, only when a person is watching it (stderr is a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def loading(self, role: str) -> None:
        if self.enabled:
            self._close_bar()
            message = "summarising" if role == "summary" else f"loading the {role} model"
            sys.stderr.write(f"\r\x1b[Ktranslator: {message}...")
            sys.stderr.flush()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage == "summarize":
            self.loading("summary")
            return
        if self.bar is None:
            from tqdm import tqdm

            sys.stderr.write("\r\x1b[K")
            self.bar = tqdm(
                total=total,
                unit="sentence",
                desc="translating",
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        self.bar.update(done - self.bar.n)
        if done >= total:
            self._close_bar()

    def start_documents(self, total: int) -> None:
        if self.enabled and total:
            from tqdm import tqdm

            sys.stderr.write("\r\x1b[K")
            self.bar = tqdm(
                total=total, unit="doc", desc="documents", file=sys.stderr, leave=False, dynamic_ncols=True
            )

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def _close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def close(self) -> None:
        if self.enabled:
            self._close_bar()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _quiet_libraries(show_downloads: bool) -> None:
    # transformers and huggingface_hub write their own advice to stderr; the command speaks for
    # itself. Model download bars stay for a person at a terminal. Set before they are imported.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    if not show_downloads:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _quiet_ray() -> None:
    # Ray's own loggers would print its start-up advice; the batch's summary line says what happened.
    import logging

    for name in ("ray", "ray.data", "ray.util"):
        logging.getLogger(name).setLevel(logging.ERROR)


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
