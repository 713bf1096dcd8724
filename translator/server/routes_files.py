"""LibreTranslate's file routes: POST /translate_file (multipart ``file``, ``source``, ``target``)
answers ``{"translatedFileUrl": ...}`` once the file is translated; GET /download_file/NAME
serves it. Translated files live in a private temporary folder and are removed after
``file_ttl_s`` (an hour by default) and when the server stops.

The file's sentences go through the engine like any request's, under the caller's name, so a
long document takes its turn beside interactive requests instead of blocking them.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..documents.formats import SUFFIXES, translate_file
from ..errors import InputError, first_line
from .jobs import download_url
from .service import ApiError, Service, api_router, read_fields, text_field

if TYPE_CHECKING:
    from ..documents.reader import Document
    from ..types import Result

STORED = re.compile(r"^[0-9a-f]{32}\.[^/\\\x00-\x1f\x7f]+$")  # what store_name makes: an id, a dot, a name
MAX_NAME = 120  # characters of a stored file's own name, its suffix kept


class FileStore(Protocol):
    """Where translated files wait to be downloaded: ``LocalFiles`` (this machine), or the database
    the replicas share (``PostgresFiles`` in shared.py), so a file made on one downloads from any."""

    def check_room(self, size: int) -> None: ...

    def put(self, name: str, data: bytes) -> str: ...

    def get(self, stored: str) -> bytes | None: ...

    def delete(self, stored: str) -> None: ...

    def close(self) -> None: ...


class LocalFiles:
    """Translated files in a private temporary folder: how long they wait, in how many bytes at most."""

    def __init__(self, ttl_s: float, max_bytes: int = 1 << 30) -> None:
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self.root = Path(tempfile.mkdtemp(prefix="translator-files-"))

    def check_room(self, size: int) -> None:
        """503 with Retry-After when ``size`` more bytes would pass the quota (checked before a file
        is translated, and again before it is stored)."""
        self.expire()
        used = sum(path.stat().st_size for path in self.root.glob("*"))
        check_quota(used, size, self.max_bytes)

    def put(self, name: str, data: bytes) -> str:
        """Store ``data`` under a fresh id and ``name`` made safe (``store_name``); the stored name."""
        self.check_room(len(data))
        stored = stored_name(name)
        (self.root / stored).write_bytes(data)
        return stored

    def get(self, stored: str) -> bytes | None:
        self.expire()
        path = self.root / checked_name(stored)
        return path.read_bytes() if path.is_file() else None

    def delete(self, stored: str) -> None:
        (self.root / checked_name(stored)).unlink(missing_ok=True)

    def expire(self) -> None:
        cutoff = time.time() - self.ttl_s
        for path in self.root.glob("*"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def check_quota(used: int, size: int, max_bytes: int) -> None:
    """503 with Retry-After when ``size`` more bytes beside ``used`` would pass ``max_bytes``."""
    if used + size > max_bytes:
        raise ApiError(
            503,
            f"the server's file store is full ({used // 1_000_000} of {max_bytes // 1_000_000} MB wait to "
            "be downloaded); retry when some have been fetched or expired",
            {"Retry-After": "60"},
        )


def stored_name(name: str) -> str:
    """A fresh name to store ``name`` under: an id, a dot, the name made safe (``store_name``)."""
    return f"{uuid.uuid4().hex}.{store_name(name)}"


def checked_name(stored: str) -> str:
    """``stored`` when it is a name ``stored_name`` makes: an id first, never "..", never a path."""
    if not STORED.match(stored):
        raise ApiError(400, "Invalid filename")
    return stored


def attachment(stored: str, data: bytes) -> Response:
    """A stored file as a download under its own name (percent-encoded when not plain ASCII)."""
    name = stored.split(".", 1)[1]
    quoted = quote(name)
    disposition = (
        f"attachment; filename*=utf-8''{quoted}" if quoted != name else f'attachment; filename="{name}"'
    )
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition})


Progress = Callable[[int, int], None]  # sentences done, sentences known


class Scheduled:
    """A Pipeline-shaped callable that sends each call through the service's engine and waits;
    ``progress`` (when given) is told the sentences done as the engine sends them."""

    def __init__(self, service: Service, profile: str, owner: str, progress: Progress | None = None) -> None:
        self.engine = service.engine()
        self.profile, self.owner, self.progress = profile, owner, progress
        self.timeout = service.settings.file_timeout_s
        self.summary = self.engine.parts[profile].summary

    def _event(self, kind: str, doc: int, payload: Any) -> None:
        if self.progress is None:
            return
        if kind == "sentences":
            self.progress(0, len(payload.sentences))
        elif kind == "sentence":
            self.progress(payload[2], payload[3])

    def __call__(
        self, document: Document, summarize: bool = True, force: bool = False, progress: Any = None
    ) -> Result:
        ticket = self.engine.submit(
            [document], profile=self.profile, owner=self.owner, summarize=summarize, force=force,
            on_event=self._event,
        )  # fmt: skip
        try:
            outcome = ticket.future.result(timeout=self.timeout)[0]
        except TimeoutError:
            self.engine.cancel(ticket)
            raise ApiError(503, f"the file took longer than the limit of {self.timeout:.0f} s") from None
        if isinstance(outcome, Exception):
            raise outcome
        assert not isinstance(outcome, BaseException)
        return outcome


def router(service: Service, store: FileStore) -> APIRouter:
    routes = api_router()

    @routes.post("/translate_file", summary="Translate a file (LibreTranslate)")
    async def translate_upload(request: Request) -> dict[str, str]:
        data, owner, upload = await read_upload(service, request)
        for field in ("source", "target"):
            if not text_field(data.get(field)):
                raise ApiError(400, f"Invalid request: missing {field} parameter")
        for code, supported in ((data["source"], ("id", "auto")), (data["target"], ("en",))):
            if code not in supported:
                raise ApiError(400, f"{code} is not supported")
        name = upload_name(upload)
        content = await upload.read()
        options = reading_options(data)
        if not readable(content, name):
            raise ApiError(400, "Invalid request: file format not supported")
        profile, _ = service.pipeline(None)
        await service.pools.run("fetches", store.check_room, len(content))
        done = await service.pools.run(
            "files", translate_scheduled, service, profile, owner, content, name, summary="none", **options
        )
        stored = await service.pools.run(
            "fetches", store.put, f"{Path(name).stem}.en{done.suffix}", done.data
        )
        return {"translatedFileUrl": download_url(str(request.base_url), stored)}

    @routes.get("/download_file/{stored}", summary="Download a translated file (LibreTranslate)")
    async def download(stored: str) -> Response:
        data = await service.pools.run("fetches", store.get, stored)
        if data is None:
            raise ApiError(404, "the file is not here (expired, or never made)")
        return attachment(stored, data)

    return routes


def translate_scheduled(
    service: Service,
    profile: str,
    owner: str,
    content: bytes,
    name: str,
    progress: Progress | None = None,
    **options: Any,
) -> Any:
    """``translate_file`` through the engine; what stops it becomes an ApiError (400 for the
    file's own fault, 503 for a full or stopping server)."""
    from ..engine import QueueFull, ShuttingDown

    try:
        return translate_file(
            Scheduled(service, profile, owner, progress), content, name, force=True, **options
        )
    except InputError as e:
        raise ApiError(400, first_line(e)) from None
    except QueueFull:
        raise ApiError(503, "the server is busy; retry shortly", {"Retry-After": "2"}) from None
    except ShuttingDown:
        raise ApiError(503, "the server is shutting down", {"Retry-After": "5"}) from None


def reading_options(data: dict[str, Any]) -> dict[str, Any]:
    """The ``encoding`` and ``input_format`` fields, meaning what the CLI's --encoding and
    --input-format mean (formats.registry reads the file with them), checked."""
    from ..documents.formats.registry import TEXT_FORMATS, check_encoding

    encoding = text_field(data.get("encoding")) or None
    input_format = text_field(data.get("input_format")) or "auto"
    if encoding is not None:
        try:
            check_encoding(encoding)
        except InputError as e:
            raise ApiError(400, f"Invalid request: {e}") from None
    if input_format not in TEXT_FORMATS:
        raise ApiError(400, f"Invalid request: input_format is one of {', '.join(TEXT_FORMATS)}")
    return {"encoding": encoding, "input_format": input_format}


def readable(content: bytes, name: str) -> bool:
    """Whether translator reads this file at all: a suffix it knows, or content that says what it is
    (a .docx saved without its suffix). A damaged file of a known kind is refused later, with why."""
    from ..documents.formats.registry import identify

    if Path(name).suffix.lower() in SUFFIXES:
        return True
    try:
        return identify(content, name, as_file=True) is not None
    except InputError:
        return False


async def read_upload(service: Service, request: Request) -> tuple[dict[str, Any], str, Any]:
    """A file route's body, its caller (access checked) and its uploaded ``file`` (400 without one)."""
    data = await read_fields(request)
    owner = await service.check_access(request, text_field(data.get("api_key")))
    upload = data.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiError(400, "Invalid request: missing file parameter")
    return data, owner, upload


def upload_name(upload: Any) -> str:
    """The upload's own name, made safe to store (``store_name``)."""
    return store_name(getattr(upload, "filename", None) or "")


def store_name(name: str) -> str:
    """The one rule from any uploaded name to the name a file is stored and downloaded under: the
    last part of a path (``/`` or ``\\``), NFC, without control or format characters (right-to-left
    marks among them), spaces collapsed, no leading dots, at most ``MAX_NAME`` characters with its
    suffix kept; "upload.txt" when nothing is left. The same name always gives the same result."""
    last = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        " " if c in "\t\n\r\v\f" or unicodedata.category(c) in ("Zs", "Zl", "Zp") else c
        for c in last
        if c in "\t\n\r\v\f" or unicodedata.category(c) not in ("Cc", "Cf")
    )
    kept = " ".join(kept.split()).lstrip(". ")
    if len(kept) > MAX_NAME:
        stem, dot, suffix = kept.rpartition(".")
        suffix = dot + suffix if dot and len(suffix) <= 16 else ""
        kept = (stem if suffix else kept)[: MAX_NAME - len(suffix)].rstrip(". ") + suffix
    return kept or "upload.txt"
