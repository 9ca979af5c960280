"""Random draws over many residents where the event is rare for everyone.

Each week every resident may become a party to a dispute, join or quit volunteering:
independent events with small, different probabilities. Drawing one uniform number per
resident costs a pass over the whole county for a few hundred events; thinning (Lewis &
Shedler 1979) draws the same events from a bound on the probabilities: candidates are
the successes of Bernoulli(bound) trials, found from geometric gaps, and each candidate
is kept with probability p_i / bound. Each row is then drawn with probability p_i,
independently of the others, and the probabilities are computed for the candidates only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# Above this bound a uniform draw for every row costs less than the gaps.
_THIN_BELOW = 0.2


def draw_rows(rng: np.random.Generator, n: int, bound: float,
              probability: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Rows of 0..n-1, each drawn independently with its own probability.

    Args:
        rng: the model's generator.
        n: how many rows.
        bound: an upper bound of every row's probability (a loose bound costs time, not
            accuracy; a bound below some row's probability would be wrong).
        probability: each given row's probability (an array of rows in, one value each).

    Returns:
        The drawn rows, in ascending order.
    """
    candidates, keep = draw_candidates(rng, n, bound, probability)
    return candidates[keep]


def draw_candidates(rng: np.random.Generator, n: int, bound: float,
                    probability: Callable[[np.ndarray], np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """`draw_rows` as (candidates, which are kept): the drawn rows are
    ``candidates[keep]``. How many numbers the draw takes from `rng`, and which rows are
    candidates, depend on `n`, `bound` and the stream only, never on the probabilities:
    a caller that makes further draws for every candidate keeps a stream in step between
    runs whose probabilities differ (common random numbers)."""
    if n == 0 or bound <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    if bound >= _THIN_BELOW:
        rows = np.arange(n)
        return rows, rng.random(n) < probability(rows)
    # Successes of n Bernoulli(bound) trials: positions after geometric gaps.
    expected = n * bound
    gaps = rng.geometric(bound, size=int(expected + 6 * math.sqrt(expected) + 16))
    positions = gaps.cumsum() - 1
    while positions[-1] < n - 1:  # too few gaps drawn (rare): continue the sequence
        more = np.cumsum(rng.geometric(bound, size=len(gaps))) + positions[-1]
        positions = np.concatenate([positions, more])
    candidates = positions[positions < n]
    return candidates, rng.random(len(candidates)) * bound < probability(candidates)
