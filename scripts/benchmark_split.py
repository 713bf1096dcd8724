#!/usr/bin/env python3
"""How the cost of one long paragraph grows with its length: 80,000 and 320,000 characters,
punctuated and not, translated whole with the tiny test models (no summary, no translation
memory), the time inside ``split_to_budget`` measured apart. Median of --repeats runs, in one
process, alone on the machine.

Targets (issue 35): 320,000 characters cost at most 4.5x 80,000, punctuated or not, and splitting
is under 10% of a run's time at either size.

    python scripts/benchmark_split.py [--repeats 3] [--json benchmarks/DATE-split.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = (80_000, 320_000)


def paragraph(chars: int, punctuated: bool) -> str:
    """One paragraph (no line break) of ``chars`` characters in the example article's words, drawn
    at random (seeded) so that no stretch repeats: every piece is the model's work, as in a real
    long text, not the translation memory's."""
    import random

    text = (ROOT / "examples" / "bus-listrik-bandung.id.txt").read_text(encoding="utf-8")
    words = text.split() if punctuated else [w.strip(".,;:!?\"'()") for w in text.split()]
    rng = random.Random(chars)
    out, size = [], 0
    while size < chars:
        word = rng.choice(words)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:chars]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--with-memory",
        action="store_true",
        help="keep the translation memory, as the runs before 2026-12-07's last measured: a repeat then "
        "finds every piece there and costs less, so splitting's share looks larger",
    )
    args = parser.parse_args(argv)

    import translator.engine.prepare as prepare
    from translator import Pipeline
    from translator.config import load_config
    from translator.engine.prepare import split_to_budget as original  # noqa: F401 - the name prepare.py calls
    from translator.testing.tiny import build_tiny_setup

    inside = [0.0]

    def timed(*a, **k):
        started = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            inside[0] += time.perf_counter() - started

    prepare.split_to_budget = timed
    rows = []
    with tempfile.TemporaryDirectory(prefix="translator-split-") as work:
        os.environ["TRANSLATOR_CACHE"] = str(Path(work) / "cache")
        config = load_config(build_tiny_setup(Path(work)))
        # No translation memory: a repeat would otherwise find every piece there, and every run is
        # to be the model's work, as a new long text is.
        pipeline = Pipeline.from_config(
            config if args.with_memory else config.with_changes({"cache": None}), summarize=False
        )
        pipeline(paragraph(2_000, True), summarize=False, force=True)  # warm
        ratios = {}
        for punctuated in (True, False):
            kind = "punctuated" if punctuated else "unpunctuated"
            texts = {chars: paragraph(chars, punctuated) for chars in SIZES}
            runs: dict[int, list[float]] = {chars: [] for chars in SIZES}
            splits: dict[int, list[float]] = {chars: [] for chars in SIZES}
            segments = {}
            # The sizes alternate, so that a slower minute of a shared machine weighs on both alike;
            # the ratio is the median of each repeat's own ratio.
            for _ in range(args.repeats):
                for chars in SIZES:
                    inside[0] = 0.0
                    started = time.perf_counter()
                    result = pipeline(texts[chars], summarize=False, force=True)
                    runs[chars].append(time.perf_counter() - started)
                    splits[chars].append(inside[0])
                    segments[chars] = len(result.segments)
            for chars in SIZES:
                run, split = statistics.median(runs[chars]), statistics.median(splits[chars])
                rows.append({
                    "punctuated": punctuated, "chars": chars, "segments": segments[chars],
                    "run_s": round(run, 3), "split_s": round(split, 3), "split_share": round(split / run, 3),
                    "split_shares": [round(s / r, 3) for s, r in zip(splits[chars], runs[chars])],
                })  # fmt: skip
                print(f"{kind:<13} {chars:>8,} chars: {run:7.2f} s, splitting {split:6.2f} s "
                      f"({100 * split / run:4.1f}%)", flush=True)  # fmt: skip
            each = [large / small for small, large in zip(runs[SIZES[0]], runs[SIZES[1]])]
            ratios[kind] = round(statistics.median(each), 2)
        pipeline.close()
    targets = {
        "320k costs at most 4.5x 80k": all(v <= 4.5 for v in ratios.values()),
        "splitting under 10% of a run": all(r["split_share"] < 0.10 for r in rows),
    }
    print(f"320,000 / 80,000 characters: {ratios}; targets: {targets}")
    if args.json:
        report = {"rows": rows, "ratios": ratios, "targets": targets, "repeats": args.repeats,
                  "cpus": os.cpu_count(), "models": "the tiny test models",
                  "translation_memory": args.with_memory}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
