"""The ASGI app: wires the routers (LibreTranslate, /v1, page and health), middleware, error
handlers and the lifespan that loads the models.

Models load once, in a thread started by the lifespan, so that /healthz answers at once and
/readyz says 503 until they are in memory; then the engine owns them. Errors are
``{"error": "..."}`` as LibreTranslate sends them; a bug is a 500 whose id is logged with the
traceback, never a traceback in the body.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.pipeline import Pipeline
from ..errors import DatabaseError, first_line
from . import page, routes_corrections, routes_files, routes_jobs, routes_libretranslate, routes_v1
from .access import AccessLog, BodyLimit
from .job_worker import JobWorker
from .jobs import JobStore, SqliteJobs
from .routes_files import FileStore, LocalFiles
from .service import ApiError, ServerSettings, Service

__all__ = ["ServerSettings", "create_app"]

log = logging.getLogger("translator.server")
STOP_S = 5.0  # the batch and summary in flight get this long to finish when the server stops


def create_app(
    settings: ServerSettings,
    load: Callable[[], dict[str, Pipeline]],
    on_fatal: Callable[[str], None] | None = None,
) -> FastAPI:
    """``load`` builds the pipelines (one per profile); it runs in a thread at start-up. With
    ``settings.database`` the jobs, their files and the rate limits live in that database, shared
    with the other replicas (the memory follows the config's ``database``); without it, here."""
    service, files, jobs = _state(settings)
    worker = JobWorker(service, jobs, files, settings.job_lease_s, shared=settings.database is not None)

    def load_in_background() -> None:
        try:
            service.start(load())
            log.info("models loaded; ready")
        except Exception as e:  # noqa: BLE001 - reported as one line, and the server stops
            service.error = first_line(e)
            if on_fatal:
                on_fatal(service.error)  # it tells the user, once
            else:
                log.error("cannot load the models: %s", service.error)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=load_in_background, name="translator-load", daemon=True).start()
        worker.start()
        yield
        worker.stop()
        if service.engine_ is not None:
            await asyncio.to_thread(service.engine_.stop, STOP_S)
        service.pools.close()
        files.close()
        jobs.close()

    app = FastAPI(
        title="translator",
        version=_version(),
        description="Indonesian to English translation and summaries. LibreTranslate-compatible routes, and "
        "translator's own /v1 API.",
        lifespan=lifespan,
        docs_url=None,  # the default pages load scripts from a CDN; /docs is ours and works offline
        redoc_url=None,
    )
    app.state.service = service
    _middleware(app, settings)
    app.mount("/static", StaticFiles(directory=str(page.STATIC)), name="static")
    _error_handlers(app)
    app.include_router(page.router(service, app.openapi))
    app.include_router(routes_libretranslate.router(service, app.openapi))
    app.include_router(routes_v1.router(service))
    app.include_router(routes_corrections.router(service))
    app.include_router(routes_files.router(service, files))
    app.include_router(routes_jobs.router(service, worker))
    return app


def _middleware(app: FastAPI, settings: ServerSettings) -> None:
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.access_log != "off":
        app.add_middleware(AccessLog, json_lines=settings.access_log == "json")
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
        )


def _state(settings: ServerSettings) -> tuple[Service, FileStore, JobStore]:
    """The service with its files and jobs: in the shared database (the files' and the jobs' close
    each give back one share of its pool), or on this machine (the files in a private folder, the
    jobs in a SQLite file in another, both removed when the server stops)."""
    if settings.database is None:
        files: FileStore = LocalFiles(settings.file_ttl_s, settings.file_store_bytes)
        jobs_dir = Path(tempfile.mkdtemp(prefix="translator-jobs-"))
        return Service(settings), files, SqliteJobs(jobs_dir / "jobs.sqlite3", settings.max_jobs, remove=True)
    from ..database import open_database
    from .shared import PostgresFiles, PostgresJobs, SharedRateLimiter

    db = open_database(settings.database)
    service = Service(settings, limit=lambda per_minute, scope: SharedRateLimiter(db, per_minute, scope))
    files = PostgresFiles(db, settings.file_ttl_s, settings.file_store_bytes)
    return service, files, PostgresJobs(open_database(settings.database), settings.max_jobs)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        body = {"error": error.message} | ({"id": error.request_id} if error.request_id else {})
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    @app.exception_handler(DatabaseError)
    async def database_down(request: Request, error: DatabaseError) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, first_line(error))
        return JSONResponse({"error": first_line(error)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        request.state.request_id = incident  # the access log's line for this request carries it too
        log.error("internal error %s on %s %s", incident, request.method, request.url.path, exc_info=error)
        return JSONResponse(
            {"error": f"internal error (id {incident}); the server log has the details", "id": incident},
            status_code=500,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in error.errors()
        )
        return JSONResponse({"error": f"Invalid request: {problems}"}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(error.detail)},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )


def _version() -> str:
    from ..version import __version__

    return __version__
