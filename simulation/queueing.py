"""A capacity-limited handler as a queue with c servers working in days, and Erlang C.

Each handler on the ladder (a grid's mediation run by its party cell, a town office, the
county centre, a social organisation, the court, the petition office) owns one
`ServiceQueue`. The model steps weekly, but inside the week the queue works in calendar
days: week w spans days [7(w − 1), 7w).

- Staffing gives c server-equivalents (`set_capacity`). Each whole server has a budget of
  7 days a week; the fractional last one (f = c − ⌊c⌋) only f × 7 days, worked from the
  start of the week. Under-staffing therefore shows as fewer hours, so cases wait.
- Waiting cases are served first come first served by the day they reached the queue
  (their ready day: intake, or a hand-off's arrival). The server free earliest takes the
  next case whose ready day has come, works on it for a service time drawn from an
  exponential with the rung's mean, and finishes it on day d (a callback concludes it
  there); a case still in hand when the server's budget is used up continues next week.
- `work_week` records the days each case was worked on in the week, so the ladder can
  count the rest of the week as waiting (which uses up patience).

With whole servers, Poisson arrivals and exponential service this is exactly an M/M/c
queue in continuous time, whose mean wait is Erlang C's (`erlang_c_wait`), which a test
checks.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

DAYS_PER_WEEK = 7.0


class ServiceQueue:
    """FIFO queue (by ready day) with c server-equivalents and exponential service days."""

    def __init__(self, servers: float, service_days: float) -> None:
        self.service_days = float(service_days)  # mean days a case takes a whole server
        self.server_equivalents = max(0.0, float(servers))  # c
        self.servers = math.ceil(self.server_equivalents - 1e-12)
        self._heap: list[tuple[float, int, int]] = []  # (ready day, entry number, case)
        self._entry: dict[int, int] = {}  # waiting case -> its live entry number
        self._next_entry = 0
        # Cases in a server's hands -> days of work left on them, in the order taken.
        self.in_hand: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._entry) + len(self.in_hand)

    @property
    def in_service(self) -> list[int]:
        """Cases a server has started and not finished."""
        return list(self.in_hand)

    def set_capacity(self, cases_per_week: float, service_days: float | None = None) -> None:
        """Server-equivalents for a throughput of `cases_per_week` when busy:
        c = cases per week × mean service days / 7.

        `service_days`, when given, is the declared mean service time in force this week (a
        ramped parameter); otherwise the queue keeps its own. A whole c is the M/M/c queue
        of Erlang C; a fractional one adds a server with f × 7 days a week.
        """
        if service_days is not None:
            self.service_days = float(service_days)
        c = max(0.0, cases_per_week * self.service_days / DAYS_PER_WEEK)
        self.server_equivalents = c
        self.servers = math.ceil(c - 1e-12) if c > 0 else 0

    def day_budgets(self) -> list[float]:
        """Days each server can work this week: 7 for a whole server, f × 7 for the
        fractional last one."""
        c = self.server_equivalents
        whole = math.floor(c + 1e-12)
        budgets = [DAYS_PER_WEEK] * whole
        if c - whole > 1e-12:
            budgets.append((c - whole) * DAYS_PER_WEEK)
        return budgets

    def enqueue(self, case: int, ready_day: float) -> None:
        """Add a case that reaches this queue on `ready_day` (it cannot start before)."""
        self._next_entry += 1
        self._entry[case] = self._next_entry  # an older entry of the case becomes stale
        heapq.heappush(self._heap, (float(ready_day), self._next_entry, case))

    def ready_day(self, case: int) -> float | None:
        """The day a waiting case reaches (or reached) the queue; None if not waiting."""
        entry = self._entry.get(case)
        if entry is None:
            return None
        return next(r for r, e, c in self._heap if e == entry and c == case)

    def waiting_cases(self) -> list[int]:
        """The cases waiting, in the order they will be served."""
        return [c for _, e, c in sorted(self._heap) if self._entry.get(c) == e]

    def remove(self, case: int) -> None:
        """Take a case out (its party gave up or escalated): a waiting case is dropped
        lazily (skipped when it reaches the front, or when stale entries outnumber the
        live ones, as in a queue with no staff); a case in hand frees its server."""
        if self.in_hand.pop(case, None) is None and self._entry.pop(case, None) is not None:
            if len(self._heap) > 2 * len(self._entry) + 64:
                self._heap = [x for x in self._heap if self._entry.get(x[2]) == x[1]]
                heapq.heapify(self._heap)

    def _next_ready(self, before: float) -> tuple[float, int] | None:
        """The first live waiting case whose ready day is before `before`, popped."""
        heap = self._heap
        while heap:
            ready, entry, case = heap[0]
            if self._entry.get(case) != entry:
                heapq.heappop(heap)  # its party left, or it was re-queued since
                continue
            if ready >= before:
                return None
            heapq.heappop(heap)
            del self._entry[case]
            return ready, case
        return None

    def work_week(self, first_day: float, rng: np.random.Generator, mean_days: float,
                  start: Callable[[int, float], None], finish: Callable[[int, float], None],
                  worked: dict[int, float]) -> None:
        """One week of work, days first_day … first_day + 7.

        Servers take turns in the order they become free. A server first continues the
        case it holds from last week (the oldest cases go to the whole servers), then
        takes waiting cases as they become ready; each case taken gets a service time
        drawn from an exponential with mean `mean_days` (`start(case, day)` is called),
        and `finish(case, day)` is called on the day its work is done. Days worked on
        each case this week are added to `worked`.
        """
        budgets = self.day_budgets()
        in_hand = self.in_hand
        if not budgets or (not in_hand and not self._entry):
            return
        held = list(in_hand.items())
        n_servers, n_held = len(budgets), len(held)
        # (clock, server, case in hand or −1, days of work left on it)
        servers = [(first_day, i, *held[i]) if i < n_held else (first_day, i, -1, 0.0)
                   for i in range(n_servers)]
        # Cases held beyond the servers there are now (staff cut) go first to a server
        # that comes free.
        overflow = held[n_servers:]
        overflow.reverse()
        heapq.heapify(servers)
        heappop, heappush = heapq.heappop, heapq.heappush
        while servers:
            clock, i, case, left = heappop(servers)
            stop = first_day + budgets[i]
            while case < 0 and overflow:
                case, left = overflow.pop()
                if case not in in_hand:
                    case = -1
            if case < 0:
                if not self._entry:
                    continue  # nothing waiting at all (the heap holds only stale entries)
                nxt = self._next_ready(stop)
                if nxt is None:
                    continue  # nothing ready before this server's day budget runs out
                ready, case = nxt
                clock = max(clock, ready)
                left = float(rng.exponential(mean_days))
                in_hand[case] = left
                start(case, clock)
            if case not in in_hand:
                continue  # the case left while being worked on (a callback removed it)
            room = stop - clock
            work = min(left, room)
            worked[case] = worked.get(case, 0.0) + work
            if left <= room:
                del in_hand[case]
                finish(case, clock + left)
                heappush(servers, (clock + left, i, -1, 0.0))
            else:
                in_hand[case] = left - work  # continues next week


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
