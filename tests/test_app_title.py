"""The browser tab is titled cogov, not Solara's default, from the first byte served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara", reason="the browser view is the `app` extra")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_page_is_titled_cogov() -> None:
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "app", "--port", str(port)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            html = None
            for _ in range(300):  # up to about a minute for the server to start
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"cogov app exited early:\n{log.read()}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        html = r.read().decode("utf-8")
                        break
                except OSError:
                    time.sleep(0.2)
            assert html is not None, "cogov app did not answer"
            assert "<title>cogov</title>" in html
            assert "Solara ☀️" not in html
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_the_page_sets_a_cogov_title() -> None:
    import solara
    from solara.components.title import TitleWidget

    import viz.page

    _, rc = solara.render(viz.page.Page(), handle_error=False)
    try:
        titles = rc.find(TitleWidget).widgets
        assert [w.title for w in titles] == ["cogov — Co-governance in a county"]
    finally:
        rc.close()  # or its worker goes on building and redrawing for later tests
