"""`translator batch`: many documents into one resumable JSONL file."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_FAILURE, EXIT_OK, load_config, load_pipeline
from .console import Progress, check_output_path, quiet_libraries, quiet_ray, say
from .options import (
    Commands,
    add_file_options,
    add_force,
    add_reading_options,
    config_options,
    non_negative_float,
    positive_float,
    positive_int,
    runtime_options,
    summary_options,
)


def add_parser(commands: Commands) -> None:
    config, runtime, summary = config_options(), runtime_options(), summary_options()
    batch = commands.add_parser(
        "batch",
        parents=[config, runtime, summary],
        help="many documents into a JSONL file, or a folder of files into translated files (resumable)",
        description="Translate a directory of .txt/.md/.html files, a JSONL file or a CSV file into "
        "one JSON line per document. Rerunning the same command skips the ids already in OUTPUT.",
    )
    batch.add_argument("input", metavar="INPUT", help="a directory, a .jsonl file or a .csv file")
    where = batch.add_mutually_exclusive_group(required=True)
    where.add_argument("--output", "-o", metavar="OUT.jsonl", help="records are appended here")
    where.add_argument(
        "--output-dir",
        metavar="DIR",
        help="translate INPUT's .docx .pptx .odt .srt .pdf .txt files into the same kind of files here "
        "(NAME.en.SUFFIX at the same relative paths; a record per file in DIR/translator-files.jsonl)",
    )
    add_file_options(batch, "with --output-dir: ")
    batch.add_argument(
        "--overwrite",
        action="store_true",
        help="with --output-dir: replace output files that exist and this batch's records do not name",
    )
    batch.add_argument(
        "--text-field", default="text", metavar="NAME", help="JSONL/CSV field with the text (default: text)"
    )
    batch.add_argument(
        "--id-field",
        default="id",
        metavar="NAME",
        help="JSONL/CSV field with the id (default: id; else the line number)",
    )
    add_reading_options(batch, "how to read each document", "inputs'")
    batch.add_argument("--no-summary", action="store_true", help="translate only")
    batch.add_argument(
        "--pool-docs",
        type=positive_int,
        default=16,
        metavar="N",
        help="documents whose sentences share batches (default: 16)",
    )
    add_force(batch, "a document")
    batch.add_argument(
        "--retry-failed",
        action="store_true",
        help="also redo the documents whose last record in OUTPUT has an error (a new record is appended)",
    )
    batch.add_argument(
        "--mix-configs",
        action="store_true",
        help="append to an OUTPUT whose records were made with another configuration (refused "
        "otherwise: their signatures would differ within one file)",
    )
    _add_engine_options(batch)


def _add_engine_options(batch: argparse.ArgumentParser) -> None:
    """--engine and the Ray engine's options."""
    batch.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (default) or ray: a pool of Ray actors across a cluster (pip install "
        "'translator-id-en[ray]')",
    )
    batch.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="join this Ray cluster (default: RAY_ADDRESS, else start a local Ray)",
    )
    batch.add_argument(
        "--ray-actors",
        type=positive_int,
        default=1,
        metavar="N",
        help="actors, each holding the models once (default: 1)",
    )
    batch.add_argument(
        "--ray-cpus-per-actor",
        type=positive_float,
        default=1.0,
        metavar="C",
        help="CPUs reserved per actor (default: 1)",
    )
    batch.add_argument(
        "--ray-gpus-per-actor",
        type=non_negative_float,
        default=0.0,
        metavar="G",
        help="GPUs reserved per actor (default: 0)",
    )
    batch.add_argument(
        "--ray-num-cpus",
        type=positive_int,
        metavar="N",
        help="CPUs of a local Ray started here (default: all)",
    )


def run_batch(args: argparse.Namespace) -> int:
    from ..batch.items import count_items, read_items
    from ..batch.resume import ResumeState

    if args.output_dir:
        return run_file_batch(args)
    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    quiet_libraries(show_downloads=progress.enabled)
    config = load_config(args)
    # Records are appended, never replaced: a file that is not this tool's records is refused when
    # it is read (ResumeState); the input itself never.
    check_output_path(args.output, (args.input,), overwrite=True)
    items = read_items(
        args.input, args.text_field, args.id_field, args.input_format, args.encoding
    )  # read as the batch goes
    state = ResumeState.repair_and_read(args.output)  # before anything loads
    if progress.enabled:
        done = sum(1 for failed in state.done.values() if not (failed and args.retry_failed))
        progress.start_documents(max(0, count_items(args.input) - done))

    summarize = not args.no_summary
    on_skip = None if args.quiet else lambda message: say("warning", message)
    common = dict(
        state=state, summarize=summarize, pool_docs=args.pool_docs, force=args.force,
        on_document=progress.advance, on_skip=on_skip, retry_failed=args.retry_failed,
        mix_configs=args.mix_configs,
    )  # fmt: skip
    if args.engine == "ray":
        from ..batch.ray_engine import RayOptions, run_batch_ray

        quiet_ray()
        options = RayOptions(
            args.ray_address,
            args.ray_actors,
            args.ray_cpus_per_actor,
            args.ray_gpus_per_actor,
            args.ray_num_cpus,
        )
        stats = run_batch_ray(config, items, args.output, options, **common)
    else:
        from ..batch.local import run_batch

        # Loaded when the first pending pool comes: a finished batch reruns without loading models.
        stats = run_batch(
            lambda: load_pipeline(config, progress, summarize=summarize),
            items,
            args.output,
            on_progress=progress.update,
            **common,
        )
    progress.close()
    if not args.quiet:
        for failure in stats.failures:
            say("failed", failure)
    print(f"translator: batch: {stats.line()}", file=sys.stderr)
    return EXIT_FAILURE if stats.any_failed else EXIT_OK


def run_file_batch(args: argparse.Namespace) -> int:
    """--output-dir: a folder of files into a folder of translated files."""
    from pathlib import Path

    from ..batch.files import list_files, plan_outputs, run_file_batch
    from ..errors import InputError

    root, target = Path(args.input), Path(args.output_dir)
    if not root.is_dir():
        raise InputError(f"{root}: --output-dir needs a directory of files as INPUT")
    files = list_files(root, skip=target)
    if not files:
        raise InputError(f"{root}: no .docx, .pptx, .odt, .srt, .pdf or .txt files in this directory")
    if not args.quiet:
        for path, out in plan_outputs(files, root, target, "." + args.pdf_as).items():
            if not out.name.startswith(f"{path.stem}.en."):  # renamed: another input has the plain name
                say(
                    "note",
                    f"{path.relative_to(root)} -> {out.relative_to(target)} (two inputs would share a name)",
                )
    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    quiet_libraries(show_downloads=progress.enabled)
    config = load_config(args)
    place = "none" if args.no_summary else args.summary_in

    def told(name: str, error: str | None) -> None:
        progress.advance(1)
        if error and not args.quiet:
            say("failed", f"{name}: {error}")

    progress.start_documents(len(files))
    stats = run_file_batch(
        lambda: load_pipeline(config, progress, summarize=place != "none"),
        root,
        args.output_dir,
        summary=place,
        pdf_as="." + args.pdf_as,
        force=args.force,
        retry_failed=args.retry_failed,
        on_file=told,
        encoding=args.encoding,
        input_format=args.input_format,
        overwrite=args.overwrite,
    )
    progress.close()
    print(f"translator: batch: {stats.line()}", file=sys.stderr)
    return EXIT_FAILURE if stats.any_failed else EXIT_OK
