"""What every route shares: the settings, the loaded engine, access checks, reading a body, and
waiting for a ticket (a client that leaves has its work cancelled)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.datastructures import Default, DefaultPlaceholder
from fastapi.routing import APIRoute
from starlette.formparsers import MultiPartException

from ..engine import (
    Cancelled,
    Engine,
    Parts,
    QueueFull,
    RequestFailed,
    ShuttingDown,
    Ticket,
)
from ..engine.pipeline import Pipeline
from ..errors import DatabaseError, InputError, TranslatorError, first_line
from ..types import Result
from .access import Limiter, key_hash, key_is_valid, local_limiter
from .pools import Pools

DISCONNECT_POLL_S = 0.25
IP_SHARE = 4  # with keys, an address may send this many times one key's rate limit


@dataclass
class ServerSettings:
    profiles: list[str] = field(default_factory=lambda: ["default"])
    api_keys: frozenset[str] | None = None
    req_limit: int | None = None  # requests per minute per key (or client address)
    suggest_limit: int | None = None  # corrections per minute per caller; None: 30
    allow_hosts: frozenset[str] = frozenset()  # hosts a url may name even when their address is private
    file_ttl_s: float = 3600.0  # how long a translated file waits for its download
    file_timeout_s: float = 3600.0  # the most one file may take (LibreTranslate's call waits for it)
    file_store_bytes: int = 1 << 30  # translated files waiting for their download, at most; more get 503
    max_jobs: int = 32  # /v1/files jobs queued or running at once; more get 503 with Retry-After
    access_log: str = "text"  # one line per request on translator.access: text, json or off
    cors_origins: list[str] = field(default_factory=list)
    max_body_bytes: int = 5_000_000
    timeout_s: float = 300.0  # the most one request may wait and run
    max_queue: int = 64  # requests in progress; more get 503 with Retry-After
    target_batch_s: float = 1.0  # the engine's batches are about this much work
    threads: int | None = None  # cores for the models; None: models.yaml's threads, else every core
    database: str | None = None  # PostgreSQL shared by replicas: jobs, their files, rate limits there
    job_lease_s: float = 30.0  # with a database: a running job's lease, renewed at a third of it
    translation_workers: int | None = None  # translation batches at once, one thread each; None: one per core
    summary_workers: int | None = (
        None  # summaries at once, one thread each; None: one per core (engine/cores.py)
    )


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.request_id = request_id  # a failure the log has details of: sent as the answer's "id"


class Service:
    """The state behind the routes: the engine once the models are loaded, or why not yet."""

    def __init__(
        self, settings: ServerSettings, limit: Callable[[int, str], Limiter] = local_limiter
    ) -> None:
        self.settings = settings
        self.engine_: Engine | None = None
        self.error: str | None = None
        self.limit = limit  # makes a limiter: this process's, or counted across replicas (shared.py)
        self.limiter = limit(settings.req_limit, "requests") if settings.req_limit else None
        # With keys, each address has a limit of its own too (IP_SHARE times a key's, for an office
        # behind one address), counted before the key is checked: guessing keys is limited as well.
        self.address_limiter = (
            limit(settings.req_limit * IP_SHARE, "addresses")
            if settings.req_limit and settings.api_keys
            else None
        )
        self.pools = Pools()  # blocking work, by kind (pools.py)

    def start(self, pipelines: dict[str, Pipeline]) -> None:
        """The models are loaded: one engine over every profile's parts serves from now on."""
        self.engine_ = Engine(
            {profile: pipeline.parts for profile, pipeline in pipelines.items()},
            max_queue=self.settings.max_queue,
            target_batch_s=self.settings.target_batch_s,
        )

    def engine(self) -> Engine:
        if self.engine_ is None:
            raise ApiError(
                503, self.error or "the models are still loading; try again shortly", {"Retry-After": "5"}
            )
        return self.engine_

    def drain(self, timeout: float) -> None:
        """The server is stopping: see Engine.drain (nothing to do while the models load)."""
        if self.engine_ is not None:
            self.engine_.drain(timeout)

    def pipeline(self, profile: str | None) -> tuple[str, Parts]:
        name = profile or self.settings.profiles[0]
        pipelines = self.engine().parts
        if name not in pipelines:
            raise ApiError(
                400,
                f"profile {name!r} is not loaded here (loaded: {', '.join(pipelines)}); start the server "
                f"with --profile {name}",
            )
        return name, pipelines[name]

    async def allowed(self, limiter: Limiter, caller: str) -> bool:
        """``limiter.allow(caller)``, on the memory pool when it asks a database: a database that
        is slow to answer holds up this request, never the event loop."""
        if not limiter.blocking:
            return limiter.allow(caller)
        return await self.pools.run("memory", limiter.allow, caller)

    async def check_access(self, request: Request, body_key: str | None = None) -> str:
        """Raise 403/429 as LibreTranslate does; return the caller's owner name for fair shares."""
        address = f"ip:{request.client.host if request.client else '-'}"
        if self.address_limiter is not None and not await self.allowed(self.address_limiter, address):
            raise ApiError(
                429,
                f"Too many requests from this address: at most {self.address_limiter.per_minute} a minute",
                {"Retry-After": "60"},
            )
        header = request.headers.get("authorization", "")
        key = (
            body_key
            or (header[7:].strip() if header.lower().startswith("bearer ") else None)
            or request.query_params.get("api_key")
        )
        if self.settings.api_keys is not None and not key_is_valid(key, self.settings.api_keys):
            raise ApiError(
                403,
                "Invalid API key" if key else "Please provide an API key (api_key, or Authorization: Bearer)",
            )
        owner = f"key:{key}" if self.settings.api_keys is not None else address
        request.state.key_hash = key_hash(key)  # the access log's "who", never the key
        if self.limiter is not None and not await self.allowed(self.limiter, owner):
            raise ApiError(
                429,
                f"Too many requests: the limit is {self.settings.req_limit} per minute",
                {"Retry-After": "60"},
            )
        return owner

    async def check_access_of_get(self, request: Request) -> str:
        """check_access for a GET, whose key may come in its body too (libretranslatepy sends it so)."""
        try:
            data = await read_fields(request)
        except ApiError:
            data = {}
        return await self.check_access(request, text_field(data.get("api_key")))

    async def submit(self, submit: Callable[..., Ticket], *args: Any, **kwargs: Any) -> Ticket:
        """Call ``engine.submit*`` on the requests pool (segmenting is CPU work); queue errors as
        503. A client that leaves while its texts are being prepared has its ticket cancelled the
        moment it exists."""
        started = asyncio.ensure_future(self.pools.run("requests", submit, *args, **kwargs))
        try:
            return await asyncio.shield(started)
        except asyncio.CancelledError:
            started.add_done_callback(self._cancel_when_submitted)
            raise
        except QueueFull:
            raise ApiError(
                503, "the server is busy: too many requests are waiting; retry shortly", {"Retry-After": "2"}
            ) from None
        except ShuttingDown:
            raise ApiError(503, "the server is shutting down", {"Retry-After": "5"}) from None

    def _cancel_when_submitted(self, started: "asyncio.Future[Ticket]") -> None:
        if not started.cancelled() and started.exception() is None:
            self.engine().cancel(started.result())

    async def wait(self, request: Request, ticket: Ticket) -> list[Result | InputError]:
        """The ticket's outcomes; a client that disconnects, or a request over the time limit, has
        its remaining work cancelled."""
        waiting = watch(ticket)
        deadline = asyncio.get_running_loop().time() + self.settings.timeout_s
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=DISCONNECT_POLL_S)
            if done:
                break
            if await request.is_disconnected():
                self.engine().cancel(ticket)
                raise ApiError(499, "the client went away")
            if asyncio.get_running_loop().time() > deadline:
                self.engine().cancel(ticket)
                raise ApiError(
                    503,
                    f"the request took longer than the limit of {self.settings.timeout_s:.0f} s",
                    {"Retry-After": "5"},
                )
        return outcome(waiting)


def watch(ticket: Ticket) -> "asyncio.Future[list[Result | InputError]]":
    """The ticket's future on the event loop. Its exception counts as seen even when nobody waits
    any more (a client that left), so the log gets no "exception was never retrieved"."""
    waiting = asyncio.wrap_future(ticket.future)
    waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
    return waiting


def outcome(waiting: "asyncio.Future[list[Result | InputError]]") -> list[Result | InputError]:
    """A finished ticket's outcomes, its failure as an ApiError."""
    try:
        return waiting.result()
    except ShuttingDown:
        raise ApiError(503, "the server is shutting down", {"Retry-After": "5"}) from None
    except Cancelled:
        raise ApiError(499, "the request was cancelled") from None
    except RequestFailed as e:
        raise ApiError(500, first_line(e), request_id=e.request_id) from None
    except DatabaseError as e:  # the replicas' shared database did not answer: try again shortly
        raise ApiError(503, first_line(e), {"Retry-After": "5"}) from None
    except TranslatorError as e:
        raise ApiError(400 if isinstance(e, InputError) else 500, first_line(e)) from None


async def read_fields(request: Request) -> dict[str, Any]:
    """The body as a dict: JSON, a form, or multipart (an uploaded file stays an UploadFile)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except (
            MultiPartException
        ) as e:  # a malformed form is the client's error; BodyTooLarge goes on to the 413
            raise ApiError(400, f"Invalid request: cannot read the form ({first_line(e)})") from None
        return {
            key: (values if len(values := form.getlist(key)) > 1 and key == "q" else form.get(key))
            for key in form.keys()
        }
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as e:  # Latin-1, say: JSON's own encoding is UTF-8
        raise ApiError(
            400, f"Invalid request: the JSON body is not UTF-8 (byte {e.start + 1}); send it encoded as UTF-8"
        ) from None
    except json.JSONDecodeError as e:
        raise ApiError(
            400,
            f"Invalid request: the body is not JSON ({e.msg} at line {e.lineno}, column {e.colno}); send "
            "JSON or a form",
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid request: the body must be a JSON object")
    return data


def text_field(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _AnswerAsReturned(APIRoute):
    """A route whose return annotation is for the type checker, not a response model: the handlers
    build their answers themselves (FastAPI would otherwise validate and re-serialise each answer
    against the annotation, and publish it as the route's schema)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # FastAPI's placeholder (or nothing) means "take it from the annotation": here, none. A
        # response_model a route names itself is kept.
        if isinstance(kwargs.get("response_model", Default(None)), DefaultPlaceholder):
            kwargs["response_model"] = None
        super().__init__(path, endpoint, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes answer what their handlers return (see _AnswerAsReturned)."""
    return APIRouter(route_class=_AnswerAsReturned, **kwargs)
