"""Thinned draws (`simulation.draws.draw_rows`) give each row its own probability."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.draws import draw_candidates, draw_rows


def frequencies(p: np.ndarray, bound: float, reps: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(p))
    for _ in range(reps):
        rows = draw_rows(rng, len(p), bound, lambda r: p[r])
        assert np.all(np.diff(rows) > 0) and (len(rows) == 0 or rows[-1] < len(p))
        hits[rows] += 1
    return hits / reps


@pytest.mark.parametrize("bound_over_max", [1.0, 3.0, 40.0])
def test_each_row_is_drawn_with_its_own_probability(bound_over_max: float) -> None:
    """Rows in four classes (p = 0, 0.001, 0.004, 0.005): the share of draws of each class
    is its p, within 4 binomial standard errors, whether the bound is tight, loose or so
    loose that every row is tried (bound >= 0.2)."""
    p = np.repeat([0.0, 0.001, 0.004, 0.005], 5_000)
    reps = 400
    freq = frequencies(p, bound_over_max * p.max(), reps)
    for value in np.unique(p):
        share = freq[p == value].mean()
        trials = reps * np.count_nonzero(p == value)
        assert abs(share - value) <= 4 * np.sqrt(value * (1 - value) / trials) + 1e-12
    assert freq[p == 0].max() == 0


def test_draws_are_independent_of_each_other() -> None:
    """Two rows with p = 0.01 are drawn together in about 1e-4 of the weeks."""
    p = np.full(20_000, 0.01)
    rng = np.random.default_rng(3)
    both = together = 0
    for _ in range(300):
        drawn = np.zeros(len(p), dtype=bool)
        drawn[draw_rows(rng, len(p), 0.01, lambda r: p[r])] = True
        pairs = drawn[0::2] & drawn[1::2]  # 10,000 pairs of neighbouring rows
        both += int(pairs.sum())
        together += len(pairs)
    assert both / together == pytest.approx(1e-4, rel=0.25)


def test_same_generator_state_same_rows_and_nothing_to_draw() -> None:
    p = np.linspace(0, 0.02, 1_000)
    a = draw_rows(np.random.default_rng(9), 1_000, 0.02, lambda r: p[r])
    b = draw_rows(np.random.default_rng(9), 1_000, 0.02, lambda r: p[r])
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(9)
    assert len(draw_rows(rng, 0, 0.5, lambda r: r * 0.0)) == 0
    assert len(draw_rows(rng, 100, 0.0, lambda r: r * 0.0)) == 0


@pytest.mark.parametrize("bound", [0.01, 0.3])  # thinned, and a uniform for every row
def test_candidates_and_the_numbers_taken_do_not_depend_on_the_probabilities(bound) -> None:
    """What keeps a stream in step between mixes: the same candidates, and the same state
    after, whatever the rows' probabilities (here all at the bound, or none drawn)."""
    a, b = np.random.default_rng(8), np.random.default_rng(8)
    ca, keep_a = draw_candidates(a, 5_000, bound, lambda rows: np.full(len(rows), bound))
    cb, keep_b = draw_candidates(b, 5_000, bound, lambda rows: np.zeros(len(rows)))
    np.testing.assert_array_equal(ca, cb)
    assert keep_a.any() and not keep_b.any()
    assert a.bit_generator.state == b.bit_generator.state
    c = np.random.default_rng(8)  # draw_rows is the kept candidates, from the same numbers
    np.testing.assert_array_equal(
        draw_rows(c, 5_000, bound, lambda rows: np.full(len(rows), bound)), ca[keep_a])
