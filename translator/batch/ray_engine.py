"""The batch engine on Ray, for archives too large for one machine (``--engine ray``).

The driver reads the inputs lazily and the output's resume state exactly as the local engine
does, groups pending documents into the same pools as they come, and sends each pool to a pool
of Ray actors. Each actor loads the models once and turns a pool into records with the local
engine's own code, so records are the same whichever engine wrote them. At most ``2 x actors``
pools are in flight, and records come back in input order and are appended as they arrive: the
driver's memory is bounded by that window, not by the corpus, and a killed run keeps what it
finished. Only this module imports ray.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from ..config import Config
from ..errors import MissingExtraError, TranslatorError, first_line
from ._records import Outcome, RecordWriter
from .items import Item
from .local import Stats, pending_items, pools, process_pool, write_outcomes
from .resume import ResumeState

POOLS_PER_ACTOR = 2  # in flight at once: one being worked on, one waiting, per actor


@dataclass(frozen=True)
class RayOptions:
    address: str | None = (
        None  # an existing cluster ("auto", "ray://host:10001"); None: RAY_ADDRESS or a local Ray
    )
    actors: int = 1  # actor pool size: each actor holds one Pipeline
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    local_cpus: int | None = None  # CPUs of a local Ray started here; None: all of this machine's


def run_batch_ray(
    config: Config,
    items: Iterable[Item],
    out: str | os.PathLike[str],
    options: RayOptions,
    *,
    state: ResumeState | None = None,
    summarize: bool = True,
    pool_docs: int = 16,
    force: bool = False,
    on_document: Callable[[int], None] | None = None,
    on_skip: Callable[[str], None] | None = None,
    retry_failed: bool = False,
    mix_configs: bool = False,
) -> Stats:
    started = time.perf_counter()
    state = state if state is not None else ResumeState.repair_and_read(out)
    stats = Stats()
    todo = pools(pending_items(items, state, stats, on_skip, retry_failed), pool_docs)
    first = next(todo, None)
    if first is None:  # everything is done: no cluster needed
        stats.seconds = time.perf_counter() - started
        return stats
    ray = _import_ray()
    _connect(ray, options)
    try:
        from ray.util import ActorPool

        worker = ray.remote(num_cpus=options.cpus_per_actor, num_gpus=options.gpus_per_actor)(PoolWorker)
        actors = ActorPool([worker.remote(config, summarize, force) for _ in range(options.actors)])
        window = POOLS_PER_ACTOR * options.actors
        writer = RecordWriter(out)
        try:
            in_flight = 0
            for pool in _chain(first, todo):
                actors.submit(lambda actor, batch: actor.process.remote(batch), pool)
                in_flight += 1
                if in_flight >= window:  # written in input order
                    write_outcomes(writer, actors.get_next(), stats, on_document, state, mix_configs)
                    in_flight -= 1
            while actors.has_next():  # type: ignore[no-untyped-call]  # ray's ActorPool
                write_outcomes(writer, actors.get_next(), stats, on_document, state, mix_configs)
        finally:
            writer.close()
    except ray.exceptions.RayError as e:
        raise TranslatorError(f"the Ray engine failed: {first_line(e)}") from e
    finally:
        if options.address is None and not os.environ.get("RAY_ADDRESS"):
            ray.shutdown()
    stats.seconds = time.perf_counter() - started
    return stats


def _chain(first: list[Item], rest: Iterable[list[Item]]) -> Iterator[list[Item]]:
    yield first
    yield from rest


class PoolWorker:
    """A Ray actor: one Pipeline, loaded once, turning pools of documents into records."""

    def __init__(self, config: Config, summarize: bool, force: bool) -> None:
        from ..engine.pipeline import Pipeline

        self.summarize, self.force = summarize, force
        self.pipeline = Pipeline.from_config(config, summarize=summarize)

    def process(self, pool: list[Item]) -> list[Outcome]:
        return process_pool(self.pipeline, pool, self.summarize, self.force)


def _import_ray() -> Any:
    try:
        import ray
        import ray.util  # noqa: F401
    except ImportError:
        raise MissingExtraError("the ray engine needs Ray: pip install 'translator-id-en[ray]'") from None
    return ray


def _connect(ray: Any, options: RayOptions) -> None:
    """Join the cluster named by --ray-address or RAY_ADDRESS, or start a local Ray."""
    import logging

    address = options.address or os.environ.get("RAY_ADDRESS")
    kwargs = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.ERROR,
        "ignore_reinit_error": True,
    }
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=options.local_cpus or os.cpu_count(), **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise TranslatorError(
            f"cannot start or reach Ray{' at ' + address if address else ''}: {first_line(e)}"
        ) from e
