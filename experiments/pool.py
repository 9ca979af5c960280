"""The one executor factory for compare, targets, calibration and sweeps, and local
worker processes that never outlive the command that started them.

`open_backend` gives every parallel run its executor: this process alone for one worker
(plain tracebacks, no start-up), a pool of local processes, an existing Dask distributed
cluster (`scheduler`, sweeps), or an executor the caller brings (EMA-style clients, the
tests). `submit_bounded` feeds it a few runs per worker at a time, and `Backend.shutdown`
ends it cleanly: waiting for finished work, stopping workers at once otherwise.

Runs of `compare`, `targets`, `calibrate` and `sweep` go to a pool of local processes
(`process_pool`). Where it is safe, its workers are forked from this process at once,
before anything else starts (`forked_pool`): they start with the model already imported,
in milliseconds, so a sweep has every core from its first run. Forking is safe only
while this process runs no thread of its own, so otherwise (a second Python thread, as in
the browser view, or not Linux) the pool uses a fork server (`server_pool`): a fresh
interpreter imports the model once (about a second) and each worker is a cheap fork of
it; until the first worker is ready, the pool runs the tasks it is given in this process
(`HeadStartPool`), so those seconds are not lost. The fork server and multiprocessing's
resource tracker exit by themselves once every process holding their pipes is gone, so
the only thing that can keep them alive is a worker. Two things make sure workers go:

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
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

# Runs in flight per worker: enough that a worker never waits for the next task, few
# enough that memory does not grow with the number of runs.
IN_FLIGHT_PER_WORKER = 2
PARENT_POLL_SECONDS = 1.0  # only where pidfd_open is missing (not Linux)
CLUSTER_HINT = "pip install 'cogov[cluster]'"
CONNECT_TIMEOUT = "20s"  # to reach a Dask scheduler
WORKERS_TIMEOUT = 60  # seconds to wait for a Dask cluster's first worker


# ------------------------------------------------------------------ stopping


class StopRequested(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (a KeyboardInterrupt, so every cleanup path runs)."""


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_stop = threading.Event()
_stopped_by: list[int] = []  # the signal that set `_stop`


def check_stop() -> None:
    """Raise again the stop a signal asked for: KeyboardInterrupt after SIGINT,
    StopRequested after SIGTERM. The first may have been swallowed: by a library such as
    DuckDB, or by Python itself where the signal landed in a callback whose exceptions
    are ignored (logging's at-fork handlers while a pool forks its workers)."""
    if _stop.is_set():
        _raise_for(_stopped_by[0] if _stopped_by else signal.SIGINT)


def _on_signal(signum: int, frame: Any) -> None:
    if not _stop.is_set():
        _stopped_by[:] = [signum]
        _stop.set()
    _raise_for(signum)


def _raise_for(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise StopRequested
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """While a command runs, SIGTERM stops it like Ctrl-C, and Ctrl-C keeps working even
    where a library swallows the KeyboardInterrupt (the flag is checked between runs).
    The previous handlers are restored afterwards."""
    _stop.clear()
    _stopped_by.clear()
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
    # A forked worker inherits the command's SIGTERM handler (`stop_signals`), which would
    # turn the pool's own terminate() into a traceback: SIGTERM ends a worker plainly.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked while `forked_pool` forked it
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    threading.Thread(target=_exit_when_gone, args=(parent,), daemon=True,
                     name="cogov-parent-watch").start()


def default_workers() -> int:
    """Processes when none are asked for: one per core."""
    return max(1, os.cpu_count() or 1)


class HeadStartPool(ProcessPoolExecutor):
    """A process pool that, until its first worker is ready, runs tasks in this process.

    A new pool's first worker is ready only once the fork server has imported the model
    (2-3 s on a shared 2-core machine: as long as several runs of 5,000 residents), and
    starting a worker blocks the caller until then, while this process, which has
    imported the model already, would sit waiting. So the first worker is started from a
    thread, and every task given to the pool before it is ready runs at once here, as
    `InlineExecutor` runs it (the same function of the same task: the same result).
    Once a worker has answered, every task goes to the workers.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ready = threading.Event()
        threading.Thread(target=self._start_first_worker, daemon=True,
                         name="cogov-pool-start").start()

    def _start_first_worker(self) -> None:
        try:
            probe = super().submit(os.getpid)
        except Exception:  # shut down or broken already: let submit report it
            self._ready.set()
            return
        probe.add_done_callback(lambda _: self._ready.set())

    @property
    def ready(self) -> bool:
        """A worker has started (the others fork from the same, now warm, server)."""
        return self._ready.is_set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        # A pool shut down or broken says so (RuntimeError, BrokenProcessPool) as any does.
        if self._ready.is_set() or self._shutdown_thread or self._broken:
            return super().submit(fn, *args, **kwargs)
        return InlineExecutor().submit(fn, *args, **kwargs)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes that end with this one (see the module docstring):
    forked from this process at once where that is safe, else from a fork server."""
    if fork_is_safe_here():
        return forked_pool(workers)
    return server_pool(workers)


def fork_is_safe_here() -> bool:
    """Whether workers may be forked from this process now.

    A forked child has only the thread that forked it: a lock another thread held at the
    fork stays locked in the child for ever. So only on Linux (macOS's system libraries
    are not fork-safe), and only while this process runs no Python thread but the main
    one. The native thread pools that numpy and pyarrow start at import are fork-aware
    (they re-create their threads in the child, as glibc's malloc does its locks) and no
    database is open yet (a sweep forks its workers before it opens its store).
    """
    return (sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose `workers` processes are forked from this one now, before it starts any
    thread (the pool's own manager thread starts after the forks): each starts with the
    model imported, in milliseconds, instead of importing it (about a second)."""
    for stream in (sys.stdout, sys.stderr):  # else the children would write it again
        with contextlib.suppress(Exception):
            stream.flush()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("fork"))
    with warnings.catch_warnings():
        # Python warns at any fork of a process with more than one thread, counting the
        # native pools above; `fork_is_safe_here` has checked what matters.
        warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                DeprecationWarning)
        # Ctrl-C and SIGTERM wait until the workers are forked: landing during a fork,
        # their exception would be lost in an at-fork hook (Python only prints it) and a
        # worker not yet set up would die of it with a traceback. The workers start with
        # them blocked and unblock them once their own handlers are set (`_worker_init`).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            try:
                pool.submit(int).result()  # the first task forks every worker
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a stop arrives here
        except BaseException:  # no worker may outlive a stop during the start
            _stop_pool_now(pool)
            raise
    return pool


def server_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked from a fork server, with a head start while
    the server imports the model (`HeadStartPool`)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["experiments.forkserver_init"])
    else:
        ctx = multiprocessing.get_context("spawn")
    return HeadStartPool(max_workers=workers, initializer=_worker_init,
                         initargs=(os.getpid(),), mp_context=ctx)


def stop_pool(ex: Executor) -> None:
    """Cancel queued runs and stop running ones now (a sweep runs them again on resume).

    A pool whose first worker is still starting cannot be shut down before that worker
    has started (seconds: the fork server is importing the model), so it is stopped from
    a thread and this process goes on at once; should it exit first, the worker ends by
    itself (it watches this process) and so does the fork server.
    """
    if isinstance(ex, HeadStartPool) and not ex.ready:
        threading.Thread(target=_stop_pool_now, args=(ex,), daemon=True,
                         name="cogov-pool-stop").start()
        return
    _stop_pool_now(ex)


def _stop_pool_now(ex: Executor) -> None:
    # The pool's own dict of workers, held before the shutdown: `shutdown(wait=False)`
    # sets the attribute to None (Python 3.12 and later; 3.14's `terminate_workers` reads
    # it the same way, so it terminates nothing once the pool is shut down), and workers
    # left to take a stop sentinel each at exit can keep this process from exiting: a
    # worker whose start a SIGTERM interrupted here takes from the same queue without
    # being counted, so a counted one waits for a task for ever while the exit waits for
    # it. The dict also gets the worker a thread may still be starting (`stop_pool`).
    processes = getattr(ex, "_processes", None)
    ex.shutdown(wait=False, cancel_futures=True)
    if isinstance(ex, ProcessPoolExecutor):
        for proc in list((processes or {}).values()):
            proc.terminate()
        for proc in list((processes or {}).values()):
            proc.join(timeout=5)


# ------------------------------------------------------------------ the executor factory


class BackendError(Exception):
    """Runs cannot start: no cluster at the address, no workers, no Dask installed."""


class InlineExecutor(Executor):
    """Runs each task at once in this process (one worker): plain tracebacks, no start-up."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


@dataclass
class Backend:
    """An executor, the runs it may hold in flight, how to start it again, and cleanup."""

    executor: Executor
    window: int
    label: str
    restart: Callable[[], Executor] | None = None
    close: Callable[[], None] = lambda: None
    owned: bool = False  # created by open_backend: shut down by it

    def shutdown(self, finished: bool) -> None:
        """End the executor if it is ours: wait for it when the work finished, stop its
        workers at once when it did not (interrupted, a run failed, the caller stopped
        early); then close any connection."""
        if self.owned:
            if finished:
                self.executor.shutdown(wait=True)
            else:
                stop_pool(self.executor)
        self.close()


def open_backend(*, workers: int | None = None, scheduler: str | None = None,
                 executor: Executor | None = None, window: int | None = None,
                 runs: int | None = None) -> Backend:
    """The executor for a batch of runs: the one place that decides where runs go.

    Args:
        workers: local processes (default: all cores); 1 runs in this process.
        scheduler: the address of a running Dask scheduler (tcp://HOST:PORT) instead.
        executor: an executor of the caller's (it is not shut down here).
        window: runs in flight at a time (default: IN_FLIGHT_PER_WORKER per worker).
        runs: how many runs there are, when known: no more processes than runs, and a
            single run goes in this process.

    Raises:
        BackendError: the Dask cluster cannot be used.
    """
    n = workers or default_workers()
    if executor is not None:
        backend = Backend(executor, IN_FLIGHT_PER_WORKER * n, "given executor")
    elif scheduler:
        backend = dask_backend(scheduler)
    else:
        if runs is not None:
            n = max(1, min(n, runs))
        if n == 1:
            backend = Backend(InlineExecutor(), 1, "this process", owned=True)
        else:
            size = n
            backend = Backend(process_pool(size), IN_FLIGHT_PER_WORKER * size,
                              f"{size} local processes",
                              restart=lambda: process_pool(size), owned=True)
    if window:
        backend.window = window
    return backend


def dask_backend(address: str) -> Backend:
    """Connect to a running Dask scheduler; its workers must have cogov installed."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise BackendError(f"--scheduler needs Dask distributed, which is not installed: "
                           f"{CLUSTER_HINT}") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BackendError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise BackendError(f"the Dask scheduler at {address} has no workers: {exc}") from None
    threads = sum(client.nthreads().values()) or 1
    executor = client.get_executor(pure=False)  # every run is a task of its own
    return Backend(executor, IN_FLIGHT_PER_WORKER * threads,
                   f"Dask cluster {address} ({threads} threads)", close=client.close)


def submit_bounded[T, R](ex: Executor, task: Callable[[T], R], items: Iterable[T],
                         window: int) -> Iterator[tuple[T, Future]]:
    """Run `task(item)` for each item with at most `window` in flight at a time.

    Args:
        ex: the executor (see `open_backend`).
        task: a picklable top-level function.
        items: taken one at a time, so a long list is never held as futures.
        window: most runs submitted and not yet handed back.

    Yields:
        (item, its finished future) as runs finish, in the order they finish.

    Raises:
        KeyboardInterrupt: at a SIGINT or SIGTERM, between runs.
    """
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
