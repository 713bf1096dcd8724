from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from translator.engine import Parts

sys.path.insert(0, str(Path(__file__).resolve().parent))

from translator.testing.tiny import build_bart, build_marian, generated_lines, tiny_config_text  # noqa: E402

from helpers import DATA, EXAMPLE, ROOT, serving  # noqa: E402

# No test may reach the network: the hub is unreachable here, and CI must not depend on it.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# What the CLI sets when stderr is not a terminal; in-process CLI tests need it before transformers loads.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
# CTranslate2 conversions of the tiny models go to a cache of this session, never the user's.
os.environ.setdefault("TRANSLATOR_CACHE", tempfile.mkdtemp(prefix="translator-cache-"))


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("tiny-models")
    text = "\n".join(p.read_text(encoding="utf-8") for p in (EXAMPLE, DATA / "berita-20-baris.id.txt"))
    indonesian, english = generated_lines(text)
    return build_marian(base / "marian", indonesian), build_bart(base / "bart", english)


@pytest.fixture(scope="session")
def tiny_config(tiny_dirs, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(tiny_config_text(*tiny_dirs), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_config):
    from translator import Pipeline

    return Pipeline.from_config(tiny_config)


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def article_20() -> str:
    return (DATA / "berita-20-baris.id.txt").read_text(encoding="utf-8")


__all__ = ["ROOT"]


@pytest.fixture(scope="session")
def live_server(tiny_config):
    """The service on a free loopback port, with the tiny models; stopped when the session ends."""
    from translator import Pipeline
    from translator.server.app import ServerSettings, create_app

    with serving(
        create_app(ServerSettings(), lambda: {"default": Pipeline.from_config(tiny_config)})
    ) as base:
        yield base


@pytest.fixture
def gated_server():
    """The service on a free loopback port over a fake model whose batches the test releases (one
    short sentence per batch), with extractive summaries: (model, base URL, the app's Service)."""

    from translator import Pipeline, load_config
    from translator.engine.summarize import SummaryStage
    from translator.engine.translate import Translator
    from translator.server.app import ServerSettings, create_app

    from fakes import GatedModel

    loaded = load_config(None)
    translation = loaded.translation.model_copy(
        update={"max_batch_tokens": 10, "retry_generation": None, "candidates": 1}
    )
    config = loaded.model_copy(update={"translation": translation, "cache": None, "glossary": ()})
    model = GatedModel(max_input_tokens=64, max_positions=256)
    summary = SummaryStage(
        config.summarization.model_copy(update={"method": "extractive"}), None, "extractive"
    )
    pipeline = Pipeline(Parts(config, Translator(model, config.translation), summary))
    app = create_app(ServerSettings(), lambda: {"default": pipeline})
    with serving(app) as base:
        try:
            yield model, base, app.state.service
        finally:
            model.open()  # a batch still held at the gate runs, so the server stops at once


@pytest.fixture(scope="module")
def client(tiny_pipeline):
    """The service over the tiny models, in-process (a started TestClient), for a test module."""
    from translator.server.app import ServerSettings, create_app

    from helpers import ready_client

    client = ready_client(create_app(ServerSettings(), lambda: {"default": tiny_pipeline}))
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (initdb, pg_ctl on a free loopback port) for the session; its URL.
    .ci/run installs Debian's postgresql where it is missing: without it these tests fail, never skip."""
    from translator.testing.postgres import programs, throwaway_cluster

    assert programs() is not None, "PostgreSQL is not installed here: apt-get install postgresql"
    with throwaway_cluster() as cluster:
        yield cluster.url


@pytest.fixture(scope="session")
def postgres_shared(postgres_server):
    """One database for the session's tests, its schema made once (a new database per test costs
    more than the test)."""
    from translator.database import Database
    from translator.testing.postgres import fresh_database

    url = fresh_database(postgres_server, "shared")
    Database(url, max_size=1).close()
    return url


@pytest.fixture
def postgres_url(postgres_shared):
    """The session's database, emptied for one test (its schema kept)."""
    import psycopg

    with psycopg.connect(postgres_shared, autocommit=True) as conn:
        conn.execute("TRUNCATE memory, corrections, jobs, files, calls RESTART IDENTITY")
        conn.execute("UPDATE memory_meta SET value = 0")
    return postgres_shared


@pytest.fixture
def empty_postgres_url(postgres_server, request):
    """A new database without a schema, for one test."""
    import hashlib

    from translator.testing.postgres import fresh_database

    return fresh_database(postgres_server, "t_" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16])
