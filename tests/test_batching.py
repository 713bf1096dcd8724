"""Length-sorted batches bounded by count and by padded tokens, results back in input order."""

from __future__ import annotations

import pytest

from translator import Pipeline
from translator.models.batches import run_sorted, unique
from translator.testing.tiny import tiny_config_text

from helpers import spy_generate


def record_batches(items, **kwargs):
    batches = []

    def run(batch):
        batches.append(list(batch))
        return [f"out:{item}" for item in batch]

    return run_sorted(items, run, size=len, **kwargs), batches


def test_batches_are_bounded_by_count_and_padded_tokens():
    items = ["a" * n for n in (3, 10, 3, 9, 8, 3, 3)]
    results, batches = record_batches(items, batch_size=4, max_tokens=20)
    assert [[len(x) for x in b] for b in batches] == [[10, 9], [8, 3], [3, 3, 3]]
    assert results == [f"out:{item}" for item in items]


def test_without_a_token_bound_only_the_count_bounds_a_batch():
    items = ["a" * n for n in (3, 10, 3, 9, 8, 3, 3)]
    _, batches = record_batches(items, batch_size=4)
    assert [[len(x) for x in b] for b in batches] == [[10, 9, 8, 3], [3, 3, 3]]


def test_an_item_over_the_token_bound_goes_alone():
    _, batches = record_batches(["a" * 50, "b" * 2, "c" * 2], batch_size=8, max_tokens=10)
    assert [[len(x) for x in b] for b in batches] == [[50], [2, 2]]


def test_a_batch_that_loses_results_is_an_error():
    with pytest.raises(RuntimeError, match="a batch of 2 gave 1 results"):
        run_sorted(["x", "y"], lambda batch: batch[:1], size=len, batch_size=2)


def test_unique_keeps_first_seen_order():
    assert unique(["b", "a", "b", "c", "a"]) == (["b", "a", "c"], [0, 1, 0, 2, 1])


def test_max_batch_tokens_bounds_every_translation_call(tiny_dirs, tmp_path, monkeypatch, article_20):
    config = tmp_path / "models.yaml"
    config.write_text(
        tiny_config_text(*tiny_dirs, translation_extra="  max_batch_tokens: 80\n"), encoding="utf-8"
    )
    pipeline = Pipeline.from_config(config, summarize=False)
    calls = spy_generate(monkeypatch, pipeline.translator.model)
    pipeline(article_20, summarize=False)
    assert calls and all(c.length * c.batch <= 80 or c.batch == 1 for c in calls)
    assert max(c.batch for c in calls) > 1
