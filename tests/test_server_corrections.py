"""Corrections through the service: /suggest and /v1/corrections feed the memory every later
request, CLI run and restarted server uses; refused with a reason when a number is lost."""

from __future__ import annotations

import pytest

from translator import Pipeline
from translator.server.app import ServerSettings, create_app

from helpers import FIXED, NUMBERED, SENTENCES, cli, config_with_memory, ready_client


@pytest.fixture
def memory_config(tiny_dirs, tmp_path):
    return config_with_memory(tiny_dirs, tmp_path, tmp_path / "tm.sqlite3")


def _client(config, **settings):
    pipeline = Pipeline.from_config(config, summarize=False)
    return ready_client(create_app(ServerSettings(**settings), lambda: {"default": pipeline}))


def test_a_suggestion_is_used_by_later_requests_the_cli_and_a_restarted_server(memory_config):
    client = _client(memory_config)
    try:
        assert client.get("/frontend/settings").json()["suggestions"] is True
        before = client.post("/translate", json={"q": SENTENCES[0], "source": "id", "target": "en"})
        assert before.json()["translatedText"] != FIXED
        answer = client.post("/suggest", data={"q": SENTENCES[0], "s": FIXED, "source": "id", "target": "en"})
        assert answer.status_code == 200 and answer.json() == {"success": True}
        after = client.post("/translate", json={"q": SENTENCES[0], "source": "id", "target": "en"})
        assert after.json()["translatedText"] == FIXED
    finally:
        client.close()

    run = cli("translate", "--config", str(memory_config), "--format", "json", stdin=SENTENCES[0].encode())
    assert run.returncode == 0 and '"origin": "correction"' in run.stdout.decode()

    restarted = _client(memory_config)
    try:
        result = restarted.post("/v1/translate", json={"text": f"{SENTENCES[1]} {SENTENCES[0]}"}).json()
        assert [s["origin"] for s in result["segments"]] == ["model", "correction"]
        assert result["segments"][1]["translation"] == FIXED
    finally:
        restarted.close()


def test_v1_corrections_add_list_refuse_and_delete(memory_config):
    client = _client(memory_config)
    try:
        lost = client.post("/v1/corrections", json={"source": NUMBERED, "translation": "Rice got dearer."})
        assert lost.status_code == 400 and "'2,5' in the source is missing" in lost.json()["error"]
        forced = client.post(
            "/v1/corrections", json={"source": NUMBERED, "translation": "Rice got dearer.", "force": True}
        )
        assert forced.status_code == 201 and forced.json()["who"] == "local"
        made = client.post("/v1/corrections", json={"source": SENTENCES[0], "translation": FIXED}).json()
        listed = client.get("/v1/corrections").json()["corrections"]
        assert [c["id"] for c in listed] == [made["id"], forced.json()["id"]]
        unknown = client.post("/v1/corrections", json={"source": "a", "translation": "b", "url": "x"})
        assert unknown.status_code == 400 and "unknown field 'url'" in unknown.json()["error"]
        assert client.delete(f"/v1/corrections/{made['id']}").json() == {"deleted": made["id"]}
        assert client.delete(f"/v1/corrections/{made['id']}").status_code == 404
        assert [c["id"] for c in client.get("/v1/corrections").json()["corrections"]] == [forced.json()["id"]]
        assert client.get("/suggest").status_code == 405
    finally:
        client.close()


def test_suggest_needs_a_key_when_keys_are_used_and_has_its_own_limit(memory_config):
    client = _client(memory_config, api_keys=frozenset({"rahasia-1"}), suggest_limit=2)
    try:
        body = {"q": SENTENCES[0], "s": FIXED, "source": "id", "target": "en"}
        assert client.post("/suggest", data=body).status_code == 403, (
            "LibreTranslate skips this check; we do not"
        )
        keyed = {**body, "api_key": "rahasia-1"}
        assert client.post("/suggest", data=keyed).status_code == 200
        assert client.post("/suggest", data=keyed).status_code == 200
        third = client.post("/suggest", data=keyed)
        assert third.status_code == 429 and third.headers["retry-after"] == "60"
        assert client.post("/translate", data={**keyed, "q": SENTENCES[1]}).status_code == 200, (
            "the suggestion limit is not the translation limit"
        )
        who = client.get("/v1/corrections?api_key=rahasia-1").json()["corrections"][0]["who"]
        assert who.startswith("key:") and "rahasia" not in who, "the key itself is never stored"
    finally:
        client.close()


def test_a_server_without_a_memory_says_so(tiny_pipeline):
    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        answer = client.post("/v1/corrections", json={"source": SENTENCES[0], "translation": FIXED})
        assert answer.status_code == 409 and "cache is null" in answer.json()["error"]
        assert client.get("/frontend/settings").json()["suggestions"] is False
    finally:
        client.close()
