"""Time one step of the browser view: model step plus every figure and panel redrawn.

Run: .venv/bin/python benchmarks/app_step.py [--scenario default] [--weeks 30] [--compare]

For each frame it times, separately: `model.step()` for every mix shown, gathering the
frame's data (`Lab.frame()`: series, funnel, headline numbers, network colours), drawing
the network figure(s) and each chart to PNG, and writing the HTML panels; then the same
again through Solara's own re-render of the whole page (headless, no browser). The target
is a step with redrawing under one second with the default scenario (10,000 residents).
Prints the median and the slowest frame per part; exits 2 if the median total misses it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

TARGET_SECONDS = 1.0


def time_parts(scenario: str, weeks: int, warmup: int, compare: bool) -> dict[str, list[float]]:
    """Seconds per part for `weeks` frames, after `warmup` untimed frames."""
    from viz import markup
    from viz.charts import CHARTS, ChartPainter
    from viz.lab import Lab
    from viz.network import NetworkPainter

    lab = Lab(sources=(scenario, "fengqiao"))
    if compare:
        lab.set_compare(True)
    nets = [NetworkPainter() for _ in lab.active]
    charts = [ChartPainter(spec) for spec in CHARTS]
    parts: dict[str, list[float]] = {}
    recording = False

    def timed(name: str, fn):
        start = time.perf_counter()
        out = fn()
        if recording:
            parts.setdefault(name, []).append(time.perf_counter() - start)
        return out

    for i in range(warmup + weeks):
        recording = i >= warmup
        timed("model.step()", lambda: lab.step(1))
        frames = timed("frame data", lab.frame)
        for painter, frame in zip(nets, frames, strict=True):
            timed("network figure", lambda p=painter, f=frame: p.render(f.network, "dispute"))
        series = [f.series for f in frames]
        for painter in charts:
            timed(f"chart {painter.spec.key}", lambda p=painter, s=series: p.render(s, 260))

        def panels(frames=frames):
            for f in frames:
                markup.kpis_html(f.kpis, "en")
                markup.funnel_html(f.funnel, "en")
                markup.network_legend_html(f.network.draw_residents, "dispute", "en")

        timed("HTML panels", panels)
    return parts


def time_page(weeks: int, warmup: int) -> list[float]:
    """Seconds per Step click through Solara's full re-render of the page (no browser)."""
    import ipyvuetify as v
    import solara

    from viz.page import Page

    _box, rc = solara.render(Page(), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    out = []
    for i in range(warmup + weeks):
        start = time.perf_counter()
        step.click()
        if i >= warmup:
            out.append(time.perf_counter() - start)
    rc.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--weeks", type=int, default=30, help="timed frames (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="two mixes side by side")
    parser.add_argument("--no-page", action="store_true", help="skip the Solara re-render")
    args = parser.parse_args(argv)

    parts = time_parts(args.scenario, args.weeks, args.warmup, args.compare)
    n = args.weeks
    totals = [0.0] * n
    print(f"scenario {args.scenario}{' (compare: two mixes)' if args.compare else ''}, "
          f"{n} frames after {args.warmup} warm-up frames")
    print(f"{'part':<34}{'median ms':>10}{'max ms':>10}")
    for name, values in parts.items():
        calls = len(values) // n  # e.g. two network figures per frame in compare mode
        frame_values = [sum(values[j * calls:(j + 1) * calls]) for j in range(n)]
        for j, v in enumerate(frame_values):
            totals[j] += v
        print(f"{name:<34}{1000 * statistics.median(frame_values):>10.1f}"
              f"{1000 * max(frame_values):>10.1f}")
    median_total = statistics.median(totals)
    print(f"{'step + redraw (sum of parts)':<34}{1000 * median_total:>10.1f}"
          f"{1000 * max(totals):>10.1f}")
    if not args.no_page:
        page = time_page(min(n, 10), 2)
        print(f"{'Step click, full Solara re-render':<34}{1000 * statistics.median(page):>10.1f}"
              f"{1000 * max(page):>10.1f}")
        median_total = max(median_total, statistics.median(page))
    verdict = "meets" if median_total < TARGET_SECONDS else "MISSES"
    print(f"median {median_total:.3f} s per step with redraw: {verdict} the "
          f"{TARGET_SECONDS:.0f} s target")
    return 0 if median_total < TARGET_SECONDS else 2


if __name__ == "__main__":
    sys.exit(main())
