"""Charts for the command line's outputs (PNG files); the model core never imports this."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import pandas as pd

from experiments.stats import KEY_SERIES, band
from simulation.metrics import OUTCOMES

# Chart titles in plain ASCII: matplotlib's default font has no Chinese glyphs.
_LABELS = {o.name: (o.meaning.split(" (")[0], o.unit) for o in OUTCOMES}
_LABELS |= {"volunteer_share": ("Active volunteers", "share"),
            "trust": ("Mean trust in institutions", "0-1"),
            "grassroots_share": ("Share of resolved disputes settled at L0-L1", "share"),
            "spending_per_resident": ("Governance spending (levers + cases)",
                                      "yuan per resident per year")}
_UNITS = {o.name: o.unit for o in OUTCOMES}
# Gaps are 1 - (a group's mean / the others' mean): at most 1, below 0 when the group
# is better off.
_GAPS = ("digital_gap", "elderly_gap")
LINE_STYLES = ("-", "--", ":", "-.")


def natural_bounds(column: str) -> tuple[float | None, float | None]:
    """The values an outcome can take: shares and 0-1 scores in [0, 1], gaps up to 1,
    everything else (counts, rates, yuan, weeks, ratios, indices) 0 or more."""
    if column in _GAPS:
        return None, 1.0
    if _UNITS.get(column) in ("share", "0-1"):
        return 0.0, 1.0
    return 0.0, None


def line_styles(n: int) -> list[tuple[tuple[float, ...], str]]:
    """A (colour, line style) pair for each of `n` lines, no two alike up to 40 lines:
    the ten tab10 colours, solid, then dashed, dotted and dash-dotted."""
    colours = plt.get_cmap("tab10").colors
    return [(colours[i % 10], LINE_STYLES[(i // 10) % len(LINE_STYLES)]) for i in range(n)]


def timeseries_figure(series: dict[str, list[pd.DataFrame]],
                      columns: tuple[str, ...] = KEY_SERIES, skip_weeks: int = 4):
    """Key outcomes week by week, one line per scenario with its 95% band across seeds.

    Cumulative rates are noisy in the first weeks (few disputes): `skip_weeks` are left out.
    Bands are cut at the values an outcome can take (`natural_bounds`): an interval of a
    share never runs above 1, nor one of a count below 0.
    """
    ncols = 2
    nrows = (len(columns) + 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(12, 3.0 * nrows), sharex=True)
    styles = line_styles(len(series))
    for i, column in enumerate(columns):
        ax = axes.flat[i]
        low, high = natural_bounds(column)
        for (name, runs), (color, style) in zip(series.items(), styles, strict=True):
            b = band(runs, column).iloc[skip_weeks:]
            ax.plot(b.index, b["mean"], color=color, linestyle=style, lw=1.4, label=name)
            ax.fill_between(b.index, b["low"].clip(low, high), b["high"].clip(low, high),
                            color=color, alpha=0.2, lw=0)
        meaning, unit = _LABELS.get(column, (column, ""))
        ax.set_title(f"{meaning} ({unit})" if unit else meaning, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(columns):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("week")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8,
               frameon=False, handlelength=3)
    fig.tight_layout(rect=(0, 0.04 + 0.02 * ((len(labels) - 1) // 4), 1, 1))
    return fig


def timeseries_chart(series: dict[str, list[pd.DataFrame]], path: Path,
                     columns: tuple[str, ...] = KEY_SERIES, skip_weeks: int = 4) -> Path:
    """`timeseries_figure` written to a PNG file."""
    fig = timeseries_figure(series, columns, skip_weeks)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def funnel_chart(runs: pd.DataFrame, path: Path, by: str = "scenario") -> Path:
    """Where disputes ended, per scenario: resolved at L0-L3 or by the petition office,
    relapsed, abandoned, escalated, closed unresolved, lumped: every ending once.

    Shares of all ended disputes, averaged over seeds.
    """
    parts = ["resolved_l0", "resolved_l1", "resolved_l2", "resolved_l3", "resolved_petition",
             "relapsed", "abandoned", "escalated", "closed_unresolved", "lumped"]
    labels = ["L0 parties", "L1 grid", "L2 town/centre", "L3 law", "petition office",
              "relapsed", "abandoned", "escalated", "closed unresolved", "lumped"]
    colors = ["#1b7837", "#5aae61", "#a6dba0", "#d9f0d3", "#c2a5cf", "#fdb863", "#bababa",
              "#d6604d", "#CC79A7", "#e0e0e0"]
    totals = runs[parts].sum(axis=1).replace(0, float("nan"))
    shares = runs[parts].div(totals, axis=0)
    shares[by] = runs[by]
    mean = shares.groupby(by, sort=False).mean()
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(mean) + 1.5))
    left = pd.Series(0.0, index=mean.index)
    for part, label, color in zip(parts, labels, colors, strict=True):
        ax.barh(mean.index, mean[part], left=left, color=color, label=label)
        left += mean[part]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of ended disputes")
    ax.set_title("Where disputes end (the ladder funnel)")
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, ncol=5, fontsize=8, loc="lower center", frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
