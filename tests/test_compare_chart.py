"""The compare chart: many scenarios stay apart, bands stay within what an outcome can be,
and axis titles say per what."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

from experiments.plots import KEY_SERIES, natural_bounds, timeseries_figure

WEEKS = 30


def fake_runs(seed: int) -> list[pd.DataFrame]:
    """Two runs whose spread makes a naive 95% band cross 0 and 1."""
    rng = np.random.default_rng(seed)
    runs = []
    for level in (0.2, 1.0):
        frame = pd.DataFrame(index=pd.RangeIndex(WEEKS + 1, name="week"))
        for column in KEY_SERIES:
            lo, hi = natural_bounds(column)
            top = 1.0 if hi is not None else 50.0
            frame[column] = np.clip(top * level + rng.normal(0, 0.01, WEEKS + 1), lo, hi)
        runs.append(frame)
    return runs


def test_sixteen_scenarios_get_sixteen_distinct_lines() -> None:
    series = {f"scenario_{i}": fake_runs(i) for i in range(16)}
    fig = timeseries_figure(series)
    try:
        lines = fig.axes[0].get_lines()
        assert len(lines) == 16
        looks = [(tuple(np.round(plt.matplotlib.colors.to_rgb(ln.get_color()), 3)),
                  ln.get_linestyle()) for ln in lines]
        assert len(set(looks)) == 16
        # Ten clearly different hues (no light and dark shades of one), then line styles.
        assert len({colour for colour, _ in looks}) == 10
    finally:
        plt.close(fig)


def test_bands_stay_within_the_outcomes_natural_bounds() -> None:
    fig = timeseries_figure({"a": fake_runs(1), "b": fake_runs(2)})
    try:
        checked = 0
        for ax, column in zip(fig.axes, KEY_SERIES, strict=False):
            low, high = natural_bounds(column)
            for band in (c for c in ax.collections if isinstance(c, PolyCollection)):
                y = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
                if low is not None:
                    assert y.min() >= low - 1e-12, column
                if high is not None:
                    assert y.max() <= high + 1e-12, column
                checked += 1
        assert checked == 2 * len(KEY_SERIES)
    finally:
        plt.close(fig)


def test_bounds_by_kind_of_outcome() -> None:
    assert natural_bounds("resolution_rate") == (0.0, 1.0)
    assert natural_bounds("trust") == (0.0, 1.0)
    assert natural_bounds("escalations_per_10k") == (0.0, None)
    assert natural_bounds("spending_per_resident") == (0.0, None)
    assert natural_bounds("digital_gap") == (None, 1.0)  # negative when the group is better off


def test_spending_is_labelled_per_resident() -> None:
    fig = timeseries_figure({"a": fake_runs(1)})
    try:
        title = fig.axes[KEY_SERIES.index("spending_per_resident")].get_title()
        assert "per resident" in title, title
    finally:
        plt.close(fig)
