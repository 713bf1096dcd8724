"""The page at / in a real browser: Debian's Chromium driven by Playwright, against a live server."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from helpers import EXAMPLE, FIXED, SENTENCES, config_with_memory, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the workplace's probe runs it: no sandbox as root, and no calls home that this network refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    page.goto(live_server + "/")
    page.wait_for_function("document.querySelector('#profile').options.length > 0")
    try:
        yield page
    finally:
        context.close()


def translate(page, text: str) -> dict:
    page.fill("#text", text)
    with page.expect_response(lambda r: r.url.endswith("/v1/translate-and-summarize")) as answer:
        page.click("#go")
    assert answer.value.ok
    page.wait_for_selector("#output:not([hidden])")
    page.wait_for_function("document.querySelector('#status').textContent === 'Done.'")
    return {}


def test_the_example_article_shows_its_summary_and_every_row(page, tiny_pipeline):
    text = EXAMPLE.read_text(encoding="utf-8")
    translate(page, text)
    expected = tiny_pipeline(text)
    assert page.text_content("#summary") == expected.summary
    rows = page.locator("#pairs tbody tr")
    assert rows.count() == len(expected.segments)
    assert rows.nth(0).locator("td.source").text_content() == expected.segments[0].source
    boilerplate = [i for i, s in enumerate(expected.segments) if s.boilerplate]
    assert boilerplate and all("boilerplate" in rows.nth(i).get_attribute("class") for i in boilerplate)


def test_hover_and_focus_highlight_the_other_side(page):
    translate(page, f"{SENTENCES[0]} {SENTENCES[1]}")
    assert page.locator("button.edit").count() == 0, "a server without a memory offers no Edit"
    from playwright.sync_api import expect

    highlighted = re.compile(r"\bhighlight\b")
    row = page.locator("#pairs tbody tr").nth(1)
    row.locator("td.source").hover()
    expect(row.locator("td.target")).to_have_class(highlighted)
    page.mouse.move(0, 0)  # the pointer leaves: the hover ends (a busy browser may handle it late)
    page.locator("#pairs tbody tr").nth(0).locator("td.target").focus()
    expect(page.locator("#pairs tbody tr").nth(0).locator("td.source")).to_have_class(highlighted)
    expect(row.locator("td.target")).not_to_have_class(highlighted)


def test_flag_messages_show_on_hover_and_by_keyboard(page):
    translate(page, "Harga beras naik 2,5 persen pekan ini.")
    target = page.locator("td.target.flagged").first
    assert "number_missing" in target.get_attribute("title")
    flags = target.locator(".flags")
    assert not flags.is_visible()
    target.focus()  # the keyboard way: Tab reaches every cell
    assert flags.is_visible() and "number_missing" in flags.text_content()


def test_a_dropped_file_is_read_and_sent(page, tmp_path):
    markdown = f"# Bus listrik\n\n{SENTENCES[0]}\n\n```\nkode\n```\n"
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "berita.md", {type: "text/markdown"}));
            document.querySelector('#text').dispatchEvent(
                new DragEvent('drop', {dataTransfer: data, bubbles: true}));
        }""",
        markdown,
    )
    page.wait_for_function("document.querySelector('#text').value.includes('Bus listrik')")
    with page.expect_request(lambda r: r.url.endswith("/v1/translate-and-summarize")) as sent:
        page.click("#go")
    assert "multipart/form-data" in sent.value.headers["content-type"]
    page.wait_for_function("document.querySelector('#status').textContent === 'Done.'")
    sources = page.locator("#pairs td.source").all_text_contents()
    assert sources == ["Bus listrik", SENTENCES[0]], "the Markdown was read as Markdown: no '#', no code"


def test_copy_and_download_buttons(page):
    translate(page, f"{SENTENCES[0]} {SENTENCES[1]}")
    page.click("#copy")
    page.wait_for_function("document.querySelector('#status').textContent === 'Translation copied.'")
    copied = page.evaluate("navigator.clipboard.readText()")
    with page.expect_download() as json_download:
        page.click("#download-json")
    data = json.loads(open(json_download.value.path(), encoding="utf-8").read())
    assert copied == data["translation"] and data["segments"][0]["source"] == SENTENCES[0]
    with page.expect_download() as markdown_download:
        page.click("#download-md")
    markdown = open(markdown_download.value.path(), encoding="utf-8").read()
    assert markdown.startswith("## Summary") and "| 1 | " + SENTENCES[0] in markdown


def test_input_is_shown_as_text_and_never_run(page):
    attack = (
        '<img src=x onerror="window.__xss = 1"> <script>window.__xss = 2</script> Harga beras naik di pasar.'
    )
    page.evaluate("window.__xss = 0")
    translate(page, attack)
    assert page.evaluate("window.__xss") == 0
    assert page.locator("#pairs img, #pairs script, #summary img").count() == 0
    assert "<img src=x" in " ".join(page.locator("#pairs td.source").all_text_contents())


def test_usable_on_a_phone_width_screen_and_by_keyboard(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        page.wait_for_function("document.querySelector('#profile').options.length > 0")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
        page.focus("#text")
        page.keyboard.type(SENTENCES[0])
        reached = []
        for _ in range(6):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.id"))
        assert "go" in reached, reached
        page.focus("#go")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('#status').textContent === 'Done.'")
        assert page.locator("#pairs tbody tr").count() == 1
    finally:
        context.close()


def test_the_page_shows_the_first_sentence_before_the_last_is_translated(browser, gated_server):
    model, base, _ = gated_server
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/")
        page.wait_for_function("document.querySelector('#profile').options.length > 0")
        page.fill("#text", " ".join(f"Kalimat nomor {i} tentang harga beras." for i in range(1, 6)))
        page.click("#go")
        assert model.next_batch() == ["Kalimat nomor 1 tentang harga beras."]
        model.release()
        model.next_batch()  # the second batch is built, and held
        first = page.locator("#pairs tbody tr").nth(0).locator("td.target")
        # The table may not be drawn yet when the wait starts: a missing cell means "not yet".
        page.wait_for_function(
            "(() => { const cell = document.querySelector('#pairs tbody tr td.target');"
            " return cell !== null && !cell.classList.contains('pending'); })()"
        )
        assert first.text_content().startswith("en")  # the fake's English
        last = page.locator("#pairs tbody tr").nth(4).locator("td.target")
        assert "pending" in last.get_attribute("class") and last.text_content() == "…"
        model.open()
        page.wait_for_function("document.querySelector('#status').textContent === 'Done.'")
        assert "pending" not in last.get_attribute("class") and last.text_content().startswith("en")
    finally:
        context.close()


def test_sentences_are_shaded_by_confidence_and_an_edit_sticks(browser, tiny_dirs, tmp_path):
    from translator import Pipeline
    from translator.server.app import ServerSettings, create_app

    config = config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3")
    app = create_app(ServerSettings(), lambda: {"default": Pipeline.from_config(config)})
    with serving(app) as base:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        try:
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_function("document.querySelector('#profile').options.length > 0")
            text = f"{SENTENCES[0]} {SENTENCES[1]}"
            translate(page, text)
            first = page.locator("#pairs tbody tr").nth(0).locator("td.target")
            confidence = float(first.get_attribute("data-confidence"))
            assert 0.0 <= confidence <= 1.0
            assert f"confidence {confidence:.2f}" in first.get_attribute("title")
            unsure = first.evaluate("td => getComputedStyle(td).getPropertyValue('--unsure')")
            assert float(unsure) == pytest.approx(1 - confidence, abs=0.01), (
                "the less sure, the stronger the shade"
            )

            first.locator("button.edit").click()
            page.fill("#pairs tbody tr:first-child td.target textarea", FIXED)
            page.click("#pairs tbody tr:first-child td.target button:text('Save')")
            page.wait_for_function(
                "document.querySelector('#status').textContent.startsWith('Correction saved')"
            )
            assert "corrected" in first.get_attribute("class")

            page.reload()
            page.wait_for_function("document.querySelector('#profile').options.length > 0")
            translate(page, text)
            again = page.locator("#pairs tbody tr").nth(0).locator("td.target")
            assert "corrected" in again.get_attribute("class")
            assert again.evaluate("td => td.firstChild.textContent") == FIXED
            assert "a person's correction" in again.get_attribute("title")
            second = page.locator("#pairs tbody tr").nth(1).locator("td.target")
            assert "corrected" not in second.get_attribute("class")
        finally:
            context.close()


def test_a_link_and_a_dropped_office_file(browser, tiny_config, tmp_path):
    from docx import Document

    from documents_kit import make_docx
    from local_site import local_site
    from translator import Pipeline
    from translator.server.app import ServerSettings, create_app

    settings = ServerSettings(allow_hosts=frozenset({"127.0.0.1"}))
    app = create_app(settings, lambda: {"default": Pipeline.from_config(tiny_config)})
    with serving(app) as base, local_site() as site:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
        try:
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_function("document.querySelector('#profile').options.length > 0")
            page.fill("#url", site + "/berita")
            with page.expect_response(lambda r: r.url.endswith("/v1/translate-and-summarize")):
                page.click("#go")
            page.wait_for_function("document.querySelector('#status').textContent === 'Done.'")
            assert "Bus listrik mulai diuji di Bandung" in page.text_content("#source")
            assert page.locator("#source a").get_attribute("href") == site + "/berita"
            assert page.locator("#pairs tbody tr").nth(1).locator("td.source").text_content() == SENTENCES[0]

            source = tmp_path / "laporan.docx"
            source.write_bytes(
                make_docx("Kepala", "Judul", "Harga ", "beras", " naik.", SENTENCES[2], SENTENCES[1])
            )
            page.set_input_files("#file", str(source))
            page.wait_for_selector("#translated-file")
            assert page.text_content("#translated-file") == "Download laporan.en.docx"
            with page.expect_download() as download:
                page.click("#translated-file")
            saved = tmp_path / "saved.docx"
            download.value.save_as(saved)
            assert Document(str(saved)).paragraphs[0].text != "Judul", "the file came back translated"

            broken = tmp_path / "rusak.docx"
            broken.write_bytes(b"PK\x03\x04 broken")
            page.set_input_files("#file", str(broken))
            page.wait_for_selector("#status.error")
            assert "damaged" in page.text_content("#status")
        finally:
            context.close()
