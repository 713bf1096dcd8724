"""Confidence per sentence: the model's own probabilities, in [0, 1], ordered as the model scores
them; a flag below low_confidence, the source kept below min_confidence."""

from __future__ import annotations

import math

import pytest

from translator import Pipeline
from translator.documents.output import render
from translator.testing.tiny import tiny_config_text

from helpers import SENTENCES, config_with_memory

TEXTS = [SENTENCES[0], "Harga beras naik 2,5 persen.", SENTENCES[1], "Dia tiba."]


def _config(tiny_dirs, tmp_path, beams: int = 3, backend: str = "transformers", extra: str = ""):
    text = (
        tiny_config_text(*tiny_dirs, translation_extra=extra)
        .replace("    num_beams: 1\n", f"    num_beams: {beams}\n", 1)
        .replace("backend: transformers", f"backend: {backend}\n  compute_type: float32", 1)
    )
    path = tmp_path / f"{backend}-{beams}-{len(extra)}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _forced_confidence(model, source: str, output_ids) -> float:
    """exp(mean log-probability) of ``output_ids`` under the model, by one teacher-forced pass."""
    import torch

    batch = model.tokenizer([source], return_tensors="pt")
    with torch.inference_mode():
        logits = model.model(**batch, decoder_input_ids=output_ids.unsqueeze(0)).logits[0]
    chosen = torch.log_softmax(logits[:-1], dim=-1).gather(1, output_ids[1:, None]).squeeze(1)
    return math.exp(chosen.mean().item())


@pytest.mark.parametrize("beams", [1, 3])
def test_confidence_is_the_models_own_probability_of_what_it_chose(tiny_dirs, tmp_path, beams):
    import torch

    pipeline = Pipeline.from_config(_config(tiny_dirs, tmp_path, beams), summarize=False)
    model = pipeline.translator.model
    outputs = model.generate(TEXTS, {"max_new_tokens": 8, "num_beams": beams})
    for source, output in zip(TEXTS, outputs):
        batch = model.tokenizer([source], return_tensors="pt")
        with torch.inference_mode():
            ids = model.model.generate(**batch, num_beams=beams, max_new_tokens=8)[0][: output.new_tokens + 1]
        expected = _forced_confidence(model, source, ids)
        assert 0.0 <= output.confidence <= 1.0
        # Beam search scores with the model's log-softmax as it is; greedy renormalises after the
        # logits processors (Marian's ban on the pad token), which moves it by a hair.
        assert output.confidence == pytest.approx(expected, rel=1e-4 if beams > 1 else 0.05)


def test_every_segment_carries_its_confidence_in_json_and_markdown(tiny_dirs, tmp_path):
    pipeline = Pipeline.from_config(_config(tiny_dirs, tmp_path), summarize=False)
    result = pipeline(" ".join(TEXTS), summarize=False)
    assert all(0.0 <= s.confidence <= 1.0 for s in result.segments)
    assert all("confidence" in s for s in result.to_dict()["segments"])
    table = render(result, "markdown", summary=False, side_by_side=True)
    assert "| Confidence |" in table and f"{result.segments[0].confidence:.2f}" in table


def test_both_backends_agree_on_confidence(tiny_dirs, tmp_path):
    reference = Pipeline.from_config(_config(tiny_dirs, tmp_path), summarize=False)
    fast = Pipeline.from_config(_config(tiny_dirs, tmp_path, backend="ctranslate2"), summarize=False)
    for source in TEXTS:
        a, b = reference(source, summarize=False).segments[0], fast(source, summarize=False).segments[0]
        assert a.translation == b.translation
        assert b.confidence == pytest.approx(a.confidence, rel=0.02), source


def test_low_confidence_flags_and_min_confidence_keeps_the_source(tiny_dirs, tmp_path):
    flagged = Pipeline.from_config(
        _config(tiny_dirs, tmp_path, extra="  low_confidence: 1.0\n"), summarize=False
    )
    result = flagged(" ".join(TEXTS), summarize=False)
    for index, segment in enumerate(result.segments):
        kinds = [f.kind for f in segment.flags]
        assert "low_confidence" in kinds and segment.translation != segment.source
        flag = next(f for f in segment.flags if f.kind == "low_confidence")
        assert flag.segment == index and float(flag.detail) == pytest.approx(segment.confidence, abs=1e-4)
    quiet = Pipeline.from_config(
        _config(tiny_dirs, tmp_path, extra="  low_confidence: 0.0\n"), summarize=False
    )
    assert not [
        f
        for s in quiet(" ".join(TEXTS), summarize=False).segments
        for f in s.flags
        if f.kind == "low_confidence"
    ]

    kept = Pipeline.from_config(
        _config(tiny_dirs, tmp_path, extra="  min_confidence: 1.0\n"), summarize=False
    )
    result = kept(" ".join(TEXTS), summarize=False)
    for segment in result.segments:
        assert segment.translation == segment.source and segment.origin == "source"
        assert [f.kind for f in segment.flags if f.kind != "length_cap"] == ["source_kept"]
    assert result.translation == " ".join(TEXTS)


def test_a_threshold_out_of_range_names_the_key(tiny_dirs, tmp_path):
    from translator import ConfigError, load_config

    with pytest.raises(ConfigError, match="translation.min_confidence: must be a number from 0 to 1"):
        load_config(_config(tiny_dirs, tmp_path, extra="  min_confidence: 5\n"))


def test_the_memory_keeps_a_sentences_confidence(tiny_dirs, tmp_path):
    config = config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3")
    first = Pipeline.from_config(config, summarize=False)(TEXTS[0], summarize=False).segments[0]
    again = Pipeline.from_config(config, summarize=False)(TEXTS[0], summarize=False).segments[0]
    assert again.origin == "memory" and again.confidence == first.confidence is not None


def _alternatives_config(tiny_dirs, tmp_path):
    return _config(tiny_dirs, tmp_path, beams=4, extra="  candidates: 4\n")


def test_segments_carry_the_beams_other_translations(tiny_dirs, tmp_path):
    pipeline = Pipeline.from_config(_alternatives_config(tiny_dirs, tmp_path), summarize=False)
    outputs = pipeline.translator.model.generate([TEXTS[0]], pipeline.translator.settings(20), 4)
    beam = [outputs[0].text] + [a.text for a in outputs[0].alternatives]
    segment = pipeline(TEXTS[0], summarize=False).segments[0]
    assert len(segment.alternatives) >= 2
    assert segment.translation not in segment.alternatives
    assert len(set(segment.alternatives)) == len(segment.alternatives)
    assert set(segment.alternatives) <= set(beam), "alternatives are the beam's own hypotheses"
    assert segment.to_dict()["alternatives"] == list(segment.alternatives)


def test_libretranslate_alternatives(tiny_dirs, tmp_path):
    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    pipeline = Pipeline.from_config(_alternatives_config(tiny_dirs, tmp_path), summarize=False)
    client = ready_client(create_app(ServerSettings(), lambda: {"default": pipeline}))
    try:
        body = {"q": TEXTS[0], "source": "id", "target": "en", "alternatives": 2}
        answer = client.post("/translate", json=body).json()
        assert len(answer["alternatives"]) == 2
        assert answer["translatedText"] not in answer["alternatives"]
        assert answer["alternatives"][0] != answer["alternatives"][1]
        many = client.post("/translate", json={**body, "q": [TEXTS[0], TEXTS[1]]}).json()
        assert len(many["alternatives"]) == 2 and all(len(a) == 2 for a in many["alternatives"])
        plain = client.post("/translate", json={**body, "alternatives": 0}).json()
        assert "alternatives" not in plain
        too_many = client.post("/translate", json={**body, "alternatives": 99})
        assert too_many.status_code == 400 and "alternatives" in too_many.json()["error"]
    finally:
        client.close()
