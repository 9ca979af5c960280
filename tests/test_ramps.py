"""Ramps of ladder parameters and the budget: validated against their bounds, in force in
the week they reach, read by the handlers."""

from __future__ import annotations

import pytest

from simulation.levers import parameters_at
from simulation.model import CoGovernanceModel
from simulation.scenario import ScenarioError
from simulation.scenario.loader import with_values
from tests.conftest import run, small_scenario

CENTRE = "ladder.county_centre_staff_per_10000"


def _opening_at(week: int, to: float = 3.0, **more: float) -> dict:
    return {CENTRE: 0.0, **more,
            "schedules": [{"parameter": CENTRE, "start_week": week, "end_week": week,
                           "to": to}]}


def test_a_ramp_of_a_ladder_parameter_is_checked_against_its_bounds() -> None:
    small_scenario(_opening_at(52, to=300.0))  # within 0 - 500 staff per 10,000
    with pytest.raises(ScenarioError, match="out of range"):
        small_scenario(_opening_at(52, to=600.0))
    with pytest.raises(ScenarioError, match="out of range"):  # levers stay within 0 - 1
        small_scenario({"schedules": [{"parameter": "levers.rule_of_law.enforcement",
                                       "start_week": 0, "end_week": 5, "to": 1.5}]})
    with pytest.raises(ScenarioError, match="not a lever, ladder parameter or the budget"):
        small_scenario({"schedules": [{"parameter": "population.residents",
                                       "start_week": 0, "end_week": 5, "to": 10.0}]})


def test_parameters_at_moves_linearly_between_start_and_end() -> None:
    # From 20 mediators per 10,000 at week 10 to 40 at week 30: 25 at week 15, by hand.
    scenario = small_scenario({"schedules": [
        {"parameter": "ladder.town_mediators_per_10000", "start_week": 10, "end_week": 30,
         "to": 40.0}], "ladder.town_mediators_per_10000": 20.0})
    path = "ladder.town_mediators_per_10000"
    assert parameters_at(scenario, 5)[path] == 20.0
    assert parameters_at(scenario, 15)[path] == pytest.approx(25.0)
    assert parameters_at(scenario, 30)[path] == 40.0 == parameters_at(scenario, 99)[path]
    assert parameters_at(small_scenario(), 15) == {}  # no ramp: nothing changes


def test_a_centre_opens_in_the_week_its_ramp_reaches() -> None:
    model = CoGovernanceModel(small_scenario(_opening_at(3)), rng=1)
    seen = []
    for _ in range(4):
        model.step()
        seen.append((model.param(CENTRE),
                     model.county_centre.capacity_per_week(model.n_residents)))
    assert [s for s, _ in seen] == [0.0, 0.0, 3.0, 3.0]
    # 3 staff per 10,000 × 2,000 residents × the centre's cases per staff, by hand.
    cases = model.params.ladder.centre_cases
    assert seen[2][1] == pytest.approx(3.0 * 2_000 / 10_000 * cases)
    assert model.base_scenario.ladder.county_centre_staff_per_10000 == 0.0  # as given


def test_walk_ins_are_served_at_the_centre_only_once_it_opens() -> None:
    """Direction: no case starts at the centre before it opens; some do after."""
    started: dict[str, int] = {"before": 0, "after": 0}

    def watch(model: CoGovernanceModel) -> None:
        key = "before" if model.week < 26 else "after"
        started[key] += len(model.county_centre.queue.in_service)

    run(small_scenario(_opening_at(26, **{"disputes.base_rate": 0.4})), 2, 52,
        each_step=watch)
    assert started["before"] == 0 and started["after"] > 0


def test_a_budget_ramp_changes_the_services_paid() -> None:
    base = small_scenario({"budget.per_resident_year": 5_000.0})
    ramped = with_values(base, {"schedules": [
        {"parameter": "budget.per_resident_year", "start_week": 1, "end_week": 1,
         "to": 7_000.0}]})
    a, b = run(base, 3, 2), run(ramped, 3, 2)
    # 2,000 more yuan per resident-year is 2,000 × 2,000 / 52 more a week to services.
    assert b.services_this_week - a.services_this_week == pytest.approx(
        2_000 * 2_000 / 52, rel=1e-9)
