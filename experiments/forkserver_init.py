"""What a fork server imports once, before it forks any worker (`experiments.pool`).

The model, so that every worker starts as a cheap fork with it imported; and a quiet end
for the server, or a worker it was forking, when the command goes away in the middle.
The server then finds no file descriptors where the command was sending them (EOFError);
a worker finds no start-up data (EOFError), or the queues' semaphores and pipes it
unpickles already removed by the exiting command (FileNotFoundError, a broken pipe).
Multiprocessing would print each as a traceback into the terminal of a command that has
already stopped. The server and the children it has not yet handed to a task leave such
an exception to `sys.excepthook` (multiprocessing.forkserver.main); a worker that started
runs its tasks under multiprocessing's own handler, which this hook does not see.
"""

from __future__ import annotations

import sys
from types import TracebackType

import experiments.execute  # noqa: F401  (imported here once for every worker)

# What a worker meets when the command that asked for it has gone away while it starts.
ORPHANED = (EOFError, FileNotFoundError, ConnectionError)

_default_hook = sys.excepthook


def _while_starting(traceback: TracebackType | None) -> bool:
    """The exception came from the fork server's loop or a worker's start-up, where they
    read what the command sends (multiprocessing's forkserver.py and spawn.py)."""
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(("multiprocessing/forkserver.py", "multiprocessing/spawn.py")):
            return True
        traceback = traceback.tb_next
    return False


def _quiet_when_orphaned(kind: type[BaseException], value: BaseException,
                         traceback: TracebackType | None) -> None:
    if issubclass(kind, ORPHANED) and _while_starting(traceback):
        return
    _default_hook(kind, value, traceback)


sys.excepthook = _quiet_when_orphaned
