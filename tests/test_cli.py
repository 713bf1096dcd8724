"""The command line as a user runs it, through main() in this process: output parsed, exit codes
checked. A few tests run a real process, where only a process can tell (imports, the hub probe)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from translator import Pipeline

from helpers import CHILD_CWD, EXAMPLE, assert_one_line_error, cli, run


def test_run_json_matches_the_api(tiny_config, tiny_pipeline):
    proc = cli("run", str(EXAMPLE), "--config", str(tiny_config), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    expected = tiny_pipeline(EXAMPLE.read_text(encoding="utf-8")).to_dict()
    for key in (
        "translation",
        "summary",
        "segments",
        "models",
        "summary_chunks",
        "summary_rounds",
        "signature",
    ):
        assert data[key] == expected[key], key
    assert "Traceback" not in proc.stderr.decode()


def test_run_reads_stdin_and_prints_text(tiny_config):
    text = "Harga beras naik. Pemerintah menyiapkan operasi pasar.\nBaca Juga: Berita Lain"
    proc = cli("run", "--config", str(tiny_config), stdin=text.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert out.startswith("Summary\n-------\n")
    assert "\nTranslation\n-----------\n" in out
    result = Pipeline.from_config(tiny_config)(text)
    assert out == f"Summary\n-------\n{result.summary}\n\nTranslation\n-----------\n{result.translation}\n"


def test_run_no_summary(tiny_config):
    proc = cli(
        "run",
        "-",
        "--config",
        str(tiny_config),
        "--format",
        "json",
        "--no-summary",
        stdin="Harga naik.".encode(),
    )
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["summary"] == "" and [m["role"] for m in data["models"]] == ["translation"]


def test_a_text_in_another_language_is_refused_naming_the_file(tmp_path, tiny_config):
    french = tmp_path / "article.txt"
    french.write_text(
        "Le gouvernement de la ville a commencé à tester des bus électriques sur trois grands axes mercredi.",
        encoding="utf-8",
    )
    proc = cli("run", str(french), "--config", str(tiny_config))
    line = assert_one_line_error(proc, 2, "looks like 'fr'", "--force")
    assert line.startswith(f"translator: error: {french}: the input looks like")


def test_bad_config_key_is_exit_2_naming_the_key(tmp_path, tiny_config):
    bad = tmp_path / "bad.yaml"
    bad.write_text(tiny_config.read_text().replace("num_beams: 1", "num_beam: 1", 1))
    proc = cli("run", str(EXAMPLE), "--config", str(bad))
    assert_one_line_error(proc, 2, "translation.generation.num_beam", "did you mean num_beams?")


@pytest.mark.slow
def test_offline_hub_id_is_exit_1_naming_the_model(tmp_path):
    env = {
        "HF_HUB_OFFLINE": "",
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HOME": str(tmp_path / "empty-cache"),
    }
    proc = run("run", str(EXAMPLE), env=env, timeout=120)  # a guard against a hang, not a timing assertion
    assert_one_line_error(
        proc,
        1,
        "Helsinki-NLP/opus-mt-id-en",
        "distilbart-cnn-12-6",
        "hub cannot be reached",
        "local directory",
    )
    assert (
        "translator doctor" in proc.stderr.decode() and "--summary-method extractive" in proc.stderr.decode()
    )


@pytest.mark.parametrize(
    "args, stdin, fragment",
    [
        (["run", "no-such-file.txt"], None, "no-such-file.txt: no such file"),
        (["run", "examples"], None, "examples: is a directory"),
        (["run", "-"], b"Harga \xff\xfa naik", "not valid UTF-8 at byte offset 6"),
        (["run", "-"], b"abc\x00def", "binary file"),
        (["run", "-"], b"   \n\n ", "the input is empty"),
        (["run", "-", "--config", "no-such.yaml"], b"Teks.", "no-such.yaml: config file not found"),
        (
            ["run", "-"],
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "stdin: a PDF document, not a text: translate the file itself",
        ),
        (
            ["run", "-"],
            b"PK\x03\x04\x14\x00\x06\x00word/document.xml",
            "not a valid office file (the zip archive is damaged)",
        ),
    ],
    ids=["missing-file", "directory", "invalid-utf8", "binary", "empty", "missing-config", "pdf", "docx"],
)
def test_bad_input_is_exit_2_with_one_line(args, stdin, fragment, tiny_config):
    if "--config" not in args:
        args = [*args, "--config", str(tiny_config)]
    proc = cli(*args, stdin=stdin)
    assert_one_line_error(proc, 2, fragment)


def test_utf8_bom_and_utf16_are_read(tiny_config):
    text = "Harga beras naik."
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        proc = cli("run", "-", "--config", str(tiny_config), "--format", "json", "--no-summary", stdin=data)
        assert proc.returncode == 0, proc.stderr.decode()
        assert [s["source"] for s in json.loads(proc.stdout)["segments"]] == [text]


def test_usage_errors_are_exit_2():
    assert cli().returncode == 2
    assert cli("run", "--format", "xml").returncode == 2


@pytest.mark.slow
def test_help_and_config_errors_do_not_import_torch_or_transformers(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "translation:\n  model: x/y\n  generation:\n    num_beam: 2\nsummarization:\n  model: a/b\n"
    )
    code = (
        "import sys, contextlib, io\n"
        "from translator.cli import main\n"
        "from translator.config import load_config\n"
        "load_config(None, profile='quality')\n"
        "with contextlib.redirect_stderr(io.StringIO()) as err:\n"
        f"    assert main(['run', '--config', {str(bad)!r}]) == 2\n"
        "assert 'did you mean num_beams' in err.getvalue()\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, sorted(sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=CHILD_CWD, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_summary_options_extractive_and_word_budget(tiny_config):
    proc = cli(
        "run",
        str(EXAMPLE),
        "--config",
        str(tiny_config),
        "--format",
        "json",
        "--summary-method",
        "extractive",
        "--summary-words",
        "25",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["summary_method"] == "extractive"
    # The summary is whole segment translations, in document order, and nothing else.
    rest, picked = data["summary"], 0
    for segment in data["segments"]:
        if segment["translation"] and rest.startswith(segment["translation"]):
            rest, picked = rest[len(segment["translation"]) :].lstrip(), picked + 1
    assert picked and rest == ""
    assert len(data["summary"].split()) <= 25 or picked == 1
    assert "sum_words:25" in data["signature"]


@pytest.mark.parametrize(
    "option, value", [("--summary-words", "0"), ("--summary-ratio", "1.5"), ("--summary-ratio", "lots")]
)
def test_bad_summary_options_are_usage_errors(tiny_config, option, value):
    proc = cli("run", str(EXAMPLE), "--config", str(tiny_config), option, value)
    assert proc.returncode == 2
    assert option in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_json_warnings_are_structured_with_segment_indexes(tiny_config):
    proc = cli(
        "run",
        "--config",
        str(tiny_config),
        "--format",
        "json",
        "--no-summary",
        stdin="Harga naik 2,5 persen.".encode(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    for warning in data["warnings"]:
        assert set(warning) == {"kind", "message", "segment", "detail"}
    # Random tiny weights do not write "2.5": the number check must notice.
    missing = [w for w in data["warnings"] if w["kind"] == "number_missing"]
    assert [(w["segment"], w["detail"]) for w in missing] == [(0, "2,5")]
    assert data["segments"][0]["flags"] == [w for w in data["warnings"] if w["segment"] == 0]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["batch"], "translator batch: error: the following arguments are required: INPUT"),
        (["run", "--nope", "x"], "translator: error: unrecognized arguments: --nope"),
        (["frob"], "invalid choice: 'frob'"),
    ],
)
def test_a_usage_error_is_one_line_that_says_where_help_is(args, fragment):
    proc = cli(*args)
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, lines
    assert fragment in lines[0] and lines[0].endswith("--help)")


def test_a_librarys_own_warnings_become_one_line_of_ours(tiny_config, tmp_path):
    """pypdf repairs a PDF whose cross-reference offset is wrong and logs as it goes; the command
    says so once, in its own words, instead of pypdf's lines before its own."""
    from documents_kit import make_pdf

    from helpers import SENTENCES

    data = make_pdf([[SENTENCES[0], SENTENCES[1]]])
    broken = tmp_path / "rusak.pdf"
    broken.write_bytes(data[: data.rfind(b"startxref")] + b"startxref\n999999\n%%EOF\n")
    proc = cli("translate", str(broken), "--config", str(tiny_config), "-o", str(tmp_path / "rusak.en.docx"))
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 0, lines
    assert not any("startxref" in line and not line.startswith("translator:") for line in lines), lines
    notes = [line for line in lines if "pypdf repaired" in line]
    assert len(notes) == 1 and "incorrect startxref pointer" in notes[0]
