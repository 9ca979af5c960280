"""What a fork server imports once, before it forks any worker (`experiments.pool`).

The model, so that every worker starts as a cheap fork with it imported; and a quiet end
for a worker whose command ended while the server was forking it. Such a worker cannot
start: its start-up data never comes (EOFError), or the queues' semaphores and pipes it
unpickles were already removed by the exiting command (FileNotFoundError, a broken
pipe), and multiprocessing would print that as a traceback into the terminal of a
command that has already stopped. The fork server's children hand an exception they
cannot start with to `sys.excepthook` (multiprocessing.forkserver.main); a worker that
started runs its tasks under multiprocessing's own handler, which this hook does not see.
"""

from __future__ import annotations

import sys
from types import TracebackType

import experiments.execute  # noqa: F401  (imported here once for every worker)

# What a worker meets when the command that asked for it has gone away while it starts.
ORPHANED = (EOFError, FileNotFoundError, ConnectionError)

_default_hook = sys.excepthook


def _while_starting(traceback: TracebackType | None) -> bool:
    """The exception came from a worker's start-up (multiprocessing.spawn's `_main`,
    which reads and unpickles what the command sends)."""
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name == "_main" and code.co_filename.endswith("spawn.py"):
            return True
        traceback = traceback.tb_next
    return False


def _quiet_when_orphaned(kind: type[BaseException], value: BaseException,
                         traceback: TracebackType | None) -> None:
    if issubclass(kind, ORPHANED) and _while_starting(traceback):
        return
    _default_hook(kind, value, traceback)


sys.excepthook = _quiet_when_orphaned
