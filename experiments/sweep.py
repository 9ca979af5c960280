"""`cogov sweep`: run an experiment's design, resumably, into a DuckDB store.

Runs go to any `concurrent.futures.Executor`: a local process pool over the machine's
cores by default, this process alone with `--workers 1`, or an existing Dask distributed
cluster with `--scheduler tcp://HOST:PORT` (Dask is imported only then). At most a few
runs per worker are in flight at a time, so memory stays flat however long the sweep.

Each run's row is committed as the run completes. Starting the same command again skips
every run already stored with status 'ok' and runs the rest (failed runs are tried again),
so a sweep stopped by Ctrl-C, a crash or SIGKILL loses nothing and does nothing twice;
seeds belong to (design point, replication), so the numbers are those of an uninterrupted
sweep.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    wait,
)
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from experiments.design import Experiment
from experiments.execute import RunRecord, RunTask, error_text, execute_run, utc_now
from experiments.pool import (
    Backend,
    BackendError,
    check_stop,
    fork_is_safe_here,
    open_backend,
    stop_pool,
)
from experiments.runner import progress_bar
from experiments.store import Store
from simulation.fingerprint import model_fingerprint

if TYPE_CHECKING:
    import numpy as np

MAX_POOL_RESTARTS = 5
WORKER_DIED = "a worker process died while this run was queued or running (out of memory? killed?)"


class SweepError(BackendError):
    """A sweep that cannot go on: its worker pool broke again and again."""


@dataclass
class SweepReport:
    """What one invocation of a sweep did (see `summary_lines`)."""

    experiment: str
    store: Path
    total: int  # runs in the design
    already: int  # stored with status 'ok' before this invocation
    ran: int = 0  # runs this invocation completed (ok or error)
    failed: int = 0  # of those, how many failed
    seconds: float = 0.0
    interrupted: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)  # first few (run_id, error)

    @property
    def stored_ok(self) -> int:
        """Runs stored with status 'ok' now, before and during this invocation."""
        return self.already + self.ran - self.failed


# ------------------------------------------------------------------ the sweep


def run_sweep(
    exp: Experiment,
    store_path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
    window: int | None = None,
    progress: bool = True,
    log: TextIO | None = None,
) -> SweepReport:
    """Run every run of `exp` not yet stored with status 'ok', storing each as it ends.

    A run already stored ok is never run again; a failed one is run again. Seeds belong
    to (design point, replication), so a resumed sweep stores the numbers an
    uninterrupted one would.

    Args:
        exp: the checked experiment (`load_experiment`).
        store_path: its DuckDB store (created, or resumed if it holds this experiment).
        workers: local processes (default: all cores; 1 runs in this process).
        scheduler: a Dask scheduler's address instead (tcp://HOST:PORT).
        executor: any concurrent.futures executor instead (not shut down here).
        window: runs in flight at a time (default: a few per worker).
        progress: a progress bar on a terminal, plain lines in a log.
        log: where notes and progress go (default: stderr).

    Returns:
        What this invocation did (an interrupted sweep says so; nothing is lost).

    Raises:
        StoreError: the store belongs to another experiment or model, or is in use.
        BackendError: the Dask cluster cannot be used.
        SweepError: the worker pool broke again and again.
    """
    log = log or sys.stderr

    def backend_now() -> Backend:
        return open_backend(workers=workers, scheduler=scheduler, executor=executor,
                            window=window)

    # Local workers that can be forked from this process start before the store opens:
    # they then hold neither the store nor its threads (`experiments.pool.process_pool`).
    # Any other backend (a cluster, a fork server) waits until there is work for it.
    backend = (backend_now() if scheduler is None and executor is None
               and fork_is_safe_here() else None)
    try:
        store = Store.open(store_path, exp)
    except BaseException:
        if backend is not None:
            backend.shutdown(finished=False)
        raise
    try:
        done = store.ok_runs()
        already = int(done.sum())
        before = store.counts()
        report = SweepReport(exp.name, Path(store_path), exp.n_runs, already)
        if already == exp.n_runs:
            if backend is not None:
                backend.shutdown(finished=True)
            return report
        for note in exp.notes:
            print(f"note: {note}", file=log)
        retry = before.get("error", 0)
        if already or retry:
            print(f"{exp.name}: resuming: {already:,} of {exp.n_runs:,} runs already stored"
                  + (f"; trying {retry} failed run(s) again" if retry else ""), file=log)
        if backend is None:
            backend = backend_now()
        try:
            _drive(exp, store, _pending(exp, done), backend, report, progress, log)
        finally:
            backend.close()
        return report
    finally:
        store.close()


def _pending(exp: Experiment, done: np.ndarray) -> Iterator[tuple[int, int]]:
    """(point, replication) of every run not stored 'ok', in run_id order, one at a time."""
    reps = exp.replications
    for index in range(exp.n_runs):
        if not done[index]:
            yield divmod(index, reps)


def _drive(exp: Experiment, store: Store, pending: Iterator[tuple[int, int]],
           backend: Backend,
           report: SweepReport, progress: bool, log: TextIO) -> None:
    start = time.monotonic()
    terminal = progress and hasattr(log, "isatty") and log.isatty()
    # A bar redraws itself on a terminal; a log file or a pipe gets plain lines instead.
    bar = progress_bar(total=exp.n_runs, initial=report.already, desc=exp.name, unit="run",
                       disable=not terminal, file=log, dynamic_ncols=True, smoothing=0.1)
    bar.set_postfix(failed=0)
    lines = LogLines(exp.name, exp.n_runs, report.already, log) if (
        progress and not terminal) else None
    ex = backend.executor
    stopped = False
    in_flight: dict[Future, RunTask] = {}
    queue = iter(pending)
    restarts = 0

    def record(done: list[tuple[RunTask, RunRecord]]) -> None:
        """Store runs as they complete; runs that completed together share a commit."""
        done = [(t, _same_model(exp, t, rec)) for t, rec in done]
        store.write_many([(t.point, t.replication, t.seed, rec) for t, rec in done])
        for _, rec in done:
            report.ran += 1
            if rec.status != "ok":
                report.failed += 1
                if len(report.errors) < 5:
                    report.errors.append((rec.run_id, rec.error or ""))
                bar.set_postfix(failed=report.failed)
        bar.update(len(done))
        if lines is not None:
            lines.update(len(done), report.failed)

    unsent: list[tuple[int, int]] = []  # taken from the queue but refused by the executor

    def fill() -> None:
        while len(in_flight) < backend.window:
            item = unsent.pop() if unsent else next(queue, None)
            if item is None:
                return
            task = exp.task(*item)
            try:
                fut = ex.submit(execute_run, task)
            except BrokenExecutor:
                unsent.append(item)  # sent again once the pool is restarted
                raise
            in_flight[fut] = task

    try:
        while True:
            try:
                fill()
            except BrokenExecutor:
                if not in_flight:  # nothing left to notice it through: restart now
                    if backend.restart is None or restarts >= MAX_POOL_RESTARTS:
                        raise SweepError("the worker pool broke; stopping (runs stored so "
                                         "far are kept)") from None
                    restarts += 1
                    ex.shutdown(wait=False, cancel_futures=True)
                    ex = backend.executor = backend.restart()
                    continue
            if not in_flight:
                break
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            check_stop()  # a signal DuckDB or a library swallowed
            broken = False
            done = []
            for fut in finished:
                task = in_flight.pop(fut)
                try:
                    rec = fut.result()
                except BrokenExecutor as exc:
                    broken = True
                    rec = _failed(task, f"{WORKER_DIED}: {error_text(exc)}")
                except Exception as exc:  # the executor lost the task (e.g. a Dask worker)
                    rec = _failed(task, error_text(exc))
                done.append((task, rec))
            record(done)
            if broken and backend.restart is not None:
                restarts += 1
                if restarts > MAX_POOL_RESTARTS:
                    raise SweepError(f"worker processes died {restarts} times; stopping "
                                     "(runs stored so far are kept)")
                lost = [(task, _failed(task, WORKER_DIED)) for task in in_flight.values()]
                in_flight.clear()
                record(lost)
                ex.shutdown(wait=False, cancel_futures=True)
                ex = backend.executor = backend.restart()
    except KeyboardInterrupt:
        report.interrupted = True
        for fut in in_flight:
            fut.cancel()
        if backend.owned:
            stop_pool(ex)
        stopped = True
    finally:
        bar.close()
        if backend.owned and not stopped:
            ex.shutdown(wait=True)
        report.seconds = time.monotonic() - start


class LogLines:
    """Progress for a log file or a pipe: a plain line each time another tenth of the
    sweep is stored, or a minute has passed, and when the last run is stored."""

    def __init__(self, name: str, total: int, done: int, log: TextIO,
                 share: float = 0.1, seconds: float = 60.0):
        self.name, self.total, self.done, self.log = name, total, done, log
        self.every = max(1, round(total * share))
        self.seconds = seconds
        self.shown, self.shown_at = done, time.monotonic()

    def update(self, n: int, failed: int) -> None:
        self.done += n
        now = time.monotonic()
        if (self.done - self.shown >= self.every or self.done >= self.total
                or now - self.shown_at >= self.seconds):
            print(f"{self.name}: {self.done}/{self.total} runs stored, {failed} failed",
                  file=self.log, flush=True)
            self.shown, self.shown_at = self.done, now


def _same_model(exp: Experiment, task: RunTask, rec: RunRecord) -> RunRecord:
    """A run computed by other model code (a cluster worker with another cogov installed)
    is not this experiment's result: it is stored as a failure, to be run again."""
    if rec.status != "ok" or rec.model_code == exp.model_code:
        return rec
    return _failed(task, f"the worker on {rec.host or 'another host'} runs other model code "
                   f"(cogov {rec.cogov_version}, code {rec.model_code}) than this sweep "
                   f"(code {exp.model_code}): install the same cogov on every worker")


def _failed(task: RunTask, message: str) -> RunRecord:
    now = utc_now()
    return RunRecord(task.run_id, "error", {}, now, now, task.steps, error=message,
                     model_code=model_fingerprint())


# ------------------------------------------------------------------ summary


def summary_lines(report: SweepReport) -> list[str]:
    """The sweep's outcome for a reader: runs, rate, failures, how to resume, what next."""
    store = report.store
    if report.ran == 0 and not report.interrupted:
        return [f"{report.experiment}: all {report.total:,} runs are already in {store}; "
                f"nothing to do. Next: cogov analyze {store}"]
    rate = report.ran / report.seconds * 60 if report.seconds > 0 else float("nan")
    head = (f"{report.experiment}: {report.ran:,} runs in {report.seconds:,.1f} s "
            f"({rate:,.0f} per minute): {report.ran - report.failed:,} ok, "
            f"{report.failed:,} failed; {report.stored_ok:,} of {report.total:,} runs "
            f"stored ok in {store}")
    lines = [head]
    if report.interrupted:
        lines.append(f"interrupted: run the same command again to resume "
                     f"({report.total - report.stored_ok:,} runs to go)")
    if report.failed:
        for run_id, err in report.errors:
            lines.append(f"  failed {run_id}: {err.splitlines()[0] if err else ''}")
        lines.append(f"  all errors: duckdb {store} \"SELECT run_id, error FROM runs "
                     "WHERE status = 'error'\"; running the sweep again retries them")
    if not report.interrupted and report.stored_ok == report.total:
        lines.append(f"Next: cogov analyze {store}")
    return lines
