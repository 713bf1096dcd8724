from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import compare_splitters  # noqa: E402


def test_comparison_scores_ours_against_a_naive_baseline(tmp_path, capsys):
    out = tmp_path / "scores.json"
    assert (
        compare_splitters.main(
            ["--splitters", "ours,naive", "--speed-mb", "0.05", "--repeats", "1", "--json", str(out)]
        )
        == 0
    )
    data = json.loads(out.read_text())
    scores = {s["splitter"]: s for s in data["scores"]}
    assert data["cases"] >= 80
    assert scores["ours"]["f1"] == 1.0 and scores["ours"]["wrong"] == []
    assert scores["naive"]["f1"] < 0.9 and "title-prof-dr" in scores["naive"]["wrong"]
    assert all(s["cases_with_lost_or_invented_chars"] == 0 for s in scores.values())
    assert all(s["mb_per_s"] > 0 for s in scores.values())
    assert "ours" in capsys.readouterr().out


def test_boundaries_ignore_whitespace_and_the_final_end():
    ends, chars = compare_splitters.boundaries(["Satu dua.", " Tiga\n empat. ", "Lima."])
    assert ends == {len("Satudua."), len("Satudua.Tigaempat.")}
    assert chars == "Satudua.Tigaempat.Lima."
