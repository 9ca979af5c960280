"""Mesa's own idioms work on the model: `run_model()` stops after the scenario's run.steps."""

from __future__ import annotations

import numpy as np

from simulation.model import CoGovernanceModel
from tests.conftest import small_scenario

LIMIT = 50  # far more weeks than the run asks for: reaching it means run_model never stops


def test_run_model_stops_after_run_steps() -> None:
    scenario = small_scenario({"population.residents": 300, "run.steps": 6})
    model = CoGovernanceModel(scenario, rng=1)
    assert model.running
    inner = model.step  # Mesa's wrapped step, which run_model calls
    calls = 0

    def counted() -> None:
        nonlocal calls
        calls += 1
        assert calls <= LIMIT, "run_model() did not stop at run.steps"
        inner()

    model.step = counted  # type: ignore[method-assign]
    model.run_model()
    assert calls == 6 and model.week == 6 and not model.running
    assert len(model.dataframe()) == 7  # week 0 and weeks 1-6


def test_agents_list_every_resident_and_the_volunteers_of_the_week() -> None:
    """Residents' and volunteers' Mesa handles are made when the agents are listed."""
    from simulation.agents import Resident, Volunteer

    model = CoGovernanceModel(small_scenario({"population.residents": 300}), rng=2)
    res = model.residents
    for week in range(12):
        model.step()
        if week % 5:
            continue  # listed now and then: the handles catch up with every change since
        residents = model.agents_by_type[Resident]
        assert sorted(a.row for a in residents) == list(range(300))
        volunteers = sorted(a.row for a in model.agents_by_type[Volunteer])
        assert volunteers == np.flatnonzero(res.volunteer).tolist()
        # + the county centre, the court and the petition office
        assert len(model.agents) == 300 + len(volunteers) + len(model.party_cells) + len(
            model.town_offices) + 3 + len(model.social_organisations)
        one = residents[17]
        assert one.trust == res.trust[one.row] and one.grid == res.grid[one.row]


def test_the_datacollector_is_the_one_weekly_record() -> None:
    """`record`, `dataframe()` and Mesa's DataCollector are one record, read three ways."""
    model = CoGovernanceModel(small_scenario({"population.residents": 300}), rng=2)
    for _ in range(3):
        model.step()
    columns = model.datacollector.model_vars
    assert columns["week"] == [0, 1, 2, 3]  # Mesa's `steps` and the model's week agree
    assert model.steps == model.week == 3
    frame = model.dataframe()
    assert list(frame.index) == [0, 1, 2, 3]
    assert len(model.record) == 4
    for week in range(4):
        row = model.record[week]
        assert row == {name: values[week] for name, values in columns.items()}
        assert frame.loc[week, "trust"] == row["trust"]
    assert model.record[-1] == model.record[3] and model.record[1:] == [
        model.record[w] for w in (1, 2, 3)]
    assert model.record[3]["resolved"] == model.summary()["resolved"]
