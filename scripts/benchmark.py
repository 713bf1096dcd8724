#!/usr/bin/env python3
"""Time translator's pipeline against the naive one, with each backend and profile, in one run.

The naive baseline is what transformers' translation and summarization pipelines did (they
were removed in transformers 5): one generate() per sentence with greedy decoding, then one
generate() over the whole English text with the summariser's CNN defaults (4 beams, length
penalty 2.0, no repeated trigram). Ours is translator's Translator and Summarizer, with each
profile's settings, on transformers and on CTranslate2.

Models are full-size architectures with random weights (cost depends on shape, not values):
opus-mt-id-en's Marian (6+6 layers, d_model 512) and distilbart-cnn-12-6's BART (12+6 layers,
d_model 1024), or the configured real models with --real. Output lengths are fixed (min = max
new tokens) so that random weights cannot change the work: 32 tokens per sentence, and a
120-token summary of a 700-token English text. Every measurement is the median of --repeats
runs, interleaved (baseline, then each variant, then again). Stage times add up to end to end.

    python scripts/benchmark.py [--repeats 3] [--json out.json] [--quick] [--real] [--long 320]

--quick runs the tiny test models in seconds (for CI); its figures mean nothing.
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The texts the tiny models' vocabularies and the benchmark's sentences are made of.
SOURCE_TEXTS = [
    ROOT / "examples" / "bus-listrik-bandung.id.txt",
    ROOT / "tests" / "data" / "berita-20-baris.id.txt",
]

SENTENCES = 20
SOURCE_TOKENS = 30
NEW_TOKENS = 32
SUMMARY_INPUT_TOKENS = 700
SUMMARY_TOKENS = 120

# The shapes in the real models' config.json files.
MARIAN_SHAPE = dict(
    d_model=512,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=8,
    decoder_attention_heads=8,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
)
MARIAN_VOCAB, MARIAN_POSITIONS = 54796, 512
BART_SHAPE = dict(
    d_model=1024,
    encoder_layers=12,
    decoder_layers=6,
    encoder_attention_heads=16,
    decoder_attention_heads=16,
    encoder_ffn_dim=4096,
    decoder_ffn_dim=4096,
)
BART_VOCAB, BART_POSITIONS = 50264, 1024


@dataclass(frozen=True)
class Variant:
    name: str
    backend: str  # transformers | ctranslate2 | naive
    translation_beams: int
    summary: str  # "beams:N" or "extractive"
    candidates: int = 4  # beam hypotheses the translator chooses among (translation.candidates)
    memory: bool = False  # translate through a translation memory warmed with the same sentences


VARIANTS = [
    Variant("naive (transformers pipelines)", "naive", 1, "beams:4"),
    Variant("default, transformers", "transformers", 4, "beams:1"),
    Variant("default, ctranslate2 int8", "ctranslate2", 4, "beams:1"),
    Variant("fast, ctranslate2 int8", "ctranslate2", 1, "extractive"),
    Variant("fast + abstractive greedy, ctranslate2 int8", "ctranslate2", 1, "beams:1"),
    Variant("default with 4-beam summary, ctranslate2 int8", "ctranslate2", 4, "beams:4"),
    Variant(
        "default, ctranslate2 int8, 1 candidate (no re-ranking)", "ctranslate2", 4, "beams:1", candidates=1
    ),
    Variant(
        "default, ctranslate2 int8, rerun with a warm translation memory",
        "ctranslate2",
        4,
        "beams:1",
        memory=True,
    ),
]


def build_models(work: Path, quick: bool) -> tuple[Path, Path]:
    from translator.testing.tiny import build_bart, build_marian, generated_lines

    indonesian, english = generated_lines("\n".join(p.read_text(encoding="utf-8") for p in SOURCE_TEXTS))
    if quick:
        return build_marian(work / "marian", indonesian), build_bart(work / "bart", english)
    marian = build_marian(
        work / "marian", indonesian, MARIAN_POSITIONS, shape=MARIAN_SHAPE, vocab_size=MARIAN_VOCAB
    )
    bart = build_bart(work / "bart", english, BART_POSITIONS, shape=BART_SHAPE, vocab_size=BART_VOCAB)
    return marian, bart


def make_inputs(
    count_source: Callable[[str], int], count_english: Callable[[str], int], quick: bool, sentences: int
) -> tuple[list[str], str]:
    """``sentences`` Indonesian sentences of about SOURCE_TOKENS tokens, and an English text of
    about SUMMARY_INPUT_TOKENS tokens, grown word by word against the real tokenizers."""
    import random

    from translator.testing.tiny import ENGLISH_WORDS

    rng = random.Random(0)
    words = sorted(
        {w for p in SOURCE_TEXTS for w in p.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 2}
    )
    source_tokens = 12 if quick else SOURCE_TOKENS
    result = []
    for i in range(sentences):
        sentence = ""
        while count_source(sentence + " kata.") < source_tokens:
            sentence = f"{sentence} {rng.choice(words)}".strip()
        result.append(f"{sentence.capitalize()} {i}.")
    target = 40 if quick else SUMMARY_INPUT_TOKENS
    english = ""
    while count_english(english) < target:
        english += " " + " ".join(rng.choice(ENGLISH_WORDS) for _ in range(8)).capitalize() + "."
    return result, english.strip()


def measure(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="tiny models, seconds; for CI")
    parser.add_argument(
        "--real", action="store_true", help="the models in models.yaml instead of random full-size ones"
    )
    parser.add_argument(
        "--long",
        type=int,
        default=0,
        metavar="N",
        help="also time N sentences for the linear-cost check (e.g. 320)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--variants", default="", help="comma-separated variant numbers to run (default: all)"
    )
    parser.add_argument("--rss-probe", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_probe:
        return _rss_probe(args)

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="translator-bench-"))
    os.environ.setdefault("TRANSLATOR_CACHE", str(work / "cache"))
    started = time.perf_counter()
    marian, bart = (None, None) if args.real else build_models(work, args.quick)
    print(f"models built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    variants = VARIANTS if not args.variants else [VARIANTS[int(i)] for i in args.variants.split(",")]
    if variants[0].backend != "naive":
        variants = [VARIANTS[0], *variants]
    stages = {v.name: _Stage(v, marian, bart, args) for v in variants}
    conversion_s = _convert_once(stages)
    for stage in stages.values():
        stage.load()
    base = stages[variants[0].name]
    sentences, english = make_inputs(base.count_source, base.count_english, args.quick, SENTENCES)
    for v in variants:
        if v.memory:  # the first run fills the memory; the timed ones are reruns
            stages[v.name].translate(sentences)
    results: dict[str, dict[str, list[float]]] = {
        v.name: {"translate": [], "summarize": []} for v in variants
    }
    for repeat in range(args.repeats):
        for v in variants:
            results[v.name]["translate"].append(measure(lambda: stages[v.name].translate(sentences)))
            results[v.name]["summarize"].append(measure(lambda: stages[v.name].summarize(english)))
            print(
                f"repeat {repeat + 1}: {v.name}: {results[v.name]['translate'][-1]:.2f} s + "
                f"{results[v.name]['summarize'][-1]:.2f} s",
                file=sys.stderr,
            )

    rows = []
    baseline_total = None
    for v in variants:
        translate = statistics.median(results[v.name]["translate"])
        summarize = statistics.median(results[v.name]["summarize"])
        total = translate + summarize
        baseline_total = baseline_total or total
        new_tokens = len(sentences) * (12 if args.quick else NEW_TOKENS)
        rows.append(
            {
                "variant": v.name,
                "translate_s": round(translate, 4),
                "summarize_s": round(summarize, 4),
                "end_to_end_s": round(total, 4),
                "sentences_per_s": round(len(sentences) / translate, 2),
                "output_tokens_per_s": round(new_tokens / translate, 1),
                "load_s": round(stages[v.name].load_seconds, 2),
                "speedup": round(baseline_total / total, 2),
            }
        )
    report = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "python": platform.python_version(),
        },
        "versions": _versions(),
        "setup": {
            "sentences": len(sentences),
            "source_tokens": None if args.quick else SOURCE_TOKENS,
            "new_tokens": 12 if args.quick else NEW_TOKENS,
            "summary_input_tokens": base.count_english(english),
            "summary_tokens": 12 if args.quick else SUMMARY_TOKENS,
            "repeats": args.repeats,
            "models": "real" if args.real else ("tiny" if args.quick else "full-size random"),
        },
        "rows": rows,
        "help_s": _help_seconds(),
        "conversion_s": conversion_s,
    }
    if not args.quick and not args.real:
        report["peak_rss_mb"] = {
            backend: _rss(backend, marian, bart, args.threads) for backend in ("ctranslate2", "transformers")
        }
    if args.long:
        report["linear"] = _linear(stages, base, args)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


class _Stage:
    """One variant's loaded models and its two timed steps."""

    def __init__(self, variant: Variant, marian: Path | None, bart: Path | None, args: argparse.Namespace):
        self.variant, self.marian, self.bart, self.args = variant, marian, bart, args
        self.load_seconds = 0.0

    def _configs(self):
        from translator.config import load_config

        config = load_config(None)
        quick = self.args.quick
        backend = "transformers" if self.variant.backend == "naive" else self.variant.backend

        def where(built):
            """The model built here (else models.yaml's), on the CPU, with this variant's backend."""
            model = {"model": str(built), "revision": None} if built else {}
            return {**model, "device": "cpu", "backend": backend}

        translation = config.translation.model_copy(
            update={
                **where(self.marian),
                "batch_size": 16,
                "retry_generation": None,  # fixed-length outputs always reach the cap: no retries timed
                "candidates": self.variant.candidates,
                "generation": {
                    "max_new_tokens": 12 if quick else NEW_TOKENS,
                    "min_new_tokens": 12 if quick else NEW_TOKENS,
                    "num_beams": self.variant.translation_beams,
                },
            }
        )
        beams = int(self.variant.summary.split(":")[1]) if self.variant.summary.startswith("beams") else 1
        summary_tokens = 12 if quick else SUMMARY_TOKENS
        generation = {
            "num_beams": beams,
            "min_new_tokens": summary_tokens,
            "max_new_tokens": summary_tokens,
            "no_repeat_ngram_size": 3,
        }
        if beams > 1:
            generation["length_penalty"] = 2.0
        summarization = config.summarization.model_copy(
            update={
                **where(self.bart),
                "method": "extractive" if self.variant.summary == "extractive" else "abstractive",
                "generation": generation,
            }
        )
        return translation, summarization

    def load(self) -> None:
        from translator.engine.summarize import Summarizer
        from translator.engine.translate import Translator
        from translator.models import load_model

        translation, summarization = self._configs()
        started = time.perf_counter()
        loaded, _ = load_model("translation", translation, "benchmark", self.args.threads)
        memory = None
        if self.variant.memory:
            from translator.memory.store import TranslationMemory

            memory = TranslationMemory(
                Path(os.environ["TRANSLATOR_CACHE"]) / f"benchmark-memory-{os.getpid()}.sqlite3"
            )
            memory.clear()
        self.translator = Translator(loaded, translation, memory=memory)
        self.summarizer = None
        if summarization.method == "abstractive":
            loaded, _ = load_model("summarization", summarization, "benchmark", self.args.threads)
            self.summarizer = Summarizer(loaded, summarization)
        self.load_seconds = time.perf_counter() - started
        self.summary_cfg = summarization

    def count_source(self, text: str) -> int:
        return self.translator.count_tokens(text)

    def count_english(self, text: str) -> int:
        return self.summarizer.model.count_tokens(text) if self.summarizer else len(text.split())

    def translate(self, sentences: list[str]) -> None:
        if self.variant.backend != "naive":
            self.translator.translate(sentences)
            return
        import torch

        loaded = self.translator.model  # the transformers backend: its tokenizer and torch model
        for sentence in sentences:  # one generate() per sentence, as the translation pipeline did
            batch = loaded.tokenizer([sentence], return_tensors="pt")
            with torch.inference_mode():
                loaded.model.generate(**batch, **self.translator.cfg.generation)

    def summarize(self, english: str) -> None:
        from translator.text.extractive import summarize_extractive

        if self.summarizer is None:
            summarize_extractive([english])
            return
        if self.variant.backend != "naive":
            self.summarizer.summarize([english])
            return
        import torch

        loaded = self.summarizer.model
        batch = loaded.tokenizer(
            [english], return_tensors="pt", truncation=True, max_length=loaded.max_input_tokens
        )
        with torch.inference_mode():
            loaded.model.generate(**batch, **self.summarizer.cfg.generation)


def _convert_once(stages: dict[str, "_Stage"]) -> float | None:
    """Convert for CTranslate2 before timing loads: a one-time cost, reported on its own."""
    from translator.models import ct2

    started = time.perf_counter()
    converted = False
    for stage in stages.values():
        if stage.variant.backend == "ctranslate2":
            for role, cfg in zip(("translation", "summarization"), stage._configs()):
                ct2.convert(cfg, ct2.resolve_compute_type(cfg.compute_type, "cpu"), role)
                converted = True
    return round(time.perf_counter() - started, 1) if converted else None


def _linear(stages: dict[str, _Stage], base: _Stage, args) -> dict:
    """Translation seconds per sentence at 20 and at N sentences, on the fast CTranslate2 variant."""
    stage = next(
        (
            s
            for s in stages.values()
            if s.variant.backend == "ctranslate2" and s.variant.translation_beams == 1
        ),
        None,
    )
    stage = stage or next(s for s in stages.values() if s.variant.backend != "naive")
    few, _ = make_inputs(base.count_source, base.count_english, args.quick, SENTENCES)
    many, _ = make_inputs(base.count_source, base.count_english, args.quick, args.long)
    per_few = statistics.median(
        measure(lambda: stage.translator.translate(few)) for _ in range(args.repeats)
    ) / len(few)
    per_many = statistics.median(
        measure(lambda: stage.translator.translate(many)) for _ in range(args.repeats)
    ) / len(many)
    return {
        "variant": stage.variant.name,
        "sentences": [len(few), len(many)],
        "s_per_sentence": [round(per_few, 4), round(per_many, 4)],
        "ratio": round(per_many / per_few, 2),
    }


def _rss(backend: str, marian: Path, bart: Path, threads: int) -> float:
    """Peak RSS of a fresh process that loads both models with ``backend`` and runs them once."""
    proc = subprocess.run(
        [sys.executable, __file__, "--rss-probe", backend, "--threads", str(threads), str(marian), str(bart)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=1200,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return float(proc.stdout.strip().splitlines()[-1])


def _rss_probe(args) -> int:
    marian, bart = args.paths
    variant = Variant("probe", args.rss_probe, 4, "beams:1")
    stage = _Stage(variant, Path(marian), Path(bart), args)
    stage.load()
    sentences, english = make_inputs(stage.count_source, stage.count_english, False, SENTENCES)
    stage.translate(sentences)
    stage.summarize(english)
    # VmHWM, not getrusage(): Linux carries ru_maxrss over execve, so a probe started by a large
    # parent would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print(int(line.split()[1]) / 1024)
            return 0
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return 0


def _help_seconds() -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "translator", "--help"], capture_output=True, check=True, cwd=ROOT
        )
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("translator", "torch", "transformers", "ctranslate2"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _print(report: dict) -> None:
    setup = report["setup"]
    print(
        f"{setup['sentences']} sentences -> {setup['new_tokens']} tokens each; summary "
        f"{setup['summary_input_tokens']} -> "
        f"{setup['summary_tokens']} tokens; {setup['models']} models; median of {setup['repeats']}; "
        f"{report['machine']['threads']} threads; {report['versions']}"
    )
    print(
        f"{'variant':<48} {'translate':>9} {'summary':>9} {'total':>8} {'sent/s':>7} {'tok/s':>7} "
        f"{'load':>6} {'speedup':>8}"
    )
    for row in report["rows"]:
        print(
            f"{row['variant']:<48} {row['translate_s']:>8.2f}s {row['summarize_s']:>8.2f}s "
            f"{row['end_to_end_s']:>7.2f}s "
            f"{row['sentences_per_s']:>7.1f} {row['output_tokens_per_s']:>7.0f} {row['load_s']:>5.1f}s "
            f"{row['speedup']:>7.2f}x"
        )
    if "peak_rss_mb" in report:
        print(
            "peak RSS, both models loaded and run once: "
            + ", ".join(f"{k} {v:.0f} MB" for k, v in report["peak_rss_mb"].items())
        )
    if "linear" in report:
        linear = report["linear"]
        print(
            f"translation s/sentence at {linear['sentences'][0]} and {linear['sentences'][1]} sentences: "
            f"{linear['s_per_sentence']} (ratio {linear['ratio']})"
        )
    print(f"translator --help: {report['help_s']:.2f} s")
    if report.get("conversion_s") is not None:
        print(f"one-time CTranslate2 conversion of both models: {report['conversion_s']:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
