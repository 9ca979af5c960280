"""Volunteer (志愿者): a resident who also patrols the grid and helps mediate.

Volunteers detect dispute risks early (源头治理), add to their grid's L1 capacity, and
join or quit each week by incentives (积分制, 道德银行), party mobilisation and the
example of their neighbours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.resident import Resident
from simulation.draws import draw_rows

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class Volunteer(Resident):
    """Handle for a resident who is an active volunteer (one per volunteer)."""


def mobilisation_lift(model: CoGovernanceModel) -> np.ndarray:
    """1 + mobilisation for every resident (see `update_volunteers`).

    It changes only when party cells switch on or off, so it is kept with the cells'
    states it was computed for and recomputed when they differ. Read it, do not change it.
    """
    res = model.residents
    m = model.params.effects.cell_mobilisation
    key = (model.cell_active.tobytes(), m, id(res.grid), id(res.party_member))
    kept = model.mobilisation_lift_for
    if kept is not None and kept[0] == key:
        return kept[1]
    lifted = np.multiply(model.cell_active[res.grid], m)
    np.multiply(lifted, 2, out=lifted, where=res.party_member)  # members are asked first
    lifted += 1
    model.mobilisation_lift_for = (key, lifted)
    return lifted


def update_volunteers(model: CoGovernanceModel) -> tuple[np.ndarray, np.ndarray]:
    """One week of joining and quitting; returns the rows that joined and that quit.

    join = base × (1 + incentives) × (1 + moral bank) × (1 + mobilisation) ×
    willingness × (1 + 2 × share of volunteering neighbours);
    quit = base × (1 − incentives) / (1 + mobilisation),
    where mobilisation = cell_mobilisation in grids with an active party cell (doubled for
    party members: 党员联户, members are asked first) and 0 elsewhere. Each resident joins
    or quits with its own chance, independently; the draws are thinned
    (`simulation.draws.draw_rows`), since a chance is small for everyone.
    """
    res = model.residents
    p = model.params
    lv = model.lever
    ef = p.effects
    lifted = mobilisation_lift(model)
    peer = model.volunteer_ties.update(res.volunteer)  # share of ties who volunteer
    join_rate = (
        p.behaviour.volunteer_join_rate
        * (1 + ef.incentives_join * lv["volunteer_incentives"])
        * (1 + ef.credit_volunteer * lv["credit_system"])
    )
    quit_rate = p.behaviour.volunteer_quit_rate * (1 - ef.incentives_quit
                                                   * lv["volunteer_incentives"])

    def chance(rows: np.ndarray) -> np.ndarray:
        """A volunteer's chance of quitting, anyone else's of joining."""
        lift = lifted[rows]
        join = join_rate * lift * res.participation[rows] * (1 + 2 * peer[rows])
        return np.where(res.volunteer[rows], quit_rate / lift, join)

    # lift >= 1, participation and the share of ties at most their largest values.
    n = len(res)
    bound = max(join_rate * float(lifted.max()) * float(res.participation.max()) * 3,
                quit_rate) if n else 0.0
    rows = draw_rows(model.rng, n, bound, chance)
    was = res.volunteer[rows]
    joined, quitted = rows[~was], rows[was]
    res.volunteer[joined] = True
    res.volunteer[quitted] = False
    return joined, quitted
