"""Running the model: one run, or many runs spread over the machine's cores.

`run_one` is a plain function of picklable arguments, so any `concurrent.futures`
executor can run it (see `experiments.pool.open_backend`, the one executor factory).
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.pool import open_backend, submit_bounded
from simulation import CoGovernanceModel
from simulation.scenario import Scenario


@dataclass(frozen=True)
class RunSpec:
    """One run: a scenario, a seed and a number of weeks."""

    scenario: Scenario
    seed: int
    steps: int
    scenario_dir: str | None = None
    label: str = ""


@dataclass
class RunResult:
    """One run's outcomes (`summary()`) and, when kept, its weekly series."""

    spec: RunSpec
    summary: dict[str, float]
    series: pd.DataFrame | None
    years: pd.DataFrame | None = None  # every windowed outcome, year by year


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of every parameter value of a scenario."""
    data = scenario.model_dump(mode="json", exclude={"name", "description", "description_zh",
                                                     "extends"})
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def simulate(scenario: Scenario, seed: int, steps: int | None = None,
             scenario_dir: str | Path | None = None) -> CoGovernanceModel:
    """Build a model and step it `steps` weeks (the scenario's `run.steps` by default).

    Returns the model itself, to be read (`summary()`, `dataframe()`, its residents);
    `experiments.api.run_model` is the plain function of parameters to outcomes.
    """
    model = CoGovernanceModel(scenario, rng=seed, scenario_dir=scenario_dir)
    for _ in range(steps if steps is not None else scenario.run.steps):
        model.step()
    return model


def run_one(spec: RunSpec, keep_series: bool | Iterable[str] = True) -> RunResult:
    """Run one spec.

    Args:
        spec: the scenario, seed, weeks and folder of its files.
        keep_series: True for the whole weekly record, a list of its columns, or False.

    Returns:
        The run's outcomes and the series kept.
    """
    model = simulate(spec.scenario, spec.seed, spec.steps, spec.scenario_dir)
    series = None
    if keep_series:
        series = model.dataframe()
        if not isinstance(keep_series, bool):
            series = series[list(keep_series)]
    return RunResult(spec, model.summary(), series, model.yearly() if keep_series else None)


def progress_bar(**kwargs: Any) -> Any:
    """A tqdm progress bar without tqdm's monitor thread (a thread that lives on after
    the bar, and after which a process pool can no longer be forked from this process:
    see `experiments.pool.fork_is_safe_here`). Our bars move at every run, so the
    monitor, which only unsticks bars that stall, has nothing to do."""
    return _bar_class()(**kwargs)


@functools.cache
def _bar_class() -> type:
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


def map_runs[T, R](
    task: Callable[[T], R],
    items: list[T],
    *,
    workers: int | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    description: str = "runs",
) -> Iterator[tuple[T, R]]:
    """Apply `task` (a picklable top-level function) to every item in parallel.

    Yields (item, result) pairs as runs finish, with a progress bar on stderr. The runs go
    where `experiments.pool.open_backend` sends them: this process for one worker (or a
    single item), which keeps tracebacks simple and avoids process start-up; local
    processes otherwise; `executor` may be any concurrent.futures executor. Only a few
    runs per worker are in flight at a time; on Ctrl-C or SIGTERM queued runs are
    cancelled and the workers stopped.
    """
    # The workers first: forked from this process, they must start before the bar's
    # monitor thread does (see `experiments.pool.fork_is_safe_here`).
    backend = open_backend(workers=workers, executor=executor, runs=len(items))
    # disable=None: a bar on a terminal, none when stderr goes to a file or a pipe.
    bar = progress_bar(total=len(items), desc=description, unit="run",
                       disable=None if progress else True, file=sys.stderr,
                       dynamic_ncols=True)
    finished = False
    try:
        for item, fut in submit_bounded(backend.executor, task, items, backend.window):
            yield item, fut.result()
            bar.update()
        finished = True
    finally:
        backend.shutdown(finished)
        bar.close()


def run_many(
    specs: list[RunSpec],
    *,
    workers: int | None = None,
    keep_series: bool | Iterable[str] = True,
    progress: bool = True,
    executor: Executor | None = None,
    description: str = "runs",
) -> Iterator[RunResult]:
    """Run specs in parallel (see `map_runs`).

    Args:
        specs: the runs.
        workers: processes (default: all cores; 1 runs in this process).
        keep_series: as for `run_one`.
        progress: show a progress bar.
        executor: any concurrent.futures executor instead of local processes.
        description: the progress bar's label.

    Yields:
        Each run's result as it finishes (not in the order of `specs`).
    """
    keep = keep_series if isinstance(keep_series, bool) else tuple(keep_series)
    task = functools.partial(run_one, keep_series=keep)
    for _, result in map_runs(task, specs, workers=workers, progress=progress,
                              executor=executor, description=description):
        yield result
