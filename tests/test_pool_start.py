"""A process pool's start: the tasks given to it before its first worker is ready run in
this process, and a sweep's runs, wherever they ran, are those of `cogov run`."""

from __future__ import annotations

import contextlib
import io
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cli.main import main
from experiments.design import load_experiment
from experiments.pool import HeadStartPool, stop_pool
from experiments.store import read_store
from experiments.sweep import run_sweep

EXPERIMENT = """\
base: default
set:
  population.residents: 400
factors:
  levers.rule_of_law.enforcement:
    levels: [0.1, 0.9]
  levers.self_governance.councils:
    levels: [0.2, 0.8]
replications: 3
steps: 26
seed: 4
outcomes: [resolution_rate, trust, welfare_gini, arisen]
"""


def _wait_for(event) -> None:  # a worker's initializer: hold the worker until told
    event.wait()


def test_tasks_run_here_until_a_worker_is_ready_then_in_the_workers() -> None:
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    pool = HeadStartPool(max_workers=1, initializer=_wait_for, initargs=(go,), mp_context=ctx)
    try:
        here = pool.submit(os.getpid)
        assert here.done() and here.result() == os.getpid() and not pool.ready
        go.set()
        assert pool._ready.wait(timeout=300)
        there = pool.submit(os.getpid)
        assert there.result(timeout=300) != os.getpid()
    finally:
        go.set()
        pool.shutdown(wait=True)


def test_a_pool_shut_down_before_its_workers_started_takes_no_more_tasks() -> None:
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    pool = HeadStartPool(max_workers=1, initializer=_wait_for, initargs=(go,), mp_context=ctx)
    try:
        pool.shutdown(wait=False, cancel_futures=True)
        with pytest.raises(RuntimeError, match="shutdown"):
            pool.submit(os.getpid)
    finally:
        go.set()
        pool.shutdown(wait=True)


class _SlowStart:
    """A start method whose processes start only when `go` is set (as a fork server's
    first worker starts only once the server has imported the model)."""

    def __init__(self, go: threading.Event):
        spawn = multiprocessing.get_context("spawn")
        self._spawn = spawn

        class Process(spawn.Process):  # type: ignore[name-defined,misc]
            def start(self) -> None:
                go.wait()
                super().start()

        self.Process = Process

    def __getattr__(self, name: str):
        return getattr(self._spawn, name)


def test_a_pool_still_starting_is_stopped_without_waiting_for_its_worker() -> None:
    """Ctrl-C or SIGTERM in a sweep's first seconds stops it at once."""
    go = threading.Event()
    pool = HeadStartPool(max_workers=1, mp_context=_SlowStart(go))
    rescue = threading.Timer(120, go.set)  # should stop_pool wait, it waits this long
    rescue.start()
    try:
        stop_pool(pool)
        assert not go.is_set()  # stop_pool returned while the worker was still starting
    finally:
        rescue.cancel()
        go.set()


# A SIGTERM that lands while this process starts the second worker (the fork server has
# forked it, the pool has not counted it yet), then stop_pool and exit, as `cogov sweep`
# does. The uncounted worker takes the stop sentinel of a counted one, which then waits
# for a task for ever while the exit waits for it.
INTERRUPTED_START = """\
import os, sys, threading, time
import multiprocessing.popen_forkserver as popen
from experiments.pool import process_pool, stop_pool

def main():
    pool = process_pool(2)
    while not pool.ready:
        time.sleep(0.05)
    launch = popen.Popen._launch
    def interrupted(self, process):
        launch(self, process)
        if threading.current_thread() is threading.main_thread():
            raise KeyboardInterrupt
    popen.Popen._launch = interrupted
    pool.submit(time.sleep, 1)  # the first worker is busy: the next task starts another
    try:
        pool.submit(os.getpid)
    except KeyboardInterrupt:
        stop_pool(pool)
        print("stopped", flush=True)

if __name__ == "__main__":
    main()
"""


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="needs the forkserver start method")
def test_a_process_interrupted_while_starting_a_worker_still_exits(tmp_path: Path) -> None:
    script = tmp_path / "interrupted_start.py"
    script.write_text(INTERRUPTED_START, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, str(script)], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the process did not exit after stop_pool")
    assert proc.returncode == 0 and out == b"stopped\n"


def test_a_pooled_sweep_stores_the_outcomes_of_cogov_run(tmp_path: Path) -> None:
    """Every stored run (some run here while the workers started, the rest in them) has
    the outcomes `cogov run` gives for its design point and seed, bit for bit."""
    path = tmp_path / "e.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    exp = load_experiment(path)
    report = run_sweep(exp, tmp_path / "e.duckdb", workers=2, progress=False)
    assert report.ran == exp.n_runs == 12 and report.failed == 0
    runs = read_store(tmp_path / "e.duckdb")[1].set_index("run_id")
    for point, replication in ((0, 0), (3, 2), (2, 1)):
        task = exp.task(point, replication)
        sets = ["population.residents=400", *(f"{k}={v}" for k, v in task.values)]
        out = tmp_path / f"run-{point}-{replication}"
        argv = ["run", "default", "--seed", str(task.seed), "--steps", "26", "--out", str(out)]
        for s in sets:
            argv += ["--set", s]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                io.StringIO()):
            assert main(argv) == 0
        summary = json.loads((out / "summary.json").read_text())
        row = runs.loc[task.run_id]
        assert row.seed == task.seed
        assert math.isfinite(row.resolution_rate) and row.arisen > 0
        for name in task.outcomes:
            same = row[name] == summary[name] or (math.isnan(row[name])
                                                  and math.isnan(summary[name]))
            assert same, (task.run_id, name, row[name], summary[name])
