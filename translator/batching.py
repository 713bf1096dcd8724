"""Run work in length-sorted batches and hand results back in input order."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_sorted(
    items: Sequence[T],
    run_batch: Callable[[list[T]], list[R]],
    *,
    size: Callable[[T], int],
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> list[R]:
    """Call ``run_batch`` on batches of similar size, longest first; return results in input order.

    Similar lengths in one batch waste little padding; longest first makes an out-of-memory
    failure happen at once rather than at the end of a long run.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(items)), key=lambda i: (-size(items[i]), i))
    results: list[R | None] = [None] * len(items)
    for first in range(0, len(order), batch_size):
        indices = order[first : first + batch_size]
        outputs = run_batch([items[i] for i in indices])
        if len(outputs) != len(indices):
            raise RuntimeError(f"a batch of {len(indices)} gave {len(outputs)} results")
        for index, output in zip(indices, outputs):
            results[index] = output
        if on_batch is not None:
            on_batch(len(indices))
    return results  # type: ignore[return-value]


def unique(items: Sequence[T]) -> tuple[list[T], list[int]]:
    """Distinct items in first-seen order, and for each input the index of its distinct item."""
    seen: dict[T, int] = {}
    index = [seen.setdefault(item, len(seen)) for item in items]
    return list(seen), index
