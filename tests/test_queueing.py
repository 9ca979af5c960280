"""Tests for simulation.queueing: Erlang C, and `ServiceQueue` as an M/M/c queue in days.

The queue works in calendar days inside each week: the server free earliest takes the next
case whose ready day has come (first come first served by ready day), works on it for an
exponential service time and finishes it on that day; a whole server has 7 days a week, a
fractional one f × 7. With whole servers and Poisson arrivals this is exactly M/M/c, so
its waits are compared with Erlang C; fractional staffing is checked by hand arithmetic
with fixed service times.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

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


# --- ServiceQueue fed by Poisson arrivals --------------------------------------------------


def simulate_queue(servers: int, service_days: float, arrivals_per_day: float,
                   weeks: int, seed: int, warm_up: int = 500) -> tuple[float, float, int]:
    """Run a ServiceQueue with Poisson arrivals in continuous days; returns the mean wait in
    days, the share that waited and the cases counted (after `warm_up` weeks)."""
    rng = np.random.default_rng(seed)
    queue = ServiceQueue(servers, service_days)
    arrived: dict[int, float] = {}
    waits: list[float] = []
    worked: dict[int, float] = {}
    next_case = 0

    def start(case: int, day: float) -> None:
        if day >= warm_up * 7:
            waits.append(day - arrived.pop(case))
        else:
            arrived.pop(case)

    day = float(rng.exponential(1 / arrivals_per_day))
    for week in range(weeks):
        first = week * 7.0
        while day < first + 7:
            queue.enqueue(next_case, day)
            arrived[next_case] = day
            next_case += 1
            day += float(rng.exponential(1 / arrivals_per_day))
        queue.work_week(first, rng, service_days, start, lambda c, d: None, worked)
        worked.clear()
    w = np.asarray(waits)
    return float(w.mean()), float((w > 0).mean()), len(w)


def test_service_queue_is_an_mmc_queue() -> None:
    """c = 2 servers, a = 1 erlang (ρ = 0.5): Erlang C = 1/3 and W_q = 3.33 days with a
    mean service of 10 days, over 100,000 weeks (about 70,000 cases). The relative
    standard error of the mean wait is about 2.5%, of the chance of waiting about 0.003."""
    servers, service_days, lam = 2, 10.0, 0.1
    wait, p_wait, counted = simulate_queue(servers, service_days, lam, 100_000, seed=2024)
    assert counted > 65_000
    erlang_wait = erlang_c_wait(servers, lam, service_days)
    assert erlang_wait == pytest.approx(10 / 3, rel=1e-12)
    assert wait == pytest.approx(erlang_wait, rel=0.08)
    assert p_wait == pytest.approx(erlang_c(servers, lam * service_days), abs=0.015)


def test_service_queue_with_spare_capacity_rarely_waits() -> None:
    """Ten servers for one erlang: Erlang C is 6e-8, so nobody should wait."""
    wait, p_wait, counted = simulate_queue(10, 5.0, 0.2, 10_000, seed=7, warm_up=100)
    assert erlang_c(10, 1.0) < 1e-6
    assert counted > 12_000
    assert p_wait == 0.0
    assert wait == 0.0


# --- fixed service times: hand arithmetic -----------------------------------------------


class FixedDays:
    """Stands in for the model's RNG: every service takes `days`."""

    def __init__(self, days: float) -> None:
        self.days = days

    def exponential(self, mean: float) -> float:
        return self.days


def run_weeks(queue: ServiceQueue, weeks: int, days: float
              ) -> tuple[list[tuple[int, float]], list[tuple[int, float]], list[dict]]:
    started: list[tuple[int, float]] = []
    finished: list[tuple[int, float]] = []
    worked_by_week: list[dict] = []
    for week in range(weeks):
        worked: dict[int, float] = {}
        queue.work_week(week * 7.0, FixedDays(days), days,
                        lambda c, d: started.append((c, d)),
                        lambda c, d: finished.append((c, d)), worked)
        worked_by_week.append(worked)
    return started, finished, worked_by_week


def test_a_whole_server_finishes_cases_on_their_day_and_carries_one_over() -> None:
    """One server, three cases of 3 days ready on day 0: done on days 3 and 6; the third
    has 1 day of work this week and finishes on day 9, in the next week."""
    q = ServiceQueue(1, 3.0)
    for case in (1, 2, 3):
        q.enqueue(case, 0.0)
    started, finished, worked = run_weeks(q, 2, 3.0)
    assert started == [(1, 0.0), (2, 3.0), (3, 6.0)]
    assert finished == [(1, 3.0), (2, 6.0), (3, 9.0)]
    assert worked[0] == {1: 3.0, 2: 3.0, 3: 1.0}
    assert worked[1] == {3: 2.0}
    assert len(q) == 0


def test_half_a_server_works_half_the_week_and_the_rest_waits() -> None:
    """c = 0.5: one server with 3.5 days a week, from the week's start. Cases of 3 days:
    case 1 done on day 3; case 2 gets 0.5 days in week 1 and 2.5 in week 2 (done on day
    9.5); case 3 starts on 9.5 and gets 1 day before the budget ends on 10.5, and 2 more
    in week 3 (done on day 16). Case 3 waited all of week 1: it was never worked on."""
    q = ServiceQueue(0, 3.0)
    q.set_capacity(0.5 * 7 / 3.0)  # 0.5 servers' worth: c = cases/week × days / 7
    assert q.server_equivalents == pytest.approx(0.5)
    assert q.day_budgets() == [pytest.approx(3.5)]
    for case in (1, 2, 3):
        q.enqueue(case, 0.0)
    started, finished, worked = run_weeks(q, 3, 3.0)
    assert finished == [(1, 3.0), (2, pytest.approx(9.5)), (3, pytest.approx(16.0))]
    assert started == [(1, 0.0), (2, 3.0), (3, pytest.approx(9.5))]
    assert worked[0] == {1: 3.0, 2: pytest.approx(0.5)}  # case 3 waits the whole week
    assert worked[1] == {2: pytest.approx(2.5), 3: pytest.approx(1.0)}
    assert worked[2] == {3: pytest.approx(2.0)}


@pytest.mark.parametrize("c", [0.5, 1.0, 1.5, 2.3])
def test_a_full_queue_serves_c_times_a_whole_server(c: float) -> None:
    """A queue that never runs dry works exactly c × 7 days a week and finishes about c ×
    7 / mean days cases a week: half a server's worth of staff serves half the cases of
    one whole server (exponential services, 20,000 weeks: 3% is over 4 standard errors)."""
    mean_days = 7.0
    q = ServiceQueue(0, mean_days)
    q.set_capacity(c * 7 / mean_days)
    rng = np.random.default_rng(11)
    weeks, done, next_case = 20_000, 0, 0
    for week in range(weeks):
        while len(q) < 40:  # never empty
            q.enqueue(next_case, week * 7.0)
            next_case += 1
        worked: dict[int, float] = {}
        before = len(q)
        q.work_week(week * 7.0, rng, mean_days, lambda k, d: None, lambda k, d: None,
                    worked)
        assert sum(worked.values()) == pytest.approx(c * 7)
        done += before - len(q)
    assert done / weeks == pytest.approx(c * 7 / mean_days, rel=0.03)


@pytest.mark.parametrize(("cases_per_week", "expected"), [(0.0, 0), (0.4, 2), (-1.0, 0),
                                                          (0.06, 1)])
def test_set_capacity_gives_whole_and_fractional_servers(cases_per_week: float,
                                                         expected: int) -> None:
    queue = ServiceQueue(7, 35.0)  # 35 days = 5 weeks: c = cases per week × 5
    queue.set_capacity(cases_per_week)
    assert queue.servers == expected
    assert sum(queue.day_budgets()) == pytest.approx(max(cases_per_week, 0.0) * 5 * 7)


# --- ready days (hand-offs) and parties who leave -----------------------------------------


def test_a_case_on_its_way_starts_on_its_ready_day_and_does_not_block() -> None:
    """A case ready on day 5 goes after a case enqueued later but ready on day 0, and
    the server idles until day 5 rather than starting it early."""
    q = ServiceQueue(1, 1.0)
    q.enqueue(100, 5.0)
    q.enqueue(101, 0.0)
    assert q.waiting_cases() == [101, 100]
    assert q.ready_day(100) == 5.0
    started, finished, _ = run_weeks(q, 1, 1.0)
    assert started == [(101, 0.0), (100, 5.0)]
    assert finished == [(101, 1.0), (100, 6.0)]


def test_a_case_ready_after_the_week_waits_for_next_week() -> None:
    q = ServiceQueue(1, 1.0)
    q.enqueue(1, 9.0)
    started, finished, worked = run_weeks(q, 2, 1.0)
    assert started == [(1, 9.0)] and finished == [(1, 10.0)]
    assert worked[0] == {}


def test_removing_a_case_in_hand_frees_its_server() -> None:
    q = ServiceQueue(1, 10.0)
    q.enqueue(1, 0.0)
    q.enqueue(2, 0.0)
    started, _, _ = run_weeks(q, 1, 10.0)  # case 1 is held with 3 days left
    assert q.in_service == [1] and len(q) == 2
    q.remove(1)
    assert len(q) == 1
    worked: dict[int, float] = {}
    q.work_week(7.0, FixedDays(10.0), 10.0, lambda c, d: started.append((c, d)),
                lambda c, d: None, worked)
    assert started == [(1, 0.0), (2, 7.0)]
    assert worked == {2: 7.0}


def test_a_case_that_left_and_came_back_is_served_once_or_not_at_all() -> None:
    """A party that left a queue may come back to it (a petition returned to the ladder)
    while its old entry is still in the heap: only its new entry counts."""
    q = ServiceQueue(5, 1.0)
    q.enqueue(1, 0.0)
    q.remove(1)
    q.enqueue(1, 2.0)  # back again: served once, from its new ready day
    started, _, _ = run_weeks(q, 1, 1.0)
    assert started == [(1, 2.0)]
    q2 = ServiceQueue(5, 1.0)
    q2.enqueue(2, 0.0)
    q2.remove(2)
    q2.enqueue(2, 0.0)
    q2.remove(2)  # left again: never served
    assert len(q2) == 0
    assert run_weeks(q2, 1, 1.0)[0] == []


def test_waiting_cases_skip_only_the_stale_entries() -> None:
    q = ServiceQueue(0, 1.0)
    for case in (1, 2, 3):
        q.enqueue(case, 0.0)
    q.remove(2)
    q.enqueue(2, 1.0)  # 2 came back later: its old entry is stale
    assert q.waiting_cases() == [1, 3, 2] and len(q) == 3


def test_cases_held_beyond_a_cut_staff_go_first_to_a_free_server() -> None:
    """Two servers hold two cases; staff falls to one server: it finishes its own case,
    then takes the other held case before any waiting one."""
    q = ServiceQueue(2, 10.0)
    for case in (1, 2, 3):
        q.enqueue(case, 0.0)
    run_weeks(q, 1, 10.0)  # cases 1 and 2 held with 3 days left each
    q.set_capacity(7 / 10.0)  # one server
    started: list = []
    finished: list = []
    worked: dict[int, float] = {}
    q.work_week(7.0, FixedDays(10.0), 10.0, lambda c, d: started.append((c, d)),
                lambda c, d: finished.append((c, d)), worked)
    assert finished == [(1, 10.0), (2, 13.0)]
    assert started == [(3, 13.0)]
    assert worked == {1: 3.0, 2: 3.0, 3: 1.0}


def test_a_queue_with_no_staff_does_not_keep_the_entries_of_parties_who_left() -> None:
    q = ServiceQueue(0, 1.0)
    for case in range(1_000):
        q.enqueue(case, 0.0)
        q.remove(case)
    assert len(q) == 0 and len(q._heap) <= 64 + 1
