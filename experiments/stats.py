"""Summary statistics over replications: means with 95% confidence intervals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

# The outcomes a reader looks at first, over time (compare's charts).
KEY_SERIES = (
    "resolution_rate",
    "grassroots_share",
    "escalations_per_10k",
    "trust",
    "welfare_gini",
    "digital_gap",
    "volunteer_share",
    "spending_per_resident",
)


def holm(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979, Scand. J. Statist. 6: 65-70): the
    family of m tests keeps its chance of any false "clear" finding at or below α when
    each is called clear only if its adjusted p is below α. The i-th smallest p (from 0)
    becomes max over j <= i of min(1, (m - j) p_(j)). NaN p-values are left NaN and not
    counted in m."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = len(finite)
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def mean_ci(values: np.ndarray | list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the two ends of its Student-t confidence interval.

    Args:
        values: one outcome over replications; NaNs are dropped.
        level: the interval's coverage.

    Returns:
        (mean, low, high); with fewer than two finite values the interval is (nan, nan),
        with none the mean is nan too.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def t_test_p(values: np.ndarray | list[float]) -> float:
    """Two-sided p-value of the one-sample Student-t test that the mean is 0; on paired
    differences, the paired t-test. Where the values spread, it agrees with `mean_ci`: p <
    0.05 exactly when the 95% interval excludes 0.

    NaNs are dropped. With fewer than two finite values there is no test (nan). With no
    spread there is no t statistic: every value the same nonzero number (every seed moved
    alike, common with outcomes of few distinct values such as whole weeks) gives the
    exact two-sided sign test's p = 2 / 2^n, the chance that n seeds all move the same
    way when neither way is favoured, so two or three seeds never make a finding; every
    value 0 (the runs did not differ at all) gives p = 1. Values whose spread is too
    small to compute (a standard error of 0) count as no spread.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return math.nan
    se = float(x.std(ddof=1)) / math.sqrt(n)
    # tested as equality: the computed sd of equal values can be 1e-17, not 0
    if np.all(x == x[0]) or se == 0.0:
        if np.all(x == 0):
            return 1.0
        if np.all(x > 0) or np.all(x < 0):
            return min(1.0, 2.0 * 0.5 ** n)
        return 1.0
    return float(2 * stats.t.sf(abs(float(x.mean())) / se, n - 1))


def summarise(runs: pd.DataFrame, by: str, outcomes: list[str]) -> pd.DataFrame:
    """Each group's outcomes over its runs.

    Args:
        runs: one row per run.
        by: the column naming each run's group (the scenario).
        outcomes: the columns to summarise.

    Returns:
        A long table: one row per (group, outcome) with n (finite values), mean, sd,
        ci_low and ci_high (95% Student-t).
    """
    rows = []
    for key, group in runs.groupby(by, sort=False):
        for name in outcomes:
            values = group[name].to_numpy(dtype=float)
            m, lo, hi = mean_ci(values)
            finite = values[np.isfinite(values)]
            rows.append({
                by: key, "outcome": name, "n": len(finite), "mean": m,
                "sd": float(finite.std(ddof=1)) if len(finite) > 1 else math.nan,
                "ci_low": lo, "ci_high": hi,
            })
    return pd.DataFrame(rows)


def band(series: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """Mean and 95% interval of one column across runs' weekly records, week by week."""
    stacked = np.vstack([s[column].to_numpy(dtype=float) for s in series])
    n = np.isfinite(stacked).sum(axis=0)
    # Early weeks can have no resolved dispute yet (NaN rates): their band is empty.
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(stacked, axis=0)
        sd = np.nanstd(stacked, axis=0, ddof=1) if stacked.shape[0] > 1 else np.full_like(
            mean, np.nan)
        t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
        half = t * sd / np.sqrt(np.maximum(n, 1))
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half},
                        index=series[0].index)


def paired_differences(runs: pd.DataFrame, by: str, reference: str, outcomes: list[str],
                       pair_on: str = "seed") -> pd.DataFrame:
    """Each group's difference from `reference`, paired by seed (common random numbers).

    Runs with the same seed share the same residents, network and initial draws, so the
    paired difference has a much narrower interval than the difference of two means.

    Args:
        runs: one row per run.
        by: the column naming each run's group.
        reference: the group the others are compared with.
        outcomes: the columns compared.
        pair_on: the column pairing runs (seeds present in both groups only).

    Returns:
        One row per (group, outcome): n, the mean difference, its 95% interval and the
        paired t-test's two-sided p-value (`t_test_p`: below 0.05 exactly when the
        interval excludes 0).
    """
    ref = runs[runs[by] == reference].set_index(pair_on)
    rows = []
    for key, group in runs.groupby(by, sort=False, observed=True):
        if key == reference:
            continue
        g = group.set_index(pair_on)
        common = g.index.intersection(ref.index)
        for name in outcomes:
            diff = (g.loc[common, name] - ref.loc[common, name]).to_numpy(dtype=float)
            m, lo, hi = mean_ci(diff)
            rows.append({by: key, "outcome": name, "n": int(np.isfinite(diff).sum()),
                         "difference": m, "ci_low": lo, "ci_high": hi,
                         "p_value": t_test_p(diff)})
    # The columns are named even with no other group, so an empty table has its header.
    return pd.DataFrame(rows, columns=[by, "outcome", "n", "difference", "ci_low", "ci_high",
                                       "p_value"])
