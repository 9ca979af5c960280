"""SIGTERM and SIGKILL of a real `cogov sweep` and `cogov compare` leave no process behind.

Each command runs in a session of its own with two pool workers, forked from the command
or, with a second thread running in the command, from a fork server. Once its workers are
running, the test signals the command's main process only (as `kill PID` or a job
scheduler does), waits for it, and then checks through /proc that no process of the
session is still alive: no worker, no fork server, no resource tracker. The interrupted
sweep's store must hold complete rows only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from experiments.store import read_store

ROOT = Path(__file__).resolve().parents[1]
# A progress bar on a terminal ("12/36 [") or, as here through a pipe, log lines
# ("12/36 runs stored").
PROGRESS = re.compile(rb"(\d+)/(\d+) (?:\[|runs stored)")
EXPERIMENT = """\
base: default
set:
  population.residents: 1500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.5, 0.9]
  levers.self_governance.councils:
    levels: [0.2, 0.8]
replications: 6
steps: 78
seed: 5
outcomes: [resolution_rate, trust, arisen]
"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live (not zombie) process in session `sid`."""
    return [(pid, cmd) for pid, _, cmd in session_processes(sid)]


def session_processes(sid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every live (not zombie) process in session
    `sid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append((int(entry), int(fields[1]), cmd.decode(errors="replace")[:160]))
    return found


# `python -m cli` with a second Python thread running, as in a notebook or the browser
# view: the pool cannot fork its workers from the command and starts a fork server.
THREADED_CLI = ("import sys, threading; "
                "threading.Thread(target=threading.Event().wait, daemon=True).start(); "
                "from cli.main import main; sys.exit(main())")


@pytest.fixture(params=["forked", "fork server"])
def pool(request) -> str:
    """How the command's pool starts its workers (see experiments.pool.process_pool)."""
    return request.param


class Command:
    """A cogov command in its own session, its stderr read as it goes."""

    def __init__(self, argv: list[str], pool: str = "forked"):
        launch = ["-m", "cli"] if pool == "forked" else ["-c", THREADED_CLI]
        self.pool = pool
        self.proc = subprocess.Popen(
            [sys.executable, *launch, *argv], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.sid = self.proc.pid
        self.stderr = b""
        self.stdout = b""
        self.done = 0
        # Readers in threads: processes left behind would hold the pipes open for ever.
        self.readers = [threading.Thread(target=self._read_stderr, daemon=True),
                        threading.Thread(target=self._read_stdout, daemon=True)]
        for reader in self.readers:
            reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read1(4096):
            self.stderr += chunk
            counts = PROGRESS.findall(self.stderr[-400:])
            if counts:
                self.done = max(self.done, int(counts[-1][0]))

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(4096):
            self.stdout += chunk

    def wait_until(self, ready, what: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while not ready():
            assert self.proc.poll() is None, f"ended before {what}: {self.stderr[-2000:]!r}"
            assert time.monotonic() < end, f"never {what}: {self.stderr[-2000:]!r}"
            time.sleep(0.05)

    def workers_running(self) -> bool:
        """A worker of the pool this test meant is running: forked from the command
        itself, or from its fork server (the server and multiprocessing's resource
        tracker are the command's children with command lines of their own; a child
        still starting one of them briefly has the command's)."""
        processes = session_processes(self.sid)
        servers = {pid for pid, parent, cmd in processes
                   if parent == self.proc.pid and "multiprocessing.forkserver" in cmd}
        if self.pool == "fork server":
            return any(parent in servers for _, parent, _ in processes)
        assert not servers, processes  # a forked pool starts no fork server
        command = next((cmd for pid, _, cmd in processes if pid == self.proc.pid), None)
        return command is not None and any(parent == self.proc.pid and cmd == command
                                           for _, parent, cmd in processes)

    def signal_main(self, sig: int) -> int:
        os.kill(self.proc.pid, sig)
        code = self.proc.wait(timeout=120)
        for reader in self.readers:
            reader.join(timeout=10)
        return code

    def left_behind(self, timeout: float = 60) -> list[tuple[int, str]]:
        """Processes of the session still alive after `timeout` seconds (then killed)."""
        end = time.monotonic() + timeout
        while (alive := session_members(self.sid)) and time.monotonic() < end:
            time.sleep(0.1)
        for pid, _ in alive:  # do not leave them to the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return alive


def test_sigterm_stops_a_sweep_and_all_its_processes(tmp_path: Path, pool: str) -> None:
    experiment = tmp_path / "stop.yaml"
    experiment.write_text(EXPERIMENT, encoding="utf-8")
    store = tmp_path / "stop.duckdb"
    sweep = Command(["sweep", str(experiment), "--store", str(store), "--workers", "2"], pool)
    sweep.wait_until(lambda: sweep.done >= 2 and sweep.workers_running(), "stored two runs")
    code = sweep.signal_main(signal.SIGTERM)
    assert sweep.left_behind() == []
    assert code == 130, sweep.stderr[-2000:]
    assert b"interrupted: run the same command again to resume" in sweep.stdout
    runs = read_store(store)[1]
    assert 2 <= len(runs) < 36
    assert runs.run_id.is_unique and (runs.status == "ok").all()
    assert runs[["resolution_rate", "trust", "arisen", "finished"]].notna().all().all()


def test_sigterm_stops_a_comparison_and_all_its_processes(tmp_path: Path, pool: str) -> None:
    compare = Command(["compare", "default", "--reps", "40", "--steps", "78", "--workers",
                       "2", "--set", "population.residents=1500", "--out",
                       str(tmp_path / "out")], pool)
    compare.wait_until(compare.workers_running, "started its workers")
    code = compare.signal_main(signal.SIGTERM)
    assert compare.left_behind() == []
    assert code == 143, compare.stderr[-2000:]
    assert b"terminated" in compare.stderr
    assert b"Traceback" not in compare.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_sigkill_of_the_command_leaves_no_worker_behind(tmp_path: Path, pool: str) -> None:
    # No handler sees SIGKILL: the workers notice their parent is gone and end, and the
    # fork server and resource tracker follow once nobody holds their pipes.
    compare = Command(["compare", "default", "--reps", "40", "--steps", "78", "--workers",
                       "2", "--set", "population.residents=1500", "--out",
                       str(tmp_path / "out")], pool)
    compare.wait_until(compare.workers_running, "started its workers")
    compare.signal_main(signal.SIGKILL)
    assert compare.left_behind() == []
