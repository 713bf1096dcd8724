#!/usr/bin/env python3
"""Compare translator's Indonesian sentence splitter with sentencex, pysbd and blingfire.

Scores every splitter on the same golden file (tests/data/segmentation_id.txt by default):
boundary precision / recall / F1, cases split exactly right, cases where characters were lost or
invented, and speed in MB of text per second on one thread. Splitters that are not installed are
listed as skipped (pip install sentencex pysbd blingfire).

    python scripts/compare_splitters.py [--golden FILE] [--json OUT.json] [--splitters ours,pysbd]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.testing.golden import Case, read_cases  # noqa: E402

Splitter = Callable[[str], list[str]]


def _ours() -> Splitter:
    from translator.text.segment import split_sentences

    return lambda text: [s.text for s in split_sentences(text)]


def _naive() -> Splitter:
    """A baseline that splits after every . ! or ? followed by whitespace."""
    pattern = re.compile(r"(?<=[.!?])\s+")
    return lambda text: [s for line in text.splitlines() for s in pattern.split(line) if s.strip()]


def _sentencex() -> Splitter:
    from sentencex import segment

    return lambda text: list(segment("id", text))


def _pysbd() -> Splitter:
    import pysbd  # no Indonesian rules: English ones, as people use it

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return lambda text: [s for line in text.splitlines() for s in segmenter.segment(line)]


def _blingfire() -> Splitter:
    import blingfire

    return lambda text: blingfire.text_to_sentences(text).split("\n")


SPLITTERS: dict[str, Callable[[], Splitter]] = {
    "ours": _ours,
    "sentencex": _sentencex,
    "pysbd": _pysbd,
    "blingfire": _blingfire,
    "naive": _naive,
}


@dataclass
class Score:
    splitter: str
    precision: float
    recall: float
    f1: float
    exact_cases: int
    cases: int
    cases_with_lost_or_invented_chars: int
    mb_per_s: float
    wrong: list[str]


def boundaries(sentences: list[str]) -> tuple[set[int], str]:
    """Sentence ends as counts of non-space characters before them, and the non-space text."""
    ends, count, chars = set(), 0, []
    for sentence in sentences:
        kept = re.sub(r"\s+", "", sentence)
        chars.append(kept)
        count += len(kept)
        if kept:
            ends.add(count)
    ends.discard(count)  # the end of the text is not a decision
    return ends, "".join(chars)


def score(name: str, split: Splitter, cases: list[Case], corpus: str, repeats: int) -> Score:
    tp = fp = fn = exact = damaged = 0
    wrong = []
    for case in cases:
        predicted, predicted_chars = boundaries(split(case.text))
        gold, gold_chars = boundaries(case.expected)
        if predicted_chars != re.sub(r"\s+", "", case.text):
            damaged += 1
        tp += len(predicted & gold)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
        if predicted == gold:
            exact += 1
        else:
            wrong.append(case.id)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        split(corpus)
        times.append(time.perf_counter() - started)
    mb = len(corpus.encode("utf-8")) / 1e6
    return Score(
        name,
        round(precision, 4),
        round(recall, 4),
        round(f1, 4),
        exact,
        len(cases),
        damaged,
        round(mb / statistics.median(times), 2),
        wrong,
    )


def speed_corpus(cases: list[Case], megabytes: float) -> str:
    """The golden inputs and the example article, repeated to about ``megabytes`` of text."""
    pieces = [c.text for c in cases] + [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))
    ]
    block = "\n\n".join(pieces)
    times = max(1, int(megabytes * 1e6 / len(block.encode("utf-8"))))
    return "\n\n".join([block] * times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=ROOT / "tests" / "data" / "segmentation_id.txt")
    parser.add_argument(
        "--splitters", default=",".join(SPLITTERS), help="comma-separated, from: " + ", ".join(SPLITTERS)
    )
    parser.add_argument(
        "--speed-mb", type=float, default=2.0, help="MB of text for the speed run (default 2)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="speed runs per splitter; the median is reported"
    )
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)

    cases = read_cases(args.golden)
    corpus = speed_corpus(cases, args.speed_mb)
    scores, skipped = [], []
    for name in args.splitters.split(","):
        if name not in SPLITTERS:
            parser.error(f"unknown splitter {name!r}; choose from {', '.join(SPLITTERS)}")
        try:
            split = SPLITTERS[name]()
        except ImportError as e:
            skipped.append(f"{name} ({e.name or e}: pip install {name})")
            continue
        scores.append(score(name, split, cases, corpus, args.repeats))

    print(
        f"{len(cases)} cases from {args.golden}; speed on {len(corpus.encode()) / 1e6:.1f} MB, one thread, "
        f"median of {args.repeats}"
    )
    print(f"{'splitter':<10} {'P':>7} {'R':>7} {'F1':>7} {'exact':>9} {'damaged':>8} {'MB/s':>7}")
    for s in scores:
        print(
            f"{s.splitter:<10} {s.precision:>7.4f} {s.recall:>7.4f} {s.f1:>7.4f} "
            f"{s.exact_cases:>4}/{s.cases:<4} {s.cases_with_lost_or_invented_chars:>8} {s.mb_per_s:>7.2f}"
        )
    for s in scores:
        if s.wrong:
            print(f"{s.splitter} wrong on: {', '.join(s.wrong)}")
    for line in skipped:
        print(f"skipped: {line}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"cases": len(cases), "scores": [asdict(s) for s in scores], "skipped": skipped}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
