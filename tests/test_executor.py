"""The one executor factory: where a batch of runs goes, and that it is ended cleanly."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from experiments import runner, sweep
from experiments.pool import IN_FLIGHT_PER_WORKER, InlineExecutor, open_backend


def test_one_worker_or_one_run_stays_in_this_process() -> None:
    for kwargs in ({"workers": 1}, {"workers": 4, "runs": 1}):
        backend = open_backend(**kwargs)
        assert isinstance(backend.executor, InlineExecutor) and backend.window == 1
        assert backend.owned


def test_no_more_processes_than_runs_and_a_few_runs_each_in_flight() -> None:
    backend = open_backend(workers=4, runs=2)
    try:
        assert isinstance(backend.executor, ProcessPoolExecutor)
        assert backend.executor._max_workers == 2
        assert backend.window == IN_FLIGHT_PER_WORKER * 2 and backend.restart is not None
    finally:
        backend.shutdown(finished=False)  # stops the workers at once


def test_a_callers_executor_is_used_and_left_to_its_owner() -> None:
    mine = InlineExecutor()
    backend = open_backend(workers=3, executor=mine, window=5)
    assert backend.executor is mine and backend.window == 5 and not backend.owned


def test_compare_targets_calibration_and_sweeps_share_the_factory() -> None:
    """map_runs (compare, targets, calibrate) and the sweep get their executor from the
    same function: there is no second engine."""
    assert runner.open_backend is open_backend
    assert sweep.open_backend is open_backend
    assert list(runner.map_runs(abs, [-3, -1], workers=1, progress=False)) == [(-3, 3),
                                                                              (-1, 1)]
