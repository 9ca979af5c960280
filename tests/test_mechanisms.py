"""Mechanisms pinned to hand arithmetic: feedback from endings, satisfaction, shocks, incomes.

Each test plants a known state in a real model (or calls a pure rule) and compares what
the mechanism does with the formula in its docstring and docs/ODD.md, worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.disputes import Level, Outcome
from simulation.levers import shocks_at
from simulation.model import CoGovernanceModel
from simulation.population import build_residents, build_territory
from tests.conftest import small_scenario

# ------------------------------------------------------------------ feedback from endings

UP, DOWN = 0.1, 0.2


def plant(model: CoGovernanceModel, party: int, other: int, outcome: Outcome,
          severity: float, satisfaction: float, level: Level = Level.L1) -> int:
    """An ended dispute between `party` and `other` (-1: a firm or office) whose
    experience quality is `satisfaction`."""
    pool = model.disputes
    (case,) = pool.add(model.week, np.zeros(1, np.int8), np.array([severity]),
                       np.array([party], np.int32), np.array([other], np.int32),
                       np.zeros(1, np.int32), np.ones(1), np.zeros(1, bool))
    pool.level[case] = level
    pool.end([case], outcome, model.week)
    pool.satisfaction[case] = satisfaction
    model.ladder.ended_this_week.append(case)
    model.residents.open_disputes[party] += 1
    if other >= 0:
        model.residents.open_disputes[other] += 1
    return int(case)


@pytest.fixture
def fed_back() -> tuple[CoGovernanceModel, np.ndarray, np.ndarray]:
    """A model whose week ended these disputes; returns it with trust and discontent before.

    Word of mouth is off here (tested in tests/test_trust.py), so only parties move.
    """
    model = CoGovernanceModel(small_scenario({"behaviour.trust_rate_up": UP,
                                              "behaviour.trust_rate_down": DOWN,
                                              "behaviour.vicarious_weight": 0.0}), rng=3)
    model.week = 5
    res = model.residents
    for row, trust, disc in ((10, 0.5, 0.6), (11, 0.2, 0.0), (20, 0.6, 0.2), (30, 0.9, 0.1),
                             (31, 0.4, 0.0), (40, 0.5, 0.8), (41, 0.3, 0.05), (0, 0.5, 0.1),
                             (70, 0.4, 0.0), (50, 0.5, 0.0), (60, 0.5, 0.0), (80, 0.5, 0.4)):
        res.trust[row], res.discontent[row] = trust, disc
    plant(model, 10, 11, Outcome.RESOLVED, severity=0.4, satisfaction=0.8)
    plant(model, 20, -1, Outcome.ESCALATED, severity=0.5, satisfaction=0.3)
    plant(model, 30, 31, Outcome.ABANDONED, severity=0.3, satisfaction=0.3)
    plant(model, 40, -1, Outcome.RESOLVED, severity=0.2, satisfaction=0.9)
    plant(model, 40, 41, Outcome.RELAPSED, severity=0.7, satisfaction=0.4)
    plant(model, 70, 0, Outcome.ABANDONED, severity=0.4, satisfaction=0.1)  # resident 0
    # Many endings in one week: the steps add up, and trust stays within [0, 1].
    for _ in range(11):
        plant(model, 50, -1, Outcome.RESOLVED, severity=0.1, satisfaction=1.0)
    plant(model, 50, -1, Outcome.ABANDONED, severity=0.1, satisfaction=0.1)
    for _ in range(6):
        plant(model, 60, -1, Outcome.ABANDONED, severity=0.1, satisfaction=0.0)
    plant(model, 60, -1, Outcome.RESOLVED, severity=0.1, satisfaction=1.0)
    # Settled by the parties alone: no institution involved.
    plant(model, 80, -1, Outcome.RESOLVED, severity=0.2, satisfaction=1.0, level=Level.L0)
    trust, disc = res.trust.copy(), res.discontent.copy()
    model.feed_back_endings()
    return model, trust, disc


def test_trust_moves_up_towards_a_better_experience_at_the_rate_up(fed_back) -> None:
    model, _, _ = fed_back
    trust = model.residents.trust
    # trust + rate_up × (q − trust), q = 0.8
    assert trust[10] == pytest.approx(0.5 + 0.1 * 0.3)  # 0.53
    assert trust[11] == pytest.approx(0.2 + 0.1 * 0.6)  # 0.26
    # A broken agreement that still beats a low trust raises it (q 0.4 > 0.3).
    assert trust[41] == pytest.approx(0.3 + 0.1 * 0.1)


def test_trust_moves_down_towards_a_worse_experience_at_the_rate_down(fed_back) -> None:
    model, _, _ = fed_back
    trust = model.residents.trust
    # trust + rate_down × (q − trust)
    assert trust[20] == pytest.approx(0.6 - 0.2 * 0.3)  # escalated, q 0.3: 0.54
    assert trust[30] == pytest.approx(0.9 - 0.2 * 0.6)  # abandoned: 0.78
    assert trust[31] == pytest.approx(0.4 - 0.2 * 0.1)  # the other party too: 0.38
    assert trust[0] == pytest.approx(0.5 - 0.2 * 0.4)  # resident 0 is a party like any
    assert trust[70] == pytest.approx(0.4 - 0.2 * 0.3)


def test_a_worse_experience_weighs_more_than_an_equally_better_one(fed_back) -> None:
    """Negativity bias: the same distance below trust moves it twice as far."""
    model, before, _ = fed_back
    up = model.residents.trust[10] - before[10]  # q 0.3 above trust
    down = before[20] - model.residents.trust[20]  # q 0.3 below trust
    assert down == pytest.approx(2 * up)


def test_steps_of_one_week_add_up_and_trust_stays_in_bounds(fed_back) -> None:
    model, _, _ = fed_back
    # Resident 40: q 0.9 and q 0.4 from trust 0.5: + 0.1 × 0.4 − 0.2 × 0.1.
    assert model.residents.trust[40] == pytest.approx(0.5 + 0.04 - 0.02)
    # Resident 50: 11 × 0.1 × 0.5 − 0.2 × 0.4 = 0.47: 0.97.
    assert model.residents.trust[50] == pytest.approx(0.97)
    # Resident 60: 6 × (−0.2 × 0.5) + 0.1 × 0.5 = −0.55: clipped at 0.
    assert model.residents.trust[60] == 0.0


def test_settling_alone_leaves_trust_in_institutions_as_it_is(fed_back) -> None:
    model, before, _ = fed_back
    assert model.residents.trust[80] == before[80]
    assert model.residents.discontent[80] == pytest.approx(0.2)  # halved all the same


def test_resolution_halves_discontent_and_failure_adds_severity(fed_back) -> None:
    model, _, _ = fed_back
    disc = model.residents.discontent
    assert disc[10] == pytest.approx(0.3) and disc[11] == 0.0  # halved
    assert disc[20] == pytest.approx(0.2 + 0.5)
    assert disc[30] == pytest.approx(0.1 + 0.3) and disc[31] == pytest.approx(0.3)
    assert disc[40] == pytest.approx(0.8 / 2 + 0.7)  # halved, then the relapse's severity
    assert disc[41] == pytest.approx(0.05 + 0.7)
    assert disc[0] == pytest.approx(0.1 + 0.4)


def test_feedback_touches_only_the_parties_and_closes_their_disputes(fed_back) -> None:
    model, trust, disc = fed_back
    res = model.residents
    parties = [0, 10, 11, 20, 30, 31, 40, 41, 50, 60, 70, 80]
    others = np.setdiff1d(np.arange(model.n_residents), parties)
    np.testing.assert_array_equal(res.trust[others], trust[others])
    np.testing.assert_array_equal(res.discontent[others], disc[others])
    assert res.open_disputes[parties].tolist() == [0] * len(parties)
    assert len(model.disputes.open_ids) == 0  # the ended disputes left the open list


# ------------------------------------------------------------------ experience quality


def resolve_after(waited: int, level: Level, *, handled: bool = True, ruling: bool = False,
                  taken_in: float | None = None, **changes) -> tuple[CoGovernanceModel, int]:
    """Resolve a dispute that arose `waited` weeks ago with a patience of 10 weeks;
    agreements always hold. `handled`: a handler worked on it (it cost something);
    `taken_in`: the ladder took it in that many days before the ending (never if None)."""
    model = CoGovernanceModel(small_scenario({"disputes.relapse_base": 0.0, **changes}),
                              rng=2)
    pool = model.disputes
    (case,) = pool.add(0, np.zeros(1, np.int8), np.array([0.5]), np.array([7], np.int32),
                       np.array([-1], np.int32), np.zeros(1, np.int32), np.array([10.0]),
                       np.zeros(1, bool))
    if handled:
        pool.cost[case] = 300.0
    model.week = waited
    if taken_in is not None:
        pool.intake_day[case] = model.ladder.today() - taken_in
    model.ladder.resolve(int(case), level, ruling=ruling)
    return model, int(case)


@pytest.mark.parametrize(("waited", "timely"), [
    (0, 1.0),  # at once
    (5, 0.75),  # 1 − 5 / (2 × 10)
    (10, 0.5),  # a whole patience: half
    (18, 0.1),
    (60, 0.0),  # never below 0
])
def test_experience_quality_falls_with_the_time_to_the_ending(waited: int,
                                                              timely: float) -> None:
    model, case = resolve_after(waited, Level.L2)
    pool = model.disputes
    assert pool.outcome[case] == Outcome.RESOLVED and pool.ended[case] == waited
    # (0.4 outcome + 0.2 heard + 0.2 timely + 0.2 fair) with default weights
    assert pool.satisfaction[case] == pytest.approx(0.4 + 0.2 + 0.2 * timely + 0.2)


@pytest.mark.parametrize(("days", "timely"), [
    (0.0, 1.0),
    (7.0, 0.95),  # 1 − 7 / (7 × 2 × 10)
    (35.0, 0.75),
    (70.0, 0.5),  # a whole patience in days: half
    (200.0, 0.0),
])
def test_timeliness_counts_the_days_from_intake_to_the_ending(days: float,
                                                              timely: float) -> None:
    """A dispute that arose 30 weeks ago (three patiences) and was then taken in: its
    timeliness counts only the days the ladder took, as days_to_resolution does, so
    faster handling leaves a better experience."""
    model, case = resolve_after(30, Level.L2, taken_in=days)
    pool = model.disputes
    assert pool.ended_day[case] - pool.intake_day[case] == pytest.approx(days)
    assert pool.satisfaction[case] == pytest.approx(0.4 + 0.2 + 0.2 * timely + 0.2)


@pytest.mark.parametrize(("level", "handled", "ruling", "quality"), [
    (Level.L0, False, False, 1.0),  # the parties settled it themselves: heard
    (Level.L1, True, False, 1.0),
    (Level.L2, False, False, 0.8),  # never worked on (heard 0): 0.4 + 0.2 + 0.2
    (Level.L3, True, False, 1.0),  # court mediation
    (Level.L3, True, True, 0.9),  # a ruling: fair 0.5 → 0.4 + 0.2 + 0.2 + 0.1
])
def test_experience_quality_of_a_timely_resolution_by_its_mechanism(
        level: Level, handled: bool, ruling: bool, quality: float) -> None:
    model, case = resolve_after(0, level, handled=handled, ruling=ruling)
    assert model.disputes.satisfaction[case] == pytest.approx(quality)
    assert model.disputes.level[case] == level
    assert model.disputes.resolved_by_level[level] == 1


def test_experience_weights_are_relative() -> None:
    """Only the outcome counts when the other weights are 0; doubling all changes nothing."""
    model, case = resolve_after(10, Level.L2, **{"behaviour.weight_voice": 0.0,
                                                 "behaviour.weight_speed": 0.0,
                                                 "behaviour.weight_fair": 0.0})
    assert model.disputes.satisfaction[case] == pytest.approx(1.0)
    model, case = resolve_after(10, Level.L2, **{"behaviour.weight_outcome": 0.8,
                                                 "behaviour.weight_voice": 0.4,
                                                 "behaviour.weight_speed": 0.4,
                                                 "behaviour.weight_fair": 0.4})
    assert model.disputes.satisfaction[case] == pytest.approx(0.4 + 0.2 + 0.1 + 0.2)


def test_a_broken_agreement_leaves_a_poorer_experience_and_comes_back_graver() -> None:
    # relapse chance = relapse_base × (1 − 0, L0 cannot be enforced) × (1.5 − norm 0) = 1.5:
    # certain.
    model = CoGovernanceModel(small_scenario({"disputes.relapse_base": 1.0}), rng=2)
    model.residents.norm[7] = 0.0
    pool = model.disputes
    (case,) = pool.add(0, np.zeros(1, np.int8), np.array([0.5]), np.array([7], np.int32),
                       np.array([-1], np.int32), np.zeros(1, np.int32), np.ones(1),
                       np.zeros(1, bool))
    model.week = 3
    model.ladder.resolve(int(case), Level.L0)
    assert pool.outcome[case] == Outcome.RELAPSED
    # outcome 0, heard 1 (L0), timely max(0, 1 − 3 / (2 × 1)) = 0, fair 1
    assert pool.satisfaction[case] == pytest.approx(0.2 + 0.2)
    follow_up = pool.size - 1
    assert follow_up == case + 1 and pool.parent[follow_up] == case
    assert pool.severity[follow_up] == pytest.approx(0.6)  # 1.2 × 0.5
    assert pool.arose[follow_up] == 3 and pool.outcome[follow_up] == Outcome.OPEN
    assert model.residents.open_disputes[7] == 1


# ------------------------------------------------------------------ legitimacy shocks


def legitimacy(week: int, weeks: int, magnitude: float, group: str = "all") -> dict:
    return {"kind": "legitimacy", "week": week, "duration_weeks": weeks,
            "magnitude": magnitude, "group": group}


@pytest.mark.parametrize(("weeks", "magnitude"), [(1, 0.3), (4, 0.5), (10, 0.3), (52, 0.8)])
def test_a_gradual_legitimacy_shock_removes_exactly_its_magnitude(weeks: int,
                                                                  magnitude: float) -> None:
    """Week by week the shock keeps the same share of trust; over its duration the shares
    multiply to exactly 1 − magnitude (compounding, not magnitude / duration a week)."""
    scenario = small_scenario({"shocks": [legitimacy(5, weeks, magnitude)]})
    kept = []
    for week in range(weeks + 10):
        drop = shocks_at(scenario, week).trust_drop
        if not 5 <= week < 5 + weeks:
            assert drop == {}
            continue
        kept.append(1 - drop["all"])
    assert len(kept) == weeks
    assert kept == pytest.approx([kept[0]] * weeks)  # spread evenly
    assert np.prod(kept) == pytest.approx(1 - magnitude, rel=1e-12)


def test_two_legitimacy_shocks_on_one_group_multiply() -> None:
    scenario = small_scenario({"shocks": [legitimacy(5, 1, 0.2), legitimacy(5, 1, 0.5),
                                          legitimacy(5, 1, 0.4, "rural")]})
    drops = shocks_at(scenario, 5).trust_drop
    assert drops["all"] == pytest.approx(1 - 0.8 * 0.5)
    assert drops["rural"] == pytest.approx(0.4)


def test_a_gradual_shock_in_the_model_leaves_one_minus_magnitude_of_trust() -> None:
    """With every other influence on trust switched off, trust after the shock is exactly
    (1 − magnitude) × trust before it, for every resident."""
    weeks, magnitude = 8, 0.4
    scenario = small_scenario({
        "behaviour.social_learning": 0.0,  # no pull towards the neighbours
        "disputes.base_rate": 0.0,  # no disputes, so no feedback and no discontent
        "behaviour.trust_recovery": 0.0,  # no pull back to the initial trust
        "population.elderly_mortality": 0.0,  # no newcomer with a fresh trust draw
        "population.migrant_departure_rate": 0.0,
        "shocks": [legitimacy(3, weeks, magnitude)],
    })
    model = CoGovernanceModel(scenario, rng=5)
    before = model.residents.trust.copy()
    for _ in range(3 + weeks + 2):
        model.step()
    assert model.disputes.size == 0
    np.testing.assert_allclose(model.residents.trust, (1 - magnitude) * before, rtol=1e-12)


# ------------------------------------------------------------------ incomes


def test_urban_and_rural_mean_incomes_are_the_scenarios_within_sampling_error() -> None:
    scenario = small_scenario({"population.residents": 30_000})
    res = build_residents(scenario, build_territory(scenario), np.random.default_rng(8))
    wel = scenario.welfare
    for area, target in ((res.urban, wel.income_urban_mean), (~res.urban, wel.income_rural_mean)):
        income = res.income[area]
        se = income.std(ddof=1) / np.sqrt(income.size)
        assert abs(income.mean() - target) < 4 * se
    assert wel.income_urban_mean > 2 * wel.income_rural_mean  # so a swap could not pass
    assert res.urban.mean() == pytest.approx(scenario.population.urban_share, abs=0.01)


def test_migrants_and_the_elderly_earn_their_factors_of_their_neighbours_income() -> None:
    scenario = small_scenario({"population.residents": 30_000,
                               "welfare.migrant_income_factor": 0.6,
                               "welfare.elderly_income_factor": 0.5})
    res = build_residents(scenario, build_territory(scenario), np.random.default_rng(9))
    young_local = ~res.elderly & ~res.migrant
    urban_locals = res.income[res.urban & young_local].mean()
    assert res.income[res.migrant].mean() / urban_locals == pytest.approx(0.6, rel=0.1)
    other = res.income - res.pension  # the elderly's income besides their pensions
    for area in (res.urban, ~res.urban):
        ratio = other[area & res.elderly].mean() / res.income[area & young_local].mean()
        assert ratio == pytest.approx(0.5, rel=0.1)


def test_income_urban_rural_ratio_is_urban_over_rural() -> None:
    model = CoGovernanceModel(small_scenario(), rng=4)
    res = model.residents
    disposable = res.income + res.dibao * model.dibao_paid_share  # 低保 included (NBS)
    ratio = disposable[res.urban].mean() / disposable[~res.urban].mean()
    assert model.summary()["income_urban_rural_ratio"] == pytest.approx(ratio)
    assert ratio > 1.5


# ------------------------------------------------------------------ spending rule and surges


def only_levers(scenario, **values: float) -> dict[str, float]:
    """Every lever at 0 except the ones given."""
    from simulation.levers import LEVER_NAMES

    return {name: values.get(name, 0.0) for name in LEVER_NAMES}


@pytest.mark.parametrize(("factor", "councils", "enforcement"), [
    (1.5, 0.3, 0.75),  # both below 1: spending is linear in the factor
    (3.0, 0.6, 1.0),  # enforcement capped at 1, councils keeps scaling
])
def test_scale_to_spending_multiplies_every_lever_by_one_factor(factor: float, councils: float,
                                                                enforcement: float) -> None:
    from simulation.levers import scale_to_spending

    scenario = small_scenario()
    costs = scenario.budget.lever_costs
    target = councils * costs.councils + enforcement * costs.enforcement  # yuan a year
    scaled = scale_to_spending(scenario, only_levers(scenario, councils=0.2, enforcement=0.5),
                               target)
    assert scaled == pytest.approx(only_levers(scenario, councils=councils,
                                               enforcement=enforcement), abs=1e-9)


def test_scale_to_spending_can_also_scale_down() -> None:
    from simulation.levers import scale_to_spending

    scenario = small_scenario()
    costs = scenario.budget.lever_costs
    scaled = scale_to_spending(scenario, only_levers(scenario, councils=0.8),
                               0.2 * costs.councils)
    assert scaled == pytest.approx(only_levers(scenario, councils=0.2), abs=1e-9)


def ramped_councils():
    """Councils at 0 until a ramp starting at week 0 raises them to 1 by week 10."""
    levers = {f"levers.{group}.{name}": 0.0 for group, name in (
        ("self_governance", "councils"), ("rule_of_law", "enforcement"))}
    return small_scenario({**levers, "schedules": [
        {"parameter": "levers.self_governance.councils", "start_week": 0, "end_week": 10,
         "to": 1.0}]})


def test_max_lever_spending_counts_the_levers_in_use_at_week_0() -> None:
    from simulation.levers import levers_at, max_lever_spending

    scenario = ramped_councils()
    costs = scenario.budget.lever_costs
    used = [k for k, v in levers_at(scenario, 0).items() if v > 0]
    assert "councils" not in used and "enforcement" not in used
    assert max_lever_spending(scenario) == pytest.approx(
        sum(getattr(costs, k) for k in used))


def test_lever_cost_per_resident_year_is_the_cost_at_week_0_unless_told() -> None:
    from simulation.levers import lever_cost_per_resident_year, levers_at

    scenario = ramped_councils()
    costs = scenario.budget.lever_costs

    def by_hand(week: int) -> float:
        return sum(v * getattr(costs, k) for k, v in levers_at(scenario, week).items())

    assert lever_cost_per_resident_year(scenario) == pytest.approx(by_hand(0))
    at_week_5 = by_hand(0) + 0.5 * costs.councils  # councils half way up their ramp
    assert lever_cost_per_resident_year(scenario, 5) == pytest.approx(at_week_5)


def test_dispute_surges_multiply_and_stop_when_they_end() -> None:
    surge = {"kind": "dispute_surge", "week": 4, "duration_weeks": 3, "magnitude": 0.5}
    scenario = small_scenario({"shocks": [
        {**surge, "week": 1, "duration_weeks": 1, "magnitude": 9.0},  # over before week 4
        surge, {**surge, "magnitude": 1.0, "duration_weeks": 1}]})
    multipliers = [shocks_at(scenario, week).arising_multiplier.get("all", 1.0)
                   for week in range(9)]
    assert multipliers == pytest.approx([1, 10, 1, 1, 1.5 * 2, 1.5, 1.5, 1, 1])


@pytest.mark.parametrize("surge", [0.0, 1.0])
def test_disputes_arise_at_the_base_rate_times_the_surge(surge: float) -> None:
    """With every modifier of the hazard switched off, residents × weeks × base_rate / 52 ×
    (1 + surge) disputes arise, within Poisson error."""
    residents, weeks, base = 20_000, 4, 0.5
    scenario = small_scenario({
        "population.residents": residents, "disputes.base_rate": base,
        "disputes.deprivation_effect": 0.0, "disputes.norm_effect": 0.0,
        "disputes.deterrence_effect": 0.0, "disputes.prevention_effect": 0.0,
        "shocks": [{"kind": "dispute_surge", "week": 0, "duration_weeks": 100,
                    "magnitude": surge}]})
    model = CoGovernanceModel(scenario, rng=12)
    for _ in range(weeks):
        model.step()
    expected = residents * weeks * base / 52 * (1 + surge)  # 770 or 1,540
    # Discontent from the first failures raises the hazard a little (at most a few %).
    assert expected - 4 * expected**0.5 < model.disputes.size < 1.05 * expected + 4 * expected**0.5
    assert model.prevented == 0


def test_two_income_shocks_on_one_group_multiply() -> None:
    shock = {"kind": "income", "week": 2, "duration_weeks": 2, "group": "rural"}
    scenario = small_scenario({"shocks": [{**shock, "magnitude": 0.2},
                                          {**shock, "magnitude": 0.5},
                                          {**shock, "magnitude": 0.1, "group": "urban"}]})
    assert shocks_at(scenario, 1).income_multiplier == {}
    assert shocks_at(scenario, 3).income_multiplier == pytest.approx(
        {"rural": 0.8 * 0.5, "urban": 0.9})


# ------------------------------------------------------------------ the handling ladder


def ladder_model(**changes) -> CoGovernanceModel:
    """A model whose levers that shift mediation success are off, and no hand-off is lost."""
    return CoGovernanceModel(small_scenario({
        "levers.rule_of_law.legal_services": 0.0, "levers.self_governance.councils": 0.0,
        "ladder.handoff_loss": 0.0, **changes}), rng=4)


def plant_open(model: CoGovernanceModel, party: int, other: int, kind: int = 0,
               severity: float = 0.5, level: Level = Level.L1, patience: float = 10.0) -> int:
    pool = model.disputes
    (case,) = pool.add(model.week, np.array([kind], np.int8), np.array([severity]),
                       np.array([party], np.int32), np.array([other], np.int32),
                       np.array([model.residents.grid[party]], np.int32),
                       np.array([patience]), np.zeros(1, bool))
    pool.level[case] = level
    return int(case)


def logistic(x: float) -> float:
    return 1 / (1 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_success_probability_by_hand() -> None:
    """logistic(logit(base) + trust_success × (mean trust − 0.5) − severity_success ×
    (severity − 0.5)), plus 0.5 for court-entrusted mediation and the professional bonus
    of a social organisation for land, wage and market disputes."""
    from simulation.disputes import DisputeType

    model = ladder_model()
    lad, ef = model.params.ladder, model.params.effects
    res = model.residents
    res.trust[5], res.trust[0] = 0.9, 0.3  # the other party is resident 0: mean 0.6
    x_common = ef.trust_success * (0.6 - 0.5) - ef.severity_success * (0.7 - 0.5)
    town = model.town_offices[0]
    p = model.ladder.success_probability
    case = plant_open(model, 5, 0, severity=0.7, level=Level.L2)
    assert p(case, town, False) == pytest.approx(logistic(logit(lad.success_l2) + x_common))
    model.disputes.level[case] = Level.L3
    assert p(case, model.court, False) == pytest.approx(lad.success_l3)  # a ruling
    assert p(case, model.court, True) == pytest.approx(  # entrusted mediation
        logistic(logit(lad.success_l2) + x_common + 0.5))
    land = plant_open(model, 5, 0, kind=DisputeType.PROPERTY_LAND, severity=0.7,
                      level=Level.L2)
    org = model.social_organisations[0]
    assert p(land, org, False) == pytest.approx(
        logistic(logit(lad.success_l2) + x_common + 0.5))  # professional bonus 0.5
    model.disputes.level[case] = Level.L2
    assert p(case, org, False) == pytest.approx(  # neighbour dispute: no bonus
        logistic(logit(lad.success_l2) + x_common))


class Spy:
    """Stands in for `success_probability`: records what it is asked, answers `p`."""

    def __init__(self, p: float) -> None:
        self.p, self.calls = p, []

    def __call__(self, case, handler, entrusted):
        self.calls.append((case, handler, entrusted))
        return self.p


def test_a_finished_mediation_asks_for_its_handlers_chance_and_ends_in_agreement() -> None:
    model = ladder_model()
    ladder = model.ladder
    ladder.success_probability = spy = Spy(1.0)
    case = plant_open(model, 5, -1)
    cell = model.party_cells[int(model.residents.grid[5])]
    ladder.send(case, Level.L1)
    assert ladder.handler_of[case] is cell
    ladder.conclude(case, cell)
    assert spy.calls == [(case, cell, False)]  # a grid mediation is not court-entrusted
    assert model.disputes.outcome[case] == Outcome.RESOLVED
    assert case not in ladder.handler_of and case not in ladder.queue_of


def test_failed_cases_climb_the_ladder_with_a_hand_off_each() -> None:
    # No pre-litigation stop at the centre (see test_centre), one department.
    model = ladder_model(**{"ladder.centre_filter": 0.0, "ladder.multi_department_share": 0.0})
    ladder, pool = model.ladder, model.disputes
    ladder.success_probability = Spy(0.0)
    case = plant_open(model, 5, -1)
    ladder.send(case, Level.L1)
    ladder.conclude(case, ladder.handler_of[case])  # L1 fails: on to L2
    assert (pool.level[case], pool.handoffs[case], ladder.handoffs) == (Level.L2, 1, 1)
    assert ladder.handler_of[case] in (*model.town_offices, *model.social_organisations)
    ladder.conclude(case, ladder.handler_of[case])  # L2 fails: on to court
    assert (pool.level[case], pool.handoffs[case], ladder.handoffs) == (Level.L3, 2, 2)
    assert ladder.handler_of[case] is model.court
    ladder.conclude(case, model.court, entrusted=True)  # entrusted mediation fails
    assert ladder.handler_of[case] is model.court  # on to litigation, same court
    assert ladder.queue_of[case] is model.court.queue and case in model.court.queue.waiting_cases()
    assert pool.handoffs[case] == 2 and pool.outcome[case] == Outcome.OPEN  # no hand-off
    ladder.conclude(case, model.court)  # a ruling the party does not accept
    assert pool.outcome[case] == Outcome.ABANDONED or (
        pool.level[case] == Level.PETITION and ladder.handler_of[case] is model.petition_office)


def test_court_entrusted_mediation_costs_what_mediation_costs() -> None:
    model = ladder_model()
    lad, pool, court = model.params.ladder, model.disputes, model.court
    entrusted = plant_open(model, 5, -1, level=Level.L3)
    ruled = plant_open(model, 6, -1, level=Level.L3)
    grid = plant_open(model, 7, -1, level=Level.L1)
    model.case_costs_this_week = 0.0
    for case, handler, in_entrusted in ((entrusted, court, True), (ruled, court, False),
                                        (grid, model.party_cells[int(pool.grid[grid])],
                                         False)):
        model.ladder.start_service(case, handler, in_entrusted)
    assert (pool.cost[entrusted], pool.cost[ruled], pool.cost[grid]) == pytest.approx(
        (lad.cost_l2, lad.cost_l3, lad.cost_l1))
    assert model.case_costs_this_week == pytest.approx(lad.cost_l1 + lad.cost_l2 + lad.cost_l3)


def test_a_party_waits_out_its_patience_and_then_leaves() -> None:
    """Patience 3: three weeks of waiting are borne; the fourth is one too many."""
    model = ladder_model()
    ladder, pool = model.ladder, model.disputes
    case = plant_open(model, 5, -1, patience=3.0)
    ladder.send(case, Level.L1)
    queue = ladder.queue_of[case]
    for week in (1, 2, 3):
        ladder.run_out_of_patience()
        assert pool.waited[case] == week and pool.outcome[case] == Outcome.OPEN
    ladder.run_out_of_patience()
    # It gives up, or petitions: its case leaves the grid's queue for the petition office.
    assert pool.outcome[case] == Outcome.ABANDONED or ladder.queue_of[case] is (
        model.petition_office.queue)
    assert case not in queue.waiting_cases() and ladder.queue_of.get(case) is not queue


def test_only_days_worked_on_a_case_are_not_waiting() -> None:
    """A queued case waits the whole week (1 week of patience); a case a whole server
    worked on all week waits none; a case held by half a server's worth of staff (3.5
    days worked) waits the other half of the week (0.5 week, 3.5 days)."""
    from simulation.disputes import Stage

    model = ladder_model()
    pool = model.disputes
    waiting = plant_open(model, 5, -1)
    served = plant_open(model, 6, -1)
    half = plant_open(model, 7, -1)
    pool.stage[[waiting]] = Stage.QUEUED
    pool.stage[[served, half]] = Stage.IN_SERVICE
    model.ladder.worked_this_week = {served: 7.0, half: 3.5}
    model.ladder.run_out_of_patience()
    assert (pool.waited[waiting], pool.waited[served], pool.waited[half]) == (1.0, 0.0, 0.5)
    assert (pool.waited_days[waiting], pool.waited_days[half]) == (7.0, 3.5)


def test_a_party_held_by_a_part_time_server_runs_out_of_patience() -> None:
    """Patience 1 week: a case worked on only 3.5 days a week uses up half a week of
    patience a week and leaves in its third week, on the day its patience ran out."""
    from simulation.disputes import Stage

    model = ladder_model()
    ladder, pool = model.ladder, model.disputes
    case = plant_open(model, 5, -1, patience=1.0)
    ladder.send(case, Level.L1)
    pool.stage[case] = Stage.IN_SERVICE
    for _ in range(2):
        ladder.worked_this_week = {case: 3.5}
        ladder.run_out_of_patience()
        assert pool.outcome[case] == Outcome.OPEN or pool.level[case] == Level.PETITION
    assert pool.waited[case] == 1.0 and pool.outcome[case] == Outcome.OPEN
    ladder.worked_this_week = {case: 3.5}
    ladder.run_out_of_patience()  # 1.5 weeks waited: over by half a week
    assert case not in ladder.queue_of or ladder.queue_of[case] is model.petition_office.queue
    if pool.outcome[case] == Outcome.ABANDONED:
        assert pool.ended_day[case] == pytest.approx(ladder.first_day() + 3.5)


@pytest.mark.parametrize(("severity", "rung"), [
    (0.0, Level.L1), (0.4499, Level.L1), (0.45, Level.L2), (0.7999, Level.L2),
    (0.8, Level.L3), (1.0, Level.L3)])
def test_triage_routes_by_severity_with_each_bound_on_the_higher_rung(severity, rung) -> None:
    from simulation.ladder import correct_rung
    from simulation.scenario.schema import Ladder

    assert correct_rung(severity, Ladder()) == rung  # the declared bounds 0.45 and 0.80


def test_triage_bounds_are_the_declared_parameters() -> None:
    from simulation.ladder import correct_rung
    from simulation.scenario.schema import Ladder

    lad = Ladder(rung_l1_severity_max=0.3, rung_l2_severity_max=0.6)
    assert [correct_rung(s, lad) for s in (0.29, 0.3, 0.59, 0.6)] == [
        Level.L1, Level.L2, Level.L2, Level.L3]


def test_a_lone_dispute_detected_early_is_taken_in() -> None:
    from simulation.disputes import Stage

    model = ladder_model()
    pool = model.disputes
    case = plant_open(model, 5, -1)
    pool.early[case] = True  # its risk was spotted on patrol: reported for certain
    model.ladder.intake()
    assert pool.stage[case] == Stage.QUEUED and case in model.ladder.handler_of


def _average_attitudes(model: CoGovernanceModel) -> None:
    """Trust, legal awareness and remembered experience at 0.5: the propensity to bring
    a grievance forward is then logistic(logit(report_base) + report_severity ×
    (severity − 0.5))."""
    res = model.residents
    res.trust[:] = 0.5
    res.legal_awareness[:] = 0.5
    res.experience[:] = 0.5


@pytest.mark.parametrize("platform", [0.0, 1.0])
def test_reports_come_through_any_of_independent_channels(platform: float) -> None:
    """P(taken in this week) = 1 − (1 − found)(1 − p_voice), p_voice = report_base ×
    (1 − (1 − online)(1 − walk-in)); here patrol finds 30%, the platform serves only
    residents with digital access, and walk-ins are the scenario's."""
    from simulation.disputes import Stage

    model = ladder_model(**{"levers.smart_governance.platform_coverage": platform,
                            "disputes.patrol_find_rate": 1.0})
    model.detection_coverage[:] = 0.3
    _average_attitudes(model)
    ef, lv, res = model.params.effects, model.lever, model.residents
    base = model.params.disputes.report_base
    walk_in = ef.walk_in_intake * (0.3 + 0.7 * lv["offline_channels"])
    online = ef.platform_intake * platform
    n = 4_000
    rows = np.arange(n) % model.n_residents
    cases = np.array([plant_open(model, int(r), -1) for r in rows])
    model.ladder.intake()
    reported = model.disputes.stage[cases] != Stage.AWAITING_INTAKE
    assert model.ladder.taken_in == reported.sum()
    for digital in (True, False):
        mine = res.digital[rows] == digital
        voice = base * (1 - (1 - (online if digital else 0.0)) * (1 - walk_in))
        p = 1 - (1 - 0.3) * (1 - voice)
        share = reported[mine].mean()
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / mine.sum()), (digital, share, p)


@pytest.mark.parametrize("triage", [0.0, 1.0])
def test_where_a_reported_dispute_goes_first(triage: float) -> None:
    """Untriaged: a legally aware party files at court with chance awareness × severity²;
    otherwise a walk-in goes to the county centre and the rest to the grid, each route
    chosen in proportion to its chance (patrol finds 90% in even grids, 20% in odd ones;
    walking in: propensity × walk-in chance). Triaged: the rung its severity calls for."""
    from simulation.disputes import Stage

    model = ladder_model(**{"levers.smart_governance.triage": triage,
                            "levers.smart_governance.platform_coverage": 0.0,
                            "ladder.centre_filter": 0.0,  # filing at court as filed
                            "disputes.patrol_find_rate": 1.0})
    patrol = np.where(np.arange(model.territory.n_grids) % 2 == 0, 0.9, 0.2)
    model.detection_coverage[:] = patrol
    _average_attitudes(model)
    d, ef, lv = model.params.disputes, model.params.effects, model.lever
    n = 8_000
    cases = np.array([plant_open(model, int(r), -1, severity=0.6)
                      for r in np.arange(n) % 2_000])
    model.ladder.intake()
    reported = model.disputes.stage[cases] != Stage.AWAITING_INTAKE
    handler = np.array([model.ladder.handler_of.get(int(c)) for c in cases], dtype=object)
    if triage == 1.0:  # severity 0.6 belongs to L2: the town or its organisations
        assert all(model.disputes.level[cases[reported]] == Level.L2)
        assert not any(h is model.court or h is model.county_centre or h in model.party_cells
                       for h in handler[reported])
        return
    propensity = logistic(logit(d.report_base) + d.report_severity * 0.1)
    walk_in = propensity * ef.walk_in_intake * (0.3 + 0.7 * lv["offline_channels"])
    to_court = 0.5 * 0.6**2  # 0.18
    for found in (0.2, 0.9):
        mine = reported & (patrol[model.disputes.grid[cases]] == found)
        walked = (1 - to_court) * walk_in / (found + walk_in)
        shares = (np.mean([h is model.court for h in handler[mine]]),
                  np.mean([h is model.county_centre for h in handler[mine]]),
                  np.mean([h in model.party_cells for h in handler[mine]]))
        for share, p in zip(shares, (to_court, walked, 1 - to_court - walked), strict=True):
            assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / mine.sum()), (found, share, p)


def test_an_agreement_holds_by_both_parties_norms() -> None:
    """Relapse chance at L0 (never enforceable) = relapse_base × (1.5 − the parties' mean
    norm): with norms 0.2 and 1 (resident 0 is the other party) it is 0.5 × 0.9 = 0.45,
    where the first party's norm alone would make it 0.65."""
    model = ladder_model(**{"disputes.relapse_base": 0.5})
    model.residents.norm[5], model.residents.norm[0] = 0.2, 1.0
    n = 600
    cases = [plant_open(model, 5, 0) for _ in range(n)]
    for case in cases:
        model.ladder.resolve(case, Level.L0)
    relapsed = np.mean(model.disputes.outcome[cases] == Outcome.RELAPSED)
    assert abs(relapsed - 0.45) < 4 * np.sqrt(0.45 * 0.55 / n)


def test_mobilisation_lift_follows_the_cells_that_are_active() -> None:
    """1 + mobilisation is kept between weeks; it must change when cells switch."""
    from simulation.agents.volunteer import mobilisation_lift

    model = CoGovernanceModel(small_scenario({"levers.party_leadership.cell_coverage": 0.5}),
                              rng=3)
    res, m = model.residents, model.params.effects.cell_mobilisation

    def expected() -> np.ndarray:
        return 1 + m * model.cell_active[res.grid] * (1 + res.party_member)

    assert 0 < model.cell_active.sum() < len(model.cell_active)
    np.testing.assert_array_equal(mobilisation_lift(model), expected())
    model.cell_active[:] = ~model.cell_active  # the other half switch on
    np.testing.assert_array_equal(mobilisation_lift(model), expected())
    assert set(np.unique(mobilisation_lift(model)).tolist()) == {1.0, 1 + m, 1 + 2 * m}


def test_mobilisation_lift_follows_newcomers_party_membership() -> None:
    """The kept lift must also follow the rows that migration renews."""
    from simulation.agents.volunteer import mobilisation_lift

    model = CoGovernanceModel(small_scenario({"levers.party_leadership.cell_coverage": 0.5}),
                              rng=3)
    res, m = model.residents, model.params.effects.cell_mobilisation
    model.step()
    kept = mobilisation_lift(model)
    members = res.party_member.copy()
    for _ in range(104):
        model.step()
    assert (res.party_member != members).any()  # newcomers brought their own membership
    expected = 1 + m * model.cell_active[res.grid] * (1 + res.party_member)
    np.testing.assert_array_equal(mobilisation_lift(model), expected)
    # ... in the kept array, renewed row by row, not made anew for the whole county
    assert mobilisation_lift(model) is kept


def test_the_arising_bound_is_above_every_residents_hazard() -> None:
    """Disputes are drawn by thinning from `arising_bound`: it must never be exceeded,
    under a surge that hits one group and with discontent piling up."""
    scenario = small_scenario({"levers.rule_of_law.enforcement": 0.0}, shocks=[
        {"kind": "dispute_surge", "group": "migrant", "week": 2, "duration_weeks": 10,
         "magnitude": 3.0}])
    model = CoGovernanceModel(scenario, rng=5)
    model.residents.discontent[::7] = 2.5
    for _ in range(14):
        model.step()
        hazard = model.arising_hazard()
        assert hazard.max() <= model.arising_bound()
        np.testing.assert_array_equal(model.arising_hazard(np.arange(0, 2000, 3)),
                                      hazard[::3])
