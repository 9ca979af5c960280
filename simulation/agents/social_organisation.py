"""Social organisation (社会组织): professional mediators contracted by the government.

A contracted organisation takes a share of its town offices' L2 cases (政府购买服务),
with professional mediators who succeed more often on property, labour and consumer
disputes. Its cases are paid from the budget like any L2 case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulation.accountability import speed_factor
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


# Log-odds bonus of professional mediators on the dispute types they specialise in.
PROFESSIONAL_BONUS = 0.5


class SocialOrganisation(mesa.Agent):
    """One contracted social organisation and its L2 case queue."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel) -> None:
        super().__init__(model)
        self.queue = ServiceQueue(0, model.params.ladder.service_weeks_l2)

    def capacity_per_week(self) -> float:
        lad = self.model.params.ladder
        staff = lad.social_organisation_staff_per_10000 * self.model.n_residents / 10_000
        return staff * lad.social_organisation_cases

    def mediate(self) -> None:
        """One week of professional mediation."""
        q = self.queue
        q.set_capacity(self.capacity_per_week(), self.model.params.ladder.service_weeks_l2)
        # Rated handlers work faster (simulation.accountability).
        for case in q.finish(self.model.rng, speed_factor(self.model)):
            self.model.ladder.conclude(case, self)
        for case in q.admit(self.model.week):
            self.model.ladder.start_service(case, self)
