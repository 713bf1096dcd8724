"""The service: LibreTranslate compatibility (with its own client), translator's /v1 API, access
limits, bad input, pooling across concurrent requests, and a graceful stop."""

from __future__ import annotations

import json
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from translator import Pipeline
from translator.server.access import RateLimiter, key_is_valid
from translator.server.app import ServerSettings, create_app

from helpers import EXAMPLE, ROOT, SENTENCES, free_port, ready_client, running, serving, wait_ready

FRENCH = "Le gouvernement de la ville a commencé à tester des bus électriques sur trois corridors principaux mercredi."  # noqa: E501


def test_health_answers_at_once_and_ready_only_after_the_models_load(tiny_pipeline):
    loaded = threading.Event()

    def slow_load():
        loaded.wait(timeout=60)
        return {"default": tiny_pipeline}

    with TestClient(create_app(ServerSettings(), slow_load)) as client:
        assert client.get("/healthz").status_code == 200
        waiting = client.get("/readyz")
        assert waiting.status_code == 503 and waiting.json()["status"] == "loading"
        assert (
            client.post("/translate", json={"q": "Harga naik.", "source": "id", "target": "en"}).status_code
            == 503
        )
        loaded.set()
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)


# ---- LibreTranslate ------------------------------------------------------------------------


def test_translate_like_libretranslate_json_and_form(client, tiny_pipeline):
    expected = tiny_pipeline(SENTENCES[0], summarize=False).translation
    by_json = client.post(
        "/translate", json={"q": SENTENCES[0], "source": "id", "target": "en", "format": "text"}
    )
    assert by_json.status_code == 200 and by_json.json() == {"translatedText": expected}
    by_form = client.post("/translate", data={"q": SENTENCES[0], "source": "id", "target": "en"})
    assert by_form.json() == {"translatedText": expected}
    many = client.post(
        "/translate", json={"q": [SENTENCES[0], "", SENTENCES[1]], "source": "auto", "target": "en"}
    ).json()
    assert many["translatedText"][0] == expected and many["translatedText"][1] == ""
    assert [d["language"] for d in many["detectedLanguage"]] == ["id", "id", "id"]
    single = client.post("/translate", json={"q": SENTENCES[2], "source": "auto", "target": "en"}).json()
    assert (
        single["detectedLanguage"]["language"] == "id" and 0 < single["detectedLanguage"]["confidence"] <= 100
    )


def test_html_format_translates_the_text_of_the_fragment(client):
    answer = client.post(
        "/translate",
        json={
            "q": f"<p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>",
            "source": "id",
            "target": "en",
            "format": "html",
        },
    ).json()
    assert answer["translatedText"].startswith("<p>") and answer["translatedText"].count("<p>") == 2


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({"source": "id", "target": "en"}, 400, "Invalid request: missing q parameter"),
        ({"q": "", "source": "id", "target": "en"}, 400, "Invalid request: missing q parameter"),
        ({"q": [], "source": "id", "target": "en"}, 400, "Invalid request: missing q parameter"),
        ({"q": 5, "source": "id"}, 400, "q must be a text or a list of texts, not a number"),
        (
            {"q": ["Halo", 5], "source": "id"},
            400,
            "q must be a text or a list of texts, not a list holding a number",
        ),
        ({"q": "Halo", "source": "fr", "target": "en"}, 400, "fr is not supported"),
        ({"q": "Halo", "source": "id", "target": "de"}, 400, "de is not supported"),
        ({"q": "Halo", "source": "id", "target": "en", "format": "pdf"}, 400, "pdf format is not supported"),
        ({"q": FRENCH, "source": "auto", "target": "en"}, 400, "looks like 'fr'"),
        # A declared source is checked as a detected one is (it was translated silently).
        ({"q": FRENCH, "source": "id", "target": "en"}, 400, "send force: true to translate it anyway"),
        ({"q": ["Harga beras naik.", FRENCH], "source": "id"}, 400, "looks like 'fr'"),
    ],
)
def test_libretranslate_errors(client, body, status, fragment):
    answer = client.post("/translate", json=body)
    assert (
        answer.status_code == status
        and fragment in answer.json()["error"]
        and set(answer.json()) == {"error"}
    )


def test_a_body_that_is_not_utf8_or_not_json_is_told_so_in_its_own_words(client):
    headers = {"content-type": "application/json"}
    latin1 = '{"q": "Harga gula naik di Cianjur, kata Pak Dédé."}'.encode("latin-1")
    answer = client.post("/translate", content=latin1, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        "Invalid request: the JSON body is not UTF-8 (byte 46); send it encoded as UTF-8"
    )
    broken = client.post("/translate", content=b'{"q": "Halo",}', headers=headers)
    assert broken.status_code == 400 and "not JSON (Expecting property name" in broken.json()["error"]
    assert "line 1, column 14" in broken.json()["error"]


def test_alternatives_a_greedy_profile_cannot_give_are_explained(client):
    answer = client.post(
        "/translate", json={"q": "Harga beras naik.", "source": "id", "alternatives": 2}
    ).json()
    assert answer["alternatives"] == []
    assert "num_beams 1" in answer["alternativesNote"] and "no alternatives" in answer["alternativesNote"]
    plain = client.post("/translate", json={"q": "Harga beras naik.", "source": "id"}).json()
    assert "alternativesNote" not in plain


def test_force_translates_a_text_that_does_not_look_indonesian_whatever_the_source(client):
    for source in ("id", "auto"):
        answer = client.post("/translate", json={"q": FRENCH, "source": source, "force": True})
        assert answer.status_code == 200 and answer.json()["translatedText"], answer.text


def test_libretranslates_other_routes_answer_as_its_server_does(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert "/translate" in client.get("/spec").json()["paths"]
    settings = client.get("/frontend/settings").json()
    assert set(settings) == {
        "charLimit", "frontendTimeout", "apiKeys", "keyRequired", "suggestions", "filesTranslation",
        "supportedFilesFormat", "language",
    }  # fmt: skip
    assert settings["charLimit"] > 0 and settings["apiKeys"] is False and settings["keyRequired"] is False
    assert settings["language"] == {
        "source": {"code": "id", "name": "Indonesian"},
        "target": {"code": "en", "name": "English"},
    }
    for path, method in (
        ("/translate", "GET"), ("/detect", "GET"), ("/languages", "POST"), ("/frontend/settings", "POST"),
        ("/health", "POST"), ("/spec", "POST"),
    ):  # fmt: skip
        answer = client.request(method, path)
        assert answer.status_code == 405 and "error" in answer.json(), (method, path)


def test_detect_and_languages(client):
    detected = client.post(
        "/detect", json={"q": "Harga beras di pasar tradisional naik dua persen pekan ini."}
    ).json()
    assert detected[0]["language"] == "id" and detected[0]["confidence"] > 20
    codes = {lang["code"]: lang["targets"] for lang in client.get("/languages").json()}
    assert codes["id"] == ["en"]


def test_libretranslate_own_client_works_unchanged(live_server, tiny_pipeline):
    from libretranslatepy import LibreTranslateAPI

    api = LibreTranslateAPI(live_server + "/")
    assert api.translate(SENTENCES[0], "id", "en") == tiny_pipeline(SENTENCES[0], summarize=False).translation
    assert api.translate(SENTENCES[1], "auto", "en")
    assert {lang["code"] for lang in api.languages()} >= {"id", "en"}
    assert api.detect(SENTENCES[2])[0]["language"] == "id"


# ---- translator's own API --------------------------------------------------------------------


def test_translate_and_summarize_returns_the_result_of_the_library(client, tiny_pipeline, example_text):
    answer = client.post("/v1/translate-and-summarize", json={"text": example_text})
    assert answer.status_code == 200
    data, expected = answer.json(), tiny_pipeline(example_text).to_dict()
    for key in ("translation", "summary", "segments", "models", "signature"):
        assert data[key] == expected[key], key


def test_summary_options_per_request(client):
    data = client.post(
        "/v1/translate-and-summarize",
        json={
            "text": EXAMPLE.read_text(encoding="utf-8"),
            "summary_method": "extractive",
            "summary_words": 20,
        },
    ).json()
    assert data["summary_method"] == "extractive" and "sum_words:20" in data["signature"]
    only = client.post("/v1/translate", json={"text": SENTENCES[0]}).json()
    assert only["summary"] == "" and [m["role"] for m in only["models"]] == ["translation"]
    english = client.post(
        "/v1/summarize", json={"text": "The city began testing electric buses. Passengers ride free."}
    ).json()
    assert english["segments"] == [] and english["summary"]


def test_upload_of_markdown_and_html_files(client):
    markdown = client.post(
        "/v1/translate-and-summarize",
        files={"file": ("berita.md", f"# Judul\n\n{SENTENCES[0]}\n\n```\nkode\n```\n".encode())},
    ).json()
    assert [s["source"] for s in markdown["segments"]] == ["Judul", SENTENCES[0]]
    assert markdown["source_text"] and any(w["kind"] == "document" for w in markdown["warnings"])
    page = f"<html><body><nav>Menu</nav><article><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></article></body></html>"  # noqa: E501
    html_answer = client.post(
        "/v1/translate", files={"file": ("../../etc/berita.html", page.encode())}
    ).json()
    assert [s["source"] for s in html_answer["segments"]] == SENTENCES[:2]


def test_form_fields_are_converted_by_the_request_model(client):
    # A form sends every value as text: the model turns "3" into 3 and "true" into True.
    by_form = client.post(
        "/v1/translate-and-summarize",
        data={"summary_words": "3", "force": "true", "summary_method": "extractive"},
        files={"file": ("berita.txt", f"{SENTENCES[0]} {SENTENCES[1]}".encode())},
    )
    assert by_form.status_code == 200, by_form.text
    assert any(m["id"] == "extractive:textrank" for m in by_form.json()["models"])
    refused = client.post(
        "/v1/translate", data={"summary_words": "three"}, files={"file": ("a.txt", b"Halo.")}
    )
    assert refused.status_code == 400 and "summary_words" in refused.json()["error"]


def sse_events(body: str) -> list[tuple[str, dict]]:
    """(event name, data) of each server-sent event in ``body``."""
    blocks = [block for block in body.split("\n\n") if block.strip()]
    return [
        (b.splitlines()[0].removeprefix("event: "), json.loads(b.splitlines()[1].removeprefix("data: ")))
        for b in blocks
    ]


def test_sentences_stream_in_order_then_the_summary_then_the_result(client, example_text, tiny_pipeline):
    with client.stream(
        "POST",
        "/v1/translate-and-summarize",
        json={"text": example_text},
        headers={"Accept": "text/event-stream"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    names = [name for name, _ in events]
    expected = tiny_pipeline(example_text)
    assert names[0] == "progress" and names[-1] == "result"
    sentences = [data for name, data in events if name == "sentence"]
    assert [s["index"] for s in sentences] == list(range(len(expected.segments)))
    assert names.index("sentences") < names.index("sentence") and max(
        i for i, n in enumerate(names) if n == "sentence"
    ) < names.index("summary")
    assert [{k: v for k, v in s.items() if k != "index"} for s in sentences] == [
        seg.to_dict() for seg in expected.segments
    ]
    assert [s["source"] for s in dict(events)["sentences"]["sentences"]] == [
        seg.source for seg in expected.segments
    ]
    assert dict(events)["summary"]["summary"] == expected.summary == events[-1][1]["summary"]
    stages = [data["stage"] for name, data in events if name == "progress"]
    assert stages[0] == "queued" and "translate" in stages and stages[-1] == "summarize"


def test_models_lists_ids_revisions_backend_and_compute_type(client, tiny_dirs):
    rows = client.get("/v1/models").json()["models"]
    assert {(r["role"], r["id"], r["backend"], r["compute_type"]) for r in rows} == {
        ("translation", str(tiny_dirs[0]), "transformers", "float32"),
        ("summarization", str(tiny_dirs[1]), "transformers", "float32"),
    }


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"text": "   "}, "the input is empty"),
        ({"text": "?!… ---"}, "no letters or digits"),
        ({"text": FRENCH}, "looks like 'fr'"),
        ({"text": SENTENCES[0], "profile": "turbo"}, "profile 'turbo' is not loaded here"),
        (
            {"text": SENTENCES[0], "summary_method": "magic"},
            "summary_method must be abstractive or extractive",
        ),
        ({"text": SENTENCES[0], "summary_words": 0}, "summary_words"),
        ({}, "missing text"),
        ({"text": 5}, "text must be a text, not a number"),
        ({"text": SENTENCES[0], "website": "x"}, "unknown field 'website'"),
        ({"text": SENTENCES[0], "url": "http://127.0.0.1:9/"}, "text or a url, not both"),
        ({"text": SENTENCES[0], "input_format": "pdf"}, "input_format must be auto, text, markdown or html"),
        ({"text": SENTENCES[0], "force": "maybe"}, "force:"),
    ],
)
def test_bad_input_gets_a_4xx_with_one_line(client, body, fragment):
    answer = client.post("/v1/translate-and-summarize", json=body)
    assert answer.status_code == 400, answer.text
    assert fragment in answer.json()["error"] and "\n" not in answer.json()["error"]


def test_binary_upload_and_french_with_force(client):
    binary = client.post("/v1/translate", files={"file": ("data.txt", bytes(range(256)))})
    assert binary.status_code == 400 and "binary" in binary.json()["error"]
    assert "force: true" in client.post("/v1/translate", json={"text": FRENCH}).json()["error"]
    forced = client.post("/v1/translate", json={"text": FRENCH, "force": True})
    assert forced.status_code == 200 and forced.json()["warnings"][0]["kind"] == "language"


def test_over_max_input_chars_is_a_400(tiny_dirs, tmp_path):
    from translator.testing.tiny import tiny_config_text

    path = tmp_path / "small.yaml"
    path.write_text(tiny_config_text(*tiny_dirs) + "max_input_chars: 100\n", encoding="utf-8")
    client = ready_client(
        create_app(ServerSettings(), lambda: {"default": Pipeline.from_config(path, summarize=False)})
    )
    try:
        answer = client.post("/v1/translate", json={"text": SENTENCES[0] * 3})
        assert answer.status_code == 400 and "max_input_chars limit of 100" in answer.json()["error"]
    finally:
        client.__exit__(None, None, None)


def test_a_bug_is_a_500_with_an_id_and_no_traceback(tiny_pipeline, monkeypatch, caplog):
    client = ready_client(
        create_app(ServerSettings(), lambda: {"default": tiny_pipeline}), raise_server_exceptions=False
    )
    try:
        monkeypatch.setattr(tiny_pipeline.parts, "result", lambda *a, **k: [][1])
        answer = client.post("/v1/translate", json={"text": SENTENCES[0]})
        assert answer.status_code == 500
        body = answer.json()
        assert (
            body["id"] in body["error"] and "Traceback" not in answer.text and "IndexError" not in answer.text
        )
        assert any(body["id"] in record.getMessage() and record.exc_info for record in caplog.records)
    finally:
        client.__exit__(None, None, None)


def test_the_docs_page_and_static_files_load_nothing_from_other_hosts(client):
    for path in ("/", "/docs", "/static/app.js", "/static/style.css"):
        text = client.get(path).text
        assert "http://" not in text.replace("http://127.0.0.1", "") and "https://" not in text, path
    assert "/v1/translate-and-summarize" in client.get("/docs").text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404


# ---- access and limits ---------------------------------------------------------------------


def test_api_keys_guard_every_route_but_the_open_ones(tiny_pipeline):
    client = ready_client(
        create_app(ServerSettings(api_keys=frozenset({"rahasia-1"})), lambda: {"default": tiny_pipeline})
    )
    try:
        open_routes = ("/", "/healthz", "/readyz", "/static/app.js", "/languages", "/health", "/spec")
        for path in (*open_routes, "/frontend/settings"):
            assert client.get(path).status_code == 200, path
        assert client.get("/frontend/settings").json()["keyRequired"] is True
        assert client.get("/v1/models").status_code == 403 and client.get("/docs").status_code == 403
        # The key from the query, the body of a GET (as libretranslatepy sends it), or a form.
        assert client.get("/v1/models?api_key=rahasia-1").status_code == 200
        in_body = client.request(
            "GET", "/v1/models", content=b"api_key=rahasia-1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert in_body.status_code == 200, in_body.text
        by_form = client.post("/detect", data={"q": "Harga beras naik.", "api_key": "rahasia-1"})
        assert by_form.status_code == 200
        denied = client.post("/translate", json={"q": "Halo", "source": "id", "target": "en"})
        assert denied.status_code == 403 and "API key" in denied.json()["error"]
        wrong = client.post(
            "/translate", json={"q": "Halo", "source": "id", "target": "en", "api_key": "salah"}
        )
        assert wrong.status_code == 403 and wrong.json() == {"error": "Invalid API key"}
        assert (
            client.post(
                "/translate", json={"q": "Halo", "source": "id", "target": "en", "api_key": "rahasia-1"}
            ).status_code
            == 200
        )
        assert client.get("/v1/models", headers={"Authorization": "Bearer rahasia-1"}).status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_libretranslates_own_client_works_with_an_api_key(tiny_pipeline):
    from libretranslatepy import LibreTranslateAPI

    app = create_app(ServerSettings(api_keys=frozenset({"rahasia-1"})), lambda: {"default": tiny_pipeline})
    with serving(app) as base:
        api = LibreTranslateAPI(base + "/", api_key="rahasia-1")
        assert {lang["code"] for lang in api.languages()} >= {"id", "en"}
        assert (
            api.translate(SENTENCES[0], "id", "en")
            == tiny_pipeline(SENTENCES[0], summarize=False).translation
        )
        assert api.detect(SENTENCES[2])[0]["language"] == "id"
        with pytest.raises(Exception, match="403"):
            LibreTranslateAPI(base + "/", api_key="salah").translate(SENTENCES[0], "id", "en")


def test_key_comparison_checks_every_key():
    keys = frozenset({"abc", "def"})
    assert key_is_valid("def", keys) and not key_is_valid("de", keys) and not key_is_valid(None, keys)


def test_request_limit_per_minute_gives_429(tiny_pipeline):
    client = ready_client(create_app(ServerSettings(req_limit=3), lambda: {"default": tiny_pipeline}))
    try:
        codes = [client.get("/v1/models").status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert client.get("/languages").status_code == 200  # exempt, as on LibreTranslate
        limited = client.get("/v1/models")
        assert "per minute" in limited.json()["error"] and limited.headers["retry-after"] == "60"
    finally:
        client.__exit__(None, None, None)
    limiter = RateLimiter(2, window_s=0.2)
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")


def test_body_size_limit_gives_413(tiny_pipeline):
    client = ready_client(create_app(ServerSettings(max_body_bytes=1000), lambda: {"default": tiny_pipeline}))
    try:
        answer = client.post("/v1/translate", json={"text": "kata " * 1000})
        assert answer.status_code == 413 and "over the limit of 1,000 bytes" in answer.json()["error"]
        assert client.post("/v1/translate", json={"text": SENTENCES[0]}).status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_cors_is_off_unless_an_origin_is_given(client, tiny_pipeline):
    assert (
        "access-control-allow-origin"
        not in client.get("/languages", headers={"Origin": "https://news.example"}).headers
    )
    allowed = ready_client(
        create_app(ServerSettings(cors_origins=["https://news.example"]), lambda: {"default": tiny_pipeline})
    )
    try:
        headers = allowed.get("/languages", headers={"Origin": "https://news.example"}).headers
        assert headers["access-control-allow-origin"] == "https://news.example"
    finally:
        allowed.__exit__(None, None, None)


# ---- the process ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_start_up_failure_is_told_once_and_exits_1(capsys, tiny_config):
    from translator import load_config
    from translator.errors import ModelLoadError
    from translator.server.run import serve

    def failing(profile):
        raise ModelLoadError("translation model 'nope/nope' is not in the local cache")

    code = serve(load_config(tiny_config), ServerSettings(), port=free_port(), load_pipeline=failing)
    told = [line for line in capsys.readouterr().err.splitlines() if "nope/nope" in line]
    assert code == 1 and len(told) == 1 and told[0].startswith("translator: error: "), told


def test_binding_beyond_loopback_without_keys_warns(monkeypatch, capsys, tiny_config):
    import uvicorn

    from translator import load_config
    from translator.server.run import serve

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)  # nothing is bound in this test
    assert serve(load_config(tiny_config), ServerSettings(), host="0.0.0.0", port=free_port()) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "without --api-keys" in warned[0]
    assert serve(load_config(tiny_config), ServerSettings(), host="127.0.0.1", port=free_port()) == 0
    assert "warning" not in capsys.readouterr().err


# ---- the scheduler behind the routes -------------------------------------------------------------


@pytest.mark.slow  # many requests at once, and the library's answers to compare
def test_under_concurrency_the_service_answers_what_the_library_returns(
    live_server, tiny_pipeline, example_text, article_20
):
    """Requests sent at once share the scheduler's batches; each answer is still the library's."""
    from concurrent.futures import ThreadPoolExecutor

    documents = [example_text, article_20, " ".join(SENTENCES[:4]), SENTENCES[5]]
    calls = [("/v1/translate-and-summarize", {"text": text}) for text in documents]
    calls += [
        ("/v1/translate", {"text": " ".join(SENTENCES[3:])}),
        ("/translate", {"q": SENTENCES[:3] + [SENTENCES[6]], "source": "id", "target": "en"}),
    ]
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(
            pool.map(lambda call: httpx.post(live_server + call[0], json=call[1], timeout=300), calls)
        )
    assert [a.status_code for a in answers] == [200] * len(calls), [a.text for a in answers]
    keys = (
        "translation",
        "summary",
        "segments",
        "warnings",
        "models",
        "signature",
        "summary_method",
        "cache_hits",
    )
    for text, answer in zip(documents, answers):
        expected = tiny_pipeline(text).to_dict()
        assert {k: answer.json()[k] for k in keys} == {k: expected[k] for k in keys}
    only = tiny_pipeline(" ".join(SENTENCES[3:]), summarize=False).to_dict()
    assert {k: answers[4].json()[k] for k in keys} == {k: only[k] for k in keys}
    assert answers[5].json()["translatedText"] == [
        tiny_pipeline(q, summarize=False).translation for q in calls[5][1]["q"]
    ]


def test_a_request_whose_sentence_breaks_the_model_gets_a_500_with_the_reason(
    client, tiny_pipeline, monkeypatch, caplog
):
    model = tiny_pipeline.translator.model
    real = model.generate

    def generate(texts, settings, candidates=1):
        if any("RACUN" in t for t in texts):
            raise RuntimeError("CUDA error: device-side assert triggered")
        return real(texts, settings, candidates)

    monkeypatch.setattr(model, "generate", generate)
    answer = client.post("/v1/translate", json={"text": f"{SENTENCES[0]} Kalimat RACUN di sini."})
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert "sentence 2" in error and "device-side assert" in error and "request id" in error
    request_id = error.rsplit("request id ", 1)[1]
    assert any(request_id in r.getMessage() for r in caplog.records)
    assert client.post("/v1/translate", json={"text": SENTENCES[0]}).status_code == 200


def test_a_client_that_leaves_the_stream_has_its_remaining_sentences_dropped(gated_server):
    model, base, service = gated_server
    text = " ".join(f"Kalimat nomor {i} tentang harga beras." for i in range(1, 11))
    with httpx.Client(timeout=60) as http:
        with http.stream(
            "POST", base + "/v1/translate", json={"text": text}, headers={"Accept": "text/event-stream"}
        ) as response:
            assert model.next_batch() == ["Kalimat nomor 1 tentang harga beras."]
            model.release()
            held = model.next_batch()  # the second batch is built, and held
            lines = response.iter_lines()
            assert any(line == "event: sentence" for line in lines)
        # the stream is closed: the client has gone
    scheduler = service.engine()
    gone = threading.Event()
    for _ in range(600):  # the server notices the disconnect and cancels the request
        if not scheduler._tickets:
            break
        gone.wait(0.1)
    assert not scheduler._tickets, "the request was not cancelled"
    model.release()  # the batch in flight finishes; nothing more of that request is generated
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(
            httpx.post, base + "/v1/translate", json={"text": "Harga beras naik."}, timeout=60
        )
        # The next batch is this request's: the cancelled request's 8 remaining sentences were dropped.
        assert model.next_batch() == ["Harga beras naik."]
        model.open()
        assert later.result().status_code == 200
    assert len(model.generated) == 1 + len(held) + 1


@pytest.mark.slow
def test_a_chunked_upload_over_the_limit_is_413_and_a_malformed_form_400(tiny_pipeline):
    client = ready_client(create_app(ServerSettings(max_body_bytes=2000), lambda: {"default": tiny_pipeline}))
    try:

        def chunks():  # no Content-Length: the limit is found while the form is read
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
            for _ in range(10):
                yield b"kata " * 100
            yield b"\r\n--b--\r\n"

        large = client.post(
            "/v1/translate", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
        assert large.status_code == 413 and "over the limit" in large.json()["error"]
        broken = client.post(
            "/v1/translate",
            content=b"--b\r\nnot a part",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert (
            broken.status_code == 400
            and set(broken.json()) == {"error"}
            and "multipart" in broken.json()["error"].lower()
        )
    finally:
        client.__exit__(None, None, None)


@pytest.mark.slow
def test_sigterm_with_work_running_and_queued_answers_every_request_with_json(tmp_path):
    """One short request is being translated (3 s a batch) and three articles wait behind it when
    SIGTERM comes: the short one finishes (within the drain), the articles get 503 JSON with
    Retry-After at once, nothing is a plain-text 500, the log has no traceback, the exit is 0."""
    from concurrent.futures import ThreadPoolExecutor

    from translator.server.run import EXIT_S

    port, marker = free_port(), tmp_path / "started"
    base = f"http://127.0.0.1:{port}"
    article = " ".join(f"Harga beras nomor {i} naik." for i in range(12))
    pause = threading.Event()
    with running(
        [sys.executable, str(ROOT / "tests" / "slow_server.py"), str(port), str(marker), "3"]
    ) as process:
        wait_ready(base, process)
        with ThreadPoolExecutor(4) as pool:
            short = pool.submit(
                httpx.post, base + "/translate", json={"q": "Harga beras naik.", "source": "id"}, timeout=120
            )
            while not marker.exists():  # the short request's batch is running
                assert not short.done(), short.result().text
                pause.wait(0.05)
            articles = [
                pool.submit(
                    httpx.post, base + "/v1/translate-and-summarize", json={"text": article}, timeout=120
                )
                for _ in range(3)
            ]
            while httpx.get(base + "/readyz", timeout=30).json()["requests"] < 4 and not short.done():
                pause.wait(0.05)  # until the articles are queued behind it
            process.send_signal(signal.SIGTERM)
            answers = [short.result(), *(a.result() for a in articles)]
        _, stderr = process.communicate(timeout=EXIT_S + 60)  # a guard against a hang, not a timing assertion
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and "never retrieved" not in log, log
    assert all(a.headers["content-type"] == "application/json" for a in answers), [a.text for a in answers]
    assert answers[0].status_code == 200 and answers[0].json()["translatedText"]
    for queued in answers[1:]:
        assert queued.status_code == 503 and queued.headers["retry-after"], queued.text
        assert "shutting down" in queued.json()["error"]


def test_ports_for_test_servers_lie_outside_the_range_outgoing_connections_draw_from():
    """CI once lost a replica to "address already in use": its port, from bind(0), had been taken
    as the local end of a connection to PostgreSQL before the server bound it."""
    first, last = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2])
    ports = [free_port() for _ in range(50)]
    assert not any(first <= port <= last for port in ports)
    assert len(set(ports)) == 50  # never handed out twice by one process
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports[0]))  # and free when handed out
