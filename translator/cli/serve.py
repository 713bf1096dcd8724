"""`translator serve`: the service, with its options turned into ServerSettings."""

from __future__ import annotations

import argparse
import sys

from .common import load_config
from .console import quiet_libraries
from .options import Commands, config_options, non_negative_int, positive_float, positive_int


def add_parser(commands: Commands) -> None:
    config = config_options()
    serve = commands.add_parser(
        "serve",
        parents=[config],
        help="run the translation service: a LibreTranslate-compatible API, translator's own API and a web "
        "page",
        description="Run the translation service (pip install 'translator-id-en[serve]'). The models load "
        "once at start-up; "
        "GET /readyz answers 200 when they are in memory. Ctrl-C or SIGTERM stops it gracefully.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)"
    )
    serve.add_argument("--port", type=positive_int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--profiles",
        metavar="NAMES",
        help="more profiles to load, comma-separated, for requests that name them",
    )
    serve.add_argument(
        "--api-keys", metavar="FILE", help="require one of these keys (one per line) on every API route"
    )
    serve.add_argument(
        "--req-limit",
        type=non_negative_int,
        metavar="N",
        help="at most N requests per minute per key (or client address); 0: none (default: none on "
        "loopback, 120 beyond it)",
    )
    serve.add_argument(
        "--suggest-limit",
        type=positive_int,
        metavar="N",
        help="at most N corrections (/suggest, /v1/corrections) per minute per caller (default: 30)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="let a request's url name this host even if its address is private or loopback (repeatable); "
        "other private addresses are refused",
    )
    serve.add_argument(
        "--access-log",
        choices=("text", "json", "off"),
        default="text",
        help="one line per request on stderr: id, method, path, status, duration, the key's hash "
        "(never the key or the query); json: one JSON object a line (default: text)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="allow browser pages from ORIGIN (repeatable); CORS is off without it",
    )
    _add_database(serve)
    _add_limits(serve)


def _add_database(serve: argparse.ArgumentParser) -> None:
    """Replicas: the database they share, and how long a job's lease lasts."""
    serve.add_argument(
        "--database",
        metavar="URL",
        help="a PostgreSQL database (postgresql://USER:PASSWORD@HOST/NAME) that replicas share: the memory, "
        "corrections, jobs, their files and the rate limits live there (default: $TRANSLATOR_DATABASE_URL, "
        "else models.yaml's database, else this machine's files)",
    )
    serve.add_argument(
        "--job-lease",
        type=positive_float,
        default=30.0,
        metavar="S",
        help="with --database: a running job's lease, renewed while it runs; a job whose replica stopped "
        "renewing it is taken up by another this long after (default: 30)",
    )


def _add_limits(serve: argparse.ArgumentParser) -> None:
    """What one request, and the service as a whole, may take: body, time, queue, cores."""
    serve.add_argument(
        "--max-body-mb",
        type=positive_float,
        default=5.0,
        metavar="MB",
        help="largest request body (default: 5)",
    )
    serve.add_argument(
        "--timeout",
        type=positive_float,
        default=300.0,
        metavar="S",
        help="the most one request may take, waiting included (default: 300)",
    )
    serve.add_argument(
        "--max-queue",
        type=positive_int,
        default=64,
        metavar="N",
        help="requests in progress at once; more get 503 (default: 64)",
    )
    serve.add_argument(
        "--max-jobs",
        type=positive_int,
        default=32,
        metavar="N",
        help="/v1/files jobs queued or running at once; more get 503 (default: 32)",
    )
    serve.add_argument(
        "--file-store-mb",
        type=positive_float,
        default=1024.0,
        metavar="MB",
        help="translated files waiting for their download, at most; a full store answers 503 (default: 1024)",
    )
    serve.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="CPU cores for the models (default: models.yaml's threads, else all cores)",
    )
    serve.add_argument(
        "--translation-workers",
        type=positive_int,
        metavar="N",
        help="translation batches at once, one thread each (default: one per core)",
    )
    serve.add_argument(
        "--summary-workers",
        type=positive_int,
        metavar="N",
        help="summaries at once, one thread each (default: one per core)",
    )


def run_serve(args: argparse.Namespace) -> int:
    import logging

    from ..errors import ConfigError

    quiet_libraries(show_downloads=False)
    config = load_config(args)
    profiles = [config.profile] + [
        p.strip() for p in (args.profiles or "").split(",") if p.strip() and p.strip() != config.profile
    ]
    unknown = [p for p in profiles if p not in config.profiles]
    if unknown:
        raise ConfigError(
            f"{config.source}: profiles: no profile {unknown[0]!r} (profiles: {', '.join(config.profiles)})"
        )
    try:
        from ..server.access import read_keys
        from ..server.app import ServerSettings
        from ..server.run import serve
    except ImportError as e:
        from ..errors import MissingExtraError

        raise MissingExtraError(
            f"translator serve needs {e.name}: pip install 'translator-id-en[serve]'"
        ) from None
    settings = ServerSettings(
        profiles=profiles,
        api_keys=read_keys(args.api_keys) if args.api_keys else None,
        req_limit=args.req_limit,
        suggest_limit=args.suggest_limit,
        allow_hosts=frozenset(args.allow_host or []),
        cors_origins=args.cors_origin or [],
        max_body_bytes=int(args.max_body_mb * 1_000_000),
        timeout_s=args.timeout,
        max_queue=args.max_queue,
        max_jobs=args.max_jobs,
        access_log=args.access_log,
        file_store_bytes=int(args.file_store_mb * 1_000_000),
        threads=args.threads,
        translation_workers=args.translation_workers,
        summary_workers=args.summary_workers,
        database=config.database,
        job_lease_s=args.job_lease,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("translator: %(levelname)s: %(message)s"))
    logging.getLogger("translator").addHandler(handler)  # the server's and the engine's messages
    access = logging.StreamHandler(sys.stderr)  # the access log's lines as they are (JSON stays JSON)
    access.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("translator.access").addHandler(access)
    logging.getLogger("translator.access").propagate = False
    return serve(config, settings, args.host, args.port)
