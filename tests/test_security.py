"""The service's doors, tried as a hostile caller would (SECURITY.md lists them): here, keys never
reach a log, whichever way they were sent. Fetching (test_web.py), documents (test_bombs.py),
names and limits (test_service_state.py) are tried beside the code they guard."""

from __future__ import annotations

import logging

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
