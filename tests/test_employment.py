"""Employment shocks and migrants' insecurity (simulation/employment.py): job losses and
spells, incomes while unemployed, 低保 for locals only, registration and local services."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, seed_means, small_scenario

from simulation.employment import at_risk, steady_state_unemployment
from simulation.model import CoGovernanceModel
from simulation.population import build_residents, build_territory
from simulation.welfare import review_means_test, service_need

QUIET = {"disputes.base_rate": 0.0, "welfare.income_growth_urban": 0.0,
         "welfare.income_growth_rural": 0.0, "population.elderly_mortality": 0.0,
         "population.migrant_departure_rate": 0.0}


def test_steady_state_unemployment_by_hand() -> None:
    # 0.16 / (0.16 + 52 / 17) = 0.16 / 3.21882 = 0.049708 (NBS surveyed 5.1%, 2024);
    # 0.24 / (0.24 + 3.05882) = 0.072753.
    assert steady_state_unemployment(0.16, 17.0) == pytest.approx(0.049708, abs=1e-6)
    assert steady_state_unemployment(0.24, 17.0) == pytest.approx(0.072753, abs=1e-6)


def test_unemployment_stays_at_the_steady_state_and_migrants_lose_jobs_more() -> None:
    locals_, migrants = [], []
    for seed in SEEDS[:4]:
        model = CoGovernanceModel(small_scenario({"population.residents": 10_000}), rng=seed)
        for _ in range(104):
            model.step()
        res = model.residents
        risk = at_risk(res)
        locals_.append(res.unemployed[risk & ~res.migrant].mean())
        migrants.append(res.unemployed[risk & res.migrant].mean())
    assert seed_means(locals_) == pytest.approx(0.0497, abs=0.006)
    assert seed_means(migrants) == pytest.approx(0.0728, abs=0.012)
    assert seed_means(migrants) > seed_means(locals_)


def test_unemployed_incomes_fall_to_their_replacement_share() -> None:
    scenario = small_scenario(QUIET)
    model = CoGovernanceModel(scenario, rng=2)
    for _ in range(10):
        model.step()
    res, wel = model.residents, scenario.welfare
    out = np.flatnonzero(res.unemployed)
    assert len(out) > 20 and res.insured[out].any() and (~res.insured[out]).any()
    share = np.where(res.insured[out], wel.unemployment_benefit_share,
                     wel.uninsured_income_share)
    np.testing.assert_allclose(res.income[out], res.base_income[out] * share, rtol=1e-12)
    working = np.flatnonzero(~res.unemployed)
    np.testing.assert_allclose(res.income[working], res.base_income[working], rtol=1e-12)


def test_unemployed_locals_below_the_standard_can_claim_dibao_and_migrants_cannot() -> None:
    scenario = small_scenario({**QUIET, "welfare.uninsured_income_share": 0.0,
                               "welfare.unemployment_insurance_local": 0.0,
                               "welfare.unemployment_insurance_migrant": 0.0,
                               "welfare.dibao_exclusion_error": 0.0,
                               "welfare.dibao_inclusion_error": 0.0})
    model = CoGovernanceModel(scenario, rng=3)
    model.step()
    review_means_test(model)
    res = model.residents
    out = res.unemployed
    assert (res.income[out] == 0).all()
    assert (res.dibao[out & ~res.migrant] > 0).all() and (out & ~res.migrant).any()
    assert (res.dibao[out & res.migrant] == 0).all() and (out & res.migrant).any()


def test_registered_migrants_weigh_as_locals_in_services() -> None:
    scenario = small_scenario({"population.residents": 5_000,
                               "welfare.migrant_registered_share": 0.5,
                               "welfare.migrant_service_access": 0.2})
    res = build_residents(scenario, build_territory(scenario), np.random.default_rng(4))
    need = service_need(res, scenario)
    young = ~res.elderly
    assert (need[young & res.migrant & res.registered] == 1.0).all()
    assert (need[young & res.migrant & ~res.registered] == 0.2).all()
    assert res.registered[res.migrant].mean() == pytest.approx(0.5, abs=0.06)
    assert not res.registered[~res.migrant].any()


def test_a_higher_migrant_job_loss_hazard_widens_the_migrant_income_gap() -> None:
    """Paired seeds: migrants' mean income relative to locals' falls with their hazard."""
    def ratio(rate: float, seed: int) -> float:
        model = CoGovernanceModel(small_scenario({"welfare.job_loss_rate_migrant": rate}),
                                  rng=seed)
        for _ in range(26):
            model.step()
        res = model.residents
        urban = res.urban & ~res.elderly
        return res.income[urban & res.migrant].mean() / res.income[urban & ~res.migrant].mean()

    change = [ratio(0.6, s) - ratio(0.1, s) for s in SEEDS[:3]]
    assert seed_means(change) < 0


def test_spells_end_at_one_over_their_mean_length_a_week() -> None:
    """Finds: of those unemployed at the start of a week who stay at risk, a share 1 /
    `unemployment_spell_weeks` is back in work after it (no one loses a job: hazards 0)."""
    scenario = small_scenario({**QUIET, "welfare.job_loss_rate_local": 0.0,
                               "welfare.job_loss_rate_migrant": 0.0,
                               "welfare.unemployment_spell_weeks": 10.0,
                               "population.residents": 20_000})
    model = CoGovernanceModel(scenario, rng=5)
    res = model.residents
    res.unemployed[:] = at_risk(res)  # everyone at risk starts unemployed
    before = int(res.unemployed.sum())
    model.step()
    found = before - int(res.unemployed.sum())
    share, sd = found / before, np.sqrt(0.1 * 0.9 / before)
    assert abs(share - 0.1) < 4 * sd, (share, before)
