"""Social organisation (社会组织): professional mediators contracted by the government.

A contracted organisation takes a share of its town offices' L2 cases (政府购买服务),
with professional mediators who succeed more often on property, labour and consumer
disputes (`effects.professional_bonus`). Its cases are paid from the budget like any L2 case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulation.disputes import DisputeType, Level
from simulation.handling_time import base_service_days
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


# The dispute types professional mediators specialise in; their log-odds bonus on them
# is `effects.professional_bonus`.
SPECIALISED_TYPES = (DisputeType.PROPERTY_LAND, DisputeType.LABOUR_WAGES,
                     DisputeType.CONSUMER_MARKET)


class SocialOrganisation(mesa.Agent):
    """One contracted social organisation and its L2 case queue."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel) -> None:
        super().__init__(model)
        self.queue = ServiceQueue(0, model.params.ladder.service_days_l2)

    def capacity_per_week(self) -> float:
        lad = self.model.params.ladder
        staff = lad.social_organisation_staff_per_10000 * self.model.n_residents / 10_000
        return staff * lad.social_organisation_cases

    def mediate(self) -> None:
        """One week of professional mediation."""
        self.queue.set_capacity(self.capacity_per_week(),
                                base_service_days(self.model, Level.L2))
        self.model.ladder.work_queue(self, self.queue, Level.L2)
