"""The fast paths of metrics_core equal the general functions.

`sorted_inequality` (one sort, three measures) and `theil_decomposition` with boolean groups.
"""

import math

import numpy as np
import pytest

from simulation.metrics_core import (
    gini,
    sorted_inequality,
    theil_decomposition,
    top_bottom_ratio,
)
from tests.inequality import quantile_share


def separate(x: np.ndarray, fraction: float) -> tuple[float, float, float]:
    return gini(x), quantile_share(x, 0.0, fraction), top_bottom_ratio(x, fraction)


@pytest.mark.parametrize("n", [1, 2, 7, 13, 101, 10_000])
@pytest.mark.parametrize("fraction", [0.2, 0.1, 0.37, 0.5, 1.0])
def test_sorted_inequality_equals_the_separate_functions(n: int, fraction: float) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(10.0, 0.8, size=n)
    x[: n // 10] = x[n // 5 : n // 5 + n // 10]  # ties
    got = sorted_inequality(np.sort(x), fraction)
    want = separate(x, fraction)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15, nan_ok=True)
    assert all(type(v) is float for v in got)


@pytest.mark.parametrize(
    "x",
    [
        np.zeros(5),
        np.array([0.0, 0.0, 0.0, 4.0]),  # bottom share 0, ratio inf
        np.array([3.0]),
        np.full(10, 2.5),
    ],
)
def test_sorted_inequality_degenerate_cases_match(x: np.ndarray) -> None:
    assert sorted_inequality(np.sort(x)) == pytest.approx(separate(x, 0.2), nan_ok=True)


def test_sorted_inequality_of_empty_input() -> None:
    g, share, ratio = sorted_inequality([])
    assert g == 0.0 and math.isnan(share) and math.isnan(ratio)


def test_sorted_inequality_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="sorted"):
        sorted_inequality([2.0, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        sorted_inequality([-1.0, 1.0])
    with pytest.raises(ValueError, match="fraction"):
        sorted_inequality([1.0, 2.0], 0.0)


@pytest.mark.parametrize("share_true", [0.0, 0.3, 1.0])
def test_theil_decomposition_with_boolean_groups_equals_labelled_groups(share_true: float) -> None:
    rng = np.random.default_rng(7)
    x = rng.lognormal(0.0, 0.7, size=500)
    mask = rng.random(500) < share_true
    labels = np.where(mask, "urban", "rural")
    assert theil_decomposition(x, mask) == pytest.approx(
        theil_decomposition(x, labels), rel=1e-12, abs=1e-15
    )
