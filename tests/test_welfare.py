"""共享: pensions and 低保 by eligibility, targeting errors, income growth and dispute losses
(simulation/welfare.py, simulation/population.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from conftest import SEEDS, run, seed_means, small_scenario

from simulation.disputes import DisputeType, Outcome
from simulation.model import CoGovernanceModel
from simulation.population import build_pensions, build_residents, build_territory
from simulation.welfare import dibao_recipients, update_incomes

NO_DISPUTES = {"disputes.base_rate": 0.0}


@dataclass
class Few:
    """The columns `dibao_recipients` reads, for a handful of residents."""

    urban: np.ndarray
    migrant: np.ndarray
    income: np.ndarray
    dibao_draw: np.ndarray

    def __len__(self) -> int:
        return len(self.urban)


# Rural standard 7,500 a year: residents 0 and 1 are eligible (gaps 6,000 and 2,000, so
# perfect targeting needs 8,000), 2 is near-poor (below 2 × 7,500), 3 is well off, 4 is a
# migrant below the standard (not eligible: no local hukou).
FEW = Few(urban=np.zeros(5, bool), migrant=np.array([0, 0, 0, 0, 1], bool),
          income=np.array([1_500.0, 5_500.0, 9_000.0, 20_000.0, 1_000.0]),
          dibao_draw=np.array([0.2, 0.9, 0.1, 0.05, 0.0]))


def errors(exclusion: float, inclusion: float, data_sharing_targeting: float = 0.0):
    return small_scenario({"welfare.dibao_rural_year": 7_500.0,
                           "welfare.dibao_exclusion_error": exclusion,
                           "welfare.dibao_inclusion_error": inclusion,
                           "welfare.dibao_inclusion_band": 2.0,
                           "effects.data_sharing_targeting": data_sharing_targeting})


def test_without_errors_dibao_tops_the_eligible_up_to_the_standard() -> None:
    payment, eligible, included = dibao_recipients(FEW, errors(0.0, 0.0), 0.0)
    np.testing.assert_allclose(payment, [6_000, 2_000, 0, 0, 0])
    assert eligible.tolist() == [True, True, False, False, False]
    assert not included.any()


def test_targeting_errors_move_the_money_between_people_by_hand() -> None:
    # Exclusion 0.5 misses resident 0 (draw 0.2 < 0.5); inclusion 0.5 adds 0.5/0.5 × 1
    # recipient = 1 among the near-poor locals (resident 2). Resident 1 is assessed at its
    # gap 2,000, resident 2 at the eligible's mean gap 4,000: 8,000 splits 1 : 2.
    payment, _, included = dibao_recipients(FEW, errors(0.5, 0.5), 0.0)
    np.testing.assert_allclose(payment, [0, 8_000 / 3, 16_000 / 3, 0, 0])
    assert included.tolist() == [False, False, True, False, False]


@pytest.mark.parametrize(("exclusion", "inclusion"), [(0.0, 0.0), (0.5, 0.5), (0.1, 0.9),
                                                      (0.95, 0.0), (0.3, 0.7)])
def test_targeting_errors_conserve_the_money(exclusion: float, inclusion: float) -> None:
    """Whatever the errors, what is paid is what perfect targeting would pay."""
    scenario = small_scenario({"population.residents": 5_000,
                               "welfare.dibao_exclusion_error": exclusion,
                               "welfare.dibao_inclusion_error": inclusion})
    res = build_residents(scenario, build_territory(scenario), np.random.default_rng(3))
    payment, eligible, _ = dibao_recipients(res, scenario, 0.0)
    wel = scenario.welfare
    standard = np.where(res.urban, 12 * wel.dibao_urban_month, wel.dibao_rural_year)
    need = (standard - res.income)[eligible].sum()
    assert need > 0
    assert payment.sum() == pytest.approx(need, rel=1e-12)
    assert np.all(payment[res.migrant] == 0)


def test_data_sharing_lowers_both_errors_by_its_declared_share() -> None:
    """Full data sharing with data_sharing_targeting 0.5 acts as errors halved."""
    halved = dibao_recipients(FEW, errors(0.25, 0.25), 0.0)[0]
    with_sharing = dibao_recipients(FEW, errors(0.5, 0.5, data_sharing_targeting=0.5), 1.0)[0]
    np.testing.assert_allclose(with_sharing, halved)
    assert not np.allclose(halved, dibao_recipients(FEW, errors(0.5, 0.5), 0.0)[0])


def test_pensions_follow_eligibility_by_hand() -> None:
    scenario = small_scenario({"welfare.pension_employee_month": 3_000.0,
                               "welfare.pension_resident_month": 200.0,
                               "welfare.employee_pension_share_urban": 0.6})
    n = 40_000
    rng = np.random.default_rng(5)
    urban = rng.random(n) < 0.5
    elderly = rng.random(n) < 0.3
    pension = build_pensions(scenario, urban, elderly, np.random.default_rng(6))
    assert np.all(pension[~elderly] == 0)
    assert np.all(pension[elderly & ~urban] == 2_400)
    town_old = pension[elderly & urban]
    assert set(np.unique(town_old)) == {2_400.0, 36_000.0}
    share = np.mean(town_old == 36_000)
    assert abs(share - 0.6) < 4 * np.sqrt(0.24 / town_old.size)


def test_transfers_do_not_depend_on_the_channel() -> None:
    """Pensions and 低保 are the same whether residents are online, platforms cover all or
    none, and offline counters are open or shut; only services differ."""
    def county(digital: float, platform: float, offline: float) -> CoGovernanceModel:
        return run(small_scenario({
            **NO_DISPUTES, "population.digital_access_urban": digital,
            "population.digital_access_rural": digital,
            "levers.smart_governance.platform_coverage": platform,
            "levers.smart_governance.offline_channels": offline}), 5, 30)

    online = county(1.0, 1.0, 1.0)
    offline = county(0.0, 1.0, 0.0)
    neither = county(0.0, 0.0, 1.0)
    for other in (offline, neither):
        np.testing.assert_array_equal(online.residents.pension, other.residents.pension)
        np.testing.assert_array_equal(online.residents.dibao, other.residents.dibao)
    assert online.residents.dibao.sum() > 0
    assert offline.residents.services_this_week.sum() == 0.0  # no channel: no services
    assert online.residents.services_this_week.sum() > 0


@pytest.mark.parametrize("weeks", [52, 104])
def test_income_grows_at_its_declared_rate_without_disputes_or_shocks(weeks: int) -> None:
    scenario = small_scenario({**NO_DISPUTES, "welfare.income_growth_urban": 0.05,
                               "welfare.income_growth_rural": 0.08,
                               # no employment shocks and no newcomers either
                               "welfare.job_loss_rate_local": 0.0,
                               "welfare.job_loss_rate_migrant": 0.0,
                               "population.elderly_mortality": 0.0,
                               "population.migrant_departure_rate": 0.0})
    model = run(scenario, 2, weeks)
    res = model.residents
    years = weeks / 52
    np.testing.assert_allclose(res.income[res.urban], res.base_income[res.urban]
                               * 1.05**years, rtol=1e-12)
    np.testing.assert_allclose(res.income[~res.urban], res.base_income[~res.urban]
                               * 1.08**years, rtol=1e-12)


def test_open_labour_disputes_withhold_wages_and_resolution_pays_them_back() -> None:
    scenario = small_scenario({**NO_DISPUTES, "welfare.income_growth_urban": 0.0,
                               "welfare.income_growth_rural": 0.0,
                               "welfare.wage_arrears_share": 0.5})
    model = CoGovernanceModel(scenario, rng=3)
    res, pool = model.residents, model.disputes
    worker = 7
    (case,) = pool.add(model.week, np.array([DisputeType.LABOUR_WAGES], np.int8),
                       np.array([0.5]), np.array([worker], np.int32), np.array([-1], np.int32),
                       np.array([res.grid[worker]], np.int32), np.array([1e9]),
                       np.zeros(1, bool))
    start = float(res.base_income[worker])
    model.ladder.ended_this_week = []
    update_incomes(model)
    withheld = 0.5 * start / 52
    assert res.arrears[worker] == pytest.approx(withheld)
    assert res.income[worker] == pytest.approx(start - withheld)
    pool.end_one(int(case), Outcome.RESOLVED, model.week)
    model.ladder.ended_this_week = [int(case)]
    model.disputes.compact()
    update_incomes(model)
    assert res.arrears[worker] == 0.0
    # Paid back: last week's withheld wages, decayed one week, less what was owed: none left.
    assert res.income[worker] == pytest.approx(start)


def mean_over_seeds(changes: dict, key: str, weeks: int = 104) -> float:
    return seed_means(run(small_scenario(changes), s, weeks).summary()[key] for s in SEEDS)


def test_unresolved_property_disputes_lower_incomes_and_raise_their_spread() -> None:
    base = {"disputes.base_rate": 0.3}
    lossless = {**base, "welfare.property_loss_share": 0.0, "welfare.wage_arrears_share": 0.0}
    costly = {**base, "welfare.property_loss_share": 0.5, "welfare.wage_arrears_share": 0.5}
    assert mean_over_seeds(costly, "income_gini") > mean_over_seeds(lossless, "income_gini")
    assert mean_over_seeds(costly, "poverty_share") > mean_over_seeds(lossless,
                                                                      "poverty_share")


def test_data_sharing_raises_dibao_coverage_and_lowers_inclusion_errors() -> None:
    on = {"levers.smart_governance.data_sharing": 1.0}
    off = {"levers.smart_governance.data_sharing": 0.0}
    assert mean_over_seeds(on, "dibao_coverage", 13) > mean_over_seeds(off, "dibao_coverage", 13)
    assert mean_over_seeds(on, "dibao_inclusion", 13) < mean_over_seeds(off, "dibao_inclusion",
                                                                        13)


# ------------------------------------------------------------------ assisted access (代办)


@dataclass
class Grids:
    grid: np.ndarray
    digital: np.ndarray
    elderly: np.ndarray

    def __len__(self) -> int:
        return len(self.grid)


def test_the_offline_are_queued_for_help_in_their_grid_elderly_first() -> None:
    from simulation.assisted import assistance_rank

    res = Grids(grid=np.array([0, 0, 0, 0, 1, 1, 1]),
                digital=np.array([False, True, False, False, False, False, True]),
                elderly=np.array([False, False, True, False, False, True, False]))
    # Grid 0: offline 0, 2 (elderly), 3 → 2 first, then 0, 3. Grid 1: 5 (elderly), then 4.
    assert assistance_rank(res).tolist() == [1, -1, 0, 2, 1, 0, -1]


ASSISTED = "levers.smart_governance.assisted_access"


def test_each_grid_assists_up_to_its_capacity_from_workers_and_volunteers() -> None:
    scenario = small_scenario({ASSISTED: 0.5, "effects.assisted_per_grid_worker": 8.0,
                               "effects.assisted_per_volunteer": 2.0,
                               # every town implements alike (tests/test_places.py)
                               "population.town_implementation_spread": 0.0})
    model = run(scenario, 4, 1)  # made in week 1, then at each review (13 weeks)
    res = model.residents
    workers = scenario.ladder.grid_workers_per_1000 * model.grid_population / 1000
    capacity = np.floor(0.5 * (8.0 * workers + 2.0 * model.volunteers_per_grid))
    offline = np.bincount(res.grid[~res.digital], minlength=len(capacity))
    helped = np.bincount(res.grid[model.assisted], minlength=len(capacity))
    np.testing.assert_array_equal(helped, np.minimum(capacity, offline))
    assert not (model.assisted & res.digital).any()
    np.testing.assert_array_equal(model.online, res.digital | model.assisted)


def test_without_the_lever_nobody_is_assisted() -> None:
    model = run(small_scenario({ASSISTED: 0.0}), 4, 3)
    assert not model.assisted.any()
    np.testing.assert_array_equal(model.online, model.residents.digital)


def test_assisted_residents_report_through_the_platform() -> None:
    from simulation.reporting import channel_chances

    model = run(small_scenario({ASSISTED: 1.0}), 4, 1)
    helped = np.flatnonzero(model.assisted)[:5]
    assert len(helped)
    platform, _ = channel_chances(model, helped)
    ef, lv = model.params.effects, model.lever
    np.testing.assert_allclose(platform, ef.platform_intake * lv["platform_coverage"])


def test_assisted_access_narrows_the_digital_gap_where_platforms_replace_counters() -> None:
    mix = {"levers.smart_governance.platform_coverage": 0.9,
           "levers.smart_governance.offline_channels": 0.3}
    helped = {**mix, ASSISTED: 1.0}
    alone = {**mix, ASSISTED: 0.0}
    assert mean_over_seeds(helped, "digital_gap", 52) < mean_over_seeds(alone, "digital_gap",
                                                                         52)
    assert mean_over_seeds(helped, "elderly_gap", 52) < mean_over_seeds(alone, "elderly_gap",
                                                                        52)


# ------------------------------------------------------------------ the income targets over time


def test_the_income_targets_hold_at_week_0_and_after_five_years_of_default() -> None:
    """The calibration's income targets (Gini, urban/rural ratio, quintile ratio) hold for
    `default` at the start and after 260 weeks of growth and dispute losses (seed means)."""
    from experiments.targets import read_targets
    from simulation.scenario import load_scenario

    keys = ("income_gini", "urban_rural_income_ratio", "top_bottom_quintile_ratio")
    checks = {c.key: c for c in read_targets()[0] if c.key in keys}
    assert set(checks) == set(keys)
    assert all(c.scenario == "default" for c in checks.values())
    models = [CoGovernanceModel(load_scenario("default"), rng=seed) for seed in (0, 1)]
    for weeks in (0, 260):
        for model in models:
            while model.week < weeks:
                model.step()
        outs = [m.summary() for m in models]
        for check in checks.values():
            mean = float(np.mean([o[check.outcome] for o in outs]))
            assert check.low <= mean <= check.high, (weeks, check.key, mean)


def test_the_weekly_smoothing_is_the_formula_bit_for_bit() -> None:
    """welfare += (52 (services − losses) + 低保 × paid share + income − welfare) / 26,
    floored at 0, written pass by pass with numpy: the compiled loop gives the same bits,
    large losses (welfare floored) included."""
    from simulation.welfare import _smooth_welfare

    rng = np.random.default_rng(8)
    n = 5_000
    welfare = rng.lognormal(10, 0.7, n)
    income = rng.lognormal(10, 0.7, n)
    dibao = np.where(rng.random(n) < 0.1, rng.random(n) * 8_000, 0.0)
    services = rng.random(n) * 30
    losses = np.where(rng.random(n) < 0.05, rng.random(n) * 40_000, 0.0)
    step = (services - losses) * 52.0
    step += dibao * 0.93
    step += income
    step -= welfare
    step /= 26.0
    expected = np.maximum(welfare + step, 0.0)
    assert (expected == 0).any()
    _smooth_welfare(welfare, income, dibao, 0.93, services, losses)
    assert welfare.tobytes() == expected.tobytes()
    # The floor is np.maximum(w, 0.0): a welfare below 0 becomes +0.0.
    minus_zero, zero = np.array([-0.0]), np.zeros(1)
    _smooth_welfare(minus_zero, zero - 1.0, zero, 1.0, zero, zero)  # −1/26 → floored
    assert minus_zero.tobytes() == np.zeros(1).tobytes()
