"""Voice and accountability: grievances found, brought forward or lumped, and rated
handlers (docs/ODD.md §3.4.19, §3.4.20).

Formulas are checked against hand arithmetic; directions on paired seeds, averaged.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run, small_scenario

from simulation import accountability
from simulation.disputes import Level, Outcome, Stage
from simulation.model import CoGovernanceModel
from simulation.reporting import report_probability, voice_chances, voice_propensity

RATINGS = "levers.smart_governance.ratings"
SEEDS = (0, 1, 2, 3)


def logistic(x: float) -> float:
    return 1 / (1 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def plant(model: CoGovernanceModel, party: int, severity: float = 0.5,
          patience: float = 10.0) -> int:
    """An open grievance of `party` against a firm, awaiting intake."""
    pool = model.disputes
    (case,) = pool.add(model.week, np.array([0], np.int8), np.array([severity]),
                       np.array([party], np.int32), np.array([-1], np.int32),
                       np.array([model.residents.grid[party]], np.int32),
                       np.array([patience]), np.zeros(1, bool))
    model._count_open(np.array([party]), np.array([-1]), +1)
    return int(case)


# ------------------------------------------------------------------ formulas by hand


def test_propensity_by_hand() -> None:
    """logistic(logit(0.5) + 2·(0.8 − 0.5) + 1.5·(0.2 − 0.5) + 2·(0.9 − 0.5)
    + 2·(0.3 − 0.5) − 0.5·0.6) = logistic(0.35) with the declared slopes."""
    model = CoGovernanceModel(small_scenario({
        "disputes.report_base": 0.5, "disputes.report_trust": 2.0,
        "disputes.report_legal": 1.5, "disputes.report_severity": 2.0,
        "disputes.report_experience": 2.0, "effects.ratings_discourage": 0.5,
        RATINGS: 0.6}), rng=1)
    res = model.residents
    res.trust[0], res.legal_awareness[0], res.experience[0] = 0.8, 0.2, 0.3
    p = voice_propensity(model, np.array([0]), np.array([0.9]))
    # 0 + 0.6 − 0.45 + 0.8 − 0.4 − 0.3 = 0.25
    assert p[0] == pytest.approx(logistic(0.25))


def test_voice_is_propensity_times_channel_access_split_by_channel() -> None:
    """p_voice = propensity × (1 − (1 − online)(1 − offline)), split online : offline."""
    model = CoGovernanceModel(small_scenario({
        "levers.smart_governance.platform_coverage": 0.5,
        "levers.smart_governance.offline_channels": 0.5,
        "effects.platform_intake": 0.6, "effects.walk_in_intake": 0.2}), rng=1)
    online_row = int(np.flatnonzero(model.online)[0])
    offline_row = int(np.flatnonzero(~model.online)[0])
    parties = np.array([online_row, offline_row])
    severity = np.array([0.5, 0.5])
    propensity = voice_propensity(model, parties, severity)
    app, walk = voice_chances(model, parties, severity)
    on, off = 0.6 * 0.5, 0.2 * (0.3 + 0.7 * 0.5)  # 0.3 and 0.13
    access = 1 - (1 - on) * (1 - off)
    assert app[0] + walk[0] == pytest.approx(propensity[0] * access)
    assert app[0] / walk[0] == pytest.approx(on / off)
    assert app[1] == 0 and walk[1] == pytest.approx(propensity[1] * off)


def test_found_at_once_if_detected_early_else_find_rate_times_coverage() -> None:
    model = CoGovernanceModel(small_scenario({"disputes.patrol_find_rate": 0.2}), rng=1)
    model.detection_coverage[:] = 0.5
    party = np.array([0, 0])
    patrol, _, _ = report_probability(model, party, model.residents.grid[party],
                                      np.array([True, False]))
    assert patrol.tolist() == [1.0, pytest.approx(0.1)]


def test_speed_factor_shortens_rated_handlers_service_days_by_hand(monkeypatch) -> None:
    """Mean service days = declared × (1 − data_sharing_service × data_sharing) ×
    (1 − ratings_speed × ratings) for a rated handler (the grid and L2 offices), without
    the last factor for court-entrusted mediation, the court and the petition office."""
    import simulation.ladder as ladder_module
    from simulation.handling_time import service_days

    model = CoGovernanceModel(small_scenario({"effects.ratings_speed": 0.5, RATINGS: 1.0,
                                              "effects.data_sharing_service": 0.2,
                                              "levers.smart_governance.data_sharing": 0.5}),
                              rng=1)
    assert accountability.speed_factor(model) == pytest.approx(0.5)
    lad = model.params.ladder
    assert service_days(model, Level.L2, rated=True) == pytest.approx(
        lad.service_days_l2 * 0.9 * 0.5)
    assert service_days(model, Level.L3) == pytest.approx(lad.service_days_l3 * 0.9)
    asked = []

    def recording(m, level, rated=False):
        asked.append((level, rated))
        return service_days(m, level, rated)

    monkeypatch.setattr(ladder_module, "service_days", recording)
    for _ in range(30):
        model.step()
    rated = dict.fromkeys(level for level, _ in asked)
    for level, r in asked:
        rated[level] = rated[level] or r
    assert rated.get(Level.L1) is True and rated.get(Level.L2) is True
    assert all(not r for level, r in asked if level in (Level.L3, Level.PETITION))


def test_ratings_add_effort_only_to_rated_rungs() -> None:
    model = CoGovernanceModel(small_scenario({"effects.ratings_effort": 0.5}), rng=1)
    case = plant(model, 0, severity=0.5)
    model.disputes.level[case] = Level.L2
    handler = model.town_offices[0]
    before = model.ladder.success_probability(case, handler, False)
    model.lever = {**model.lever, "ratings": 0.8}
    after = model.ladder.success_probability(case, handler, False)
    assert logit(after) - logit(before) == pytest.approx(0.5 * 0.8)
    model.disputes.level[case] = Level.L3
    assert model.ladder.success_probability(case, model.court, False) == pytest.approx(
        model.params.ladder.success_l3)


# ------------------------------------------------------------------ endings


def test_a_grievance_never_taken_in_is_lumped_and_leaves_a_little_discontent() -> None:
    """No channel and no patrol: past its patience the grievance ends LUMPED; the party's
    trust is untouched and its discontent rises by lumped_discontent × severity."""
    model = CoGovernanceModel(small_scenario({
        "disputes.patrol_find_rate": 0.0, "effects.walk_in_intake": 0.0,
        "effects.platform_intake": 0.0, "disputes.lumped_discontent": 0.3}), rng=1)
    res = model.residents
    case = plant(model, 7, severity=0.6, patience=0.5)
    model.ladder.ended_this_week = []
    model.ladder.intake()
    assert model.disputes.stage[case] == Stage.AWAITING_INTAKE
    trust, discontent, experience = res.trust[7], res.discontent[7], res.experience[7]
    model.ladder.run_out_of_patience()
    assert model.disputes.outcome[case] == Outcome.LUMPED
    assert model.disputes.petitions[case] == 0
    model.feed_back_endings()
    assert res.trust[7] == trust and res.experience[7] == experience
    assert res.discontent[7] == pytest.approx(discontent + 0.3 * 0.6)


def test_gaming_closes_would_be_failures_unresolved_and_unfair() -> None:
    """Gaming share 1 (gaming 1 × ratings 1) and no chance of success at L1: the case is
    closed unresolved, its experience quality has fairness 0."""
    model = CoGovernanceModel(small_scenario({
        "effects.ratings_gaming": 1.0, RATINGS: 1.0, "ladder.success_l1": 1e-6,
        "effects.ratings_effort": 0.0}), rng=1)
    case = plant(model, 3)
    model.disputes.level[case] = Level.L1
    model.ladder.ended_this_week = []
    model.ladder.conclude(case, model.party_cells[int(model.disputes.grid[case])])
    assert model.disputes.outcome[case] == Outcome.CLOSED_UNRESOLVED
    beh = model.params.behaviour
    weights = (beh.weight_outcome, beh.weight_voice, beh.weight_speed, beh.weight_fair)
    # Not resolved, not worked on here (no cost), on time (no week elapsed), unfair.
    q = beh.weight_speed / sum(weights)
    assert model.disputes.satisfaction[case] == pytest.approx(q)


# ------------------------------------------------------------------ directions


def _mean(changes: dict, name: str, steps: int = 104) -> float:
    return float(np.mean([run(small_scenario(changes), s, steps).summary()[name]
                          for s in SEEDS]))


def test_more_trust_brings_more_grievances_forward() -> None:
    """Planted grievances of residents at trust 0.8 are taken in more often in a week
    than the same grievances at trust 0.2 (the same draws: the model's RNG from one
    seed), by the propensity's difference."""
    shares = {}
    for trust in (0.2, 0.8):
        model = CoGovernanceModel(small_scenario({"disputes.patrol_find_rate": 0.0}),
                                  rng=5)
        model.residents.trust[:] = trust
        cases = [plant(model, r) for r in range(2_000)]
        model.ladder.intake()
        shares[trust] = float(np.mean(model.disputes.stage[cases] != Stage.AWAITING_INTAKE))
    assert shares[0.8] > shares[0.2] + 0.05


def test_higher_trust_takes_in_more_requests_in_a_run() -> None:
    low = _mean({"behaviour.trust_initial": 0.35}, "reporting_share")
    high = _mean({"behaviour.trust_initial": 0.75}, "reporting_share")
    assert high > low + 0.02


def test_platform_coverage_raises_the_reporting_share() -> None:
    without = _mean({"levers.smart_governance.platform_coverage": 0.0}, "reporting_share")
    full = _mean({"levers.smart_governance.platform_coverage": 1.0}, "reporting_share")
    assert full > without + 0.03


def test_ratings_widen_the_gap_between_reported_and_true_resolution() -> None:
    def gap(ratings: float) -> float:
        outs = [run(small_scenario({RATINGS: ratings, "effects.ratings_gaming": 0.5}), s,
                    104).summary() for s in SEEDS]
        return float(np.mean([o["reported_resolution_rate"] - o["resolution_rate"]
                              for o in outs]))

    assert gap(0.0) == 0.0
    assert gap(1.0) > 0.01


def test_without_gaming_ratings_close_nothing_unresolved() -> None:
    for seed in SEEDS[:2]:
        out = run(small_scenario({RATINGS: 1.0, "effects.ratings_gaming": 0.0}), seed,
                  104).summary()
        assert out["closed_unresolved"] == 0
        assert out["reported_resolution_rate"] == out["resolution_rate"]


def test_reporting_share_and_requests_by_their_definitions() -> None:
    model = run(small_scenario(), 2, 104)
    out = model.summary()
    lumped = out["lumped"]
    taken = model.ladder.taken_in
    assert out["reporting_share"] == pytest.approx(taken / (taken + lumped))
    assert out["requests_per_1000"] == pytest.approx(taken / model.n_residents * 1000 / 2)
    ended = sum(out[k] for k in ("resolved", "relapsed", "abandoned", "escalated", "lumped",
                                 "closed_unresolved"))
    assert out["lumped_share"] == pytest.approx(lumped / ended)
    assert out["unresolved_exit_share"] == pytest.approx(
        (out["abandoned"] + out["escalated"] + lumped + out["closed_unresolved"]) / ended)
