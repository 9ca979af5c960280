"""Party cell (党组织): one per grid; convenes grid mediation (L1) when active.

An active cell (党支部建在网格上) mobilises volunteers and party-member residents, and
coordinates hand-offs from its grid to the town and county (fewer losses, shorter
delays: the "multiplier effect" of 协同 in the seed articles). Where no cell is active the
grid's workers and volunteers still mediate, without that convening.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulation.accountability import speed_factor
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class PartyCell(mesa.Agent):
    """The party cell of one grid, and the grid's L1 mediation queue it convenes."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel, grid: int) -> None:
        super().__init__(model)
        self.grid = grid
        self.active = False  # switched on in the model's order as coverage rises
        self.queue = ServiceQueue(0, model.params.ladder.service_weeks_l1)

    def capacity_per_week(self, volunteers: float, residents: int) -> float:
        """Cases per week the grid can mediate.

        (grid workers × their cases + volunteers × their cases × mobilisation) ×
        (1 + councils effect × councils × convened), where convened is 1 with an active
        party cell and 0.5 without.
        """
        p = self.model.params
        lv = self.model.lever
        workers = p.ladder.grid_workers_per_1000 * residents / 1000.0
        mobilisation = 1 + 0.5 * p.effects.cell_mobilisation * self.active
        base = workers * p.ladder.grid_worker_cases + volunteers * p.ladder.volunteer_cases * (
            mobilisation
        )
        # Councils add capacity fully where the cell convenes them, at half strength
        # elsewhere.
        convened = 0.5 + 0.5 * self.active
        return base * (1 + p.effects.councils_l1_capacity * lv["councils"] * convened)

    def convene_mediation(self, volunteers: float, residents: int) -> None:
        """One week of L1 mediation: finish cases, then start waiting ones."""
        q = self.queue
        q.set_capacity(self.capacity_per_week(volunteers, residents),
                       self.model.params.ladder.service_weeks_l1)
        # Rated handlers work faster (simulation.accountability).
        for case in q.finish(self.model.rng, speed_factor(self.model)):
            self.model.ladder.conclude(case, self)
        for case in q.admit(self.model.week):
            self.model.ladder.start_service(case, self)
