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
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def run_batch(config: Path, corpus: Path, out: Path, malloc: str) -> dict:
    """One ``translator batch`` run: its own seconds (from its summary line) and the child's CPU time."""
    out.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSLATOR_MALLOC": malloc}
    proc = subprocess.run(
        [sys.executable, "-m", "translator", "batch", str(corpus), "--output", str(out), "--config", str(config), "--quiet"],  # noqa: E501
        capture_output=True, text=True, timeout=1800, env=env, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = proc.stderr.strip().splitlines()[-1]  # "... N sentences, S s": model load excluded
    seconds = float(line.rsplit(", ", 1)[-1].removesuffix(" s"))
    return {
        "batch_s": seconds,
        "user_s": round(after.ru_utime - before.ru_utime, 1),
        "kernel_s": round(after.ru_stime - before.ru_stime, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from load_test import articles, build_config

    with tempfile.TemporaryDirectory(prefix="translator-alloc-") as work_dir:
        work = Path(work_dir)
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")
        config = build_config(work, full_size=True)
        corpus = work / "corpus.jsonl"
        corpus.write_text(
            "".join(json.dumps({"id": f"a{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(articles(args.articles))),  # noqa: E501
            encoding="utf-8",
        )  # fmt: skip
        runs: dict[str, list[dict]] = {"system": [], "tuned": []}
        for repeat in range(args.repeats):
            for malloc in ("system", "tuned"):  # alternated: drift on the machine falls on both
                row = run_batch(config, corpus, work / "out.jsonl", malloc)
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
