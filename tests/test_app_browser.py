"""The browser view in a real browser, with the network blocked: `cogov app` serves the
page, headless Chromium (Debian's, installed by scripts/setup-browser.sh) opens it, and a
trainer's session is played: levers, step, language, compare.

Chromium resolves every host name to nothing but 127.0.0.1, so a page asset fetched from a
CDN would fail; the test also fails if any request leaves this machine. It saves a
screenshot to the test's temporary folder, or, with COGOV_SCREENSHOT=1, the one used in
docs/app.md (docs/img/app.png), so that running the tests leaves the tree unchanged.

Skipped only when /usr/bin/chromium is missing outside CI; under CI=true it must run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
DOCS_SCREENSHOT = ROOT / "docs" / "img" / "app.png"
SCREENSHOT = (DOCS_SCREENSHOT if os.environ.get("COGOV_SCREENSHOT") == "1"
              else Path(tempfile.gettempdir()) / "cogov-app.png")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # every host name resolves to nothing except the page's own address
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
TIMEOUT_MS = 60_000  # generous: the machine is shared

IN_CI = os.environ.get("CI", "").lower() == "true"
if not CHROMIUM.exists() and not IN_CI:
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (run scripts/setup-browser.sh "
                "as root); under CI=true this test always runs", allow_module_level=True)
if not IN_CI:
    pytest.importorskip("playwright", reason="pip install playwright (in the dev extras)")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=TIMEOUT_MS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`cogov app` on a free port; yields its address and stops it at the end, then checks
    that it left no upload folder behind (in a temporary folder of its own)."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")
    temp = tmp_path_factory.mktemp("server-tmp")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "app", "--port", str(port),
         "--host", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temp)})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"cogov app exited early:\n{log.read()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("cogov app did not answer within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert list(temp.glob("cogov-upload-*")) == [], "the server left uploads behind"


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    """A page in headless Chromium with a fresh profile; records every request made."""
    requests: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 800}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server)
        yield page, requests
        context.close()


ENFORCEMENT_SLIDER = '[data-path="levers.rule_of_law.enforcement"]'
ENFORCEMENT = f'{ENFORCEMENT_SLIDER} [role="slider"]'
IMAGES_LOADED = ("() => [...document.querySelectorAll('.cogov-chart img, .cogov-network img')]"
                 ".every(img => img.complete && img.naturalWidth > 0)")


def week_shown(page: Page) -> str:
    return page.locator("text=/Week \\d+ of \\d+/").first.inner_text()


def chart_sources(page: Page) -> list[str]:
    return page.locator(".cogov-chart img").evaluate_all("els => els.map(e => e.src)")


# Starting the app and Chromium (up to 90 s) counts towards the first test's time limit,
# and each page check may wait up to a minute on a loaded machine.
@pytest.mark.timeout(600)
def test_a_trainers_session_offline(browser_page):
    page, requests = browser_page

    # The page renders, with a slider for every lever.
    expect(page.get_by_text("Policy levers", exact=True)).to_be_visible()
    from viz.controls import lever_controls

    for control in lever_controls():
        expect(page.locator(f'[data-path="{control.path}"]')).to_have_count(1)
    expect(page.locator(".cogov-chart img")).to_have_count(6)
    expect(page.locator(".cogov-network img")).to_have_count(1)

    # Moving a lever rebuilds the model from the scenario with the new value. One move
    # (End: the lever's maximum), and the test waits for the page's state, not a clock.
    lever = page.locator(ENFORCEMENT)
    lever.focus()
    page.keyboard.press("End")
    expect(page.get_by_text("Back to the scenario's values")).to_be_visible()
    expect(lever).to_have_attribute("aria-valuenow", "1")

    # Stepping advances the week and redraws the charts.
    assert week_shown(page) == "Week 0 of 260"
    before = chart_sources(page)
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_text("Week 1 of 260")).to_be_visible()
    page.wait_for_function(
        "before => [...document.querySelectorAll('.cogov-chart img')].map(e => e.src)"
        ".some((src, i) => src !== before[i])", arg=before)
    # A few weeks more (13 a click), then the screenshot for the docs.
    page.get_by_role("button", name="13", exact=True).click()
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_text("Week 14 of 260")).to_be_visible()
    for week in (27, 40, 53):
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text(f"Week {week} of 260")).to_be_visible()
    page.wait_for_function(IMAGES_LOADED)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000

    # 中文: every label switches, the levers' Chinese labels among them.
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_text("执法与履约保障")).to_be_visible()
    expect(page.get_by_text("政策抓手", exact=True)).to_be_visible()
    expect(page.get_by_text("Policy levers")).to_have_count(0)

    # Compare mode: two mixes side by side, same seed, same charts.
    page.locator(".cogov-compare input").check(force=True)
    expect(page.get_by_text("组合 B · fengqiao")).to_be_visible()
    expect(page.get_by_text("组合 A · default")).to_be_visible()
    expect(page.locator(".cogov-network img")).to_have_count(2)
    expect(page.locator(".cogov-chart img")).to_have_count(6)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Mix B · fengqiao")).to_be_visible()

    # Nothing was asked of any host but this machine.
    outside = [u for u in requests
               if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname not in LOCAL_HOSTS]
    assert outside == [], f"requests left the machine: {outside[:5]}"



def drop_file(page: Page, path: Path) -> None:
    """Drop a file on the page's file box the way a real drag does (a script cannot fake
    the file of a drop: the box reads it through the drag's file-system entry)."""
    zone = page.locator(".solara-file-drop")
    box = zone.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    cdp.detach()


@pytest.mark.timeout(600)
def test_a_dropped_scenario_cannot_read_server_files(browser_page, server, tmp_path):
    page = browser_page[0].context.new_page()  # a session of its own
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    expect(page.locator(".solara-file-drop")).to_be_visible()
    uploads = {
        "pw.yaml": "extends: /etc/passwd\n",
        "env.yaml": "extends: default\nnetwork:\n  generator: file\n"
                    "  file: ../../../../../../proc/self/environ\n",
    }
    for name, text in uploads.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        drop_file(page, tmp_path / name)
        problem = page.locator("pre.cogov-problems")
        expect(problem).to_contain_text(f"{name}:")
        shown = page.locator("body").inner_text()
        assert "root:x:0:0" not in shown and "cogov-upload" not in shown
        assert str(ROOT) not in shown and "PYTHONUNBUFFERED=1" not in shown
    expect(page.get_by_text("Mix A · default")).to_be_visible()  # the valid run goes on
    page.close()


SETTLED = """selector => {
    const el = document.querySelector(selector);
    const thumb = el && el.querySelector('[role="slider"]');
    return thumb !== null && el.dataset.pending === 'false'
        && el.dataset.value === thumb.getAttribute('aria-valuenow');
}"""


@pytest.mark.xfail(strict=False, reason=(
    "moves of a quick series can be lost: a move that arrives while the model is being "
    "rebuilt for the previous one is dropped (viz/page.py settle_lever clears the pending "
    "move after applying the older one), and the rebuild redraws the slider, which loses "
    "the keyboard focus, so later key presses go nowhere; whether a series hits a rebuild "
    "depends on how fast the server handles it"))
@pytest.mark.timeout(600)
def test_every_lever_move_of_a_quick_series_lands(browser_page):
    page, _ = browser_page
    slider = page.locator(ENFORCEMENT_SLIDER)
    lever = page.locator(ENFORCEMENT)
    lever.focus()
    page.keyboard.press("Home")  # one move to the lever's minimum: a known start
    expect(slider).to_have_attribute("data-value", "0")
    expect(slider).to_have_attribute("data-pending", "false")
    lever.focus()  # applying the move redrew the slider
    for _ in range(20):  # 20 steps of 0.01, as fast as keys can be pressed
        page.keyboard.press("ArrowRight")
    # Wait until the page holds no pending move and shows the value the slider shows.
    page.wait_for_function(SETTLED, arg=ENFORCEMENT_SLIDER)
    assert slider.get_attribute("data-value") == "0.2"
    assert lever.get_attribute("aria-valuenow") == "0.2"
