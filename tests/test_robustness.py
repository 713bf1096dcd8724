"""Every kind of bad input, through the command line: a clear answer, before any model loads, no traceback."""

from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from unittest import mock

import pytest

from translator.testing.tiny import tiny_config_text

from helpers import cli, run

INDONESIAN = "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama pada hari Rabu."
ENGLISH = (
    "The city government began testing electric buses on three main corridors on Wednesday, officials said."
)
FRENCH = "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux mercredi."  # noqa: E501
MALAY = "Kerajaan Malaysia akan melaksanakan dasar baharu bagi membantu rakyat yang terjejas akibat banjir di negeri Kelantan."  # noqa: E501
MIXED = (
    'Presiden mengatakan bahwa "we are ready for the next step" dalam pidatonya di Jakarta pada hari Senin.'
)
WORDS = "harga beras naik pemerintah kota bandung menguji bus listrik koridor warga pasar banjir rumah sekolah".split()  # noqa: E501


@dataclass
class Case:
    id: str
    exit: int
    fragment: str  # must appear in one stderr line ("" for none expected)
    stdin: bytes | None = None
    file: bytes | None = None  # written to a file named `name`, passed as INPUT
    name: str = "input.txt"
    args: list[str] = field(default_factory=list)
    config_extra: str = ""  # top-level lines appended to the tiny models.yaml
    check: Callable[[dict], None] | None = None  # on the JSON output of a successful run


def _no_cr(data: dict) -> None:
    assert data["segments"] and all("\r" not in s["source"] for s in data["segments"])
    assert max(s["paragraph"] for s in data["segments"]) == 1


def _one_segment_in_pieces(data: dict) -> None:
    assert len(data["segments"]) == 1 and data["segments"][0]["pieces"] > 10
    assert any(w["kind"] == "split" for w in data["warnings"])
    assert data["segments"][0]["translation"].strip()


def _kept_invisible_characters(data: dict) -> None:
    assert data["segments"][0]["source"].startswith("Harga\u200b beras\u00ad naik")
    assert data["segments"][0]["translation"].strip()


def _sentences(n: int) -> Callable[[dict], None]:
    def check(data: dict) -> None:
        assert len(data["segments"]) == n and all(s["translation"] for s in data["segments"])

    return check


def _has_article(data: dict) -> None:
    assert INDONESIAN in [s["source"] for s in data["segments"]]


def _no_bom(data: dict) -> None:
    assert data["segments"][0]["source"] == "Harga beras naik."


def _latin1(data: dict) -> None:
    assert data["segments"][0]["source"] == "Kafé di Bandung menaikkan harga kopi."


def _no_language_flag(data: dict) -> None:
    assert not [w for w in data["warnings"] if w["kind"] == "language"]


def _long_sentence() -> bytes:
    rng = random.Random(7)
    words = []
    while sum(len(w) + 1 for w in words) < 20_000:
        words.append(rng.choice(WORDS))
    return " ".join(words).encode()


CASES = [
    Case("empty-file", 2, "input.txt: the input is empty", file=b""),
    Case("whitespace-only", 2, "the input is empty", stdin=b" \t\n\r\n  \n"),
    Case("punctuation-only", 2, "no letters or digits", stdin="?!... --- !!! …".encode()),
    Case("emoji-only", 2, "no letters or digits", stdin="😀🎉🔥 🇮🇩".encode()),
    Case("control-characters-only", 2, "no letters or digits", stdin=b"\x01\x02\x03\x1b\x7f"),
    Case(
        "zero-width-and-control",
        0,
        "",
        stdin="Harga\u200b beras\u00ad naik\x07 di pasar.\x1b".encode(),
        check=_kept_invisible_characters,
    ),
    Case("nul-bytes", 2, "binary file (NUL byte at offset 3)", stdin=b"abc\x00def"),
    Case("binary-file", 2, "binary file", file=random.Random(1).randbytes(4096), name="data.bin"),
    Case("invalid-utf8", 2, "not valid UTF-8 at byte offset 6", stdin=b"Harga \xff\xfa naik"),
    Case(
        "latin1-without-encoding",
        2,
        "--encoding latin-1",
        file="Kafé di Bandung menaikkan harga kopi.".encode("latin-1"),
    ),
    Case(
        "latin1-with-encoding",
        0,
        "",
        file="Kafé di Bandung menaikkan harga kopi.".encode("latin-1"),
        args=["--encoding", "latin-1"],
        check=_latin1,
    ),
    Case(
        "unknown-encoding",
        2,
        "unknown encoding 'klingon'",
        stdin=b"Harga naik.",
        args=["--encoding", "klingon"],
    ),
    Case("utf16-with-bom", 0, "", file="Harga beras naik.".encode("utf-16"), check=_no_bom),
    Case("utf8-with-bom", 0, "", file=b"\xef\xbb\xbfHarga beras naik.", check=_no_bom),
    Case(
        "crlf-line-endings",
        0,
        "",
        stdin=b"Harga beras naik.\r\nPemerintah menyiapkan operasi pasar.\r\n",
        check=_no_cr,
    ),
    Case("very-long-line", 0, "", stdin=(" ".join([INDONESIAN] * 250)).encode(), check=_sentences(250)),
    Case("20000-char-sentence", 0, "", stdin=_long_sentence(), check=_one_segment_in_pieces),
    Case(
        "over-max-input-chars",
        2,
        "over the max_input_chars limit of 1,000",
        stdin=((INDONESIAN + " ") * 30).encode(),
        config_extra="max_input_chars: 1000\n",
    ),
    Case(
        "file-far-over-the-limit",
        2,
        "bytes, over the max_input_chars limit",
        file=b"a" * 50_000,
        config_extra="max_input_chars: 1000\n",
    ),
    Case(
        "html-page",
        0,
        "",
        file=f"<html><body><nav>Menu</nav><article><p>{INDONESIAN}</p></article></body></html>".encode(),
        name="page.html",
        check=_has_article,
    ),
    Case("english-input", 0, "looks like English", stdin=ENGLISH.encode()),
    Case("french-input", 2, "looks like 'fr'", stdin=FRENCH.encode()),
    Case("french-input-forced", 0, "translated anyway, as forced", stdin=FRENCH.encode(), args=["--force"]),
    Case("malay-input", 0, "", stdin=MALAY.encode(), check=_no_language_flag),
    Case("mixed-indonesian-english", 0, "", stdin=MIXED.encode(), check=_no_language_flag),
]


def assert_clean_stderr(stderr: str, fragment: str, exit_code: int) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert all(line.startswith("translator: ") for line in lines), stderr
    if exit_code != 0:
        assert len(lines) == 1, stderr
    if fragment:
        assert any(fragment in line for line in lines), stderr


def _no_model_loads(*args, **kwargs):
    raise AssertionError("a model was loaded for input that should have been refused first")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_table(case: Case, tiny_dirs, tmp_path):
    config = tmp_path / "models.yaml"
    config.write_text(tiny_config_text(*tiny_dirs) + case.config_extra, encoding="utf-8")
    args = ["translate", "--config", str(config), "--format", "json", *case.args]
    if case.file is not None:
        path = tmp_path / case.name
        path.write_bytes(case.file)
        args.insert(1, str(path))
    if case.exit == 2:  # bad input is refused before any model loads
        with mock.patch("translator.engine.pipeline.Pipeline.from_config", _no_model_loads):
            proc = cli(*args, stdin=case.stdin)
    else:
        proc = cli(*args, stdin=case.stdin)
    stderr = proc.stderr.decode()
    assert proc.returncode == case.exit, stderr
    assert_clean_stderr(stderr, case.fragment, case.exit)
    if case.exit == 0:
        data = json.loads(proc.stdout)
        assert data["segments"]
        if case.check:
            case.check(data)
    else:
        assert proc.stdout == b""


@pytest.mark.parametrize(
    "setup, fragment",
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: None, "no such file"),
        (lambda p: (p.write_text(INDONESIAN), p.chmod(0)), "permission denied"),
    ],
    ids=["directory", "missing-file", "unreadable"],
)
def test_paths_that_cannot_be_read(setup, fragment, tiny_config, tmp_path):
    path = tmp_path / "berita.txt"
    setup(path)
    args = ["translate", str(path), "--config", str(tiny_config)]
    if fragment == "permission denied" and os.geteuid() == 0:
        # root reads anything; drop the capabilities that let it, as an ordinary user has none.
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to test unreadable files as root"
        proc = run(*args, prefix=[setpriv, "--bounding-set", "-dac_override,-dac_read_search"])
    else:
        with mock.patch("translator.engine.pipeline.Pipeline.from_config", _no_model_loads):
            proc = cli(*args)
    assert proc.returncode == 2
    assert_clean_stderr(proc.stderr.decode(), fragment, 2)


def _copy_model(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize(
    "breakage, fragment",
    [
        (lambda d: (d / "config.json").unlink(), "no config.json"),
        (lambda d: (d / "config.json").write_text("{not json"), "config.json is not readable JSON"),
        (
            lambda d: _edit_config(d, model_type="gpt2"),
            "model_type 'gpt2' is not a supported encoder-decoder",
        ),
        (
            lambda d: _edit_config(d, auto_map={"AutoModel": "evil.Model"}),
            "never runs code that comes with a model",
        ),
        (lambda d: (d / "model.safetensors").unlink(), "no weights"),
        (lambda d: (d / "source.spm").unlink(), "no tokenizer files"),
    ],
    ids=["no-config", "bad-json", "unsupported-type", "remote-code", "no-weights", "no-tokenizer"],
)
def test_broken_model_directories_name_the_problem(breakage, fragment, tiny_dirs, tmp_path):
    broken = _copy_model(tiny_dirs[0], tmp_path / "marian")
    breakage(broken)
    config = tmp_path / "models.yaml"
    config.write_text(tiny_config_text(broken, tiny_dirs[1]), encoding="utf-8")
    proc = cli("translate", "--config", str(config), stdin=INDONESIAN.encode())
    assert proc.returncode == 1
    assert_clean_stderr(proc.stderr.decode(), fragment, 1)
    assert str(broken) in proc.stderr.decode()


def _edit_config(directory: Path, **changes) -> None:
    path = directory / "config.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))
