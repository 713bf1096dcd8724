"""How the engine splits the cores between translation batches and summaries: decided here once,
for every driver (the library, the CLI, batch, Ray's actors, the service).

Each lane gets one single-threaded worker per core (``split``), so each can use every core: which
lane needs the cores depends on the models (with the default models a summary costs about as much
as the article's translation; in the full-size load test, ten times as much), and a fixed split
leaves one lane idle while the other queues. When both are busy the OS shares the cores between
their threads, and single-threaded workers never spin waiting for each other. The one setting is
``threads`` (models.yaml, ``--threads``): the cores the engine may use. For a strict split, give a
lane fewer workers (the service's ``--translation-workers`` / ``--summary-workers``).
"""

from __future__ import annotations

import os

from ..config import Config


def split(total: int | None, translation: int | None = None, summary: int | None = None) -> tuple[int, int]:
    """(translation workers, summary workers) for ``total`` cores (None: every core); each worker
    is one thread running one batch or one summary at a time."""
    total = total or os.cpu_count() or 1
    return translation or total, summary or total


def engine_config(
    config: Config, threads: int | None = None, translation: int | None = None, summary: int | None = None
) -> Config:
    """``config`` with each stage on single-threaded workers, as many as ``split`` gives for
    ``threads`` (None: the config's own ``threads``, else every core). Workers already set on the
    config (more than one: a config that went through here) are kept unless given here."""
    translation = translation or (config.translation.workers if config.translation.workers > 1 else None)
    summary = summary or (config.summarization.workers if config.summarization.workers > 1 else None)
    workers, summary_workers = split(threads or config.threads, translation, summary)
    lanes = {"translation": workers, "summarization": summary_workers}
    return config.with_changes({name: {"threads": 1, "workers": n} for name, n in lanes.items()})
