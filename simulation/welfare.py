"""共享: incomes, dispute losses, and public services paid from what the budget leaves.

The model calls `update_welfare` once a week, after the week's endings (docs/ODD.md,
"Welfare").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.population import group_mask

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel

WEEKS_PER_YEAR = 52.0


def update_welfare(model: CoGovernanceModel) -> None:
    """共享: incomes, dispute losses, and public services paid from what is left.

    The budget pays the levers and the week's cases first; the rest goes out as
    public services and transfers. A targeted share (raised by platform targeting)
    goes to the poorest 40% by income, the rest evenly. Residents without digital
    access receive only (1 − platform coverage × (1 − offline channels)) of a share,
    and what they miss goes to the others (the digital divide). Welfare is the
    annualised income plus services minus losses, smoothed over about half a year.
    """
    res, p, lv = model.residents, model.params, model.lever
    income = res.base_income
    if model.shock.income_multiplier:
        income = income.copy()
        for group, factor in model.shock.income_multiplier.items():
            income[group_mask(res, group)] *= factor
    if not np.array_equal(income, res.income):
        res.income[:] = income
        model._follow_income()

    res.loss_this_week[:] = 0.0
    open_ids = model.disputes.open_ids
    if len(open_ids):
        pool = model.disputes
        lost = p.welfare.dispute_loss_per_week * pool.severity[open_ids]
        np.add.at(res.loss_this_week, pool.party[open_ids], lost)
        other = pool.other[open_ids]
        np.add.at(res.loss_this_week, other[other >= 0], lost[other >= 0])

    budget = p.budget.per_resident_year * model.n_residents / WEEKS_PER_YEAR
    spent = model.lever_costs_this_week + model.case_costs_this_week
    services = max(0.0, budget - spent)
    model.overspent_total += max(0.0, spent - budget)  # paid all the same: reported
    targeted_share = p.welfare.transfer_targeting + (1 - p.welfare.transfer_targeting) * (
        p.effects.platform_targeting * lv["platform_coverage"])
    offline_reach = 1.0 - lv["platform_coverage"] * (1 - lv["offline_channels"])
    if (targeted_share, offline_reach) != model._shares_for:
        model._service_shares = shares_of_services(model, targeted_share, offline_reach)
        model._shares_for = (targeted_share, offline_reach)
    np.multiply(model._service_shares, services, out=res.services_this_week)
    # Services that reach no one (nobody left with a channel) are not paid out.
    services *= model._service_shares_total

    # welfare += (income + 52 (services − losses) − welfare) / 26, in place
    step = np.subtract(res.services_this_week, res.loss_this_week, out=model._work[0])
    step *= WEEKS_PER_YEAR
    np.add(income, step, out=step)
    step -= res.welfare
    step /= 26.0
    res.welfare += step
    np.maximum(res.welfare, 0.0, out=res.welfare)

    model.services_this_week = services
    model.services_total += services
    model.lever_spent_total += model.lever_costs_this_week
    model.case_spent_total += model.case_costs_this_week
    model.spent_total += spent


def shares_of_services(
    model: CoGovernanceModel, targeted_share: float, offline_reach: float) -> np.ndarray:
    """Each resident's share of the week's services (see `update_welfare`)."""
    reach = np.where(model.residents.digital, 1.0, offline_reach)
    shares = np.zeros(model.n_residents)
    for part, eligible in ((targeted_share, model.poorest), (1 - targeted_share, None)):
        w = reach if eligible is None else reach * eligible
        total_w = w.sum()
        if total_w > 0:
            shares += part * w / total_w
    model._service_shares_total = float(shares.sum())  # 1, or less if some part reaches no one
    return shares
