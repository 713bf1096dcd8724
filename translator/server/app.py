"""The ASGI app: LibreTranslate-compatible routes, translator's own /v1 API, health, and the page.

Models load once, in a thread started by the lifespan, so that /healthz answers at once and
/readyz says 503 until they are in memory. Every model call goes through the Worker's queue;
handlers only await futures. Errors are ``{"error": "..."}`` as LibreTranslate sends them; a
bug is a 500 whose id is logged with the traceback, never a traceback in the body.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import threading
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from ..documents import FORMATS, Document, decode, to_document
from ..errors import InputError, LanguageError, TranslatorError, first_line
from ..pipeline import Pipeline
from ..summarize import SummaryOptions
from ..text.language import identify, rank
from ..types import Result
from .access import BodyLimit, RateLimiter, key_is_valid
from .worker import Job, QueueFull, ShuttingDown, Worker

log = logging.getLogger("translator.server")
OPEN_PATHS = ("/", "/healthz", "/readyz", "/favicon.ico")
UPLOAD_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


@dataclass
class ServerSettings:
    profiles: list[str] = field(default_factory=lambda: ["default"])
    api_keys: frozenset[str] | None = None
    req_limit: int | None = None  # requests per minute per key (or client address)
    cors_origins: list[str] = field(default_factory=list)
    max_body_bytes: int = 5_000_000
    timeout_s: float = 300.0  # the most one request may wait and run
    max_queue: int = 64  # jobs waiting for the worker; more get 503 with Retry-After


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# ---- request bodies, for the OpenAPI schema ------------------------------------------------


class TranslateRequest(BaseModel):
    """LibreTranslate's /translate body (JSON; the same fields as a form are accepted too)."""

    q: str | list[str] = Field(description="the text, or a list of texts")
    source: str = Field("auto", description="'id', or 'auto' to detect")
    target: str = Field("en", description="'en'")
    format: str = Field("text", description="'text' or 'html'")
    api_key: str | None = None


class DetectRequest(BaseModel):
    q: str
    api_key: str | None = None


class DocumentRequest(BaseModel):
    """translator's own API: one document (JSON), or a file upload (multipart field ``file``)."""

    text: str = Field(description="the text: plain, Markdown or HTML")
    profile: str | None = Field(None, description="a profile this server loaded (GET /v1/models)")
    summary_words: int | None = Field(None, ge=1, le=1000, description="at most about this many words in the summary")
    summary_method: str | None = Field(None, description="'abstractive' or 'extractive'")
    input_format: str = Field("auto", description="auto, text, markdown or html")
    force: bool = Field(False, description="translate even if the text does not look Indonesian")
    api_key: str | None = None


def _body(model: type[BaseModel], multipart: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": model.model_json_schema()}}
    if multipart:
        schema = model.model_json_schema()
        properties = {**schema.get("properties", {}), "file": {"type": "string", "format": "binary"}}
        content["multipart/form-data"] = {"schema": {"type": "object", "properties": properties}}
    else:
        content["application/x-www-form-urlencoded"] = {"schema": model.model_json_schema()}
    return {"requestBody": {"required": True, "content": content}}


# ---- the app ---------------------------------------------------------------------------------


def create_app(settings: ServerSettings, load: Callable[[], dict[str, Pipeline]], on_fatal: Callable[[str], None] | None = None) -> FastAPI:
    """``load`` builds the pipelines (one per profile); it runs in a thread at start-up."""
    state: dict[str, Any] = {"worker": None, "error": None}
    limiter = RateLimiter(settings.req_limit) if settings.req_limit else None

    def load_in_background() -> None:
        try:
            state["worker"] = Worker(load(), max_queue=settings.max_queue)
            log.info("models loaded; ready")
        except Exception as e:  # noqa: BLE001 - reported as one line, and the server stops
            state["error"] = first_line(e)
            log.error("cannot load the models: %s", state["error"])
            if on_fatal:
                on_fatal(state["error"])

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=load_in_background, name="translator-load", daemon=True).start()
        yield
        if state["worker"] is not None:
            await asyncio.to_thread(state["worker"].stop)

    app = FastAPI(
        title="translator",
        version=_version(),
        description="Indonesian to English translation and summaries. LibreTranslate-compatible routes, and translator's own /v1 API.",
        lifespan=lifespan,
        docs_url=None,  # the default pages load scripts from a CDN; /docs is ours and works offline
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["*"])
    static = resources.files("translator.server").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return JSONResponse({"error": error.message}, status_code=error.status, headers=error.headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception):
        incident = uuid.uuid4().hex[:12]
        log.error("internal error %s on %s %s", incident, request.method, request.url.path, exc_info=error)
        return JSONResponse({"error": f"internal error (id {incident}); the server log has the details", "id": incident}, status_code=500)

    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in error.errors())
        return JSONResponse({"error": f"Invalid request: {problems}"}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=getattr(error, "headers", None))

    # ---- access ------------------------------------------------------------------------------

    def check_access(request: Request, body_key: str | None = None) -> None:
        header = request.headers.get("authorization", "")
        key = body_key or (header[7:].strip() if header.lower().startswith("bearer ") else None) or request.query_params.get("api_key")
        if settings.api_keys is not None and not key_is_valid(key, settings.api_keys):
            raise ApiError(403, "Invalid API key" if key else "Please provide an API key (api_key, or Authorization: Bearer)")
        if limiter is not None:
            caller = f"key:{key}" if settings.api_keys is not None else f"ip:{request.client.host if request.client else '-'}"
            if not limiter.allow(caller):
                raise ApiError(429, f"Too many requests: the limit is {settings.req_limit} per minute", {"Retry-After": "60"})

    def worker() -> Worker:
        if state["worker"] is None:
            raise ApiError(503, state["error"] or "the models are still loading; try again shortly", {"Retry-After": "5"})
        return state["worker"]

    def pipeline(profile: str | None) -> tuple[str, Pipeline]:
        name = profile or settings.profiles[0]
        pipelines = worker().pipelines
        if name not in pipelines:
            raise ApiError(400, f"profile {name!r} is not loaded here (loaded: {', '.join(pipelines)}); start the server with --profile {name}")
        return name, pipelines[name]

    async def run(request: Request, job: Job) -> list[Result | InputError]:
        try:
            future = worker().submit(job)
        except QueueFull:
            raise ApiError(503, "the server is busy: too many requests are waiting; retry shortly", {"Retry-After": "2"}) from None
        except ShuttingDown:
            raise ApiError(503, "the server is shutting down") from None
        waiting = asyncio.wrap_future(future)
        deadline = asyncio.get_running_loop().time() + settings.timeout_s
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=0.25)
            if done:
                break
            if await request.is_disconnected():
                future.cancel()  # not started yet: it costs nothing; started: its result is dropped
                raise ApiError(499, "the client went away")
            if asyncio.get_running_loop().time() > deadline:
                future.cancel()
                raise ApiError(503, f"the request took longer than the limit of {settings.timeout_s:.0f} s", {"Retry-After": "5"})
        try:
            return waiting.result()
        except ShuttingDown:
            raise ApiError(503, "the server is shutting down") from None
        except TranslatorError as e:
            raise ApiError(400 if isinstance(e, InputError) else 500, first_line(e)) from None

    # ---- health and the page -----------------------------------------------------------------

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz():
        if state["worker"] is None:
            return JSONResponse({"status": "loading" if not state["error"] else "failed", "error": state["error"]}, status_code=503)
        return {"status": "ready", "profiles": list(state["worker"].pipelines)}

    @app.get("/", include_in_schema=False)
    async def page():
        return HTMLResponse(static.joinpath("index.html").read_text(encoding="utf-8"))

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request):
        check_access(request)
        return HTMLResponse(_docs_page(app.openapi()))

    # ---- LibreTranslate-compatible -------------------------------------------------------------

    @app.get("/languages", summary="Languages (LibreTranslate)")
    async def languages(request: Request):
        check_access(request)
        return [{"code": "id", "name": "Indonesian", "targets": ["en"]}, {"code": "en", "name": "English", "targets": []}]

    @app.post("/detect", summary="Detect the language (LibreTranslate)", openapi_extra=_body(DetectRequest))
    async def detect(request: Request):
        data = await _fields(request)
        check_access(request, _str(data.get("api_key")))
        q = data.get("q")
        if not isinstance(q, str) or not q.strip():
            raise ApiError(400, "Invalid request: missing q parameter")
        return _detections(q)

    @app.post("/translate", summary="Translate (LibreTranslate)", openapi_extra=_body(TranslateRequest))
    async def translate(request: Request):
        data = await _fields(request)
        check_access(request, _str(data.get("api_key")))
        q = data.get("q")
        if q is None or (isinstance(q, list) and not all(isinstance(x, str) for x in q)) or not isinstance(q, (str, list)):
            raise ApiError(400, "Invalid request: missing q parameter")
        source, target, fmt = (_str(data.get(k)) or default for k, default in (("source", "auto"), ("target", "en"), ("format", "text")))
        if target != "en" or source not in ("id", "auto"):
            raise ApiError(400, f"{source} -> {target} is not supported: translator translates Indonesian (id, or auto) to English (en)")
        if fmt not in ("text", "html"):
            raise ApiError(400, f"Invalid request: format must be text or html, got {fmt!r}")
        texts = [q] if isinstance(q, str) else list(q)
        detected = []
        if source == "auto":
            for text in texts:
                verdict = identify(text)
                if verdict is not None and not verdict.indonesian_like:
                    raise ApiError(400, f"the text looks like {verdict.language!r}, not Indonesian; translator translates Indonesian to English")
                detected.append({"language": "id", "confidence": round(100 * verdict.accepted_share, 1) if verdict else 0.0})
        documents = [to_document(t, "q.html", "html") if fmt == "html" and t.strip() else t for t in texts]
        wanted = [i for i, t in enumerate(texts) if t.strip()]
        translations = ["" for _ in texts]
        if wanted:
            name, _ = pipeline(None)
            job = Job("translate", [documents[i] for i in wanted], name, summarize=False, force=True, sentences=_sentences(documents, wanted))
            for i, outcome in zip(wanted, await run(request, job)):
                if isinstance(outcome, InputError):
                    raise ApiError(400, first_line(outcome))
                translations[i] = _as_html(outcome.translation) if fmt == "html" else outcome.translation
        body: dict[str, Any] = {"translatedText": translations[0] if isinstance(q, str) else translations}
        if source == "auto":
            body["detectedLanguage"] = detected[0] if isinstance(q, str) else detected
        return body

    # ---- translator's own API ----------------------------------------------------------------

    @app.get("/v1/models", summary="The loaded models, per profile")
    async def models(request: Request):
        check_access(request)
        rows = []
        for name, loaded in worker().pipelines.items():
            stages = [("translation", loaded.translator.model if loaded.translator else None), ("summarization", loaded.summary.model)]
            for role, model in stages:
                if model is not None:
                    rows.append({"profile": name, "role": role, "id": model.model_id, "revision": model.revision, "backend": model.backend, "compute_type": model.compute_type, "device": model.device})
                elif role == "summarization" and loaded.summary.enabled:
                    rows.append({"profile": name, "role": role, "id": "extractive:textrank", "revision": None, "backend": "none", "compute_type": None, "device": None})
        return {"default_profile": settings.profiles[0], "models": rows}

    async def document_endpoint(request: Request, kind: str, summarize: bool):
        data = await _fields(request)
        check_access(request, _str(data.get("api_key")))
        request_data = _document_request(data)
        options = SummaryOptions(request_data.summary_words, request_data.summary_method) if summarize else None
        if request_data.summary_method not in (None, "abstractive", "extractive"):
            raise ApiError(400, f"Invalid request: summary_method must be abstractive or extractive, got {request_data.summary_method!r}")
        name, loaded = pipeline(request_data.profile)
        document = _document(data, request_data)
        if kind == "summarize":
            if not loaded.summary.enabled:
                raise ApiError(400, f"profile {name!r} was loaded without summaries")
        elif summarize and loaded.summary.enabled:
            try:
                loaded.summary.method_for(options)
            except InputError as e:
                raise ApiError(400, first_line(e)) from None
        job = Job(kind, [document], name, summarize=summarize, force=request_data.force, summary=options, sentences=_sentences([document], [0]))
        if "text/event-stream" in request.headers.get("accept", ""):
            return _stream(request, job, run)
        outcome = (await run(request, job))[0]
        if isinstance(outcome, InputError):
            raise ApiError(400, outcome.message("force: true") if isinstance(outcome, LanguageError) else first_line(outcome))
        return outcome.to_dict()

    @app.post("/v1/translate-and-summarize", summary="Translate and summarise one document", openapi_extra=_body(DocumentRequest, multipart=True))
    async def translate_and_summarize(request: Request):
        return await document_endpoint(request, "translate", summarize=True)

    @app.post("/v1/translate", summary="Translate one document (no summary)", openapi_extra=_body(DocumentRequest, multipart=True))
    async def translate_only(request: Request):
        return await document_endpoint(request, "translate", summarize=False)

    @app.post("/v1/summarize", summary="Summarise an English text", openapi_extra=_body(DocumentRequest, multipart=True))
    async def summarize_only(request: Request):
        return await document_endpoint(request, "summarize", summarize=True)

    return app


# ---- helpers ---------------------------------------------------------------------------------


async def _fields(request: Request) -> dict[str, Any]:
    """The body as a dict: JSON, a form, or multipart (an uploaded file stays an UploadFile)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except Exception as e:  # noqa: BLE001 - a malformed form is the client's error
            raise ApiError(400, f"Invalid request: cannot read the form ({first_line(e)})") from None
        return {key: (values if len(values := form.getlist(key)) > 1 and key == "q" else form.get(key)) for key in form.keys()}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "Invalid request: the body is not JSON (or send a form)") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid request: the body must be a JSON object")
    return data


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _document_request(data: dict[str, Any]) -> DocumentRequest:
    from pydantic import ValidationError

    fields = {k: v for k, v in data.items() if k in DocumentRequest.model_fields and k != "text" and v not in (None, "")}
    for key in ("summary_words",):
        if isinstance(fields.get(key), str) and fields[key].strip().isdigit():
            fields[key] = int(fields[key])
    if isinstance(fields.get("force"), str):
        fields["force"] = fields["force"].lower() in ("1", "true", "yes", "on")
    text = data.get("text")
    upload = data.get("file")
    if upload is not None and not isinstance(upload, str):
        text = ""  # the file is the text
    try:
        return DocumentRequest(text=text if isinstance(text, str) else "", **fields)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise ApiError(400, f"Invalid request: {problems}") from None


def _document(data: dict[str, Any], request_data: DocumentRequest) -> Document:
    """The text of a JSON body, or of an uploaded file, through the CLI's readers. An upload is
    read from the request only: no request can make the server open a path on its disk."""
    if request_data.input_format not in FORMATS:
        raise ApiError(400, f"Invalid request: input_format must be one of {', '.join(FORMATS)}")
    upload = data.get("file")
    try:
        if upload is not None and not isinstance(upload, str):
            name = (getattr(upload, "filename", None) or "upload.txt").replace("\\", "/").rsplit("/", 1)[-1]
            if not name.lower().endswith(UPLOAD_SUFFIXES):
                raise ApiError(400, f"{name}: upload a .txt, .md or .html file")
            raw = upload.file.read()
            return to_document(decode(raw, name), name, request_data.input_format)
        if "text" not in data or not isinstance(data["text"], str):
            raise ApiError(400, "Invalid request: missing text (or upload a file)")
        return to_document(request_data.text, "text", request_data.input_format)
    except InputError as e:
        raise ApiError(400, first_line(e)) from None


def _sentences(documents: list[Any], indices: list[int]) -> int:
    """About how many sentences the texts hold: the pool budget's unit."""
    total = 0
    for i in indices:
        text = documents[i].text if isinstance(documents[i], Document) else documents[i]
        total += max(1, text.count(". ") + text.count("\n") + 1)
    return total


def _detections(q: str) -> list[dict[str, Any]]:
    if identify(q) is None:  # too short to tell: Indonesian, the language this service takes
        return [{"language": "id", "confidence": 0.0}]
    return [{"language": code, "confidence": round(100 * p, 1)} for code, p in rank(q)]


def _as_html(translation: str) -> str:
    """Paragraphs of a translated HTML fragment as <p> elements (markup is not carried over)."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in translation.split("\n\n") if p)


def _stream(request: Request, job: Job, run) -> StreamingResponse:
    """Server-sent events: ``progress`` (stage, done, total) while the job runs, then ``result``."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue = asyncio.Queue()
    job.progress = lambda stage, done, total: loop.call_soon_threadsafe(events.put_nowait, ("progress", {"stage": stage, "done": done, "total": total}))

    async def produce():
        try:
            outcome = (await run(request, job))[0]
            if isinstance(outcome, InputError):
                await events.put(("error", {"error": first_line(outcome)}))
            else:
                await events.put(("result", outcome.to_dict()))
        except ApiError as e:
            await events.put(("error", {"error": e.message}))

    async def stream():
        task = asyncio.create_task(produce())
        try:
            yield _event("progress", {"stage": "queued", "done": 0, "total": job.sentences})
            while True:
                name, data = await events.get()
                yield _event(name, data)
                if name in ("result", "error"):
                    return
        finally:
            task.cancel()

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _docs_page(schema: dict[str, Any]) -> str:
    """The API reference from the OpenAPI schema, rendered here: no script from another host."""
    rows = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            kinds = ", ".join(body) or "none"
            fields = ""
            for content in body.values():
                props = content.get("schema", {}).get("properties", {})
                fields = ", ".join(f"<code>{html.escape(name)}</code>" for name in props)
                break
            rows.append(
                f"<tr><td><code>{method.upper()} {html.escape(path)}</code></td><td>{html.escape(operation.get('summary', ''))}</td>"
                f"<td>{html.escape(kinds)}</td><td>{fields}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        "<title>translator API</title><link rel='stylesheet' href='/static/style.css'></head><body><main>"
        f"<h1>translator API {html.escape(schema.get('info', {}).get('version', ''))}</h1>"
        "<p>The full schema is <a href='/openapi.json'>/openapi.json</a>. Errors are <code>{\"error\": \"...\"}</code>.</p>"
        "<table><thead><tr><th>route</th><th>what</th><th>body</th><th>fields</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></main></body></html>"
    )


def _version() -> str:
    from .. import __version__

    return __version__

