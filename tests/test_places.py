"""Differences between places (simulation/places.py): towns' development and
implementation quality, and the spread of outcomes between towns."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, seed_means, small_scenario

from simulation.assisted import assistance_capacity
from simulation.disputes import Level
from simulation.model import CoGovernanceModel
from simulation.places import draw_places, lever_reach, place_factor, town_spread
from simulation.population import build_territory
from simulation.welfare import dibao_recipients

MANY_TOWNS = {"population.residents": 20_000, "population.communities_per_town": 1}


def test_town_spread_by_hand() -> None:
    # Mean (0.5 + 3 × 1.0) / 4 = 0.875; variance (0.375² + 3 × 0.125²) / 4 = 0.046875.
    assert town_spread(np.array([0.5, 1.0, 9.0]), np.array([1.0, 3.0, 0.0])) == (
        pytest.approx(np.sqrt(0.046875)))
    assert np.isnan(town_spread(np.array([0.5, 1.0]), np.array([1.0, 0.0])))


def test_place_factor_keeps_each_areas_mean() -> None:
    development = np.array([2.0, 1.0, 0.5])
    town = np.array([0, 0, 1, 2, 2, 2])
    urban = np.array([True, True, True, False, False, False])
    # Urban mean of d over residents (2 + 2 + 1) / 3 = 5/3; rural towns all 0.5.
    np.testing.assert_allclose(place_factor(development, town, urban),
                               [1.2, 1.2, 0.6, 1.0, 1.0, 1.0])


def test_development_and_quality_are_mean_one_and_correlated_as_declared() -> None:
    scenario = small_scenario({"population.residents": 100_000,
                               "population.residents_per_grid": 10,
                               "population.communities_per_town": 1,
                               "population.grids_per_community": 1,
                               "population.town_development_spread": 0.3,
                               "population.town_implementation_spread": 0.3,
                               "population.development_implementation_correlation": 0.5})
    territory = build_territory(scenario)
    development, quality = draw_places(scenario, territory, np.random.default_rng(1))
    assert len(development) == 10_000
    assert development.mean() == pytest.approx(1.0, abs=0.02)
    assert quality.mean() == pytest.approx(1.0, abs=0.02)
    assert np.log(development).std() == pytest.approx(0.3, abs=0.01)
    assert np.corrcoef(np.log(development), np.log(quality))[0, 1] == pytest.approx(
        0.5, abs=0.03)


def test_assisted_capacity_follows_the_towns_implementation_quality() -> None:
    model = CoGovernanceModel(small_scenario({
        **MANY_TOWNS, "levers.smart_governance.assisted_access": 1.0}), rng=2)
    terr = model.territory
    quality = terr.town_quality.copy()
    assert quality.std() > 0.05  # 16 towns that differ
    terr.town_quality = np.ones_like(quality)
    even = assistance_capacity(model)
    terr.town_quality = quality
    np.testing.assert_allclose(assistance_capacity(model),
                               even * quality[terr.town_of_grid])


def test_implementation_quality_scales_data_sharings_cut_of_exclusion_errors() -> None:
    model = CoGovernanceModel(small_scenario({
        "welfare.dibao_exclusion_error": 0.6, "welfare.dibao_inclusion_error": 0.0,
        "effects.data_sharing_targeting": 1.0}), rng=3)
    res = model.residents
    scenario = model.params
    # Quality 1 with full data sharing removes the error; quality 0 leaves all of it.
    _, eligible, _ = dibao_recipients(res, scenario, 1.0, 1.0)
    full, _, _ = dibao_recipients(res, scenario, 1.0, np.ones(len(res)))
    none, _, _ = dibao_recipients(res, scenario, 1.0, np.zeros(len(res)))
    assert (full[eligible] > 0).all()
    reached = (none > 0) & eligible
    np.testing.assert_array_equal(reached, eligible & (res.dibao_draw >= 0.6))


def test_development_spread_widens_the_welfare_spread_between_towns() -> None:
    """Paired seeds, at week 0: towns differing in development differ in welfare."""
    def spread(sd: float, seed: int) -> float:
        scenario = small_scenario({**MANY_TOWNS, "population.town_development_spread": sd})
        return CoGovernanceModel(scenario, rng=seed).record[0]["town_welfare_spread"]

    assert seed_means(spread(0.3, s) - spread(0.0, s) for s in SEEDS[:3]) > 0.03


# ------------------------------------------------------------------ lever reach by town


def test_lever_reach_by_hand() -> None:
    quality, people = np.array([0.5, 2.0, 1.0]), np.array([1.0, 1.0, 2.0])
    # ε = 1: mean of q over residents (0.5 + 2 + 2 × 1) / 4 = 1.125.
    np.testing.assert_allclose(lever_reach(quality, people, 1.0),
                               quality / 1.125)
    # ε = 2: mean of q² (0.25 + 4 + 2) / 4 = 1.5625.
    np.testing.assert_allclose(lever_reach(quality, people, 2.0),
                               quality**2 / 1.5625)
    # Residents' mean is 1 whatever ε; ε = 0 gives exactly 1.
    for e in (0.5, 1.0, 3.0):
        assert np.dot(lever_reach(quality, people, e), people) / people.sum() == (
            pytest.approx(1.0))
    assert (lever_reach(quality, people, 0.0) == 1.0).all()


def _two_town_model(elasticity: float, councils: float) -> CoGovernanceModel:
    model = CoGovernanceModel(small_scenario({
        **MANY_TOWNS, "effects.implementation_elasticity": elasticity,
        "levers.self_governance.councils": councils}), rng=5)
    return model


def test_a_better_implementing_town_gains_more_from_the_same_lever() -> None:
    """Councils' L1 capacity gain, grid by grid: (1 + c × convened × reach) − 1 over the
    towns, so the gain of a grid in town t over one in town u is reach_t / reach_u =
    (q_t / q_u)^ε."""
    gains = {}
    for e in (0.0, 1.0, 2.0):
        with_councils, without = _two_town_model(e, 1.0), _two_town_model(e, 0.0)
        terr = with_councils.territory
        cells = [g for g in range(terr.n_grids) if with_councils.cell_active[g]
                 and without.cell_active[g]]
        gain = np.array([
            with_councils.party_cells[g].capacity_per_week(10.0, 500)
            / without.party_cells[g].capacity_per_week(10.0, 500) - 1.0 for g in cells])
        quality = terr.town_quality[terr.town_of_grid[cells]]
        hi, lo = int(np.argmax(quality)), int(np.argmin(quality))
        assert quality[hi] > 1.2 * quality[lo]
        assert gain[hi] / gain[lo] == pytest.approx((quality[hi] / quality[lo]) ** e)
        gains[e] = gain
    # ε = 0: every grid gains the same.
    np.testing.assert_allclose(gains[0.0], gains[0.0][0])


def test_a_better_implementing_town_mediates_more_successfully_with_councils() -> None:
    model = _two_town_model(1.0, 1.0)
    terr, pool = model.territory, model.disputes
    quality = terr.town_quality
    hi, lo = int(np.argmax(quality)), int(np.argmin(quality))
    grids = [int(np.flatnonzero(terr.town_of_grid == t)[0]) for t in (hi, lo)]
    # The same party and severity in a grid of each town, at L1.
    cases = pool.add(model.week, kind=np.array([0, 0]), severity=np.array([0.5, 0.5]),
                     party=np.array([0, 0]), other=np.array([-1, -1]),
                     grid=np.array(grids), patience=np.array([10.0, 10.0]),
                     early=np.array([False, False]))
    pool.level[cases] = Level.L1
    for g in grids:
        model.cell_active[g] = True
    p_hi, p_lo = (model.ladder.success_probability(int(c), model.party_cells[g], False)
                  for c, g in zip(cases, grids, strict=True))
    assert p_hi > p_lo


def test_elasticity_zero_switches_the_channel_off_exactly() -> None:
    """With no welfare-side lever that uses quality (no data sharing, no assisted
    access), a run with spread-out quality and elasticity 0 is the run with every town at
    quality 1, outcome for outcome."""
    base = {"levers.smart_governance.data_sharing": 0.0,
            "levers.smart_governance.assisted_access": 0.0,
            "levers.self_governance.councils": 1.0,
            "levers.rule_of_law.legal_services": 1.0}

    def outcomes(changes: dict) -> dict[str, float]:
        model = CoGovernanceModel(small_scenario({**MANY_TOWNS, **base, **changes}), rng=7)
        for _ in range(26):
            model.step()
        return {k: v for k, v in model.summary().items()
                if "quality_resolution_gap" not in k}

    off = outcomes({"effects.implementation_elasticity": 0.0})
    even = outcomes({"effects.implementation_elasticity": 2.0,
                     "population.town_implementation_spread": 0.0})
    on = outcomes({"effects.implementation_elasticity": 2.0})
    assert off == pytest.approx(even, nan_ok=True, rel=0, abs=0)
    assert on != pytest.approx(off, nan_ok=True)
