"""The channels between governances are declared parameters, checked by hand: the
councils' dependence on a convening party cell, the court's authority behind mediation,
the professional bonus of social organisations, the judges' time for entrusted mediation."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents.party_cell import council_convened
from simulation.agents.resident import logistic, logit
from simulation.disputes import DisputeType, Level
from simulation.handling_time import base_service_days
from simulation.model import CoGovernanceModel
from tests.conftest import small_scenario

# Levers that would add to the success log-odds are off; trust and severity at 0.5.
QUIET = {"levers.rule_of_law.legal_services": 0.0, "levers.self_governance.councils": 0.0}


def _plant(model: CoGovernanceModel, kind: DisputeType, level: Level) -> int:
    one = np.ones(1)
    (case,) = model.disputes.add(model.week, np.full(1, kind, np.int8), 0.5 * one,
                                 np.zeros(1, np.int32), -np.ones(1, np.int32),
                                 np.zeros(1, np.int32), 50 * one, np.zeros(1, bool))
    model.residents.trust[0] = 0.5
    model.disputes.level[case] = level
    return int(case)


@pytest.mark.parametrize(("convening", "inactive"), [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)])
def test_councils_work_without_a_cell_as_far_as_they_do_not_depend_on_it(
        convening: float, inactive: float) -> None:
    model = CoGovernanceModel(small_scenario({"effects.council_convening": convening}), rng=1)
    assert council_convened(model, True) == 1.0
    assert council_convened(model, False) == inactive


def test_without_dependence_on_cells_councils_add_the_same_l1_capacity_everywhere() -> None:
    model = CoGovernanceModel(small_scenario({
        "effects.council_convening": 0.0, "effects.cell_mobilisation": 0.0,
        "levers.self_governance.councils": 1.0}), rng=2)
    cell = model.party_cells[0]
    cell.active = True
    with_cell = cell.capacity_per_week(10.0, 250)
    cell.active = False
    assert cell.capacity_per_week(10.0, 250) == pytest.approx(with_cell)


def test_the_courts_authority_backs_entrusted_mediation_by_its_declared_log_odds() -> None:
    model = CoGovernanceModel(small_scenario({**QUIET, "ladder.success_l2": 0.7,
                                             "effects.court_authority": 1.2}), rng=3)
    case = _plant(model, DisputeType.NEIGHBOUR_FAMILY, Level.L3)
    p = model.ladder.success_probability(case, model.court, entrusted=True)
    assert p == pytest.approx(float(logistic(logit(0.7) + 1.2)))


@pytest.mark.parametrize(("kind", "bonus"), [(DisputeType.LABOUR_WAGES, 0.9),
                                             (DisputeType.NEIGHBOUR_FAMILY, 0.0)])
def test_professional_mediators_gain_the_declared_bonus_on_their_types(
        kind: DisputeType, bonus: float) -> None:
    model = CoGovernanceModel(small_scenario({**QUIET, "ladder.success_l2": 0.7,
                                             "effects.professional_bonus": 0.9}), rng=4)
    case = _plant(model, kind, Level.L2)
    p = model.ladder.success_probability(case, model.social_organisations[0], entrusted=False)
    assert p == pytest.approx(float(logistic(logit(0.7) + bonus)))


def test_judges_give_the_declared_share_of_their_time_to_entrusted_mediation() -> None:
    model = CoGovernanceModel(small_scenario({"ladder.entrusted_judge_share": 0.3,
                                             "levers.rule_of_law.court_linkage": 0.5}), rng=5)
    court = model.court
    total = court.capacity_per_week(model.n_residents)
    court.handle_cases(model.n_residents)
    # 0.3 × 0.5 of the judges' capacity to entrusted mediation, the rest to litigation.
    # c = cases per week × mean service days / 7 (base days: nothing shortens them here).
    t2, t3 = court.entrusted.service_days / 7, court.queue.service_days / 7
    assert court.entrusted.service_days == pytest.approx(base_service_days(model, Level.L2))
    assert court.queue.service_days == pytest.approx(base_service_days(model, Level.L3))
    assert court.entrusted.server_equivalents == pytest.approx(total * 0.15 * t2)
    assert court.queue.server_equivalents == pytest.approx(total * 0.85 * t3)
