"""scripts/benchmark.py --quick: the report is complete and its ratios are computed from its own rows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import benchmark  # noqa: E402


@pytest.mark.slow  # it runs the benchmark: the slow tier's kind of work
def test_quick_benchmark_reports_every_variant_against_the_baseline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRANSLATOR_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "bench.json"
    assert benchmark.main(["--quick", "--repeats", "1", "--long", "30", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = {row["variant"]: row for row in report["rows"]}
    assert list(rows) == [v.name for v in benchmark.VARIANTS]
    baseline = rows["naive (transformers pipelines)"]
    assert baseline["speedup"] == 1.0
    for row in rows.values():
        assert (
            row["end_to_end_s"] == round(row["translate_s"] + row["summarize_s"], 3)
            or abs(row["end_to_end_s"] - row["translate_s"] - row["summarize_s"]) < 0.002
        )
        assert (
            abs(row["speedup"] - baseline["end_to_end_s"] / row["end_to_end_s"])
            < 0.05 * row["speedup"] + 0.01
        )
        assert row["sentences_per_s"] > 0 and row["output_tokens_per_s"] > 0
    assert report["linear"]["sentences"] == [20, 30]
    assert report["versions"]["ctranslate2"] and report["versions"]["torch"]
    assert report["help_s"] > 0  # measured, not judged: a timing bound would fail on a busy machine
    assert "speedup" in capsys.readouterr().out
