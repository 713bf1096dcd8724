"""The Ray engine against the local one: same records, same resumability (a local 2-CPU Ray)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import CHILD_CWD, SENTENCES, cli, records, run


@pytest.fixture(scope="module")
def corpus_20(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ray-corpus")
    for i in range(19):
        picked = [SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3)]
        (root / f"berita-{i:02d}.txt").write_text(" ".join(picked), encoding="utf-8")
    (root / "rusak.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return root


def by_id(path: Path) -> dict[str, dict]:
    found = records(path)
    assert len(found) == len({r["id"] for r in found}), "duplicate ids"
    return {r["id"]: r for r in found}


@pytest.mark.slow
def test_ray_engine_matches_the_local_engine_and_resumes(corpus_20, tiny_config, tmp_path):
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    common = ["--config", str(tiny_config), "--pool-docs", "4"]
    proc = cli("batch", str(corpus_20), "--output", str(local), *common)
    assert proc.returncode == 1, proc.stderr.decode()

    proc = run(
        "batch",
        str(corpus_20),
        "--output",
        str(distributed),
        *common,
        "--engine",
        "ray",
        "--ray-num-cpus",
        "2",
        "--ray-actors",
        "2",
        timeout=600,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "batch: 20 documents: 19 ok, 1 failed, 0 skipped" in stderr

    expected, found = by_id(local), by_id(distributed)
    assert set(found) == set(expected) and len(found) == 20
    for doc_id, record in expected.items():
        for key in ("translation", "summary", "error", "models", "signature"):
            assert found[doc_id][key] == record[key], (doc_id, key)
    assert found["rusak.txt"]["error"] and "binary" in found["rusak.txt"]["error"]

    before = distributed.read_bytes()
    again = run(
        "batch",
        str(corpus_20),
        "--output",
        str(distributed),
        *common,
        "--engine",
        "ray",
        "--ray-num-cpus",
        "2",
        timeout=300,
    )
    assert again.returncode == 1  # the bad document still counts as failed
    assert (
        "20 documents: 0 ok, 0 failed, 20 skipped (already in the output); 1 of the skipped had failed before"
        in again.stderr.decode()
    )
    assert distributed.read_bytes() == before


@pytest.mark.slow
def test_the_local_engine_never_imports_ray(corpus_20, tiny_config, tmp_path):
    code = (
        "import sys\n"
        "from translator.cli import main\n"
        f"code = main(['batch', {str(corpus_20)!r}, '--output', {str(tmp_path / 'out.jsonl')!r}, '--config', "
        f"{str(tiny_config)!r}, '--no-summary', '--quiet'])\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
        "print(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=CHILD_CWD,
        capture_output=True,
        text=True,
        timeout=300,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
    assert len({json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()}) == 20


def test_a_missing_ray_is_named_with_the_fix(monkeypatch):
    import builtins

    from translator.batch.ray_engine import _import_ray
    from translator.errors import MissingExtraError

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingExtraError, match=r"pip install 'translator-id-en\[ray\]'"):
        _import_ray()
