"""Week-by-week series for the charts and headline numbers, from a model's weekly record.

Which outcomes can be charted, and how, is derived from `simulation.metrics`, so an
outcome added there appears on the page without a change here:

- an outcome the model derives from cumulative dispute counts (every result of
  `metrics.resolution_shares`) is shown over a moving year: at week w it is computed by that
  same function from the counts of weeks w − 52 to w (from week 0 while the run is younger
  than a year: the weeks so far). A cumulative rate would saw-tooth early and then barely
  move after a reform or a shock. A share of disputes is shown from week `MIN_WEEKS`; a
  rate a year (petitions, disputes per residents a year) only from week `RATE_MIN_WEEKS`:
  it scales the weeks so far up to a year, so from 8 weeks one petition more in a county
  of 10,000 would lift it by 6.5 per 10,000 (52/8), a sixth of the default county's level,
  and the chart would jump with every petition of the first weeks;
- every other outcome recorded weekly (`metrics.STEP_METRICS`: trust, welfare, …) is the
  week's own value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from simulation import metrics
from simulation.metrics import COUNT_NAMES

WINDOW_WEEKS = 52
MIN_WEEKS = 8  # a moving-year share from fewer weeks than this is not shown
# A rate a year from fewer weeks than this is not shown (half a year): from 26 weeks on,
# one petition moves the rate of a county of 10,000 by at most 2 per 10,000 a year (52/26),
# about a twentieth of the default county's 37 escalations per 10,000 a year (measured
# over weeks 100-104 of 4 seeds of `default`, the page's own county). Assumed, a display
# choice: a trainer sees no rate rather than a noisy one.
RATE_MIN_WEEKS = 26
# The counts `resolution_shares` may read, as recorded every week.
COUNTS: tuple[str, ...] = tuple(c for c in COUNT_NAMES if c not in ("residents", "weeks"))
GROUP_SERIES: tuple[str, ...] = ("welfare_urban", "welfare_rural", "welfare_elderly",
                                 "welfare_digitally_excluded")


@cache
def windowed_outcomes() -> tuple[str, ...]:
    """Outcomes computed from dispute counts, hence shown over a moving year."""
    probe = metrics.resolution_shares(dict.fromkeys(COUNTS, 1), 1, 1)
    return tuple(o.name for o in metrics.OUTCOMES if o.name in probe)


@cache
def per_year_outcomes() -> tuple[str, ...]:
    """Windowed outcomes that are rates a year (their unit is "... per year"): shown from
    week `RATE_MIN_WEEKS`."""
    units = {o.name: o.unit for o in metrics.OUTCOMES}
    return tuple(n for n in windowed_outcomes() if units[n].endswith("per year"))


def first_week_shown(name: str) -> int:
    """The first week a windowed outcome has a value on the page."""
    return RATE_MIN_WEEKS if name in per_year_outcomes() else MIN_WEEKS


@cache
def chartable_outcomes() -> tuple[str, ...]:
    """Every outcome that has a weekly value, in the order of `OUTCOMES`."""
    windowed = set(windowed_outcomes())
    return tuple(o.name for o in metrics.OUTCOMES
                 if o.name in windowed or o.name in metrics.STEP_METRICS)


def moving_year(record: Sequence[Mapping[str, float]], residents: int,
                start: int = 0) -> dict[str, list[float]]:
    """The windowed outcomes for weeks `start` … end of `record` (NaN before
    `first_week_shown`: MIN_WEEKS for shares, RATE_MIN_WEEKS for rates a year)."""
    names = windowed_outcomes()
    first = {n: first_week_shown(n) for n in names}
    out: dict[str, list[float]] = {n: [] for n in names}
    for w in range(start, len(record)):
        lo = max(0, w - WINDOW_WEEKS)
        weeks = w - lo
        if weeks < MIN_WEEKS:
            for n in names:
                out[n].append(float("nan"))
            continue
        now, then = record[w], record[lo]
        counts = {c: int(now.get(c, 0)) - int(then.get(c, 0)) for c in COUNTS}
        values = metrics.resolution_shares(counts, residents, weeks)
        for n in names:
            out[n].append(float(values[n]) if weeks >= first[n] else float("nan"))
    return out


class SeriesBook:
    """A model's chart series, extended as its record grows (the record only grows).
    `read` gives the record as it is now (the model's `record` is a view of its weeks so
    far, so it is read again each time)."""

    def __init__(self, read: Callable[[], Sequence[Mapping[str, float]]],
                 residents: int) -> None:
        self.read = read
        self.residents = residents
        self._columns: dict[str, list[float]] = {}
        self._length = 0

    def series(self) -> dict[str, np.ndarray]:
        """Every chartable outcome, the welfare of each group and 'week', as arrays."""
        record = self.read()
        n = len(record)
        if n != self._length:
            new = record[self._length:]
            windowed = moving_year(record, self.residents, self._length)
            recorded = [s for s in (*chartable_outcomes(), *GROUP_SERIES, *COUNTS)
                        if s not in windowed]
            cols = self._columns
            cols.setdefault("week", []).extend(float(r.get("week", np.nan)) for r in new)
            for name in recorded:
                cols.setdefault(name, []).extend(float(r.get(name, np.nan)) for r in new)
            for name, values in windowed.items():
                cols.setdefault(name, []).extend(values)
            self._length = n
            self._arrays = {k: np.asarray(v, dtype=float) for k, v in cols.items()}
        return self._arrays

    def last(self) -> dict[str, float]:
        """This week's value of every series."""
        return {k: float(v[-1]) if len(v) else float("nan") for k, v in self.series().items()}


@dataclass(frozen=True)
class Surge:
    """A surge of petitions: `count` petitions in the `weeks` weeks ending at `week`."""

    week: int
    count: int


SURGE_WEEKS = 4
SURGE_MIN = 4  # a surge holds at least this many petitions in its 4 weeks...
# ...and more than chance allows: if petitions kept arriving at the rate seen so far, a
# count this high in 4 weeks would come less than once in 1,000 windows (Poisson tail). A
# run of 260 weeks tests about 240 overlapping windows, so a county whose petitions arrive
# at a steady rate shows a false surge in well under one run in four; a rule of "twice the
# average" flagged 11-20 surges in each 5-year run of `default` by chance alone.
SURGE_CHANCE = 0.001
SURGE_HISTORY = 26  # weeks of history the rate so far needs (petitions build up at first)


def poisson_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean): the chance of at least k events by luck alone."""
    if k <= 0:
        return 1.0
    term = total = math.exp(-mean)  # P(X = 0)
    for i in range(1, k):
        term *= mean / i
        total += term
    return max(0.0, 1.0 - total)


def petition_surges(weeks: np.ndarray, escalated: np.ndarray) -> list[Surge]:
    """Weeks where petitions (cumulative `escalated`) surged: the 4 weeks up to the week
    held at least `SURGE_MIN` petitions, a count that petitions arriving at the run's rate
    before those weeks (at least 26 weeks of it) would reach with a chance below
    `SURGE_CHANCE`. One mark per surge: the week it was first seen."""
    out: list[Surge] = []
    inside = False
    for i in range(len(escalated)):
        if i < SURGE_HISTORY + SURGE_WEEKS:
            continue
        recent = int(escalated[i] - escalated[i - SURGE_WEEKS])
        expected = escalated[i - SURGE_WEEKS] / max(weeks[i - SURGE_WEEKS], 1) * SURGE_WEEKS
        surge = recent >= SURGE_MIN and poisson_tail(recent, expected) < SURGE_CHANCE
        if surge and not inside:
            out.append(Surge(int(weeks[i]), recent))
        inside = bool(surge)
    return out
