"""What the engine's lanes run next, and what a batch costs: the fairness rules for translation
batches and for summaries, the measured cost that sizes batches, and a batch that fails alone
(see engine.py's docstring for the rules and why)."""

from __future__ import annotations

import collections
import logging
import time
from typing import Any, Callable

from ..errors import first_line
from ..models.base import Generated
from .tickets import SummaryJob, Ticket

log = logging.getLogger("translator.engine")

TARGET_BATCH_S = 1.0  # one batch is about this much work, so a newcomer waits about this long
INITIAL_BATCH_TOKENS = 256  # padded tokens of the first batch, before any cost is measured
MIN_BATCH_TOKENS = 32
COST_SMOOTHING = 0.3  # weight of the newest batch in the measured cost per token


def take_batch(
    waiting: list[Ticket], owner_served: dict[str, float], budget_of: Callable[[str], int], now: float
) -> tuple[str, dict[str, list[Ticket]]]:
    """Take the next batch's pieces off the ``waiting`` requests' queues (each has one): the profile
    of the request due first, owners in turn, within an owner requests in turn, until the padded
    ``budget_of(profile)`` tokens are full. Marks who was served (``owner_served``, ``Ticket.served``)."""

    def turn(t: Ticket) -> tuple[float, float]:  # longest unserved first, then shortest
        return (t.served, t.key(now))

    profile = min(waiting, key=turn).profile
    owners: dict[str, list[Ticket]] = {}
    for ticket in sorted((t for t in waiting if t.profile == profile), key=turn):
        owners.setdefault(ticket.owner, []).append(ticket)
    order = sorted(owners, key=lambda o: (owner_served.get(o, 0.0), turn(owners[o][0])))
    lanes = [collections.deque(owners[o]) for o in order]
    budget, longest = budget_of(profile), 0
    batch: dict[str, list[Ticket]] = {}
    while lanes:
        for lane in list(lanes):
            ticket = lane[0]
            text = ticket.queue[0]
            size = max(longest, ticket.tokens[text])
            if batch and text not in batch and size * (len(batch) + 1) > budget:
                return profile, batch
            ticket.queue.popleft()
            ticket.waiting_tokens -= ticket.tokens[text]
            ticket.served = owner_served[ticket.owner] = now
            ticket.started = True
            longest = size
            batch.setdefault(text, []).append(ticket)
            lane.rotate(-1)  # the owner's next request takes the owner's next turn
            if not ticket.queue:
                lane.remove(ticket)
            if not lane:
                lanes.remove(lane)
    return profile, batch


class BatchCost:
    """Seconds per padded token, per profile, smoothed over recent batches; it sizes the next batch
    so that one batch is about ``target_s`` of work on this machine."""

    def __init__(self, target_s: float = TARGET_BATCH_S) -> None:
        self.target_s = target_s
        self._seconds_per_token: dict[str, float] = {}

    def budget(self, profile: str, cap: int) -> int:
        """Padded tokens for the next batch of ``profile``, at most ``cap``."""
        cost = self._seconds_per_token.get(profile)
        wanted = INITIAL_BATCH_TOKENS if cost is None else int(self.target_s / cost)
        return min(cap, max(MIN_BATCH_TOKENS, wanted))

    def record(self, profile: str, seconds: float, padded: int) -> None:
        measured = seconds / padded
        previous = self._seconds_per_token.get(profile)
        self._seconds_per_token[profile] = (
            measured if previous is None else previous + COST_SMOOTHING * (measured - previous)
        )


def generate_isolated(
    translator: Any, texts: list[str], lengths: dict[str, int]
) -> tuple[dict[str, Generated], dict[str, Exception]]:
    """The batch's outputs by text; when the batch raises, each text alone, so one bad input fails
    only itself (the bulkhead)."""
    try:
        return dict(zip(texts, translator.generate_batch(texts, lengths))), {}
    except Exception as e:  # noqa: BLE001 - isolated below; a text that fails alone is reported
        log.warning("a batch of %d failed (%s); retrying its texts one by one", len(texts), first_line(e))
    outputs, failures = {}, {}
    for text in texts:
        try:
            outputs[text] = translator.generate_batch([text], lengths)[0]
        except Exception as e:  # noqa: BLE001 - handed to the requests that sent this text
            failures[text] = e
    return outputs, failures


class SummaryQueue:
    """Summaries waiting for the summary lane: the owner served longest ago goes first; within it,
    the shortest text (bulk work: the longest), with aging. Not thread-safe: the engine calls it
    under its lock."""

    def __init__(self) -> None:
        self._jobs: list[SummaryJob] = []
        self._last_owner: dict[str, float] = {}

    def add(self, *jobs: SummaryJob) -> None:
        self._jobs.extend(jobs)

    def clear(self) -> None:
        self._jobs = []

    def take(self) -> SummaryJob | None:
        """The next job (cancelled requests' jobs are dropped), or None."""
        self._jobs = [j for j in self._jobs if not j.ticket.cancelled]
        if not self._jobs:
            return None
        now = time.monotonic()
        job = min(self._jobs, key=lambda j: (self._last_owner.get(j.ticket.owner, 0.0), j.key(now)))
        self._jobs.remove(job)
        self._last_owner[job.ticket.owner] = now
        job.ticket.started = True
        return job
