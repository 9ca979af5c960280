"""Intervals over replications, pinned to numbers worked out independently.

The literals come from the textbook formula mean ± t(0.975, n − 1) · s / √n, evaluated
with `scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(x))` once and typed
in, and checked against Student-t tables (t(0.975, 4) = 2.776, t(0.975, 3) = 3.182,
t(0.975, 2) = 4.303, t(0.975, 1) = 12.706).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.stats import band, holm, mean_ci, paired_differences, summarise, t_test_p

X = [1.0, 2.0, 3.0, 4.0, 10.0]  # mean 4, s = √12.5, standard error √12.5 / √5 = 1.5811


def test_mean_ci_is_t_times_the_standard_error_either_side() -> None:
    m, lo, hi = mean_ci(X)
    assert m == 4.0
    half = 2.7764451051977934 * math.sqrt(12.5) / math.sqrt(5)  # 4.3899
    assert (lo, hi) == pytest.approx((4.0 - half, 4.0 + half), rel=1e-12)
    assert (lo, hi) == pytest.approx((-0.3899451654254138, 8.389945165425413), rel=1e-12)


def test_mean_ci_at_another_level() -> None:
    _, lo, hi = mean_ci(X, level=0.90)  # t(0.95, 4) = 2.132
    assert (lo, hi) == pytest.approx((0.6292542663487399, 7.370745733651258), rel=1e-12)


def test_mean_ci_drops_non_finite_values() -> None:
    assert mean_ci([*X, math.nan, math.inf]) == pytest.approx(mean_ci(X))


def test_mean_ci_of_one_value_has_no_interval_and_of_none_no_mean() -> None:
    m, lo, hi = mean_ci([5.0, math.nan])
    assert m == 5.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in mean_ci([]))


def test_mean_ci_of_equal_values_is_a_point() -> None:
    assert mean_ci([0.3, 0.3, 0.3]) == pytest.approx((0.3, 0.3, 0.3))


def test_summarise_gives_n_mean_sd_and_interval_per_group() -> None:
    runs = pd.DataFrame({"scenario": ["a"] * 5 + ["b"] * 3,
                         "y": [*X, 7.0, math.nan, 9.0]})
    table = summarise(runs, "scenario", ["y"]).set_index("scenario")
    a, b = table.loc["a"], table.loc["b"]
    assert (a["n"], a["mean"]) == (5, 4.0)
    assert a["sd"] == pytest.approx(math.sqrt(12.5))  # sample sd (n − 1)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx(
        (-0.3899451654254138, 8.389945165425413))
    # b: 7 and 9 (NaN dropped): mean 8, s = √2, half-width 12.706 × √2 / √2.
    assert (b["n"], b["mean"], b["sd"]) == (2, 8.0, pytest.approx(math.sqrt(2)))
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((8 - 12.706204736174694,
                                                         8 + 12.706204736174694))


# ------------------------------------------------------------------ paired differences


def paired_runs() -> pd.DataFrame:
    """Two scenarios over seeds 0-3, rows shuffled; `alt` has an unpaired extra seed 4.

    By seed, ref is 10, 20, 30, 40 and alt is 11, 22, 33, 44: the paired differences are
    1, 2, 3, 4 (mean 2.5, s = 1.291), while the two means differ by much less precisely
    known amounts (their own spread across seeds is ten times larger).
    """
    rows = [("alt", 3, 44.0), ("ref", 2, 30.0), ("alt", 1, 22.0), ("ref", 0, 10.0),
            ("alt", 4, 90.0), ("ref", 3, 40.0), ("alt", 0, 11.0), ("ref", 1, 20.0),
            ("alt", 2, 33.0)]
    return pd.DataFrame(rows, columns=["scenario", "seed", "y"])


def test_paired_differences_pair_runs_by_seed() -> None:
    diffs = paired_differences(paired_runs(), "scenario", "ref", ["y"])
    assert len(diffs) == 1
    row = diffs.iloc[0]
    assert (row["scenario"], row["outcome"], row["n"]) == ("alt", "y", 4)
    assert row["difference"] == pytest.approx(2.5)
    # 2.5 ± 3.1824 × 1.2910 / 2
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (0.4457397432394794, 4.554260256760521), rel=1e-12)


def test_paired_differences_give_the_paired_t_tests_p_value() -> None:
    """Differences 1, 2, 3, 4: t = 2.5 / (1.291 / 2) = 3.873 on 3 degrees of freedom,
    two-sided p = 0.0305 (below 0.05, as the interval 0.446..4.554 excludes 0); the same
    as scipy's paired test of alt against ref."""
    row = paired_differences(paired_runs(), "scenario", "ref", ["y"]).iloc[0]
    assert row["p_value"] == pytest.approx(0.030466291662170977, rel=1e-12)
    oracle = stats.ttest_rel([11.0, 22.0, 33.0, 44.0], [10.0, 20.0, 30.0, 40.0])
    assert row["p_value"] == pytest.approx(oracle.pvalue, rel=1e-12)


def test_paired_differences_are_exact_when_every_seed_moves_alike() -> None:
    runs = pd.DataFrame({"scenario": ["ref"] * 3 + ["alt"] * 3, "seed": [0, 1, 2, 2, 0, 1],
                         "y": [5.0, 50.0, 500.0, 501.0, 6.0, 51.0]})
    row = paired_differences(runs, "scenario", "ref", ["y"]).iloc[0]
    assert (row["difference"], row["ci_low"], row["ci_high"]) == pytest.approx((1, 1, 1))
    assert row["p_value"] == 0.25  # every one of 3 seeds moved alike: the sign test


def test_paired_differences_leave_out_the_reference() -> None:
    runs = pd.concat([paired_runs(), pd.DataFrame(
        {"scenario": ["third"] * 2, "seed": [0, 1], "y": [10.0, 20.0]})])
    diffs = paired_differences(runs, "scenario", "ref", ["y"])
    assert diffs["scenario"].tolist() == ["alt", "third"]
    third = diffs.iloc[1]
    assert (third["n"], third["difference"], third["ci_low"]) == (2, 0.0, 0.0)
    assert third["p_value"] == 1.0  # identical runs: nothing differs


# ------------------------------------------------------------------ the t-test's p-value


def test_t_test_p_by_hand_and_by_scipy() -> None:
    """X: mean 4, standard error 1.5811, t = 2.530 on 4 degrees of freedom, below
    t(0.975, 4) = 2.776, so p > 0.05 (0.0647) and the interval -0.39..8.39 covers 0."""
    assert t_test_p(X) == pytest.approx(0.06467689395635304, rel=1e-12)
    assert t_test_p(X) == pytest.approx(stats.ttest_1samp(X, 0.0).pvalue, rel=1e-12)
    assert t_test_p([-x for x in X]) == pytest.approx(t_test_p(X), rel=1e-12)  # two-sided
    assert t_test_p([*X, math.nan, math.inf]) == pytest.approx(t_test_p(X), rel=1e-12)


def test_t_test_p_with_too_few_values_or_no_spread() -> None:
    assert math.isnan(t_test_p([])) and math.isnan(t_test_p([3.0, math.nan]))
    # Every seed moved alike: the exact sign test, 2 / 2^n, so two or three seeds alone
    # never make a finding, ten do.
    assert t_test_p([0.2, 0.2, 0.2]) == 0.25
    assert t_test_p([-4.0, -4.0]) == 0.5
    assert t_test_p([7.0] * 10) == pytest.approx(2 / 1024)
    assert t_test_p([0.0, 0.0, 0.0]) == 1.0  # no difference at all
    # A spread too small to compute is no spread (not a division by zero); values on
    # both sides of 0 are no evidence either way.
    assert t_test_p([0.0, 1e-200]) == 1.0
    assert t_test_p([-1e-200, 1e-200]) == 1.0


def test_t_test_p_is_below_005_exactly_when_the_interval_excludes_0() -> None:
    """On samples whose t statistic lies on both sides of t(0.975, n − 1), near the
    boundary too (samples of no spread have the sign test instead: above)."""
    rng = np.random.default_rng(7)
    samples = [rng.normal(loc, 1.0, size=n) for n in (2, 3, 5, 10, 30)
               for loc in np.linspace(0.0, 1.5, 40)]
    seen = set()
    for x in samples:
        _, lo, hi = mean_ci(x)
        excludes = lo > 0 or hi < 0
        assert (t_test_p(x) < 0.05) == excludes, x
        seen.add(excludes)
    assert seen == {True, False}


# ------------------------------------------------------------------ bands over weeks


def test_band_is_mean_and_t_interval_week_by_week() -> None:
    weeks = pd.Index([0, 1, 2, 3], name="week")
    series = [pd.DataFrame({"x": v}, index=weeks) for v in (
        [1.0, math.nan, 5.0, math.nan], [3.0, 2.0, 5.0, math.nan], [5.0, 4.0, 5.0, math.nan])]
    b = band(series, "x")
    assert list(b.index) == [0, 1, 2, 3]
    # Week 0: 1, 3, 5: mean 3, s = 2, n = 3: 3 ± 4.3027 × 2 / √3.
    half0 = 4.302652729749462 * 2 / math.sqrt(3)
    assert (b["mean"][0], b["low"][0], b["high"][0]) == pytest.approx((3, 3 - half0, 3 + half0))
    # Week 1: 2 and 4 (one run has no value yet): 3 ± 12.706 × √2 / √2.
    assert (b["mean"][1], b["low"][1], b["high"][1]) == pytest.approx(
        (3, 3 - 12.706204736174694, 3 + 12.706204736174694))
    # Week 2: all equal: no width. Week 3: no value at all: nothing.
    assert (b["mean"][2], b["low"][2], b["high"][2]) == pytest.approx((5, 5, 5))
    assert b.loc[3].isna().all()


def test_band_of_one_run_is_its_line_without_an_interval() -> None:
    b = band([pd.DataFrame({"x": [1.0, 2.0]})], "x")
    assert b["mean"].tolist() == [1.0, 2.0]
    assert b["low"].isna().all() and b["high"].isna().all()


def test_band_agrees_with_mean_ci_at_every_week() -> None:
    rng = np.random.default_rng(0)
    series = [pd.DataFrame({"x": rng.normal(size=6)}) for _ in range(7)]
    b = band(series, "x")
    for week in range(6):
        m, lo, hi = mean_ci([s["x"][week] for s in series])
        assert (b["mean"][week], b["low"][week], b["high"][week]) == pytest.approx((m, lo, hi))


# ------------------------------------------------------------------ contracts around the numbers


def test_missing_values_given_as_none_are_dropped() -> None:
    assert mean_ci([1.0, None, 3.0]) == pytest.approx(mean_ci([1.0, 3.0]))


def test_groups_keep_the_order_they_appear_in() -> None:
    """Tables list scenarios in the order the user named them, not alphabetically."""
    runs = pd.DataFrame({"scenario": ["zeta", "zeta", "alpha", "alpha", "mid", "mid"],
                         "seed": [0, 1, 0, 1, 0, 1], "y": [1.0, 2.0, 3.0, 5.0, 4.0, 4.0]})
    assert summarise(runs, "scenario", ["y"])["scenario"].tolist() == ["zeta", "alpha", "mid"]
    diffs = paired_differences(runs, "scenario", "alpha", ["y"])
    assert diffs["scenario"].tolist() == ["zeta", "mid"]
    assert diffs["difference"].tolist() == pytest.approx([-2.5, 0.0])


def test_paired_differences_with_no_other_group_are_an_empty_table_with_columns() -> None:
    runs = paired_runs()
    diffs = paired_differences(runs[runs.scenario == "ref"], "scenario", "ref", ["y"])
    assert diffs.empty
    assert list(diffs.columns) == ["scenario", "outcome", "n", "difference", "ci_low",
                                   "ci_high", "p_value"]


def test_a_scenario_category_with_no_runs_gets_no_row() -> None:
    runs = paired_runs()
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=["ref", "alt", "unused"])
    diffs = paired_differences(runs, "scenario", "ref", ["y"])
    assert diffs["scenario"].tolist() == ["alt"]


def test_one_run_gives_no_interval_and_no_warning() -> None:
    """A single seed (`compare --reps 1`) has no spread: NaN, without numpy warnings."""
    runs = pd.DataFrame({"scenario": ["a", "b", "b"], "seed": [0, 0, 1],
                         "y": [1.0, math.nan, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = summarise(runs, "scenario", ["y"]).set_index("scenario")
        b = band([pd.DataFrame({"x": [1.0, math.nan]})], "x")
    assert math.isnan(table.loc["a", "sd"]) and math.isnan(table.loc["b", "sd"])
    assert table.loc["b", "n"] == 1
    assert b["low"].isna().all()


def test_band_of_two_runs_has_an_interval() -> None:
    b = band([pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [3.0]})], "x")
    # 2 ± 12.706 × √2 / √2
    assert (b["low"][0], b["high"][0]) == pytest.approx((2 - 12.706204736174694,
                                                         2 + 12.706204736174694))


def test_band_keeps_the_weeks_of_the_series() -> None:
    weeks = pd.Index([4, 5, 6], name="week")  # e.g. after the first weeks are skipped
    series = [pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=weeks)] * 2
    assert list(band(series, "x").index) == [4, 5, 6]


def test_holm_adjusts_by_hand() -> None:
    """Holm (1979) worked by hand: sorted p 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 are
    0.02, 0.03, 0.06, 0.04, and each adjusted value is the running maximum."""
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    # NaN is left out of the family (m = 2 here) and stays NaN; values cap at 1.
    np.testing.assert_allclose(holm([0.3, math.nan, 0.8]), [0.6, math.nan, 0.8])
    np.testing.assert_allclose(holm([0.6, 0.7]), [1.0, 1.0])
    assert holm([]).size == 0


def test_holm_keeps_the_chance_of_any_false_finding_at_alpha() -> None:
    """Under the null (uniform p-values) the chance that any of 66 tests is called clear
    is about 1 − 0.95^66 = 0.97 without a correction and at most 0.05 with Holm's."""
    rng = np.random.default_rng(4)
    p = rng.random((4_000, 66))
    raw = (p < 0.05).any(axis=1).mean()
    corrected = np.mean([(holm(row) < 0.05).any() for row in p])
    assert raw > 0.9
    assert corrected <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 4_000)
