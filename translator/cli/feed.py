"""`translator feed URL...`: new items of RSS/Atom feeds translated and summarised into a digest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import EXIT_FAILURE, EXIT_OK, load_config, load_pipeline
from .console import Progress, quiet_libraries, say
from .options import Commands, add_force, config_options, positive_int, runtime_options, time_zone

if TYPE_CHECKING:
    from ..documents.feeds import Item
    from ..engine.pipeline import Pipeline


def add_parser(commands: Commands) -> None:
    feed = commands.add_parser(
        "feed",
        parents=[config_options(), runtime_options()],
        help="translate the new items of news feeds into a digest",
        description="Read RSS/Atom feeds, fetch each new item's article, translate and summarise it, and "
        "write a digest (digest.md, digest.html, digest.json) newest first, each item's full translation "
        "under items/. A rerun processes only new items; failed ones are tried again.",
    )
    feed.add_argument(
        "urls", nargs="+", metavar="URL", help="feed addresses (http or https), or saved feed files"
    )
    feed.add_argument(
        "--out", "-o", required=True, metavar="DIR", help="the digest's folder (made if missing)"
    )
    feed.add_argument(
        "--max-attempts",
        type=positive_int,
        default=3,
        metavar="N",
        help="give up on an item after N failed tries (default: 3; it stays listed with its reason)",
    )
    add_force(feed, "an item")
    feed.add_argument(
        "--timezone",
        type=time_zone,
        metavar="ZONE",
        help="the digest's times in this IANA zone, e.g. Asia/Jakarta (default: this machine's zone)",
    )


def run_feed(args: argparse.Namespace) -> int:
    from ..documents.feeds import run_feeds

    progress = Progress(enabled=not args.quiet and sys.stderr.isatty())
    quiet_libraries(show_downloads=progress.enabled)
    config = load_config(args)

    def pipeline() -> Pipeline:
        return load_pipeline(config, progress)

    def told(item: Item) -> None:
        if not args.quiet:
            state = "translated" if item.status == "done" else f"failed ({item.error})"
            say("note", f"{item.link or item.id}: {state}")

    count = run_feeds(
        args.urls,
        Path(args.out),
        pipeline,
        max_attempts=args.max_attempts,
        force=args.force,
        on_item=told,
        zone=args.timezone,
    )
    progress.close()
    for error in count.feed_errors:
        say("error", error)
    retried = count.failed - count.given_up
    failed = f"{count.failed} failed"
    if count.failed:
        fates = [f"{retried} to be tried again next run"] if retried else []
        fates += [f"{count.given_up} given up after {args.max_attempts} tries"] if count.given_up else []
        failed += f" ({', '.join(fates)})"
    digest = f"digest in {Path(args.out) / 'digest.md'}" if count.feeds else "nothing written"
    print(
        f"translator: feed: {count.feeds} feed(s) read, {count.new} new item(s), {count.done} translated, "
        f"{failed}, {count.skipped} already done; {digest}",
        file=sys.stderr,
    )
    return EXIT_FAILURE if count.failed or count.feed_errors else EXIT_OK
