"""`translator memory`: the translation memory and people's corrections (stats, clear, TMX export
and import, corrections). `translator cache` is the old name, kept as an alias."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import EXIT_OK, EXIT_USAGE, load_config
from .console import say
from .options import Commands, config_options

if TYPE_CHECKING:
    from ..memory.store import TranslationMemory

ACTIONS = {
    "stats": "entries, corrections, size and hit rate",
    "clear": "delete the model translations (a TMX backup first); corrections only with --corrections",
    "export": "write the memory and the corrections to a TMX 1.4 file",
    "import": "add a TMX file's Indonesian-English units (in one transaction; idempotent)",
    "corrections": "list people's corrections, newest first",
    "correct": "record a correction: this sentence is to be translated so from now on",
}


def add_parser(commands: Commands) -> None:
    config = config_options()
    memory = commands.add_parser(
        "memory",
        aliases=["cache"],
        help="the translation memory and corrections: stats, clear, export, import, corrections, correct",
        description="The translation memory (a SQLite file of sentence translations) and the corrections "
        "people made, which take precedence over any model.",
    )
    actions = memory.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in ACTIONS.items():
        action = actions.add_parser(name, parents=[config], help=text, description=text)
        action.add_argument("--cache", metavar="FILE", help="this memory file instead of the configured one")
        if name == "clear":
            action.add_argument(
                "--corrections",
                action="store_true",
                help="also delete people's corrections (asked for on a terminal; elsewhere needs --yes)",
            )
            action.add_argument("--yes", action="store_true", help="delete corrections without asking")
        if name in ("export", "import"):
            action.add_argument("file", metavar="FILE.tmx")
        if name == "import":
            action.add_argument(
                "--force", action="store_true", help="take units that fail the checks of memory correct too"
            )
        if name == "corrections":
            action.add_argument(
                "--history", action="store_true", help="every correction, not only the latest"
            )
        if name == "correct":
            action.add_argument("source", metavar="SOURCE", help="the Indonesian sentence")
            action.add_argument("translation", metavar="TRANSLATION", help="its English translation")
            action.add_argument(
                "--force", action="store_true", help="keep it even if it loses or adds a number of the source"
            )


def run_memory(args: argparse.Namespace) -> int:
    from ..memory.store import TranslationMemory, default_path

    config = load_config(args)
    path = args.cache or (default_path() if config.cache == "default" else config.cache)
    if path is None:
        message = f"no translation memory: cache is null in {config.source} (or pass --cache FILE)"
        if args.action in ("import", "correct"):
            say("error", message)
            return EXIT_USAGE
        print(message)
        return EXIT_OK
    memory = TranslationMemory(path, config.cache_max_mb)
    for note in memory.notes:
        say("warning", note)
    try:
        return _act(args, memory, config.cache_max_mb)
    finally:
        memory.close()


def _clear(args: argparse.Namespace, memory: TranslationMemory, corrected: int) -> int:
    """Model translations can be made again; corrections are people's work: deleted only when
    named, confirmed, and after a backup that ``translator memory import`` restores."""
    import sys
    import time

    from ..errors import InputError
    from ..memory.tmx import export_memory

    if args.corrections and corrected and not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise InputError(
                f"memory clear --corrections would delete {corrected:,} correction(s) people made; "
                "add --yes to confirm (a TMX backup is written first)"
            )
        answer = input(f"Delete {corrected:,} correction(s) people made? A backup is kept. Type yes: ")
        if answer.strip().lower() != "yes":
            print("nothing deleted")
            return EXIT_OK
    if not memory.stats().entries and not corrected:
        print(f"{memory.path} is empty: nothing to clear")
        return EXIT_OK
    backups = memory.path.parent / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    backup = backups / f"{memory.path.stem}-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6}.tmx"
    written, _ = export_memory(memory, backup)
    print(f"backup: {written:,} translation units written to {backup} (translator memory import restores it)")
    count = memory.clear(corrections=args.corrections)
    kept = "" if args.corrections or not corrected else f"; kept {corrected:,} correction(s) (--corrections)"
    print(f"cleared {count:,} entries from {memory.path}{kept}")
    return EXIT_OK


def _act(args: argparse.Namespace, memory: TranslationMemory, max_mb: float) -> int:
    from ..memory.store import Corrections
    from ..memory.tmx import export_memory, import_memory
    from ..models.hub import human_size

    corrections = Corrections(memory)
    if args.action == "clear":
        return _clear(args, memory, len(corrections.all(history=True)))
    elif args.action == "export":
        written, unknown = export_memory(memory, args.file)
        left = f"; {unknown:,} older entries have no source text kept and were left out" if unknown else ""
        print(f"wrote {written:,} translation units to {args.file}{left}")
    elif args.action == "import":
        count = import_memory(memory, args.file, force=args.force)
        print(f"imported {args.file}: {count.line()}")
    elif args.action == "corrections":
        for c in corrections.all(history=args.history):
            print(f"{c.id}\t{c.who}\t{c.source}\t{c.translation}")
    elif args.action == "correct":
        made = corrections.add(args.source, args.translation, force=args.force)
        print(f"correction {made.id} recorded in {memory.path}")
    else:
        stats = memory.stats()
        print(
            f"{stats.path}\n{stats.entries:,} entries, {len(corrections.all()):,} corrected sentences, "
            f"{human_size(stats.bytes)} (at most {max_mb:g} MB)"
        )
        print(f"{stats.hits:,} hits, {stats.misses:,} misses: hit rate {stats.hit_rate:.0%}")
    return EXIT_OK
