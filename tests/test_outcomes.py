"""Outcomes pinned to hand-computed values on tiny, hand-built states.

Each test builds the state an outcome is computed from (a dispute pool, residents'
welfare columns, cumulative counts) by hand, so the expected number follows from the
outcome's definition in `simulation.metrics.OUTCOMES` with pencil and paper, not from
the code under test.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from simulation import metrics
from simulation.disputes import DisputePool, Level, Outcome
from simulation.welfare import growth_factors
from tests.conftest import run, small_scenario

L0, L1, L2, L3 = Level.L0, Level.L1, Level.L2, Level.L3
OPEN, RESOLVED, RELAPSED, ABANDONED, ESCALATED = (
    Outcome.OPEN, Outcome.RESOLVED, Outcome.RELAPSED, Outcome.ABANDONED, Outcome.ESCALATED)


def pool_of(rows: list[tuple[int, int, Level, Outcome, int]]) -> DisputePool:
    """A pool with one dispute per row: (week arisen, week ended, rung, outcome, hand-offs)."""
    pool = DisputePool()
    one = np.ones(1)
    for arose, ended, level, outcome, handoffs in rows:
        (case,) = pool.add(arose, np.zeros(1, np.int8), 0.5 * one, np.zeros(1, np.int32),
                           -np.ones(1, np.int32), np.zeros(1, np.int32), 10 * one,
                           np.zeros(1, bool))
        pool.level[case] = level
        pool.handoffs[case] = handoffs
        if outcome != OPEN:
            pool.end([case], outcome, ended)
    return pool


# ------------------------------------------------------------------ time to resolution


def test_time_to_resolution_counts_weeks_from_arising_to_resolution() -> None:
    pool = pool_of([
        (3, 3, L0, RESOLVED, 0),  # settled the week it arose: 0 weeks
        (4, 5, L1, RESOLVED, 0),  # 1
        (0, 2, L1, RESOLVED, 0),  # 2
        (10, 13, L2, RESOLVED, 1),  # 3
        (1, 10, L3, RESOLVED, 2),  # 9
        # Not resolutions: they do not count, however long they took.
        (0, 50, L1, RELAPSED, 0),
        (0, 40, L2, ABANDONED, 1),
        (0, 30, L2, ESCALATED, 1),
        (0, -1, L1, OPEN, 0),
    ])
    median, p90 = metrics.time_to_resolution(SimpleNamespace(disputes=pool))
    # Weeks 0, 1, 2, 3, 9: median 2; the 90th percentile lies 0.6 of the way from the
    # 4th value to the 5th (linear interpolation at rank 0.9 × 4 = 3.6): 3 + 0.6 × 6.
    assert median == 2.0
    assert p90 == pytest.approx(6.6)


def test_time_to_resolution_without_resolutions_is_nan() -> None:
    pool = pool_of([(0, 3, L1, ABANDONED, 0), (0, -1, L1, OPEN, 0)])
    median, p90 = metrics.time_to_resolution(SimpleNamespace(disputes=pool))
    assert np.isnan(median) and np.isnan(p90)


def test_a_dispute_ends_in_the_week_it_is_ended() -> None:
    pool = pool_of([(2, 7, L1, RESOLVED, 0)])
    assert (pool.arose[0], pool.ended[0]) == (2, 7)


# ------------------------------------------------------------------ mediation success


def test_mediation_success_counts_agreements_that_relapsed_as_successes() -> None:
    """An agreement reached in mediation is a success even if it is later broken."""
    pool = pool_of([
        *[(0, 1, L1, RESOLVED, 0)] * 3,
        *[(0, 1, L1, RELAPSED, 0)] * 3,  # agreed, then broken: still an agreement
        (0, 2, L2, RESOLVED, 1),
        (0, 2, L2, ABANDONED, 1),
        (0, 2, L1, ESCALATED, 0),
        # Went on from mediation to court (one hand-off from L2, two from L1): a failure
        # of mediation, whatever the court then did.
        *[(0, 5, L3, RESOLVED, 1)] * 2,
        (0, 6, L3, ESCALATED, 2),
        # Not mediations: filed at court directly, settled alone, still open.
        (0, 5, L3, RESOLVED, 0),
        *[(0, 0, L0, RESOLVED, 0)] * 4,
        *[(0, -1, L1, OPEN, 0)] * 2,
    ])
    # 7 agreements (3 + 3 relapsed + 1) among 12 mediations (9 ended at L1-L2 + 3 that
    # went on to court).
    assert metrics.mediation_success(SimpleNamespace(disputes=pool)) == pytest.approx(7 / 12)


def test_mediation_success_with_no_mediation_is_nan() -> None:
    pool = pool_of([(0, 0, L0, RESOLVED, 0)])
    assert np.isnan(metrics.mediation_success(SimpleNamespace(disputes=pool)))


# ------------------------------------------------------------------ rates from counts


COUNTS = {"arisen": 500, "resolved": 300, "relapsed": 20, "abandoned": 30, "escalated": 13,
          "lumped": 0, "closed_unresolved": 0,
          "prevented": 100, "resolved_l0": 100, "resolved_l1": 120, "resolved_l2": 50,
          "resolved_l3": 30, "resolved_petition": 0, "first_petitions": 0,
          "repeat_petitions": 0}


@pytest.mark.parametrize(("weeks", "per_10k", "per_1000"), [
    (26, 260.0, 1000.0),  # half a year: 13 petitions of 1,000 residents is 260 a year per 10k
    (52, 130.0, 500.0),
    (104, 65.0, 250.0),  # two years: half the yearly rate of one
])
def test_escalations_and_arising_are_per_resident_per_year(weeks: int, per_10k: float,
                                                           per_1000: float) -> None:
    shares = metrics.resolution_shares(COUNTS, residents=1000, weeks=weeks)
    assert shares["escalations_per_10k"] == pytest.approx(per_10k)
    assert shares["disputes_per_1000"] == pytest.approx(per_1000)


def test_shares_of_endings_and_resolutions() -> None:
    s = metrics.resolution_shares(COUNTS, residents=1000, weeks=52)
    ended = 300 + 20 + 30 + 13
    assert s["resolution_rate"] == pytest.approx(300 / ended)
    assert s["abandon_rate"] == pytest.approx(30 / ended)
    assert s["grassroots_share"] == pytest.approx((100 + 120) / 300)
    assert s["township_share"] == pytest.approx((100 + 120 + 50) / 300)
    assert s["litigation_share"] == pytest.approx(30 / 300)
    assert s["relapse_rate"] == pytest.approx(20 / (300 + 20))
    assert s["prevented_share"] == pytest.approx(100 / (100 + 500))


def test_petitions_and_unresolved_exits_by_hand() -> None:
    c = COUNTS | {"lumped": 40, "closed_unresolved": 7, "resolved": 310,
                  "resolved_petition": 10, "first_petitions": 26, "repeat_petitions": 13}
    s = metrics.resolution_shares(c, residents=1000, weeks=26)
    ended = 310 + 20 + 30 + 13 + 40 + 7
    assert s["unresolved_exit_share"] == pytest.approx((30 + 13 + 40 + 7) / ended)
    assert s["resolution_rate"] == pytest.approx(310 / ended)
    # Half a year: 39 petitions of 1,000 residents is 780 a year per 10,000.
    assert s["petitions_per_10k"] == pytest.approx(780.0)
    assert s["first_petitions_per_10k"] == pytest.approx(520.0)
    assert s["repeat_petitions_per_10k"] == pytest.approx(260.0)
    # Resolutions at the petition office are neither local nor at law.
    assert s["township_share"] == pytest.approx((100 + 120 + 50) / 310)
    assert s["litigation_share"] == pytest.approx(30 / 310)


def test_shares_with_nothing_ended_are_nan_not_an_error() -> None:
    zero = dict.fromkeys(COUNTS, 0)
    s = metrics.resolution_shares(zero, residents=1000, weeks=0)
    assert np.isnan(s["resolution_rate"]) and np.isnan(s["relapse_rate"])
    assert s["escalations_per_10k"] == 0.0


@pytest.mark.parametrize("weeks", [26, 104])
def test_escalations_per_10k_of_a_run_is_its_hand_counted_petitions_a_year(weeks: int) -> None:
    residents = 2_000
    # Many grave disputes and impatient parties, so that a half-year run has petitions.
    model = run(small_scenario({"disputes.base_rate": 0.5, "disputes.patience_weeks": 2.0,
                                "population.residents": residents}), 4, weeks)
    pool = model.disputes
    petitions = int(np.count_nonzero(pool.outcome[:pool.size] == ESCALATED))
    arisen = pool.size
    assert petitions > 5
    out = model.summary()
    assert out["escalated"] == petitions and out["weeks"] == weeks
    assert out["escalations_per_10k"] == pytest.approx(
        petitions / residents * 10_000 / (weeks / 52))
    assert out["disputes_per_1000"] == pytest.approx(arisen / residents * 1000 / (weeks / 52))


# ------------------------------------------------------------------ welfare spread


def welfare_state() -> SimpleNamespace:
    """Six residents: three urban (30, 30, 60), three rural (10, 20, 30)."""
    return SimpleNamespace(residents=SimpleNamespace(
        welfare=np.array([30.0, 30.0, 60.0, 10.0, 20.0, 30.0]),
        urban=np.array([True, True, True, False, False, False]),
        elderly=np.array([False, False, True, True, False, False]),
        digital=np.array([True, True, True, True, False, False]),
        migrant=np.array([True, False, False, False, False, False]),
    ))


def test_group_means_and_gaps_by_hand() -> None:
    w = metrics.welfare_measures(welfare_state())
    assert w["welfare_urban"] == pytest.approx(40.0)
    assert w["welfare_rural"] == pytest.approx(20.0)
    assert w["urban_rural_ratio"] == pytest.approx(2.0)  # urban over rural, not the reverse
    assert w["welfare_elderly"] == pytest.approx(35.0)  # (60 + 10) / 2
    assert w["elderly_gap"] == pytest.approx(1 - 35.0 / 27.5)  # others: (30+30+20+30) / 4
    assert w["welfare_digitally_excluded"] == pytest.approx(25.0)  # (20 + 30) / 2
    assert w["digital_gap"] == pytest.approx(1 - 25.0 / 32.5)  # included: (30+30+60+10) / 4
    assert w["migrant_gap"] == pytest.approx(1 - 30.0 / 30.0)  # locals: (30+60+10+20+30) / 5
    assert w["welfare_mean"] == pytest.approx(30.0)


def test_spread_of_welfare_by_hand() -> None:
    w = metrics.welfare_measures(welfare_state())
    # Sorted 10, 20, 30, 30, 30, 60 (sum 180): G = 2 Σ i·x(i) / (n Σx) − (n + 1) / n.
    assert w["welfare_gini"] == pytest.approx(2 * 770 / (6 * 180) - 7 / 6)
    # The bottom 20% is 1.2 people: 10 + 0.2 × 20 = 14; the top 20%: 60 + 0.2 × 30 = 66.
    assert w["bottom20_share"] == pytest.approx(14 / 180)
    assert w["top_bottom_ratio"] == pytest.approx(66 / 14)


def test_summary_counts_the_state_now_even_between_recorded_weeks() -> None:
    """The summary reuses the week's record only when it is the current week's."""
    from simulation.model import CoGovernanceModel

    model = CoGovernanceModel(small_scenario(), rng=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing has ended: NaN, without numpy's warnings
        first = model.summary()
    assert first["escalated"] == 0 and np.isnan(first["satisfaction"])
    model.week = 5  # a week that has not been recorded
    pool = model.disputes
    one = np.ones(1)
    for outcome, satisfaction in ((ESCALATED, 0.0), (ESCALATED, 0.0), (RESOLVED, 0.9)):
        (case,) = pool.add(5, np.zeros(1, np.int8), 0.5 * one, np.zeros(1, np.int32),
                           -np.ones(1, np.int32), np.zeros(1, np.int32), one,
                           np.zeros(1, bool))
        pool.level[case] = L2
        pool.end([case], outcome, 5)
        pool.satisfaction[case] = satisfaction
    out = model.summary()
    assert (out["weeks"], out["arisen"], out["escalated"], out["resolved"]) == (5, 3, 2, 1)
    assert out["resolved_l2"] == 1
    assert out["satisfaction"] == pytest.approx(0.3)  # (0 + 0 + 0.9) / 3
    assert out["escalations_per_10k"] == pytest.approx(2 / 2_000 * 10_000 / (5 / 52))


# ------------------------------------------------------------------ the summary of a run


def pairwise_gini(x: np.ndarray) -> float:
    """Σ_i Σ_j |x_i − x_j| / (2 n² mean): the definition, in O(n²)."""
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def test_every_entry_of_a_runs_summary_recounted_by_hand() -> None:
    from tests.conftest import HandoffLog

    weeks, residents = 30, 1_000
    tally = {"volunteer_weeks": 0, "services": 0.0, "spent": 0.0, "over": 0.0}
    states: dict[str, list[float]] = {"trust": [], "volunteer_share": [], "income_gini": [],
                                      "income_top_bottom_ratio": [],
                                      "market_income_gini": []}
    logs: list[HandoffLog] = []
    # Income measures follow the incomes of the last means-test review (every
    # welfare.review_weeks weeks; no income shock here), computed again here by hand.
    measured: dict[str, float] = {}

    def measure_incomes(model) -> None:
        # Disposable income: income plus the 低保 paid (in full here: the budget covers
        # it). Before transfers: less the pensions, grown with their area's incomes.
        res = model.residents
        assert model.dibao_paid_share == 1.0
        income = res.income + res.dibao
        urban, rural = growth_factors(model.params, model.week)
        market = np.maximum(res.income - res.pension * np.where(res.urban, urban, rural), 0)
        ordered = np.sort(income)
        fifth = residents // 5
        measured["income_gini"] = pairwise_gini(income)
        measured["market_income_gini"] = pairwise_gini(market)
        measured["income_top_bottom_ratio"] = ordered[-fifth:].mean() / ordered[:fifth].mean()

    def setup(model) -> None:
        logs.append(HandoffLog(model))
        measure_incomes(model)

    def count(model) -> None:
        if model.week % model.params.welfare.review_weeks == 0:
            measure_incomes(model)
        for name, value in measured.items():
            states[name].append(value)
        states["trust"].append(model.residents.trust.mean())
        states["volunteer_share"].append(model.residents.volunteer.mean())
        res = model.residents
        tally["volunteer_weeks"] += int(np.count_nonzero(res.volunteer))
        tally["services"] += model.services_this_week
        spent = model.lever_costs_this_week + model.case_costs_this_week
        budget = model.params.budget.per_resident_year * residents / 52
        tally["spent"] += spent
        tally["over"] += max(0.0, spent - budget)
        # The week's record: states now, and spending so far per resident per year.
        record = model.record[-1]
        assert record["week"] == model.week
        assert record["spending_per_resident"] == pytest.approx(
            tally["spent"] / residents / (model.week / 52))
        assert record["false_compliance"] == pytest.approx((res.norm_displayed - res.norm).mean())
        assert record["volunteer_share"] == pytest.approx(res.volunteer.mean())
        assert record["detection_coverage"] == pytest.approx(model.detection_coverage.mean())
        assert record["norm"] == pytest.approx(res.norm.mean())

    # Volunteer hours are counted when volunteers are recruited; a newcomer replacing a
    # volunteer later in the week would make the end-of-week count differ: no turnover.
    # One hand-off per send (the extra departments' hand-offs are tested in test_centre).
    model = run(small_scenario({"population.residents": residents,
                                "disputes.base_rate": 0.3,
                                "population.elderly_mortality": 0.0,
                                "population.migrant_departure_rate": 0.0,
                                "ladder.multi_department_share": 0.0}), 7, weeks,
                setup=setup, each_step=count)
    out = model.summary()
    pool, years = model.disputes, weeks / 52
    n = pool.size
    ended = pool.outcome[:n] != OPEN
    resolved = pool.outcome[:n] == RESOLVED
    assert out["satisfaction"] == pytest.approx(pool.satisfaction[:n][ended].mean())
    durations = np.sort((pool.ended[:n] - pool.arose[:n])[resolved])
    assert out["median_weeks"] == np.median(durations)
    assert out["p90_weeks"] == pytest.approx(np.percentile(durations, 90))
    hours = model.params.behaviour.volunteer_hours
    assert out["volunteer_hours"] == pytest.approx(
        tally["volunteer_weeks"] * hours / residents / years)
    assert out["services_per_resident"] == pytest.approx(tally["services"] / residents / years)
    assert out["spending_per_resident"] == pytest.approx(tally["spent"] / residents / years)
    assert out["overspend_per_resident"] == pytest.approx(tally["over"] / residents / years)
    assert out["cost_per_resolved"] == pytest.approx(tally["spent"] / resolved.sum())
    lost, handoffs = logs[0].loss_rate()
    assert handoffs > 0
    assert out["handoff_loss_rate"] == pytest.approx(lost / handoffs)
    level, handed = pool.level[:n], pool.handoffs[:n]
    mediated = ended & ((level == L1) | (level == L2))
    agreed = mediated & (resolved | (pool.outcome[:n] == RELAPSED))
    went_on = ended & (level == L3) & (handed > 0)
    assert out["grassroots_mediation_success"] == pytest.approx(
        agreed.sum() / (mediated.sum() + went_on.sum()))
    # State outcomes: the mean of their weekly values over the run.
    assert out["trust"] == pytest.approx(np.mean(states["trust"]))
    assert out["volunteer_share"] == pytest.approx(np.mean(states["volunteer_share"]))
    assert out["income_gini"] == pytest.approx(np.mean(states["income_gini"]))
    assert out["market_income_gini"] == pytest.approx(np.mean(states["market_income_gini"]))
    assert out["income_top_bottom_ratio"] == pytest.approx(
        np.mean(states["income_top_bottom_ratio"]))


def test_a_one_week_run_is_scaled_to_a_year_by_52() -> None:
    model = run(small_scenario({"disputes.base_rate": 0.5}), 2, 1)
    spent = model.lever_costs_this_week + model.case_costs_this_week
    out = model.summary()
    assert out["arisen"] > 0
    assert out["spending_per_resident"] == pytest.approx(spent / 2_000 * 52)
    assert out["services_per_resident"] == pytest.approx(model.services_this_week / 2_000 * 52)
    assert out["disputes_per_1000"] == pytest.approx(out["arisen"] / 2_000 * 1000 * 52)
    assert model.record[1]["spending_per_resident"] == pytest.approx(spent / 2_000 * 52)


# ------------------------------------------------------------------ the live funnel


def test_queue_lengths_count_open_disputes_on_each_rung() -> None:
    from simulation.disputes import Stage

    pool = pool_of([
        *[(0, -1, L0, OPEN, 0)] * 4,  # arisen, not yet reported: on no rung
        *[(0, -1, L1, OPEN, 0)] * 2, (0, -1, L2, OPEN, 1), *[(0, -1, L3, OPEN, 2)] * 3,
        *[(0, 1, L1, RESOLVED, 0)] * 5,  # ended: no longer queued
    ])
    pool.compact()
    pool.stage[4:10] = Stage.QUEUED
    pool.stage[6] = Stage.IN_SERVICE  # being mediated counts on its rung too
    assert metrics.queue_lengths(SimpleNamespace(disputes=pool)) == {
        "queued_l1": 2, "queued_l2": 1, "queued_l3": 3, "queued_petition": 0}
    assert metrics.queue_lengths(SimpleNamespace(disputes=DisputePool())) == {
        "queued_l1": 0, "queued_l2": 0, "queued_l3": 0, "queued_petition": 0}


def test_a_group_with_nobody_in_it_has_no_mean_and_no_gap() -> None:
    state = welfare_state()
    res = state.residents
    res.urban[:] = True  # an all-urban county
    res.digital[:] = True  # and everyone online
    w = metrics.welfare_measures(state)
    assert w["welfare_urban"] == pytest.approx(30.0)
    assert np.isnan(w["welfare_rural"]) and np.isnan(w["urban_rural_ratio"])
    assert np.isnan(w["welfare_digitally_excluded"]) and np.isnan(w["digital_gap"])
    res.urban[:] = False
    w = metrics.welfare_measures(state)
    assert np.isnan(w["welfare_urban"]) and w["welfare_rural"] == pytest.approx(30.0)
