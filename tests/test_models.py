from __future__ import annotations

import pytest
import torch

from translator.config import ModelConfig
from translator.errors import ModelLoadError
from translator.models import load_model
from translator.models.base import resolve_device
from translator.models.hf import load as load_seq2seq
from translator.models.hub import hub_unreachable_reason


def test_offline_hub_id_fails_fast_naming_the_model_and_the_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError) as info:
        # An id that no cache holds, so the test means the same on a machine that has real models.
        load_seq2seq(
            "translation", ModelConfig(model="translator-tests/no-such-model", revision="main", device="cpu")
        )
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


@pytest.mark.parametrize(
    "name, cuda, mps, expected",
    [
        ("auto", False, False, "cpu"),
        ("auto", True, False, "cuda"),
        ("auto", False, True, "mps"),
        ("cpu", True, True, "cpu"),
        ("mps", False, True, "mps"),
    ],
)
def test_one_device_rule_for_every_backend(name, cuda, mps, expected):
    assert resolve_device(name, "translation.device", cuda=cuda, mps=mps, runtime="x") == expected


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_a_named_device_that_is_not_there_is_an_error_never_a_quiet_cpu(name):
    with pytest.raises(
        ModelLoadError,
        match=f"translation.device: {name} was asked for, but CTranslate2 sees no {name.upper()} device",
    ):
        resolve_device(name, "translation.device", cuda=False, mps=False, runtime="CTranslate2")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA; the error path cannot happen")
def test_a_device_chosen_on_the_command_line_is_blamed_on_the_option(tiny_config):
    from helpers import cli

    proc = cli(
        "translate", "--config", str(tiny_config), "--device", "cuda", stdin="Harga beras naik.".encode()
    )
    assert proc.returncode == 1
    assert "translator: error: --device: cuda was asked for" in proc.stderr.decode()
    assert "translation.device" not in proc.stderr.decode()


@pytest.mark.parametrize("which", [0, 1])
def test_counting_tokens_gives_the_tokenizers_own_length(tiny_dirs, which):
    """count_tokens counts without looking ids up; the count must be what the model is fed."""
    model = load_seq2seq(
        "translation" if which == 0 else "summarization", ModelConfig(model=str(tiny_dirs[which]))
    )
    texts = [
        "",
        "Harga beras naik 2,5 persen.",
        "“Stok aman,” kata Arief. " * 20,
        "<unk> </s> tak dikenal ☃ 北京",
        ">>ind<< Harga beras naik.",
        "  dua  spasi\tdan tab, lalu e\u0301 terpisah  ",
        "panah >> di tengah, <pad> juga",
    ]
    # The translation model (Marian) counts from its SentencePiece model straight, past
    # transformers' tokenize(); those counts must be the same too.
    assert (model._pieces is not None) == (which == 0)
    for text in texts:
        assert model.count_tokens(text) == len(model.tokenizer(text, add_special_tokens=True)["input_ids"])
