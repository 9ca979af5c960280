"""Inequality measures at the edges: tiny totals, fractional weights, groups of one,
all-zero distributions, labels that cannot be sorted. Each expected value is worked out
by hand or follows from an invariance (the measures do not depend on the unit)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from simulation.metrics_core import (
    gini,
    quantile_share,
    ratio_of_means,
    theil,
    theil_decomposition,
    top_bottom_ratio,
)


def pairwise_gini(x: list[float]) -> float:
    a = np.asarray(x, dtype=float)
    return float(np.abs(a[:, None] - a[None, :]).sum() / (2 * a.size**2 * a.mean()))


def test_probability_weights_give_the_gini_of_the_expanded_sample() -> None:
    """Weights 0.2, 0.3, 0.5 (summing to 1) weigh like 2, 3 and 5 people."""
    expanded = [1.0] * 2 + [2.0] * 3 + [3.0] * 5
    assert gini([1.0, 2.0, 3.0], [0.2, 0.3, 0.5]) == pytest.approx(pairwise_gini(expanded))
    assert gini([3.0, 1.0], [0.25, 0.5]) == pytest.approx(pairwise_gini([3.0, 1.0, 1.0]))


@pytest.mark.parametrize("scale", [1e-6, 0.01, 1.0, 1e6])
def test_measures_do_not_depend_on_the_unit(scale: float) -> None:
    """Shares of a total (summing to well under 1) give the same measures as yuan."""
    x = np.array([1.0, 2.0, 2.0, 5.0, 7.0, 11.0, 13.0, 40.0, 0.0, 3.0])
    groups = np.array([True, False] * 5)
    small = x / x.sum() * scale
    assert gini(small) == pytest.approx(gini(x))
    assert theil(small) == pytest.approx(theil(x))
    assert theil_decomposition(small, groups) == pytest.approx(theil_decomposition(x, groups))
    assert quantile_share(small, 0.0, 0.2) == pytest.approx(quantile_share(x, 0.0, 0.2))
    assert top_bottom_ratio(small) == pytest.approx(top_bottom_ratio(x))
    # The bottom 20% above holds 0 + 1: a finite ratio. When it holds nothing at all while
    # the top holds something, the ratio is infinite, however small the amounts.
    assert top_bottom_ratio(np.array([0.0, 0.0, 0.0, 0.0, 0.5]) * scale) == math.inf


def test_theil_decomposition_with_unsortable_labels_by_hand() -> None:
    """Two groups, each internally equal: all inequality is between them.

    μ = 2; group 1: (1, 1), share 2/8, mean 1; group "a": (3, 3), share 6/8, mean 3:
    T_between = 0.25 ln(1/2) + 0.75 ln(3/2), T_within = 0.
    """
    x = np.array([1.0, 3.0, 1.0, 3.0])
    groups = np.array([1, "a", 1, "a"], dtype=object)  # int and str: no order
    total, between, within = theil_decomposition(x, groups)
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert between == pytest.approx(expected)
    assert within == pytest.approx(0.0, abs=1e-15)
    assert total == pytest.approx(expected)


def test_ratio_of_means_with_groups_of_one() -> None:
    assert ratio_of_means([2.0, 1.0, 1.0], [True, False, False]) == pytest.approx(2.0)
    assert ratio_of_means([2.0, 2.0, 1.0], [True, True, False]) == pytest.approx(2.0)


def test_degenerate_inputs_are_nan_or_zero_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(ratio_of_means([1.0, 2.0], [True, True]))  # nobody outside
        assert math.isnan(ratio_of_means([1.0, 2.0], [False, False]))  # nobody inside
        assert theil([0.0, 0.0, 0.0]) == 0.0
        assert gini([0.0, 0.0]) == 0.0
        assert math.isnan(quantile_share([0.0, 0.0, 0.0], 0.0, 0.2))
        assert math.isnan(top_bottom_ratio([0.0, 0.0, 0.0]))
