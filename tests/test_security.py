"""The service's doors, tried as a hostile caller would (SECURITY.md lists them): here, keys never
reach a log, whichever way they were sent. Fetching (test_web.py), documents (test_bombs.py),
names and limits (test_service_state.py) are tried beside the code they guard."""

from __future__ import annotations

import logging

import pytest

from translator.server.app import ServerSettings, create_app

from helpers import SENTENCES, ready_client

KEY = "kunci-rahasia-sekali-7f3a"


def test_no_key_reaches_any_log_whichever_way_it_was_sent(tiny_pipeline, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    app = create_app(ServerSettings(api_keys=frozenset({KEY})), lambda: {"default": tiny_pipeline})
    client = ready_client(app, raise_server_exceptions=False)
    try:
        assert (
            client.post(
                f"/translate?api_key={KEY}", json={"q": SENTENCES[0], "source": "id", "target": "en"}
            ).status_code
            == 200
        )
        assert (
            client.post(
                "/translate", json={"q": SENTENCES[0], "source": "id", "target": "en", "api_key": KEY}
            ).status_code
            == 200
        )
        assert (
            client.post(
                "/v1/translate", json={"text": SENTENCES[0]}, headers={"Authorization": f"Bearer {KEY}"}
            ).status_code
            == 200
        )
        assert client.post(
            "/suggest",
            data={"q": SENTENCES[0], "s": "Buses.", "source": "id", "target": "en", "api_key": KEY},
        ).status_code in (200, 400, 409)
        monkeypatch.setattr(
            tiny_pipeline.parts, "result", lambda *a, **k: [][1]
        )  # a bug: logged with its traceback
        failed = client.post(f"/v1/translate?api_key={KEY}", json={"text": SENTENCES[1]})
        assert failed.status_code == 500 and KEY not in failed.text
        assert (
            client.post(
                "/v1/translate", json={"text": SENTENCES[0]}, headers={"Authorization": "Bearer salah"}
            ).status_code
            == 403
        )
    finally:
        client.__exit__(None, None, None)
    server = [
        r for r in caplog.records if r.name.startswith(("translator", "uvicorn", "starlette", "fastapi"))
    ]
    assert any(r.exc_info for r in server), "the bug was logged (the check below saw real log lines)"
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in server
    )
    assert KEY not in logged


def test_language_detection_and_html_reading_run_off_the_event_loop(tiny_pipeline, monkeypatch):
    """CPU work on a caller's text (a 5 MB body is allowed) never blocks every other caller."""
    import threading

    from translator.server import routes_libretranslate

    threads: list[str] = []
    for name in ("_detections", "_read_texts"):
        real = getattr(routes_libretranslate, name)

        def spy(*args, real=real):
            threads.append(threading.current_thread().name)
            return real(*args)

        monkeypatch.setattr(routes_libretranslate, name, spy)
    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        assert client.post("/detect", json={"q": SENTENCES[0]}).status_code == 200
        html = {
            "q": f"<p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>",
            "source": "auto",
            "target": "en",
            "format": "html",
        }
        assert client.post("/translate", json=html).status_code == 200
    finally:
        client.__exit__(None, None, None)
    assert len(threads) == 2 and all(name.startswith("translator-requests") for name in threads), threads


@pytest.mark.parametrize(
    "fragment, status",
    [(f"<p>{SENTENCES[0]}</p>", 200), (f"<b>{SENTENCES[1]}</b>", 200), ("<p> </p><br>", 400)],
)
def test_a_small_html_fragment_is_translated_or_refused_never_a_500(client, fragment, status):
    answer = client.post("/translate", json={"q": fragment, "source": "id", "target": "en", "format": "html"})
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["translatedText"].startswith("<p>")
    else:
        assert "no text to translate" in answer.json()["error"]


def test_the_page_has_its_icon_and_favicon_ico_answers(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg") and b"http" not in icon.content.replace(b"http://www.w3.org", b"")
    assert 'rel="icon"' in client.get("/").text and client.get("/static/favicon.svg").status_code == 200


@pytest.mark.parametrize("json_lines", [False, True])
def test_the_access_log_has_a_line_per_request_with_the_keys_hash_never_the_key(
    tiny_pipeline, caplog, json_lines
):
    import json

    from translator.server.access import key_hash

    caplog.set_level(logging.INFO, logger="translator.access")
    settings = ServerSettings(api_keys=frozenset({KEY}), access_log="json" if json_lines else "text")
    client = ready_client(create_app(settings, lambda: {"default": tiny_pipeline}))
    try:
        caplog.clear()
        assert (
            client.post(
                f"/translate?api_key={KEY}", json={"q": SENTENCES[0], "source": "id", "target": "en"}
            ).status_code
            == 200
        )
        assert client.get("/v1/models", headers={"Authorization": "Bearer salah"}).status_code == 403
    finally:
        client.__exit__(None, None, None)
    lines = [r.getMessage() for r in caplog.records if r.name == "translator.access"]
    assert len(lines) == 2 and all(KEY not in line and "api_key" not in line for line in lines), lines
    if json_lines:
        first, second = (json.loads(line) for line in lines)
        assert (first["method"], first["path"], first["status"], first["key"]) == (
            "POST",
            "/translate",
            200,
            key_hash(KEY),
        )
        assert second["status"] == 403 and first["ms"] >= 0 and len(first["id"]) == 12
    else:
        assert "POST /translate 200 " in lines[0] and f"key={key_hash(KEY)}" in lines[0]
        assert "GET /v1/models 403 " in lines[1]


def test_the_access_log_can_be_turned_off(tiny_pipeline, caplog):
    caplog.set_level(logging.INFO, logger="translator.access")
    client = ready_client(create_app(ServerSettings(access_log="off"), lambda: {"default": tiny_pipeline}))
    try:
        caplog.clear()
        assert client.get("/v1/models").status_code == 200
    finally:
        client.__exit__(None, None, None)
    assert not [r for r in caplog.records if r.name == "translator.access"]
