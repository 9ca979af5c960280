"""What a fork server imports once, before it forks any worker (`experiments.pool`).

The model, so that every worker starts as a cheap fork with it imported; and a quiet end
for a worker whose command ended while the server was forking it: such a worker finds no
task to read (EOFError while it unpickles its start-up data) and multiprocessing would
print that as a traceback into the terminal of a command that has already stopped. The
fork server's children hand an exception they cannot start with to `sys.excepthook`
(multiprocessing.forkserver.main); a worker that started runs its tasks under
multiprocessing's own handler, which this hook does not touch.
"""

from __future__ import annotations

import sys
from types import TracebackType

import experiments.execute  # noqa: F401  (imported here once for every worker)

_default_hook = sys.excepthook


def _quiet_when_orphaned(kind: type[BaseException], value: BaseException,
                         traceback: TracebackType | None) -> None:
    if issubclass(kind, EOFError):  # the command went away before sending the task
        return
    _default_hook(kind, value, traceback)


sys.excepthook = _quiet_when_orphaned
