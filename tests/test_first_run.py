"""A first run with no models and no hub: one message that names every missing model and the ways
forward, before anything loads; a summariser that falls back to extractive does not stop a run."""

from __future__ import annotations

import pytest

from translator import ModelLoadError, Pipeline
from translator.config import parse_config
from translator.engine._loading import load_parts

HUB_MODELS = {
    "translation": {"model": "Helsinki-NLP/opus-mt-id-en"},
    "summarization": {"model": "sshleifer/distilbart-cnn-12-6", "fallback": "none"},
    "cache": None,
}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No hub, an empty hub cache and an empty conversion cache."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("TRANSLATOR_CACHE", str(tmp_path / "translator"))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))


def test_every_missing_model_is_named_with_the_three_ways_forward(offline):
    config = parse_config(HUB_MODELS, source="my.yaml")
    with pytest.raises(ModelLoadError) as info:
        load_parts(config, summarize=True, translate=True, on_load=None)
    message = str(info.value)
    assert "'Helsinki-NLP/opus-mt-id-en'" in message and "'sshleifer/distilbart-cnn-12-6'" in message
    assert "hub cannot be reached (HF_HUB_OFFLINE is set)" in message
    assert "(1) on a connected machine run `translator models download`" in message
    assert "hf download Helsinki-NLP/opus-mt-id-en && hf download sshleifer/distilbart-cnn-12-6" in message
    assert "set each model in my.yaml to a local directory" in message
    assert "(2) `translator doctor`" in message
    assert "(3) `--summary-method extractive`" in message
    assert "\n" not in message


def test_a_missing_translation_model_alone_offers_no_summary_way(offline, tiny_dirs):
    _, bart = tiny_dirs
    data = {**HUB_MODELS, "summarization": {"model": str(bart)}}
    with pytest.raises(ModelLoadError) as info:
        load_parts(parse_config(data), summarize=True, translate=True, on_load=None)
    assert "'Helsinki-NLP/opus-mt-id-en'" in str(info.value) and "distilbart" not in str(info.value)
    assert "--summary-method extractive" not in str(info.value)


def test_a_summariser_that_falls_back_does_not_stop_the_run_but_is_named_beside_a_missing_translator(
    offline, tiny_dirs
):
    marian, _ = tiny_dirs
    falls_back = {"model": "sshleifer/distilbart-cnn-12-6", "fallback": "extractive"}
    data = {"translation": {"model": str(marian)}, "summarization": falls_back, "cache": None}
    with Pipeline.from_config(parse_config(data)) as pipeline:
        result = pipeline("Harga beras naik. Pemerintah menambah pasokan ke pasar.")
    assert result.summary_method == "extractive"
    assert any("did not load" in flag.message for flag in result.warnings)
    both = {**HUB_MODELS, "summarization": falls_back}
    with pytest.raises(ModelLoadError, match=r"distilbart-cnn-12-6' \(it would fall back to extractive\)"):
        load_parts(parse_config(both), summarize=True, translate=True, on_load=None)


def test_the_packaged_default_is_never_the_file_to_edit(offline):
    """Run with no models.yaml of one's own, the fix names a copy to make, not the installed file."""

    from translator.config.discovery import user_config_path

    config = parse_config(HUB_MODELS, source="/site-packages/translator/models.yaml").model_copy(
        update={"found_by": "the packaged default"}
    )
    with pytest.raises(ModelLoadError) as info:
        load_parts(config, summarize=False, translate=True, on_load=None)
    message = str(info.value)
    assert (
        f"copy /site-packages/translator/models.yaml to {user_config_path()}, or pass --config FILE"
        in message
    )
    assert "set each model in a models.yaml of your own" in message
