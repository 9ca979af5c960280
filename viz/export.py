"""The run's weekly series as CSV, for a spreadsheet.

One row per mix and week: the mix, its scenario, the seed and county size, then every
quantity the model records weekly (`simulation.metrics.STEP_METRICS`, cumulative where the
model's record is) and each outcome the page shows over a moving year (`viz.series`),
named `<outcome>_past_52_weeks`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from simulation.metrics import STEP_METRICS
from viz.series import WINDOW_WEEKS, windowed_outcomes


def series_csv(mixes: Sequence[tuple[str, str, int, int, list[dict], dict[str, np.ndarray]]]
               ) -> bytes:
    """CSV of (mix name, scenario label, seed, residents, record, series) per mix."""
    windowed = windowed_outcomes()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["mix", "scenario", "seed", "residents", "week", *STEP_METRICS,
                     *(f"{n}_past_{WINDOW_WEEKS}_weeks" for n in windowed)])
    for name, label, seed, residents, record, series in mixes:
        for i, week in enumerate(record):
            moving = [series[n][i] if i < len(series[n]) else np.nan for n in windowed]
            writer.writerow([name, label, seed, residents, int(week.get("week", i)),
                             *(_cell(week.get(k)) for k in STEP_METRICS),
                             *(_cell(v) for v in moving)])
    return out.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    value = float(value)
    if not np.isfinite(value):
        return ""
    return f"{value:.10g}"
