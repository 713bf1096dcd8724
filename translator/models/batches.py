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
    max_tokens: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> list[R]:
    """Call ``run_batch`` on batches of similar size, longest first; return results in input order.

    A batch holds at most ``batch_size`` items and, with ``max_tokens``, at most that many
    padded tokens (its longest item's size times its count; one item alone may exceed it).
    Similar lengths in one batch waste little padding; longest first makes an out-of-memory
    failure happen at once rather than at the end of a long run.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(items)), key=lambda i: (-size(items[i]), i))
    results: list[R | None] = [None] * len(items)
    for indices in _batches(order, [size(items[i]) for i in order], batch_size, max_tokens):
        outputs = run_batch([items[i] for i in indices])
        if len(outputs) != len(indices):
            raise RuntimeError(f"a batch of {len(indices)} gave {len(outputs)} results")
        for index, output in zip(indices, outputs):
            results[index] = output
        if on_batch is not None:
            on_batch(len(indices))
    return results  # type: ignore[return-value]


def _batches(order: list[int], sizes: list[int], batch_size: int, max_tokens: int | None) -> list[list[int]]:
    """Cut the longest-first ``order`` into batches; the first item of each is its longest."""
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index, item_size in zip(order, sizes):
        if current and (
            len(current) >= batch_size
            or (max_tokens is not None and longest * (len(current) + 1) > max_tokens)
        ):
            batches.append(current)
            current = []
        if not current:
            longest = item_size
        current.append(index)
    if current:
        batches.append(current)
    return batches


def unique(items: Sequence[T]) -> tuple[list[T], list[int]]:
    """Distinct items in first-seen order, and for each input the index of its distinct item."""
    seen: dict[T, int] = {}
    index = [seen.setdefault(item, len(seen)) for item in items]
    return list(seen), index
