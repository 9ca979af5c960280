"""Volunteering: residents join or quit each week; early detection follows.

The model's phase `recruit_volunteers`, and each resident's spare time, which bounds who
can volunteer (docs/ODD.md §3.4.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.volunteer import (
    hours_asked,
    mobilisation_lift,
    update_volunteers,
    within_posts,
)

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


def recruit_volunteers(model: CoGovernanceModel) -> None:
    """自治 and 党建: residents join or quit volunteering; early detection follows."""
    update_volunteers(model)
    model._update_detection()
    n_vol = np.count_nonzero(model.residents.volunteer)
    model.volunteer_hours_total += n_vol * model.params.behaviour.volunteer_hours


def draw_spare_hours(model: CoGovernanceModel) -> np.ndarray:
    """Each resident's spare hours a week: exponential around its group's mean.

    Retirees (the elderly) have most, migrants (long working hours) least, other
    working-age residents by urban or rural residence (`behaviour.spare_hours_*`).
    """
    res, beh = model.residents, model.params.behaviour
    mean = np.where(res.urban, beh.spare_hours_urban, beh.spare_hours_rural)
    mean = np.where(res.migrant, beh.spare_hours_migrant, mean)
    mean = np.where(res.elderly, beh.spare_hours_elderly, mean)
    return model.rng.exponential(1.0, size=len(res)) * mean


def place_initial_volunteers(model: CoGovernanceModel) -> None:
    """Spare hours for everyone, and the initial volunteers drawn among those with the
    time for the hours asked (`behaviour.volunteer_share_initial` of all residents, or
    every one of them if fewer have the time), at most each grid's posts."""
    model.spare_hours = draw_spare_hours(model)
    res = model.residents
    able = model.spare_hours >= hours_asked(model, mobilisation_lift(model))
    share = model.params.behaviour.volunteer_share_initial * len(res) / max(1, int(able.sum()))
    drawn = np.flatnonzero(able & (model.rng.random(len(res)) < share))
    res.volunteer[:] = False
    res.volunteer[within_posts(model, drawn)] = True
