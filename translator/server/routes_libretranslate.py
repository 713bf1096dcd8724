"""LibreTranslate's API, as its clients expect it: /languages, /detect, /translate, /health,
/spec and /frontend/settings. As on LibreTranslate, /languages, /health, /spec and
/frontend/settings need no API key.

Every translation goes through the engine like any other request (same memory, glossary,
candidates and flags as the library); only the shape of the answers is LibreTranslate's.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any, Callable

from fastapi import APIRouter, Request

from ..documents.formats import SUFFIXES
from ..documents.reader import Document, to_document
from ..engine.assemble import join_paragraphs
from ..errors import InputError, first_line
from ..text.language import accepted_share, identify, rank
from ..types import Result
from .bodies import DetectRequest, TranslateRequest, parse, request_body
from .service import ApiError, Service, api_router, read_fields, text_field

LANGUAGES = [
    {"code": "id", "name": "Indonesian", "targets": ["en"]},
    {"code": "en", "name": "English", "targets": []},
]
FRONTEND_TIMEOUT_MS = 500  # LibreTranslate's default: how long its page waits after typing


def router(service: Service, openapi: Callable[[], dict[str, Any]]) -> APIRouter:
    routes = api_router()

    @routes.get("/languages", summary="Languages (LibreTranslate)")
    async def languages() -> list[dict[str, Any]]:
        return LANGUAGES

    @routes.get("/health", summary="Health (LibreTranslate)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @routes.get("/spec", summary="The OpenAPI document (LibreTranslate's route for it)")
    async def spec() -> dict[str, Any]:
        return openapi()

    @routes.get("/frontend/settings", summary="Settings for a LibreTranslate front end")
    async def frontend_settings() -> dict[str, Any]:
        return _frontend_settings(service)

    @routes.post(
        "/detect", summary="Detect the language (LibreTranslate)", openapi_extra=request_body(DetectRequest)
    )
    async def detect(request: Request) -> list[dict[str, Any]]:
        data = await read_fields(request)
        await service.check_access(request, text_field(data.get("api_key")))
        q = parse(DetectRequest, data).q
        if not q.strip():
            raise ApiError(400, "Invalid request: missing q parameter")
        return await service.pools.run("requests", _detections, q)  # a classifier: off the event loop

    @routes.post(
        "/translate", summary="Translate (LibreTranslate)", openapi_extra=request_body(TranslateRequest)
    )
    async def translate(request: Request) -> dict[str, Any]:
        return await _translate(service, request)

    return routes


async def _translate(service: Service, request: Request) -> dict[str, Any]:
    """LibreTranslate's /translate: check, translate through the engine, answer in its shape."""
    data = await read_fields(request)
    owner = await service.check_access(request, text_field(data.get("api_key")))
    fields = parse(TranslateRequest, data)
    q, source, target, fmt = fields.q, fields.source, fields.target, fields.format
    if isinstance(q, str) and not q.strip():
        raise ApiError(400, "Invalid request: missing q parameter")
    for code, supported in ((source, ("id", "auto")), (target, ("en",))):
        if code not in supported:
            raise ApiError(400, f"{code} is not supported")  # LibreTranslate's words, for its clients
    if fmt not in ("text", "html"):
        raise ApiError(400, f"{fmt} format is not supported")
    texts = [q] if isinstance(q, str) else list(q)
    # A declared source gets the same check as a detected one: French text sent as "id" is refused
    # (as with "auto") unless the caller says force.
    detected, documents = await service.pools.run("requests", _read_texts, texts, fmt, not fields.force)
    results = await _translations(service, request, owner, documents)
    html_out = fmt == "html"
    translations = [
        _as_html(r.translation) if html_out and r else (r.translation if r else "") for r in results
    ]
    body: dict[str, Any] = {"translatedText": translations[0] if isinstance(q, str) else translations}
    if fields.alternatives:
        others = [_alternatives(r, fields.alternatives, html_out) for r in results]
        body["alternatives"] = others[0] if isinstance(q, str) else others
        if any(len(found) < fields.alternatives for found in others):
            body["alternativesNote"] = _why_fewer(service)
    if source == "auto":
        body["detectedLanguage"] = detected[0] if isinstance(q, str) else detected
    return body


def _frontend_settings(service: Service) -> dict[str, Any]:
    """LibreTranslate's /frontend/settings fields, as this server has them."""
    loaded = service.engine_
    limit = None
    if loaded is not None:
        limit = loaded.parts[service.settings.profiles[0]].config.max_input_chars
    keys = service.settings.api_keys is not None
    suggestions = loaded is not None and any(
        p.translator is not None and p.translator.memory is not None for p in loaded.parts.values()
    )
    return {
        "charLimit": limit if limit is not None else -1,
        "frontendTimeout": FRONTEND_TIMEOUT_MS,
        "apiKeys": keys,
        "keyRequired": keys,
        "suggestions": suggestions,
        "filesTranslation": True,
        "supportedFilesFormat": list(SUFFIXES),
        "language": {
            "source": {"code": "id", "name": "Indonesian"},
            "target": {"code": "en", "name": "English"},
        },
    }


async def _translations(
    service: Service, request: Request, owner: str, documents: list[str | Document]
) -> list[Result | None]:
    """Each text's Result through the engine, in order; None for an empty text."""
    wanted = [i for i, d in enumerate(documents) if not isinstance(d, str) or d.strip()]
    translations: list[Result | None] = [None for _ in documents]
    if wanted:
        name, _ = service.pipeline(None)
        chosen = [documents[i] for i in wanted]
        ticket = await service.submit(
            service.engine().submit, chosen, profile=name, owner=owner, summarize=False, force=True
        )
        for i, outcome in zip(wanted, await service.wait(request, ticket)):
            if isinstance(outcome, InputError):
                raise ApiError(400, first_line(outcome))
            translations[i] = outcome
    return translations


def _why_fewer(service: Service) -> str:
    """Why fewer alternatives came back than were asked for, in the words of the profile's settings."""
    name, parts = service.pipeline(None)
    cfg = parts.config.translation
    beams = cfg.generation.get("num_beams", 1)
    if min(cfg.candidates, beams) <= 1:
        return (
            f"profile {name!r} keeps one translation per sentence (num_beams {beams}, candidates "
            f"{cfg.candidates}): it has no alternatives to give; a profile with beams and candidates has"
        )
    return (
        f"the beam search found fewer distinct translations than asked for (profile {name!r} keeps "
        f"{min(cfg.candidates, beams)} candidates per sentence)"
    )


def _alternatives(result: Result | None, wanted: int, html: bool) -> list[str]:
    """Up to ``wanted`` other translations of a text: the k-th takes each sentence's k-th beam
    alternative (its main translation where it has fewer), distinct and unlike the main one."""
    if result is None:
        return []
    found: list[str] = []
    for k in range(max((len(s.alternatives) for s in result.segments), default=0)):
        text = join_paragraphs(
            [
                replace(s, translation=s.alternatives[k]) if k < len(s.alternatives) else s
                for s in result.segments
            ]
        )
        if text != result.translation and text not in found:
            found.append(text)
        if len(found) == wanted:
            break
    return [_as_html(t) for t in found] if html else found


def _read_texts(
    texts: list[str], fmt: str, refuse: bool
) -> tuple[list[dict[str, Any]], list[str | Document]]:
    """The texts' detected languages (a text in another language refused, unless not ``refuse``)
    and the texts as the engine takes them (an HTML fragment's text extracted): CPU work, run on the
    requests pool, never on the event loop."""
    detected = _detected(texts, refuse)
    documents: list[str | Document] = [_fragment(t) if fmt == "html" and t.strip() else t for t in texts]
    return detected, documents


def _fragment(html_text: str) -> str | Document:
    """An HTML fragment's text: the article extractor's, or for a fragment too small for it to call
    an article (``<p>Halo</p>``, ``<b>...</b>``), the fragment's own text; 400 when it has none."""
    try:
        return to_document(html_text, "q.html", "html")
    except InputError:
        from lxml import html as lxml_html

        try:
            text = str(lxml_html.fromstring(html_text).text_content()).strip()
        except Exception:  # noqa: BLE001 - lxml's own errors for markup it cannot read at all
            text = ""
        if not text:
            raise ApiError(400, "Invalid request: the HTML in q has no text to translate") from None
        return text


def _detected(texts: list[str], refuse: bool) -> list[dict[str, Any]]:
    """LibreTranslate's detectedLanguage for each text; a text in another language is refused
    when ``refuse``."""
    detected = []
    for text in texts:
        verdict = identify(text)
        if refuse and verdict is not None and not verdict.indonesian_like:
            raise ApiError(
                400,
                f"the text looks like {verdict.language!r}, not Indonesian; translator translates Indonesian "
                "to English (send force: true to translate it anyway)",
            )
        # A text too short to judge is taken as Indonesian, the one language served, with the
        # classifier's guess as its confidence (not 0, which would read as "certainly not").
        share = verdict.accepted_share if verdict else accepted_share(text)
        detected.append({"language": "id", "confidence": round(100 * share, 1)})
    return detected


def _detections(q: str) -> list[dict[str, Any]]:
    if identify(q) is None:  # too short to tell: Indonesian, the language served, with the guess
        return [{"language": "id", "confidence": round(100 * accepted_share(q), 1)}]
    return [{"language": code, "confidence": round(100 * p, 1)} for code, p in rank(q)]


def _as_html(translation: str) -> str:
    """Paragraphs of a translated HTML fragment as <p> elements (markup is not carried over)."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in translation.split("\n\n") if p)
