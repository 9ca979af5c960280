"""One run of a sweep, as a worker process runs it.

`execute_run` is a plain function of one picklable `RunTask`, so any
`concurrent.futures.Executor` can run it: a local process pool, or a Dask distributed
cluster through `Client.get_executor()`. It never raises for a failing run: the error
comes back in the `RunRecord`, and the sweep records it and goes on.
"""

from __future__ import annotations

import math
import socket
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from experiments.runner import RunSpec, run_one, scenario_hash
from simulation import __version__
from simulation.fingerprint import model_fingerprint
from simulation.scenario import Scenario, with_values

_TRACEBACK_CHARS = 4000


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (a design point at one replication)."""

    run_id: str
    point: int
    replication: int
    seed: int
    steps: int | None  # None: the scenario's own run.steps
    scenario: Scenario  # the point's base scenario, the experiment's `set:` applied
    scenario_dir: str | None
    values: tuple[tuple[str, Any], ...]  # parameter path -> value at this design point
    outcomes: tuple[str, ...]
    keep_series: bool = False


@dataclass
class RunRecord:
    """What came of one run; `status` is 'ok' or 'error'."""

    run_id: str
    status: str
    outcomes: dict[str, float | None]
    started: datetime
    finished: datetime
    steps: int | None = None
    scenario_hash: str | None = None
    host: str = ""
    cogov_version: str = __version__
    model_code: str = ""  # the fingerprint of the model code that ran it
    error: str | None = None
    traceback: str | None = None
    series: pd.DataFrame | None = field(default=None, repr=False)


def utc_now() -> datetime:
    """The time now in UTC, without a zone (DuckDB TIMESTAMP columns hold UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _number(value: Any) -> float | None:
    """A summary value as a float; NaN (an undefined share, say) becomes None (SQL NULL)."""
    x = float(value)
    return None if math.isnan(x) else x


def execute_run(task: RunTask) -> RunRecord:
    """Build the point's scenario, run it and keep the experiment's outcomes."""
    started = utc_now()
    host = socket.gethostname()
    steps = task.steps
    digest = None
    try:
        scenario = with_values(task.scenario, dict(task.values)) if task.values else task.scenario
        steps = task.steps or scenario.run.steps
        digest = scenario_hash(scenario)
        result = run_one(RunSpec(scenario, task.seed, steps, task.scenario_dir),
                         keep_series=task.keep_series)
        outcomes = {name: _number(result.summary[name]) for name in task.outcomes}
        series = None
        if result.series is not None:
            series = result.series.reset_index()
            series.insert(0, "run_id", task.run_id)
        return RunRecord(task.run_id, "ok", outcomes, started, utc_now(), steps, digest, host,
                         model_code=model_fingerprint(), series=series)
    except Exception as exc:  # a failing run is a result, not a crash of the sweep
        return RunRecord(
            task.run_id, "error", {}, started, utc_now(), steps, digest, host,
            model_code=model_fingerprint(), error=error_text(exc),
            traceback=traceback.format_exc()[-_TRACEBACK_CHARS:],
        )


def error_text(exc: BaseException) -> str:
    """One readable line (or a few, for a ScenarioError) naming what went wrong."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
