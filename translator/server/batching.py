"""Which pieces go into the next translation batch: the scheduler's fairness rules as one function
(see scheduler.py's docstring for the rules and why)."""

from __future__ import annotations

import collections
from typing import Callable

from .tickets import Ticket


def take_batch(
    waiting: list[Ticket], owner_served: dict[str, float], budget_of: Callable[[str], int], now: float
) -> tuple[str, dict[str, list[Ticket]]]:
    """Take the next batch's pieces off the ``waiting`` requests' queues (each has one): the profile
    of the request due first, owners in turn, within an owner requests in turn, until the padded
    ``budget_of(profile)`` tokens are full. Marks who was served (``owner_served``, ``Ticket.served``)."""
    turn = lambda t: (t.served, t.key(now))  # noqa: E731 - longest unserved first, then shortest
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
            longest = size
            batch.setdefault(text, []).append(ticket)
            lane.rotate(-1)  # the owner's next request takes the owner's next turn
            if not ticket.queue:
                lane.remove(ticket)
            if not lane:
                lanes.remove(lane)
    return profile, batch
