"""Each subcommand through main(), with the tiny models: formats, inputs, output files."""

from __future__ import annotations

import io
import json

import pytest

from translator.cli import use_colour
from translator.testing.tiny import tiny_config_text
from translator.text.segment import split_sentences

from helpers import CHILD_CWD, EXAMPLE, assert_one_line_error, cli, run

HTML = """<!DOCTYPE html>
<html><head><title>Bus listrik</title><script>var tracker = "jangan diterjemahkan";</script></head>
<body><nav><a href="/">Beranda</a> | <a href="/berita">Berita</a></nav>
<article><h1>Bandung uji coba bus listrik</h1>
<p>Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama.</p>
<p>Uji coba berlangsung selama tiga bulan dan penumpang tidak dipungut biaya.</p></article>
<footer>Hak cipta 2024 Harian Contoh</footer></body></html>
"""

MARKDOWN = """# Bus listrik di Bandung

Pemerintah kota **Bandung** mulai menguji coba [bus listrik](https://example.org) di tiga koridor.

- Uji coba berlangsung tiga bulan.
- Penumpang tidak dipungut biaya.

```python
print("kode ini tidak diterjemahkan")
```
"""


def sources(proc) -> list[str]:
    assert proc.returncode == 0, proc.stderr.decode()
    return [s["source"] for s in json.loads(proc.stdout)["segments"]]


def test_translate_prints_only_the_translation(tiny_config, tiny_pipeline):
    text = "Harga beras naik. Pemerintah menyiapkan operasi pasar."
    proc = cli("translate", "--config", str(tiny_config), stdin=text.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == tiny_pipeline(text, summarize=False).translation + "\n"


def test_translate_json_has_no_summary(tiny_config):
    proc = cli("translate", str(EXAMPLE), "--config", str(tiny_config), "--format", "json")
    data = json.loads(proc.stdout)
    assert (
        data["summary"] == ""
        and data["summary_method"] == ""
        and [m["role"] for m in data["models"]] == ["translation"]
    )


def test_summarize_takes_english_and_needs_no_translation_model(tiny_config, tiny_pipeline):
    english = "The city began testing electric buses. The trial will last three months. Passengers ride free."
    proc = cli("summarize", "--config", str(tiny_config), "--format", "json", stdin=english.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["summary"] == tiny_pipeline.summarize_text(english).summary
    assert [m["role"] for m in data["models"]] == ["summarization"]
    assert data["segments"] == [] and data["translation"] == english


def test_summarize_extractive_returns_sentences_of_the_input(tiny_config):
    english = (
        "Bandung began testing electric buses on three corridors. The electric buses run on the corridors "
        "every day. "
        "A football club won on Sunday. Residents ride the electric buses free on the corridors."
    )
    proc = cli(
        "summarize",
        "--config",
        str(tiny_config),
        "--summary-method",
        "extractive",
        "--summary-words",
        "20",
        stdin=english.encode(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    summary = proc.stdout.decode().strip()
    picked = [s.text for s in split_sentences(summary)]
    assert picked and all(p in english for p in picked)
    assert "football" not in summary


def test_markdown_output_with_side_by_side_table(tiny_config, tiny_pipeline):
    text = "Harga naik 2,5 persen.\nPemerintah | kota menyiapkan operasi pasar."
    proc = cli(
        "run", "--config", str(tiny_config), "--format", "markdown", "--side-by-side", stdin=text.encode()
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    result = tiny_pipeline(text)
    assert out.startswith("## Summary\n\n")
    assert (
        "\n## Translation\n\n" in out
        and "\n## Side by side\n\n| # | Indonesian | English | Confidence |\n|---:|---|---|---:|\n" in out
    )
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(result.segments) == 2
    assert rows[1].startswith("| 2 | Pemerintah \\| kota menyiapkan")
    assert (
        "\n## Flags\n\n- `" in out
        and "\n- `number_missing` segment 1: the number '2,5' in the source is missing" in out
    )
    assert rows[0].startswith("| 1 | Harga naik 2,5 persen.")  # the row the flag names
    confidence = f" {result.segments[0].confidence:.2f} |"
    assert rows[0].endswith(confidence), "each row ends with the model's confidence"


def test_html_input_is_reduced_to_the_article(tiny_config, tmp_path):
    page = tmp_path / "berita.html"
    page.write_text(HTML, encoding="utf-8")
    found = sources(cli("translate", str(page), "--config", str(tiny_config), "--format", "json"))
    assert found == [
        "Bandung uji coba bus listrik",
        "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama.",
        "Uji coba berlangsung selama tiga bulan dan penumpang tidak dipungut biaya.",
    ]


TABLE_PAGE = """<!doctype html><html><head><title>Harga pangan</title></head><body>
<nav><a href="/">Beranda</a></nav><article><h1>Harga pangan pekan ini</h1>
<p>Dinas perdagangan kota Bandung mencatat harga pangan di pasar tradisional pada pekan ini.</p>
<table><thead><tr><th>Komoditas</th><th>Harga per kilogram</th></tr></thead>
<tbody><tr><td>Beras medium</td><td>Rp12.500</td></tr>
<tr><td>Gula pasir</td><td>Rp17.000</td></tr></tbody></table>
<p>Harga beras naik dua persen dibandingkan pekan lalu, kata kepala dinas.</p></article></body></html>"""


def test_html_tables_reach_the_model_cell_by_cell(tiny_config, tmp_path):
    page = tmp_path / "harga.html"
    page.write_text(TABLE_PAGE, encoding="utf-8")
    found = sources(cli("translate", str(page), "--config", str(tiny_config), "--format", "json"))
    assert not any("|" in s for s in found), found  # no row of a Markdown table
    for cell in ("Komoditas", "Harga per kilogram", "Beras medium", "Rp12.500", "Gula pasir", "Rp17.000"):
        assert cell in found, (cell, found)
    assert found.index("Beras medium") < found.index("Gula pasir")  # in the table's order


def test_html_on_stdin_is_recognised(tiny_config):
    found = sources(cli("translate", "--config", str(tiny_config), "--format", "json", stdin=HTML.encode()))
    assert not any("tracker" in s or "Beranda" in s or "Hak cipta" in s for s in found)
    assert "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama." in found


def test_markdown_input_keeps_text_and_leaves_code_out(tiny_config, tmp_path):
    page = tmp_path / "berita.md"
    page.write_text(MARKDOWN, encoding="utf-8")
    proc = cli("translate", str(page), "--config", str(tiny_config), "--format", "json")
    assert sources(proc) == [
        "Bus listrik di Bandung",
        "Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor.",
        "Uji coba berlangsung tiga bulan.",
        "Penumpang tidak dipungut biaya.",
    ]
    assert "1 code/HTML block(s) left untranslated" in proc.stderr.decode()
    notes = [w for w in json.loads(proc.stdout)["warnings"] if w["kind"] == "document"]
    assert [w["message"] for w in notes] == [
        "Markdown: 1 code/HTML block(s) left untranslated and out of the output"
    ]


def test_output_file_is_written_whole_and_left_alone_on_failure(tiny_config, tmp_path):
    out = tmp_path / "hasil.json"
    proc = cli("run", str(EXAMPLE), "--config", str(tiny_config), "--format", "json", "--output", str(out))
    assert proc.returncode == 0 and proc.stdout == b""
    first = json.loads(out.read_text(encoding="utf-8"))
    assert first["segments"]
    proc = cli("run", "-", "--config", str(tiny_config), "--output", str(out), "--overwrite", stdin=b"   ")
    assert_one_line_error(proc, 2, "empty")
    assert json.loads(out.read_text(encoding="utf-8")) == first
    assert [p.name for p in tmp_path.iterdir()] == ["hasil.json"], "a temp file was left behind"


def test_output_into_a_missing_directory_fails_before_loading(tiny_config, tmp_path):
    proc = cli("run", str(EXAMPLE), "--config", str(tiny_config), "--output", str(tmp_path / "no" / "x.txt"))
    assert_one_line_error(proc, 2, "does not exist")


def test_profile_option_switches_the_summary_method(tiny_dirs, tmp_path):
    config = tmp_path / "models.yaml"
    config.write_text(
        tiny_config_text(*tiny_dirs) + "profiles:\n  fast:\n    summarization:\n      method: extractive\n",
        encoding="utf-8",
    )
    proc = cli("run", str(EXAMPLE), "--config", str(config), "--profile", "fast", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["summary_method"] == "extractive"
    proc = cli("run", str(EXAMPLE), "--config", str(config), "--profile", "turbo")
    assert_one_line_error(proc, 2, "no profile 'turbo' (profiles: default, fast)")


def test_beams_and_device_options_reach_the_result(tiny_config):
    proc = cli(
        "translate",
        "--config",
        str(tiny_config),
        "--beams",
        "2",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--format",
        "json",
        stdin="Harga naik.".encode(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert "|backend:transformers|beams:2" in json.loads(proc.stdout)["signature"]


def test_models_list_for_local_directories(tiny_config, tiny_dirs):
    proc = cli("models", "list", "--config", str(tiny_config))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert out.count("local directory") == 2
    assert str(tiny_dirs[0]) in out and str(tiny_dirs[1]) in out
    assert " KB" in out or " MB" in out


@pytest.mark.slow
def test_models_list_and_download_for_hub_models_offline(tmp_path):
    env = {"HF_HOME": str(tmp_path / "empty-cache")}
    listed = run("models", "list", env=env)
    assert listed.returncode == 0, listed.stderr.decode()
    out = listed.stdout.decode()
    assert "Helsinki-NLP/opus-mt-id-en" in out and "sshleifer/distilbart-cnn-12-6@a4f8f3e" in out
    assert out.count("not cached") == 2
    fetched = run("models", "download", env=env)
    assert_one_line_error(
        fetched,
        1,
        "cannot download translation model 'Helsinki-NLP/opus-mt-id-en'",
        "hub cannot be reached",
        "Fix: ",
    )


def test_models_download_skips_local_directories(tiny_config):
    proc = cli("models", "download", "--config", str(tiny_config))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().count("local directory; nothing to download") == 2


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color():
    assert use_colour(_Tty(), {"TERM": "xterm"})
    assert not use_colour(_Tty(), {"TERM": "xterm", "NO_COLOR": ""})
    assert not use_colour(_Tty(), {"TERM": "dumb"})
    assert not use_colour(io.StringIO(), {"TERM": "xterm"})


@pytest.mark.parametrize("command", ["run", "translate", "summarize"])
def test_every_text_command_rejects_empty_input_before_loading_a_model(tiny_config, command):
    from unittest import mock

    with mock.patch(
        "translator.engine.pipeline.Pipeline.from_config", side_effect=AssertionError("a model was loaded")
    ):
        assert_one_line_error(cli(command, "--config", str(tiny_config), stdin=b" \n"), 2, "empty")


def test_empty_stdin_with_a_broken_model_directory_is_an_input_error(tiny_dirs, tmp_path):
    """Input first: the empty input is what the user must fix, whatever else is wrong."""
    broken = tmp_path / "broken"
    broken.mkdir()
    config = tmp_path / "models.yaml"
    config.write_text(tiny_config_text(broken, tiny_dirs[1]), encoding="utf-8")
    assert_one_line_error(cli("translate", "--config", str(config), stdin=b""), 2, "the input is empty")


def _on_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal of 100 columns; its exit code and what it showed."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(
        secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0)
    )  # a real terminal has a size
    proc = subprocess.Popen(
        [sys.executable, "-m", "translator", *args],
        cwd=CHILD_CWD,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=secondary,
    )
    os.close(secondary)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        proc.wait(timeout=300)
    finally:
        proc.kill()
        proc.wait()
        os.close(primary)
    return proc.returncode, seen.decode(errors="replace")


@pytest.mark.slow
def test_progress_bar_appears_only_on_a_terminal(tiny_config):
    code, shown = _on_terminal("translate", str(EXAMPLE), "--config", str(tiny_config))
    assert code == 0
    assert "loading the translation model" in shown
    assert "translating" in shown and "sentence" in shown
    assert "summarising" not in shown


@pytest.mark.slow
def test_run_shows_the_summary_stage_counting_windows(tiny_config):
    code, shown = _on_terminal("run", str(EXAMPLE), "--config", str(tiny_config))
    assert code == 0
    assert "loading the translation model" in shown and "loading the summarization model" in shown
    assert "summarising" in shown and "window" in shown, shown[-600:]


@pytest.mark.slow
def test_batch_keeps_its_documents_bar_while_models_load(tiny_config, tmp_path):
    code, shown = _on_terminal(
        "batch", str(EXAMPLE.parent), "-o", str(tmp_path / "out.jsonl"), "--config", str(tiny_config)
    )
    assert code in (0, 1)
    assert "documents" in shown and "loading the translation model" in shown
    loading = shown.index("loading the translation model")
    assert "documents" in shown[max(0, loading - 200) : loading], "the status sits beside the documents bar"
    assert "translating" in shown and "summarising" in shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_each_stage_and_keeps_a_batch_bar_open(monkeypatch):
    from translator.cli.console import Progress

    monkeypatch.setattr("sys.stderr", _Terminal())
    run = Progress(enabled=True)
    run.loading("translation", converting=True)
    run.update("translate", 1, 2)
    assert run.stage == "translate" and run.bar.total == 2 and run.bar.n == 1
    run.update("translate", 2, 2)
    assert run.bar is None, "a finished translation closes its bar"
    run.update("summarize", 0, 1)
    run.update("summarize", 1, 3)  # a later round adds windows: the total grows
    assert run.stage == "summarize" and (run.bar.n, run.bar.total) == (1, 3)
    run.close()
    shown = __import__("sys").stderr.getvalue()
    assert "converting it for CTranslate2" in shown and "summarising" in shown

    batch = Progress(enabled=True)
    batch.start_documents(4)
    documents = batch.bar
    batch.loading("summarization")
    batch.update("translate", 3, 10)
    batch.update("summarize", 1, 2)
    batch.advance(2)
    assert batch.bar is documents and batch.stage == "documents" and documents.n == 2
    assert documents.postfix == "summarising 1/2 windows"
    batch.close()
    off = Progress(enabled=False)
    off.loading("translation")
    off.update("translate", 1, 1)
    assert off.bar is None


def test_many_flags_are_counted_per_kind_and_quiet_hides_them(tiny_config, example_text):
    def stderr_lines(*extra):
        proc = cli("translate", str(EXAMPLE), "--config", str(tiny_config), *extra)
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stderr.decode().strip().splitlines()

    every = stderr_lines("--warnings", "all")
    assert len(every) > 10, "the tiny models should flag many segments"
    summary = stderr_lines()
    assert summary[:3] == every[:3] and len(summary) == 4
    total = sum(1 for line in every if "translator: warning:" in line)
    assert (
        f"{total} flags in all: " in summary[3]
        and "length_cap" in summary[3]
        and "--warnings all" in summary[3]
    )
    assert stderr_lines("--quiet") == [] and stderr_lines("--warnings", "none") == []
    assert stderr_lines("--quiet", "--warnings", "summary") == summary


def test_side_by_side_works_in_text_format(tiny_config, tiny_pipeline):
    text = "Harga beras naik.\nPemerintah menyiapkan operasi pasar."
    proc = cli("translate", "--config", str(tiny_config), "--side-by-side", stdin=text.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    result = tiny_pipeline(text, summarize=False)
    lines = proc.stdout.decode().splitlines()
    assert "1  ID  Harga beras naik." in lines and f"   EN  {result.segments[0].translation}" in lines
    assert "2  ID  Pemerintah menyiapkan operasi pasar." in lines


def test_summarize_warns_when_the_input_looks_indonesian(tiny_config):
    proc = cli(
        "summarize",
        "--config",
        str(tiny_config),
        stdin="Pemerintah kota Bandung mulai menguji coba bus listrik di tiga koridor utama.".encode(),
    )
    assert proc.returncode == 0
    assert (
        "the summariser expects English" in proc.stderr.decode() and "translator run" in proc.stderr.decode()
    )
    english = cli(
        "summarize",
        "--config",
        str(tiny_config),
        stdin="The city began testing electric buses on three corridors on Wednesday.".encode(),
    )
    assert "expects English" not in english.stderr.decode()


@pytest.mark.parametrize("name, content", [("berita.html", HTML), ("berita.md", MARKDOWN)])
def test_spans_of_html_and_markdown_index_the_source_text_in_the_json(tiny_config, tmp_path, name, content):
    page = tmp_path / name
    page.write_text(content, encoding="utf-8")
    proc = cli("translate", str(page), "--config", str(tiny_config), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    source = data["source_text"]
    assert source and source != content, "the extracted text, not the file"
    assert all(source[s["start"] : s["end"]] == s["source"] for s in data["segments"])


def test_plain_text_spans_index_the_input_itself(tiny_config):
    proc = cli("translate", str(EXAMPLE), "--config", str(tiny_config), "--format", "json")
    data = json.loads(proc.stdout)
    text = EXAMPLE.read_text(encoding="utf-8")
    assert data["source_text"] is None
    assert all(text[s["start"] : s["end"]] == s["source"] for s in data["segments"])
