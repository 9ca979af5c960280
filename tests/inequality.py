"""Reference implementations the model does not use, kept as oracles for its measures.

`simulation.metrics_core` computes the measures the model records in the forms it needs
(one sort for several measures, a decomposition that gives the total too); these are the
plain textbook forms, against which the tests check them.
"""

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulation.metrics_core import _as_nonnegative_1d, _lorenz_holdings, ratio_of_means


def _positive(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The positive entries of a non-negative array (the array itself when all are)."""
    positive = x > 0
    return x if positive.all() else x[positive]


def theil(values: ArrayLike) -> float:
    """Theil T index (GE(1)) of a non-negative distribution.

        T = (1/n) Σ_i (x_i/μ) ln(x_i/μ),   μ = (1/n) Σ_i x_i,   with 0·ln 0 = 0.

    T is 0 for perfect equality and ln(n) when one of n people holds everything.

    Args:
        values: Non-negative, finite values.

    Returns:
        The Theil T index in [0, ln n]. 0.0 for empty input or an all-zero distribution.

    Raises:
        ValueError: If any value is negative or non-finite.
    """
    x = _as_nonnegative_1d(values)
    if x.size == 0:
        return 0.0
    mean = float(x.mean())
    if mean <= 0.0:
        return 0.0
    positive = _positive(x)
    ratio = positive / mean
    return max(0.0, float(np.sum(ratio * np.log(ratio))) / x.size)


def quantile_share(values: ArrayLike, lower: float, upper: float) -> float:
    """Share of the total held by the population between two quantiles.

    With the values sorted ascending, let H(p) be the holdings of the poorest share p of the
    population, interpolated linearly between whole people (the Lorenz curve times the total):

        share(lower, upper) = (H(upper) − H(lower)) / H(1).

    Person i (0-based) occupies [i/n, (i+1)/n), so a boundary inside that interval credits the
    matching fraction of x_(i). Shares over adjacent intervals add up exactly, so the five
    quintile shares of any distribution sum to 1 whatever n is.

    Args:
        values: Non-negative, finite values.
        lower: Lower population quantile in [0, 1], e.g. 0.0 for the bottom.
        upper: Upper population quantile in [lower, 1], e.g. 0.2 for the bottom 20%.

    Returns:
        The share in [0, 1]. NaN for empty input or a zero total (no share is defined).

    Raises:
        ValueError: If the bounds are outside 0 <= lower <= upper <= 1, or values are negative
            or non-finite.
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ValueError(f"need 0 <= lower <= upper <= 1, got lower={lower}, upper={upper}")
    x = np.sort(_as_nonnegative_1d(values))
    if x.size == 0:
        return math.nan
    held = _lorenz_holdings(x, [lower, upper, 1.0])
    if held[2] <= 0.0:
        return math.nan
    return float((held[1] - held[0]) / held[2])


def mean_gap(values: ArrayLike, mask: ArrayLike) -> float:
    """Relative shortfall of the masked group's mean behind the rest's mean.

        gap = 1 − mean(x[mask]) / mean(x[~mask])

    e.g. with ``mask = digitally_excluded``, 0.25 means the excluded group's mean is 25% below
    everyone else's; a negative gap means the masked group is ahead.

    Args:
        values: Values (any sign).
        mask: Boolean array, same length as ``values``.

    Returns:
        The gap. NaN if either group is empty or the rest's mean is 0.

    Raises:
        ValueError: If ``mask`` is not boolean or its length differs from ``values``.
    """
    return 1.0 - ratio_of_means(values, mask)


def gini_from_lognormal(sigma: float) -> float:
    """Analytical Gini coefficient of a lognormal distribution with log-scale ``sigma``.

        G = 2 Φ(σ/√2) − 1 = erf(σ/2),

    where Φ is the standard normal CDF, Φ(z) = (1 + erf(z/√2)) / 2. It does not depend on
    the location parameter μ.

    Args:
        sigma: Standard deviation of log income, >= 0.

    Returns:
        The Gini coefficient in [0, 1).

    Raises:
        ValueError: If ``sigma`` is negative or not finite.
    """
    if not (math.isfinite(sigma) and sigma >= 0.0):
        raise ValueError(f"sigma must be finite and non-negative, got {sigma}")
    return math.erf(sigma / 2.0)
