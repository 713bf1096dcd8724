"""translator's own file jobs: POST /v1/files answers 202 with the job's URLs; GET /v1/jobs/ID
says how far it is; /v1/jobs/ID/events streams the same as server-sent events until the file is
ready at /download_file/NAME (see ``jobs``, ``job_worker`` and ``routes_files``). With a shared
database any replica answers for any job."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ..documents.formats import SUFFIXES
from .job_worker import POLL_S, JobWorker
from .jobs import Job, TooManyJobs
from .routes_files import read_upload, readable, reading_options, upload_name
from .service import ApiError, Service, api_router, text_field

KEEPALIVE_POLLS = 15  # polls without a change before a comment line goes out (proxies drop idle streams)


def router(service: Service, worker: JobWorker) -> APIRouter:
    routes = api_router()
    store = worker.store

    @routes.post(
        "/v1/files", summary="Translate a file as a job: 202, then its status and events", status_code=202
    )
    async def submit_file(request: Request) -> JSONResponse:
        data, owner, upload = await read_upload(service, request)
        name = upload_name(upload)
        content = await upload.read()
        options = reading_options(data)
        if not readable(content, name):
            raise ApiError(400, f"{name}: unsupported file type; translator reads {', '.join(SUFFIXES)}")
        summary = text_field(data.get("summary_in")) or "top"
        pdf_as = "." + (text_field(data.get("pdf_as")) or "docx")
        if summary not in ("top", "none") or pdf_as not in (".docx", ".md"):
            raise ApiError(400, "Invalid request: summary_in is top or none; pdf_as is docx or md")
        profile, _ = service.pipeline(None)
        await service.pools.run("fetches", worker.files.check_room, len(content))
        work = dict(profile=profile, summary=summary, pdf_as=pdf_as, **options)
        try:
            job = await service.pools.run("memory", store.add, name, owner, content, work)
        except TooManyJobs:
            raise ApiError(
                503, f"the server has {store.active_max} file jobs queued or running; retry shortly",
                {"Retry-After": "30"},
            ) from None  # fmt: skip
        worker.wake()
        base = str(request.base_url).rstrip("/")
        return JSONResponse(job.view(base), status_code=202, headers={"Location": f"{base}/v1/jobs/{job.id}"})

    async def found(job_id: str) -> Job:
        job = await service.pools.run("memory", store.get, job_id)
        if job is None:
            raise ApiError(404, f"no job {job_id}")
        return job

    @routes.get("/v1/jobs/{job_id}", summary="A file job's progress, and its download when done")
    async def job_status(request: Request, job_id: str) -> dict[str, Any]:
        return (await found(job_id)).view(str(request.base_url).rstrip("/"))

    @routes.get("/v1/jobs/{job_id}/events", summary="A file job's progress as server-sent events")
    async def job_events(request: Request, job_id: str) -> StreamingResponse:
        job, base = await found(job_id), str(request.base_url).rstrip("/")

        stream = _events(request, job, base, worker, found)
        return StreamingResponse(stream, media_type="text/event-stream")

    return routes


async def _events(
    request: Request, job: Job, base: str, worker: JobWorker, found: Callable[[str], Awaitable[Job]]
) -> AsyncIterator[str]:
    """The job's view each time it changes, until it is done or failed (or the client leaves)."""
    current, seen, quiet = job, -1, 0
    while True:
        if current.version != seen:
            seen, quiet = current.version, 0
            view = current.view(base)
            name = view["status"] if view["status"] in ("done", "failed") else "progress"
            yield f"event: {name}\ndata: {json.dumps(view)}\n\n"
            if name != "progress":
                return
        elif (quiet := quiet + 1) % KEEPALIVE_POLLS == 0:
            yield ": still working\n\n"  # a comment: keeps a proxy from closing an idle stream
        if await request.is_disconnected():
            return
        await worker.changes.wait(job.id, POLL_S)  # woken by this replica, or polled
        current = await found(job.id)
