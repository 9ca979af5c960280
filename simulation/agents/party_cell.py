"""Party cell (党组织): one per grid; convenes grid mediation (L1) when active.

An active cell (党支部建在网格上) mobilises volunteers and party-member residents, and
coordinates hand-offs from its grid to the town and county (fewer losses, shorter
delays: the "multiplier effect" of 协同 in the seed articles). Where no cell is active the
grid's workers and volunteers still mediate, without that convening.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulation.disputes import Level
from simulation.handling_time import base_service_days, grid_case_hours_factor
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


def council_convened(model: CoGovernanceModel, active: bool) -> float:
    """How fully resident councils work in a grid (党建引领自治): 1 where an active party
    cell convenes them, 1 - `effects.council_convening` where none does. The one channel
    through which party leadership strengthens self-governance's councils."""
    return 1.0 - model.params.effects.council_convening * (1.0 - float(active))


class PartyCell(mesa.Agent):
    """The party cell of one grid, and the grid's L1 mediation queue it convenes."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel, grid: int) -> None:
        super().__init__(model)
        self.grid = grid
        self.active = False  # switched on in the model's order as coverage rises
        self.queue = ServiceQueue(0, model.params.ladder.service_days_l1)

    def capacity_per_week(self, volunteers: float, residents: int,
                          case_hours: float | None = None) -> float:
        """Cases per week the grid can mediate.

        (grid workers × their cases × case-hours factor + volunteers × their cases ×
        mobilisation) × (1 + councils effect × councils × convened × reach), where
        convened is 1 with an active party cell and 1 - `effects.council_convening`
        without (`council_convened`), reach is how well the grid's town implements the
        levers (`CoGovernanceModel.grid_lever_reach`), and the case-hours factor is the
        hours data integration frees from paperwork (`simulation.handling_time`), the
        same in every grid: the ladder passes it as `case_hours`, computed once a week.
        """
        p = self.model.params
        lv = self.model.lever
        workers = p.ladder.grid_workers_per_1000 * residents / 1000.0
        mobilisation = 1 + 0.5 * p.effects.cell_mobilisation * self.active
        if case_hours is None:
            case_hours = grid_case_hours_factor(self.model)  # hours data integration frees
        base = (workers * p.ladder.grid_worker_cases * case_hours
                + volunteers * p.ladder.volunteer_cases * mobilisation)
        # Councils add capacity fully where the cell convenes them, less elsewhere as far
        # as they depend on its convening.
        convened = council_convened(self.model, self.active)
        reach = float(self.model.grid_lever_reach()[self.grid])
        return base * (1 + p.effects.councils_l1_capacity * lv["councils"] * convened * reach)

    def convene_mediation(self, volunteers: float, residents: int,
                          case_hours: float | None = None) -> None:
        """One week of L1 mediation, in days (`HandlingLadder.work_queue`); `case_hours`
        as in `capacity_per_week`."""
        self.queue.set_capacity(self.capacity_per_week(volunteers, residents, case_hours),
                                base_service_days(self.model, Level.L1))
        self.model.ladder.work_queue(self, self.queue, Level.L1)
