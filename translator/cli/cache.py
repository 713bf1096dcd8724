"""`translator cache stats|clear`: the translation memory."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, load_config
from .console import say
from .options import config_options


def add_parser(commands) -> None:
    config = config_options()
    memory = commands.add_parser(
        "cache",
        help="the translation memory: stats or clear",
        description="The translation memory (a SQLite file of sentence translations).",
    )
    memory_commands = memory.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    for name, text in (("stats", "entries, size and hit rate"), ("clear", "delete every entry")):
        action = memory_commands.add_parser(name, parents=[config], help=text)
        action.add_argument("--cache", metavar="FILE", help="this file instead of the configured one")


def run_cache(args: argparse.Namespace) -> int:
    from ..memory import TranslationMemory, default_path
    from ..models.hub import human_size

    config = load_config(args)
    if config.cache is None:
        print(f"no translation memory: cache is null in {config.source}")
        return EXIT_OK
    path = default_path() if config.cache == "default" else config.cache
    memory = TranslationMemory(path, config.cache_max_mb)
    for note in memory.notes:
        say("warning", note)
    if args.cache_command == "clear":
        print(f"cleared {memory.clear():,} entries from {path}")
        return EXIT_OK
    stats = memory.stats()
    print(
        f"{stats.path}\n{stats.entries:,} entries, {human_size(stats.bytes)} (at most "
        f"{config.cache_max_mb:g} MB)"
    )
    print(f"{stats.hits:,} hits, {stats.misses:,} misses: hit rate {stats.hit_rate:.0%}")
    return EXIT_OK
