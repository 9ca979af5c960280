"""Volunteer (志愿者): a resident who also patrols the grid and helps mediate.

Volunteers detect dispute risks early (源头治理), add to their grid's L1 capacity, and
join or quit each week by incentives (积分制, 道德银行), party mobilisation and the
example of their neighbours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.resident import Resident

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class Volunteer(Resident):
    """Handle for a resident who is an active volunteer (one per volunteer)."""


def update_volunteers(model: CoGovernanceModel) -> tuple[np.ndarray, np.ndarray]:
    """One week of joining and quitting; returns the rows that joined and that quit.

    join = base × (1 + incentives) × (1 + moral bank) × (1 + mobilisation) ×
    willingness × (1 + 2 × share of volunteering neighbours);
    quit = base × (1 − incentives) / (1 + mobilisation),
    where mobilisation = cell_mobilisation in grids with an active party cell (doubled for
    party members: 党员联户, members are asked first) and 0 elsewhere.
    """
    res = model.residents
    p = model.params
    lv = model.lever
    ef = p.effects
    mobilisation = ef.cell_mobilisation * model.cell_active[res.grid] * (1 + res.party_member)
    peer = model.network.neighbour_mean(res.volunteer.astype(np.float64))
    join = (
        p.behaviour.volunteer_join_rate
        * (1 + ef.incentives_join * lv["volunteer_incentives"])
        * (1 + ef.credit_volunteer * lv["credit_system"])
        * (1 + mobilisation)
        * res.participation
        * (1 + 2 * peer)
    )
    quit_ = (
        p.behaviour.volunteer_quit_rate
        * (1 - ef.incentives_quit * lv["volunteer_incentives"])
        / (1 + mobilisation)
    )
    draw = model.rng.random(len(res))
    joined = np.flatnonzero(~res.volunteer & (draw < join))
    quitted = np.flatnonzero(res.volunteer & (draw < quit_))
    res.volunteer[joined] = True
    res.volunteer[quitted] = False
    return joined, quitted
