"""Ageing and migration over time (simulation/demography.py): ages from the census bands,
retirement at 60, deaths and migrant turnover re-initialising rows in place."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, seed_means, small_scenario

from simulation.demography import renew_rows
from simulation.model import CoGovernanceModel
from simulation.population import (
    ELDERLY_AGE_WEEKS,
    OVER_60_BANDS,
    UNDER_60_BANDS,
    ageing_rate,
    draw_age_weeks,
)

STILL = {"population.elderly_mortality": 0.0, "population.migrant_departure_rate": 0.0}


def test_age_draws_follow_the_census_bands() -> None:
    rng = np.random.default_rng(1)
    young = draw_age_weeks(rng, UNDER_60_BANDS, 200_000) / 52
    old = draw_age_weeks(rng, OVER_60_BANDS, 200_000) / 52
    # 2020 census: 0-14 is 17.95 of the 81.30% under 60; 80+ 2.54 of the 18.70% 60+.
    assert np.mean(young < 15) == pytest.approx(17.95 / 81.30, abs=0.003)
    assert np.mean(old >= 80) == pytest.approx(2.54 / 18.70, abs=0.003)
    assert young.min() >= 0 and young.max() < 60 and old.min() >= 60 and old.max() < 95
    # Uniform inside 15-59: a year of age holds 1/45 of the band.
    band = young[young >= 15]
    assert np.mean(band < 16) == pytest.approx(1 / 45, abs=0.002)


def test_the_declared_ageing_rate_by_hand() -> None:
    # (1 - 0.22) × (63.35 / 81.30) / 45 = 0.0135059 turn 60 a year; 0.03 × 0.22 = 0.0066 die.
    assert ageing_rate(0.22, 0.0) == pytest.approx(0.0135059, abs=1e-6)
    assert ageing_rate(0.22, 0.03) == pytest.approx(0.0069059, abs=1e-6)


def test_without_deaths_or_moves_a_year_makes_the_59_year_olds_elderly() -> None:
    model = CoGovernanceModel(small_scenario(STILL), rng=3)
    res = model.residents
    turning = (res.age_weeks >= ELDERLY_AGE_WEEKS - 52) & ~res.elderly
    before = res.elderly.copy()
    for _ in range(52):
        model.step()
    assert np.array_equal(res.elderly, before | turning)
    assert turning.sum() > 0


def test_ageing_moves_the_elderly_share_at_the_declared_rate() -> None:
    scenario = small_scenario({"population.residents": 40_000})
    model = CoGovernanceModel(scenario, rng=5)
    start = model.residents.elderly.mean()
    for _ in range(52):
        model.step()
    change = model.residents.elderly.mean() - start
    # Expected 0.0069 a year at the defaults (binomial sd of inflow and deaths ≈ 0.0008).
    expected = ageing_rate(start, scenario.population.elderly_mortality)
    assert change == pytest.approx(expected, abs=0.0025)


def test_turning_60_swaps_other_income_for_a_pension() -> None:
    model = CoGovernanceModel(small_scenario(STILL), rng=4)
    res, wel = model.residents, model.params.welfare
    row = int(np.flatnonzero(~res.elderly & ~res.urban)[0])  # rural: the resident pension
    res.age_weeks[row] = ELDERLY_AGE_WEEKS - 1
    other = res.base_income[row]
    model.step()
    assert res.elderly[row]
    assert res.pension[row] == 12 * wel.pension_resident_month
    assert res.base_income[row] == pytest.approx(12 * wel.pension_resident_month
                                                 + wel.elderly_income_factor * other)


def test_a_newcomer_has_no_history_and_keeps_the_row() -> None:
    model = CoGovernanceModel(small_scenario(), rng=6)
    res = model.residents
    migrant = int(np.flatnonzero(res.migrant & ~res.elderly)[0])
    old = int(np.flatnonzero(res.elderly)[0])
    rows = np.array([migrant, old])
    grid = res.grid[rows].copy()
    res.discontent[rows] = 0.7
    res.volunteer[rows] = True
    res.lost_income[rows] = 1_000.0
    res.dibao[rows] = 500.0
    renew_rows(model, rows)
    assert res.migrant[migrant] and not res.elderly[migrant]
    assert 15 * 52 <= res.age_weeks[migrant] < 60 * 52
    assert not res.migrant[old] and not res.elderly[old] and res.age_weeks[old] == 0
    assert np.array_equal(res.grid[rows], grid)
    for column in (res.discontent, res.lost_income, res.dibao, res.pension):
        assert not column[rows].any()
    assert not res.volunteer[rows].any()


def test_migrant_turnover_keeps_the_migrant_share_and_renews_rows() -> None:
    scenario = small_scenario({"population.residents": 5_000,
                               "population.migrant_departure_rate": 2.0,
                               "population.elderly_mortality": 0.0})
    model = CoGovernanceModel(scenario, rng=7)
    res = model.residents
    migrants = res.migrant & ~res.elderly
    base = res.base_income.copy()
    for _ in range(26):
        model.step()
    renewed = (res.base_income != base) & migrants & ~res.elderly
    # Each migrant leaves with chance 2/52 a week: 1 - (1 - 2/52)^26 = 0.64 in half a year
    # (fewer, as residents with an open dispute stay that week).
    share = renewed.sum() / migrants.sum()
    assert 0.54 < share < 0.68  # binomial sd about 0.017
    assert res.migrant.sum() == migrants.sum()  # every departure brings an arrival


def test_multi_year_runs_age_the_county_and_bring_online_cohorts_into_60_plus() -> None:
    """Paired seeds: after three years the county is older and its elderly more often
    online than at week 0 (cohorts entering 60+ bring their access)."""
    older, online = [], []
    for seed in SEEDS[:3]:
        model = CoGovernanceModel(small_scenario({"population.residents": 5_000}), rng=seed)
        first = model.record[0]
        for _ in range(156):
            model.step()
        last = model.record[156]
        older.append(last["elderly_share"] - first["elderly_share"])
        online.append(last["elderly_online_share"] - first["elderly_online_share"])
    assert seed_means(older) == pytest.approx(3 * ageing_rate(0.22, 0.03), abs=0.006)
    assert seed_means(online) > 0.02


def test_the_population_evolves_alike_under_every_mix_with_the_same_seed() -> None:
    """Deaths, moves and jobs draw from their own stream: two very different mixes on the
    same seed keep the same residents week by week (common random numbers), while the
    disputes they draw differ. The only rows allowed to differ are those where a resident
    with an open dispute stayed (`leaving_rows`), which the mixes make differ."""
    county = {"population.residents": 1500, "population.migrant_departure_rate": 0.5,
              "population.elderly_mortality": 0.2}
    weak = small_scenario(county)
    strong = small_scenario({**county, "levers.self_governance.councils": 1.0,
                             "levers.rule_of_law.enforcement": 1.0,
                             "levers.smart_governance.platform_coverage": 1.0})
    a, b = CoGovernanceModel(weak, rng=3), CoGovernanceModel(strong, rng=3)
    born = a.residents.age_weeks.copy()
    for _ in range(40):
        a.step()
        b.step()
    ra, rb = a.residents, b.residents
    renewed = np.count_nonzero(ra.age_weeks != born + 40)
    assert renewed > 0.03 * a.n_residents  # enough turnover for the test to bite
    for column in ("age_weeks", "elderly", "unemployed", "base_income", "migrant"):
        differ = np.count_nonzero(getattr(ra, column) != getattr(rb, column))
        assert differ <= 0.1 * renewed, (column, differ, renewed)
    assert a.disputes.counts() != b.disputes.counts()  # the mixes did differ


def test_the_population_stream_stays_in_step_between_mixes() -> None:
    """The population stream takes the same numbers under every mix with the same seed:
    its draws are made for rows that do not depend on the disputes (every candidate to
    leave, every row for jobs), so after weeks of different policies, different stayers
    and so different residents in some rows, its state is the same. The draws at
    retirement, whose count can differ, have their own stream."""
    county = {"population.residents": 1500, "population.migrant_departure_rate": 0.5,
              "population.elderly_mortality": 0.2, "disputes.base_rate": 0.3}
    weak = small_scenario(county)
    strong = small_scenario({**county, "levers.self_governance.councils": 1.0,
                             "levers.rule_of_law.enforcement": 1.0,
                             "levers.smart_governance.platform_coverage": 1.0})
    a, b = CoGovernanceModel(weak, rng=3), CoGovernanceModel(strong, rng=3)
    for _ in range(52):
        a.step()
        b.step()
    # Rows holding different residents (a stayer in one mix, a newcomer in the other):
    # drawing only for the rows due, or for the unemployed, fell out of step by week 33.
    differ = np.count_nonzero(a.residents.age_weeks != b.residents.age_weeks)
    assert differ > 0
    assert a.population_rng.bit_generator.state == b.population_rng.bit_generator.state


def test_a_resident_due_to_leave_with_an_open_dispute_stays_unchanged() -> None:
    model = CoGovernanceModel(small_scenario(), rng=2)
    res = model.residents
    rows = np.flatnonzero(res.migrant & ~res.elderly)[:2]
    before = {c: getattr(res, c)[rows].copy() for c in ("age_weeks", "base_income", "trust")}
    renew_rows(model, rows, stays=np.array([True, False]))
    for column, values in before.items():
        assert getattr(res, column)[rows[0]] == values[0], column  # stayed: untouched
    assert res.age_weeks[rows[1]] != before["age_weeks"][1]  # renewed
