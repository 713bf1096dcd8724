"""The batch engine on Ray Data, for archives too large for one machine (`--engine ray`).

The driver reads the inputs and the output exactly as the local engine does, groups the pending
documents into the same pools, and hands one pool per row to a Ray Dataset. ``map_batches`` runs
``_PoolTranslator`` in an actor pool: each actor loads the models once and turns a pool into
records with the local engine's own code, so records are the same whichever engine wrote them.
The driver streams the records back and appends them as they arrive, so a killed run keeps what
it finished and a rerun skips it. Only this module imports ray.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from .batch import Item, Outcome, RecordWriter, Stats, pending_items, pools, process_pool, read_done, write_outcomes
from .config import Config
from .errors import InputError


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # an existing cluster ("auto", "ray://host:10001"); None: RAY_ADDRESS or a local Ray
    actors: int = 1  # actor pool size: each actor holds one Pipeline
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    local_cpus: int | None = None  # CPUs of a local Ray started here; None: all of this machine's


def run_batch_ray(
    config: Config,
    items: Iterator[Item],
    out: str | os.PathLike[str],
    options: RayOptions,
    *,
    summarize: bool = True,
    pool_docs: int = 16,
    force: bool = False,
    on_document: Callable[[int], None] | None = None,
    on_skip: Callable[[str], None] | None = None,
) -> Stats:
    started = time.perf_counter()
    done = read_done(out)
    stats = Stats()
    batches = list(pools(pending_items(items, done, stats, on_skip), pool_docs))
    if not batches:  # everything is done: no cluster needed
        stats.seconds = time.perf_counter() - started
        return stats
    ray = _import_ray()
    _connect(ray, options)
    try:
        rows = [{"pool": json.dumps([_item_dict(item) for item in pool], ensure_ascii=False)} for pool in batches]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        records = dataset.map_batches(
            _translator_class(config, summarize, force),
            batch_size=1,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(size=options.actors),
            num_cpus=options.cpus_per_actor,
            num_gpus=options.gpus_per_actor,
        )
        writer = RecordWriter(out)
        try:
            outcomes = (Outcome(json.loads(row["record"]), int(row["sentences"])) for row in records.iter_rows())
            write_outcomes(writer, outcomes, stats, on_document)
        finally:
            writer.close()
    finally:
        if options.address is None and not os.environ.get("RAY_ADDRESS"):
            ray.shutdown()
    stats.seconds = time.perf_counter() - started
    return stats


def _translator_class(config: Config, summarize: bool, force: bool) -> type:
    """The actor class with its settings built in: shipped with the class itself, not as
    constructor arguments parked in the object store (which Ray warns about for restartable actors)."""

    class PoolTranslator(_PoolTranslator):
        settings = (config, summarize, force)

    return PoolTranslator


class _PoolTranslator:
    """A Ray actor: one Pipeline, loaded once, turning pools of documents into records."""

    settings: tuple[Config, bool, bool]

    def __init__(self):
        from .pipeline import Pipeline

        config, self.summarize, self.force = self.settings
        self.pipeline = Pipeline.from_config(config, summarize=self.summarize)

    def __call__(self, batch):
        import pandas as pd

        records, sentences = [], []
        for pool in batch["pool"]:
            items = [Item(d["id"], d["text"], d["error"], tuple(d["notes"])) for d in json.loads(pool)]
            for outcome in process_pool(self.pipeline, items, self.summarize, self.force):
                records.append(json.dumps(outcome.record, ensure_ascii=False))
                sentences.append(outcome.sentences)
        return pd.DataFrame({"record": records, "sentences": sentences})


def _item_dict(item: Item) -> dict:
    return {"id": item.id, "text": item.text, "error": item.error, "notes": list(item.notes)}


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise InputError("the ray engine needs Ray Data: pip install 'translator[ray]'") from None
    return ray


def _connect(ray, options: RayOptions) -> None:
    """Join the cluster named by --ray-address or RAY_ADDRESS, or start a local Ray."""
    address = options.address or os.environ.get("RAY_ADDRESS")
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)  # our own summary line says what happened
    kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR, "ignore_reinit_error": True}
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=options.local_cpus or os.cpu_count(), **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        from .errors import TranslatorError

        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise TranslatorError(f"cannot start or reach Ray{' at ' + address if address else ''}: {first}") from e
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
