"""A parameter named by its last part alone, or under the wrong section, gets the full path
suggested: `--set enforcement=0.9` -> did you mean 'levers.rule_of_law.enforcement'?"""

from __future__ import annotations

import contextlib
import io

import pytest

from cli.main import main
from experiments.api import scenario_with
from simulation.scenario import Scenario, ScenarioError, with_values
from simulation.scenario.errors import nearest_path

PATHS = ["ladder.grid_workers_per_1000", "levers.rule_of_law.enforcement",
         "budget.lever_costs.enforcement", "levers.self_governance.councils"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("enforcement", "levers.rule_of_law.enforcement"),  # the lever, declared before its cost
    ("enforcment", "levers.rule_of_law.enforcement"),
    ("ladder.enforcement", "levers.rule_of_law.enforcement"),
    ("levers.rule_of_law.enforcment", "levers.rule_of_law.enforcement"),
    ("budget.lever_costs.enforcment", "budget.lever_costs.enforcement"),
    ("grid_workers_per_100", "ladder.grid_workers_per_1000"),
    ("councils", "levers.self_governance.councils"),
])
def test_nearest_path(typed: str, meant: str) -> None:
    assert nearest_path(typed, PATHS) == meant


def test_nothing_close_suggests_nothing() -> None:
    assert nearest_path("xyzzy", PATHS) is None


def test_set_with_a_bare_name_suggests_the_full_path() -> None:
    with pytest.raises(ScenarioError) as info:
        with_values(Scenario(), {"enforcement": 0.9})
    assert info.value.problems[0].suggestion == "levers.rule_of_law.enforcement"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", "baseline", "--set", "enforcement=0.9", "--steps", "1"])
    assert code == 2
    assert "did you mean 'levers.rule_of_law.enforcement'?" in err.getvalue()


def test_run_model_with_a_bare_name_suggests_the_full_path() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_with({"councils": 0.5})
    assert info.value.problems[0].suggestion == "levers.self_governance.councils"
