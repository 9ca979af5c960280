"""Tests for simulation.metrics_core: inequality measures pinned on analytical cases."""

import itertools
import math
import re
import warnings
from statistics import NormalDist

import numpy as np
import pytest

from simulation.metrics_core import (
    gini,
    percentile_or_nan,
    ratio_of_means,
    sorted_inequality,
    theil_decomposition,
    top_bottom_ratio,
)
from tests.inequality import gini_from_lognormal, mean_gap, quantile_share, theil

QUINTILES = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0)]
NBS_2023_QUINTILE_MEANS = [9215, 20442, 32195, 50220, 95055]


def one_holder(n: int) -> np.ndarray:
    x = np.zeros(n)
    x[-1] = 1.0
    return x


def brute_force_gini(x: np.ndarray) -> float:
    """Mean absolute difference over all ordered pairs, divided by twice the mean."""
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


# --- gini -------------------------------------------------------------------------------


def test_gini_of_equal_distribution_is_zero() -> None:
    assert gini([7.0] * 10) == 0.0
    assert gini(np.full(1000, 0.1)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 1000])
def test_gini_one_holder_is_n_minus_one_over_n(n: int) -> None:
    assert gini(one_holder(n)) == pytest.approx((n - 1) / n, rel=1e-12, abs=1e-15)


def test_gini_of_one_to_five_is_four_fifteenths() -> None:
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15, rel=1e-12)
    assert gini([5, 3, 1, 4, 2]) == pytest.approx(4 / 15, rel=1e-12)  # order does not matter


def test_gini_matches_pairwise_definition() -> None:
    x = np.random.default_rng(1).gamma(2.0, size=301)
    assert gini(x) == pytest.approx(brute_force_gini(x), rel=1e-12)


def test_weighted_gini_equals_gini_of_expanded_sample() -> None:
    rng = np.random.default_rng(2)
    x = rng.lognormal(0.0, 0.8, size=60)
    x[:5] = x[5]  # ties with different weights must not matter
    w = rng.integers(0, 6, size=60)
    w[0] = 3
    expanded = np.repeat(x, w)
    assert gini(x, weights=w) == pytest.approx(gini(expanded), rel=1e-12)
    assert gini(x, weights=w) == pytest.approx(brute_force_gini(expanded), rel=1e-12)


def test_weighted_gini_with_unit_or_uniform_weights_equals_unweighted() -> None:
    x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    assert gini(x, weights=np.ones(8)) == pytest.approx(gini(x), rel=1e-12)
    assert gini(x, weights=np.full(8, 0.37)) == pytest.approx(gini(x), rel=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_gini_of_large_lognormal_sample_matches_analytical(sigma: float) -> None:
    x = np.random.default_rng(20231).lognormal(mean=2.0, sigma=sigma, size=200_000)
    assert abs(gini(x) - gini_from_lognormal(sigma)) < 0.005


def test_gini_is_scale_invariant() -> None:
    x = np.random.default_rng(3).pareto(3.0, size=500)
    w = np.random.default_rng(4).uniform(0.5, 2.0, size=500)
    assert gini(1000.0 * x) == pytest.approx(gini(x), rel=1e-12)
    assert gini(0.001 * x, weights=w) == pytest.approx(gini(x, weights=w), rel=1e-12)
    assert gini(x, weights=10.0 * w) == pytest.approx(gini(x, weights=w), rel=1e-12)


def test_gini_degenerate_inputs_return_zero() -> None:
    assert gini([]) == 0.0
    assert gini([0.0, 0.0, 0.0]) == 0.0
    assert gini([1.0, 2.0], weights=[0.0, 0.0]) == 0.0


def test_gini_returns_python_float() -> None:
    assert type(gini([1, 2, 3])) is float
    assert type(gini([1, 2, 3], weights=[1, 1, 2])) is float


def test_gini_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        gini([1.0, -0.5, 2.0])


def test_gini_rejects_bad_weights_and_non_finite_values() -> None:
    with pytest.raises(ValueError, match="weights must be non-negative"):
        gini([1.0, 2.0], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="shape"):
        gini([1.0, 2.0], weights=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        gini([1.0, np.nan])


# --- theil ------------------------------------------------------------------------------


def test_theil_of_equal_distribution_is_zero() -> None:
    assert theil([2.5] * 8) == 0.0
    assert theil(np.full(1000, 0.1)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5, 100])
def test_theil_one_holder_is_log_n(n: int) -> None:
    assert theil(one_holder(n)) == pytest.approx(math.log(n), rel=1e-12, abs=1e-15)


def test_theil_hand_computed_and_degenerate_cases() -> None:
    # [1, 3]: mu = 2, T = (1/2)(0.5 ln 0.5 + 1.5 ln 1.5)
    expected = 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))
    assert theil([1.0, 3.0]) == pytest.approx(expected, rel=1e-12)
    assert theil([]) == 0.0
    assert theil([0.0, 0.0]) == 0.0
    assert type(theil([1.0, 3.0])) is float
    with pytest.raises(ValueError, match="non-negative"):
        theil([1.0, -1.0])


def test_theil_decomposition_adds_up_on_random_data_with_three_groups() -> None:
    rng = np.random.default_rng(5)
    groups = np.array(["urban", "rural", "migrant"])[rng.integers(0, 3, size=400)]
    x = rng.lognormal(0.0, 0.7, size=400) * np.where(groups == "urban", 2.5, 1.0)
    x[:10] = 0.0  # zeros inside groups are allowed
    total, between, within = theil_decomposition(x, groups)

    assert total == pytest.approx(theil(x), rel=1e-12)
    assert np.isclose(total, between + within, rtol=1e-12, atol=1e-15)
    assert between > 0.0 and within > 0.0

    # The components match their textbook definitions computed group by group.
    mu, share = x.mean(), {g: x[groups == g].sum() / x.sum() for g in np.unique(groups)}
    expected_between = sum(s * math.log(x[groups == g].mean() / mu) for g, s in share.items())
    expected_within = sum(s * theil(x[groups == g]) for g, s in share.items())
    assert between == pytest.approx(expected_between, rel=1e-10)
    assert within == pytest.approx(expected_within, rel=1e-10)


def test_theil_between_is_zero_when_group_means_are_equal() -> None:
    x = np.array([1.0, 3.0, 2.0, 2.0, 0.0, 4.0])
    groups = np.array([0, 0, 1, 1, 2, 2])
    total, between, within = theil_decomposition(x, groups)
    assert between == pytest.approx(0.0, abs=1e-15)
    assert within == pytest.approx(total, rel=1e-12)
    assert total > 0.0


def test_theil_within_is_zero_when_groups_are_internally_equal() -> None:
    x = np.array([1.0, 1.0, 1.0, 5.0, 5.0, 3.0])
    groups = np.array(["a", "a", "a", "b", "b", "c"])
    total, between, within = theil_decomposition(x, groups)
    assert within == pytest.approx(0.0, abs=1e-15)
    assert between == pytest.approx(total, rel=1e-12)
    assert total > 0.0


def test_theil_decomposition_with_an_empty_handed_group_and_mixed_labels() -> None:
    x = np.array([0.0, 0.0, 2.0, 6.0, 4.0])
    groups = np.array([1, 1, "x", "x", "y"], dtype=object)
    total, between, within = theil_decomposition(x, groups)
    assert total == pytest.approx(theil(x), rel=1e-12)
    assert np.isclose(total, between + within, rtol=1e-12, atol=1e-15)


def test_theil_decomposition_degenerate_and_invalid_inputs() -> None:
    assert theil_decomposition([], []) == (0.0, 0.0, 0.0)
    assert theil_decomposition([0.0, 0.0], [0, 1]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="groups"):
        theil_decomposition([1.0, 2.0, 3.0], [0, 1])
    with pytest.raises(ValueError, match="non-negative"):
        theil_decomposition([1.0, -2.0], [0, 1])


# --- quantile shares and ratios ---------------------------------------------------------


@pytest.mark.parametrize("n", [7, 13, 101])
def test_quintile_shares_sum_to_one_when_n_not_divisible_by_five(n: int) -> None:
    x = np.random.default_rng(n).lognormal(0.0, 1.0, size=n)
    shares = [quantile_share(x, lo, hi) for lo, hi in QUINTILES]
    assert math.isclose(sum(shares), 1.0, rel_tol=1e-12)
    assert all(a <= b + 1e-15 for a, b in itertools.pairwise(shares))


def test_quantile_share_credits_fractional_people_at_boundaries() -> None:
    # n = 7, values 1..7, total 28. The bottom 20% is 1.4 people: 1 + 0.4 * 2 = 1.8.
    x = [4, 1, 7, 3, 2, 6, 5]
    assert quantile_share(x, 0.0, 0.2) == pytest.approx(1.8 / 28, rel=1e-12)
    # The top 20% is 7 + 0.4 * 6 = 9.4.
    assert quantile_share(x, 0.8, 1.0) == pytest.approx(9.4 / 28, rel=1e-12)
    assert quantile_share(x, 0.0, 1.0) == pytest.approx(1.0, rel=1e-15)
    assert quantile_share(x, 0.3, 0.3) == 0.0


def test_quantile_shares_of_equal_distribution_are_one_fifth() -> None:
    for n in (5, 7, 13):
        for lo, hi in QUINTILES:
            assert quantile_share([3.0] * n, lo, hi) == pytest.approx(0.2, rel=1e-12)


def test_bottom_share_of_single_holder_is_zero() -> None:
    assert quantile_share([0, 0, 0, 0, 10], 0.0, 0.2) == 0.0
    assert quantile_share([0, 0, 0, 0, 10], 0.8, 1.0) == 1.0


def test_quantile_share_degenerate_and_invalid_inputs() -> None:
    assert math.isnan(quantile_share([], 0.0, 0.2))
    assert math.isnan(quantile_share([0.0, 0.0], 0.0, 0.2))
    for lo, hi in [(-0.1, 0.2), (0.5, 0.4), (0.2, 1.1)]:
        with pytest.raises(ValueError, match="lower"):
            quantile_share([1.0, 2.0], lo, hi)
    with pytest.raises(ValueError, match="non-negative"):
        quantile_share([1.0, -2.0], 0.0, 0.2)


def test_top_bottom_ratio_of_nbs_2023_quintile_means() -> None:
    x = np.repeat(NBS_2023_QUINTILE_MEANS, 1000)
    np.random.default_rng(6).shuffle(x)
    ratio = top_bottom_ratio(x)
    assert ratio == pytest.approx(95055 / 9215, rel=1e-12)
    assert ratio == pytest.approx(10.32, abs=0.005)


def test_top_bottom_ratio_fractional_boundaries_and_edge_cases() -> None:
    # n = 7, values 1..7: bottom 1.4 people hold 1.8, top 1.4 people hold 9.4.
    assert top_bottom_ratio([1, 2, 3, 4, 5, 6, 7]) == pytest.approx(9.4 / 1.8, rel=1e-12)
    assert top_bottom_ratio([1, 2, 3, 4], fraction=0.5) == pytest.approx(7 / 3, rel=1e-12)
    assert top_bottom_ratio([4.0] * 9) == pytest.approx(1.0, rel=1e-12)
    assert top_bottom_ratio([0, 0, 0, 0, 10]) == math.inf
    assert math.isnan(top_bottom_ratio([0.0, 0.0]))
    assert math.isnan(top_bottom_ratio([]))
    for bad in (0.0, -0.2, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            top_bottom_ratio([1.0, 2.0], fraction=bad)


# --- group gaps -------------------------------------------------------------------------


def test_mean_gap_and_ratio_of_means_hand_computed() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    mask = [True, True, False, False]  # masked mean 1.5, rest mean 3.5
    assert ratio_of_means(values, mask) == pytest.approx(3 / 7, rel=1e-12)
    assert mean_gap(values, mask) == pytest.approx(4 / 7, rel=1e-12)

    # Urban mean 6, rural mean 2: ratio 3; the rural group (mask) lags by 2/3.
    income = np.array([5.0, 7.0, 1.0, 3.0, 2.0])
    urban = np.array([True, True, False, False, False])
    assert ratio_of_means(income, urban) == pytest.approx(3.0, rel=1e-12)
    assert mean_gap(income, ~urban) == pytest.approx(2 / 3, rel=1e-12)
    assert mean_gap(income, urban) == pytest.approx(-2.0, rel=1e-12)  # ahead -> negative


def test_mean_gap_and_ratio_of_means_nan_cases() -> None:
    assert math.isnan(mean_gap([1.0, 2.0], [True, True]))
    assert math.isnan(mean_gap([1.0, 2.0], [False, False]))
    assert math.isnan(ratio_of_means([1.0, 2.0], [True, True]))
    assert math.isnan(ratio_of_means([1.0, 2.0], [False, False]))
    assert math.isnan(ratio_of_means([], np.array([], dtype=bool)))
    assert math.isnan(ratio_of_means([1.0, 0.0], [True, False]))  # zero denominator
    assert math.isnan(mean_gap([1.0, 0.0], [True, False]))


def test_mask_must_be_boolean_and_match_length() -> None:
    with pytest.raises(ValueError, match="boolean"):
        ratio_of_means([1.0, 2.0, 3.0], [0, 1, 1])
    with pytest.raises(ValueError, match="shape"):
        mean_gap([1.0, 2.0, 3.0], [True, False])


# --- percentiles and lognormal ----------------------------------------------------------


def test_percentile_or_nan() -> None:
    x = [5, 1, 4, 2, 3]
    assert percentile_or_nan(x, 0) == 1.0
    assert percentile_or_nan(x, 25) == 2.0
    assert percentile_or_nan(x, 50) == 3.0
    assert percentile_or_nan(x, 90) == pytest.approx(4.6, rel=1e-12)
    assert percentile_or_nan(x, 100) == 5.0
    assert type(percentile_or_nan(x, 50)) is float
    assert math.isnan(percentile_or_nan([], 50))
    with pytest.raises(ValueError, match="q must be"):
        percentile_or_nan(x, 150)


def test_gini_from_lognormal_matches_normal_cdf_formula() -> None:
    phi = NormalDist().cdf
    for sigma in (0.0, 0.3, 0.5, 1.0, 2.0):
        expected = 2 * phi(sigma / math.sqrt(2)) - 1
        assert gini_from_lognormal(sigma) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert gini_from_lognormal(0.0) == 0.0
    assert gini_from_lognormal(1.0) == pytest.approx(0.5204998778, rel=1e-9)
    with pytest.raises(ValueError, match="sigma"):
        gini_from_lognormal(-1.0)


# --- at the edges: tiny totals, fractional weights, groups of one, all zeros, labels that
# cannot be sorted ---------------------------------------------------------------------------


def test_probability_weights_give_the_gini_of_the_expanded_sample() -> None:
    """Weights 0.2, 0.3, 0.5 (summing to 1) weigh like 2, 3 and 5 people."""
    expanded = np.array([1.0] * 2 + [2.0] * 3 + [3.0] * 5)
    assert gini([1.0, 2.0, 3.0], [0.2, 0.3, 0.5]) == pytest.approx(brute_force_gini(expanded))
    three = np.array([3.0, 1.0, 1.0])
    assert gini([3.0, 1.0], [0.25, 0.5]) == pytest.approx(brute_force_gini(three))


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
    assert sorted_inequality(np.sort(small)) == pytest.approx(sorted_inequality(np.sort(x)))
    # The bottom 20% above holds 0 + 1: a finite ratio. When it holds nothing at all while
    # the top holds something, the ratio is infinite, however small the amounts.
    nothing_at_the_bottom = np.array([0.0, 0.0, 0.0, 0.0, 0.5]) * scale
    assert top_bottom_ratio(nothing_at_the_bottom) == math.inf
    assert sorted_inequality(nothing_at_the_bottom)[2] == math.inf


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
        # A group that holds nothing: no logarithm of zero is taken.
        _, between, within = theil_decomposition([0.0, 0.0, 2.0, 6.0], [0, 0, 1, 1])
        assert between == pytest.approx(math.log(2)) and within == pytest.approx(
            0.25 * math.log(0.5) + 0.75 * math.log(1.5))


def test_bad_values_are_named_in_the_message() -> None:
    with pytest.raises(ValueError, match=r"^values must be non-negative"):
        gini([1.0, -1.0])
    with pytest.raises(ValueError, match=r"^weights must be non-negative"):
        gini([1.0, 1.0], [1.0, -1.0])


@pytest.mark.parametrize(("values", "fraction", "words"), [
    ([1.0, 2.0], 1.5, "fraction must be in (0, 1]"),
    ([1.0, 2.0], 0.0, "fraction must be in (0, 1]"),
    ([-1.0, 2.0], 0.2, "sorted_values must be non-negative"),
    ([1.0, math.nan], 0.2, "sorted_values must be finite"),
    ([3.0, 1.0, 2.0], 0.2, "sorted_values must be sorted ascending"),
    ([1.0, 3.0, 2.0], 0.2, "sorted_values must be sorted ascending"),
])
def test_sorted_inequality_refuses_bad_input_by_name(values, fraction, words) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(words)):
        sorted_inequality(values, fraction)
