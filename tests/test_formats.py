"""Files in, the same kind of file out: each kind made in the test, translated with the tiny
models, reopened with its own library: the structure is the same, every text was translated or
deliberately left, and a sentence split by formatting was translated as one sentence."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from documents_kit import make_docx, make_odt, make_pdf, make_pptx
from translator import InputError
from translator.documents.formats import translate_file

from helpers import SENTENCES, cli

BEFORE, BOLD, AFTER = "Pemerintah kota mulai menguji coba ", "bus listrik", " di tiga koridor utama."
WHOLE = BEFORE + BOLD + AFTER


def _sources(out) -> list[str]:
    return [s.source for s in out.result.segments]


def _translations(out) -> dict[str, str]:
    return {s.source: s.translation for s in out.result.segments}


def test_docx_keeps_its_structure_and_translates_the_bold_sentence_whole(tiny_pipeline):
    from docx import Document

    data = make_docx(
        "Laporan Pemerintah Kota", "Bus listrik di Bandung", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1]
    )
    out = translate_file(tiny_pipeline, data, "laporan.docx")
    assert out.suffix == ".docx"
    assert WHOLE in _sources(out), "the sentence with one bold word is one segment"
    english = _translations(out)
    before, after = Document(io.BytesIO(data)), Document(io.BytesIO(out.data))
    # The summary's two paragraphs come first; then the same paragraphs, in the same styles.
    assert after.paragraphs[0].text == "English summary" and after.paragraphs[1].text == out.result.summary
    assert [p.style.name for p in after.paragraphs[2:]] == [p.style.name for p in before.paragraphs]
    heading, body, item = after.paragraphs[2], after.paragraphs[3], after.paragraphs[4]
    assert heading.text == english["Bus listrik di Bandung"]
    assert body.text == english[WHOLE] and body.runs[0].bold is not True, "the first run's format carries it"
    assert len(body.runs) == 3, "runs are emptied, never removed"
    assert item.text == english[SENTENCES[1]]
    cells = after.tables[0].rows[0].cells
    assert cells[0].text == english[SENTENCES[2]] and cells[1].text == "2.500", "a number alone stays"
    assert after.sections[0].header.paragraphs[0].text == english["Laporan Pemerintah Kota"]
    assert any("first run's formatting" in n for n in out.notes)
    assert any(w.kind == "document" and "kept as they were" in w.message for w in out.result.warnings)


def test_pptx_slides_keep_their_shapes_and_gain_a_summary_slide(tiny_pipeline):
    from pptx import Presentation

    data = make_pptx([("Bus listrik", SENTENCES[0]), ("Harga beras", SENTENCES[2])])
    out = translate_file(tiny_pipeline, data, "presentasi.pptx")
    english = _translations(out)
    deck = Presentation(io.BytesIO(out.data))
    slides = list(deck.slides)
    assert len(slides) == 3
    assert slides[0].shapes.title.text == "English summary"
    for slide, (title, body) in zip(
        slides[1:], [("Bus listrik", SENTENCES[0]), ("Harga beras", SENTENCES[2])]
    ):
        assert slide.shapes.title.text == english[title]
        assert slide.placeholders[1].text == english[body]
        assert len(slide.shapes) == 2


def test_srt_keeps_numbers_and_timings(tiny_pipeline):
    import srt

    text = (
        "1\n00:00:01,000 --> 00:00:03,500\nPemerintah kota mulai menguji coba\nbus listrik.\n\n"
        f"2\n00:00:04,000 --> 00:00:06,000\n{SENTENCES[1]}\n\n"
        f"3\n00:00:06,500 --> 00:00:09,000\n{SENTENCES[2]}\n"
    )
    out = translate_file(tiny_pipeline, text.encode(), "berita.srt")
    before, after = list(srt.parse(text)), list(srt.parse(out.data.decode()))
    assert [(c.index, c.start, c.end) for c in after] == [(c.index, c.start, c.end) for c in before]
    english = _translations(out)
    assert "Pemerintah kota mulai menguji coba bus listrik." in english, "a cue's lines are one text"
    assert " ".join(after[1].content.split()) == english[SENTENCES[1]]
    assert all(len(line) <= 42 or " " not in line for c in after for line in c.content.splitlines())
    assert out.summary == out.result.summary, "a subtitle file's summary goes to a file of its own"


def test_pdf_drops_running_headers_and_page_numbers_and_joins_hyphenated_words(tiny_pipeline):
    from docx import Document

    header = "Laporan Tahunan Kota Bandung"
    first = [
        header,
        "Pemerintah kota mulai menguji coba bus listrik di tiga koridor",
        "utama. Uji coba ini didanai oleh pemerin-",
        "tah pusat dan anak-",
        "anak sekolah naik gratis.",
        "1",
    ]
    pages = [first, [header, SENTENCES[2], "Halaman 2"]]
    out = translate_file(tiny_pipeline, make_pdf(pages), "laporan.pdf")
    assert out.suffix == ".docx"
    sources = " ".join(_sources(out))
    assert "Laporan Tahunan" not in sources and "Halaman" not in sources
    assert "pemerintah pusat" in sources, "a word hyphenated at the line's end is joined"
    assert "anak-anak sekolah" in sources, "a reduplication keeps its hyphen"
    assert "koridor utama." in sources, "hard-wrapped lines are one paragraph"
    document = Document(io.BytesIO(out.data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "English summary" and "a PDF has no editable layout" in texts[2]
    assert any("running headers" in n for n in out.notes) and any("page number" in n for n in out.notes)
    markdown = translate_file(tiny_pipeline, make_pdf(pages), "laporan.pdf", pdf_as=".md", summary="none")
    assert markdown.suffix == ".md" and markdown.data.decode().startswith("_Translated from laporan.pdf")


def test_odt_keeps_its_spans(tiny_pipeline):
    from lxml import etree

    data = make_odt("Bus listrik di Bandung", BEFORE, BOLD, AFTER, SENTENCES[1])
    out = translate_file(tiny_pipeline, data, "laporan.odt")
    assert WHOLE in _sources(out)
    with zipfile.ZipFile(io.BytesIO(out.data)) as archive:
        assert archive.infolist()[0].filename == "mimetype"
        content = etree.fromstring(archive.read("content.xml"))
    ns = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0"}
    english = _translations(out)
    paragraphs = content.findall(".//text:p", ns)
    assert "".join(paragraphs[1].itertext()) == english[WHOLE]
    assert paragraphs[1].find("text:span", ns) is not None, "the span stays (emptied)"
    headings = content.findall(".//text:h", ns)
    assert headings[0].text == "English summary" and paragraphs[0].text == out.result.summary
    assert "".join(headings[1].itertext()) == english["Bus listrik di Bandung"]
    assert out.summary is None, "the summary is at the top, not in a file of its own"


def test_plain_text_gets_the_summary_on_top(tiny_pipeline):
    text = f"{SENTENCES[0]}\n\n{SENTENCES[1]}\n"
    out = translate_file(tiny_pipeline, text.encode(), "berita.txt")
    body = out.data.decode()
    assert body.startswith("English summary\n") and out.result.summary in body
    assert body.rstrip().endswith(out.result.segments[-1].translation)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("rusak.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("scan.pdf", make_pdf([["x"]], text=False), "needs OCR"),
        ("kosong.pptx", b"", "damaged"),
        ("data.xyz", b"abc", "unsupported file type .xyz"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tiny_pipeline, name, data, message):
    with pytest.raises(InputError, match=message):
        translate_file(tiny_pipeline, data, name)


def test_an_encrypted_pdf_and_a_zip_bomb_are_refused(tiny_pipeline):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([[SENTENCES[0]]]))))
    writer.encrypt("rahasia", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(InputError, match="encrypted"):
        translate_file(tiny_pipeline, locked.getvalue(), "rahasia.pdf")

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a>" + b" " * 50_000_000 + b"</a>")
    with pytest.raises(InputError, match="zip bomb"):
        translate_file(tiny_pipeline, bomb.getvalue(), "bom.docx")


def test_the_cli_writes_the_translated_file_and_never_half_of_one(tiny_config, tmp_path):
    from docx import Document

    source = tmp_path / "laporan.docx"
    source.write_bytes(make_docx("Kepala", "Judul berita", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1]))
    done = cli("run", str(source), "--config", str(tiny_config))
    assert done.returncode == 0, done.stderr.decode()
    written = tmp_path / "laporan.en.docx"
    assert f"wrote {written}" in done.stderr.decode()
    assert Document(str(written)).paragraphs[0].text == "English summary"

    apart = cli(
        "run",
        str(source),
        "-o",
        str(tmp_path / "out.docx"),
        "--summary-in",
        "file",
        "--config",
        str(tiny_config),
    )
    assert apart.returncode == 0, apart.stderr.decode()
    assert (tmp_path / "out.summary.txt").read_text().strip()
    assert Document(str(tmp_path / "out.docx")).paragraphs[0].text != "English summary"

    broken = tmp_path / "rusak.docx"
    broken.write_bytes(b"PK\x03\x04 broken")
    from unittest import mock

    with mock.patch(
        "translator.engine.pipeline.Pipeline.from_config", side_effect=AssertionError("a model loaded")
    ):
        failed = cli("run", str(broken), "-o", str(tmp_path / "rusak.en.docx"), "--config", str(tiny_config))
    assert failed.returncode == 2 and "damaged" in failed.stderr.decode()
    assert "Traceback" not in failed.stderr.decode() and not (tmp_path / "rusak.en.docx").exists()

    pdf = tmp_path / "laporan.pdf"
    pdf.write_bytes(make_pdf([[SENTENCES[0]]]))
    as_markdown = cli("translate", str(pdf), "--pdf-as", "md", "--config", str(tiny_config))
    assert as_markdown.returncode == 0, as_markdown.stderr.decode()
    assert (tmp_path / "laporan.en.md").read_text().startswith("_Translated from laporan.pdf")


def test_libretranslate_translate_file_and_download(tiny_pipeline):
    from docx import Document

    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        assert client.get("/frontend/settings").json()["filesTranslation"] is True
        data = make_docx("Kepala", "Judul berita", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1])
        files = {"file": ("laporan.docx", data)}
        answer = client.post("/translate_file", data={"source": "id", "target": "en"}, files=files)
        assert answer.status_code == 200, answer.text
        url = answer.json()["translatedFileUrl"]
        assert url.endswith(".laporan.en.docx")
        download = client.get(url[url.index("/download_file") :])
        assert download.status_code == 200
        translated = Document(io.BytesIO(download.content))
        expected = translate_file(tiny_pipeline, data, "laporan.docx", summary="none")
        assert [p.text for p in translated.paragraphs] == [
            p.text for p in Document(io.BytesIO(expected.data)).paragraphs
        ]

        def error(**fields):
            sent = {"source": "id", "target": "en", **fields}
            upload = (
                {"file": (fields.pop("filename", "laporan.docx"), data)} if "nofile" not in fields else None
            )
            sent.pop("nofile", None)
            sent.pop("filename", None)
            response = client.post("/translate_file", data={k: v for k, v in sent.items() if v}, files=upload)
            return response.status_code, response.json()["error"]

        assert error(source="") == (400, "Invalid request: missing source parameter")
        assert error(target="zz") == (400, "zz is not supported")
        assert error(filename="program.exe") == (400, "Invalid request: file format not supported")
        assert error(nofile=True) == (400, "Invalid request: missing file parameter")
        assert client.get("/download_file/..%2Fsecret").status_code in (400, 404)
        assert client.get("/download_file/not-ours.docx").json()["error"] == "Invalid filename"
        assert client.get("/download_file/" + "0" * 32 + ".x.docx").status_code == 404
        broken = client.post(
            "/translate_file",
            data={"source": "id", "target": "en"},
            files={"file": ("rusak.docx", b"PK\x03\x04 x")},
        )
        assert broken.status_code == 400 and "damaged" in broken.json()["error"]
    finally:
        client.close()


def test_a_folder_of_files_becomes_a_folder_of_translated_files_and_resumes(tiny_config, tmp_path):
    import json

    from docx import Document

    root = tmp_path / "masuk"
    (root / "rapat").mkdir(parents=True)
    (root / "laporan.docx").write_bytes(
        make_docx("Kepala", "Judul", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1])
    )
    (root / "rapat" / "slide.pptx").write_bytes(make_pptx([("Bus listrik", SENTENCES[0])]))
    (root / "rusak.docx").write_bytes(b"PK\x03\x04 broken")
    (root / "catatan.csv").write_text("not translated: not a document kind\n")
    out = tmp_path / "keluar"
    first = cli("batch", str(root), "--output-dir", str(out), "--config", str(tiny_config))
    stderr = first.stderr.decode()
    assert first.returncode == 1 and "3 documents: 2 ok, 1 failed" in stderr and "rusak.docx" in stderr
    assert Document(str(out / "laporan.en.docx")).paragraphs[0].text == "English summary"
    assert (out / "rapat" / "slide.en.pptx").is_file() and not (out / "rusak.en.docx").exists()
    records = [json.loads(line) for line in (out / "translator-files.jsonl").read_text().splitlines()]
    assert [(r["id"], r["output"], bool(r["error"])) for r in records] == [
        ("laporan.docx", "laporan.en.docx", False),
        ("rapat/slide.pptx", "rapat/slide.en.pptx", False),
        ("rusak.docx", None, True),
    ]
    (root / "rusak.docx").write_bytes(
        make_docx("A", "Judul", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1])
    )
    again = cli("batch", str(root), "--output-dir", str(out), "--config", str(tiny_config), "--retry-failed")
    assert again.returncode == 0, again.stderr.decode()
    assert "3 documents: 1 ok, 0 failed, 2 skipped" in again.stderr.decode()
    assert (out / "rusak.en.docx").is_file()


def test_a_file_job_answers_202_then_streams_its_progress_to_the_download(tiny_pipeline):
    from docx import Document

    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        data = make_docx("Kepala", "Judul berita", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1])
        answer = client.post("/v1/files", files={"file": ("laporan.docx", data)})
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert answer.headers["location"] == job["status_url"] and job["status"] in (
            "queued",
            "running",
            "done",
        )
        with client.stream("GET", job["events_url"][job["events_url"].index("/v1/") :]) as events:
            names, last = [], None
            for line in events.iter_lines():
                if line.startswith("event: "):
                    names.append(line[7:])
                elif line.startswith("data: "):
                    last = json.loads(line[6:])
        assert names[-1] == "done" and set(names[:-1]) <= {"progress"}
        assert last["done"] == last["total"] == 5 and last["download_url"]  # the five paragraphs with words
        status = client.get(job["status_url"][job["status_url"].index("/v1/") :]).json()
        assert status["status"] == "done"
        download = client.get(last["download_url"][last["download_url"].index("/download_file") :])
        assert Document(io.BytesIO(download.content)).paragraphs[0].text == "English summary"

        broken = client.post("/v1/files", files={"file": ("rusak.docx", b"PK\x03\x04 x")}).json()
        with client.stream("GET", broken["events_url"][broken["events_url"].index("/v1/") :]) as events:
            body = "".join(events.iter_lines())
        assert "event: failed" in body and "damaged" in body
        assert client.get("/v1/jobs/nope").status_code == 404
        assert client.post("/v1/files", files={"file": ("a.exe", b"MZ")}).status_code == 400
    finally:
        client.close()


PAGE = f"""<!doctype html><html lang="id"><head><title>Bus listrik di Bandung</title>
<style>p {{ color: red }}</style></head><body><h1>Bus listrik di Bandung</h1>
<p>{BEFORE}<b>{BOLD}</b>{AFTER.rstrip(".")} <a href="https://contoh.id/koridor">menurut dinas</a>.</p>
<ul><li>{SENTENCES[1]}</li><li>2.500</li></ul><pre>kode tetap di sini</pre>
<script>var tetap = "Pemerintah kota";</script></body></html>"""


def test_html_keeps_its_markup_and_translates_the_sentence_whole(tiny_pipeline):
    import lxml.html

    out = translate_file(tiny_pipeline, PAGE.encode(), "halaman.html", summary="none")
    english = _translations(out)
    whole = f"{BEFORE}{BOLD}{AFTER.rstrip('.')} menurut dinas."
    assert whole in english, "the sentence with a bold word and a link is one segment"
    before, after = lxml.html.document_fromstring(PAGE), lxml.html.document_fromstring(out.data.decode())
    assert [e.tag for e in after.iter() if isinstance(e.tag, str)] == [
        e.tag for e in before.iter() if isinstance(e.tag, str)
    ], "the same elements, in the same order"
    assert after.get("lang") == "en"
    assert after.findtext(".//title") == english["Bus listrik di Bandung"]
    paragraph = after.find(".//p")
    assert paragraph.text == english[whole]
    assert paragraph.find("a").get("href") == "https://contoh.id/koridor", "the link stays, with its address"
    items = after.findall(".//li")
    assert items[0].text == english[SENTENCES[1]] and items[1].text == "2.500"
    assert after.findtext(".//pre") == "kode tetap di sini"
    assert 'var tetap = "Pemerintah kota"' in after.findtext(".//script")
    assert any("mixed formatting" in n for n in out.notes)


MARKDOWN = f"""# Bus listrik di Bandung

{BEFORE}**{BOLD}**{AFTER[:-1]}
[menurut dinas](https://contoh.id/koridor).

- {SENTENCES[1]}
- {SENTENCES[2]}

| Kota | Catatan |
|---|---|
| Bandung | {SENTENCES[3]} |

```
kode tetap di sini
```
"""


def test_markdown_keeps_its_markers_code_links_and_tables(tiny_pipeline):
    out = translate_file(tiny_pipeline, MARKDOWN.encode(), "catatan.md")
    english = _translations(out)
    lines = out.data.decode().split("\n")
    assert lines[:2] == ["## English summary", ""] and lines[2] == out.result.summary
    body = lines[lines.index("# " + english["Bus listrik di Bandung"]) :]
    whole = f"{BEFORE}{BOLD}{AFTER[:-1]} menurut dinas."
    assert body[2] == english[whole] + " ([menurut dinas](https://contoh.id/koridor))"
    assert body[4:6] == ["- " + english[SENTENCES[1]], "- " + english[SENTENCES[2]]]
    assert body[9] == f"| {english['Bandung']} | {english[SENTENCES[3]]} |" and body[8] == "|---|---|"
    assert body[11:14] == ["```", "kode tetap di sini", "```"]


def test_keep_layout_writes_html_as_html(tiny_config, tmp_path):
    source = tmp_path / "halaman.html"
    source.write_text(PAGE, encoding="utf-8")
    done = cli("translate", str(source), "--keep-layout", "--config", str(tiny_config))
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "halaman.en.html").read_text().startswith("<!DOCTYPE html>")
    plain = cli("translate", str(source), "--config", str(tiny_config))
    assert plain.returncode == 0 and "<" not in plain.stdout.decode(), "without it, HTML is read as text"


def test_plain_text_keeps_its_lines_each_paragraph_translated_in_place(tiny_pipeline):
    text = f"{SENTENCES[0]}\n{SENTENCES[1]}\n\n{SENTENCES[2]}\n***\n"  # news copy: a line is a paragraph
    out = translate_file(tiny_pipeline, text.encode(), "berita.txt", summary="none")
    english = _translations(out)
    lines = out.data.decode().split("\n")
    assert lines == [english[SENTENCES[0]], english[SENTENCES[1]], "", english[SENTENCES[2]], "***", ""]


def test_the_docx_summary_title_is_a_heading_in_the_documents_own_style(tiny_pipeline):
    """Word's navigation pane and table of contents list it: Heading 1 where the document has it
    (its id may be localised), an outline level always, bold only without a heading style."""
    import zipfile

    from docx import Document

    from translator.documents.formats.package import W

    data = make_docx("Kepala", "Judul berita", BEFORE, BOLD, AFTER, SENTENCES[2], SENTENCES[1])
    after = Document(io.BytesIO(translate_file(tiny_pipeline, data, "laporan.docx").data))
    title = after.paragraphs[0]
    assert title.style.name == "Heading 1" and title.text == "English summary"
    outline = title._p.find(f"{{{W}}}pPr/{{{W}}}outlineLvl")
    assert outline is not None and outline.get(f"{{{W}}}val") == "0"

    # The same document with its Heading 1 style renamed away: bold, at outline level 1.
    source = zipfile.ZipFile(io.BytesIO(data))
    renamed = io.BytesIO()
    with zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/styles.xml":
                part = part.replace(b'w:val="heading 1"', b'w:val="judul lain"')
            target.writestr(info, part)
    plain = Document(io.BytesIO(translate_file(tiny_pipeline, renamed.getvalue(), "polos.docx").data))
    first = plain.paragraphs[0]
    assert first.text == "English summary" and first.style.name != "Heading 1" and first.runs[0].bold
    assert first._p.find(f"{{{W}}}pPr/{{{W}}}outlineLvl") is not None
