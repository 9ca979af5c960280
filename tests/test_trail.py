"""The dispute trail: each dispute's path up the ladder, week by week, recorded beside a
run without changing it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulation.disputes import Level, Outcome, Stage
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario, with_values
from simulation.trail import DisputeTrail, holder_of

WEEKS = 40


def small(name: str = "baseline") -> CoGovernanceModel:
    return CoGovernanceModel(with_values(load_scenario(name), {"population.residents": 2_000}),
                             rng=3)


@pytest.fixture(scope="module")
def run() -> tuple[CoGovernanceModel, DisputeTrail]:
    model = small()
    trail = DisputeTrail(model)
    for _ in range(WEEKS):
        model.step()
        trail.observe()
    return model, trail


def test_a_trail_changes_nothing_in_the_run() -> None:
    plain, traced = small(), small()
    trail = DisputeTrail(traced)
    for _ in range(WEEKS):
        plain.step()
        traced.step()
        trail.observe()
    # Bit for bit, every recorded quantity (repr: exact for floats, and NaN equals NaN).
    assert repr(list(plain.record)) == repr(list(traced.record))
    assert plain.rng.random() == traced.rng.random()  # no draw was taken from the model


def test_every_dispute_has_a_path_from_where_it_arose_to_how_it_ended(run) -> None:
    model, trail = run
    pool = model.disputes
    assert pool.size > 50 and set(trail.places) == set(range(pool.size))
    for case in range(pool.size):
        path = trail.path(case)
        first, last = path[0], path[-1]
        assert (first.week, first.stage, first.outcome) == (pool.arose[case],
                                                            Stage.AWAITING_INTAKE, Outcome.OPEN)
        assert [p.week for p in path] == sorted(p.week for p in path)
        # Rungs are only climbed: a dispute goes back down only when the petition office
        # returns a petition to the ladder (访诉分离).
        levels = [p.level for p in path]
        for before, after in itertools.pairwise(levels):
            assert after >= before or before == Level.PETITION, levels
        outcome = Outcome(int(pool.outcome[case]))
        assert last.outcome == outcome
        if outcome == Outcome.OPEN:
            assert last.stage != Stage.ENDED
        else:
            assert (last.stage, last.week, last.level) == (
                Stage.ENDED, pool.ended[case], pool.level[case])
            assert sum(p.stage == Stage.ENDED for p in path) == 1  # ends exactly once


def test_a_dispute_settled_by_its_parties_never_meets_a_handler(run) -> None:
    model, trail = run
    pool = model.disputes
    n = pool.size
    settled = np.flatnonzero((pool.outcome[:n] == Outcome.RESOLVED) & (pool.level[:n] == 0))
    assert len(settled) > 0
    for case in settled[:20]:
        path = trail.path(int(case))
        assert [p.handler for p in path] == [""] * len(path)
        assert path[-1].week == pool.arose[case]  # L0 happens the week it arises


def test_handlers_on_a_path_hold_the_rung_they_serve(run) -> None:
    _, trail = run
    rungs = {"party_cell": {1}, "town_office": {2}, "social_organisation": {2},
             "county_centre": {2}, "court": {3}, "court_entrusted": {3},
             "petition_office": {int(Level.PETITION)}}
    seen = set()
    for path in trail.places.values():
        for place in path:
            if place.handler:
                seen.add(place.handler)
                assert place.level in rungs[place.handler], place
                assert place.stage in (Stage.QUEUED, Stage.IN_SERVICE)
    # Each rung is seen holding a case at a week's end (a case can pass through an L2
    # office within one week, between two observations: which L2 handler is seen varies).
    assert {"party_cell", "court"} <= seen
    assert seen & {"town_office", "social_organisation", "county_centre"}


def test_the_holder_of_an_open_case_is_its_handler_now(run) -> None:
    model, _ = run
    assert model.ladder.handler_of  # some case is on the ladder
    for case, handler in model.ladder.handler_of.items():
        kind, index = holder_of(model, case)
        if kind == "party_cell":
            assert handler is model.party_cells[index]
        elif kind == "town_office":
            assert handler is model.town_offices[index]
        elif kind == "social_organisation":
            assert handler is model.social_organisations[index]
        else:
            assert handler is {"county_centre": model.county_centre, "court": model.court,
                               "court_entrusted": model.court,
                               "petition_office": model.petition_office}[kind]
    assert holder_of(model, -1) == ("", -1)


def test_a_petitioned_case_is_held_by_the_petition_office() -> None:
    model = small()  # its own model: the case is moved by hand
    for _ in range(WEEKS):
        model.step()
    case = next(iter(model.ladder.handler_of))
    model.ladder.handler_of.pop(case)
    model.ladder.queue_of.pop(case, None)
    model.ladder.petition(case)  # the party petitions: the office holds the case
    assert holder_of(model, case) == ("petition_office", -1)
