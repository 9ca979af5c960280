"""Which offline chart component can redraw the page's charts every frame?

Run: .venv/bin/python benchmarks/chart_candidates.py [--frames 20]

Serves `benchmarks/chart_candidates_app.py` (six charts of two 260-week series, as in
compare mode) offline, opens it in headless Chromium (every host but 127.0.0.1 blocked)
once per candidate, presses Next `--frames` times (each adds a week to every series), and
reports per frame: the server's CPU time (the Solara process, from /proc), the browser's
main-thread time (Chromium's TaskDuration metric) and the bytes sent to the browser over
the websocket, plus the wall time from the click until the browser has settled, and how
many charts the page shows at the end (FigureAltair draws none offline: its Vega-Lite loader
asks for `vega@5/build/vega.min.js`, which solara-assets 1.58.2 does not carry — it has
`vega@5.21.0`). The kind `none` is the same page without charts: what the
measurement itself costs (Playwright and the metric readings work in the page too).
Needs /usr/bin/chromium (scripts/setup-browser.sh).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "benchmarks" / "chart_candidates_app.py"
KINDS = ("none", "altair", "echarts", "echart")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(port: int) -> subprocess.Popen:
    sys.path.insert(0, str(ROOT))
    from cli.app import OFFLINE_ENV

    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", str(APP), "--port", str(port), "--host",
         "127.0.0.1", "--production", "--no-open", "--no-check-version", "--log-level",
         "warning"], env={**os.environ, **OFFLINE_ENV}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the candidate page did not start")


def settle(cdp, quiet: float = 0.3) -> float:
    """Wait until the browser's main thread has been (nearly) idle for `quiet` seconds:
    between two readings 50 ms apart it worked at most 3 ms (a reading is a little work
    itself). Returns the time of the last reading that found it busy."""
    last_busy = time.perf_counter()
    before = metric(cdp, "TaskDuration")
    while True:
        time.sleep(0.05)
        now, task = time.perf_counter(), metric(cdp, "TaskDuration")
        if task - before > 0.003:
            last_busy = now
        elif now - last_busy > quiet:
            return last_busy
        before = task


def metric(cdp, name: str) -> float:
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                if m["name"] == name)


def measure(kind: str, url: str, server_pid: int, frames: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                     headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url
                else None)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Network.enable")
        sent = [0]
        cdp.on("Network.webSocketFrameReceived",
               lambda e: sent.__setitem__(0, sent[0] + len(e["response"]["payloadData"])))
        page.goto(f"{url}?kind={kind}", timeout=120_000)
        page.get_by_text("week 200", exact=True).wait_for(timeout=120_000)
        settle(cdp, 1.0)
        cpu0, task0, bytes0 = cpu_seconds(server_pid), metric(cdp, "TaskDuration"), sent[0]
        latencies = []
        for week in range(201, frames + 201):
            start = time.perf_counter()
            page.get_by_role("button", name="Next").click()
            page.get_by_text(f"week {week}", exact=True).wait_for()
            latencies.append(settle(cdp) - start)
        drawn = page.evaluate("() => document.querySelectorAll('canvas, svg.marks').length")
        out = {"server CPU ms": 1000 * (cpu_seconds(server_pid) - cpu0) / frames,
               "browser main-thread ms": 1000 * (metric(cdp, "TaskDuration") - task0) / frames,
               "kB to the browser": (sent[0] - bytes0) / frames / 1000,
               "click to settled ms (median)": 1000 * sorted(latencies)[len(latencies) // 2],
               "charts drawn": drawn}
        browser.close()
        if outside:
            raise SystemExit(f"{kind}: requests left the machine: {outside[:3]}")
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args(argv)
    port = free_port()
    proc = serve(port)
    try:
        results = {k: measure(k, f"http://127.0.0.1:{port}/", proc.pid, args.frames)
                   for k in KINDS}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    names = list(next(iter(results.values())))
    print(f"six charts, two series of up to 260 weeks each; {args.frames} frames per kind")
    print(f"{'per frame':<30}" + "".join(f"{k:>12}" for k in KINDS))
    for name in names:
        print(f"{name:<30}" + "".join(f"{results[k][name]:>12.1f}" for k in KINDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
