"""The county's structure (grids → communities → towns) and residents' state as columns.

Residents' attributes live in numpy arrays indexed by resident id (`ResidentColumns`);
the `Resident` agents are light handles onto a row. Population-wide updates (arising,
norm spread, welfare) are array operations over these columns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from simulation.employment import (
    apply_unemployment,
    draw_insured,
    job_loss_rate,
    steady_state_unemployment,
)
from simulation.places import draw_places, place_factor
from simulation.scenario.schema import Scenario


@dataclass
class Territory:
    """Which grid, community and town each resident lives in, and which grids are urban."""

    grid_of: np.ndarray  # resident -> grid id
    community_of_grid: np.ndarray
    town_of_grid: np.ndarray
    urban_grid: np.ndarray  # bool per grid
    grid_size: np.ndarray  # residents per grid
    # Per town, drawn with the residents (simulation.places): development level and
    # implementation quality, each a multiplier of mean 1.
    town_development: np.ndarray | None = None
    town_quality: np.ndarray | None = None

    @property
    def n_grids(self) -> int:
        return len(self.community_of_grid)

    @property
    def n_communities(self) -> int:
        return int(self.community_of_grid.max()) + 1

    @property
    def n_towns(self) -> int:
        return int(self.town_of_grid.max()) + 1


def build_territory(scenario: Scenario, grid_of: np.ndarray | None = None) -> Territory:
    """Lay out grids, communities and towns.

    Residents fill grids in consecutive blocks (or follow `grid_of` when a network file
    assigns them); grids fill communities, communities fill towns. The first
    `urban_share` of residents' grids are urban streets, the rest rural villages, so a
    town is wholly urban or rural except at the boundary.
    """
    pop = scenario.population
    n = pop.residents if grid_of is None else len(grid_of)
    if grid_of is None:
        n_grids = max(1, round(n / pop.residents_per_grid))
        # np.array_split gives sizes differing by at most one.
        grid_of = np.repeat(np.arange(n_grids), [len(b) for b in np.array_split(np.arange(n),
                                                                              n_grids)])
    grid_of = np.asarray(grid_of, dtype=np.int32)
    n_grids = int(grid_of.max()) + 1
    grid_size = np.bincount(grid_of, minlength=n_grids)
    community_of_grid = (np.arange(n_grids) // pop.grids_per_community).astype(np.int32)
    town_of_grid = (community_of_grid // pop.communities_per_town).astype(np.int32)
    # Urban grids: the first grids until their residents reach the urban share.
    cum = np.cumsum(grid_size) / n
    urban_grid = (cum - grid_size / n / 2) < pop.urban_share
    return Territory(grid_of, community_of_grid, town_of_grid, urban_grid, grid_size)


@dataclass
class ResidentColumns:
    """Every resident's state, one array per attribute, indexed by resident id."""

    grid: np.ndarray
    urban: np.ndarray
    elderly: np.ndarray  # aged 60 or more (`age_weeks` >= ELDERLY_AGE_WEEKS)
    age_weeks: np.ndarray  # int32, age in whole weeks (advances one a week: demography)
    migrant: np.ndarray
    registered: np.ndarray  # migrants under the residence-permit system: local services
    digital: np.ndarray
    party_member: np.ndarray
    base_income: np.ndarray  # yuan per year at week 0, pension included, before shocks
    pension: np.ndarray  # yuan per year, part of base_income (0 under 60)
    income: np.ndarray  # yuan per year, now: grown base income less recent dispute losses
    lost_income: np.ndarray  # yuan lost to disputes in about the last year (arrears, property)
    arrears: np.ndarray  # yuan of wages withheld by open labour disputes, owed back
    dibao: np.ndarray  # yuan per year of 低保 paid at the last review
    dibao_draw: np.ndarray  # U(0, 1), fixed: where the resident falls in targeting errors
    welfare: np.ndarray  # yuan per year: income + 低保 + services - dispute losses, smoothed
    trust: np.ndarray  # in institutions (legitimacy), 0-1
    norm: np.ndarray  # internal norm adherence, 0-1
    norm_displayed: np.ndarray  # compliance shown under public lists, >= norm
    legal_awareness: np.ndarray
    participation: np.ndarray  # willingness to take part
    discontent: np.ndarray  # grievance carried over from bad experiences, >= 0
    # Remembered quality of past contacts with the ladder, own and neighbours', 0-1
    # (simulation.reporting): 0.5 before any.
    experience: np.ndarray
    volunteer: np.ndarray  # bool
    unemployed: np.ndarray  # bool: in an unemployment spell (simulation.employment)
    insured: np.ndarray  # bool: insured against unemployment
    open_disputes: np.ndarray  # count
    loss_this_week: np.ndarray  # yuan lost to open disputes this week
    services_this_week: np.ndarray  # yuan of public services and transfers this week
    initial_trust: np.ndarray
    initial_norm: np.ndarray
    initial_legal: np.ndarray
    initial_participation: np.ndarray
    # Yuan per year of other (non-pension) income at relative factor 1, [rural, urban], in
    # week-0 yuan: what newcomers' incomes are drawn from (`draw_other_income`).
    income_unit: np.ndarray
    # The town's development over its area's mean: multiplies other income (places).
    place_factor: np.ndarray

    def __len__(self) -> int:
        return len(self.grid)


# Age structure: (first age, age after the last, share of the population) per band, from
# the 2020 census (NBS, Seventh National Population Census Communiqué No. 5, 2021): 0-14
# 17.95%, 15-59 63.35%, 60+ 18.70%, 65+ 13.50%, 80+ 2.54% (35.8 million). Ages are uniform
# inside a band; the 80+ band is closed at 95 (assumed). The county's 60+ share is
# `population.elderly_share` (22%, end of 2024); these bands give the ages inside the
# under-60 and 60+ groups only.
ELDERLY_AGE = 60
ELDERLY_AGE_WEEKS = 52 * ELDERLY_AGE
UNDER_60_BANDS = ((0, 15, 0.1795), (15, 60, 0.6335))
OVER_60_BANDS = ((60, 65, 0.0520), (65, 80, 0.1096), (80, 95, 0.0254))
WORKING_AGE_BANDS = ((15, 60, 1.0),)  # newcomer migrants


def draw_age_weeks(rng: np.random.Generator, bands: tuple[tuple[int, int, float], ...],
                   n: int) -> np.ndarray:
    """Ages in whole weeks for n residents: a band by its share, then uniform inside it."""
    lo, hi, cum = _band_table(bands)
    band = np.minimum(cum.searchsorted(rng.random(n), side="right"), len(bands) - 1)
    width = (hi - lo)[band] * 52
    return (lo[band] * 52 + np.floor(rng.random(n) * width)).astype(np.int32)


@functools.lru_cache(maxsize=8)
def _band_table(bands: tuple[tuple[int, int, float], ...]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper ages and cumulative shares of the age bands (read-only): made once
    per table, as newcomers' ages are drawn every week."""
    lo, hi, share = (np.array(col, dtype=np.float64) for col in zip(*bands, strict=True))
    cum = np.cumsum(share / share.sum())
    for column in (lo, hi, cum):
        column.flags.writeable = False
    return lo, hi, cum


def draw_ages(rng: np.random.Generator, elderly: np.ndarray) -> np.ndarray:
    """Ages in weeks: the 60+ from the census's 60+ bands, the others from its under-60
    bands."""
    age = draw_age_weeks(rng, UNDER_60_BANDS, len(elderly))
    old = np.flatnonzero(elderly)
    age[old] = draw_age_weeks(rng, OVER_60_BANDS, len(old))
    return age


def ageing_rate(elderly_share: float, mortality: float) -> float:
    """The elderly share's change per year the age draws imply: residents turning 60 (the
    density of the 15-59 band, per year of age, among the under-60) less deaths at 60+."""
    _, (lo, hi, share) = UNDER_60_BANDS
    under = sum(b[2] for b in UNDER_60_BANDS)
    return (1.0 - elderly_share) * share / under / (hi - lo) - mortality * elderly_share


# Share of residents who are party members: about 99 million members among 1.41 billion
# people (Organisation Department of the CPC Central Committee, 2023).
PARTY_MEMBER_SHARE = 0.07


def _beta_around(rng: np.random.Generator, mean: float, n: int,
                 concentration: float = 8.0) -> np.ndarray:
    """Draws in [0, 1] with the given mean (a Beta with a + b = concentration)."""
    m = min(max(mean, 1e-3), 1 - 1e-3)
    return rng.beta(m * concentration, (1 - m) * concentration, size=n)


def build_residents(
    scenario: Scenario, territory: Territory, rng: np.random.Generator
) -> ResidentColumns:
    """Draw residents' groups, incomes and attitudes.

    Incomes: see `build_incomes`; the elderly's include their pensions (`build_pensions`).
    """
    pop, beh = scenario.population, scenario.behaviour
    grid = territory.grid_of
    n = len(grid)
    urban = territory.urban_grid[grid]
    elderly = rng.random(n) < pop.elderly_share
    migrant = urban & ~elderly & (rng.random(n) < pop.migrant_share)
    p_digital = np.where(urban, pop.digital_access_urban, pop.digital_access_rural)
    p_digital = np.where(elderly, p_digital * pop.elderly_digital_factor, p_digital)
    digital = rng.random(n) < p_digital
    party_member = rng.random(n) < PARTY_MEMBER_SHARE

    pension = build_pensions(scenario, urban, elderly, rng)
    income, income_unit = build_incomes(scenario, urban, elderly, migrant, pension, rng)

    registered = migrant & (rng.random(n) < scenario.welfare.migrant_registered_share)
    trust = _beta_around(rng, beh.trust_initial, n)
    norm = _beta_around(rng, beh.norm_initial, n)
    legal = _beta_around(rng, beh.legal_awareness_initial, n)
    participation = _beta_around(rng, beh.participation_initial, n)
    volunteer = rng.random(n) < beh.volunteer_share_initial
    zeros = np.zeros(n)
    res = ResidentColumns(
        grid=grid,
        urban=urban,
        elderly=elderly,
        migrant=migrant,
        registered=registered,
        digital=digital,
        party_member=party_member,
        base_income=income.copy(),
        pension=pension,
        income=income,
        lost_income=zeros.copy(),
        arrears=zeros.copy(),
        dibao=zeros.copy(),
        dibao_draw=rng.random(n),
        welfare=income.copy(),
        trust=trust,
        norm=norm,
        norm_displayed=norm.copy(),
        legal_awareness=legal,
        participation=participation,
        discontent=zeros.copy(),
        experience=np.full(n, 0.5),
        volunteer=volunteer,
        unemployed=np.zeros(n, dtype=bool),
        insured=np.zeros(n, dtype=bool),
        open_disputes=np.zeros(n, dtype=np.int32),
        loss_this_week=zeros.copy(),
        services_this_week=zeros.copy(),
        initial_trust=trust.copy(),
        initial_norm=norm.copy(),
        initial_legal=legal.copy(),
        initial_participation=participation.copy(),
        age_weeks=draw_ages(rng, elderly),
        income_unit=income_unit,
        place_factor=np.ones(n),
    )
    start_places(res, territory, scenario, rng)
    start_employment(res, scenario, rng)
    return res


def start_places(res: ResidentColumns, territory: Territory, scenario: Scenario,
                 rng: np.random.Generator) -> None:
    """Towns' development and implementation quality (`simulation.places`); residents'
    other income follows their town's development."""
    development, quality = draw_places(scenario, territory, rng)
    territory.town_development, territory.town_quality = development, quality
    res.place_factor[:] = place_factor(development, territory.town_of_grid[res.grid],
                                       res.urban)
    res.base_income[:] = res.pension + (res.base_income - res.pension) * res.place_factor
    res.income[:] = res.base_income
    res.welfare[:] = res.income


def start_employment(res: ResidentColumns, scenario: Scenario,
                     rng: np.random.Generator) -> None:
    """Who is insured against unemployment, and who is unemployed at set-up (the steady
    state of `simulation.employment`); the unemployed's incomes fall accordingly."""
    n = len(res)
    res.insured[:] = draw_insured(res.migrant, scenario, rng)
    share = steady_state_unemployment(job_loss_rate(res, scenario),
                                      scenario.welfare.unemployment_spell_weeks)
    res.unemployed[:] = rng.random(n) < share
    factors = np.ones(n)
    apply_unemployment(res, scenario, factors)
    res.income *= factors
    res.welfare[:] = res.income


def build_pensions(scenario: Scenario, urban: np.ndarray, elderly: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Each resident's pension in yuan per year, by eligibility alone (no channel).

    Urban residents 60+ draw the employee pension with chance
    `welfare.employee_pension_share_urban`; every other resident 60+ draws the resident
    pension; residents under 60 draw none.
    """
    wel = scenario.welfare
    employee = urban & (rng.random(len(urban)) < wel.employee_pension_share_urban)
    month = np.where(employee, wel.pension_employee_month, wel.pension_resident_month)
    return np.where(elderly, 12.0 * month, 0.0)


def build_incomes(scenario: Scenario, urban: np.ndarray, elderly: np.ndarray,
                  migrant: np.ndarray, pension: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disposable income in yuan per year: pension plus other income; and the other
    income at relative factor 1 in [rural, urban] areas (`ResidentColumns.income_unit`).

    Other income is lognormal with log-sd `welfare.income_dispersion` and mean 1, times a
    relative factor (migrants `migrant_income_factor`, residents 60+
    `elderly_income_factor`), scaled in each area so that the area's mean income, pensions
    included, matches the scenario's (NBS 2024 by default) in expectation.
    """
    wel = scenario.welfare
    n = len(urban)
    factor = np.ones(n)
    factor[migrant] *= wel.migrant_income_factor
    factor[elderly] *= wel.elderly_income_factor
    sigma = wel.income_dispersion
    draw = rng.lognormal(mean=-0.5 * sigma**2, sigma=sigma, size=n)  # mean 1
    income = np.empty(n)
    unit = np.zeros(2)
    for is_urban, target in ((True, wel.income_urban_mean), (False, wel.income_rural_mean)):
        area = urban == is_urban
        if area.any():
            # Other income fills what pensions leave of the area's mean (never below 5%).
            other_mean = max(target - pension[area].mean(), 0.05 * target)
            unit[int(is_urban)] = other_mean / factor[area].mean()
            income[area] = pension[area] + unit[int(is_urban)] * factor[area] * draw[area]
    return income, unit


def draw_other_income(scenario: Scenario, urban: np.ndarray, migrant: np.ndarray,
                      unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Other income of newcomers under 60 (births, arriving migrants), in week-0 yuan per
    year: the area's unit × the migrant factor if a migrant × a lognormal draw of mean 1,
    as at set-up (`build_incomes`)."""
    sigma = scenario.welfare.income_dispersion
    draw = rng.lognormal(mean=-0.5 * sigma**2, sigma=sigma, size=len(urban))
    factor = np.where(migrant, scenario.welfare.migrant_income_factor, 1.0)
    return unit[urban.astype(np.int64)] * factor * draw


def group_mask(res: ResidentColumns, group: str) -> np.ndarray:
    """Residents in a named group: all, urban, rural, migrant or elderly."""
    masks = {
        "all": np.ones(len(res), dtype=bool),
        "urban": res.urban,
        "rural": ~res.urban,
        "migrant": res.migrant,
        "elderly": res.elderly,
    }
    return masks[group]
