"""Differences between places: towns differ in development and in how well programmes
are implemented, so a county-wide mix lands unevenly.

At set-up (`draw_places`, called by `population.build_residents`) each town draws

- a development level d_t = exp(σ_d · z1 − σ_d²/2) (lognormal, mean 1;
  `population.town_development_spread`): residents' other (non-pension) income is
  multiplied by d_t over the mean of d over the residents of the same area (urban or
  rural), so each area's mean income stays the NBS mean while richer and poorer towns
  appear (`place_factor`);
- an implementation quality q_t = exp(σ_q · (ρ z1 + √(1 − ρ²) z2) − σ_q²/2) (mean 1;
  `population.town_implementation_spread`, correlated with development by ρ =
  `population.development_implementation_correlation`): the multiplier on the effect of
  the levers the welfare side delivers in the town: assisted access's capacity in its
  grids (`simulation.assisted`) and data sharing's cut of the 低保 targeting errors for its
  residents (`simulation.welfare.dibao_recipients`).

The dispute-side levers that act in a town land unevenly too (`lever_reach`): resident
councils' L1 capacity and success, legal advice at grid and town mediation, and data
sharing's early detection in the grids work in town t at r_t = q_t^ε / (mean over the
county's residents of q^ε), ε = `effects.implementation_elasticity`. The mean of r over the
residents is 1, so the county-wide mean effect of a lever is what it is without the
spread; ε = 0 switches the channel off (r = 1 everywhere). Selective implementation:
O'Brien & Li (1999), "Selective policy implementation in rural China", Comparative
Politics 31(2): 167-186; the elasticity's size is assumed.

[seed 004]: 「不同地區社會治理創新實踐因經濟發展水平、社會結構、文化背景等不同而存在差異」.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.population import Territory
    from simulation.scenario.schema import Scenario


def draw_places(scenario: Scenario, territory: Territory, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """Each town's development level and implementation quality (module docstring)."""
    pop = scenario.population
    n = territory.n_towns
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    sd, sq, rho = (pop.town_development_spread, pop.town_implementation_spread,
                   pop.development_implementation_correlation)
    development = np.exp(sd * z1 - 0.5 * sd**2)
    quality = np.exp(sq * (rho * z1 + np.sqrt(1.0 - rho**2) * z2) - 0.5 * sq**2)
    return development, quality


def place_factor(development: np.ndarray, town: np.ndarray, urban: np.ndarray
                 ) -> np.ndarray:
    """Each resident's income multiplier: the town's development over the mean over the
    residents of the same area, so that each area's mean is unchanged."""
    d = development[town]
    factor = np.empty(len(d))
    for area in (urban, ~urban):
        if area.any():
            factor[area] = d[area] / d[area].mean()
    return factor


def town_spread(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted standard deviation of the towns' values (towns with weight 0 left out)."""
    keep = weights > 0
    if np.count_nonzero(keep) < 2:
        return float("nan")
    v, w = values[keep], weights[keep]
    mean = _weighted_mean(v, w)
    return float(np.sqrt(_weighted_mean((v - mean) ** 2, w)))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.floating:
    """np.average(values, weights=weights) for 1-D float values and positive weights: the
    same operations in the same order (so the same bits), without its argument handling,
    which costs more than the sums at the county's few towns (measured every week)."""
    dtype = np.result_type(values.dtype, weights.dtype)
    return np.multiply(values, weights, dtype=dtype).sum() / weights.sum(dtype=dtype)


def lever_reach(quality: np.ndarray, town_population: np.ndarray, elasticity: float
                ) -> np.ndarray:
    """Each town's multiplier on the dispute-side lever effects in it: q^ε over the mean of
    q^ε over the county's residents (module docstring). Exactly 1 everywhere when ε = 0."""
    if elasticity == 0.0:
        return np.ones(len(quality))
    scaled = quality**elasticity
    people = float(town_population.sum())
    mean = float(np.dot(scaled, town_population)) / people if people > 0 else 1.0
    return scaled / mean
