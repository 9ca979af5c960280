"""共享: incomes, dispute losses, cash transfers and public services, once a week.

The model calls `update_welfare` after the week's endings (docs/ODD.md, "Welfare"). What
happens in it, in order:

0. Ageing and migration (`simulation.demography.age_and_move`): residents age, retire, die
   and move; newcomers take rows over.
1. Incomes (`update_incomes`): each area's incomes grow at its declared real rate; open
   labour disputes withhold wages (arrears, paid back on resolution); land and property
   disputes that end unresolved cost a one-off share of income.
2. The means-test review (`review_means_test`, every `welfare.review_weeks` and when a
   shock changes incomes): who receives 低保 and how much, with explicit targeting errors,
   and the poorest 40% that targeted services follow.
3. Money (`pay_out`): the budget pays levers and cases first, then 低保 (a cash transfer
   by eligibility, whatever the channel), then public services, which reach residents
   only through a channel (online or offline): the digital divide bites on services only.
4. Welfare: income plus the week's transfers and services minus losses, annualised and
   smoothed over about half a year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from simulation.assisted import assistance_rank, update_assisted
from simulation.demography import age_and_move
from simulation.disputes import DisputeType, Outcome
from simulation.employment import apply_unemployment, update_employment
from simulation.population import ResidentColumns, group_mask

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.scenario.schema import Scenario

WEEKS_PER_YEAR = 52.0
# Losses to disputes count in income for about a year: an exponential window of mean 52
# weeks, so `income` is close to what a resident earned over the last year.
LOSS_KEEP_PER_WEEK = 1.0 - 1.0 / WEEKS_PER_YEAR


def update_welfare(model: CoGovernanceModel) -> None:
    """共享: incomes, transfers, services and welfare for the week (module docstring)."""
    res = model.residents
    review = model.week % model.params.welfare.review_weeks == 0
    newcomers = age_and_move(model)
    update_employment(model)
    if update_incomes(model) or review:
        review_means_test(model)
    res.welfare[newcomers] = res.income[newcomers]  # no history: welfare starts at income
    if review and model.demography_changed:
        # Who is elderly, online or a migrant moved since the last review: the queue for
        # assistance and the services' needs follow.
        model.assistance_rank = assistance_rank(res)
        model.assisted_for = -1.0
        model._shares_for = None
        model.demography_changed = False
    if review or model.lever["assisted_access"] != model.assisted_for:
        model.assisted_for = model.lever["assisted_access"]
        if update_assisted(model):
            model._shares_for = None  # services follow who is online

    res.loss_this_week[:] = 0.0
    open_ids = model.disputes.open_ids
    if len(open_ids):
        pool = model.disputes
        lost = model.params.welfare.dispute_loss_per_week * pool.severity[open_ids]
        np.add.at(res.loss_this_week, pool.party[open_ids], lost)
        other = pool.other[open_ids]
        np.add.at(res.loss_this_week, other[other >= 0], lost[other >= 0])

    pay_out(model)

    _smooth_welfare(res.welfare, res.income, res.dibao, model.dibao_paid_share,
                    res.services_this_week, res.loss_this_week)


@numba.njit(cache=True, nogil=True)
def _smooth_welfare(welfare: np.ndarray, income: np.ndarray, dibao: np.ndarray,
                    dibao_paid_share: float, services: np.ndarray,
                    losses: np.ndarray) -> None:  # pragma: no cover - compiled; tested
    """welfare += (52 (services − losses) + 低保 paid + income − welfare) / 26, never below
    0, in place, in one pass (the week's services and losses are weekly, 低保 and income
    yearly); tests/test_welfare.py checks it against the formula with numpy."""
    for i in range(welfare.shape[0]):
        w = welfare[i]
        w += (((services[i] - losses[i]) * WEEKS_PER_YEAR + dibao[i] * dibao_paid_share
               + income[i]) - w) / 26.0
        welfare[i] = w if w > 0.0 or w != w else 0.0  # np.maximum(w, 0.0): −0.0 → 0.0


def growth_factors(scenario: Scenario, week: int) -> tuple[float, float]:
    """Income growth since week 0 in (urban, rural) areas: (1 + annual rate)^(week / 52)."""
    wel = scenario.welfare
    years = week / WEEKS_PER_YEAR
    return (1.0 + wel.income_growth_urban) ** years, (1.0 + wel.income_growth_rural) ** years


def update_incomes(model: CoGovernanceModel) -> bool:
    """This week's incomes: growth, shocks, unemployment and dispute losses.

    income = base income × growth of the area × shock factor × (share kept while
    unemployed: `simulation.employment.apply_unemployment`) − losses in about the last
    year (`income_losses`), never below zero. Returns whether a shock's factors changed
    since last week (the means test is then reviewed at once).
    """
    res, p = model.residents, model.params
    urban_growth, rural_growth = growth_factors(p, model.week)
    factors = np.where(res.urban, urban_growth, rural_growth)  # a new float64 array
    shock = tuple(sorted(model.shock.income_multiplier.items()))
    for group, factor in shock:
        factors[group_mask(res, group)] *= factor
    apply_unemployment(res, p, factors)  # employment shocks (simulation.employment)
    np.multiply(res.pension, factors, out=model.pension_in_payment)
    shock_changed = shock != model.income_shock_in_force
    model.income_shock_in_force = shock
    res.lost_income *= LOSS_KEEP_PER_WEEK
    income_losses(model)
    np.multiply(res.base_income, factors, out=res.income)
    res.income -= res.lost_income
    np.maximum(res.income, 0.0, out=res.income)
    return shock_changed


def income_losses(model: CoGovernanceModel) -> None:
    """Wage arrears of open labour disputes and losses of unresolved property disputes.

    - Each week a labour dispute stays open, its party's wages are withheld:
      `wage_arrears_share` × income / 52 (wage arrears, 欠薪). They are paid back when the
      dispute ends resolved and lost when it ends otherwise.
    - A land or property dispute that ends unresolved (relapsed, abandoned, escalated)
      costs its party `property_loss_share` × severity × income, once.
    Withheld and lost money counts in `lost_income` (income lost in about the last year).
    """
    res, pool, wel = model.residents, model.disputes, model.params.welfare
    open_ids = pool.open_ids
    if len(open_ids) and wel.wage_arrears_share > 0:
        labour = open_ids[pool.kind[open_ids] == DisputeType.LABOUR_WAGES]
        party = pool.party[labour]
        withheld = wel.wage_arrears_share * res.income[party] / WEEKS_PER_YEAR
        np.add.at(res.arrears, party, withheld)
        np.add.at(res.lost_income, party, withheld)
    ended = np.asarray(model.ladder.ended_this_week, dtype=np.int64)
    if len(ended) == 0:
        return
    kind, outcome, party = pool.kind[ended], pool.outcome[ended], pool.party[ended]
    labour = kind == DisputeType.LABOUR_WAGES
    paid_back = party[labour & (outcome == Outcome.RESOLVED)]
    res.lost_income[paid_back] = np.maximum(0.0, res.lost_income[paid_back]
                                            - res.arrears[paid_back])
    res.arrears[party[labour]] = 0.0  # paid back, or lost for good
    unresolved = (kind == DisputeType.PROPERTY_LAND) & (outcome != Outcome.RESOLVED)
    if unresolved.any():
        losers = party[unresolved]
        np.add.at(res.lost_income, losers, wel.property_loss_share
                  * pool.severity[ended[unresolved]] * res.income[losers])


def dibao_recipients(res: ResidentColumns, scenario: Scenario, data_sharing: float,
                     quality: np.ndarray | float = 1.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """低保 under the means test: (payment per year, eligible, included wrongly).

    Eligible: local hukou (not a migrant) and income below the area's standard. Of them,
    the share `dibao_exclusion_error` with the lowest `dibao_draw` are missed; among
    ineligible locals below `dibao_inclusion_band` × standard, as many are included as
    make `dibao_inclusion_error` of the recipients (those with the lowest draws). Data
    sharing lowers both errors by (1 − `effects.data_sharing_targeting` × data_sharing ×
    quality), quality being each resident's town's implementation quality
    (`simulation.places`; the inclusion error takes the eligible's mean cut).

    The money is what perfect targeting would pay (each eligible's gap to the standard);
    errors move it between people: it is split among the recipients in proportion to their
    assessed gaps, an eligible recipient's own gap, a wrongly included one's the mean gap
    of the eligible. So the total paid never depends on the errors.
    """
    wel = scenario.welfare
    standard = np.where(res.urban, 12.0 * wel.dibao_urban_month, wel.dibao_rural_year)
    local = ~res.migrant
    gap = standard - res.income
    eligible = local & (gap > 0)
    payment = np.zeros(len(res))
    included = np.zeros(len(res), dtype=bool)
    n_eligible = int(np.count_nonzero(eligible))
    if n_eligible == 0:
        return payment, eligible, included
    error_scale = np.clip(1.0 - scenario.effects.data_sharing_targeting * data_sharing
                          * np.broadcast_to(quality, len(res)), 0.0, 1.0)
    exclusion = wel.dibao_exclusion_error * error_scale
    inclusion = wel.dibao_inclusion_error * float(error_scale[eligible].mean())
    reached = eligible & (res.dibao_draw >= exclusion)
    candidates = np.flatnonzero(local & ~eligible & (res.income < wel.dibao_inclusion_band
                                                      * standard))
    n_in = min(len(candidates), round(inclusion / (1.0 - inclusion)
                                      * np.count_nonzero(reached)))
    if n_in:
        first = np.argpartition(res.dibao_draw[candidates], n_in - 1)[:n_in]
        included[candidates[first]] = True
    need = float(gap[eligible].sum())
    weight = np.where(reached, gap, 0.0)
    weight[included] = need / n_eligible
    total = weight.sum()
    if total > 0:
        payment = need * weight / total
    return payment, eligible, included


def review_means_test(model: CoGovernanceModel) -> None:
    """Reassess 低保 (`dibao_recipients`) and the poorest 40% (`model._follow_income`)."""
    res = model.residents
    terr = model.territory
    quality = (1.0 if terr.town_quality is None
               else terr.town_quality[terr.town_of_grid[res.grid]])
    payment, eligible, included = dibao_recipients(res, model.params,
                                                   model.lever["data_sharing"], quality)
    res.dibao[:] = payment
    n_eligible = int(np.count_nonzero(eligible))
    recipients = int(np.count_nonzero(payment > 0))
    reached = int(np.count_nonzero(eligible & (payment > 0)))
    model.dibao_coverage = reached / n_eligible if n_eligible else float("nan")
    model.dibao_inclusion = (int(np.count_nonzero(included)) / recipients if recipients
                             else float("nan"))
    model._follow_income()


def pay_out(model: CoGovernanceModel) -> None:
    """The week's money: levers and cases first, then 低保, then public services.

    低保 is paid in full when the budget left after levers and cases covers it (else pro
    rata, `model.dibao_paid_share`); services share what is left after it.
    """
    res, p, lv = model.residents, model.params, model.lever
    budget = p.budget.per_resident_year * model.n_residents / WEEKS_PER_YEAR
    spent = model.lever_costs_this_week + model.case_costs_this_week
    left = max(0.0, budget - spent)
    model.overspent_total += max(0.0, spent - budget)  # paid all the same: reported
    dibao_due = float(res.dibao.sum()) / WEEKS_PER_YEAR
    dibao = min(left, dibao_due)
    model.dibao_paid_share = dibao / dibao_due if dibao_due > 0 else 1.0
    services = left - dibao
    targeted_share = p.welfare.service_targeting + (1 - p.welfare.service_targeting) * (
        p.effects.platform_targeting * lv["platform_coverage"])
    offline_reach = 1.0 - lv["platform_coverage"] * (1 - lv["offline_channels"])
    if (targeted_share, offline_reach) != model._shares_for:
        model._service_shares = shares_of_services(model, targeted_share, offline_reach)
        model._shares_for = (targeted_share, offline_reach)
    np.multiply(model._service_shares, services, out=res.services_this_week)
    # Services that reach no one (nobody left with a channel) are not paid out.
    services *= model._service_shares_total

    model.dibao_this_week = dibao
    model.dibao_total += dibao
    model.services_this_week = services
    model.services_total += services
    model.lever_spent_total += model.lever_costs_this_week
    model.case_spent_total += model.case_costs_this_week
    model.spent_total += spent


def service_need(res: ResidentColumns, scenario: Scenario) -> np.ndarray:
    """Each resident's weight in public services: needs by group, and unregistered
    migrants' access (registered migrants weigh as locals)."""
    wel = scenario.welfare
    need = np.where(res.elderly, wel.elderly_service_need, 1.0)
    return np.where(res.migrant & ~res.registered, need * wel.migrant_service_access, need)


def shares_of_services(
    model: CoGovernanceModel, targeted_share: float, offline_reach: float) -> np.ndarray:
    """Each resident's share of the week's public services.

    A share `targeted_share` goes to the poorest 40% (at the last review), the rest to
    everyone, in both parts in proportion to need (`service_need`) × reach: 1 for residents
    online (digital access, or assisted: `simulation.assisted`), `offline_reach` for the
    others.
    """
    res = model.residents
    reach = np.where(model.online, 1.0, offline_reach) * service_need(res, model.params)
    shares = np.zeros(model.n_residents)
    for part, eligible in ((targeted_share, model.poorest), (1 - targeted_share, None)):
        w = reach if eligible is None else reach * eligible
        total_w = w.sum()
        if total_w > 0:
            shares += part * w / total_w
    model._service_shares_total = float(shares.sum())  # 1, or less if some part reaches no one
    return shares


def start_welfare(model: CoGovernanceModel, left_per_resident: float) -> None:
    """Week-0 welfare: income, 低保 and an even share of the services, so the first weeks
    do not show a spurious jump."""
    res = model.residents
    review_means_test(model)
    dibao_mean = float(res.dibao.mean())
    res.welfare[:] = res.income + res.dibao + max(0.0, left_per_resident - dibao_mean)
