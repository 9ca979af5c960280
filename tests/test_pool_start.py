"""A process pool's start: forked from this process where that is safe, with the first
task in a worker; else from a fork server, with the tasks given to it before its first
worker is ready run in this process. A sweep's runs, wherever they ran, are those of
`cogov run`."""

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
from experiments.pool import HeadStartPool, fork_is_safe_here, stop_pool
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
from experiments.pool import server_pool, stop_pool

def main():
    pool = server_pool(2)
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


# A fresh interpreter runs no thread but its main one: its pool forks the workers at once
# (their parent is this process, not a fork server), and the first task already runs in
# one of them, with the model imported before the task arrived.
FORKED_START = """\
import os, sys
import experiments.execute
from experiments.pool import fork_is_safe_here, process_pool

def where(_):
    return os.getpid(), os.getppid(), "simulation.model" in sys.modules

def main():
    assert fork_is_safe_here()
    pool = process_pool(2)
    try:
        first = pool.submit(where, 0).result(timeout=60)
        rest = list(pool.map(where, range(8)))
    finally:
        pool.shutdown(wait=True)
    me = os.getpid()
    print(first[0] != me and first[1] == me and first[2])
    print(all(pid != me and parent == me and model for pid, parent, model in rest))
    print(len({pid for pid, _, _ in [first, *rest]}) <= 2)

if __name__ == "__main__":
    main()
"""


@pytest.mark.timeout(120)
@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_fresh_process_forks_its_workers_and_gives_them_the_first_task(
        tmp_path: Path) -> None:
    script = tmp_path / "forked_start.py"
    script.write_text(FORKED_START, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(root),
                               "PYTHONWARNINGS": "always::DeprecationWarning"}, timeout=110)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout == b"True\nTrue\nTrue\n"
    # Python's warning at a fork of a process with threads (numpy's) is not shown
    assert b"multi-threaded" not in done.stderr, done.stderr.decode()[-2000:]


@pytest.mark.timeout(60)
def test_no_fork_while_another_thread_runs() -> None:
    go = threading.Event()
    other = threading.Thread(target=go.wait, daemon=True)
    other.start()
    try:
        assert not fork_is_safe_here()
    finally:
        go.set()
        other.join()


@pytest.mark.timeout(300)
def test_a_sweep_with_forked_workers_stores_the_runs_of_one_process(tmp_path: Path) -> None:
    """`cogov sweep --workers 2` in a fresh process (workers forked from it, with the
    experiment already loaded) stores, bit for bit, the rows of a sweep in one process."""
    path = tmp_path / "e.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    forked = subprocess.run(
        [sys.executable, "-m", "cli", "sweep", str(path), "--store",
         str(tmp_path / "forked.duckdb"), "--workers", "2"],
        cwd=root, capture_output=True, timeout=280)
    assert forked.returncode == 0, forked.stderr.decode()[-2000:]
    run_sweep(load_experiment(path), tmp_path / "one.duckdb", workers=1, progress=False)
    columns = ["run_id", "seed", "resolution_rate", "trust", "welfare_gini", "arisen"]
    a = read_store(tmp_path / "forked.duckdb")[1][columns].sort_values("run_id")
    b = read_store(tmp_path / "one.duckdb")[1][columns].sort_values("run_id")
    assert len(a) == 12
    assert a.reset_index(drop=True).equals(b.reset_index(drop=True))


@pytest.mark.timeout(120)
def test_a_fork_server_child_left_without_its_command_ends_quietly() -> None:
    """The fork server's hook drops what a worker meets while it starts for a command
    that has gone (no start-up data, semaphores already removed), and prints every other
    exception, and those same errors outside a worker's start, as before."""
    code = ("import sys, experiments.forkserver_init\n"
            "from multiprocessing import spawn\n"
            "def start(exc):  # not in spawn.py\n"
            "    raise exc\n"
            "ns = {}  # a function named _main whose frames say spawn.py\n"
            "exec(compile('def _main(exc):\\n    raise exc\\n', spawn.__file__, 'exec'), ns)\n"
            "cases = [(ns['_main'], EOFError('Ran out of input')),\n"
            "         (ns['_main'], FileNotFoundError(2, 'No such file or directory')),\n"
            "         (ns['_main'], ValueError('a real start-up error')),\n"
            "         (start, FileNotFoundError(2, 'a missing file elsewhere'))]\n"
            "for where, exc in cases:\n"
            "    try:\n"
            "        where(exc)\n"
            "    except Exception:\n"
            "        sys.excepthook(*sys.exc_info())\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=110)
    assert done.returncode == 0, done.stderr.decode()
    err = done.stderr
    assert b"ValueError: a real start-up error" in err
    assert b"a missing file elsewhere" in err
    assert b"Ran out of input" not in err and b"No such file or directory" not in err


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGTERM, "StopRequested"),
                                                 (signal.SIGINT, "KeyboardInterrupt")])
def test_a_swallowed_stop_is_raised_again_as_the_signal_asked(signum: int,
                                                              raised: str) -> None:
    """A SIGTERM whose exception Python swallowed (it landed in a callback whose
    exceptions are ignored) still ends the command as terminated, not as interrupted."""
    import experiments.pool as pool

    with pool.stop_signals():
        with contextlib.suppress(KeyboardInterrupt):  # swallowed, as in an at-fork hook
            pool._on_signal(signum, None)
        with pytest.raises(KeyboardInterrupt) as caught:
            pool.check_stop()
    assert type(caught.value).__name__ == raised
    with pool.stop_signals():
        pool.check_stop()  # the next command starts with no stop pending
