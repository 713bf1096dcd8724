"""Extractive summaries, summary length, fallbacks and the retry of capped translations."""

from __future__ import annotations

import pytest

from translator import ConfigError, Pipeline, load_config
from translator.models.base import Generated
from translator.testing.tiny import tiny_config_text
from translator.text.extractive import rank, summarize_extractive
from translator.text.segment import split_sentences

from helpers import spy_generate

ENGLISH = [
    "Bandung began testing electric buses on three main corridors on Wednesday.",
    "The electric buses run every fifteen minutes on the three corridors.",
    "The weather was sunny.",
    "Residents can ride the electric buses free of charge during the three-month trial.",
    "A local football club won its match on Sunday.",
    "The city says the electric buses will replace old diesel buses on all corridors next year.",
]


def test_extractive_summary_is_verbatim_sentences_in_document_order():
    extract = summarize_extractive(ENGLISH, max_words=30)
    assert extract.sentences, "nothing was picked"
    sentences = [s.text for text in ENGLISH for s in split_sentences(text)]
    assert all(s in sentences for s in extract.sentences)
    positions = [sentences.index(s) for s in extract.sentences]
    assert positions == sorted(positions)
    assert extract.text == " ".join(extract.sentences)
    assert len(extract.text.split()) <= 30


def test_central_sentences_outrank_off_topic_ones():
    scores = rank(ENGLISH)
    on_topic = min(scores[i] for i in (0, 1, 3, 5))
    assert on_topic > scores[2] and on_topic > scores[4]
    picked = summarize_extractive(ENGLISH, max_words=25).sentences
    assert ENGLISH[2] not in picked and ENGLISH[4] not in picked


def test_extractive_returns_one_sentence_even_when_it_is_over_the_budget():
    extract = summarize_extractive([ENGLISH[3]], max_words=3)
    assert extract.sentences == [ENGLISH[3]]


def test_extractive_on_nothing_is_empty():
    assert summarize_extractive(["", "  "]).text == ""


def test_extractive_splits_multi_sentence_segments():
    extract = summarize_extractive(
        ["Buses run on three corridors. The buses are electric buses on corridors."], max_words=200
    )
    assert extract.total_sentences == 2


@pytest.fixture(scope="module")
def extractive_config(tiny_dirs, tmp_path_factory):
    path = tmp_path_factory.mktemp("extractive") / "models.yaml"
    text = tiny_config_text(*tiny_dirs)
    # No model at all for the summary: the method needs none.
    head, _ = text.split("summarization:\n")
    path.write_text(
        head + "summarization:\n  method: extractive\n  max_words: 40\ncache: null\n", encoding="utf-8"
    )
    return path


def test_extractive_method_loads_no_summariser_and_picks_from_the_translation(
    extractive_config, example_text
):
    pipeline = Pipeline.from_config(extractive_config)
    assert pipeline.summary.summarizer is None
    result = pipeline(example_text)
    assert result.summary_method == "extractive"
    assert result.summary
    translations = " ".join(s.translation for s in result.segments if not s.boilerplate)
    for sentence in split_sentences(result.summary):
        assert sentence.text in translations
    assert [m.id for m in result.models if m.role == "summarization"] == ["extractive:textrank"]
    assert "extractive:textrank" in result.signature


def test_summary_words_bound_the_abstractive_token_cap(tiny_pipeline, monkeypatch):
    calls = spy_generate(monkeypatch, tiny_pipeline.summary.summarizer.model)
    free = tiny_pipeline.summary.summarizer.summarize(["Rice prices rose in the city."])
    capped = tiny_pipeline.summary.summarizer.summarize(["Rice prices rose in the city."], max_words=3)
    assert free.rounds == capped.rounds == 1
    configured = tiny_pipeline.summary.summarizer.cfg.generation["max_new_tokens"]
    assert calls[0].max_new == configured
    assert calls[1].max_new < configured and calls[1].max_new >= 3


def test_ratio_and_max_words_give_the_smaller_budget(tiny_config):
    config = load_config(tiny_config).with_changes({"summarization": {"max_words": 50, "ratio": 0.1}})
    assert config.summarization.word_budget(1000) == 50
    assert config.summarization.word_budget(200) == 20
    assert load_config(tiny_config).summarization.word_budget(1000) is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"method": "magic"}, "summarization.method: must be one of abstractive, extractive, got 'magic'"),
        ({"max_words": 0}, "summarization.max_words: must be an integer >= 1 (or null), got 0"),
        ({"ratio": 1.5}, "summarization.ratio: must be a number in (0, 1] (or null), got 1.5"),
    ],
)
def test_bad_summary_overrides_are_config_errors(tiny_config, changes, message):
    with pytest.raises(ConfigError) as info:
        load_config(tiny_config).with_changes({"summarization": changes})
    assert info.value.problems == [message]


def test_an_empty_abstractive_summary_falls_back_to_extractive(
    tiny_dirs, tmp_path, monkeypatch, example_text
):
    path = tmp_path / "fallback.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs, summarization_extra="  fallback: extractive\n"), encoding="utf-8"
    )
    pipeline = Pipeline.from_config(path)
    monkeypatch.setattr(
        pipeline.summary.summarizer.model,
        "generate",
        lambda texts, settings, candidates=1: [Generated("", 1, False) for _ in texts],
    )
    result = pipeline(example_text)
    assert result.summary and result.summary_method == "extractive"
    assert any(
        w.kind == "summary" and "extractive, because the model returned an empty summary" in w.message
        for w in result.warnings
    )


def test_a_summariser_that_cannot_load_falls_back_when_configured(tiny_dirs, tmp_path, example_text):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    text = tiny_config_text(*tiny_dirs).replace(
        f"  model: {tiny_dirs[1]}\n", f"  model: {broken}\n  fallback: extractive\n"
    )
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    pipeline = Pipeline.from_config(path)
    result = pipeline(example_text)
    assert result.summary_method == "extractive" and result.summary
    assert result.warnings[0].kind == "summary" and "did not load" in result.warnings[0].message


def test_without_fallback_a_broken_summariser_is_an_error(tiny_dirs, tmp_path):
    from translator import ModelLoadError

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    path = tmp_path / "models.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs).replace(f"  model: {tiny_dirs[1]}\n", f"  model: {broken}\n"),
        encoding="utf-8",
    )
    with pytest.raises(ModelLoadError):
        Pipeline.from_config(path)


def test_boilerplate_goes_into_the_summary_when_configured(tiny_dirs, tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs, summarization_extra="  include_boilerplate: true\n"), encoding="utf-8"
    )
    pipeline = Pipeline.from_config(path)
    seen = []
    original = pipeline.summary.summarizer.summarize
    monkeypatch.setattr(
        pipeline.summary.summarizer, "summarize", lambda s, **kw: seen.append(s) or original(s, **kw)
    )
    result = pipeline("Harga beras naik.\nBaca Juga: Harga Emas Naik\nPemerintah menyiapkan operasi pasar.")
    assert seen == [[s.translation for s in result.segments]]


def test_a_capped_translation_is_retried_once_with_the_retry_settings(tiny_dirs, tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    extra = "  retry_generation:\n    num_beams: 3\n    repetition_penalty: 1.3\n"
    path.write_text(tiny_config_text(*tiny_dirs, translation_extra=extra), encoding="utf-8")
    pipeline = Pipeline.from_config(path, summarize=False)
    first = Generated("sorry sorry sorry sorry sorry", 10, True)
    calls = []

    def fake(texts, settings, candidates=1):
        calls.append((list(texts), settings.get("num_beams"), settings.get("repetition_penalty")))
        return [
            first if settings.get("num_beams") == 1 else Generated("Rice prices rose.", 4, False)
            for _ in texts
        ]

    monkeypatch.setattr(pipeline.translator.model, "generate", fake)
    result = pipeline("Harga beras naik.", summarize=False)
    assert calls == [(["Harga beras naik."], 1, None), (["Harga beras naik."], 3, 1.3)]
    assert result.segments[0].translation == "Rice prices rose."
    assert [f.kind for f in result.segments[0].flags] == ["retried"]


def test_a_retry_that_still_loops_keeps_the_flags(tiny_dirs, tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs, translation_extra="  retry_generation: {num_beams: 2}\n"),
        encoding="utf-8",
    )
    pipeline = Pipeline.from_config(path, summarize=False)
    loop = Generated("sorry sorry sorry sorry sorry", 10, True)
    monkeypatch.setattr(
        pipeline.translator.model, "generate", lambda texts, settings, candidates=1: [loop for _ in texts]
    )
    result = pipeline("Harga beras naik.", summarize=False)
    assert [f.kind for f in result.segments[0].flags] == ["retried", "length_cap", "repetition"]


def test_no_retry_when_retry_generation_is_null(tiny_dirs, tmp_path, monkeypatch):
    path = tmp_path / "models.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs, translation_extra="  retry_generation: null\n"), encoding="utf-8"
    )
    pipeline = Pipeline.from_config(path, summarize=False)
    calls = []
    monkeypatch.setattr(
        pipeline.translator.model,
        "generate",
        lambda texts, settings, candidates=1: calls.append(1) or [Generated("x x", 10, True) for _ in texts],
    )
    result = pipeline("Harga beras naik.", summarize=False)
    assert len(calls) == 1
    assert [f.kind for f in result.segments[0].flags] == ["length_cap"]


def test_one_sentence_is_its_own_summary_and_the_model_is_not_asked(tiny_pipeline, monkeypatch):
    calls = spy_generate(monkeypatch, tiny_pipeline.summary.summarizer.model)
    one = tiny_pipeline.summary.summarize(["Rice prices rose two percent this week."])
    assert one.text == "Rice prices rose two percent this week." and calls == []
    assert [f.kind for f in one.warnings] == ["summary"] and "its own summary" in one.warnings[0].message
    two = tiny_pipeline.summary.summarize(
        ["Rice prices rose two percent this week.", "Traders blamed the weather."]
    )
    assert len(calls) >= 1 and "its own summary" not in " ".join(f.message for f in two.warnings)
