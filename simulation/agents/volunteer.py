"""Volunteer (志愿者): a resident who also patrols the grid and helps mediate.

Volunteers detect dispute risks early (源头治理), add to their grid's L1 capacity, and
join or quit each week by incentives (积分制, 道德银行), party mobilisation, the example
of their neighbours and the spare time they have for the hours asked of them.
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
    lifted = _lift(model, slice(None))
    model.mobilisation_lift_for = (key, lifted)
    return lifted


def renew_mobilisation_lift(model: CoGovernanceModel, rows: np.ndarray) -> None:
    """Newcomers have taken `rows` over (`simulation.demography.renew_rows`): the kept
    lift of those rows is made anew from their party membership, in place, instead of
    the whole county's (the key does not see an in-place change of a column)."""
    kept = model.mobilisation_lift_for
    if kept is not None:
        kept[1][rows] = _lift(model, rows)


def _lift(model: CoGovernanceModel, rows: slice | np.ndarray) -> np.ndarray:
    """1 + mobilisation of `rows`: cell_mobilisation where the grid's party cell is
    active, doubled for party members (members are asked first)."""
    res = model.residents
    lifted = np.multiply(model.cell_active[res.grid[rows]], model.params.effects.cell_mobilisation)
    np.multiply(lifted, 2, out=lifted, where=res.party_member[rows])
    lifted += 1
    return lifted


def hours_asked(model: CoGovernanceModel, lifted: np.ndarray) -> np.ndarray:
    """Hours a week a volunteer is asked to give: h × (1 + π × (M + volunteer_incentives)).

    h = `behaviour.volunteer_hours`, π = `behaviour.volunteer_hours_pressure`, M the
    resident's party mobilisation (`lifted` − 1): campaigns and points for hours ask more
    of each volunteer, not only of more residents.
    """
    beh = model.params.behaviour
    pressure = lifted - 1 + model.lever["volunteer_incentives"]
    return beh.volunteer_hours * (1 + beh.volunteer_hours_pressure * pressure)


def base_rates(model: CoGovernanceModel) -> tuple[float, float]:
    """This week's join rate before the resident's own factors, and quit rate before
    mobilisation and burnout."""
    p, lv, ef = model.params, model.lever, model.params.effects
    join_rate = (
        p.behaviour.volunteer_join_rate
        * (1 + ef.incentives_join * lv["volunteer_incentives"])
        * (1 + ef.credit_volunteer * lv["credit_system"])
    )
    quit_rate = p.behaviour.volunteer_quit_rate * (
        1 - ef.incentives_quit * lv["volunteer_incentives"])
    return join_rate, quit_rate


def weekly_chance(model: CoGovernanceModel, rows: np.ndarray, lift: np.ndarray,
                  peer: np.ndarray) -> np.ndarray:
    """A volunteer's chance of quitting this week, anyone else's of joining (see
    `update_volunteers`); `lift` = 1 + mobilisation and `peer` the share of volunteering
    ties, of the same rows."""
    res, beh = model.residents, model.params.behaviour
    join_rate, quit_rate = base_rates(model)
    ask = hours_asked(model, lift)
    have = model.spare_hours[rows]
    available = np.maximum(0.0, 1 - ask / np.maximum(have, 1e-12))
    overload = np.maximum(0.0, 1 - have / np.maximum(ask, 1e-12))
    join = (join_rate * lift * res.participation[rows]
            * (1 + beh.volunteer_peer_effect * peer) * available)
    leave = np.minimum(1.0, quit_rate / lift + beh.volunteer_burnout * overload)
    return np.where(res.volunteer[rows], leave, join)


def update_volunteers(model: CoGovernanceModel) -> tuple[np.ndarray, np.ndarray]:
    """One week of joining and quitting; returns the rows that joined and that quit.

    join = base × (1 + incentives) × (1 + moral bank) × (1 + mobilisation) ×
    willingness × (1 + peer effect × share of volunteering neighbours) × availability;
    quit = base × (1 − incentives) / (1 + mobilisation) + burnout × overload,
    where mobilisation = cell_mobilisation in grids with an active party cell (doubled for
    party members: 党员联户, members are asked first) and 0 elsewhere; availability =
    max(0, 1 − hours asked / spare hours) (nobody without the time joins) and overload =
    max(0, 1 − spare hours / hours asked) (volunteers asked for more than their spare
    time burn out). Each resident joins or quits with its own chance, independently; the
    draws are thinned (`simulation.draws.draw_rows`), since a chance is small for everyone.
    Those who join take a post of their grid's volunteer teams; where the posts are all
    held, they are turned away (`within_posts`): the share's declared ceiling.
    """
    res = model.residents
    beh = model.params.behaviour
    lifted = mobilisation_lift(model)
    peer = model.volunteer_ties.update(res.volunteer)  # share of ties who volunteer
    join_rate, quit_rate = base_rates(model)

    def chance(rows: np.ndarray) -> np.ndarray:
        return weekly_chance(model, rows, lifted[rows], peer[rows])

    # lift >= 1, participation, the share of ties and availability at most their largest.
    n = len(res)
    bound = min(1.0, max(
        join_rate * float(lifted.max()) * float(res.participation.max())
        * (1 + beh.volunteer_peer_effect),
        quit_rate + beh.volunteer_burnout)) if n else 0.0
    rows = draw_rows(model.rng, n, bound, chance)
    was = res.volunteer[rows]
    joined, quitted = rows[~was], rows[was]
    res.volunteer[quitted] = False
    joined = within_posts(model, joined)
    res.volunteer[joined] = True
    return joined, quitted


def posts(model: CoGovernanceModel) -> np.ndarray:
    """Each grid's posts for active volunteers: ⌊posts per 1,000 × residents / 1,000⌋."""
    per_1000 = model.params.behaviour.volunteer_posts_per_1000
    return np.floor(per_1000 * model.grid_population / 1000).astype(np.int64)


def within_posts(model: CoGovernanceModel, joining: np.ndarray) -> np.ndarray:
    """The residents of `joining` (ascending rows, none a volunteer yet) who find an open
    post: in each grid at most its posts less its volunteers, the others turned away.

    Where a grid has fewer open posts than residents joining, those taken are drawn at
    random among them (`model.rng`); no draw is made where every grid has room.
    """
    if len(joining) == 0:
        return joining
    res = model.residents
    n_grids = len(model.grid_population)
    held = np.bincount(res.grid[res.volunteer], minlength=n_grids)
    open_posts = np.maximum(0, posts(model) - held)
    grid = res.grid[joining]
    if np.all(np.bincount(grid, minlength=n_grids) <= open_posts):
        return joining
    order = np.lexsort((model.rng.random(len(joining)), grid))  # by grid, random within
    by_grid = grid[order]
    first = np.searchsorted(by_grid, by_grid)  # each one's grid's first position
    rank = np.arange(len(order)) - first
    return np.sort(joining[order[rank < open_posts[by_grid]]])
