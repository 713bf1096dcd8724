"""Nothing the user made is lost: no run writes over its input or over a file it did not write,
two inputs never share an output, a resume never mixes configurations; and the input registry
reads every input the same way on every path (suffix, then content; --encoding everywhere)."""

from __future__ import annotations

import codecs
import io
import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from documents_kit import make_docx, make_pdf
from translator.documents.formats import translate_file
from translator.documents.formats.registry import decode, identify
from translator.errors import InputError
from translator.testing.tiny import tiny_config_text

from helpers import SENTENCES, assert_one_line_error, cli, records


def _docx() -> bytes:
    return make_docx("Kepala", SENTENCES[0], SENTENCES[1], "tebal", "lagi.", SENTENCES[2], SENTENCES[3])


# ---- the CLI never writes over an input, nor over a file it did not write ---------------------


def test_run_refuses_to_write_over_its_own_input(tmp_path, tiny_config):
    source = tmp_path / "x.docx"
    source.write_bytes(_docx())
    before = source.read_bytes()
    for flags in ([], ["--overwrite"]):  # never, whatever the flags
        proc = cli("run", str(source), "-o", str(source), "--config", str(tiny_config), *flags)
        assert_one_line_error(proc, 2, "is the input", "never writes over its input")
    text = tmp_path / "a.txt"
    text.write_text(SENTENCES[0], encoding="utf-8")
    proc = cli("translate", str(text), "-o", str(text), "--config", str(tiny_config), "--overwrite")
    assert_one_line_error(proc, 2, "is the input")
    assert source.read_bytes() == before and text.read_text(encoding="utf-8") == SENTENCES[0]


def test_run_replaces_an_existing_output_only_with_overwrite(tmp_path, tiny_config):
    """laporan.pdf beside a laporan.en.docx the user already has: refused, then --overwrite."""
    (tmp_path / "laporan.pdf").write_bytes(make_pdf([[SENTENCES[0]]]))
    theirs = tmp_path / "laporan.en.docx"
    theirs.write_bytes(b"the user's own file")
    proc = cli("run", str(tmp_path / "laporan.pdf"), "--config", str(tiny_config), "--no-summary")
    assert_one_line_error(proc, 2, "laporan.en.docx: exists already", "--overwrite")
    assert theirs.read_bytes() == b"the user's own file"
    again = cli(
        "run", str(tmp_path / "laporan.pdf"), "--config", str(tiny_config), "--no-summary", "--overwrite"
    )
    assert again.returncode == 0, again.stderr.decode()
    assert theirs.read_bytes().startswith(b"PK"), "replaced by the translation, as asked"


# ---- batch --output-dir: names decided first, foreign files kept -------------------------------


def test_two_inputs_never_share_an_output_name(tmp_path, tiny_config):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "laporan.docx").write_bytes(_docx())
    (docs / "laporan.pdf").write_bytes(make_pdf([[SENTENCES[1]]]))
    proc = cli("batch", str(docs), "--output-dir", str(out), "--config", str(tiny_config), "--no-summary")
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    assert "laporan.pdf -> laporan.pdf.en.docx" in stderr, "the plan says so before any work"
    written = {r["id"]: r["output"] for r in records(out / "translator-files.jsonl")}
    assert written == {"laporan.docx": "laporan.en.docx", "laporan.pdf": "laporan.pdf.en.docx"}
    from docx import Document

    texts = {name: " ".join(p.text for p in Document(out / name).paragraphs) for name in written.values()}
    assert "Translated from laporan.pdf" in texts["laporan.pdf.en.docx"]
    assert "Translated from" not in texts["laporan.en.docx"], "the Word file's translation is its own"


def test_a_batch_keeps_a_file_it_did_not_write_and_skips_its_own_output_folder(tmp_path, tiny_config):
    docs = tmp_path / "docs"
    out = docs / "en"  # inside the input: its files must not become the next run's inputs
    out.mkdir(parents=True)
    (docs / "berita.txt").write_text(SENTENCES[0], encoding="utf-8")
    (out / "berita.en.txt").write_text("the user's notes", encoding="utf-8")
    args = ("batch", str(docs), "--output-dir", str(out), "--config", str(tiny_config), "--no-summary")
    first = cli(*args)
    assert first.returncode == 1 and "--overwrite" in first.stderr.decode()
    assert (out / "berita.en.txt").read_text(encoding="utf-8") == "the user's notes"
    forced = cli(*args, "--retry-failed", "--overwrite")
    assert forced.returncode == 0, forced.stderr.decode()
    assert (out / "berita.en.txt").read_text(encoding="utf-8") != "the user's notes"
    rerun = cli(*args)
    assert rerun.returncode == 0 and "1 skipped" in rerun.stderr.decode()
    assert {r["id"] for r in records(out / "translator-files.jsonl")} == {"berita.txt"}, "en/ never an input"


def test_a_file_with_nothing_to_translate_is_copied_with_a_record_saying_so(tmp_path, tiny_config):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "angka.txt").write_text("2024 — 15.000 — 3,5\n", encoding="utf-8")
    proc = cli("batch", str(docs), "--output-dir", str(out), "--config", str(tiny_config), "--no-summary")
    assert proc.returncode == 0 and "nothing to translate" in proc.stderr.decode(), proc.stderr.decode()
    (record,) = records(out / "translator-files.jsonl")
    assert record["error"] is None and record["skipped"].startswith("nothing to translate")
    assert (out / "angka.en.txt").read_bytes() == (docs / "angka.txt").read_bytes()


def test_resume_refuses_another_generation_setting_than_beams(tmp_path, tiny_dirs, tiny_config):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": SENTENCES[0]}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert (
        cli("batch", str(docs), "--output", str(out), "--config", str(tiny_config), "--no-summary").returncode
        == 0
    )
    before = out.read_bytes()
    other = tmp_path / "longer.yaml"
    text = tiny_config_text(*tiny_dirs)
    other.write_text(text.replace("    max_new_tokens: 8\n", "    max_new_tokens: 12\n", 1), encoding="utf-8")
    with docs.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "b", "text": SENTENCES[1]}) + "\n")
    refused = cli("batch", str(docs), "--output", str(out), "--config", str(other), "--no-summary")
    assert refused.returncode == 2 and "another configuration" in refused.stderr.decode()
    assert out.read_bytes() == before


# ---- one registry: every option on every path --------------------------------------------------

LATIN = "Kafé di Bandung menaikkan harga kopi."


@pytest.mark.parametrize("path", ["run --keep-layout", "batch --output-dir", "batch --output", "run text"])
def test_encoding_means_the_same_on_every_path(path, tmp_path, tiny_config):
    docs = tmp_path / "docs"
    docs.mkdir()
    source = docs / "kafe.txt"
    source.write_bytes(LATIN.encode("latin-1"))
    common = ("--config", str(tiny_config), "--encoding", "latin-1")
    if path == "run --keep-layout":
        proc = cli("run", str(source), "--keep-layout", "--no-summary", *common)
        produced = [docs / "kafe.en.txt"]
    elif path == "run text":
        proc = cli("run", str(source), "--no-summary", "--format", "json", *common)
        produced = []
    elif path == "batch --output-dir":
        proc = cli("batch", str(docs), "--output-dir", str(tmp_path / "out"), "--no-summary", *common)
        produced = [tmp_path / "out" / "kafe.en.txt"]
    else:
        proc = cli("batch", str(docs), "--output", str(tmp_path / "o.jsonl"), "--no-summary", *common)
        produced = []
    assert proc.returncode == 0, proc.stderr.decode()
    assert all(p.exists() for p in produced)
    if path == "run text":
        assert json.loads(proc.stdout)["segments"][0]["source"] == LATIN


def test_a_subtitle_file_reads_the_encoding_given(tmp_path, tiny_config):
    srt = tmp_path / "film.srt"
    srt.write_bytes(f"1\n00:00:01,000 --> 00:00:02,500\n{LATIN}\n".encode("latin-1"))
    plain = cli("run", str(srt), "--config", str(tiny_config), "--no-summary")
    assert_one_line_error(plain, 2, "not valid UTF-8", "--encoding")
    proc = cli("run", str(srt), "--config", str(tiny_config), "--no-summary", "--encoding", "latin-1")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "00:00:01,000 --> 00:00:02,500" in (tmp_path / "film.en.srt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "codec, bom", [("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE),
                   ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                   ("utf-8", codecs.BOM_UTF8), ("utf-16-le", b""), ("utf-16-be", b"")],
)  # fmt: skip
def test_byte_order_marks_and_utf16_without_one_are_read(codec, bom):
    text = "1\n00:00:01,000 --> 00:00:02,000\nHarga beras naik.\n"
    assert decode(bom + text.encode(codec), "x.srt") == text


def test_what_a_file_is_comes_from_its_content_where_the_suffix_is_silent_or_wrong():
    assert identify(_docx(), "unduhan").name == "docx", "no suffix: the zip's content types say Word"
    assert identify(make_pdf([["x"]]), "laporan.docx").name == "pdf", "a PDF named .docx is a PDF"
    assert identify(b"1\n00:00:01,000 --> 00:00:02,000\nHalo.\n", "unduhan").name == "srt"
    assert identify(b"<!doctype html><p>Halo</p>", "halaman").name == "html"
    with pytest.raises(InputError, match="translator feed"):
        identify(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "berita")
    with pytest.raises(InputError, match="old Office document"):
        identify(b"\xd0\xcf\x11\xe0" + bytes(100), "lama.doc")


def test_model_output_that_xml_forbids_is_removed_and_flagged(tiny_pipeline):
    """A control character in a translation (random weights emit them) never stops a writer."""

    class Noisy:
        summary = SimpleNamespace(enabled=False)

        def __call__(self, document, **options):
            result = tiny_pipeline(document, summarize=False, force=True)
            noisy = [replace(s, translation="Bad\x0bword\x1f here.") for s in result.segments]
            return replace(result, segments=noisy)

    done = translate_file(Noisy(), _docx(), "x.docx", summary="none")
    from docx import Document

    body = Document(io.BytesIO(done.data)).paragraphs
    assert any(p.text == "Badword here." for p in body)
    flags = [f for f in done.result.warnings if f.kind == "control_chars"]
    assert flags and all(f.detail == "2" for f in flags) and len(flags) == len(done.result.segments)


def test_a_valid_document_with_nothing_to_translate_comes_back_unchanged(tiny_pipeline):
    from docx import Document

    empty = Document()
    empty.add_paragraph("2024")
    data = io.BytesIO()
    empty.save(data)
    done = translate_file(tiny_pipeline, data.getvalue(), "angka.docx")
    assert done.nothing and done.data == data.getvalue() and "nothing to translate" in done.notes[0]


def test_the_service_file_routes_take_encoding_and_input_format(tiny_pipeline):
    """/translate_file and /v1/files read with the same registry and options as the CLI."""
    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    latin = LATIN.encode("latin-1")
    try:
        fields = {"source": "id", "target": "en"}
        plain = client.post("/translate_file", data=fields, files={"file": ("kafe.txt", latin)})
        assert plain.status_code == 400 and "--encoding" in plain.json()["error"]
        named = client.post(
            "/translate_file", data={**fields, "encoding": "latin-1"}, files={"file": ("kafe.txt", latin)}
        )
        assert named.status_code == 200, named.text
        bad = client.post(
            "/translate_file", data={**fields, "encoding": "nope"}, files={"file": ("k.txt", latin)}
        )
        assert bad.status_code == 400 and "unknown encoding" in bad.json()["error"]
        unnamed = client.post("/v1/files", files={"file": ("unduhan", _docx())})
        assert unnamed.status_code == 202, "a Word file without its suffix is read as what it is"
        job = client.post("/v1/files", data={"encoding": "latin-1"}, files={"file": ("kafe.txt", latin)})
        assert job.status_code == 202, job.text
        status = job.json()["status_url"]
        with client.stream(
            "GET", job.json()["events_url"][job.json()["events_url"].index("/v1/") :]
        ) as events:
            body = "".join(events.iter_lines())
        assert "event: done" in body, body
        assert client.get(status[status.index("/v1/") :]).json()["status"] == "done"
        wrong = client.post("/v1/files", data={"input_format": "pdf"}, files={"file": ("kafe.txt", latin)})
        assert wrong.status_code == 400 and "input_format" in wrong.json()["error"]
    finally:
        client.close()


def _file_job(pipeline, fields: dict, name: str, content: bytes) -> bytes:
    """A file through the service's /v1/files job, followed to its end; the translated file."""
    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    client = ready_client(create_app(ServerSettings(), lambda: {"default": pipeline}))
    try:
        job = client.post("/v1/files", data=fields, files={"file": (name, content)}).json()
        events_url = job["events_url"]
        with client.stream("GET", events_url[events_url.index("/v1/") :]) as events:
            done = [json.loads(line[6:]) for line in events.iter_lines() if line.startswith("data: ")][-1]
        url = done["download_url"]
        return client.get(url[url.index("/download_file") :]).content
    finally:
        client.close()


MARKDOWN = f"# {SENTENCES[0]}\n\n{SENTENCES[1]}\n"


@pytest.mark.parametrize("path", ["run --keep-layout", "batch --output-dir", "/v1/files"])
def test_input_format_means_the_same_on_every_path(path, tmp_path, tiny_config, tiny_pipeline):
    """A .txt that is Markdown, read with --input-format markdown, keeps its heading marker."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "catatan.txt").write_text(MARKDOWN, encoding="utf-8")
    common = ("--config", str(tiny_config), "--input-format", "markdown", "--no-summary")
    if path == "run --keep-layout":
        proc = cli("run", str(docs / "catatan.txt"), "--keep-layout", *common)
        assert proc.returncode == 0, proc.stderr.decode()
        written = (docs / "catatan.en.txt").read_text(encoding="utf-8")
    elif path == "batch --output-dir":
        proc = cli("batch", str(docs), "--output-dir", str(tmp_path / "out"), *common)
        assert proc.returncode == 0, proc.stderr.decode()
        written = (tmp_path / "out" / "catatan.en.txt").read_text(encoding="utf-8")
    else:
        data = {"input_format": "markdown", "summary_in": "none"}
        written = _file_job(tiny_pipeline, data, "catatan.txt", MARKDOWN.encode()).decode()
    assert written.startswith("# ") and SENTENCES[0] not in written, written


def test_text_in_group_shapes_and_charts_is_translated(tiny_pipeline):
    """A deck built only of a group of text boxes and a chart: both are read and written back."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no placeholders
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = SENTENCES[0]
    data = CategoryChartData()
    data.categories = ["Beras", "Gula"]
    data.add_series("Harga naik", (14.5, 17.0))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, 0, 0, Inches(4), Inches(3), data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = SENTENCES[1]
    source = io.BytesIO()
    deck.save(source)

    done = translate_file(tiny_pipeline, source.getvalue(), "grafik.pptx", summary="none")
    sources = {s.source for s in done.result.segments}
    assert {SENTENCES[0], SENTENCES[1], "Beras", "Gula", "Harga naik"} <= sources
    out = Presentation(io.BytesIO(done.data))
    shapes = list(out.slides[0].shapes)
    boxed = shapes[0].shapes[0].text_frame.text
    titled = next(s for s in shapes if s.has_chart).chart.chart_title.text_frame.text
    assert boxed != SENTENCES[0] and titled != SENTENCES[1] and boxed and titled


@pytest.mark.parametrize("place", ["top", "none"])
@pytest.mark.parametrize("path", ["run", "batch --output-dir", "/v1/files"])
def test_the_summary_option_means_the_same_on_every_path(path, place, tmp_path, tiny_config, tiny_pipeline):
    """--summary-in top|none (summary_in in the service): the English summary heads the .docx, or
    is nowhere, whichever door the file came through."""
    from docx import Document

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "laporan.docx").write_bytes(_docx())
    common = ("--config", str(tiny_config), "--summary-in", place)
    if path == "run":
        assert cli("run", str(docs / "laporan.docx"), *common).returncode == 0
        data = (docs / "laporan.en.docx").read_bytes()
    elif path == "batch --output-dir":
        assert cli("batch", str(docs), "--output-dir", str(tmp_path / "out"), *common).returncode == 0
        data = (tmp_path / "out" / "laporan.en.docx").read_bytes()
    else:
        data = _file_job(tiny_pipeline, {"summary_in": place}, "laporan.docx", _docx())
    first = Document(io.BytesIO(data)).paragraphs[0].text
    assert (first == "English summary") == (place == "top"), first


def test_markup_after_the_end_of_a_page_is_kept(tiny_pipeline):
    """Some servers append to a page after </html>; the parser would drop it."""
    appended = f"\n<div><img src='b.gif'><p>{SENTENCES[1]}</p></div>"
    page = f"<!doctype html><html><body><p>{SENTENCES[0]}</p></body></html>{appended}"
    done = translate_file(tiny_pipeline, page.encode(), "halaman.html", summary="none")
    out = done.data.decode()
    assert "b.gif" in out and {s.source for s in done.result.segments} == {SENTENCES[0], SENTENCES[1]}


def test_a_batch_keeps_a_summary_file_it_did_not_write(tmp_path, tiny_config):
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    out.mkdir()
    (docs / "film.srt").write_text(f"1\n00:00:01,000 --> 00:00:02,000\n{SENTENCES[0]}\n", encoding="utf-8")
    (out / "film.en.summary.txt").write_text("the user's notes", encoding="utf-8")
    args = ("batch", str(docs), "--output-dir", str(out), "--config", str(tiny_config))
    first = cli(*args)
    assert first.returncode == 1 and "film.en.summary.txt exists already" in first.stderr.decode()
    assert (out / "film.en.summary.txt").read_text(encoding="utf-8") == "the user's notes"
    assert not (out / "film.en.srt").exists()
    forced = cli(*args, "--retry-failed", "--overwrite")
    assert forced.returncode == 0, forced.stderr.decode()
    (record,) = [r for r in records(out / "translator-files.jsonl") if r["error"] is None]
    assert record["summary_output"] == "film.en.summary.txt"
    again = cli(*args, "--retry-failed")  # its own files now: a rerun is not refused
    assert again.returncode == 0 and "1 skipped" in again.stderr.decode()
