"""The page `benchmarks/chart_candidates.py` measures: six line charts (two series of a
week-by-week outcome each, as in compare mode) redrawn by one of the chart components
that work offline with solara 1.58.2 + solara-assets 1.58.2, picked by `?kind=`:

- `altair`: `solara.FigureAltair` (Vega-Lite 5.2 / Vega 5.21 from solara-assets): every
  frame is a new Vega-Lite spec, re-embedded by the browser;
- `echarts`: `solara.FigureEcharts` (ECharts 5.4.0 from solara-assets): every frame is the
  whole option, applied with notMerge;
- `echart`: the page's own `viz.echart.EChart` (the same ECharts file): the option is sent
  once and a frame is only the series' numbers (float32, as binary websocket frames),
  merged by series id.

`none` draws no chart (the cost of the page and of measuring it). The page opens at
week 200 (the series are long, as late in a run); each press of Next adds a week to
every series.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import solara

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from viz.echart import EChart, Plain

CHARTS = 6
TOTAL = 260
START = 200  # late in a run: the series are long
RNG = np.random.default_rng(0)
SERIES = 0.8 + 0.05 * RNG.standard_normal((CHARTS, 2, TOTAL + 1)).cumsum(axis=2) / 10


def points(c: int, s: int, week: int) -> list:
    return [[w, round(float(v), 4)] for w, v in enumerate(SERIES[c, s, : week + 1])]


def echarts_option(c: int, week: int | None) -> dict:
    series = [{"id": f"s{s}", "name": "AB"[s], "type": "line", "showSymbol": False,
               "data": points(c, s, week) if week is not None else []} for s in range(2)]
    return {"animation": False, "grid": {"left": 50, "right": 10, "top": 20, "bottom": 30},
            "xAxis": {"type": "value", "min": 0, "max": TOTAL, "name": "week"},
            "yAxis": {"type": "value", "min": 0, "max": 1.5}, "series": series}


def altair_chart(c: int, week: int):
    import altair as alt
    import pandas as pd

    rows = [{"week": w, "mix": "AB"[s], "value": float(SERIES[c, s, w])}
            for s in range(2) for w in range(week + 1)]
    return alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x=alt.X("week", scale=alt.Scale(domain=[0, TOTAL])),
        y=alt.Y("value", scale=alt.Scale(domain=[0, 1.5])), color="mix",
    ).properties(width=300, height=180)


@solara.component
def Page():
    router = solara.use_router()
    kind = (router.search or "kind=echart").split("=")[-1]
    week = solara.use_reactive(START)
    solara.Button("Next", on_click=lambda: week.set(week.value + 1))
    solara.Text(f"week {week.value}")
    with solara.Div(style={"display": "flex", "flex-wrap": "wrap"}):
        for c in range(CHARTS):
            with solara.Div(style={"width": "400px"}, classes=[f"cand-{c}"]):
                if kind == "none":
                    continue
                if kind == "altair":
                    solara.FigureAltair(altair_chart(c, week.value))
                elif kind == "echarts":
                    solara.FigureEcharts(echarts_option(c, week.value),
                                         attributes={"style": "height: 220px"})
                else:
                    option = solara.use_memo(lambda c=c: Plain(echarts_option(c, None)), [])
                    EChart(option=option, height="220px", frame_data=Plain({
                        "frame": week.value, "series": [
                            {"id": f"s{s}", "y": SERIES[c, s, : week.value + 1].astype(
                                np.float32).tobytes()} for s in range(2)]}, key=week.value))
