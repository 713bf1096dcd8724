#!/usr/bin/env python3
"""What keeping freed memory in the heap (translator/models/_allocator.py) is worth: the full-size
load test's articles through ``translator batch``, with glibc's defaults (``TRANSLATOR_MALLOC=system``)
and with the tuning, alternated, --repeats runs each, in one run of this script. Alone on the machine.
Reports each run's own batch seconds (model loading excluded) and the CPU seconds the kernel took.

    python scripts/benchmark_allocator.py [--articles 16] [--repeats 3] [--json benchmarks/DATE-alloc.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from load_test import articles, build_config, run_batch, write_corpus

    with tempfile.TemporaryDirectory(prefix="translator-alloc-") as work_dir:
        work = Path(work_dir)
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        config = build_config(work, full_size=True)
        corpus = write_corpus(articles(args.articles), work / "corpus.jsonl")
        runs: dict[str, list[dict]] = {"system": [], "tuned": []}
        for repeat in range(args.repeats):
            for malloc in ("system", "tuned"):  # alternated: drift on the machine falls on both
                run = run_batch(config, corpus, work / "out.jsonl", {"TRANSLATOR_MALLOC": malloc})
                row = {
                    "batch_s": run["seconds"],
                    "user_s": round(run["user_s"], 1),
                    "kernel_s": round(run["kernel_s"], 1),
                }
                runs[malloc].append(row)
                print(f"run {repeat + 1} {malloc:<6} {row}", flush=True)
    median = {k: statistics.median(r["batch_s"] for r in rows) for k, rows in runs.items()}
    report = {
        "what": f"translator batch, {args.articles} load-test articles, full-size random-weight models",
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "runs": runs,
        "median_batch_s": median,
        "speedup": round(median["system"] / median["tuned"], 3),
    }
    print(json.dumps({k: report[k] for k in ("median_batch_s", "speedup")}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
