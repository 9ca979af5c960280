"""Lever moves waiting to be applied: none is lost, however quickly they come.

A slider reports every position it passes (a drag, or each press of an arrow key). Moves
are kept per (mix, lever), the latest value winning, until a rebuild has applied them:
the page applies everything pending once no move has come for `SETTLE_SECONDS` (one
rebuild for a drag or a quick series of moves on several levers), and a move that arrives
while that rebuild runs stays pending for the next one.
"""

from __future__ import annotations

import threading
import time

SETTLE_SECONDS = 0.3


class LeverMoves:
    """Pending lever moves of a session (safe to use from several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[int, str], float] = {}
        self._last = 0.0

    def move(self, mix: int, path: str, value: float) -> None:
        with self._lock:
            self._pending[(mix, path)] = float(value)
            self._last = time.monotonic()

    def value(self, mix: int, path: str) -> float | None:
        """The value a lever was moved to and not yet applied, or None."""
        with self._lock:
            return self._pending.get((mix, path))

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._pending)

    def quiet_for(self) -> float:
        """Seconds since the last move."""
        with self._lock:
            return time.monotonic() - self._last

    def take(self) -> dict[int, dict[str, float]]:
        """Every pending move, by mix; they stay pending until `done`."""
        with self._lock:
            out: dict[int, dict[str, float]] = {}
            for (mix, path), value in self._pending.items():
                out.setdefault(mix, {})[path] = value
            return out

    def done(self, taken: dict[int, dict[str, float]]) -> None:
        """Forget the moves `taken` applied, unless the lever has moved again since."""
        with self._lock:
            for mix, changes in taken.items():
                for path, value in changes.items():
                    if self._pending.get((mix, path)) == value:
                        del self._pending[(mix, path)]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
