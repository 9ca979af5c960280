"""The county one-stop centre as pre-litigation filter (诉源治理) and integrator
(最多跑一地): disputes headed for court are mediated there first, multi-department cases
make no extra hand-offs there, and staffing it lowers court filings."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents.resident import logistic, logit
from simulation.disputes import DisputeType, Level, Outcome
from simulation.metrics import court_outcomes
from simulation.model import CoGovernanceModel
from tests.conftest import SEEDS, run, small_scenario

CENTRE = "ladder.county_centre_staff_per_10000"


def _plant(model: CoGovernanceModel, severity: float = 0.5,
           kind: DisputeType = DisputeType.NEIGHBOUR_FAMILY) -> int:
    one = np.ones(1)
    (case,) = model.disputes.add(model.week, np.full(1, kind, np.int8), severity * one,
                                 np.zeros(1, np.int32), -np.ones(1, np.int32),
                                 np.zeros(1, np.int32), 50 * one, np.zeros(1, bool))
    return int(case)


def _count_filings(model: CoGovernanceModel) -> list[int]:
    """Counts cases put into the court's litigation queue, apart from the model's tally."""
    filed = [0]
    enqueue = model.court.queue.enqueue

    def counted(case: int, *args: object, **kwargs: object) -> None:
        filed[0] += 1
        enqueue(case, *args, **kwargs)

    model.court.queue.enqueue = counted  # type: ignore[method-assign]
    return filed


def _filings(updates: dict, seed: int, weeks: int = 104) -> tuple[int, int]:
    """Cases filed at court in a run (counted at the queue) and the model's own tally."""
    box: list[list[int]] = []
    model = run(small_scenario({"population.residents": 5_000, **updates}), seed, weeks,
                setup=lambda m: box.append(_count_filings(m)))
    return box[0][0], model.ladder.court_filings


def test_staffing_the_centre_lowers_court_filings() -> None:
    """Direction on paired seeds: a staffed centre mediates cases headed for court first."""
    closed = [_filings({CENTRE: 0.0}, s)[0] for s in SEEDS[:4]]
    staffed = [_filings({CENTRE: 6.0}, s)[0] for s in SEEDS[:4]]
    assert np.mean(staffed) < 0.85 * np.mean(closed), (closed, staffed)


def test_the_filings_tally_counts_every_case_put_in_the_litigation_queue() -> None:
    counted, tally = _filings({}, SEEDS[0], weeks=52)
    assert counted == tally > 0


def test_a_centre_opened_at_week_52_lowers_filings_after_it_opens() -> None:
    opening = {CENTRE: 0.0, "schedules": [
        {"parameter": CENTRE, "start_week": 52, "end_week": 52, "to": 3.0}]}
    before, after, diverted = [], [], []
    for seed in SEEDS[:4]:
        model = run(small_scenario({"population.residents": 5_000, **opening}), seed, 104)
        years = model.yearly()
        before.append(years.loc[1, "court_filings_per_10k"])
        after.append(years.loc[2, "court_filings_per_10k"])
        diverted.append(years.loc[2, "prelitigation_diversions_per_10k"]
                        - years.loc[1, "prelitigation_diversions_per_10k"])
    assert np.mean(after) < np.mean(before), (before, after)
    assert np.mean(diverted) > 0


def test_cases_headed_for_court_go_to_the_centre_first_with_the_declared_chance() -> None:
    def first_handlers(updates: dict) -> list[object]:
        model = CoGovernanceModel(small_scenario({"ladder.handoff_loss": 0.0, **updates}),
                                  rng=3)
        handlers = []
        for _ in range(400):
            case = _plant(model, severity=0.9)
            model.ladder.send(case, Level.L3)  # triaged to court, or filed directly
            handlers.append(model.ladder.handler_of[case])
        return [h is model.county_centre for h in handlers]

    assert not any(first_handlers({"ladder.centre_filter": 0.0}))
    assert all(first_handlers({"ladder.centre_filter": 1.0}))
    assert not any(first_handlers({"ladder.centre_filter": 1.0, CENTRE: 0.0}))  # closed
    share = np.mean(first_handlers({"ladder.centre_filter": 0.5}))
    assert share == pytest.approx(0.5, abs=0.08)  # 400 draws: sd 0.025


def test_pre_litigation_mediation_has_the_courts_backing_and_its_failures_are_filed() -> None:
    model = CoGovernanceModel(small_scenario({
        "ladder.centre_filter": 1.0, "ladder.success_l2": 0.6,
        "effects.court_authority": 0.7, "levers.rule_of_law.legal_services": 0.0}), rng=4)
    case = _plant(model, severity=0.5)
    model.residents.trust[0] = 0.5
    model.ladder.send(case, Level.L3)
    assert model.disputes.pre_litigation[case] and model.disputes.level[case] == Level.L2
    p = model.ladder.success_probability(case, model.county_centre, entrusted=False)
    assert p == pytest.approx(float(logistic(logit(0.6) + 0.7)))  # by hand
    # A failure is filed at court at once: no hand-off to lose it, no second mediation.
    model.ladder.queue_of[case].remove(case)
    model.rng = np.random.default_rng(0)
    model.ladder.success_probability = lambda *a, **k: 0.0  # type: ignore[method-assign]
    handoffs, filed = model.ladder.handoffs, model.ladder.court_filings
    model.ladder.conclude(case, model.county_centre)
    assert model.ladder.queue_of[case] is model.court.queue
    assert model.ladder.handoffs == handoffs and model.ladder.court_filings == filed + 1


def test_walk_ins_to_a_closed_centre_go_to_the_town() -> None:
    model = CoGovernanceModel(small_scenario({CENTRE: 0.0, "ladder.social_organisations": 0}),
                              rng=5)
    case = _plant(model)
    model.ladder.send(case, Level.L2, walk_in=True)
    town = model.town_offices[int(model.territory.town_of_grid[0])]
    assert model.ladder.handler_of[case] is town


@pytest.mark.parametrize(("at_centre", "handoffs", "trips"), [(False, 2, 2), (True, 0, 1)])
def test_extra_departments_are_hand_offs_outside_the_centre_only(
        at_centre: bool, handoffs: int, trips: int) -> None:
    # A three-department public-service case: two extra hand-offs at the town office; none
    # at the centre, where the one trip is the walk-in itself (最多跑一地).
    model = CoGovernanceModel(small_scenario({
        "ladder.multi_department_share": 1.0, "ladder.three_department_share": 1.0,
        "ladder.handoff_loss": 0.0, "ladder.social_organisations": 0}), rng=6)
    case = _plant(model, kind=DisputeType.PUBLIC_SERVICE)
    model.ladder.send(case, Level.L2, walk_in=at_centre)
    assert model.disputes.departments[case] == (3 if not at_centre else 0)
    assert model.disputes.handoffs[case] == handoffs
    assert model.disputes.trips[case] == trips


def test_a_department_hand_off_can_lose_the_case() -> None:
    model = CoGovernanceModel(small_scenario({
        "ladder.multi_department_share": 1.0, "ladder.handoff_loss": 1.0,
        "levers.party_leadership.coordination": 0.0, "ladder.social_organisations": 0}),
        rng=7)
    case = _plant(model, kind=DisputeType.LABOUR_WAGES, severity=0.1)
    model.ladder.send(case, Level.L2)
    assert model.ladder.handoffs_lost == 1
    assert case not in model.ladder.queue_of or model.disputes.level[case] == Level.PETITION
    one_department = _plant(model, kind=DisputeType.NEIGHBOUR_FAMILY)
    model.ladder.send(one_department, Level.L2)
    assert model.ladder.handoffs_lost == 1  # neighbour disputes need one department


def test_court_outcomes_by_hand() -> None:
    # 30 filings and 10 diversions in 2 years among 5,000 residents: 30 and 10 per 10,000
    # a year; a quarter of the cases headed for court were settled before filing.
    out = court_outcomes(30, 10, 5_000, 2.0)
    assert out == {"court_filings_per_10k": 30.0, "prelitigation_diversions_per_10k": 10.0,
                   "diversion_share": 0.25}


def test_trips_per_resolved_is_the_mean_trips_of_resolved_disputes() -> None:
    model = run(small_scenario(), SEEDS[1], 52)
    pool = model.disputes
    resolved = pool.outcome[: pool.size] == Outcome.RESOLVED
    expected = pool.trips[: pool.size][resolved].mean()
    assert model.summary()["trips_per_resolved"] == pytest.approx(expected)


def test_the_bundled_policy_file_opens_the_centre_at_week_52() -> None:
    """scenarios/policy/centre_opens_week52.yaml: no centre staff before week 52, the
    reference county's 3 per 10,000 from then on; no_centre.yaml never has any."""
    from pathlib import Path

    from simulation.scenario import load_scenario

    folder = Path(__file__).resolve().parents[1] / "scenarios" / "policy"
    opens = load_scenario(str(folder / "centre_opens_week52.yaml"))
    never = load_scenario(str(folder / "no_centre.yaml"))
    model = CoGovernanceModel(opens, rng=1)
    staff = {}
    for week in range(1, 54):
        model.week = week
        model.follow_ramps()
        staff[week] = model.params.ladder.county_centre_staff_per_10000
        if week in (51, 52, 53):
            staff[(week, "open")] = model.county_centre.is_open()
    assert staff[51] == 0 and not staff[(51, "open")]
    assert staff[52] == staff[53] == 3 and staff[(53, "open")]
    assert never.ladder.county_centre_staff_per_10000 == 0 and not never.schedules
