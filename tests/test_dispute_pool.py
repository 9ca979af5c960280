"""The dispute pool's endings, rungs, day stamps and measuring window, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.disputes import UNRESOLVED_EXITS, DisputePool, Level, Outcome


def _pool_with(n: int, week: int = 1) -> tuple[DisputePool, np.ndarray]:
    pool = DisputePool(16)
    ids = pool.add(week, np.zeros(n, dtype=np.int8), np.full(n, 0.5),
                   np.arange(n, dtype=np.int32), np.full(n, -1, dtype=np.int32),
                   np.zeros(n, dtype=np.int32), np.full(n, 8.0), np.zeros(n, dtype=bool))
    return pool, ids


def test_new_endings_are_tallied_once_each() -> None:
    pool, ids = _pool_with(4)
    pool.end_one(int(ids[0]), Outcome.LUMPED, 2)
    pool.end_one(int(ids[1]), Outcome.CLOSED_UNRESOLVED, 2)
    pool.level[ids[2]] = Level.PETITION
    pool.end_one(int(ids[2]), Outcome.RESOLVED, 3)
    c = pool.counts()
    assert (c["lumped"], c["closed_unresolved"], c["resolved"], c["open"]) == (1, 1, 1, 1)
    assert pool.resolved_by_level[Level.PETITION] == 1
    assert Outcome.LUMPED in UNRESOLVED_EXITS and Outcome.RESOLVED not in UNRESOLVED_EXITS
    with pytest.raises(RuntimeError):
        pool.end_one(int(ids[0]), Outcome.ABANDONED, 3)


def test_day_stamps_default_to_the_first_day_of_the_week() -> None:
    # Week w spans days [7 (w - 1), 7 w): week 3 starts on day 14.
    pool, ids = _pool_with(2, week=3)
    assert pool.arose_day[ids].tolist() == [14.0, 14.0]
    pool.end_one(int(ids[0]), Outcome.RESOLVED, 5)
    pool.end_one(int(ids[1]), Outcome.RESOLVED, 5, day=33.5)
    assert pool.ended_day[ids].tolist() == [28.0, 33.5]


def test_a_window_restarts_the_tallies_and_keeps_open_disputes_open() -> None:
    pool, ids = _pool_with(5)
    pool.end(ids[:2], Outcome.RESOLVED, 2)
    pool.start_window()  # three still open
    assert pool.counts()["arisen"] == 0 and pool.counts()["open"] == 3
    assert pool.counts()["resolved"] == 0
    pool.end(ids[2:3], Outcome.ABANDONED, 3)
    _pool_more = pool.add(3, np.zeros(2, dtype=np.int8), np.full(2, 0.5),
                          np.arange(2, dtype=np.int32), np.full(2, -1, dtype=np.int32),
                          np.zeros(2, dtype=np.int32), np.full(2, 8.0), np.zeros(2, dtype=bool))
    c = pool.counts()
    assert (c["arisen"], c["abandoned"], c["open"]) == (2, 1, 4)
