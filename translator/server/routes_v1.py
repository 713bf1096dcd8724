"""translator's own API: /v1/translate-and-summarize, /v1/translate, /v1/summarize and /v1/models.

A document comes as JSON (``text``) or as an uploaded file; with ``Accept: text/event-stream`` each
sentence is sent the moment it is translated (see ``streaming``), else the Result comes whole.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ..documents.formats.registry import TEXT_SUFFIXES
from ..documents.reader import Document, decode, to_document
from ..engine.summarize import SummaryOptions
from ..errors import InputError, LanguageError, first_line
from ..types import Result
from .bodies import DocumentRequest, parse, request_body
from .service import ApiError, Service, api_router, read_fields, text_field
from .streaming import stream_document

UPLOAD_SUFFIXES = TEXT_SUFFIXES  # read as text here; office files and PDFs go to /v1/files


def router(service: Service) -> APIRouter:
    routes = api_router()

    @routes.get("/v1/models", summary="The loaded models, per profile")
    async def models(request: Request) -> dict[str, Any]:
        await service.check_access_of_get(request)
        return {"default_profile": service.settings.profiles[0], "models": _model_rows(service)}

    for path, summary, name, kind, summarize in DOCUMENT_ROUTES:
        routes.add_api_route(
            path,
            _document_route(service, kind, summarize),
            methods=["POST"],
            name=name,  # with the path, the OpenAPI operation id clients see: kept as it was
            summary=summary,
            openapi_extra=request_body(DocumentRequest, multipart=True),
        )
    return routes


# (path, summary, name, what is done, whether a summary is made): the three routes of one document.
DOCUMENT_ROUTES = (
    ("/v1/translate-and-summarize", "Translate and summarise one document", "translate_and_summarize",
     "translate", True),
    ("/v1/translate", "Translate one document (no summary)", "translate_only", "translate", False),
    ("/v1/summarize", "Summarise an English text", "summarize_only", "summarize", True),
)  # fmt: skip


def _document_route(
    service: Service, kind: str, summarize: bool
) -> Callable[[Request], Awaitable[dict[str, Any] | StreamingResponse]]:
    async def endpoint(request: Request) -> dict[str, Any] | StreamingResponse:
        return await _document_endpoint(service, request, kind, summarize)

    return endpoint


def _model_rows(service: Service) -> list[dict[str, Any]]:
    """One row per loaded model of each profile; an extractive summariser is a row without a model."""
    rows: list[dict[str, Any]] = []
    for name, loaded in service.engine().parts.items():
        stages = [
            ("translation", loaded.translator.model if loaded.translator else None),
            ("summarization", loaded.summary.model),
        ]
        for role, model in stages:
            if model is not None:
                row = {
                    "id": model.model_id,
                    "revision": model.revision,
                    "backend": model.backend,
                    "compute_type": model.compute_type,
                    "device": model.device,
                }
            elif role == "summarization" and loaded.summary.enabled:
                row = {
                    "id": "extractive:textrank",
                    "revision": None,
                    "backend": "none",
                    "compute_type": None,
                    "device": None,
                }
            else:
                continue
            rows.append({"profile": name, "role": role, **row})
    return rows


async def _document_endpoint(
    service: Service, request: Request, kind: str, summarize: bool
) -> dict[str, Any] | StreamingResponse:
    """The three document routes: read and check the request, submit it, answer or stream."""
    data = await read_fields(request)
    owner = await service.check_access(request, text_field(data.get("api_key")))
    upload = data.pop("file", None)
    upload = None if isinstance(upload, str) else upload  # a file field that holds no file
    fields = parse(DocumentRequest, data)
    if upload is None and fields.text is None and fields.url is None:
        raise ApiError(400, "Invalid request: missing text (or a url, or upload a file)")
    if fields.text is not None and fields.url is not None:
        raise ApiError(400, "Invalid request: give a text or a url, not both")
    options = SummaryOptions(fields.summary_words, fields.summary_method) if summarize else None
    name, loaded = service.pipeline(fields.profile)
    document = await service.pools.run("fetches", _document, upload, fields, service.settings.allow_hosts)
    if kind == "summarize" and not loaded.summary.enabled:
        raise ApiError(400, f"profile {name!r} was loaded without summaries")
    if summarize and loaded.summary.enabled:
        try:
            loaded.summary.method_for(options)
        except InputError as e:
            raise ApiError(400, first_line(e)) from None
    engine = service.engine()
    if kind == "summarize":
        ticket = await service.submit(
            engine.submit_english, [document.text], profile=name, owner=owner, options=options
        )
        return _answer(await service.wait(request, ticket))
    submit = functools.partial(
        service.submit,
        engine.submit,
        [document],
        profile=name,
        owner=owner,
        summarize=summarize,
        force=fields.force,
        options=options,
    )
    if "text/event-stream" in request.headers.get("accept", ""):
        # The stream submits when it starts, with its sink for the events.
        start = lambda sink: submit(on_event=sink)  # noqa: E731
        return stream_document(service, request, start, summarize and loaded.summary.enabled)
    return _answer(await service.wait(request, await submit()))


def _answer(outcomes: list[Result | InputError]) -> dict[str, Any]:
    outcome = outcomes[0]
    if isinstance(outcome, InputError):
        raise ApiError(
            400, outcome.message("force: true") if isinstance(outcome, LanguageError) else first_line(outcome)
        )
    return outcome.to_dict()


def _document(upload: Any, fields: DocumentRequest, allow_hosts: frozenset[str] = frozenset()) -> Document:
    """The text of a JSON body, of an uploaded file, or of the page a url names (public addresses
    only, and the hosts the operator allowed), through the CLI's readers. An upload is read from
    the request only: no request can make the server open a path on its disk."""
    from ..documents.web import FetchPolicy, fetch_document

    try:
        if fields.url is not None:
            return fetch_document(fields.url, FetchPolicy(allow_hosts=allow_hosts))
        if upload is not None:
            name = (getattr(upload, "filename", None) or "upload.txt").replace("\\", "/").rsplit("/", 1)[-1]
            if not name.lower().endswith(UPLOAD_SUFFIXES):
                raise ApiError(400, f"{name}: upload a .txt, .md or .html file")
            return to_document(decode(upload.file.read(), name), name, fields.input_format)
        return to_document(fields.text or "", "text", fields.input_format)
    except InputError as e:
        raise ApiError(400, first_line(e)) from None
