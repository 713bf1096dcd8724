#!/usr/bin/env python3
"""What the per-sentence confidence costs: translation time with it against the same code with the
scores left unread, in one run, on each backend.

Full-size opus-mt-id-en Marian shape with random weights (cost depends on shape, not values),
the default profile's decoding (4 beams, 4 candidates) and greedy, fixed output lengths (32 new
tokens), one Translator per backend. "Without" removes only the score reading: transformers runs
without the recording logits processor, CTranslate2 without return_scores. Each figure is the
median of --repeats runs, interleaved (without, with, without, with, ...).

    python scripts/benchmark_confidence.py [--repeats 5] [--json out.json] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import NEW_TOKENS, build_models, make_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = 32


class _Unread:
    """A logits processor that records nothing: generate() as it ran before confidence existed."""

    steps: list = []

    def __call__(self, input_ids, scores):
        return scores


class _NoScores:
    """A CTranslate2 translator that is never asked for scores."""

    def __init__(self, inner):
        self.inner = inner

    def translate_batch(self, sources, **options):
        options.pop("return_scores", None)
        return self.inner.translate_batch(sources, **options)


@contextlib.contextmanager
def scores_unread(model):
    from translator.models import hf

    if model.backend == "transformers":
        original = hf.score_recorder
        hf.score_recorder = lambda beams, n_eos: _Unread()
        try:
            yield
        finally:
            hf.score_recorder = original
    else:
        inner = model.translator
        model.translator = _NoScores(inner)
        try:
            yield
        finally:
            model.translator = inner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="tiny models, seconds; figures mean nothing")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    from translator.config import load_config
    from translator.engine.translate import Translator
    from translator.models import load_model

    work = Path(tempfile.mkdtemp(prefix="translator-confidence-"))
    os.environ.setdefault("TRANSLATOR_CACHE", str(work / "cache"))
    print(
        "building full-size models with random weights..." if not args.quick else "tiny models",
        file=sys.stderr,
    )
    marian, _ = build_models(work, args.quick)
    base = load_config(None).translation
    tokens = 12 if args.quick else NEW_TOKENS
    rows = []
    for backend in ("transformers", "ctranslate2"):
        for beams, candidates in ((4, 4), (1, 1)):
            cfg = base.model_copy(
                update={
                    "model": str(marian),
                    "revision": None,
                    "device": "cpu",
                    "backend": backend,
                    "batch_size": 16,
                    "retry_generation": None,
                    "candidates": candidates,
                    "generation": {"max_new_tokens": tokens, "min_new_tokens": tokens, "num_beams": beams},
                }
            )
            model, _ = load_model("translation", cfg, "benchmark", args.threads)
            translator = Translator(model, cfg)
            sentences, _ = make_inputs(
                translator.count_tokens, lambda t: len(t.split()), args.quick, SENTENCES
            )
            translator.translate(sentences[:2])  # warm up
            without, with_ = [], []
            for _ in range(args.repeats):
                with scores_unread(model):
                    started = time.perf_counter()
                    unread = translator.translate(sentences)
                    without.append(time.perf_counter() - started)
                started = time.perf_counter()
                read = translator.translate(sentences)
                with_.append(time.perf_counter() - started)
            assert all(o.confidence is None for o in unread) and all(o.confidence is not None for o in read)
            assert [o.text for o in unread] == [o.text for o in read], "reading scores changes no output"
            row = {
                "backend": backend,
                "beams": beams,
                "candidates": candidates,
                "sentences": len(sentences),
                "without_s": statistics.median(without),
                "with_s": statistics.median(with_),
                "runs_without_s": without,
                "runs_with_s": with_,
            }
            row["overhead"] = row["with_s"] / row["without_s"] - 1
            rows.append(row)
            print(
                f"{backend:13} beams {beams}: without {row['without_s']:.2f} s, with {row['with_s']:.2f} s, "
                f"overhead {row['overhead']:+.1%}"
            )
    report = {
        "what": "per-sentence confidence: translation time with the scores read vs unread",
        "quick": args.quick,
        "threads": args.threads,
        "new_tokens": tokens,
        "repeats": args.repeats,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
        },
        "rows": rows,
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
