"""A fingerprint of the model's code: which model computed a stored result.

The version number changes at releases only; the fingerprint changes with any edit of
the model core (every .py file under simulation/, and its data files: the calibrated
values in simulation/scenario/calibrated.yaml change results too), so results computed by
two different models are never taken for one experiment's (sweeps keep it in an
experiment's identity and refuse to resume a store made by another model).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

CORE = Path(__file__).resolve().parent


@functools.cache
def model_fingerprint() -> str:
    """16 hex digits of the SHA-256 of the core's source and data files (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted([*CORE.rglob("*.py"), *CORE.rglob("*.yaml")]):
        digest.update(path.relative_to(CORE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
