"""Health, readiness, the page at / and the API reference at /docs (rendered here: no CDN)."""

from __future__ import annotations

import html
from importlib import resources
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .service import Service, api_router

STATIC = resources.files("translator.server").joinpath("static")


def router(service: Service, openapi: Callable[[], dict[str, Any]]) -> APIRouter:
    routes = api_router(include_in_schema=False)

    @routes.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @routes.get("/readyz")
    async def readyz() -> dict[str, Any] | JSONResponse:
        if service.engine_ is None:
            return JSONResponse(
                {"status": "loading" if not service.error else "failed", "error": service.error},
                status_code=503,
            )
        engine = service.engine_
        return {"status": "ready", "profiles": list(engine.parts), "requests": engine.in_progress}

    @routes.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(STATIC.joinpath("index.html").read_text(encoding="utf-8"))

    @routes.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        """Browsers ask for it on every page load; an SVG answers (every current browser draws it)."""
        return Response(STATIC.joinpath("favicon.svg").read_bytes(), media_type="image/svg+xml")

    @routes.get("/docs")
    async def docs(request: Request) -> HTMLResponse:
        await service.check_access_of_get(request)
        return HTMLResponse(docs_page(openapi()))

    return routes


def docs_page(schema: dict[str, Any]) -> str:
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
                f"<tr><td><code>{method.upper()} "
                f"{html.escape(path)}</code></td><td>{html.escape(operation.get('summary', ''))}</td>"
                f"<td>{html.escape(kinds)}</td><td>{fields}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
        "content='width=device-width'>"
        "<title>translator API</title><link rel='stylesheet' href='/static/style.css'></head><body><main>"
        f"<h1>translator API {html.escape(schema.get('info', {}).get('version', ''))}</h1>"
        "<p>The full schema is <a href='/openapi.json'>/openapi.json</a>. Errors are "
        '<code>{"error": "..."}</code>.</p>'
        "<table><thead><tr><th>route</th><th>what</th><th>body</th><th>fields</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></main></body></html>"
    )
