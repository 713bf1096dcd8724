"""Start the service: load settings, build the app, run uvicorn until Ctrl-C or SIGTERM.

On either signal uvicorn stops accepting connections, and the engine drains: requests not yet
started get 503 (JSON, Retry-After) at once, started ones may finish for ``DRAIN_S``, then what is
left gets 503 too. Every request has its answer before uvicorn's own grace period ends, so no
handler is cancelled (no plain-text 500, no traceback) and the process exits 0 within ``EXIT_S``.

The cores are split between the engine's lanes as for every driver (engine/cores.py): translation batches and
summaries run at once, on threads of their own, so a summary never holds up a sentence.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import threading
from dataclasses import replace
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable

from ..config import Config
from ..errors import MissingExtraError
from .app import ServerSettings, create_app

if TYPE_CHECKING:
    from ..engine.pipeline import Pipeline

DRAIN_S = 5.0  # started requests get this long to finish after Ctrl-C or SIGTERM
PUBLIC_REQ_LIMIT = 120  # requests a minute per key or address when listening beyond loopback
EXIT_S = 10  # the process is gone within this long of the signal (uvicorn's grace: a backstop)


def serve(
    config: Config,
    settings: ServerSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    load_pipeline: Callable[[str], Pipeline] | None = None,
) -> int:
    """Run until stopped; 0 after a clean stop, 1 when the models could not be loaded."""
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError(
            "translator serve needs FastAPI and uvicorn: pip install 'translator-id-en[serve]'"
        ) from None
    from ..config import load_config
    from ..engine.cores import engine_config
    from ..engine.pipeline import Pipeline

    if not _is_loopback(host) and settings.api_keys is None:
        print(
            f"translator: warning: listening on {host} without --api-keys: anyone who can reach this port "
            "can use it",
            file=sys.stderr,
        )
    settings = with_public_limits(settings, host)

    def configured(profile: str) -> Config:
        chosen = config if profile == config.profile else load_config(config.source, profile=profile)
        return engine_config(chosen, settings.threads, settings.translation_workers, settings.summary_workers)

    def load() -> dict[str, Pipeline]:
        make = load_pipeline or (lambda profile: Pipeline.from_config(configured(profile)))
        return {profile: make(profile) for profile in settings.profiles}

    failure: list[str] = []

    def fatal(message: str) -> None:
        failure.append(message)
        print(f"translator: error: {message}", file=sys.stderr)
        server.should_exit = True

    for name in ("translator.server", "translator.engine", "translator.access"):
        logging.getLogger(name).setLevel(logging.INFO)
    app = create_app(settings, load, on_fatal=fatal)
    options: dict[str, Any] = dict(
        host=host, port=port, log_level="warning", timeout_graceful_shutdown=EXIT_S - 2
    )
    server = _draining_server(uvicorn)(uvicorn.Config(app, lifespan="on", **options))
    server.on_exit = lambda: app.state.service.drain(DRAIN_S)
    print(
        f"translator: serving on http://{_url_host(host)}:{port} (models loading; /readyz says when ready)",
        file=sys.stderr,
    )
    _run_with_server_signals(server.run)
    print("translator: stopped", file=sys.stderr)
    return 1 if failure else 0


def _draining_server(uvicorn: Any) -> Any:
    """uvicorn's Server, telling the service to drain on the first stop signal (on a thread of its
    own: a signal handler must not wait on the engine's lock)."""

    class DrainingServer(uvicorn.Server):  # type: ignore[misc]  # uvicorn is a parameter (Any)
        on_exit: Callable[[], None] = staticmethod(lambda: None)

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if not self.should_exit:
                threading.Thread(target=self.on_exit, name="translator-drain", daemon=True).start()
            super().handle_exit(sig, frame)

    return DrainingServer


def _run_with_server_signals(run: Callable[[], None]) -> None:
    """``run()`` with the signal handling a server needs, restored afterwards."""
    # uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again with the handler
    # that was there before it started: a no-op here, so that a requested stop exits 0.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    if hasattr(signal, "SIGPIPE"):
        # A client that leaves mid-answer is an error on its own connection (EPIPE), never the end
        # of the process: SIGPIPE stays ignored, as Python leaves it, whatever the caller set.
        previous[signal.SIGPIPE] = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def with_public_limits(settings: ServerSettings, host: str) -> ServerSettings:
    """Beyond loopback, a rate limit per key (or client address) is on unless set:
    ``PUBLIC_REQ_LIMIT`` a minute; ``--req-limit 0`` turns it off, any other value replaces it."""
    if settings.req_limit is not None or _is_loopback(host):
        return settings
    print(
        f"translator: listening on {host}: at most {PUBLIC_REQ_LIMIT} requests a minute per key or client "
        "address (--req-limit N to change, --req-limit 0 for none)",
        file=sys.stderr,
    )
    return replace(settings, req_limit=PUBLIC_REQ_LIMIT)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
