"""Assisted access (代办/帮办): grid workers and volunteers help residents without digital
access to reach online services and intake.

Each grid can keep a number of residents assisted, from its grid workers' and volunteers'
numbers and the lever `levers.smart_governance.assisted_access`; the residents without
digital access are taken in a fixed order, the elderly first (代办 serves the old first),
then by resident id (ids carry no information: attributes are drawn independently). An
assisted resident counts as online for public services and for reporting through the
hotline or app (docs/ODD.md, "Assisted access").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.population import ResidentColumns


def assistance_rank(res: ResidentColumns) -> np.ndarray:
    """Each resident's place in its grid's queue for assistance (−1: has digital access).

    Residents without digital access are ranked inside their grid, the elderly first, then
    by id.
    """
    rank = np.full(len(res), -1, dtype=np.int64)
    offline = np.flatnonzero(~res.digital)
    if len(offline) == 0:
        return rank
    # lexsort: last key first; ids ascending are the order of `offline` itself.
    order = offline[np.lexsort((offline, ~res.elderly[offline], res.grid[offline]))]
    grids = res.grid[order]
    first_of_grid = np.r_[0, np.flatnonzero(np.diff(grids)) + 1]
    counts = np.diff(np.r_[first_of_grid, len(order)])
    rank[order] = np.arange(len(order)) - np.repeat(first_of_grid, counts)
    return rank


def assistance_capacity(model: CoGovernanceModel) -> np.ndarray:
    """Residents each grid can keep assisted this week:

    assisted_access × (grid workers × effects.assisted_per_grid_worker
                       + volunteers × effects.assisted_per_volunteer) × town quality

    (the town's implementation quality: `simulation.places`).
    """
    p = model.params
    terr = model.territory
    level = model.lever["assisted_access"]
    workers = p.ladder.grid_workers_per_1000 * model.grid_population / 1000.0
    quality = 1.0 if terr.town_quality is None else terr.town_quality[terr.town_of_grid]
    return level * quality * (workers * p.effects.assisted_per_grid_worker
                              + model.volunteers_per_grid * p.effects.assisted_per_volunteer)


def update_assisted(model: CoGovernanceModel) -> bool:
    """Who is assisted now; whether that changed (services' shares then follow)."""
    res = model.residents
    capacity = assistance_capacity(model)
    assisted = (model.assistance_rank >= 0) & (model.assistance_rank
                                                < np.floor(capacity)[res.grid])
    if np.array_equal(assisted, model.assisted):
        return False
    model.assisted[:] = assisted
    np.logical_or(res.digital, assisted, out=model.online)
    return True
