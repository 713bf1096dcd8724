"""The CTranslate2 backend on the tiny models: same contract, conversion cached, safe when killed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from translator import ModelLoadError, Pipeline, load_config
from translator.models import ct2
from translator.testing.tiny import tiny_config_text

from helpers import CHILD_CWD, check_contract, cli

TEXTS = [
    "Harga beras naik 2,5 persen.",
    "Pemerintah kota Bandung mulai menguji coba bus listrik.",
    "Dr. Ir. H. Arief, M.Si., tiba.",
]


def ct2_config(tiny_dirs, tmp_path: Path, backend: str = "ctranslate2") -> Path:
    path = tmp_path / f"{backend}.yaml"
    path.write_text(
        tiny_config_text(*tiny_dirs).replace("backend: transformers", f"backend: {backend}"), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def ct2_pipeline(tiny_dirs, tmp_path_factory):
    return Pipeline.from_config(ct2_config(tiny_dirs, tmp_path_factory.mktemp("ct2")))


def test_ct2_results_keep_the_contract(ct2_pipeline, example_text):
    result = ct2_pipeline(example_text)
    check_contract(example_text, result)
    assert ct2_pipeline.translator.model.backend == "ctranslate2"
    assert "backend:ct2-int8" in result.signature
    assert result.summary_rounds >= 1


def test_ct2_tokenization_matches_the_hf_tokenizers(ct2_pipeline, tiny_pipeline):
    english = ["The city began testing electric buses.", "Rice prices rose percent per kg."]
    for stage, texts in (("translation", TEXTS), ("summarization", english)):
        fast, reference = (
            (p.translator.model if stage == "translation" else p.summary.model)
            for p in (ct2_pipeline, tiny_pipeline)
        )
        for text in texts:
            ids = reference.tokenizer(text)["input_ids"]
            assert fast.tokenizer.encode(text) == reference.tokenizer.convert_ids_to_tokens(ids), (
                stage,
                text,
            )
            assert fast.count_tokens(text) == reference.count_tokens(text)


def test_ct2_float32_and_transformers_give_the_same_greedy_outputs(tiny_dirs, tmp_path):
    # float32, so that no int8 rounding flips a near-tie of random weights; no retry, so greedy only.
    text = tiny_config_text(*tiny_dirs)
    reference_config, fast_config = tmp_path / "pt.yaml", tmp_path / "ct2.yaml"
    reference_config.write_text(text, encoding="utf-8")
    fast_config.write_text(
        text.replace("backend: transformers", "backend: ctranslate2\n  compute_type: float32"),
        encoding="utf-8",
    )
    reference, fast = Pipeline.from_config(reference_config), Pipeline.from_config(fast_config)
    assert fast.translator.model.compute_type == "float32"
    for source in TEXTS:
        assert fast(source, summarize=False).translation == reference(source, summarize=False).translation
    english = ["The city began testing electric buses on three corridors.", "Rice prices rose."]
    assert (
        fast.summary.summarizer.summarize(english).text
        == reference.summary.summarizer.summarize(english).text
    )


def test_the_conversion_is_cached_and_reused(tiny_dirs, tmp_path, monkeypatch):
    config = ct2_config(tiny_dirs, tmp_path)
    first = Pipeline.from_config(config, summarize=False)
    cached = ct2.converted_dir(load_config(config).translation, "int8")
    assert (cached / "translator.json").is_file() and (cached / "model.bin").is_file()

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2, "_convert_into", no_conversion)
    second = Pipeline.from_config(config, summarize=False)
    assert second(TEXTS[1], summarize=False).translation == first(TEXTS[1], summarize=False).translation
    listed = cli("models", "list", "--config", str(config))
    assert (
        listed.returncode == 0
        and "CTranslate2: int8, " in listed.stdout.decode()
        and str(cached) in listed.stdout.decode()
    )


def test_a_conversion_killed_half_way_is_never_used(tiny_dirs, tmp_path, monkeypatch):
    cfg = load_config(ct2_config(tiny_dirs, tmp_path)).translation
    cfg = type(cfg)(**{**cfg.__dict__, "compute_type": "int8_float32"})  # a cache entry of its own
    target = ct2.converted_dir(cfg, "int8_float32")
    real = ct2._convert_into

    def dies_half_way(cfg_, quantization, out):
        out.mkdir(parents=True)
        (out / "model.bin").write_bytes(b"half a model")
        raise KeyboardInterrupt  # what a Ctrl-C or a kill mid-conversion looks like from here

    monkeypatch.setattr(ct2, "_convert_into", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        ct2.convert(cfg, "int8_float32", "translation")
    assert not target.exists()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")], (
        "a temp directory was left"
    )
    monkeypatch.setattr(ct2, "_convert_into", real)
    assert (
        ct2.convert(cfg, "int8_float32", "translation") == target and (target / "translator.json").is_file()
    )


def test_an_unwritable_cache_falls_back_to_transformers_under_auto(tiny_dirs, tmp_path, monkeypatch):
    """A read-only home, a container, a Ray worker: the cache cannot be made, and auto falls back."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_CACHE", str(blocker))
    pipeline = Pipeline.from_config(ct2_config(tiny_dirs, tmp_path, backend="auto"), summarize=False)
    assert pipeline.translator.model.backend == "transformers"
    flags = [w for w in pipeline(TEXTS[0], summarize=False).warnings if w.kind == "backend"]
    assert (
        len(flags) == 1
        and "cannot write the cache" in flags[0].message
        and "TRANSLATOR_CACHE" in flags[0].message
    )


def test_an_unwritable_cache_with_backend_ctranslate2_is_one_clear_error(tiny_dirs, tmp_path, monkeypatch):
    from translator import ConversionError

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_CACHE", str(blocker))
    with pytest.raises(ConversionError, match="cannot write the cache"):
        Pipeline.from_config(ct2_config(tiny_dirs, tmp_path), summarize=False)


def test_only_a_conversion_error_makes_auto_fall_back(tiny_dirs, tmp_path, monkeypatch):
    """An offline hub is not a conversion problem: auto reports it instead of trying transformers."""
    from translator.config import ModelConfig
    from translator.models import load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tried = []
    monkeypatch.setattr(
        "translator.models.hf.load", lambda *a, **k: tried.append(a) or pytest.fail("fell back")
    )
    with pytest.raises(ModelLoadError, match="hub cannot be reached") as info:
        load_model(
            "translation", ModelConfig(model="translator-tests/no-such-model", backend="auto", device="cpu")
        )
    assert not isinstance(info.value, __import__("translator").ConversionError) and not tried


def test_auto_falls_back_to_transformers_with_a_flag(tiny_dirs, tmp_path, monkeypatch):
    def unsupported(cfg, quantization, out):
        raise ValueError("No conversion is registered for the model configuration MarianConfig")

    monkeypatch.setattr(ct2, "converted_dir", lambda cfg, q: tmp_path / "nowhere" / q)
    monkeypatch.setattr(ct2, "_convert_into", unsupported)
    pipeline = Pipeline.from_config(ct2_config(tiny_dirs, tmp_path, backend="auto"), summarize=False)
    assert pipeline.translator.model.backend == "transformers"
    result = pipeline(TEXTS[0], summarize=False)
    flags = [w for w in result.warnings if w.kind == "backend"]
    assert len(flags) == 1 and "using transformers, because cannot convert" in flags[0].message


def test_auto_uses_ctranslate2_when_it_converts(tiny_dirs, tmp_path):
    pipeline = Pipeline.from_config(ct2_config(tiny_dirs, tmp_path, backend="auto"), summarize=False)
    assert pipeline.translator.model.backend == "ctranslate2"


def test_asking_for_ctranslate2_without_it_names_the_fix(tiny_dirs, tmp_path, monkeypatch):
    monkeypatch.setattr(ct2, "available", lambda: False)
    with pytest.raises(ModelLoadError, match="ctranslate2 is not installed"):
        Pipeline.from_config(ct2_config(tiny_dirs, tmp_path), summarize=False)


@pytest.mark.slow
def test_a_cached_ct2_run_imports_neither_torch_nor_transformers(ct2_pipeline, tiny_dirs, tmp_path):
    config = ct2_config(tiny_dirs, tmp_path)
    code = (
        "import sys\n"
        "from translator import Pipeline\n"
        f"r = Pipeline.from_config({str(config)!r})('Harga beras naik. Pemerintah kota Bandung mulai menguji "
        "coba bus listrik.')\n"
        "assert r.translation and r.summary\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, [m for m in sys.modules if "
        "m.startswith(('torch', 'transformers'))][:5]\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=CHILD_CWD,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr


def test_models_clear_cache_removes_the_conversions(tiny_dirs, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATOR_CACHE", str(tmp_path / "cache"))
    Pipeline.from_config(ct2_config(tiny_dirs, tmp_path), summarize=False)
    converted = tmp_path / "cache" / "ct2"
    assert any(converted.iterdir())
    proc = cli("models", "clear-cache")
    assert proc.returncode == 0 and f"removed {converted} (" in proc.stdout.decode()
    assert not converted.exists()
    again = cli("models", "clear-cache")
    assert again.returncode == 0 and "nothing to remove" in again.stdout.decode()


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_both_backends_return_the_beam_candidates_with_their_scores(tiny_dirs, tmp_path, backend):
    pipeline = Pipeline.from_config(ct2_config(tiny_dirs, tmp_path, backend=backend), summarize=False)
    settings = {"num_beams": 4, "max_new_tokens": 6, "min_new_tokens": 2}
    outputs = pipeline.translator.model.generate(TEXTS[:2], settings, candidates=4)
    assert len(outputs) == 2
    for output in outputs:
        ranked = [output, *output.alternatives]
        assert len(ranked) == 4 and all(isinstance(g.text, str) and g.score is not None for g in ranked)
        assert [g.score for g in ranked] == sorted((g.score for g in ranked), reverse=True)
    single = pipeline.translator.model.generate(TEXTS[:1], settings)[0]
    assert single.alternatives == () and single.text == outputs[0].text
