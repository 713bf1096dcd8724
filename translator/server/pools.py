"""The service's blocking work, each kind on a bounded thread pool of its own, never asyncio's
default one: a kind that is slow or busy (an hour-long file, a slow page) waits behind its own
kind only, so it cannot starve another. What waits for a thread is a coroutine, not a thread.

- ``requests``: preparing a request's texts (segmenting, counting tokens) before the engine takes them;
- ``files``: whole files, /translate_file and /v1/files jobs (a file holds its thread until done);
- ``fetches``: reading an upload or fetching a page for /v1;
- ``memory``: the corrections' database.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")

SIZES = {"requests": 4, "files": 2, "fetches": 4, "memory": 2}


class Pools:
    """One bounded executor per kind of blocking work."""

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self.sizes = {**SIZES, **(sizes or {})}
        self._pools = {
            kind: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"translator-{kind}")
            for kind, size in self.sizes.items()
        }

    async def run(self, kind: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the ``kind`` pool, awaited."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pools[kind], functools.partial(fn, *args, **kwargs))

    def start(self, kind: str, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """``fn(*args)`` on the ``kind`` pool, not awaited (a job that reports its own end)."""
        return self._pools[kind].submit(fn, *args)

    def close(self) -> None:
        """Work not started is dropped; work running finishes on its own (the threads are the pool's)."""
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
