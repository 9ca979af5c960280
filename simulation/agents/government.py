"""Government (政府): town and street offices, the county one-stop centre, the court.

Each office handles one rung with limited staff: town offices mediate L2 cases of their
town; the county one-stop dispute-resolution centre (矛调中心, "最多跑一地") takes
walk-ins from the whole county and coordinates hand-offs; the court
handles L3, first through court-entrusted mediation when mediation-litigation linkage
(诉调对接) is in place, then by litigation; the petition office (信访局) handles the
petitions of parties who left the ladder. The county government also holds the budget.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

from simulation.accountability import speed_factor
from simulation.queueing import ServiceQueue

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class Role(StrEnum):
    TOWN_OFFICE = "town_office"
    COUNTY_CENTRE = "county_centre"
    COURT = "court"
    PETITION_OFFICE = "petition_office"


class Government(mesa.Agent):
    """One government office and its case queue."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel, role: Role, town: int = -1) -> None:
        super().__init__(model)
        self.role = role
        self.town = town
        lad = model.params.ladder
        self.queue = ServiceQueue(0, self.service_weeks())
        # The court's first step for linked cases: court-entrusted mediation, as fast as L2.
        self.entrusted = ServiceQueue(0, lad.service_weeks_l2) if role is Role.COURT else None

    def service_weeks(self) -> float:
        """Mean time this office takes over a case, in force this week."""
        lad = self.model.params.ladder
        return {Role.COURT: lad.service_weeks_l3,
                Role.PETITION_OFFICE: lad.service_weeks_petition}.get(self.role,
                                                                       lad.service_weeks_l2)

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

    def capacity_per_week(self, residents: int) -> float:
        lad = self.model.params.ladder
        per_staff = {
            Role.TOWN_OFFICE: lad.mediator_cases,
            Role.COUNTY_CENTRE: lad.centre_cases,
            Role.COURT: lad.judge_cases,
            Role.PETITION_OFFICE: lad.petition_cases,
        }[self.role]
        return self.staff(residents) * per_staff

    def handle_cases(self, residents: int) -> None:
        """One week of work: finish cases, then start waiting ones, in each queue."""
        cap = self.capacity_per_week(residents)
        lad = self.model.params.ladder  # the parameters in force this week (ramps)
        queues = [self.queue]
        if self.entrusted is not None:
            # Judges supervise entrusted mediation with a share of their time set by
            # the linkage; the rest goes to litigation.
            share = 0.5 * self.model.lever["court_linkage"]
            self.entrusted.set_capacity(cap * share, lad.service_weeks_l2)
            cap *= 1 - share
            queues.append(self.entrusted)
        self.queue.set_capacity(cap, self.service_weeks())
        # Town offices and the county centre are rated and work faster
        # (simulation.accountability); the court and the petition office are not.
        rated = self.role in (Role.TOWN_OFFICE, Role.COUNTY_CENTRE)
        factor = speed_factor(self.model) if rated else 1.0
        for q in queues:
            for case in q.finish(self.model.rng, factor):
                self.model.ladder.conclude(case, self, entrusted=q is self.entrusted)
            for case in q.admit(self.model.week):
                self.model.ladder.start_service(case, self)
