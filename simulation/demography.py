"""Ageing and migration over time: ages advance, residents retire, die and move.

Once a week, before incomes (`simulation.welfare.update_welfare` calls `age_and_move`):

1. Every resident is a week older. A resident turning 60 becomes elderly (retires): a
   pension by eligibility (`population.build_pensions`) replaces part of the other income,
   which falls to `welfare.elderly_income_factor` of what it was, as at set-up; spare time
   becomes a retiree's; digital access stays what it was: the cohorts entering 60+ bring
   their own access (cohort effect), so the 60+ share online rises without any parameter
   saying so (CNNIC's 60+ trend is held out, not fitted).
2. Residents 60+ die at `population.elderly_mortality` a year; a newborn local resident
   takes the row. Migrants leave at `population.migrant_departure_rate` a year; a newcomer
   migrant takes the row at once. The county keeps its size and its rows: a newcomer takes
   over the row's ties (the network is not rewired) and its grid, with a fresh draw of
   income, attitudes, digital access and spare time and no history (no losses, arrears,
   低保, discontent or volunteering). A resident with a dispute still open neither dies nor
   leaves that week (the dispute pool keeps pointing at its row).
3. What follows groups and incomes (the means test, services' shares, who is assisted) is
   brought up to date at the next means-test review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.volunteer import renew_mobilisation_lift
from simulation.draws import draw_candidates
from simulation.employment import draw_insured
from simulation.population import (
    ELDERLY_AGE_WEEKS,
    PARTY_MEMBER_SHARE,
    WORKING_AGE_BANDS,
    _beta_around,
    build_pensions,
    draw_age_weeks,
    draw_other_income,
)

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel

WEEKS_PER_YEAR = 52.0


def age_and_move(model: CoGovernanceModel) -> np.ndarray:
    """The week's ageing, retirements, deaths and migrant turnover (module docstring).

    Returns the rows taken by newcomers this week (their welfare starts at their income).
    """
    res = model.residents
    res.age_weeks += 1
    retiring = (res.age_weeks == ELDERLY_AGE_WEEKS).nonzero()[0]
    if len(retiring):
        retire(model, retiring)
    candidates, due = leaving_rows(model)
    stays = ~due | (res.open_disputes[candidates] > 0)  # a party to an open dispute stays
    newcomers = candidates[~stays]
    if len(candidates):
        renew_rows(model, candidates, stays=stays)
    if len(retiring) or len(newcomers):
        model.demography_changed = True
    return newcomers


def retire(model: CoGovernanceModel, rows: np.ndarray) -> None:
    """Residents turning 60: pension plus `elderly_income_factor` of their other income."""
    res, p = model.residents, model.params
    res.elderly[rows] = True
    res.unemployed[rows] = False  # retired
    pension = build_pensions(p, res.urban[rows], np.ones(len(rows), dtype=bool),
                             model.retirement_rng)
    other = res.base_income[rows] - res.pension[rows]
    res.pension[rows] = pension
    res.base_income[rows] = pension + p.welfare.elderly_income_factor * other
    model.spare_hours[rows] = (model.retirement_rng.exponential(1.0, size=len(rows))
                               * p.behaviour.spare_hours_elderly)


def leaving_rows(model: CoGovernanceModel) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose resident is due to die (60+) or leave (migrants) this week, each row
    drawn with its weekly chance (`simulation.draws.draw_candidates`), as (candidates,
    which are due). Those with an open dispute stay (`age_and_move`). The candidates
    depend on the stream only, so they are the same under every mix run with the same
    seed; which of them are due can differ (a resident who stayed in one mix was renewed
    in the other), so newcomers are drawn for every candidate (`renew_rows`)."""
    res, pop = model.residents, model.params.population
    death = pop.elderly_mortality / WEEKS_PER_YEAR
    departure = pop.migrant_departure_rate / WEEKS_PER_YEAR

    def chance(rows: np.ndarray) -> np.ndarray:
        return np.where(res.elderly[rows], death, np.where(res.migrant[rows], departure, 0.0))

    return draw_candidates(model.population_rng, model.n_residents, max(death, departure),
                           chance)


def renew_rows(model: CoGovernanceModel, due: np.ndarray,
               stays: np.ndarray | None = None) -> None:
    """A newcomer in each row `due` that does not stay: a newborn local where a resident
    60+ died, an arriving migrant of working age where a migrant left.

    Every draw is made for every row given, those that stay included (and then
    discarded), so the population stream (`model.population_rng`) consumes the same
    numbers under every mix: which residents stay depends on the disputes, the draws must
    not (`age_and_move` gives every candidate of the week, `leaving_rows`)."""
    res, p, rng = model.residents, model.params, model.population_rng
    pop, beh = p.population, p.behaviour
    k = len(due)
    arriving = res.migrant[due] & ~res.elderly[due]
    urban = res.urban[due]
    registered = arriving & (rng.random(k) < p.welfare.migrant_registered_share)
    insured = draw_insured(arriving, p, rng)
    ages = np.where(arriving, draw_age_weeks(rng, WORKING_AGE_BANDS, k), 0)
    digital = rng.random(k) < np.where(urban, pop.digital_access_urban, pop.digital_access_rural)
    party_member = rng.random(k) < PARTY_MEMBER_SHARE
    income = draw_other_income(p, urban, arriving, res.income_unit, rng) * res.place_factor[due]
    beliefs = [(column, _beta_around(rng, mean, k)) for column, mean in (
        (res.trust, beh.trust_initial), (res.norm, beh.norm_initial),
        (res.legal_awareness, beh.legal_awareness_initial),
        (res.participation, beh.participation_initial))]
    dibao_draw = rng.random(k)
    mean_hours = np.where(urban, beh.spare_hours_urban, beh.spare_hours_rural)
    mean_hours = np.where(arriving, beh.spare_hours_migrant, mean_hours)
    spare = rng.exponential(1.0, size=k) * mean_hours

    # Which of the draws are kept: all of them (a view, no selection) when no row stays.
    new: np.ndarray | slice = slice(None)
    if stays is not None and stays.any():
        new = ~stays
    rows = due[new]
    if len(rows) == 0:
        return  # every draw is made; nobody moves in this week
    res.migrant[rows] = arriving[new]
    res.registered[rows] = registered[new]
    res.unemployed[rows] = False
    res.insured[rows] = insured[new]
    res.elderly[rows] = False
    res.age_weeks[rows] = ages[new]
    res.digital[rows] = digital[new]
    res.party_member[rows] = party_member[new]
    renew_mobilisation_lift(model, rows)  # the newcomers' own, in the kept lift
    res.pension[rows] = 0.0
    res.base_income[rows] = income[new]
    for column, drawn in beliefs:
        column[rows] = drawn[new]
    res.initial_trust[rows] = res.trust[rows]
    res.initial_norm[rows] = res.norm[rows]
    res.norm_displayed[rows] = res.norm[rows]
    res.initial_legal[rows] = res.legal_awareness[rows]
    res.initial_participation[rows] = res.participation[rows]
    for column in (res.lost_income, res.arrears, res.dibao, res.discontent,
                   res.loss_this_week):
        column[rows] = 0.0
    res.dibao_draw[rows] = dibao_draw[new]
    res.volunteer[rows] = False
    model.spare_hours[rows] = spare[new]
    model.assisted[rows] = False
    model.online[rows] = res.digital[rows]
