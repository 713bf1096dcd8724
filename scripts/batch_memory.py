#!/usr/bin/env python3
"""Peak memory of `translator batch` against the size of the corpus: it should not grow with it.

Builds the tiny test models, writes JSONL corpora of each size (short news-like documents), and
runs `translator batch` on each in a fresh process with the `fast` profile's settings (greedy
CTranslate2 int8, extractive summary; converted once by a warm-up run that is not measured). The
peak RSS of that process (its own ru_maxrss, from wait4) is reported per
size; the batch streams its inputs, so the figures should be about the same for every size.

    python scripts/batch_memory.py [--sizes 5000,50000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE_TEXTS = [
    ROOT / "examples" / "bus-listrik-bandung.id.txt",
    ROOT / "tests" / "data" / "berita-20-baris.id.txt",
]


def write_corpus(path: Path, documents: int, seed: int = 0) -> None:
    """``documents`` JSONL records of one to three real sentences of the project's texts."""
    from translator.text.segment import split_sentences

    sentences = [
        s.text
        for p in SOURCE_TEXTS
        for s in split_sentences(p.read_text(encoding="utf-8"))
        if len(s.text) > 30
    ]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(documents):
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3)))
            handle.write(json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n")


def fast_config(marian: Path, bart: Path) -> str:
    from translator.testing.tiny import tiny_config_text

    head, _ = tiny_config_text(marian, bart).split("summarization:\n")
    head = head.replace("    max_new_tokens: 8\n", "    max_new_tokens: 4\n").replace(
        "  batch_size: 8\n", "  batch_size: 32\n"
    )
    return head.replace("  backend: transformers\n", "  backend: ctranslate2\n") + (
        "summarization:\n  method: extractive\ncache: null\n"
    )


# Runs `translator ARGS` and then writes the process's VmHWM: the high-water mark of its own
# memory since exec (ru_maxrss would also count the pages of the parent it was forked from).
_PROBE = (
    "import sys\n"
    "from translator.cli import main\n"
    "report, sys.argv = sys.argv[1], ['translator', *sys.argv[2:]]\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    open(report, 'w').write(next(l for l in status.splitlines() if l.startswith('VmHWM')).split()[1])\n"
    "sys.exit(code)\n"
)


def peak_rss_mb(args: list[str], report: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of one `translator ARGS` process."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *args],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    return int(report.read_text()) / 1024, time.perf_counter() - started, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="5000,50000", help="corpus sizes in documents (default: 5000,50000)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from translator.testing.tiny import build_bart, build_marian, generated_lines

    rows = []
    with tempfile.TemporaryDirectory(prefix="translator-batch-memory-") as work_dir:
        work = Path(work_dir)
        indonesian, english = generated_lines("\n".join(p.read_text(encoding="utf-8") for p in SOURCE_TEXTS))
        marian, bart = build_marian(work / "marian", indonesian), build_bart(work / "bart", english)
        config = work / "fast.yaml"
        config.write_text(fast_config(marian, bart), encoding="utf-8")
        os.environ["TRANSLATOR_CACHE"] = str(work / "cache")  # this script's conversions only
        warm = work / "warm.jsonl"
        write_corpus(warm, 1)
        peak_rss_mb(
            [
                "batch",
                str(warm),
                "--output",
                str(work / "warm-out.jsonl"),
                "--config",
                str(config),
                "--quiet",
            ],
            work / "rss",
        )
        for size in (int(s) for s in args.sizes.split(",")):
            corpus, out = work / f"corpus-{size}.jsonl", work / f"out-{size}.jsonl"
            write_corpus(corpus, size)
            command = ["batch", str(corpus), "--output", str(out), "--config", str(config), "--quiet"]
            rss, seconds, code = peak_rss_mb(command, work / "rss")
            written = sum(1 for _ in out.open(encoding="utf-8"))
            rows.append(
                {
                    "documents": size,
                    "corpus_mb": round(corpus.stat().st_size / 1e6, 1),
                    "peak_rss_mb": round(rss),
                    "seconds": round(seconds, 1),
                    "records": written,
                    "exit": code,
                }
            )
            print(
                f"{size:>7} documents ({rows[-1]['corpus_mb']} MB): peak RSS {rss:.0f} MB, {seconds:.0f} s, "
                f"{written} records, exit {code}",
                flush=True,
            )
    if args.json:
        args.json.write_text(
            json.dumps({"python": sys.version.split()[0], "cpus": os.cpu_count(), "runs": rows}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
