"""`translator doctor`: each check on both sides (ready, not ready with its fix) and the exit code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from translator.cli import diagnose
from translator.config import load_config

from helpers import cli

VNNI = "processor : 0\nflags : fpu sse2 avx avx2 avx512f avx512_vnni\n"
AVX2 = "processor : 0\nflags : fpu sse2 avx avx2\n"
OLD = "processor : 0\nflags : fpu sse2\n"
ARM = "processor : 0\nFeatures : fp asimd evtstrm\n"


@pytest.mark.parametrize(
    "cpuinfo, status, says",
    [
        (VNNI, "ok", "AVX-512 VNNI: int8 runs at full speed"),
        (AVX2, "ok", "AVX2: int8 runs (VNNI would make it faster)"),
        (ARM, "ok", "int8 runs"),
        (OLD, "note", "int8 will be slow"),
    ],
)
def test_the_cpu_check_reads_the_int8_instruction_sets(cpuinfo, status, says):
    check = diagnose.cpu(cpuinfo)
    assert check.status == status
    assert says in check.detail


def test_the_vnni_line_is_not_claimed_for_a_cpu_without_it():
    assert "VNNI" not in diagnose.cpu(AVX2).detail.split(":")[0]


def _hub_config(tmp_path: Path, model: str = "nobody/not-a-model", cache: str = "null") -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(
        f"translation:\n  model: {model}\nsummarization:\n  method: extractive\ncache: {cache}\n",
        encoding="utf-8",
    )
    return path


def test_a_hub_model_not_cached_fails_with_the_download_fix_when_the_hub_is_out_of_reach(tmp_path):
    config = load_config(_hub_config(tmp_path))
    asked = []
    checks = diagnose.models(config, lambda: asked.append(1) or "no network")
    translation = checks[0]
    assert translation.status == "fail"
    assert "no network" in translation.detail
    assert "hf download nobody/not-a-model" in translation.fix
    assert checks[1].status == "ok" and "extractive" in checks[1].detail
    assert asked == [1]


def test_a_hub_model_not_cached_is_ready_when_the_hub_answers(tmp_path):
    config = load_config(_hub_config(tmp_path))
    check = diagnose.models(config, lambda: None)[0]
    assert check.status == "ok"
    assert "downloaded on first use" in check.detail


def test_the_hub_is_asked_once_for_two_missing_models(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("translation:\n  model: nobody/a\nsummarization:\n  model: nobody/b\ncache: null\n")
    asked = []
    checks = diagnose.models(load_config(path), lambda: asked.append(1) or "offline")
    assert [c.status for c in checks] == ["fail", "fail"]
    assert asked == [1]


def test_a_local_model_directory_is_checked_without_the_hub(tiny_dirs, tmp_path):
    marian, _ = tiny_dirs
    config = load_config(_hub_config(tmp_path, model=str(marian)))
    check = diagnose.models(config, lambda: pytest.fail("the hub was asked about a local directory"))[0]
    assert check.status == "ok"
    assert "local directory" in check.detail


def test_a_local_directory_without_a_model_fails_naming_what_is_missing(tmp_path):
    empty = tmp_path / "empty-model"
    empty.mkdir()
    config = load_config(_hub_config(tmp_path, model=str(empty)))
    check = diagnose.models(config, lambda: None)[0]
    assert check.status == "fail"
    assert "no config.json" in check.detail
    assert "save_pretrained" in check.fix


def test_the_memory_check_reports_a_new_an_existing_and_a_foreign_file(tmp_path):
    from translator.memory.store import TranslationMemory

    new = tmp_path / "new.sqlite3"
    assert diagnose.memory(load_config(_hub_config(tmp_path, cache=str(new)))).detail.endswith(
        "created on first use"
    )
    assert not new.exists(), "the check made the file"

    kept = tmp_path / "kept.sqlite3"
    TranslationMemory(kept).clear()
    check = diagnose.memory(load_config(_hub_config(tmp_path, cache=str(kept))))
    assert (check.status, "0 entries" in check.detail) == ("ok", True)

    foreign = tmp_path / "foreign.sqlite3"
    import sqlite3

    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE other (x)")
    check = diagnose.memory(load_config(_hub_config(tmp_path, cache=str(foreign))))
    assert check.status == "fail"
    assert "not a translator memory" in check.detail
    assert foreign.exists(), "the check set the user's file aside"


def test_a_memory_under_a_file_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    check = diagnose.memory(load_config(_hub_config(tmp_path, cache=str(blocker / "memory.sqlite3"))))
    assert check.status == "fail"
    assert "TRANSLATOR_CACHE" in check.fix


def test_a_cache_directory_that_cannot_be_made_fails_with_the_variable_to_set(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("TRANSLATOR_CACHE", str(blocker / "cache"))
    checks = {c.name: c for c in diagnose.cache_directories()}
    assert checks["translator cache"].status == "fail"
    assert "TRANSLATOR_CACHE" in checks["translator cache"].fix


def test_doctor_on_a_ready_config_exits_0(tiny_config):
    proc = cli("doctor", "--config", str(tiny_config), "--no-run")
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    lines = {line.split()[1]: line for line in out.splitlines() if line[:4] in ("ok  ", "note", "FAIL")}
    assert {"python", "packages", "config", "translation", "summarization", "memory", "cpu"} <= set(lines)
    assert "everything the configuration needs is ready" in out


def test_doctor_names_what_is_not_ready_and_exits_1(tmp_path):
    proc = cli("doctor", "--config", str(_hub_config(tmp_path)), "--no-run")
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert "FAIL  translation" in out
    assert "fix: on a connected machine run `hf download nobody/not-a-model`" in out
    assert "1 not ready (translation)" in out


def test_doctor_reports_a_bad_config_as_a_check_and_goes_on(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("translation:\n  model: x/y\n  batch_size: -3\n", encoding="utf-8")
    proc = cli("doctor", "--config", str(path), "--no-run")
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert "FAIL  config" in out and "batch_size" in out
    assert "ok    cpu" in out


def test_a_broken_end_to_end_run_fails_the_doctor(tiny_config, monkeypatch):
    def broken(work, backend="transformers"):
        raise RuntimeError("the tokenizer could not be trained")

    monkeypatch.setattr("translator.testing.tiny.build_tiny_setup", broken)
    before = os.environ.get("TRANSLATOR_CACHE")
    proc = cli("doctor", "--config", str(tiny_config))
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert "FAIL  end to end" in out and "the tokenizer could not be trained" in out
    assert os.environ.get("TRANSLATOR_CACHE") == before


@pytest.mark.slow
def test_the_end_to_end_run_translates_and_summarises_on_tiny_models(tiny_config):
    before = os.environ.get("TRANSLATOR_CACHE")
    proc = cli("doctor", "--config", str(tiny_config))
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    line = next(line for line in out.splitlines() if line.startswith("ok    end to end"))
    assert "4 sentences translated and summarised" in line
    assert os.environ.get("TRANSLATOR_CACHE") == before
