"""The API contract, on tiny models loaded through the same models.yaml path as real ones."""

from __future__ import annotations

import json
import re

import pytest

from translator import ConfigError, InputError, Pipeline, translate_and_summarize
from translator.models.base import Generated
from translator.testing.tiny import tiny_config_text
from translator.text.segment import split_sentences

from helpers import check_contract, spy_generate

# Sentences per line of tests/data/berita-20-baris.id.txt, counted by hand.
SENTENCES_PER_LINE_20 = [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1]


def test_example_article(tiny_pipeline, example_text):
    result = tiny_pipeline(example_text)
    check_contract(example_text, result)
    assert [s.source for s in result.segments] == [s.text for s in split_sentences(example_text)]
    lines = [line for line in example_text.splitlines() if line.strip()]
    assert max(s.paragraph for s in result.segments) == len(lines) - 1
    assert [s.boilerplate for s in result.segments if s.source.startswith(("Baca Juga", "Editor"))] == [
        True,
        True,
    ]


def test_twenty_line_article_one_segment_per_sentence(tiny_pipeline, article_20):
    result = tiny_pipeline(article_20)
    check_contract(article_20, result)
    lines = article_20.splitlines()
    counts = [0] * len(lines)
    for segment in result.segments:
        line = article_20.count("\n", 0, segment.start)
        assert segment.paragraph == line
        assert "\n" not in segment.source
        counts[line] += 1
    assert counts == SENTENCES_PER_LINE_20
    sources = [s.source for s in result.segments]
    assert any("Rabu (31/1/2024)." in s for s in sources)
    assert any("US$1,4 juta untuk daerah terdampak banjir." in s for s in sources)
    assert "Dr. Ir. H. Arief Prasetyo, M.Si., mengatakan stok nasional masih aman." in sources[3]


def test_to_dict_is_json_and_complete(tiny_pipeline, tiny_dirs, example_text):
    result = tiny_pipeline(example_text)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) >= {"translation", "summary", "segments", "warnings", "models", "timings"}
    assert data["translation"] == result.translation
    assert [s["source"] for s in data["segments"]] == [s.source for s in result.segments]
    assert {m["role"]: m["id"] for m in data["models"]} == {
        "translation": str(tiny_dirs[0]),
        "summarization": str(tiny_dirs[1]),
    }
    assert set(data["timings"]) >= {"segment", "translate", "summarize", "total"}
    assert str(tiny_dirs[0]) in data["signature"]


def test_same_input_same_output_and_models_loaded_once(tiny_pipeline, article_20):
    model = tiny_pipeline.translator.model
    first = tiny_pipeline(article_20).to_dict()
    second = tiny_pipeline(article_20).to_dict()
    assert tiny_pipeline.translator.model is model
    first.pop("timings"), second.pop("timings")
    assert first == second


def test_batches_are_length_sorted_and_identical_sentences_translated_once(tiny_pipeline, monkeypatch):
    calls = spy_generate(monkeypatch, tiny_pipeline.translator.model)
    text = "Harga naik. Harga naik. Harga naik.\nPemerintah kota Bandung mulai menguji coba bus listrik baru."
    result = tiny_pipeline(text, summarize=False)
    assert len(result.segments) == 4
    assert sum(c.batch for c in calls) == 2, "identical sentences were translated more than once"
    assert result.segments[0].translation == result.segments[1].translation == result.segments[2].translation


def test_long_sentence_is_translated_in_pieces_within_the_limit(tiny_dirs, tmp_path, monkeypatch):
    config = tmp_path / "tight.yaml"
    config.write_text(
        tiny_config_text(*tiny_dirs).replace(
            "  batch_size: 8\n", "  batch_size: 8\n  max_input_tokens: 16\n", 1
        )
    )
    pipeline = Pipeline.from_config(config, summarize=False)
    calls = spy_generate(monkeypatch, pipeline.translator.model)
    sentence = (
        "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama; uji coba berlangsung "
        "selama tiga bulan, dan warga dapat naik secara gratis karena biaya ditanggung oleh pemerintah kota."
    )
    result = pipeline(sentence, summarize=False)
    assert len(result.segments) == 1
    segment = result.segments[0]
    assert segment.source == sentence
    assert segment.pieces > 1
    assert calls and all(c.length <= 16 for c in calls)
    assert [(w.kind, w.segment) for w in result.warnings if w.kind == "split"] == [("split", 0)]
    assert any(f.kind == "split" for f in segment.flags)
    assert all(c.max_new + 1 <= pipeline.translator.model.max_positions for c in calls)


def test_long_document_is_summarised_in_windows_and_rounds(tiny_pipeline, article_20, monkeypatch):
    calls = spy_generate(monkeypatch, tiny_pipeline.summary.summarizer.model)
    result = tiny_pipeline(article_20)
    limit = tiny_pipeline.summary.summarizer.model.max_input_tokens
    assert result.summary_chunks > 1
    assert result.summary_rounds >= 2
    assert len(calls) >= 2 and all(c.length <= limit for c in calls)
    assert all(c.max_new + 1 <= tiny_pipeline.summary.summarizer.model.max_positions for c in calls)


def test_boilerplate_is_translated_but_not_summarised(tiny_pipeline, monkeypatch):
    seen: list[list[str]] = []
    original = tiny_pipeline.summary.summarizer.summarize
    monkeypatch.setattr(
        tiny_pipeline.summary.summarizer, "summarize", lambda s, **kw: seen.append(s) or original(s, **kw)
    )
    result = tiny_pipeline(
        "Harga beras naik.\nBaca Juga: Harga Emas Naik\nPemerintah menyiapkan operasi pasar."
    )
    assert [s.boilerplate for s in result.segments] == [False, True, False]
    assert result.segments[1].translation
    assert seen == [[result.segments[0].translation, result.segments[2].translation]]


def test_translate_only(tiny_config, example_text):
    result = translate_and_summarize(example_text, config=tiny_config, summarize=False)
    assert result.summary == ""
    assert [m.role for m in result.models] == ["translation"]
    assert all(s.translation for s in result.segments)


@pytest.mark.parametrize("text", ["", "   \n\t \r\n "])
def test_empty_input_is_an_input_error(tiny_pipeline, text):
    with pytest.raises(InputError, match="empty"):
        tiny_pipeline(text)


def test_max_input_tokens_over_the_model_limit_is_a_config_error(tiny_dirs, tmp_path):
    config = tmp_path / "over.yaml"
    config.write_text(
        tiny_config_text(*tiny_dirs).replace(
            "  batch_size: 8\n", "  batch_size: 8\n  max_input_tokens: 100\n", 1
        )
    )
    with pytest.raises(ConfigError, match=re.escape("translation.max_input_tokens: 100 is over the limit")):
        Pipeline.from_config(config)


def test_empty_partial_summaries_give_an_empty_summary_with_a_warning(tiny_pipeline, article_20, monkeypatch):
    monkeypatch.setattr(
        tiny_pipeline.summary.summarizer.model,
        "generate",
        lambda texts, settings, candidates=1: [Generated("", 1, False) for _ in texts],
    )
    result = tiny_pipeline(article_20)
    assert result.summary == ""
    assert any("only empty partial summaries in round 1" in w.message for w in result.warnings)
    assert all(s.translation for s in result.segments)


def test_an_empty_final_summary_is_flagged(tiny_pipeline, monkeypatch):
    monkeypatch.setattr(
        tiny_pipeline.summary.summarizer.model,
        "generate",
        lambda texts, settings, candidates=1: [Generated("", 1, False) for _ in texts],
    )
    summary = tiny_pipeline.summary.summarizer.summarize(["Rice prices rose."])
    assert summary.text == "" and summary.rounds == 1
    assert [(w.kind, w.message) for w in summary.warnings] == [
        ("empty", "summary: the model returned an empty summary")
    ]


def test_the_language_model_loads_with_the_pipeline(tiny_config):
    from translator.text import language

    language._identifier.cache_clear()
    Pipeline.from_config(tiny_config, summarize=False)
    assert language._identifier.cache_info().currsize == 1, (
        "the first text would pay for loading it in its segment timing"
    )


def test_french_is_refused_in_the_words_of_the_api(tiny_pipeline):
    from translator.errors import LanguageError

    french = "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux mercredi."  # noqa: E501
    with pytest.raises(LanguageError, match=r"pass force=True to translate it anyway"):
        tiny_pipeline(french)
    assert tiny_pipeline(french, force=True).warnings[0].kind == "language"


def test_translate_and_summarize_checks_the_text_before_any_model_loads(tiny_config, monkeypatch):
    from translator.errors import LanguageError

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for a text that is refused")

    monkeypatch.setattr(Pipeline, "from_config", no_loading)
    french = (
        "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux."
    )
    with pytest.raises(InputError, match="empty"):
        translate_and_summarize("", config=tiny_config)
    with pytest.raises(LanguageError, match=r"pass force=True"):
        translate_and_summarize(french, config=tiny_config)


def test_translate_and_summarize_takes_force_as_the_cli_takes_force(tiny_config):
    french = (
        "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux."
    )
    result = translate_and_summarize(french, config=tiny_config, summarize=False, force=True)
    assert result.segments and any(f.kind == "language" for f in result.warnings)
