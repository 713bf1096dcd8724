"""Web pages by URL, from a local HTTP server on 127.0.0.1: the article and its title, author,
date and link; a timeout, a 404, an image and a private address each refused in one line."""

from __future__ import annotations

import pytest

from local_site import local_site
from translator.web import FetchError, FetchPolicy, fetch_document

from helpers import SENTENCES, cli, ready_client

LOCAL = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}))


def test_the_article_comes_with_its_title_author_date_and_link():
    with local_site() as base:
        document = fetch_document(base + "/berita", LOCAL)
    assert SENTENCES[0] in document.text and SENTENCES[2] in document.text
    assert "Beranda" not in document.text and "Hak cipta" not in document.text, "page furniture left out"
    source = document.source
    assert source.url == base + "/berita" and source.title == "Bus listrik mulai diuji di Bandung"
    assert source.author == "Dewi Lestari" and source.date == "2024-01-31"


@pytest.mark.parametrize(
    "path, policy, message",
    [
        ("/hilang", LOCAL, "answered 404"),
        ("/gambar.png", LOCAL, "is image/png, not a web page"),
        ("/besar", FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), max_bytes=100_000), "over the limit"),
        ("/slow", FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), timeout_s=1), "no answer within 1 s"),
        ("/berita", FetchPolicy(), "private, loopback or link-local"),
        ("/pindah", LOCAL, "10.255.255.1 is a private"),  # refused before any connection to it
    ],
)
def test_a_url_that_is_not_a_page_is_refused_in_one_line(path, policy, message):
    with local_site() as base, pytest.raises(FetchError, match=message):
        fetch_document(base + path, policy)


def test_other_schemes_are_refused():
    with pytest.raises(FetchError, match="only http and https"):
        fetch_document("file:///etc/passwd", FetchPolicy(allow_private=True))


def test_the_cli_translates_a_page_and_keeps_its_source(tiny_config):
    with local_site() as base:
        done = cli("translate", base + "/berita", "--config", str(tiny_config), "--format", "json")
        missing = cli("translate", base + "/hilang", "--config", str(tiny_config))
    assert done.returncode == 0, done.stderr.decode()
    import json

    result = json.loads(done.stdout)
    assert result["source"]["title"] == "Bus listrik mulai diuji di Bandung"
    assert result["segments"][1]["source"] == SENTENCES[0]
    assert missing.returncode == 2 and "answered 404" in missing.stderr.decode()
    assert "Traceback" not in missing.stderr.decode()


def test_the_service_fetches_only_what_its_operator_allows(tiny_pipeline):
    from translator.server.app import ServerSettings, create_app

    with local_site() as base:
        guarded = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
        try:
            refused = guarded.post("/v1/translate", json={"url": base + "/berita"})
            assert refused.status_code == 400 and "private, loopback" in refused.json()["error"]
        finally:
            guarded.close()
        allowed = ready_client(
            create_app(
                ServerSettings(allow_hosts=frozenset({"127.0.0.1"})), lambda: {"default": tiny_pipeline}
            )
        )
        try:
            result = allowed.post("/v1/translate", json={"url": base + "/berita"}).json()
            assert result["source"]["author"] == "Dewi Lestari"
            assert [s["source"] for s in result["segments"]][1:] == SENTENCES[:3]
        finally:
            allowed.close()
