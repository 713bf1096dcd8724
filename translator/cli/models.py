"""`translator models list|download|clear-cache`."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK, load_config
from .console import quiet_libraries
from .options import Commands, config_options


def add_parser(commands: Commands) -> None:
    config = config_options()
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
        description="Delete the CTranslate2 conversions in $TRANSLATOR_CACHE/ct2 (default "
        "~/.cache/translator/ct2). "
        "They are made again, once, the next time a model loads. The Hugging Face download cache is left "
        "alone.",
    )


def run_models(args: argparse.Namespace) -> int:
    from ..models.hub import clear_converted, configured_models, download, human_size, model_status

    if args.models_command == "clear-cache":
        root, freed = clear_converted()
        print(
            f"removed {root} ({human_size(freed)})"
            if freed
            else f"nothing to remove: no conversions in {root}"
        )
        return EXIT_OK
    config = load_config(args)
    if args.models_command == "list":
        rows = [model_status(role, cfg) for role, cfg in configured_models(config)]
        print(f"config: {config.source} (from {config.found_by})\nprofile: {config.profile}")
        for s in rows:
            label = f"{s.model}@{s.revision}" if s.revision else s.model
            print(
                f"{s.role:<14} {label}\n{'':<14} {s.where}, "
                f"{human_size(s.size_bytes)}{'  ' + s.path if s.path else ''}"
            )
            if s.converted:
                print(f"{'':<14} CTranslate2: {s.converted}")
        return EXIT_OK
    quiet_libraries(show_downloads=not args.quiet and sys.stderr.isatty())
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
