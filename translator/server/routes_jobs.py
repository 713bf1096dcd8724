"""translator's own file jobs: POST /v1/files answers 202 with the job's URLs; GET /v1/jobs/ID
says how far it is; /v1/jobs/ID/events streams the same as server-sent events until the file is
ready at /download_file/NAME (see ``jobs`` and ``routes_files``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ..documents.formats import SUFFIXES
from ..errors import first_line
from .jobs import Job, Jobs, TooManyJobs
from .routes_files import FileStore, read_upload, readable, reading_options, translate_scheduled, upload_name
from .service import ApiError, Service, api_router, text_field


def router(service: Service, store: FileStore, jobs: Jobs) -> APIRouter:
    routes = api_router()

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
        store.check_room(len(content))
        try:
            job = jobs.add(Job(name, owner))
        except TooManyJobs:
            raise ApiError(
                503, f"the server has {jobs.active_max} file jobs queued or running; retry shortly",
                {"Retry-After": "30"},
            ) from None  # fmt: skip
        work = (service, store, job, profile, content, dict(summary=summary, pdf_as=pdf_as, **options))
        service.pools.start("files", _run_job, *work)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(job.view(base), status_code=202, headers={"Location": f"{base}/v1/jobs/{job.id}"})

    @routes.get("/v1/jobs/{job_id}", summary="A file job's progress, and its download when done")
    async def job_status(request: Request, job_id: str) -> dict[str, Any]:
        return _job(jobs, job_id).view(str(request.base_url).rstrip("/"))

    @routes.get("/v1/jobs/{job_id}/events", summary="A file job's progress as server-sent events")
    async def job_events(request: Request, job_id: str) -> StreamingResponse:
        job, base = _job(jobs, job_id), str(request.base_url).rstrip("/")

        async def events() -> AsyncIterator[str]:
            seen = -1
            while True:
                seen = await job.changed_since(seen, 1.0)
                view = job.view(base)
                name = view["status"] if view["status"] in ("done", "failed") else "progress"
                yield f"event: {name}\ndata: {json.dumps(view)}\n\n"
                if name != "progress" or await request.is_disconnected():
                    return

        return StreamingResponse(events(), media_type="text/event-stream")

    return routes


def _job(jobs: Jobs, job_id: str) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id}")
    return job


def _run_job(
    service: Service, store: FileStore, job: Job, profile: str, content: bytes, options: dict[str, Any]
) -> None:
    """The job's thread: translate, store the file, say how it ended (never raises)."""
    job.update(status="running")
    try:
        done = translate_scheduled(service, profile, job.owner, content, job.name, job, **options)
        stored = store.put(f"{Path(job.name).stem}.en{done.suffix}", done.data)
    except ApiError as e:
        job.update(status="failed", error=e.message)
    except Exception as e:  # noqa: BLE001 - a job's failure is its status, never a dead thread
        job.update(status="failed", error=first_line(e))
    else:
        job.update(status="done", stored=stored, done=max(job.done, job.total))
