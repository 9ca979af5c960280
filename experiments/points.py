"""The points of an experiment's design, each computed when asked for.

A design may have millions of points while a sweep needs one at a time, so no design
holds a list of its points. A full factorial or one-at-a-time design computes point i
from the factors' levels (a mixed-radix count); a Latin hypercube holds its sample
matrix (one float per point and factor) and a Sobol design the base sequence it is
built from. How many points a design has is known, by arithmetic, before any of this is
built: `count` checks it against the limits first.

The values are exactly those of the straightforward construction: `numpy.linspace` for
a range's levels, `itertools.product` order for a full factorial, and SALib's
`latin.sample` and `sobol.sample(calc_second_order=False, scramble=True)` for the sampled
designs (tests compare them value for value).
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Factor:
    """One thing a sweep varies: one or several parameters sharing a value, or the scenario.

    kind is "number", "integer" (whole-number parameters: values are rounded), "choice"
    (a parameter with named choices) or "scenario" (levels are scenario names).
    Exactly one of (low, high) or levels is given.
    """

    name: str
    parameters: tuple[str, ...]
    kind: str
    low: float | None = None
    high: float | None = None
    levels: tuple[Any, ...] | None = None
    points: int | None = None  # levels taken from a range by full_factorial / one_at_a_time

    @property
    def categorical(self) -> bool:
        return self.kind in ("choice", "scenario")

    @property
    def n_levels(self) -> int:
        """How many values a full factorial or one-at-a-time design takes (no allocation)."""
        return len(self.levels) if self.levels is not None else (self.points or 2)

    def level(self, k: int) -> Any:
        """The k-th of those values: a listed level, or numpy.linspace(low, high, points)[k]
        computed alone (the same float: k * step + low, the last exactly high)."""
        if self.levels is not None:
            return self.levels[k]
        assert self.low is not None and self.high is not None
        n = self.n_levels
        if not 0 <= k < n:
            raise IndexError(k)
        if k == n - 1:
            return self.cast(self.high)
        step = (self.high - self.low) / (n - 1)
        x = float(k) * step + self.low if step != 0 else k / (n - 1) * (self.high - self.low) \
            + self.low
        return self.cast(x)

    def levels_at(self, k: np.ndarray) -> np.ndarray:
        """`level(k)` for an array of indices (the same values, as one column)."""
        if self.levels is not None:
            return self._column(self.levels)[k]
        assert self.low is not None and self.high is not None
        n = self.n_levels
        step = (self.high - self.low) / (n - 1)
        x = k.astype(np.float64) * step + self.low
        x[k == n - 1] = self.high
        return self._cast_column(x)

    def from_samples(self, x: np.ndarray) -> np.ndarray:
        """`from_sample` for a column of samples."""
        if self.levels is not None:
            index = np.minimum(np.floor(x).astype(np.int64), len(self.levels) - 1)
            return self._column(self.levels)[index]
        return self._cast_column(x)

    def _cast_column(self, x: np.ndarray) -> np.ndarray:
        # np.round, like round(), rounds halves to even
        return np.round(x).astype(np.int64) if self.kind == "integer" else x

    def _column(self, values: Sequence[Any]) -> np.ndarray:
        dtype = {"number": np.float64, "integer": np.int64}.get(self.kind, object)
        return np.array(values, dtype=dtype)

    def grid(self) -> Sequence[Any]:
        """All the values of `level`, as a sequence computed on demand."""
        return _Levels(self)

    def cast(self, x: float) -> Any:
        if self.kind == "integer":
            return round(float(x))
        return float(x)

    def salib_bounds(self) -> list[float]:
        """[low, high]; a factor with levels is sampled as an index in [0, number of levels)."""
        if self.levels is not None:
            return [0.0, float(len(self.levels))]
        return [float(self.low), float(self.high)]  # type: ignore[arg-type]

    def from_sample(self, x: float) -> Any:
        if self.levels is not None:
            return self.levels[min(math.floor(x), len(self.levels) - 1)]
        return self.cast(x)

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


class _Levels(Sequence):
    def __init__(self, factor: Factor):
        self.factor = factor

    def __len__(self) -> int:
        return self.factor.n_levels

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self.factor.level(i) for i in range(*k.indices(len(self)))]
        return self.factor.level(k + len(self) if k < 0 else k)


# ------------------------------------------------------------------ counting


def count(design: str, factors: tuple[Factor, ...], samples: int | None) -> int:
    """The number of design points, by arithmetic alone (nothing is built).

    For one_at_a_time this is an upper bound: levels equal to the base value are dropped
    when the design is built."""
    if design == "full_factorial":
        return math.prod(f.n_levels for f in factors)
    if design == "one_at_a_time":
        return 1 + sum(f.n_levels for f in factors)
    if design == "sobol":  # Saltelli without second order: A, one AB per factor, B
        return (samples or 0) * (len(factors) + 2)
    if design == "morris":  # one trajectory: a start and one step per factor
        return (samples or 0) * (len(factors) + 1)
    return samples or 0  # latin_hypercube


def stored_values(design: str, factors: tuple[Factor, ...], samples: int | None) -> int:
    """How many floats a design holds in memory (sampled designs only), by arithmetic."""
    if design == "sobol":
        return (samples or 0) * 2 * len(factors)  # the base sequence
    if design == "latin_hypercube":
        return (samples or 0) * len(factors)  # the sample matrix
    if design == "morris":
        return (samples or 0) * (len(factors) + 1) * len(factors)
    return 0


# ------------------------------------------------------------------ designs


class Design(Sequence):
    """Design points (factor name -> value), computed one at a time."""

    def __init__(self, factors: tuple[Factor, ...]):
        self.factors = factors
        self.names = tuple(f.name for f in factors)

    def __len__(self) -> int:
        raise NotImplementedError

    def point(self, i: int) -> dict[str, Any]:
        raise NotImplementedError

    def varied(self, i: int) -> str | None:
        """one_at_a_time: the factor point i moves away from the base; else None."""
        return None

    def digest(self) -> str | None:
        """A fingerprint of what the points are computed from beyond the factors' own
        description (a sampled design's numbers); None where the factors decide all."""
        return None

    def columns(self, start: int, stop: int) -> dict[str, Any]:
        """Points start..stop-1 as one column per factor (for the store's points table)."""
        rows = [self.point(i) for i in range(start, stop)]
        return {name: [r[name] for r in rows] for name in self.names}

    def __getitem__(self, i):  # type: ignore[override]
        n = len(self)
        if isinstance(i, slice):
            return [self.point(j) for j in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self.point(i)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self.point(i)


class FactorialDesign(Design):
    """Every combination of the factors' levels, the last factor changing fastest."""

    def __init__(self, factors: tuple[Factor, ...]):
        super().__init__(factors)
        self.sizes = tuple(f.n_levels for f in factors)
        self.size = math.prod(self.sizes)

    def __len__(self) -> int:
        return self.size

    def point(self, i: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for f, size in zip(reversed(self.factors), reversed(self.sizes), strict=True):
            i, k = divmod(i, size)
            values[f.name] = f.level(k)
        return {name: values[name] for name in self.names}

    def columns(self, start: int, stop: int) -> dict[str, Any]:
        index = np.arange(start, stop, dtype=np.int64)
        values: dict[str, Any] = {}
        for f, size in zip(reversed(self.factors), reversed(self.sizes), strict=True):
            index, k = np.divmod(index, size)
            values[f.name] = f.levels_at(k)
        return {name: values[name] for name in self.names}


class OneAtATimeDesign(Design):
    """The base point, then each factor through its levels with the others at the base;
    a level equal to the base value is not repeated."""

    def __init__(self, factors: tuple[Factor, ...], base: dict[str, Any]):
        super().__init__(factors)
        self.base = base
        self.kept: list[tuple[Factor, Sequence[int] | tuple[int, int]]] = []
        for f in factors:
            b = base[f.name]
            if f.levels is not None:  # a listed handful: keep the indices
                self.kept.append((f, [k for k, v in enumerate(f.levels) if v != b]))
            else:  # a range's levels never decrease: the base's copies are one run of them
                grid = f.grid()
                lo, hi = bisect.bisect_left(grid, b), bisect.bisect_right(grid, b)
                self.kept.append((f, (lo, hi)))
        self.ends: list[int] = []  # cumulative point counts after the base
        total = 1
        for f, kept in self.kept:
            total += len(kept) if isinstance(kept, list) else f.n_levels - (kept[1] - kept[0])
            self.ends.append(total)
        self.size = total

    def __len__(self) -> int:
        return self.size

    def _locate(self, i: int) -> tuple[Factor | None, int]:
        if i == 0:
            return None, 0
        seg = bisect.bisect_right(self.ends, i)
        start = self.ends[seg - 1] if seg else 1
        f, kept = self.kept[seg]
        j = i - start
        if isinstance(kept, list):
            return f, kept[j]
        lo, hi = kept
        return f, (j if j < lo else j + (hi - lo))

    def point(self, i: int) -> dict[str, Any]:
        f, k = self._locate(i)
        values = dict(self.base)
        if f is not None:
            values[f.name] = f.level(k)
        return values

    def varied(self, i: int) -> str | None:
        return self._locate(i)[0].name if i else None  # type: ignore[union-attr]


class SampledDesign(Design):
    """Rows of a sample matrix in [low, high) per factor (levels: an index), held as one
    float64 array."""

    def __init__(self, factors: tuple[Factor, ...], matrix: np.ndarray):
        super().__init__(factors)
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.matrix)

    def point(self, i: int) -> dict[str, Any]:
        row = self.matrix[i]
        return {f.name: f.from_sample(x) for f, x in zip(self.factors, row, strict=True)}

    def columns(self, start: int, stop: int) -> dict[str, Any]:
        return {f.name: f.from_samples(self.matrix[start:stop, j])
                for j, f in enumerate(self.factors)}

    def digest(self) -> str:
        return hashlib.sha256(np.ascontiguousarray(self.matrix).tobytes()).hexdigest()[:16]


class SobolDesign(Design):
    """Saltelli's scheme without second-order terms, row by row from the Sobol base
    sequence (N x 2D): for each sample, A, then A with column j taken from B for each
    factor j, then B; scaled to the factors' bounds."""

    def __init__(self, factors: tuple[Factor, ...], base: np.ndarray):
        super().__init__(factors)
        self.base = base
        self.d = len(factors)
        self.bounds = [f.salib_bounds() for f in factors]

    def __len__(self) -> int:
        return len(self.base) * (self.d + 2)

    def row(self, i: int) -> list[float]:
        s, j = divmod(i, self.d + 2)
        a, b = self.base[s, :self.d], self.base[s, self.d:]
        if j == 0:
            unit = list(a)
        elif j == self.d + 1:
            unit = list(b)
        else:
            unit = list(a)
            unit[j - 1] = b[j - 1]
        # SALib scales as sample * (upper - lower) + lower, in float64
        return [u * (hi - lo) + lo for u, (lo, hi) in zip(unit, self.bounds, strict=True)]

    def point(self, i: int) -> dict[str, Any]:
        return {f.name: f.from_sample(x)
                for f, x in zip(self.factors, self.row(i), strict=True)}

    def columns(self, start: int, stop: int) -> dict[str, Any]:
        d = self.d
        sample, j = np.divmod(np.arange(start, stop, dtype=np.int64), d + 2)
        unit = self.base[sample, :d].copy()  # A
        b_rows = j == d + 1
        unit[b_rows] = self.base[sample[b_rows], d:]  # B
        for col in range(d):  # A with column col from B
            mixed = j == col + 1
            unit[mixed, col] = self.base[sample[mixed], d + col]
        out = {}
        for col, (f, (lo, hi)) in enumerate(zip(self.factors, self.bounds, strict=True)):
            out[f.name] = f.from_samples(unit[:, col] * (hi - lo) + lo)
        return out

    def digest(self) -> str:
        return hashlib.sha256(np.ascontiguousarray(self.base).tobytes()).hexdigest()[:16]


# ------------------------------------------------------------------ sampling


def latin_hypercube(factors: tuple[Factor, ...], samples: int, seed: int) -> SampledDesign:
    """SALib's `latin.sample(problem, samples, seed=seed)`, vectorised (SALib draws each
    sample's row in a Python loop: minutes for millions of samples). The same stream: one
    uniform per sample and factor in row order, then a shuffle of each factor's column."""
    rng = np.random.default_rng(seed)
    n, d = samples, len(factors)
    width = 1.0 / n
    low = np.arange(n, dtype=np.float64) * width
    high = (np.arange(n, dtype=np.float64) + 1) * width
    matrix = rng.random((n, d))  # what rng.uniform(low, high, size=d) draws, row by row
    matrix *= (high - low)[:, None]
    matrix += low[:, None]
    for j in range(d):
        column = matrix[:, j].copy()
        rng.shuffle(column)
        matrix[:, j] = column
    bounds = np.array([f.salib_bounds() for f in factors])
    matrix *= bounds[:, 1] - bounds[:, 0]
    matrix += bounds[:, 0]
    return SampledDesign(factors, matrix)


def sobol(factors: tuple[Factor, ...], samples: int, seed: int) -> SobolDesign:
    """SALib's `sobol.sample(problem, samples, calc_second_order=False, scramble=True,
    seed=seed)`: the same scrambled Sobol base sequence, its rows built when asked for."""
    import warnings

    from scipy.stats import qmc

    qrng = qmc.Sobol(d=2 * len(factors), scramble=True, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the power-of-2 advice is ours to give
        base = qrng.random(samples)
    return SobolDesign(factors, base)


# Grid levels of a Morris design (SALib's default): each factor takes 4 values.
MORRIS_LEVELS = 4


def morris_matrix(factors: tuple[Factor, ...], samples: int, seed: int) -> np.ndarray:
    """SALib's `morris.sample(problem, samples, num_levels=4, seed=seed)`: `samples`
    trajectories of (factors + 1) points each, one factor moving at a time, scaled to the
    factors' bounds."""
    from SALib.sample import morris

    problem = {"num_vars": len(factors), "names": [f.name for f in factors],
               "bounds": [f.salib_bounds() for f in factors]}
    return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


def morris_design(factors: tuple[Factor, ...], samples: int, seed: int) -> SampledDesign:
    """Morris elementary-effects design (see `morris_matrix`), row by row."""
    return SampledDesign(factors, morris_matrix(factors, samples, seed))
