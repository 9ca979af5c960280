"""Trust from experience: relapse by enforceability, recovery, word of mouth, and the
directions the mechanisms must give (averaged over paired seeds).

Hand arithmetic follows docs/ODD.md §3.4.3, §3.4.6 and §3.4.10.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.disputes import Level, Outcome
from simulation.experience import enforceability, relapse_probability
from simulation.model import CoGovernanceModel
from simulation.network import _edges_to_network
from simulation.population import group_mask
from tests.conftest import small_scenario

SEEDS = range(4)


def test_relapse_falls_with_how_far_an_agreement_can_be_enforced() -> None:
    """relapse_base × (1 − enforceability × enforcement_relapse × enforcement) × (1.5 − norm),
    enforceability 0 at L0, judicial_confirmation × court_linkage at L1-L2, 1 at L3."""
    model = CoGovernanceModel(small_scenario({
        "disputes.relapse_base": 0.2, "disputes.judicial_confirmation": 0.5,
        "effects.enforcement_relapse": 0.7, "levers.rule_of_law.enforcement": 1.0,
        "levers.rule_of_law.court_linkage": 0.8}), rng=1)
    assert enforceability(model, Level.L0) == 0.0
    assert enforceability(model, Level.L1) == pytest.approx(0.4)
    assert enforceability(model, Level.L2) == pytest.approx(0.4)
    assert enforceability(model, Level.L3) == 1.0
    assert relapse_probability(model, Level.L0, 0.5) == pytest.approx(0.2)
    assert relapse_probability(model, Level.L1, 0.5) == pytest.approx(0.2 * (1 - 0.4 * 0.7))
    assert relapse_probability(model, Level.L3, 0.5) == pytest.approx(0.2 * 0.3)
    assert relapse_probability(model, Level.L3, 0.9) == pytest.approx(0.2 * 0.3 * 0.6)


def test_trust_recovers_towards_its_initial_level_at_the_recovery_rate() -> None:
    """With no neighbours' pull, no disputes and no shocks, the gap to the initial trust
    shrinks by (1 − r) a week: trust_k = initial − (1 − r)^k × gap_0."""
    r, weeks = 0.01, 20
    model = CoGovernanceModel(small_scenario({
        "behaviour.social_learning": 0.0, "disputes.base_rate": 0.0,
        "behaviour.trust_recovery": r, "shocks": [],
        # no newcomers with fresh trust draws
        "population.elderly_mortality": 0.0, "population.migrant_departure_rate": 0.0}), rng=5)
    res = model.residents
    res.trust[:] = res.initial_trust * 0.5
    for _ in range(weeks):
        model.step()
    expected = res.initial_trust - (1 - r) ** weeks * (res.initial_trust * 0.5)
    np.testing.assert_allclose(res.trust, expected, rtol=1e-12)


def test_neighbours_hear_of_an_ending_and_move_by_the_vicarious_share() -> None:
    model = CoGovernanceModel(small_scenario({"behaviour.vicarious_weight": 0.5}), rng=3)
    res, pool, adj = model.residents, model.disputes, model.network.adjacency
    party = 12
    ties = adj.indices[adj.indptr[party]:adj.indptr[party + 1]]
    assert len(ties) > 0
    res.trust[ties] = np.linspace(0.2, 0.9, len(ties))
    res.trust[party] = 0.5
    (case,) = pool.add(0, np.zeros(1, np.int8), np.array([0.3]),
                       np.array([party], np.int32), np.array([-1], np.int32),
                       np.zeros(1, np.int32), np.ones(1), np.zeros(1, bool))
    pool.level[case] = Level.L1
    pool.end([case], Outcome.RESOLVED, 0)
    pool.satisfaction[case] = 0.7
    model.ladder.ended_this_week.append(int(case))
    res.open_disputes[party] += 1
    before = res.trust.copy()
    model.feed_back_endings()
    gap = 0.7 - before[ties]
    rate = np.where(gap > 0, 0.10, 0.20)  # the declared rates up and down
    np.testing.assert_allclose(res.trust[ties], before[ties] + 0.5 * rate * gap)
    assert res.trust[party] == pytest.approx(0.5 + 0.10 * 0.2)
    others = np.setdiff1d(np.arange(model.n_residents), np.append(ties, party))
    np.testing.assert_array_equal(res.trust[others], before[others])


def _mean_trust(updates: dict, steps: int = 260) -> list[float]:
    out = []
    for seed in SEEDS:
        model = CoGovernanceModel(small_scenario(updates), rng=seed)
        for _ in range(steps):
            model.step()
        out.append(float(model.residents.trust.mean()))
    return out


def test_a_strict_credit_system_does_not_drain_trust() -> None:
    """Public lists no longer cost everyone trust every week: over five years trust under
    the strictest credit system stays within 0.01 of trust without one (it used to fall
    from 0.55 to about 0.45)."""
    strict = _mean_trust({"levers.rule_of_virtue.credit_system": 1.0})
    none = _mean_trust({"levers.rule_of_virtue.credit_system": 0.0})
    assert np.mean(strict) > np.mean(none) - 0.01


def test_trust_recovers_after_a_legitimacy_shock() -> None:
    """About three years (156 weeks) after a shock that removes 30% of trust, the default
    recovery (a half-life of about three years: (1 − 0.0044)^156 ≈ 0.50) has closed about
    half of the gap that stays open without recovery."""
    shock = {"kind": "legitimacy", "week": 10, "duration_weeks": 4, "magnitude": 0.3,
             "group": "all"}
    calm = _mean_trust({"shocks": []}, steps=170)
    hit = _mean_trust({"shocks": [shock]}, steps=170)
    stuck = _mean_trust({"shocks": [shock], "behaviour.trust_recovery": 0.0}, steps=170)
    gap_recovering = np.mean(calm) - np.mean(hit)
    gap_stuck = np.mean(calm) - np.mean(stuck)
    assert 0.35 * gap_stuck < gap_recovering < 0.65 * gap_stuck
    assert gap_stuck > 0.1


def test_better_handling_earns_more_trust() -> None:
    """Mediation that succeeds more often leaves better experiences, so trust ends higher
    (paired seeds)."""
    good = _mean_trust({"ladder.success_l1": 0.95, "ladder.success_l2": 0.95})
    poor = _mean_trust({"ladder.success_l1": 0.3, "ladder.success_l2": 0.3})
    assert all(g > p for g, p in zip(good, poor, strict=True))


def _learn_with_numpy(model: CoGovernanceModel) -> dict[str, np.ndarray]:
    """The week's learning written pass by pass with numpy and scipy's sparse product (the
    formulas of `learn_norms_and_trust`'s docstring and ODD §3.4.3): the oracle its
    compiled loops must match bit for bit."""
    res, p, lv, ef = model.residents, model.params, model.lever, model.params.effects
    a, r, decay = (p.behaviour.social_learning, p.behaviour.trust_recovery,
                   p.behaviour.norm_decay)
    state = np.column_stack([res.norm, res.trust, res.discontent * 0.97])
    nb_norm, nb_trust, nb_disc = model.network.neighbour_mean(state).T
    pull = ef.campaign_norm_rate * lv["norm_campaigns"] + ef.credit_norm_rate * lv[
        "credit_system"]
    norm = np.clip(res.norm * (1 - a - pull - decay) + nb_norm * a
                   + res.initial_norm * decay + pull, 0, 1)
    c = ef.credit_display * lv["credit_system"]
    out = {"norm": norm, "norm_displayed": norm * (1 - c) + c}
    for name, initial, g in (
            ("legal_awareness", res.initial_legal,
             ef.legal_awareness_gain * lv["legal_services"]),
            ("participation", res.initial_participation,
             ef.councils_participation * lv["councils"])):
        out[name] = getattr(res, name) * 0.98 + initial * (0.02 * (1 - g)) + 0.02 * g
    trust = ((res.trust * (1 - a - r) + nb_trust * a + res.initial_trust * r)
             * (res.discontent * -0.01 + 1))
    for group, drop in model.shock.trust_drop.items():
        trust[group_mask(res, group)] *= 1 - drop
    out["trust"] = np.clip(trust, 0, 1)
    out["discontent"] = res.discontent * ((1 - a) * 0.97) + nb_disc * a
    return out


@pytest.mark.parametrize("shock", [None, "urban"])
def test_the_compiled_learning_matches_the_formulas_bit_for_bit(shock: str | None) -> None:
    """Mid-run state (disputes and discontent spread, some residents without ties, a credit
    system and campaigns on), with and without a legitimacy shock in force: every updated
    column equals the numpy oracle's bits."""
    from dataclasses import replace

    model = CoGovernanceModel(small_scenario({
        "levers.rule_of_virtue.credit_system": 0.6,
        "levers.rule_of_virtue.norm_campaigns": 0.5}), rng=4)
    for _ in range(30):
        model.step()
    model.residents.discontent[::7] += 0.3  # discontent everywhere, not only where it arose
    # Cut the ties of the first 20 residents: a resident without ties learns from itself.
    ties = model.network.adjacency.tocoo()
    kept = (ties.row >= 20) & (ties.col >= 20)
    model.network = _edges_to_network(len(model.residents),
                                      np.column_stack([ties.row[kept], ties.col[kept]]))
    assert len(model.network.isolated) == 20
    if shock:
        model.shock = replace(model.shock, trust_drop={shock: 0.2})
    expected = _learn_with_numpy(model)
    model.learn_norms_and_trust()
    for name, values in expected.items():
        got = getattr(model.residents, name)
        assert got.tobytes() == values.tobytes(), name


def test_the_learning_refuses_a_tie_network_of_another_size() -> None:
    """The compiled loop reads neighbours by index without checking: a network that does
    not match the residents is refused before it runs."""
    model = CoGovernanceModel(small_scenario({}), rng=1)
    n = len(model.residents)
    model.network = _edges_to_network(n - 5, np.array([[0, 1], [1, 2]]))
    with pytest.raises(ValueError, match=f"{n - 5} rows for {n} residents"):
        model.learn_norms_and_trust()
