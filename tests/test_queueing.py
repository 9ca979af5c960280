"""Tests for simulation.queueing: Erlang C, and `ServiceQueue` as a week-stepped M/M/c queue.

The queue's rules, week by week: the week's arrivals join the back of the queue, each case
in service finishes with chance 1 / service_weeks, then free servers take waiting cases in
order. Cases in a week are therefore handled as a batch at the week's end, which makes the
queue a discrete-time Markov chain. `exact_discrete_queue` solves that chain exactly; it
shows the mean wait and the chance of waiting falling short of Erlang C's by a relative
1 / (2 × service_weeks) (half a week in a service time), and reaching Erlang C as the week
becomes short against the service time. The simulation tests compare `ServiceQueue` both
with the exact chain and with Erlang C corrected for that half week.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.queueing import ServiceQueue, erlang_c, erlang_c_wait

# --- Erlang C against known values ------------------------------------------------------


@pytest.mark.parametrize("rho", [0.0, 0.1, 0.5, 0.8, 0.95])
def test_erlang_c_with_one_server_is_the_utilisation(rho: float) -> None:
    assert erlang_c(1, rho) == pytest.approx(rho, abs=1e-12)


def test_erlang_c_two_servers_one_erlang_is_one_third() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)


def test_erlang_c_textbook_three_servers_two_erlangs() -> None:
    # C(3, 2) = (8/6 × 3) / (1 + 2 + 2 + 8/6 × 3) = 4 / 9.
    assert erlang_c(3, 2.0) == pytest.approx(0.4444444444444444, rel=1e-12)


def erlang_c_by_factorials(c: int, a: float) -> float:
    """Erlang C written out directly, to check the iterative version over a grid."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize("c", [1, 2, 3, 5, 10, 25])
@pytest.mark.parametrize("load", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_matches_the_factorial_formula(c: int, load: float) -> None:
    assert erlang_c(c, load * c) == pytest.approx(erlang_c_by_factorials(c, load * c),
                                                  rel=1e-10)


@pytest.mark.parametrize("a", [2.0, 2.5, 10.0])
def test_erlang_c_without_steady_state_is_one(a: float) -> None:
    assert erlang_c(2, a) == 1.0
    assert erlang_c_wait(2, a, 1.0) == math.inf


def test_erlang_c_wait_is_mm1_for_one_server() -> None:
    lam, service = 0.3, 2.0  # rho = 0.6, mu = 0.5
    mu = 1 / service
    assert erlang_c_wait(1, lam, service) == pytest.approx(lam / (mu * (mu - lam)), rel=1e-12)


def test_erlang_c_wait_textbook_case() -> None:
    # c = 3, a = 2 with mean service 10: W_q = (4/9) / (3/10 - 2/10) = 40/9.
    assert erlang_c_wait(3, 0.2, 10.0) == pytest.approx(40 / 9, rel=1e-12)


# --- the exact discrete-time chain of ServiceQueue's rules -----------------------------------


def exact_discrete_queue(servers: int, service_weeks: float, arrivals_per_week: float
                         ) -> tuple[float, float]:
    """Mean wait (weeks) and chance of waiting of `ServiceQueue` fed by Poisson arrivals.

    State n: cases in the queue after the week's admissions. Next week n' = n - D + A with
    D ~ Binomial(min(n, c), 1 / service_weeks) finishing and A ~ Poisson(λ) arriving. By
    Little's law the mean wait is the mean number waiting at the week's end over λ. An
    arrival at position j of its week's batch (size-biased: P(j) = P(A >= j) / λ) waits
    iff n - D + j > c.
    """
    c, lam, p = servers, arrivals_per_week, 1.0 / service_weeks
    rho = lam * service_weeks / c
    size = c + int(40 / -math.log(rho)) + 20  # the tail beyond is below 1e-15
    arrive = stats.poisson.pmf(np.arange(size), lam)
    by_busy = [stats.binom.pmf(np.arange(k + 1), k, p) for k in range(c + 1)]
    finish = [by_busy[min(n, c)] for n in range(size)]
    chain = np.zeros((size, size))
    for n in range(size):
        for d, pd in enumerate(finish[n]):
            chain[n, n - d:] += pd * arrive[: size - (n - d)]
    chain /= chain.sum(axis=1, keepdims=True)  # the truncated tail is negligible
    # Stationary distribution: pi (P - I) = 0 with sum(pi) = 1.
    system = (chain - np.eye(size)).T
    system[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    n = np.arange(size)
    mean_wait = float(pi @ np.maximum(n - c, 0)) / lam
    at_least = stats.poisson.sf(np.arange(size + c + 1) - 1, lam)  # P(A >= j), j = 0, 1, ...
    tail_sum = np.cumsum(at_least[::-1])[::-1]  # tail_sum[j] = sum of P(A >= i) for i >= j
    p_wait = 0.0
    for state in range(size):
        for d, pd in enumerate(finish[state]):
            first_waiting = max(c - (state - d) + 1, 1)
            p_wait += pi[state] * pd * tail_sum[first_waiting] / lam
    return mean_wait, float(p_wait)


@pytest.mark.parametrize(("servers", "load"), [(2, 1.0), (3, 2.0), (4, 3.2)])
def test_discrete_queue_tends_to_erlang_c_as_weeks_shorten(servers: int, load: float) -> None:
    """The docstring's claim: as the week becomes short against the service time, the
    week-stepped queue's mean wait and chance of waiting reach Erlang C's; the shortfall
    is about half a week in a service time."""
    gaps = []
    for service_weeks in (5.0, 10.0, 20.0, 50.0):
        lam = load / service_weeks
        wait, p_wait = exact_discrete_queue(servers, service_weeks, lam)
        rel_wait = wait / erlang_c_wait(servers, lam, service_weeks) - 1
        rel_p = p_wait / erlang_c(servers, load) - 1
        half_week = 1 / (2 * service_weeks)
        assert -1.1 * half_week < rel_wait < 0, (service_weeks, rel_wait)
        assert -1.1 * half_week < rel_p < 0, (service_weeks, rel_p)
        gaps.append(-rel_wait)
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 0.011


# --- ServiceQueue fed by Poisson arrivals --------------------------------------------------


def simulate_queue(servers: int, service_weeks: float, arrivals_per_week: float,
                   weeks: int, seed: int, warm_up: int = 5_000) -> tuple[float, float, int]:
    """Run a ServiceQueue; returns mean wait in weeks, share that waited, cases counted."""
    rng = np.random.default_rng(seed)
    queue = ServiceQueue(servers, service_weeks)
    arrivals = rng.poisson(arrivals_per_week, size=weeks).tolist()
    joined: list[int] = []  # week each case joined, by case id
    total_wait = waited = counted = 0
    for week, n_new in enumerate(arrivals):
        for _ in range(n_new):
            queue.enqueue(len(joined))
            joined.append(week)
        queue.finish(rng)
        for case in queue.admit(week):
            if week >= warm_up:
                wait = week - joined[case]
                total_wait += wait
                waited += wait > 0
                counted += 1
    return total_wait / counted, waited / counted, counted


def test_service_queue_is_an_mmc_queue_in_the_short_week_limit() -> None:
    """c = 2 servers, a = 1 erlang (ρ = 0.5, Erlang C = 1/3, W_q = 3.33 weeks) with a
    mean service time of 10 weeks, over a million weeks (about 100,000 cases).

    Tolerances: the mean wait of such a run has a relative standard error of 2.4% (from
    the exact chain's asymptotic variance), the chance of waiting about 0.005. The exact
    chain of the queue's rules sits 5% (half a week in ten) below Erlang C, so the mean
    wait is compared with the exact chain (8%, over 3 standard errors) and with Erlang C
    after the half-week correction (10%, 4 standard errors); the chance of waiting is
    compared with Erlang C as it stands (0.05; the half-week shortfall is 0.017).
    """
    servers, service_weeks, lam = 2, 10.0, 0.1
    wait, p_wait, counted = simulate_queue(servers, service_weeks, lam, 1_000_000, seed=2024)
    assert counted > 95_000

    exact_wait, exact_p = exact_discrete_queue(servers, service_weeks, lam)
    erlang_wait = erlang_c_wait(servers, lam, service_weeks)
    assert erlang_wait == pytest.approx(10 / 3, rel=1e-12)
    half_week = 1 - 1 / (2 * service_weeks)

    assert wait == pytest.approx(exact_wait, rel=0.08)
    assert wait == pytest.approx(erlang_wait * half_week, rel=0.10)
    assert p_wait == pytest.approx(exact_p, abs=0.02)
    assert p_wait == pytest.approx(erlang_c(servers, lam * service_weeks), abs=0.05)


def test_service_queue_with_spare_capacity_rarely_waits() -> None:
    """Ten servers for one erlang: Erlang C is 6e-8, so nobody should wait."""
    wait, p_wait, counted = simulate_queue(10, 5.0, 0.2, 50_000, seed=7, warm_up=100)
    assert erlang_c(10, 1.0) < 1e-6
    assert counted > 9_000
    assert p_wait == 0.0
    assert wait == 0.0


# --- fractional staffing ------------------------------------------------------------------


@pytest.mark.parametrize(("cases_per_week", "service_weeks"),
                         [(0.2, 1.5), (0.3, 3.0), (1.0, 1.5), (0.85, 12.0)])
def test_a_full_queue_completes_exactly_its_capacity(cases_per_week: float,
                                                     service_weeks: float) -> None:
    """c = 0.3, 0.9, 1.5 and 10.2 servers' worth of staff: ⌈c⌉ servers working at c / ⌈c⌉,
    so a queue that never runs dry finishes `cases_per_week` a week on average."""
    queue = ServiceQueue(0, service_weeks)
    queue.set_capacity(cases_per_week)
    assert queue.servers == math.ceil(cases_per_week * service_weeks)
    rng = np.random.default_rng(7)
    weeks, done, next_case = 100_000, 0, 0
    for week in range(weeks):
        while len(queue.waiting) < 5:  # never empty
            queue.enqueue(next_case)
            next_case += 1
        done += len(queue.finish(rng))
        queue.admit(week)
    assert done / weeks == pytest.approx(cases_per_week, rel=0.03)


@pytest.mark.parametrize(("cases_per_week", "expected"), [(0.0, 0), (0.4, 2), (-1.0, 0),
                                                          (0.06, 1)])
def test_set_capacity_gives_whole_servers(cases_per_week: float, expected: int) -> None:
    queue = ServiceQueue(7, 5.0)
    queue.set_capacity(cases_per_week)
    assert queue.servers == expected


# --- hand-offs: ready_week ---------------------------------------------------------------


def test_case_on_its_way_is_not_admitted_early_and_does_not_block() -> None:
    """A case enqueued with ready_week = now + 3 waits for that week; cases behind it that
    are ready go first, and it keeps its place at the head of the queue."""
    queue = ServiceQueue(1, 1.0)  # one server; every case in service finishes next week
    rng = np.random.default_rng(0)
    now = 10
    queue.enqueue(100, ready_week=now + 3)
    queue.enqueue(101)
    queue.enqueue(102)
    assert queue.admit(now) == [101]
    assert list(queue.waiting) == [100, 102]
    assert queue.finish(rng) == [101]
    assert queue.admit(now + 1) == [102]
    assert queue.finish(rng) == [102]
    assert queue.admit(now + 2) == []  # only the case on its way is left: the server idles
    queue.enqueue(103)
    assert queue.admit(now + 2) == [103]
    assert list(queue.waiting) == [100]
    assert queue.finish(rng) == [103]
    assert queue.admit(now + 3) == [100]
    assert queue.ready_at == {}
    assert len(queue) == 1


def test_ready_case_is_admitted_before_later_cases_in_its_week() -> None:
    queue = ServiceQueue(1, 2.0)
    queue.enqueue(1, ready_week=5)
    queue.enqueue(2)
    queue.servers = 0
    assert queue.admit(5) == []
    queue.servers = 1
    assert queue.admit(5) == [1]  # ready now, and first in line
    assert list(queue.waiting) == [2]


def test_removing_a_case_on_its_way_forgets_its_ready_week() -> None:
    queue = ServiceQueue(2, 2.0)
    queue.enqueue(1, ready_week=9)
    queue.enqueue(2)
    assert queue.admit(3) == [2]
    queue.remove(1)  # its party left while it was on its way
    assert len(queue) == 1  # only case 2, in service
    assert queue.ready_at == {}
    assert queue.admit(20) == []  # the removed case is skipped, not admitted
    queue.enqueue(3)
    assert queue.admit(21) == [3]  # the next ready case goes past it
    assert list(queue.waiting) == []


def test_a_case_that_left_and_came_back_is_served_once_or_not_at_all() -> None:
    """A party that left a queue may come back to it (a petition returned to the ladder)
    while its old entry still waits to be skipped: each stale entry is skipped once."""
    q = ServiceQueue(0, 1.0)
    q.set_capacity(10.0)
    q.enqueue(1)
    q.remove(1)
    q.enqueue(1)  # back again: served once
    assert q.admit(0) == [1]
    q2 = ServiceQueue(0, 1.0)
    q2.set_capacity(10.0)
    q2.enqueue(2)
    q2.remove(2)
    q2.enqueue(2)
    q2.remove(2)  # left again: never served
    assert q2.admit(0) == [] and len(q2) == 0


def test_waiting_cases_skip_only_the_stale_entries() -> None:
    q = ServiceQueue(0, 1.0)
    for case in (1, 2, 3):
        q.enqueue(case)
    q.remove(2)
    q.enqueue(2)  # 2 came back: its old entry is stale, its new one waits at the back
    assert q.waiting_cases() == [1, 3, 2] and len(q) == 3
