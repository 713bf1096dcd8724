from __future__ import annotations

import time

import pytest
import torch

from translator.config import ModelConfig
from translator.errors import ModelLoadError
from translator.loading import hub_unreachable_reason, load_model, load_seq2seq


def test_offline_hub_id_fails_fast_naming_the_model_and_the_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    with pytest.raises(ModelLoadError) as info:
        # An id that no cache holds, so the test means the same on a machine that has real models.
        load_seq2seq("translation", ModelConfig(model="translator-tests/no-such-model", revision="main", device="cpu"))
    assert time.perf_counter() - started < 30
    message = str(info.value)
    assert "'translator-tests/no-such-model@main'" in message
    assert "HF_HUB_OFFLINE is set" in message
    assert "hf download translator-tests/no-such-model --revision main" in message
    assert "translation.model" in message and "local directory" in message
    assert "\n" not in message


def test_hub_probe_reports_a_closed_endpoint(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    reason = hub_unreachable_reason()
    assert reason is not None and "127.0.0.1:9" in reason


def test_local_directory_without_model_files(tmp_path):
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ModelLoadError, match="summarization.model: .*empty-model: no config.json"):
        load_model("summarization", ModelConfig(model=str(tmp_path / "empty-model"), device="cpu"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA; the error path cannot happen")
def test_cuda_on_a_machine_without_it(tiny_dirs):
    with pytest.raises(ModelLoadError, match="translation.device: cuda was asked for"):
        load_seq2seq("translation", ModelConfig(model=str(tiny_dirs[0]), device="cuda"))


def test_local_directory_loads_with_its_own_limit(tiny_dirs):
    loaded = load_seq2seq("translation", ModelConfig(model=str(tiny_dirs[0]), device="cpu"))
    assert loaded.max_input_tokens == 64
    assert loaded.device == "cpu"
    assert loaded.count_tokens("Harga beras naik.") >= 2
