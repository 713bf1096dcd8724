"""Web pages by URL, from a local HTTP server on 127.0.0.1: the article and its title, author,
date and link; a timeout, a 404, an image and a private address each refused in one line."""

from __future__ import annotations

import pytest

from local_site import local_site
from translator.documents.web import FetchError, FetchPolicy, fetch_document

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
        (
            "/tetes",
            FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), timeout_s=1),
            "no whole answer within 1 s",
        ),
        ("/berita", FetchPolicy(), "private, loopback or link-local"),
        ("/pindah", LOCAL, "10.255.255.1 is a private"),  # refused before any connection to it
        ("/pindah64", LOCAL, r"rahasia: 64:ff9b::7f00:1 is a private"),  # 127.0.0.1 through NAT64
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


def test_a_name_that_answers_public_then_loopback_reaches_nothing(monkeypatch):
    """DNS rebinding: the check sees a public address, a second lookup would give 127.0.0.1. The
    connection goes to the address that was checked (refused here: no packet leaves the machine)."""
    import socket

    real_lookup, real_connect = socket.getaddrinfo, socket.socket.connect
    lookups: list[str] = []
    tried: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "berita.example":
            return real_lookup(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def loopback_only(sock, address):
        tried.append(address[0])
        if not str(address[0]).startswith("127."):
            raise ConnectionRefusedError("this test lets no packet leave the machine")
        return real_connect(sock, address)

    with local_site() as base:
        port = base.rsplit(":", 1)[1]
        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        monkeypatch.setattr(socket.socket, "connect", loopback_only)
        with pytest.raises(FetchError, match="cannot fetch"):
            fetch_document(f"http://berita.example:{port}/berita", FetchPolicy())
    assert lookups == ["berita.example"], "the name was resolved once"
    assert tried == ["93.184.216.34"], "the connection went to the checked address only"


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.216.34", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("64:ff9b:1::a00:1", False),  # the local-use NAT64 prefix, 10.0.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2606:4700:4700::1111", True),
        ("fe80::1", False),
        ("ff02::1", False),
    ],
)
def test_addresses_are_judged_with_what_they_carry(address, public):
    import ipaddress

    from translator.documents.web import is_public

    assert is_public(ipaddress.ip_address(address)) is public
