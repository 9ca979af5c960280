"""Pure numpy statistics for inequality and distribution summaries.

Every function here is a plain function of its arguments: no Mesa, no plotting and no global
state, so the same code serves the model's data collectors, the experiment scripts and the
tests. Inputs are array-likes; scalar results come back as Python ``float``.

Conventions shared by the functions:

* Welfare and income in the model are non-negative, so the inequality measures (``gini``,
  ``theil_decomposition``, ``top_bottom_ratio``, ``sorted_inequality``) raise
  ``ValueError`` on negative or non-finite values rather than returning a misleading number.
  Callers that may produce negatives must clip first.
* Population quantiles treat person ``i`` (0-based, in ascending order) as occupying the
  population interval ``[i/n, (i+1)/n)``; a quantile boundary that falls inside that interval
  takes the matching fraction of that person's holding. Quantile shares are therefore
  differences of the piecewise-linear Lorenz curve, and adjacent shares always add up.
"""

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "gini",
    "percentile_or_nan",
    "ratio_of_means",
    "sorted_inequality",
    "sorted_inequality_of_checked",
    "theil_decomposition",
    "theil_decomposition_of_codes",
    "top_bottom_ratio",
]


def _as_1d(values: ArrayLike, name: str = "values") -> NDArray[np.float64]:
    """Convert an array-like to a 1-D float64 array (scalars become length 1)."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _as_nonnegative_1d(values: ArrayLike, name: str = "values") -> NDArray[np.float64]:
    """Convert to a 1-D float64 array and check that every entry is finite and >= 0."""
    arr = _as_1d(values, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    if np.any(arr < 0):
        raise ValueError(
            f"{name} must be non-negative (found minimum {arr.min()!r}); clip before calling"
        )
    return arr


def _as_mask(mask: ArrayLike, size: int) -> NDArray[np.bool_]:
    """Convert to a 1-D boolean mask of the given length, refusing non-boolean input."""
    arr = np.atleast_1d(np.asarray(mask))
    if arr.dtype != np.bool_:
        raise ValueError(f"mask must be boolean, got dtype {arr.dtype}")
    if arr.shape != (size,):
        raise ValueError(f"mask has shape {arr.shape}, expected ({size},) to match values")
    return arr


def _dot(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Σ x_i y_i of two 1-D float arrays, in numpy's own loop.

    Not `np.dot`: for long vectors that calls the multithreaded BLAS, whose threads keep
    spinning after each call; measures recorded every week then slowed the whole step by
    a third on a shared two-core machine.
    """
    return float(np.einsum("i,i->", x, y))


def _lorenz_holdings(sorted_values: NDArray[np.float64], points: ArrayLike) -> NDArray[np.float64]:
    """Cumulative holdings of the poorest ``p`` share of the population, for each ``p``.

    Linear interpolation of ``[0, x_(1), x_(1) + x_(2), ...]`` at population position ``p * n``,
    which gives exact credit for fractional people at the boundary.
    """
    n = sorted_values.size
    cumulative = np.concatenate(([0.0], np.cumsum(sorted_values)))
    return np.interp(np.asarray(points, dtype=np.float64) * n, np.arange(n + 1), cumulative)


def _holding(sorted_values: NDArray[np.float64], point: float) -> float:
    """`_lorenz_holdings` at one point, from a partial sum instead of the whole cumsum."""
    position = point * sorted_values.size
    whole = min(int(position), sorted_values.size)
    held = float(sorted_values[:whole].sum())
    if whole < sorted_values.size:
        held += (position - whole) * float(sorted_values[whole])
    return held


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient of a non-negative distribution, optionally weighted.

    Exact mean-absolute-difference Gini computed from the sorted values in O(n log n):

        G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ),   W = Σ_i w_i,   μ = Σ_i w_i x_i / W.

    With the values sorted ascending and C_i = Σ_{j≤i} w_j the cumulative weight this equals

        G = Σ_i w_i x_i (2 C_i − w_i − W) / (W · Σ_i w_i x_i),

    which for unit weights reduces to G = 2 Σ_i i·x_(i) / (n Σ_i x_i) − (n + 1)/n (i from 1).
    Integer weights give exactly the Gini of the sample with each value repeated w_i times.
    A one-holder population of n people has G = (n − 1)/n.

    Args:
        values: Non-negative, finite values (e.g. welfare per household).
        weights: Optional non-negative, finite weights, same length as ``values``.

    Returns:
        The Gini coefficient in [0, 1). 0.0 for empty input, zero total weight or zero total.

    Raises:
        ValueError: If values or weights are negative or non-finite, or the lengths differ.
    """
    x = _as_nonnegative_1d(values)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = _as_nonnegative_1d(weights, "weights")
        if w.shape != x.shape:
            raise ValueError(f"weights has shape {w.shape}, expected {x.shape} to match values")
    if x.size == 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_weight = float(w.sum())
    weighted = w * x
    total = float(weighted.sum())
    if total_weight <= 0.0 or total <= 0.0:
        return 0.0
    cumulative_weight = np.cumsum(w)
    numerator = float(np.dot(weighted, 2.0 * cumulative_weight - w - total_weight))
    return max(0.0, numerator / (total_weight * total))


def _factorize(groups: ArrayLike, size: int) -> NDArray[np.intp]:
    """Map group labels to integer codes 0..k-1 (first-seen order for unsortable labels)."""
    labels = np.atleast_1d(np.asarray(groups))
    if labels.shape != (size,):
        raise ValueError(f"groups has shape {labels.shape}, expected ({size},) to match values")
    if labels.dtype == np.bool_:
        # False -> 0, True -> 1 without sorting (a group absent from the labels just stays
        # empty, which callers skip).
        return labels.astype(np.intp)
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError:  # mixed label types that cannot be sorted, e.g. ints and strings
        seen: dict[object, int] = {}
        codes = np.fromiter(
            (seen.setdefault(label, len(seen)) for label in labels.tolist()),
            dtype=np.intp,
            count=size,
        )
    return np.asarray(codes, dtype=np.intp).reshape(size)


def theil_decomposition(values: ArrayLike, groups: ArrayLike) -> tuple[float, float, float]:
    """Between/within-group decomposition of the Theil T index.

        T = T_between + T_within,
        T_between = Σ_g s_g ln(μ_g / μ),
        T_within  = Σ_g s_g T_g,

    where s_g = Σ_{i∈g} x_i / Σ_i x_i is group g's share of the total, μ_g its mean, μ the
    overall mean and T_g the Theil T index within group g. Groups holding nothing have
    s_g = 0 and contribute 0 to both terms. Internally T is evaluated as
    (1/Σx) Σ_i x_i ln(x_i / μ) and T_within as (1/Σx) Σ_i x_i ln(x_i / μ_{g(i)}), which are
    algebraically the same sums.

    Args:
        values: Non-negative, finite values.
        groups: Group label for each value (ints, strings or other hashables), same length.

    Returns:
        ``(total, between, within)``; ``total`` is the Theil T index of the values and
        ``between + within`` to floating precision. All zeros for empty or all-zero input.

    Raises:
        ValueError: If any value is negative or non-finite, or the lengths differ.
    """
    x = _as_nonnegative_1d(values)
    codes = _factorize(groups, x.size)
    return theil_decomposition_of_codes(x, codes, np.bincount(codes))


def theil_decomposition_of_codes(
    x: NDArray[np.float64],
    codes: NDArray[np.integer],
    group_counts: NDArray[np.intp],
    all_positive: bool | None = None,
    group_sums: NDArray[np.float64] | None = None,
) -> tuple[float, float, float]:
    """`theil_decomposition` for values already checked and groups already coded.

    For callers that measure the same groups every week: ``x`` is a 1-D float64 array of
    finite, non-negative values, ``codes`` its group codes 0..k-1 (integers) and
    ``group_counts`` ``np.bincount(codes)``; ``all_positive`` says whether every value is
    above 0 when the caller knows it (None: checked here), and ``group_sums``
    ``np.bincount(codes, weights=x, minlength=len(group_counts))`` bit for bit when the
    caller has it (None: computed here). Same formulas and results, bit for bit, as
    `theil_decomposition`, without checking its inputs again.
    """
    total_sum = float(x.sum()) if x.size else 0.0
    if total_sum <= 0.0:
        return 0.0, 0.0, 0.0
    mean = total_sum / x.size
    if group_sums is None:
        group_sums = np.bincount(codes, weights=x, minlength=len(group_counts))
    present = group_sums > 0
    group_means = np.zeros_like(group_sums)
    group_means[present] = group_sums[present] / group_counts[present]
    between = float(np.sum(group_sums[present] * np.log(group_means[present] / mean))) / total_sum
    # One logarithm per value serves both sums: ln(x / m) = ln x − ln m, with m the overall
    # mean (total) or the value's group mean (within).
    if all_positive is None:
        all_positive = bool((x > 0).all())
    if all_positive:  # the usual case: no selection needed
        x_pos, code_pos = x, codes
    else:
        positive = x > 0
        x_pos, code_pos = x[positive], codes[positive]
    log_x = np.log(x_pos)
    log_group_mean = np.log(group_means, out=np.zeros_like(group_means), where=present)
    total = _dot(x_pos, log_x - np.log(mean)) / total_sum
    within = _dot(x_pos, log_x - log_group_mean[code_pos]) / total_sum
    return max(0.0, total), between, within


def top_bottom_ratio(values: ArrayLike, fraction: float = 0.2) -> float:
    """Mean of the richest ``fraction`` of people over the mean of the poorest ``fraction``.

        ratio = (H(1) − H(1 − f)) / H(f),

    with H the interpolated cumulative holdings of the Lorenz curve (both groups
    contain f·n people, so the ratio of sums is the ratio of means). With f = 0.2 this is the
    top-quintile / bottom-quintile ratio that NBS reports.

    Args:
        values: Non-negative, finite values.
        fraction: Population fraction f in (0, 1] at each end.

    Returns:
        The ratio (>= 1). ``inf`` if the bottom mean is 0 and the top mean positive; NaN for
        empty input or an all-zero distribution.

    Raises:
        ValueError: If ``fraction`` is not in (0, 1], or values are negative or non-finite.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    x = np.sort(_as_nonnegative_1d(values))
    if x.size == 0:
        return math.nan
    held = _lorenz_holdings(x, [fraction, 1.0 - fraction, 1.0])
    bottom = float(held[0])
    top = float(held[2] - held[1])
    if bottom <= 0.0:
        return math.inf if top > 0.0 else math.nan
    return top / bottom


def sorted_inequality(
    sorted_values: ArrayLike, fraction: float = 0.2
) -> tuple[float, float, float]:
    """Gini, bottom share and top/bottom ratio from one array already sorted ascending.

    The measures that need the values in order, from a single sort (the model records them
    every week): for ``sorted_values = np.sort(x)`` this returns

        (gini(x), share of the poorest `fraction`, top_bottom_ratio(x, fraction))

    with the same formulas, conventions and degenerate cases as those functions.

    Args:
        sorted_values: Non-negative, finite values in ascending order.
        fraction: Population fraction f in (0, 1] for the bottom share and at each end of
            the ratio.

    Returns:
        ``(gini, bottom_share, top_bottom_ratio)``; ``(0.0, nan, nan)`` for empty input or an
        all-zero distribution.

    Raises:
        ValueError: If ``fraction`` is not in (0, 1], or the values are negative, non-finite
            or not sorted ascending.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    x = _as_nonnegative_1d(sorted_values, "sorted_values")
    if np.any(x[1:] < x[:-1]):
        raise ValueError("sorted_values must be sorted ascending")
    return sorted_inequality_of_checked(x, fraction)


def sorted_inequality_of_checked(
    x: NDArray[np.float64], fraction: float
) -> tuple[float, float, float]:
    """`sorted_inequality` for a 1-D float64 array already known to be sorted ascending,
    finite and non-negative, and a fraction in (0, 1]: the same results, bit for bit,
    without checking them again (callers that sort the values themselves each week)."""
    n = x.size
    total = float(x.sum()) if n else 0.0
    if total <= 0.0:
        return 0.0, math.nan, math.nan
    # gini with unit weights: cumulative weight C_i = i, so 2 C_i - w_i - W = 2i - 1 - n.
    numerator = _dot(x, _gini_weights(n))
    gini_value = max(0.0, numerator / (n * total))
    bottom = _holding(x, fraction)
    top = total - _holding(x, 1.0 - fraction)
    share = bottom / total
    if bottom <= 0.0:
        ratio = math.inf if top > 0.0 else math.nan
    else:
        ratio = top / bottom
    return gini_value, share, ratio


@functools.lru_cache(maxsize=4)
def _gini_weights(n: int) -> NDArray[np.float64]:
    """2i - 1 - n for i = 1..n (read-only; kept for the population sizes in use)."""
    weights = np.arange(1 - n, n, 2, dtype=np.float64)
    weights.flags.writeable = False
    return weights


def ratio_of_means(values: ArrayLike, mask: ArrayLike) -> float:
    """Ratio of the masked group's mean to the rest's mean.

        ratio = mean(x[mask]) / mean(x[~mask])

    e.g. the urban/rural income ratio with ``mask = is_urban``.

    Args:
        values: Values (any sign).
        mask: Boolean array, same length as ``values``.

    Returns:
        The ratio. NaN if either group is empty or the rest's mean is 0.

    Raises:
        ValueError: If ``mask`` is not boolean or its length differs from ``values``.
    """
    x = _as_1d(values)
    m = _as_mask(mask, x.size)
    inside, outside = x[m], x[~m]
    if inside.size == 0 or outside.size == 0:
        return math.nan
    denominator = float(outside.mean())
    if denominator == 0.0:
        return math.nan
    return float(inside.mean()) / denominator


def percentile_or_nan(values: ArrayLike, q: float) -> float:
    """``np.percentile`` (linear interpolation) that returns NaN instead of failing when empty.

    Args:
        values: Values (any sign).
        q: Percentile in [0, 100].

    Returns:
        The q-th percentile, or NaN for empty input.

    Raises:
        ValueError: If ``q`` is outside [0, 100].
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be in [0, 100], got {q}")
    x = _as_1d(values)
    if x.size == 0:
        return math.nan
    return float(np.percentile(x, q))
