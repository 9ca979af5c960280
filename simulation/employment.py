"""Employment shocks: urban residents of working age lose jobs and find them again.

Once a week (`simulation.welfare.update_welfare` calls `update_employment`, after ageing):

- Urban residents aged 16-59 in work lose their job with the weekly hazard of their group,
  `welfare.job_loss_rate_local` or `job_loss_rate_migrant` (migrants' jobs are less
  secure) over 52; the unemployed find a job with chance 1 / `unemployment_spell_weeks`
  (spells geometric with that mean). Rural residents' farm and family work is not
  modelled as jobs that can be lost.
- While unemployed, the other (non-pension) income falls to
  `unemployment_benefit_share` if insured (unemployment insurance, 失业保险, held by
  `unemployment_insurance_local` of locals and `unemployment_insurance_migrant` of
  migrants; paid by the insurance fund, not the county budget) or to
  `uninsured_income_share` if not (`apply_unemployment`). Locals whose income then falls
  below the 低保 standard can claim it at the next means-test review; migrants cannot
  (no local hukou).
- The county starts in the steady state: each resident at risk is unemployed at set-up
  with chance h / (h + 52 / spell) (`steady_state_unemployment`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.draws import draw_rows

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.population import ResidentColumns
    from simulation.scenario.schema import Scenario

WEEKS_PER_YEAR = 52.0
WORKING_AGE_WEEKS = 16 * 52  # from 16 (the legal working age) to 60


def at_risk(res: ResidentColumns, rows: np.ndarray | None = None) -> np.ndarray:
    """Residents whose jobs can be lost: urban, aged 16-59 (of `rows` only, if given)."""
    if rows is None:
        return res.urban & ~res.elderly & (res.age_weeks >= WORKING_AGE_WEEKS)
    return res.urban[rows] & ~res.elderly[rows] & (res.age_weeks[rows] >= WORKING_AGE_WEEKS)


def job_loss_rate(res: ResidentColumns, scenario: Scenario,
                  rows: np.ndarray | None = None) -> np.ndarray:
    """Each resident's annual hazard of losing a job (0 for those not at risk)."""
    wel = scenario.welfare
    migrant = res.migrant if rows is None else res.migrant[rows]
    risk = at_risk(res, rows)
    rate = np.where(migrant, wel.job_loss_rate_migrant, wel.job_loss_rate_local)
    return np.where(risk, rate, 0.0)


def steady_state_unemployment(rate: np.ndarray | float, spell_weeks: float
                              ) -> np.ndarray | float:
    """Share unemployed when losses (rate per year) balance finds (52 / spell a year)."""
    return rate / (rate + WEEKS_PER_YEAR / spell_weeks)


def draw_insured(migrant: np.ndarray, scenario: Scenario,
                 rng: np.random.Generator) -> np.ndarray:
    """Whether each resident (migrant or not) is insured against unemployment."""
    wel = scenario.welfare
    cover = np.where(migrant, wel.unemployment_insurance_migrant,
                     wel.unemployment_insurance_local)
    return rng.random(len(migrant)) < cover


def apply_unemployment(res: ResidentColumns, scenario: Scenario,
                       factors: np.ndarray) -> None:
    """Scale the income factors of the unemployed to their income while unemployed (their
    pension, if any, is 0: the elderly are never unemployed)."""
    rows = res.unemployed.nonzero()[0]
    if len(rows):
        wel = scenario.welfare
        factors[rows] *= np.where(res.insured[rows], wel.unemployment_benefit_share,
                                  wel.uninsured_income_share)


def update_employment(model: CoGovernanceModel) -> None:
    """The week's job losses and finds (module docstring).

    Both are drawn over every row (`simulation.draws.draw_rows`), so the population
    stream (`model.population_rng`) consumes the same numbers whoever is unemployed:
    two mixes run with the same seed keep the same job losses, finds, deaths and arrivals
    (common random numbers kept in step, "synchronisation": Law 2015, Simulation
    Modeling and Analysis, ch. 11), and differ only where their residents do.
    """
    res, p = model.residents, model.params
    wel = p.welfare
    unemployed = res.unemployed.nonzero()[0]
    if len(unemployed):
        still = unemployed[at_risk(res, unemployed)]  # retired or moved: no longer a spell
        res.unemployed[unemployed] = False
        res.unemployed[still] = True
    find = 1.0 / wel.unemployment_spell_weeks

    def finding(rows: np.ndarray) -> np.ndarray:
        return np.where(res.unemployed[rows], find, 0.0)

    res.unemployed[draw_rows(model.population_rng, model.n_residents, find, finding)] = False
    bound = max(wel.job_loss_rate_local, wel.job_loss_rate_migrant) / WEEKS_PER_YEAR

    def chance(rows: np.ndarray) -> np.ndarray:
        return np.where(res.unemployed[rows], 0.0,
                        job_loss_rate(res, p, rows) / WEEKS_PER_YEAR)

    lost = draw_rows(model.population_rng, model.n_residents, bound, chance)
    res.unemployed[lost] = True
