"""A capacity-limited handler as a queue with c servers, and Erlang C to check it.

Each handler on the ladder (a grid's mediation run by its party cell, a town office, the
county centre, a social organisation, the court) owns one `ServiceQueue`: `servers`
cases can be worked on at once; waiting cases queue first-in first-out; a case in service
finishes in any week with probability 1 / mean service weeks (geometric service time).
A fractional staffing (0.3 servers' worth in a small grid) gets a whole server that works
proportionally slower, so a full queue completes exactly its capacity each week.
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
        self.server_equivalents = float(servers)  # c: staff capacity in whole servers
        self.waiting: deque[int] = deque()
        self.in_service: list[int] = []
        self.ready_at: dict[int, int] = {}  # case -> week it reaches this queue (hand-off)
        # Waiting entries whose party left (removed lazily), counted per case: a case that
        # left may come back to the same queue (a petition returned to the ladder) while its
        # old entry is still in the deque, and each stale entry is skipped once.
        self._gone: dict[int, int] = {}
        self._n_gone = 0

    def __len__(self) -> int:
        return len(self.waiting) - self._n_gone + len(self.in_service)

    def set_capacity(self, cases_per_week: float, service_weeks: float | None = None) -> None:
        """Servers for a throughput of `cases_per_week`: c = throughput × service weeks.

        `service_weeks`, when given, is the mean service time in force this week (a
        ramped parameter); otherwise the queue keeps its own.

        The queue gets ⌈c⌉ servers; with a fractional c each works at the rate c / ⌈c⌉ (see
        `finish`), so the most it can complete in a week is exactly `cases_per_week`. For a
        whole c this is the M/M/c queue of Erlang C.
        """
        if service_weeks is not None:
            self.service_weeks = float(service_weeks)
        c = max(0.0, cases_per_week * self.service_weeks)
        self.server_equivalents = c
        self.servers = math.ceil(c - 1e-12) if c > 0 else 0

    def enqueue(self, case: int, ready_week: int | None = None) -> None:
        """Add a case at the back; with `ready_week`, it cannot start before that week."""
        self.waiting.append(case)
        if ready_week is not None:
            self.ready_at[case] = ready_week

    def waiting_cases(self) -> list[int]:
        """The cases waiting, in order, without the entries of parties who left."""
        stale = dict(self._gone)
        out = []
        for case in self.waiting:
            if stale.get(case, 0) > 0:
                stale[case] -= 1  # a stale entry comes before the case's new one
                continue
            out.append(case)
        return out

    def remove(self, case: int) -> None:
        """Take a waiting case out (its party gave up or escalated while waiting).

        Removal is lazy: the case is skipped when it reaches the front, so a long queue
        does not pay a scan for every party that leaves.
        """
        self._gone[case] = self._gone.get(case, 0) + 1
        self._n_gone += 1
        self.ready_at.pop(case, None)

    def finish(self, rng: np.random.Generator, time_factor: float = 1.0) -> list[int]:
        """Cases whose service ends this week.

        Each finishes with chance c / (max(servers, cases in service) × service weeks ×
        time_factor): 1 / service_weeks for whole, fully used servers; slower for a
        fractional staffing or when staff fell below the cases already started, so that
        at most c / service weeks cases a week finish. `time_factor` shortens (< 1) the
        service time of the same staff: rated handlers work faster
        (`simulation.accountability.speed_factor`).
        """
        if not self.in_service:
            return []
        busy = max(self.servers, len(self.in_service))
        p = min(1.0, self.server_equivalents / (busy * self.service_weeks * time_factor))
        done_mask = (rng.random(len(self.in_service)) < p).tolist()
        done = [c for c, d in zip(self.in_service, done_mask, strict=True) if d]
        if done:
            self.in_service = [c for c, d in zip(self.in_service, done_mask, strict=True)
                               if not d]
        return done

    def admit(self, week: int) -> list[int]:
        """Move waiting cases into free servers, first come first served; returns them."""
        started: list[int] = []
        free = self.servers - len(self.in_service)
        if free <= 0 or len(self.waiting) == self._n_gone:
            return started
        skipped: list[int] = []
        while free > 0 and self.waiting:
            case = self.waiting.popleft()
            if case in self._gone:
                left = self._gone.pop(case) - 1
                if left:
                    self._gone[case] = left
                self._n_gone -= 1
                continue
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
