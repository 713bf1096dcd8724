"""scripts/evaluate.py on the project's own parallel sample, with the tiny models."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "scripts"))

import evaluate  # noqa: E402

PARALLEL = DATA / "parallel-id-en.tsv"
SUMMARIES = DATA / "summaries-id-en.jsonl"


def references() -> list[str]:
    return [p.reference for p in evaluate.read_parallel(PARALLEL)]


def test_references_score_100_and_the_signature_is_printed(tmp_path, capsys):
    hypotheses = tmp_path / "hyp.txt"
    hypotheses.write_text("\n".join(references()) + "\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    assert (
        evaluate.main(["--parallel", str(PARALLEL), "--hypotheses", str(hypotheses), "--json", str(out)]) == 0
    )
    report = json.loads(out.read_text())
    assert report["pairs"] == 20
    assert report["translation"]["bleu"] == 100.0 and report["translation"]["chrf"] == 100.0
    assert report["translation_flags"] == {}, "the human references should raise no faithfulness flag"
    printed = capsys.readouterr().out
    assert "nrefs:1|case:mixed" in printed and "tok:13a" in printed


def test_a_changed_number_lowers_the_score_and_is_counted(tmp_path):
    changed = [r.replace("2.5 percent", "25 percent") for r in references()]
    hypotheses = tmp_path / "hyp.txt"
    hypotheses.write_text("\n".join(changed), encoding="utf-8")
    out = tmp_path / "scores.json"
    assert (
        evaluate.main(["--parallel", str(PARALLEL), "--hypotheses", str(hypotheses), "--json", str(out)]) == 0
    )
    report = json.loads(out.read_text())
    assert report["translation"]["bleu"] < 100.0
    assert report["translation_flags"] == {"number_added": 1, "number_missing": 1}


def test_tiny_models_translate_and_summarise_the_sample(tiny_config, tiny_dirs, tmp_path, capsys):
    out = tmp_path / "scores.json"
    argv = [
        "--parallel",
        str(PARALLEL),
        "--summaries",
        str(SUMMARIES),
        "--config",
        str(tiny_config),
        "--json",
        str(out),
    ]
    assert evaluate.main(argv) == 0
    report = json.loads(out.read_text())
    assert report["pairs"] == 20 and report["summaries"]["documents"] == 3
    assert report["translation"]["bleu"] < 50, "random weights cannot translate"
    assert report["translation"]["chrf"] < 50
    assert {"rouge1", "rouge2", "rougeL"} <= set(report["summaries"])
    assert all(isinstance(v, int) and v > 0 for v in report["translation_flags"].values())
    # Random weights do not reproduce numbers such as 2,5 or Rp80.000: the check must notice.
    assert report["translation_flags"].get("number_missing", 0) >= 5
    assert f"mt:{tiny_dirs[0]}@" in report["system"] and f"sum:{tiny_dirs[1]}@" in report["system"]
    out = capsys.readouterr().out
    assert "ROUGE-1" in out and "re-ranked: " in out and "without re-ranking (candidates 1): BLEU" in out
    glossary = report["glossary"]
    assert (
        glossary["terms_in_sources"] > 0
        and glossary["hits"] + glossary["misses"] == glossary["terms_in_sources"]
    )
    assert (
        glossary["misses"]
        == sum(glossary["missed"].values())
        == report["translation_flags"].get("glossary", 0)
    )
    assert report["reranked"]["segments"] == report["translation_flags"].get("reranked", 0)
    assert set(report["without_reranking"]) >= {"bleu", "chrf"}
    confidence = report["confidence"]
    assert confidence["pairs"] == 20 and -1.0 <= confidence["spearman"] <= 1.0
    assert "confidence vs chrF: Spearman" in out


def test_spearman_and_ranks_with_ties():
    assert evaluate._ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
    assert evaluate._spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert evaluate._spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert evaluate._spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


@pytest.mark.parametrize(
    "content, fragment",
    [("Satu dua tiga\n", ":1: expected 'Indonesian<TAB>English'"), ("# only a comment\n", "no pairs")],
)
def test_bad_parallel_files_are_usage_errors(tmp_path, capsys, content, fragment):
    bad = tmp_path / "bad.tsv"
    bad.write_text(content, encoding="utf-8")
    assert evaluate.main(["--parallel", str(bad), "--hypotheses", str(bad)]) == 2
    assert fragment in capsys.readouterr().err


def test_hypotheses_must_match_the_pairs(tmp_path, capsys):
    hypotheses = tmp_path / "hyp.txt"
    hypotheses.write_text("one line\n", encoding="utf-8")
    assert evaluate.main(["--parallel", str(PARALLEL), "--hypotheses", str(hypotheses)]) == 2
    assert "1 lines for 20 pairs" in capsys.readouterr().err
