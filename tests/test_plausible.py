"""Plausible ranges of the assumptions: declared with `param(plausible=...)` or given by
the documented rule (×0.5-×1.5 the default, within the bounds, for assumed parameters of
the behaviour and mechanism sections), and nothing for sourced figures or levers."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from simulation.scenario import iter_assumptions, parameter_spec
from simulation.scenario.schema import _walk, param


def test_an_assumed_mechanism_parameter_ranges_from_half_to_one_and_a_half_times() -> None:
    spec = parameter_spec("ladder.handoff_loss")
    assert spec.source == "assumed"
    assert spec.plausible == (spec.default * 0.5, spec.default * 1.5)
    assert not spec.plausible_declared
    # Lever costs are wrong by a factor: ×1/3 to ×3, so 8 yuan ranges over 2.67-24.
    low, high = parameter_spec("budget.lever_costs.councils").plausible
    assert (low, high) == pytest.approx((8 / 3, 24.0))


def test_the_rule_stays_inside_the_bounds() -> None:
    spec = parameter_spec("ladder.success_l1")  # a probability: ×1.5 would pass 1
    assert spec.maximum == 1.0
    assert spec.plausible == (spec.default * 0.5, 1.0)


def test_sourced_figures_levers_and_the_county_size_have_no_range() -> None:
    for path in ("population.elderly_share", "population.residents",
                 "levers.rule_of_law.enforcement", "budget.per_resident_year", "run.steps"):
        assert parameter_spec(path).plausible is None, path


def test_a_declared_range_wins_and_is_marked_declared() -> None:
    class Toy(BaseModel):
        a: float = param(0.2, 0.0, 1.0, unit="share", meaning="a", zh="甲",
                         source="a survey", plausible=(0.1, 0.6))
        b: float = param(0.0, 0.0, 1.0, unit="share", meaning="b", zh="乙")

    a, b = _walk(Toy, "effects.")
    assert a.plausible == (0.1, 0.6) and a.plausible_declared  # sourced, yet declared
    assert b.plausible is None  # assumed, but ×0.5 and ×1.5 of 0 are both 0


@pytest.mark.parametrize("bad", [(0.5, 0.1), (-0.1, 0.5), (0.5, 1.5)])
def test_a_range_outside_the_bounds_or_reversed_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="plausible range"):
        param(0.2, 0.0, 1.0, unit="share", meaning="x", zh="x", plausible=bad)


def test_the_assumptions_are_every_parameter_with_a_range() -> None:
    found = iter_assumptions()
    assert found and all(p.plausible is not None for p in found)
    paths = {p.path for p in found}
    assert "budget.lever_costs.platform_coverage" in paths
    assert "ladder.grid_worker_cases" in paths
    declared = parameter_spec("ladder.grid_worker_cases")
    assert declared.plausible == (0.02, 0.3) and declared.plausible_declared
    assert not any(p.startswith("levers.") for p in paths)
