"""Interrupt a real `cogov sweep` (Ctrl-C, then SIGKILL) and resume it.

The sweep runs as a separate process group with two pool workers, as on a laptop. The
test stops it once its progress lines show some runs stored, runs the same command again,
and checks that the final table equals an uninterrupted sweep's rows exactly (seeds and
outcomes), one row per run: nothing lost, nothing run twice.
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

import pandas as pd

from experiments.design import load_experiment
from experiments.store import read_store
from experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = """\
base: default
set:
  population.residents: 1500
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.5, 0.9]
  levers.self_governance.councils:
    levels: [0.2, 0.8]
design: full_factorial
replications: 8
steps: 78  # long enough that an interrupt lands mid-sweep
seed: 99
outcomes: [resolution_rate, trust, welfare_gini, escalations_per_10k, arisen]
"""
COLUMNS = ["run_id", "point", "replication", "seed", "levers.rule_of_law.enforcement",
           "levers.self_governance.councils", "resolution_rate", "trust", "welfare_gini",
           "escalations_per_10k", "arisen", "scenario_hash", "status"]
PROGRESS = re.compile(rb"(\d+)/(\d+) runs stored")  # the progress lines of a piped sweep


def _ctrl_c_as_in_a_terminal() -> None:
    """Ctrl-C on, as a command typed in a terminal has it. A test run started as a
    background job of a non-interactive shell inherits SIGINT ignored, and a command that
    starts with SIGINT ignored rightly keeps ignoring it (`experiments.pool.stop_signals`):
    the interrupt under test would then never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Sweep:
    """`cogov sweep` in its own process group, with its progress lines read as it goes."""

    def __init__(self, experiment: Path, store: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "sweep", str(experiment), "--store",
             str(store), "--workers", "2"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            preexec_fn=_ctrl_c_as_in_a_terminal)
        self.stderr = b""
        self.done = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read1(4096):
            self.stderr += chunk
            counts = PROGRESS.findall(self.stderr[-400:])
            if counts:
                self.done = max(self.done, int(counts[-1][0]))

    def wait_for(self, runs: int, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while self.done < runs:
            assert self.proc.poll() is None, f"sweep ended early: {self.stderr[-2000:]!r}"
            assert time.monotonic() < end, f"no progress: {self.stderr[-2000:]!r}"
            time.sleep(0.05)

    def signal_group(self, sig: int) -> int:
        os.killpg(self.proc.pid, sig)
        code = self.proc.wait(timeout=60)
        if sig != signal.SIGKILL:
            try:  # the workers must be gone too
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.reader.join(timeout=10)
        return code


def stored(store: Path) -> pd.DataFrame:
    return read_store(store)[1]


def test_sweep_resumes_after_ctrl_c_and_sigkill_with_identical_results(tmp_path: Path
                                                                         ) -> None:
    path = tmp_path / "resume.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    exp = load_experiment(path)
    store = tmp_path / "resume.duckdb"
    assert exp.n_runs == 48

    # 1. Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
    first = Sweep(path, store)
    first.wait_for(3)
    code = first.signal_group(signal.SIGINT)
    assert code == 130, first.stderr[-2000:]
    assert b"interrupted" in first.stderr + (first.proc.stdout.read() or b"")
    after_int = stored(store)
    assert 3 <= len(after_int) < 40 and (after_int.status == "ok").all()

    # 2. resume, and SIGKILL the whole group partway
    second = Sweep(path, store)
    second.wait_for(len(after_int) + 3)
    second.signal_group(signal.SIGKILL)
    after_kill = stored(store)
    assert len(after_kill) >= len(after_int) + 3
    assert after_kill.run_id.is_unique

    # 3. the same command again finishes the sweep
    third = subprocess.run(
        [sys.executable, "-m", "cli", "sweep", str(path), "--store", str(store),
         "--workers", "2", "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert third.returncode == 0, third.stderr
    assert "resuming" in third.stderr
    assert f"{48 - len(after_kill)} runs in" in third.stdout

    final = stored(store)
    assert len(final) == 48 and final.run_id.is_unique and (final.status == "ok").all()
    # rows stored before the kill were not run again
    kept = final.set_index("run_id").loc[after_kill.run_id, "started"]
    assert (kept.to_numpy() == after_kill.set_index("run_id").started.to_numpy()).all()

    # 4. identical to an uninterrupted sweep
    reference = tmp_path / "reference.duckdb"
    run_sweep(exp, reference, workers=2, progress=False)
    a = final.sort_values("run_id").reset_index(drop=True)[COLUMNS]
    b = stored(reference).sort_values("run_id").reset_index(drop=True)[COLUMNS]
    pd.testing.assert_frame_equal(a, b, check_exact=True)
