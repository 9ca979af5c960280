"""A capacity-limited handler as a queue with c servers, and Erlang C to check it.

Each handler on the ladder (a grid's mediation run by its party cell, a town office, the
county centre, a social organisation, the court) owns one `ServiceQueue`: `servers`
cases can be worked on at once; waiting cases queue first-in first-out; a case in service
finishes in any week with probability 1 / mean service weeks (geometric service time).
With Poisson arrivals this is the discrete-time analogue of an M/M/c queue, and as the
week becomes short against the service time its mean wait tends to Erlang C's (see
`erlang_c_wait`), which a test checks.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np


class ServiceQueue:
    """FIFO queue with a variable number of servers and geometric service times."""

    def __init__(self, servers: int, service_weeks: float) -> None:
        self.servers = int(servers)
        self.service_weeks = float(service_weeks)
        self.waiting: deque[int] = deque()
        self.in_service: list[int] = []
        self.ready_at: dict[int, int] = {}  # case -> week it reaches this queue (hand-off)

    def __len__(self) -> int:
        return len(self.waiting) + len(self.in_service)

    def set_capacity(self, cases_per_week: float, rng: np.random.Generator) -> None:
        """Servers for a throughput of `cases_per_week`: c = throughput × service weeks.

        A fractional c is rounded up with probability equal to its fraction (stochastic
        rounding), so a small grid with 0.3 servers' worth of staff still gets a server
        three weeks in ten instead of never.
        """
        c = max(0.0, cases_per_week * self.service_weeks)
        whole = int(c)
        self.servers = whole + int(rng.random() < c - whole)

    def enqueue(self, case: int, ready_week: int | None = None) -> None:
        """Add a case at the back; with `ready_week`, it cannot start before that week."""
        self.waiting.append(case)
        if ready_week is not None:
            self.ready_at[case] = ready_week

    def remove(self, case: int) -> None:
        """Take a case out (its party gave up or escalated while waiting)."""
        try:
            self.waiting.remove(case)
        except ValueError:
            self.in_service.remove(case)
        self.ready_at.pop(case, None)

    def finish(self, rng: np.random.Generator) -> list[int]:
        """Cases whose service ends this week (each with chance 1 / service_weeks)."""
        if not self.in_service:
            return []
        p = min(1.0, 1.0 / self.service_weeks)
        done_mask = rng.random(len(self.in_service)) < p
        done = [c for c, d in zip(self.in_service, done_mask, strict=True) if d]
        if done:
            self.in_service = [c for c, d in zip(self.in_service, done_mask, strict=True)
                               if not d]
        return done

    def admit(self, week: int) -> list[int]:
        """Move waiting cases into free servers, first come first served; returns them."""
        started: list[int] = []
        free = self.servers - len(self.in_service)
        if free <= 0 or not self.waiting:
            return started
        skipped: list[int] = []
        while free > 0 and self.waiting:
            case = self.waiting.popleft()
            if self.ready_at.get(case, week) > week:
                skipped.append(case)  # still on its way (hand-off delay)
                continue
            self.ready_at.pop(case, None)
            self.in_service.append(case)
            started.append(case)
            free -= 1
        self.waiting.extendleft(reversed(skipped))
        return started


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival waits in an M/M/c queue (Erlang C formula).

    Args:
        servers: c, the number of servers.
        offered_load: a = λ / μ, in erlangs; must be below c for a steady state.
    """
    c, a = servers, offered_load
    if a >= c:
        return 1.0
    term = 1.0
    total = 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c * c / (c - a)  # a^c / c! × c / (c - a)
    return top / (total + top)


def erlang_c_wait(servers: int, arrival_rate: float, service_time: float) -> float:
    """Mean time in queue W_q = C(c, a) / (c μ − λ) for an M/M/c queue."""
    mu = 1.0 / service_time
    a = arrival_rate / mu
    if a >= servers:
        return math.inf
    return erlang_c(servers, a) / (servers * mu - arrival_rate)
