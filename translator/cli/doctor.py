"""`translator doctor`: is this installation ready for its configuration, and what to do if not.

Each check prints one line (ok, note, FAIL) and, when something is to be done, the fix. The last
check builds tiny models in a temporary directory and runs the whole pipeline on them: it shows
the code works on this machine even where the real models are missing. The only command that
imports translator.testing, for that run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .common import EXIT_FAILURE, EXIT_OK
from .options import Commands, config_options

if TYPE_CHECKING:
    from .diagnose import Check


def add_parser(commands: Commands) -> None:
    doctor = commands.add_parser(
        "doctor",
        parents=[config_options()],
        help="check the installation: packages, models, memory, caches, CPU, and a tiny end-to-end run",
        description="Check that everything the configuration needs is ready, and say what to do "
        "when it is not. Exit 0 when it is all ready, 1 otherwise.",
    )
    doctor.add_argument(
        "--no-run", action="store_true", help="skip the end-to-end run on tiny models (saves ~10 s)"
    )
    doctor.add_argument(
        "--database",
        metavar="URL",
        help="also check the PostgreSQL database replicas share: the connection and its schema version "
        "(default: $TRANSLATOR_DATABASE_URL, else models.yaml's database)",
    )


def run_doctor(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..database import database_url
    from ..errors import TranslatorError, first_line
    from ..models.hub import hub_unreachable_reason
    from . import diagnose
    from .console import quiet_libraries

    quiet_libraries(show_downloads=False)
    checks = diagnose.versions()
    try:
        config = load_config(args.config, profile=args.profile)
    except TranslatorError as e:
        checks.append(
            diagnose.Check(
                "config",
                diagnose.FAIL,
                first_line(e),
                "correct the key it names, then run translator doctor again",
            )
        )
    else:
        checks.append(
            diagnose.Check(
                "config", diagnose.OK, f"{config.source} (from {config.found_by}), profile {config.profile}"
            )
        )
        checks += diagnose.models(config, hub_unreachable_reason)
        url = database_url(args.database) or config.database
        checks.append(diagnose.database(url) if url else diagnose.memory(config))
    checks += diagnose.cache_directories()
    checks.append(diagnose.cpu())
    if not args.no_run:
        print("translator doctor: building tiny models for an end-to-end run...", file=sys.stderr, flush=True)
        checks.append(end_to_end())
    for check in checks:
        show(check)
    failed = [c for c in checks if c.status == diagnose.FAIL]
    if failed:
        names = ", ".join(c.name for c in failed)
        print(f"\n{len(failed)} not ready ({names}): make the fixes above, then run translator doctor again")
        return EXIT_FAILURE
    print("\neverything the configuration needs is ready")
    return EXIT_OK


def show(check: Check) -> None:
    label = "FAIL" if check.status == "fail" else check.status
    print(f"{label:<5} {check.name:<17} {check.detail}")
    if check.fix:
        print(f"{'':<5} {'':<17} fix: {check.fix}")


def end_to_end() -> Check:
    """Tiny models built in a temporary directory, then one text through segmentation,
    translation (CTranslate2 when it is installed, as by default) and a summary."""
    from ..engine.pipeline import Pipeline
    from ..errors import first_line
    from ..models.ct2 import available
    from ..testing.tiny import SAMPLE_ID, build_tiny_setup
    from .diagnose import FAIL, OK, Check

    backend = "ctranslate2" if available() else "transformers"
    saved = os.environ.get("TRANSLATOR_CACHE")
    try:
        with tempfile.TemporaryDirectory(prefix="translator-doctor-") as work:
            os.environ["TRANSLATOR_CACHE"] = str(
                Path(work) / "cache"
            )  # the tiny conversion goes away with it
            started = time.perf_counter()
            pipeline = Pipeline.from_config(build_tiny_setup(Path(work), backend))
            built = time.perf_counter() - started
            started = time.perf_counter()
            result = pipeline(SAMPLE_ID)
            ran = time.perf_counter() - started
    except Exception as e:  # noqa: BLE001 - whatever breaks here is what the check reports
        fix = "pip install --force-reinstall translator-id-en; if it stays, report this line"
        return Check("end to end", FAIL, f"tiny models: {type(e).__name__}: {first_line(e)}", fix)
    finally:
        if saved is None:
            os.environ.pop("TRANSLATOR_CACHE", None)
        else:
            os.environ["TRANSLATOR_CACHE"] = saved
    if not result.segments or not all(s.translation.strip() for s in result.segments) or not result.summary:
        return Check(
            "end to end", FAIL, "tiny models: a sentence or the summary came back empty", "report this"
        )
    return Check(
        "end to end",
        OK,
        f"tiny models ({backend}) built and loaded in {built:.1f} s; {len(result.segments)} sentences "
        f"translated and summarised in {ran:.2f} s (random weights: nonsense words, real steps)",
    )
