"""Differences between places (simulation/places.py): towns' development and
implementation quality, and the spread of outcomes between towns."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, seed_means, small_scenario

from simulation.assisted import assistance_capacity
from simulation.model import CoGovernanceModel
from simulation.places import draw_places, place_factor, town_spread
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
