"""A ScenarioError crosses process boundaries intact (process pools, Dask, EMA)."""

from __future__ import annotations

import pickle

from simulation.scenario import Problem, ScenarioError


def test_scenario_error_survives_pickling() -> None:
    problems = [
        Problem("out of range", file="my.yaml", line=6, path="ladder.grid_workers_per_1000",
                value=-1, allowed="a number from 0 to 50"),
        Problem("unknown key 'levres'", file="my.yaml", line=2, path="levres",
                suggestion="levers"),
    ]
    err = ScenarioError(problems)
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ScenarioError)
    assert back.problems == problems
    assert str(back) == str(err)
    assert str(back).splitlines()[0] == (
        "my.yaml:6: ladder.grid_workers_per_1000: out of range")
