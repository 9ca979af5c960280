"""Government (政府): town and street offices, the county one-stop centre, the court.

Each office handles one rung with limited staff: town offices mediate L2 cases of their
town; the county one-stop dispute-resolution centre (矛调中心, "最多跑一地") takes
walk-ins from the whole county, mediates disputes headed for court before they are filed
(诉源治理, 诉前调解; see `HandlingLadder.send`) and, its departments sitting together,
spares multi-department cases their extra hand-offs; a centre without staff is closed.
The court handles L3, first through court-entrusted mediation when mediation-litigation
linkage (诉调对接) is in place, then by litigation; the petition office (信访局) handles the
petitions of parties who left the ladder. The county government also holds the budget.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

from simulation.disputes import Level
from simulation.handling_time import base_service_days
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class Role(StrEnum):
    TOWN_OFFICE = "town_office"
    COUNTY_CENTRE = "county_centre"
    COURT = "court"
    PETITION_OFFICE = "petition_office"


# The rung whose service time each office's own queue takes, and the ladder parameter
# holding each office's cases per staff member a week.
_RUNG_OF = {Role.TOWN_OFFICE: Level.L2, Role.COUNTY_CENTRE: Level.L2, Role.COURT: Level.L3,
            Role.PETITION_OFFICE: Level.PETITION}
_CASES_PER_STAFF_OF = {Role.TOWN_OFFICE: "mediator_cases", Role.COUNTY_CENTRE: "centre_cases",
                       Role.COURT: "judge_cases", Role.PETITION_OFFICE: "petition_cases"}


class Government(mesa.Agent):
    """One government office and its case queue."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel, role: Role, town: int = -1) -> None:
        super().__init__(model)
        self.role = role
        self.town = town
        self.queue = ServiceQueue(0, base_service_days(model, self.rung()))
        # The court's first step for linked cases: court-entrusted mediation, as fast as L2.
        self.entrusted = (ServiceQueue(0, base_service_days(model, Level.L2))
                          if role is Role.COURT else None)

    def rung(self) -> Level:
        """The rung whose service time this office's own queue takes."""
        return _RUNG_OF[self.role]

    def staff(self, residents: int) -> float:
        """Staff working on this office's cases, scaled to the population it serves."""
        lad = self.model.params.ladder
        if self.role is Role.TOWN_OFFICE:
            return lad.town_mediators_per_10000 * residents / 10_000
        if self.role is Role.COUNTY_CENTRE:
            return lad.county_centre_staff_per_10000 * residents / 10_000
        if self.role is Role.PETITION_OFFICE:
            return lad.petition_staff_per_10000 * residents / 10_000
        return lad.judges_per_10000 * residents / 10_000

    def is_open(self) -> bool:
        """An office with staff in force this week is open (a centre can open by a ramp)."""
        return self.staff(1) > 0

    def capacity_per_week(self, residents: int) -> float:
        per_staff = getattr(self.model.params.ladder, _CASES_PER_STAFF_OF[self.role])
        return self.staff(residents) * per_staff

    def handle_cases(self, residents: int) -> None:
        """One week of work in days (`HandlingLadder.work_queue`); at the court,
        entrusted mediation first, so that a failure reaches litigation the same day."""
        m = self.model
        cap = self.capacity_per_week(residents)
        if self.entrusted is not None:
            # Judges supervise entrusted mediation with a share of their time set by
            # the linkage; the rest goes to litigation.
            share = m.params.ladder.entrusted_judge_share * m.lever["court_linkage"]
            self.entrusted.set_capacity(cap * share, base_service_days(m, Level.L2))
            cap *= 1 - share
            m.ladder.work_queue(self, self.entrusted, Level.L2, entrusted=True)
        self.queue.set_capacity(cap, base_service_days(m, self.rung()))
        m.ladder.work_queue(self, self.queue, self.rung())
