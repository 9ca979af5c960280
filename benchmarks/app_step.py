"""How fast the browser view plays and steps, measured in a real browser.

Run: .venv/bin/python benchmarks/app_step.py [--seconds 15] [--steps 10] [--sessions 2]

Starts `cogov app` on a free port (offline, as a trainer would), opens it in headless
Chromium (/usr/bin/chromium, from scripts/setup-browser.sh; every host but 127.0.0.1
blocked) at 1280×800 with the default county, and measures:

- play: weeks per second at 1 week per frame (the default speed), from the week the page
  shows after `--seconds` of play (the first 2 s, while the charts warm up, not counted);
- step: seconds from a click on Step until the page shows the new week and the key chart
  (resolution rate) has been given and has drawn that week's data (its data-frame changes),
  the median and the slowest of `--steps` steps;
- two sessions: `--sessions` pages of their own playing at once on the same server, the
  weeks per second of each (do they halve each other?);
- the server's CPU time per frame (from /proc) while one session plays.

Targets (what a class needs): play ≥ 4 weeks/s, a step shown in < 0.3 s. Exits 2 when a
target is missed. The machine's load is printed with the figures: on a shared machine
they vary with it.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TARGET_WEEKS_PER_SECOND = 4.0
TARGET_STEP_SECONDS = 0.3
WARMUP_SECONDS = 2.0
KEY_CHART = "resolution_rate"
WEEK_JS = ("() => { const el = document.querySelector('.cogov-week');"
           " return el ? parseInt(el.innerText.match(/\\d+/)[0]) : -1; }")
FRAME_JS = ("() => { const el = document.querySelector("
            f"'.cogov-echart[data-key=\"{KEY_CHART}\"]');"
            " return el ? (el.dataset.frame || '') : ''; }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "app", "--port", str(port), "--host", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("cogov app exited early")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("cogov app did not answer within 120 s")


def week(page) -> int:
    return page.evaluate(WEEK_JS)


def open_page(context, url: str):
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.wait_for_function(
        "() => document.querySelector('.cogov-week') !== null"
        f" && document.querySelector('.cogov-echart[data-key=\"{KEY_CHART}\"] canvas')"
        " !== null")
    return page


def settle_idle(page) -> None:
    """Wait until the page is not building a county (the busy indicator is gone)."""
    page.wait_for_function("() => document.querySelector('.cogov-busy') === null")
    page.wait_for_timeout(500)


def play_rate(pages, seconds: float) -> list[float]:
    """Weeks per second of each page, all playing at once."""
    for page in pages:
        page.get_by_role("button", name="Play").click()
    time.sleep(WARMUP_SECONDS)
    start = [(time.perf_counter(), week(p)) for p in pages]
    time.sleep(seconds)
    rates = []
    for page, (t0, w0) in zip(pages, start, strict=True):
        rates.append((week(page) - w0) / (time.perf_counter() - t0))
    for page in pages:
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
    return rates


def step_times(page, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        target, frame = week(page) + 1, page.evaluate(FRAME_JS)
        start = time.perf_counter()
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(
            f"([w, f]) => ({WEEK_JS})() >= w && ({FRAME_JS})() !== f",
            arg=[target, frame], polling="raf")
        out.append(time.perf_counter() - start)
        page.wait_for_timeout(200)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="of play per measure")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=2)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = serve(port)
    url = f"http://127.0.0.1:{port}/"
    outside: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                         headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.on("request", lambda r: outside.append(r.url)
                       if not re.match(r"(https?|wss?)://127\.0\.0\.1[:/]", r.url)
                       and r.url.startswith(("http", "ws")) else None)
            page = open_page(context, url)
            settle_idle(page)
            steps = step_times(page, args.steps)
            pid = proc.pid  # cogov app serves the page in its own process
            cpu0, w0 = cpu_seconds(pid), week(page)
            (one,) = play_rate([page], args.seconds)
            frames = max(week(page) - w0, 1)
            cpu_ms = 1000 * (cpu_seconds(pid) - cpu0) / frames
            # Each further session in a browser window of its own: tabs of one window
            # would be background tabs, whose painting (and so their play) Chromium slows.
            others = [browser.new_context(viewport={"width": 1280, "height": 800})
                      for _ in range(args.sessions - 1)]
            pages = [page] + [open_page(c, url) for c in others]
            for p in pages[1:]:
                settle_idle(p)
            together = play_rate(pages, args.seconds) if len(pages) > 1 else []
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    load = os.getloadavg()
    print(f"default county, 1 week per frame, 1280×800, headless Chromium; "
          f"load average {load[0]:.1f} on {os.cpu_count()} cores")
    print(f"play, one session:        {one:5.2f} weeks/s "
          f"(target ≥ {TARGET_WEEKS_PER_SECOND})")
    if together:
        each = "  ".join(f"{r:.2f}" for r in together)
        print(f"play, {len(together)} sessions at once: {each} weeks/s")
    print(f"step shown, median:       {statistics.median(steps):5.3f} s "
          f"(slowest {max(steps):.3f} s; target < {TARGET_STEP_SECONDS})")
    print(f"server CPU per frame:     {cpu_ms:5.1f} ms (one session playing)")
    if outside:
        print(f"requests left the machine: {outside[:3]}")
        return 1
    missed = one < TARGET_WEEKS_PER_SECOND or statistics.median(steps) >= TARGET_STEP_SECONDS
    return 2 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
