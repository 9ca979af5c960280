"""Live charts, the dispute funnel and the headline numbers, from a model's weekly record.

Each chart is a `ChartSpec` (which recorded series it plots, how its axis is scaled);
`series_of` turns `model.record` into arrays, `funnel_of` turns the last week into the
funnel's rows. `ChartPainter` draws a chart to PNG with matplotlib, keeping the figure
between frames and only moving the lines. Titles and legends are HTML on the page, so a
figure holds only numbers (no CJK font needed on the server).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulation.model import CoGovernanceModel


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a title key (an outcome name or a `UI` key) and the series it plots."""

    key: str
    series: tuple[str, ...]
    kind: str = "share"  # "share" (0-1, shown as %), "rate", "index", "yuan"
    min_span: float = 0.1  # the y axis spans at least this much, so noise looks small


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("resolution_rate", ("resolution_rate",), "share", 0.2),
    ChartSpec("grassroots_share", ("grassroots_share",), "share", 0.2),
    ChartSpec("escalations_per_10k", ("escalations_per_10k",), "rate", 10.0),
    ChartSpec("trust", ("trust",), "index", 0.1),
    ChartSpec("welfare_gini", ("welfare_gini",), "index", 0.05),
    ChartSpec("welfare_by_group", ("welfare_urban", "welfare_rural", "welfare_elderly",
                                   "welfare_digitally_excluded"), "yuan", 5_000.0),
)
CHART_SERIES: tuple[str, ...] = tuple(dict.fromkeys(s for c in CHARTS for s in c.series))

MIX_COLOURS = ("#0072B2", "#D55E00")  # mix A, mix B (single-series charts)
MIX_DASHES = ("-", "--")  # mix A solid, mix B dashed
GROUP_COLOURS = {  # welfare by group
    "welfare_urban": "#0072B2",
    "welfare_rural": "#009E73",
    "welfare_elderly": "#CC79A7",
    "welfare_digitally_excluded": "#E69F00",
}


def series_colour(spec: ChartSpec, series: str, mix: int) -> str:
    if len(spec.series) > 1:
        return GROUP_COLOURS.get(series, "#333333")
    return MIX_COLOURS[mix % len(MIX_COLOURS)]


def series_of(record: Sequence[Mapping[str, float]],
              names: Sequence[str] = CHART_SERIES) -> dict[str, np.ndarray]:
    """Recorded weekly values as arrays (NaN where a week lacks one), plus 'week'."""
    out = {"week": np.array([r.get("week", i) for i, r in enumerate(record)], dtype=float)}
    for name in names:
        out[name] = np.array([r.get(name, np.nan) for r in record], dtype=float)
    return out


# ------------------------------------------------------------------ funnel


FUNNEL_ENDINGS: tuple[str, ...] = (
    "resolved_l0", "resolved_l1", "resolved_l2", "resolved_l3",
    "relapsed", "abandoned", "escalated", "open",
)
QUEUES: tuple[str, ...] = ("queued_l1", "queued_l2", "queued_l3")
FUNNEL_COLOURS = {
    "resolved_l0": "#1b7837", "resolved_l1": "#5aae61", "resolved_l2": "#a6dba0",
    "resolved_l3": "#762a83", "relapsed": "#E69F00", "abandoned": "#9aa5b1",
    "escalated": "#D55E00", "open": "#d9dee3",
}


@dataclass(frozen=True)
class Funnel:
    """The dispute funnel for one week: how every dispute so far ended, and the queues.

    `rows` are (key, count) in ladder order; their counts add up to `arisen` (every
    dispute ends exactly once, or is still open).
    """

    arisen: int
    rows: tuple[tuple[str, int], ...]
    queues: tuple[int, int, int]

    def share(self, key: str) -> float:
        count = dict(self.rows)[key]
        return count / self.arisen if self.arisen else 0.0


def funnel_of(week: Mapping[str, float]) -> Funnel:
    """The funnel from one recorded week (cumulative counts and live queue lengths)."""
    rows = tuple((k, int(week.get(k, 0))) for k in FUNNEL_ENDINGS)
    return Funnel(int(week.get("arisen", 0)), rows,
                  tuple(int(week.get(q, 0)) for q in QUEUES))  # type: ignore[arg-type]


# ------------------------------------------------------------------ headline numbers


KPIS: tuple[str, ...] = ("resolution_rate", "grassroots_share", "township_share",
                         "escalations_per_10k", "trust", "welfare_gini")
KPI_KIND = {"escalations_per_10k": "rate", "trust": "index", "welfare_gini": "index"}


def format_value(value: float, kind: str) -> str:
    """A number as the room reads it: shares as %, indices to 2 decimals, yuan with commas."""
    if value is None or not np.isfinite(value):
        return "–"
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "rate":
        return f"{value:.1f}"
    if kind == "yuan":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def kpis_of(week: Mapping[str, float]) -> dict[str, float]:
    return {k: float(week.get(k, np.nan)) for k in KPIS}


# ------------------------------------------------------------------ drawing


CHART_SIZE = (4.2, 2.1)  # inches
CHART_DPI = 100


def y_limits(values: Sequence[np.ndarray], spec: ChartSpec) -> tuple[float, float]:
    """Axis range holding every finite value with 8% headroom and at least `min_span`."""
    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        lo, hi = 0.0, spec.min_span
    else:
        lo = float(min(v.min() for v in finite))
        hi = float(max(v.max() for v in finite))
    pad = 0.08 * max(hi - lo, spec.min_span)
    lo, hi = lo - pad, hi + pad
    if hi - lo < spec.min_span:
        mid = (lo + hi) / 2
        lo, hi = mid - spec.min_span / 2, mid + spec.min_span / 2
    if spec.kind in ("share", "index", "rate", "yuan"):
        lo = max(lo, 0.0)
    if spec.kind == "share":
        hi = min(hi, 1.0)
        lo = min(lo, hi - spec.min_span)
    return lo, hi


class ChartPainter:
    """Draws one `ChartSpec` for one or two mixes to PNG, keeping the figure between frames."""

    def __init__(self, spec: ChartSpec) -> None:
        self.spec = spec
        self._fig: Figure | None = None
        self._lines: dict[tuple[int, str], object] = {}
        self._n_mixes = -1

    def _build(self, n_mixes: int) -> None:
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

        fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
        ax = fig.add_axes((0.14, 0.13, 0.83, 0.82))
        ax.grid(True, color="#e3e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(labelsize=10, colors="#333333", length=3)
        ax.yaxis.set_major_locator(MaxNLocator(5))
        if self.spec.kind == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        elif self.spec.kind == "yuan":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        self._lines = {}
        for mix in range(n_mixes):
            for name in self.spec.series:
                (line,) = ax.plot([], [], color=series_colour(self.spec, name, mix),
                                  linestyle=MIX_DASHES[mix % 2], linewidth=2.2)
                self._lines[(mix, name)] = line
        self._fig, self._ax, self._n_mixes = fig, ax, n_mixes

    def render(self, mixes: Sequence[Mapping[str, np.ndarray]], total_weeks: int) -> bytes:
        """PNG of the chart; `mixes` holds each mix's `series_of` arrays."""
        if self._fig is None or self._n_mixes != len(mixes):
            self._build(len(mixes))
        shown = []
        for mix, data in enumerate(mixes):
            for name in self.spec.series:
                values = data.get(name, np.array([]))
                self._lines[(mix, name)].set_data(data.get("week", np.arange(len(values))),
                                                  values)
                shown.append(values)
        self._ax.set_xlim(0, max(total_weeks, 1))
        self._ax.set_ylim(*y_limits(shown, self.spec))
        buf = io.BytesIO()
        assert self._fig is not None
        self._fig.savefig(buf, format="png", dpi=CHART_DPI, pil_kwargs={"compress_level": 1})
        return buf.getvalue()


def chart_frame(model: CoGovernanceModel) -> dict[str, np.ndarray]:
    """The arrays every chart needs from one model."""
    return series_of(model.record)
