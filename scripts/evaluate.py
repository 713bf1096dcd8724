#!/usr/bin/env python3
"""Score translator's output against references: BLEU and chrF (sacrebleu), ROUGE (rouge-score),
counts of the faithfulness flags the pipeline raised, how many segments were re-ranked and why,
the glossary's hits and misses, and BLEU/chrF with re-ranking on and off (translation.candidates 1).

    python scripts/evaluate.py --parallel pairs.tsv [--summaries docs.jsonl] [--config models.yaml]
                               [--hypotheses hyp.txt] [--json scores.json]

--parallel     TSV, one pair a line: Indonesian<TAB>English reference ('#' lines are comments).
--summaries    JSONL, one document a line: {"id": ..., "text": Indonesian, "summary": English reference}.
--hypotheses   score these English lines (one per pair) instead of translating: for other systems,
               or to check the scorer itself.

Needs the `eval` extra: pip install 'translator-id-en[eval]'. Works with any models.yaml.
Exit codes: 0 scored, 1 a model could not be loaded, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translator.errors import InputError, TranslatorError  # noqa: E402


@dataclass(frozen=True)
class Pair:
    line: int
    source: str
    reference: str


def read_parallel(path: Path) -> list[Pair]:
    pairs = []
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(
                f"{path}:{number}: expected 'Indonesian<TAB>English', got {len(fields)} field(s)"
            )
        pairs.append(Pair(number, fields[0].strip(), fields[1].strip()))
    if not pairs:
        raise InputError(f"{path}: no pairs")
    return pairs


def read_summaries(path: Path) -> list[dict]:
    docs = []
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{number}: not JSON ({e.msg})") from None
        if (
            not isinstance(doc, dict)
            or not isinstance(doc.get("text"), str)
            or not isinstance(doc.get("summary"), str)
        ):
            raise InputError(f"{path}:{number}: expected an object with string fields 'text' and 'summary'")
        docs.append(doc)
    if not docs:
        raise InputError(f"{path}: no documents")
    return docs


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read ({e})") from None


def translate_pairs(pipeline, pairs: list[Pair]) -> tuple[list[str], Counter]:
    """Translate every source in one call, so that sentences from all pairs share batches.

    Sources are joined with blank lines, which always separate paragraphs, so paragraph i of the
    result is pair i.
    """
    result = pipeline("\n\n".join(p.source for p in pairs), summarize=False)
    by_paragraph: list[list[str]] = [[] for _ in pairs]
    for segment in result.segments:
        by_paragraph[segment.paragraph].append(segment.translation)
    return [" ".join(parts) for parts in by_paragraph], Counter(w.kind for w in result.warnings), result


def choices(pipeline, result, pairs: list[Pair]) -> dict:
    """Segments re-ranked (and which checks the top candidate failed), and glossary hits and misses."""
    reranked = [w for w in result.warnings if w.kind == "reranked"]
    why = Counter(kind for w in reranked for kind in (w.detail or "").split(",") if kind)
    glossary = pipeline.translator.glossary
    terms = [t for p in pairs for t in dict.fromkeys(glossary.find(p.source))] if glossary else []
    missed = Counter(w.detail for w in result.warnings if w.kind == "glossary")
    return {
        "reranked": {"segments": len(reranked), "why": dict(sorted(why.items()))},
        "glossary": {
            "terms_in_sources": len(terms),
            "hits": len(terms) - sum(missed.values()),
            "misses": sum(missed.values()),
            "missed": dict(sorted(missed.items())),
        },
    }


def confidence_ranking(result, hypotheses: list[str], references: list[str]) -> dict:
    """How well the model's confidence ranks the pairs by their chrF: Spearman's rank correlation
    between a pair's confidence (its segments' mean) and its sentence chrF, and the chrF of the
    least and the most confident third. Meaningful with real weights and real references only."""
    from sacrebleu.metrics import CHRF

    by_pair: dict[int, list[float]] = {}
    for segment in result.segments:
        if segment.confidence is not None:
            by_pair.setdefault(segment.paragraph, []).append(segment.confidence)
    scored = [
        (sum(by_pair[i]) / len(by_pair[i]), CHRF().sentence_score(h, [r]).score)
        for i, (h, r) in enumerate(zip(hypotheses, references))
        if by_pair.get(i)
    ]
    if len(scored) < 3:
        return {"pairs": len(scored)}
    ordered = sorted(scored)
    third = max(1, len(ordered) // 3)
    return {
        "pairs": len(scored),
        "spearman": round(_spearman([c for c, _ in scored], [f for _, f in scored]), 3),
        "chrf_least_confident_third": round(sum(f for _, f in ordered[:third]) / third, 2),
        "chrf_most_confident_third": round(sum(f for _, f in ordered[-third:]) / third, 2),
    }


def _spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    spread = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return cov / spread if spread else 0.0


def _ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def score_translations(hypotheses: list[str], references: list[str]) -> dict:
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF()
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
    }


def score_summaries(pipeline, docs: list[dict]) -> tuple[dict, Counter]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals: Counter = Counter()
    flags: Counter = Counter()
    for doc in docs:
        result = pipeline(doc["text"])
        flags.update(w.kind for w in result.warnings)
        for name, score in scorer.score(doc["summary"], result.summary).items():
            totals[name] += score.fmeasure
    return {name: round(100 * total / len(docs), 2) for name, total in sorted(totals.items())}, flags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parallel", type=Path, required=True, metavar="TSV")
    parser.add_argument("--summaries", type=Path, metavar="JSONL")
    parser.add_argument("--hypotheses", type=Path, metavar="TXT")
    parser.add_argument("--config", metavar="PATH", help="a models.yaml (default: the shipped one)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the scores as JSON")
    args = parser.parse_args(argv)
    try:
        report = evaluate(args)
    except TranslatorError as e:
        for line in str(e).splitlines():
            print(f"evaluate: error: {line}", file=sys.stderr)
        return e.exit_code
    except ImportError as e:
        print(
            f"evaluate: error: {e.name} is not installed; pip install 'translator-id-en[eval]'",
            file=sys.stderr,
        )
        return 2
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def evaluate(args: argparse.Namespace) -> dict:
    pairs = read_parallel(args.parallel)
    docs = read_summaries(args.summaries) if args.summaries else []
    references = [p.reference for p in pairs]
    report: dict = {"pairs": len(pairs), "config": args.config or "models.yaml (shipped)"}
    pipeline = None
    if args.hypotheses:
        hypotheses = [line.strip() for line in _read(args.hypotheses).rstrip("\n").split("\n")]
        if len(hypotheses) != len(pairs):
            raise InputError(f"{args.hypotheses}: {len(hypotheses)} lines for {len(pairs)} pairs")
        from translator.config import load_config
        from translator.text.checks import check_segment
        from translator.text.glossary import load_glossary

        flags = Counter(
            f.kind for i, (p, h) in enumerate(zip(pairs, hypotheses)) for f in check_segment(i, p.source, h)
        )
        glossary = load_glossary(load_config(args.config).glossary)  # the configured house terms
        flags.update("glossary" for p, h in zip(pairs, hypotheses) for _ in glossary.missing(p.source, h))
        report["system"] = str(args.hypotheses)
    else:
        from translator import Pipeline

        pipeline = Pipeline.from_config(args.config, summarize=bool(docs))
        hypotheses, flags, result = translate_pairs(pipeline, pairs)
        report["system"] = pipeline.signature(summarize=bool(docs))
        report.update(choices(pipeline, result, pairs))
        report["confidence"] = confidence_ranking(result, hypotheses, references)
        if pipeline.config.translation.candidates > 1:
            single = pipeline.config.model_copy(
                update={"translation": pipeline.config.translation.model_copy(update={"candidates": 1})}
            )
            plain, _, _ = translate_pairs(Pipeline.from_config(single, summarize=False), pairs)
            report["without_reranking"] = score_translations(plain, references)
    report["translation"] = score_translations(hypotheses, references)
    report["translation_flags"] = dict(sorted(flags.items()))
    if docs:
        if pipeline is None:
            from translator import Pipeline

            pipeline = Pipeline.from_config(args.config)
        rouge, summary_flags = score_summaries(pipeline, docs)
        report["summaries"] = {"documents": len(docs), **rouge}
        report["summary_flags"] = dict(sorted(summary_flags.items()))
    return report


def print_report(report: dict) -> None:
    t = report["translation"]
    print(f"system: {report['system']}")
    print(f"pairs: {report['pairs']}")
    print(f"BLEU  {t['bleu']:6.2f}  {t['bleu_signature']}")
    print(f"chrF  {t['chrf']:6.2f}  {t['chrf_signature']}")
    print(
        "translation flags: "
        + (", ".join(f"{k} {v}" for k, v in report["translation_flags"].items()) or "none")
    )
    if "reranked" in report:
        r, g = report["reranked"], report["glossary"]
        print(
            f"re-ranked: {r['segments']} segment(s)"
            + (" (" + ", ".join(f"{k} {v}" for k, v in r["why"].items()) + ")" if r["why"] else "")
        )
        print(
            f"glossary: {g['terms_in_sources']} term(s) in the sources, {g['hits']} kept, {g['misses']} "
            "missed"
        )
    if report.get("confidence", {}).get("spearman") is not None:
        c = report["confidence"]
        print(
            f"confidence vs chrF: Spearman {c['spearman']:+.3f}; chrF of the least confident third "
            f"{c['chrf_least_confident_third']:.2f}, of the most confident third "
            f"{c['chrf_most_confident_third']:.2f}"
        )
    if "without_reranking" in report:
        w = report["without_reranking"]
        print(f"without re-ranking (candidates 1): BLEU {w['bleu']:6.2f}  chrF {w['chrf']:6.2f}")
    if "summaries" in report:
        s = report["summaries"]
        print(
            f"ROUGE-1 {s['rouge1']:.2f}  ROUGE-2 {s['rouge2']:.2f}  ROUGE-L {s['rougeL']:.2f}  "
            f"({s['documents']} documents, F1, stemmed)"
        )
        print(
            "summary flags: " + (", ".join(f"{k} {v}" for k, v in report["summary_flags"].items()) or "none")
        )


if __name__ == "__main__":
    raise SystemExit(main())
