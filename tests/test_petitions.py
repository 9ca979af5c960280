"""The petition office: petitions handled, returned, repeated or left unresolved."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents.resident import will_escalate
from simulation.disputes import Level, Outcome, Stage
from simulation.model import CoGovernanceModel
from tests.conftest import SEEDS, run, small_scenario


def _plant(model: CoGovernanceModel, severity: float = 0.5) -> int:
    one = np.ones(1)
    (case,) = model.disputes.add(model.week, np.zeros(1, np.int8), severity * one,
                                 np.zeros(1, np.int32), -np.ones(1, np.int32),
                                 np.zeros(1, np.int32), 50 * one, np.zeros(1, bool))
    return int(case)


def test_enforcement_deters_petitions_only_when_switched_on() -> None:
    def petitions_at(enforcement: float, switch: int) -> int:
        model = CoGovernanceModel(small_scenario({
            "levers.rule_of_law.enforcement": enforcement,
            "disputes.enforcement_deters_petitions": switch}), rng=1)
        n = model.n_residents
        party = np.arange(n)
        return int(will_escalate(model, party, np.full(n, 0.6)).sum())

    assert CoGovernanceModel(small_scenario(), rng=1).params.disputes \
        .enforcement_deters_petitions == 0
    assert petitions_at(0.0, 0) == petitions_at(1.0, 0)  # off: enforcement changes nothing
    assert petitions_at(1.0, 1) < petitions_at(0.0, 1)  # on: Epstein's deterrence


def test_a_petition_joins_the_office_queue_and_is_counted() -> None:
    model = CoGovernanceModel(small_scenario(), rng=2)
    case = _plant(model)
    model.ladder.petition(case)
    pool = model.disputes
    assert pool.level[case] == Level.PETITION and pool.stage[case] == Stage.QUEUED
    assert pool.petitions[case] == 1 and model.ladder.first_petitions == 1
    assert model.ladder.queue_of[case] is model.petition_office.queue


def test_success_at_the_office_at_average_trust_and_severity_is_the_base_rate() -> None:
    model = CoGovernanceModel(small_scenario({"ladder.success_petition": 0.3}), rng=3)
    case = _plant(model, severity=0.5)
    model.residents.trust[0] = 0.5
    model.disputes.level[case] = Level.PETITION
    p = model.ladder.success_probability(case, model.petition_office, entrusted=False)
    assert p == pytest.approx(0.3)


def test_unresolved_petitions_repeat_up_to_the_limit_then_end_escalated() -> None:
    # Chance of a repeat = base × decay^(petitions − 1) × grievance / threshold, capped at 1:
    # with base 1, decay 1 and a tiny threshold every unresolved petition is repeated until
    # the limit of 2 repeats, and the third unresolved one ends the dispute.
    model = CoGovernanceModel(small_scenario({
        "ladder.petition_return_share": 0.0, "ladder.repeat_petition_base": 1.0,
        "ladder.repeat_petition_decay": 1.0, "ladder.max_repeat_petitions": 2,
        "disputes.escalation_threshold": 1e-6}), rng=4)
    model.residents.trust[0] = 0.2
    case = _plant(model, severity=0.9)
    lad, pool = model.ladder, model.disputes
    lad.petition(case)
    for lodged in (2, 3):
        lad.petition_not_resolved(case, model.petition_office)
        assert pool.petitions[case] == lodged and pool.outcome[case] == Outcome.OPEN
    lad.petition_not_resolved(case, model.petition_office)
    assert pool.outcome[case] == Outcome.ESCALATED
    assert (lad.first_petitions, lad.repeat_petitions) == (1, 2)


def test_no_repeat_when_the_base_chance_is_zero() -> None:
    model = CoGovernanceModel(small_scenario({
        "ladder.petition_return_share": 0.0, "ladder.repeat_petition_base": 0.0}), rng=5)
    case = _plant(model)
    model.ladder.petition(case)
    model.ladder.petition_not_resolved(case, model.petition_office)
    assert model.disputes.outcome[case] == Outcome.ESCALATED


@pytest.mark.parametrize(("severity", "level"), [(0.9, Level.L3), (0.5, Level.L2)])
def test_returned_petitions_go_to_court_or_the_centre(severity: float, level: Level) -> None:
    model = CoGovernanceModel(small_scenario({
        "ladder.petition_return_share": 1.0, "ladder.handoff_loss": 0.0}), rng=6)
    case = _plant(model, severity=severity)
    model.ladder.petition(case)
    model.ladder.petition_not_resolved(case, model.petition_office)
    assert model.disputes.level[case] == level
    handler = model.ladder.handler_of[case]
    assert handler is (model.court if level == Level.L3 else model.county_centre)


def _mean(updates: dict, key: str, weeks: int = 78) -> float:
    base = {"disputes.patience_weeks": 3.0, "disputes.base_rate": 0.3}
    return float(np.mean([run(small_scenario(base | updates), s, weeks).summary()[key]
                          for s in SEEDS[:4]]))


def test_a_staffed_petition_office_resolves_petitions_an_unstaffed_one_does_not() -> None:
    none = _mean({"ladder.petition_staff_per_10000": 0.0}, "resolved_petition")
    staffed = _mean({"ladder.petition_staff_per_10000": 10.0}, "resolved_petition")
    assert none == 0 and staffed > 0


def test_repeat_petitions_rise_with_the_chance_of_petitioning_again() -> None:
    low = _mean({"ladder.repeat_petition_base": 0.0}, "repeat_petitions_per_10k")
    high = _mean({"ladder.repeat_petition_base": 1.0}, "repeat_petitions_per_10k")
    assert low == 0 and high > 0
