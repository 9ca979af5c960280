"""What the charts, the funnel and the headline numbers show, as data.

A chart is a `ChartSpec`: one outcome of `simulation.metrics.OUTCOMES` (every outcome with a
weekly value is one, see `viz.series`), or the welfare of each group. Its axis follows the
outcome's declared unit (`axis_for`): shares in per cent from 0 to 100, indices from 0 to 1,
anything else from 0 to a round number above the largest value so far, which never shrinks
during a run, so a frame moves the lines and not the axis. `chart_option` is the ECharts
option of a chart (what stays put: axes, names, colours), `chart_update` a frame's data and
marks. The browser draws them (`viz.echart`); no picture is made on the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from simulation import metrics
from viz.events import Event, event_text
from viz.i18n import Lang, outcome_label, t, unit_label
from viz.series import GROUP_SERIES, chartable_outcomes, windowed_outcomes

WELFARE_BY_GROUP = "welfare_by_group"


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a key (an outcome's name, or `WELFARE_BY_GROUP`), the series it plots and
    their unit."""

    key: str
    series: tuple[str, ...]
    unit: str

    @property
    def windowed(self) -> bool:
        return self.key in windowed_outcomes()


@cache
def chart_specs() -> dict[str, ChartSpec]:
    """Every chart the page can show, by key: each chartable outcome, then welfare by group."""
    out = {name: ChartSpec(name, (name,), unit_of(name)) for name in chartable_outcomes()}
    out[WELFARE_BY_GROUP] = ChartSpec(WELFARE_BY_GROUP, GROUP_SERIES, "yuan per year")
    return out


# The two charts beside the funnel (小事不出村, 矛盾不上交), and those the charts tab opens
# with; a trainer can pick others there.
KEY_CHARTS: tuple[str, ...] = ("resolution_rate", "escalations_per_10k")
DEFAULT_CHARTS: tuple[str, ...] = ("resolution_rate", "grassroots_share",
                                   "escalations_per_10k", "trust", "welfare_gini",
                                   WELFARE_BY_GROUP)

MIX_COLOURS = ("#0072B2", "#D55E00")  # mix A, mix B (Okabe-Ito: told apart by everyone)
GROUP_COLOURS = {
    "welfare_urban": "#0072B2",
    "welfare_rural": "#009E73",
    "welfare_elderly": "#CC79A7",
    "welfare_digitally_excluded": "#E69F00",
}
EVENT_COLOURS = {"shock": "rgba(213, 94, 0, 0.12)", "ramp": "rgba(0, 114, 178, 0.08)",
                 "surge": "#C62828"}


# ------------------------------------------------------------------ axes and numbers


@dataclass(frozen=True)
class Axis:
    """How an outcome is drawn and written: values × `scale` are shown, with `decimals`;
    the axis runs from `lo` to `hi`, or to a round number above the data when `hi` is None
    (at least `floor`)."""

    scale: float = 1.0
    lo: float = 0.0
    hi: float | None = None
    decimals: int = 2
    percent: bool = False
    floor: float = 1.0


_AXES = {
    "share": Axis(100.0, 0.0, 100.0, 1, True),
    "0-1": Axis(1.0, 0.0, 1.0, 3),
    "index": Axis(decimals=3, floor=0.1),
    "ratio": Axis(decimals=2, floor=2.0),
    "weeks": Axis(decimals=1, floor=10.0),
    "hours": Axis(decimals=1, floor=10.0),
    "yuan": Axis(decimals=0, floor=1000.0),
    "yuan per year": Axis(decimals=0, floor=1000.0),
    "per 10,000 per year": Axis(decimals=1, floor=10.0),
    "per 1,000 per year": Axis(decimals=1, floor=10.0),
}


def axis_for(unit: str) -> Axis:
    """The axis of a unit (an unknown unit: from 0 up, two decimals)."""
    return _AXES.get(unit, Axis())


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (> 0)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


def axis_top(axis: Axis, values: Sequence[np.ndarray]) -> float:
    """Where the axis ends for these values (already scaled for display)."""
    if axis.hi is not None:
        return axis.hi
    finite = [float(np.nanmax(v)) for v in values if len(v) and np.isfinite(v).any()]
    return nice_ceiling(max([axis.floor, *finite]))


def format_value(value: float | None, unit: str) -> str:
    """A value as the room reads it: shares as %, money with thousands separators."""
    if value is None or not math.isfinite(value):
        return "–"
    axis = axis_for(unit)
    text = f"{value * axis.scale:,.{axis.decimals}f}"
    if text.lstrip("-").replace("0", "").replace(".", "").replace(",", "") == "":
        text = text.lstrip("-")  # no "-0.0"
    return text + ("%" if axis.percent else "")


def format_difference(diff: float | None, unit: str, lang: Lang) -> str:
    """A difference B − A: signed, shares in percentage points, zero without a sign."""
    if diff is None or not math.isfinite(diff):
        return "–"
    axis = axis_for(unit)
    text = f"{abs(diff) * axis.scale:,.{axis.decimals}f}"
    zero = text.replace("0", "").replace(".", "").replace(",", "") == ""
    sign = "" if zero else ("+" if diff > 0 else "−")
    if axis.percent:
        return t("points", lang, value=sign + text)
    return sign + text


# ------------------------------------------------------------------ the ECharts option


FONT = 14  # px: read from the back of a room on a projector


def series_name(spec: ChartSpec, series: str, mix_label: str, compare: bool,
                lang: Lang) -> str:
    if len(spec.series) == 1:
        return mix_label
    name = outcome_label(series, lang)
    return f"{name} · {mix_label}" if compare else name


def series_id(mix: int, series: str) -> str:
    return f"{mix}:{series}"


def chart_axis_name(spec: ChartSpec, lang: Lang) -> str:
    """The y axis's caption: the unit, and for a moving-year outcome the window on a line
    of its own (on one line, "per 10,000 residents a year · past 52 weeks" is wider than a
    key chart beside the funnel at 1280×800)."""
    name = unit_label(spec.unit, lang)
    return f"{name}\n{t('past_year', lang)}" if spec.windowed else name


CAPTION_LINE = 16  # px: the height of a line of the caption above the plot


def week_interval(total_weeks: int) -> int:
    """Ticks on the week axis: a year apart, or a quarter in a run of two years or less."""
    return 52 if total_weeks > 104 else 13


def chart_option(spec: ChartSpec, mix_labels: Sequence[str], total_weeks: int,
                 lang: Lang) -> dict:
    """The ECharts option of a chart: axes with names and units, one line per mix (and
    group), mix A solid and B dashed. Data and marks come with each frame."""
    axis = axis_for(spec.unit)
    compare = len(mix_labels) > 1
    series = []
    for i, label in enumerate(mix_labels):
        for name in spec.series:
            colour = (GROUP_COLOURS.get(name, "#333333") if len(spec.series) > 1
                      else MIX_COLOURS[i % 2])
            series.append({
                "id": series_id(i, name), "type": "line", "showSymbol": False,
                "name": series_name(spec, name, label, compare, lang),
                "color": colour, "lineStyle": {"width": 2.5,
                                               "type": "solid" if i == 0 else "dashed"},
                "data": [], "connectNulls": False, "animation": False,
            })
    y_axis: dict = {"type": "value", "min": axis.lo, "name": chart_axis_name(spec, lang),
                    "nameLocation": "end", "nameGap": 10,
                    "nameTextStyle": {"fontSize": FONT - 1, "align": "left",
                                      "lineHeight": CAPTION_LINE},
                    "axisLabel": {"fontSize": FONT}, "splitNumber": 4}
    if axis.hi is not None:
        y_axis["max"] = axis.hi
        y_axis["interval"] = (axis.hi - axis.lo) / 4
    if axis.percent:
        y_axis["axisLabel"]["formatter"] = "{value}%"
    show_legend = compare or len(spec.series) > 1
    # Room above the plot for the legend and every line of the caption.
    top = (38 if not show_legend else 62) + CAPTION_LINE * y_axis["name"].count("\n")
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT},
        "grid": {"left": 58, "right": 18, "top": top, "bottom": 44},
        "legend": {"show": show_legend, "top": 0, "left": 0, "itemWidth": 22,
                   "textStyle": {"fontSize": FONT - 1}},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": FONT}},
        "xAxis": {"type": "value", "min": 0, "max": max(total_weeks, 1),
                  "interval": week_interval(total_weeks), "name": t("week_axis", lang),
                  "nameLocation": "middle", "nameGap": 26,
                  "nameTextStyle": {"fontSize": FONT - 1},
                  "axisLabel": {"fontSize": FONT}},
        "yAxis": y_axis,
        "series": series,
    }


def chart_update(spec: ChartSpec, series: Sequence[Mapping[str, np.ndarray]],
                 events: Sequence[Event], lang: Lang) -> dict:
    """A frame: every line's values (float32 bytes, weeks from 0), the top of the y axis,
    and the events marked on the timeline (shocks and reforms as bands, surges as lines)."""
    axis = axis_for(spec.unit)
    out = []
    shown = []
    for i, data in enumerate(series):
        for name in spec.series:
            values = np.asarray(data.get(name, np.empty(0)), dtype=float) * axis.scale
            shown.append(values)
            out.append({"id": series_id(i, name), "y": values.astype(np.float32).tobytes()})
    if out:
        out[0].update(event_marks(events, lang))
    update: dict = {"series": out}
    if axis.hi is None:
        top = axis_top(axis, shown)
        update["yAxis"] = {"max": top, "interval": tick_interval(top)}
    return update


def tick_interval(top: float) -> float:
    """Four or five ticks from 0 to a `nice_ceiling` top: 0-100 by 20, 0-25 by 5."""
    lead = top / 10.0 ** math.floor(math.log10(top))
    return top / (4 if round(lead, 6) == 2.0 else 5)


def event_marks(events: Sequence[Event], lang: Lang) -> dict:
    """ECharts marks for the events: bands for shocks and reforms, lines for surges."""
    areas, lines = [], []
    for e in events:
        label = {"show": True, "fontSize": FONT - 2, "color": "#333",
                 "formatter": t(f"event_{e.kind}", lang)}
        if e.kind == "surge":
            # Named on hover only: surges a few weeks apart would write over each other
            # and over the axis caption above the plot (the events list names them all).
            lines.append({"xAxis": e.start, "name": event_text(e, lang),
                          "label": {**label, "show": False},
                          "emphasis": {"label": {**label, "show": True}},
                          "lineStyle": {"color": EVENT_COLOURS["surge"], "type": "dotted",
                                        "width": 1.5}})
        else:
            areas.append([{"xAxis": e.start, "name": event_text(e, lang), "label": label,
                           "itemStyle": {"color": EVENT_COLOURS[e.kind]}},
                          {"xAxis": max(e.end, e.start + 1)}])
    return {"markArea": {"silent": False, "data": areas, "label": {"position": "insideTop"}},
            "markLine": {"symbol": "none", "silent": False, "data": lines,
                         "label": {"position": "end"}}}


# ------------------------------------------------------------------ funnel


# Every way a dispute ends, and still open: each dispute is in exactly one row.
FUNNEL_ENDINGS: tuple[str, ...] = (
    "resolved_l0", "resolved_l1", "resolved_l2", "resolved_l3", "resolved_petition",
    "relapsed", "abandoned", "escalated", "closed_unresolved", "lumped", "open",
)
QUEUES: tuple[str, ...] = ("queued_l1", "queued_l2", "queued_l3")
FUNNEL_COLOURS = {
    "resolved_l0": "#1b7837", "resolved_l1": "#5aae61", "resolved_l2": "#a6dba0",
    "resolved_l3": "#762a83", "relapsed": "#E69F00", "abandoned": "#9aa5b1",
    "escalated": "#D55E00", "open": "#d9dee3", "resolved_petition": "#c2a5cf",
    "closed_unresolved": "#CC79A7", "lumped": "#bfc7ce",
}


@dataclass(frozen=True)
class Funnel:
    """The dispute funnel for one week: how every dispute of the run so far ended, and
    the queues.

    `rows` are (key, count) in ladder order; every dispute ends exactly once or is still
    open, so their counts add up to `total`: the disputes that arose in the run plus
    those still open when it began (`carried`, from the warm-up before week 1).
    """

    arisen: int
    rows: tuple[tuple[str, int], ...]
    queues: tuple[int, int, int]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.rows)

    @property
    def carried(self) -> int:
        """Disputes open when the run began (arisen in the warm-up)."""
        return max(self.total - self.arisen, 0)

    def share(self, key: str) -> float:
        count = dict(self.rows)[key]
        return count / self.total if self.total else 0.0


def funnel_of(week: Mapping[str, float]) -> Funnel:
    """The funnel from one recorded week (cumulative counts and live queue lengths)."""
    rows = tuple((k, int(week.get(k, 0))) for k in FUNNEL_ENDINGS)
    return Funnel(int(week.get("arisen", 0)), rows,
                  tuple(int(week.get(q, 0)) for q in QUEUES))  # type: ignore[arg-type]


# ------------------------------------------------------------------ headline numbers


KPIS: tuple[str, ...] = ("resolution_rate", "grassroots_share", "township_share",
                         "escalations_per_10k", "trust", "welfare_gini")


def unit_of(name: str) -> str:
    """The declared unit of an outcome (or of a group's welfare)."""
    units = {o.name: o.unit for o in metrics.OUTCOMES}
    return units.get(name, "yuan per year" if name in GROUP_SERIES else "")
