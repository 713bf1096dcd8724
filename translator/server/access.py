"""Who may call the service and how often: API keys compared in constant time, a per-minute limit
per key (or per client address), a cap on the request body, and the access log (keys as hashes)."""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import ConfigError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("translator.access")


def read_keys(path: str) -> frozenset[str]:
    """One key per line; blank lines and lines starting with '#' are ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"--api-keys {path}: cannot read ({e.strerror or e})") from None
    keys = frozenset(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    if not keys:
        raise ConfigError(f"--api-keys {path}: no keys in the file (one key per line)")
    return keys


def key_is_valid(given: str | None, keys: frozenset[str]) -> bool:
    """Compare against every key, each in constant time, so timing tells nothing about a key."""
    if not given:
        return False
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


class Limiter(Protocol):
    """Says whether a caller may make one more call now (and counts it when it may)."""

    per_minute: int
    blocking: bool  # it waits on a database: called off the event loop

    def allow(self, caller: str) -> bool: ...


def local_limiter(per_minute: int, scope: str) -> Limiter:
    """This process's limiter; ``scope`` names what it limits (kept apart in a shared database)."""
    return RateLimiter(per_minute)


class RateLimiter:
    """At most ``per_minute`` requests in any 60 s window for each caller (a sliding window), in
    this process: a single server's. Replicas share ``SharedRateLimiter`` (shared.py) instead."""

    blocking = False

    def __init__(self, per_minute: int, window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._calls: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, caller: str) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(caller, collections.deque())
            while calls and now - calls[0] >= self.window_s:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return False
            calls.append(now)
            if len(self._calls) > 10_000:  # forget callers that have gone quiet; memory stays bounded
                for name in [n for n, c in self._calls.items() if not c or now - c[-1] >= self.window_s]:
                    del self._calls[name]
            return True


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` gets 413 before the app reads it whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _too_large(send, self.max_bytes)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await _too_large(send, self.max_bytes)


class BodyTooLarge(Exception):
    """Raised into the app's reads when the body passes the limit; the middleware answers 413."""


async def _too_large(send: Send, max_bytes: int) -> None:
    import json

    body = json.dumps({"error": f"the request body is over the limit of {max_bytes:,} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """ASGI middleware: one line per request on the ``translator.access`` logger when it is done:
    an id, the method, the path (never the query, where a key may be), the status, the duration
    and the caller's key as a short hash (``key_hash``, set by the access check; never the key).
    ``json``: the line is a JSON object (a log collector's format)."""

    def __init__(self, app: ASGIApp, json_lines: bool = False) -> None:
        self.app = app
        self.json_lines = json_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [0]

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            self._line(scope, status[0] or 500, time.perf_counter() - started)

    def _line(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        fields = {
            "id": state.get("request_id") or uuid.uuid4().hex[:12],
            "method": scope.get("method", "-"),
            "path": scope.get("path", "-"),
            "status": status,
            "ms": round(1000 * seconds, 1),
            "key": state.get("key_hash") or "-",
        }
        if self.json_lines:
            ACCESS.info(json.dumps(fields))
        else:
            ACCESS.info("%(id)s %(method)s %(path)s %(status)s %(ms)sms key=%(key)s", fields)


def key_hash(key: str | None) -> str | None:
    """A key's short fingerprint for logs and records: who, never the secret."""
    return hashlib.sha256(key.encode()).hexdigest()[:8] if key else None
