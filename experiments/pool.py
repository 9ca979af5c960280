"""Local worker processes that never outlive the command that started them.

Runs of `compare`, `targets`, `calibrate` and `sweep` go to a process pool started with
the `forkserver` method (workers do not inherit the parent's threads or open database;
the fork server imports the model once and each worker starts as a cheap fork). The
pool's helpers (the fork server, multiprocessing's resource tracker) exit by themselves
once every process holding their pipes is gone, so the only thing that can keep them
alive is a worker. Two things make sure workers go:

- SIGTERM and SIGINT stop the command as Ctrl-C does (`stop_signals`): queued
  runs are cancelled and workers terminated (`stop_pool`) before the command exits.
- Every worker watches the process that started the pool and exits when it is gone,
  so a parent killed with SIGKILL (which no handler sees) leaves nothing behind either.

`submit_bounded` keeps only a few runs per worker in flight, so a long list of runs
never sits in memory as futures and pickled tasks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import Any

# Runs in flight per worker: enough that a worker never waits for the next task, few
# enough that memory does not grow with the number of runs.
IN_FLIGHT_PER_WORKER = 2
PARENT_POLL_SECONDS = 1.0  # only where pidfd_open is missing (not Linux)


# ------------------------------------------------------------------ stopping


class StopRequested(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (a KeyboardInterrupt, so every cleanup path runs)."""


_stop = threading.Event()


def stop_requested() -> bool:
    """True once SIGINT or SIGTERM arrived; loops check it in case a library (DuckDB) took
    the KeyboardInterrupt for itself."""
    return _stop.is_set()


def check_stop() -> None:
    if _stop.is_set():
        raise KeyboardInterrupt


def _on_signal(signum: int, frame: Any) -> None:
    _stop.set()
    if signum == signal.SIGTERM:
        raise StopRequested
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """While a command runs, SIGTERM stops it like Ctrl-C, and Ctrl-C keeps working even
    where a library swallows the KeyboardInterrupt (the flag is checked between runs).
    The previous handlers are restored afterwards."""
    _stop.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, _on_signal)
    if before[signal.SIGINT] is signal.default_int_handler:  # not when Ctrl-C is ignored
        signal.signal(signal.SIGINT, _on_signal)
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


# ------------------------------------------------------------------ the pool


def _exit_when_gone(parent: int) -> None:
    """Block until process `parent` has ended, then end this worker at once."""
    try:
        fd = os.pidfd_open(parent)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd: poll
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(PARENT_POLL_SECONDS)
    select.select([fd], [], [])  # a pidfd becomes readable when its process ends
    os._exit(1)


def _worker_init(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent (which stops the workers itself), and
    end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_gone, args=(parent,), daemon=True,
                     name="cogov-parent-watch").start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["experiments.execute"])
    else:
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               initargs=(os.getpid(),), mp_context=ctx)


def stop_pool(ex: Executor) -> None:
    """Cancel queued runs and stop running ones now (a sweep runs them again on resume)."""
    ex.shutdown(wait=False, cancel_futures=True)
    if isinstance(ex, ProcessPoolExecutor):
        terminate = getattr(ex, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
            return
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            proc.terminate()
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            proc.join(timeout=5)


def submit_bounded[T, R](ex: Executor, task: Callable[[T], R], items: Iterable[T],
                         window: int) -> Iterator[tuple[T, Future]]:
    """Submit `task(item)` for each item with at most `window` in flight; yields
    (item, finished future) as runs finish. Stops at a SIGINT/SIGTERM."""
    queue = iter(items)
    in_flight: dict[Future, T] = {}

    def fill() -> None:
        while len(in_flight) < window:
            item = next(queue, _END)
            if item is _END:
                return
            in_flight[ex.submit(task, item)] = item  # type: ignore[arg-type]

    fill()
    while in_flight:
        finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        check_stop()
        for fut in finished:
            yield in_flight.pop(fut), fut
        fill()


_END = object()
