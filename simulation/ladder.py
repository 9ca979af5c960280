"""The handling ladder: intake, routing, hand-offs, the outcome of a case, and impatience.

The rules here move disputes between the handlers (party cells at L1, town offices, the
county centre and social organisations at L2, the court at L3). The handlers decide how
many cases they can take (their `ServiceQueue` servers); this module decides where a case
goes, whether a hand-off loses it, and how a finished case ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation import accountability
from simulation.agents.government import Government, Role
from simulation.agents.party_cell import PartyCell
from simulation.agents.resident import (
    draw_patience,
    grievance,
    logistic,
    logit,
    will_escalate,
)
from simulation.agents.social_organisation import PROFESSIONAL_BONUS, SocialOrganisation
from simulation.disputes import DisputeType, HandlerKind, Level, Outcome, Stage
from simulation.experience import experience_quality, relapse_probability
from simulation.queueing import ServiceQueue
from simulation.reporting import report_probability

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel

Handler = PartyCell | Government | SocialOrganisation

# Severity above which a case belongs to a rung, when triage routes it (assumed): small
# matters to the grid, larger ones to the town or centre, the gravest to formal law.
RUNG_BY_SEVERITY = ((0.45, Level.L1), (0.80, Level.L2), (1.01, Level.L3))

# The kind of each government office, as recorded on the disputes it works on.
_KIND_OF_ROLE = {Role.TOWN_OFFICE: HandlerKind.TOWN_OFFICE,
                 Role.COUNTY_CENTRE: HandlerKind.COUNTY_CENTRE,
                 Role.COURT: HandlerKind.COURT,
                 Role.PETITION_OFFICE: HandlerKind.PETITION_OFFICE}


def correct_rung(severity: float) -> Level:
    for bound, level in RUNG_BY_SEVERITY:
        if severity < bound:
            return level
    return Level.L3


class HandlingLadder:
    """Routes disputes through the handlers of one model and ends them."""

    def __init__(self, model: CoGovernanceModel) -> None:
        self.model = model
        self.handler_of: dict[int, Handler] = {}  # open case -> handler whose queue holds it
        self.queue_of: dict[int, ServiceQueue] = {}  # open case -> the queue itself
        self.ended_this_week: list[int] = []
        self.handoffs_lost = 0
        self.handoffs = 0
        self.first_petitions = 0
        self.repeat_petitions = 0
        self.taken_in = 0  # grievances taken in by the ladder (found or brought forward)
        self._contracted_share = 0.0
        self._contracted_share_week = -1  # the week it was computed for

    def reset_tallies(self) -> None:
        """Hand-off, petition and intake counts start from zero (at week 0, after the
        warm-up)."""
        self.handoffs_lost = 0
        self.handoffs = 0
        self.first_petitions = 0
        self.repeat_petitions = 0
        self.taken_in = 0

    # ------------------------------------------------------------------ intake

    def intake(self) -> None:
        """Unreported grievances are found or brought forward, and sent to their first rung.

        Each week a grievance awaiting intake enters with chance 1 − (1 − found)(1 −
        voice) (`report_probability`; voice through the platform or by walking in,
        `simulation.reporting`); one that does not waits, and is lumped if its party's
        patience runs out first (`lump`). `taken_in` counts those that enter.
        """
        m = self.model
        pool = m.disputes
        ids = pool.open_ids
        if len(ids) == 0:
            return
        ids = ids[pool.stage[ids] == Stage.AWAITING_INTAKE]
        if len(ids) == 0:
            return
        patrol, platform, walk_in = report_probability(
            m, pool.party[ids], pool.grid[ids], pool.early[ids], pool.severity[ids]
        )
        p_any = 1 - (1 - patrol) * (1 - platform - walk_in)
        reported = m.rng.random(len(ids)) < p_any
        if not reported.any():
            return
        self.taken_in += int(reported.sum())
        weights = np.column_stack([patrol, platform, walk_in])[reported]
        u = m.rng.random(len(weights)) * weights.sum(axis=1)
        channel = (u[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
        triaged = m.rng.random(len(weights)) < m.lever["triage"]
        to_court = m.rng.random(len(weights))
        for case, ch, tri, u in zip(ids[reported].tolist(), channel.tolist(), triaged.tolist(),
                                    to_court.tolist(), strict=True):
            severity = pool.severity[case]
            if tri:
                level = correct_rung(severity)
            elif u < m.residents.legal_awareness[pool.party[case]] * severity**2:
                level = Level.L3  # a legally aware party with a grave case files at court
            elif ch == 2:
                level = Level.L2  # walked in to the county one-stop centre
            else:
                level = Level.L1  # found by patrol or reported by hotline: the grid handles it
            # Walk-ins go to the county one-stop centre; triaged cases go to their rung's
            # local handler (the grid, the town office or its contracted organisations).
            self.send(case, level, walk_in=(ch == 2 and not tri))

    def lump(self, case: int) -> None:
        """A grievance neither found nor brought forward within its party's patience.

        The party endures it (Felstiner, Abel & Sarat 1980): the dispute ends LUMPED, not
        a failure of the ladder, which never knew of it. A petition is voice too, so a
        party that never spoke up does not petition.
        """
        m = self.model
        m.disputes.satisfaction[case] = experience_quality(m, case, resolved=False)
        self._end(case, Outcome.LUMPED)

    # ------------------------------------------------------------------ routing

    def handler_for(self, case: int, level: Level, walk_in: bool) -> Handler:
        m = self.model
        grid = int(m.disputes.grid[case])
        if level == Level.L1:
            return m.party_cells[grid]
        if level == Level.L3:
            return m.court
        if walk_in:
            return m.county_centre
        town_office = m.town_offices[int(m.territory.town_of_grid[grid])]
        # The town contracts out a share of its L2 cases in proportion to the contracted
        # organisations' capacity (政府购买服务).
        if m.social_organisations:
            if m.rng.random() < self.contracted_share():
                return m.social_organisations[int(m.rng.integers(len(m.social_organisations)))]
        return town_office

    def contracted_share(self) -> float:
        """Share of a town's L2 cases contracted out: the organisations' share of the
        capacity of organisations and town offices together (computed once a week)."""
        m = self.model
        if self._contracted_share_week != m.week:
            so_cap = sum(s.capacity_per_week() for s in m.social_organisations)
            own = sum(t.capacity_per_week(m.town_population[t.town]) for t in m.town_offices)
            self._contracted_share = so_cap / max(so_cap + own, 1e-9)
            self._contracted_share_week = m.week
        return self._contracted_share

    def send(self, case: int, level: Level, *, walk_in: bool = False,
             source: Handler | None = None, entrusted: bool = False) -> None:
        """Put a case in the queue of the handler for `level`.

        From another handler this is a hand-off: it may be lost (the party gives up or
        escalates) with chance `handoff_loss`, reduced by coordination where the two
        actors are tied in the coordination layer and by mediation-litigation linkage on
        the way to court; it arrives after a delay shortened by data sharing and
        coordination.
        """
        m = self.model
        pool = m.disputes
        target = self.handler_for(case, level, walk_in)
        ready = m.week
        if source is not None:
            self.handoffs += 1
            pool.handoffs[case] += 1
            lad, ef, lv = m.params.ladder, m.params.effects, m.lever
            coordinated = m.network.coordination.has_edge(source.unique_id, target.unique_id)
            loss = lad.handoff_loss
            delay = lad.handoff_delay_weeks * (1 - ef.data_sharing_delay * lv["data_sharing"])
            if coordinated:
                loss *= 1 - ef.coordination_loss * lv["coordination"]
                delay *= 1 - ef.coordination_delay * lv["coordination"]
            if level == Level.L3:
                loss *= 1 - lv["court_linkage"]
            if m.rng.random() < loss:
                self.handoffs_lost += 1
                self.give_up_or_escalate(case)
                return
            ready = m.week + int(m.rng.poisson(delay))
        pool.level[case] = level
        pool.stage[case] = Stage.QUEUED
        queue = target.queue
        if level == Level.L3 and not entrusted and m.court.entrusted is not None:
            # Cases reaching court try court-entrusted mediation first, as far as the
            # linkage reaches (诉调对接).
            if m.rng.random() < m.lever["court_linkage"]:
                queue = m.court.entrusted
        queue.enqueue(case, ready if ready > m.week else None)
        self.handler_of[case] = target
        self.queue_of[case] = queue

    # ------------------------------------------------------------------ service

    def handle_week(self) -> None:
        """Each handler works its queue for a week: L1 in every grid, then L2, then L3."""
        m = self.model
        for cell in m.party_cells:
            if len(cell.queue):
                cell.convene_mediation(m.volunteers_per_grid[cell.grid],
                                       int(m.grid_population[cell.grid]))
        for office in m.town_offices:
            office.handle_cases(int(m.town_population[office.town]))
        for org in m.social_organisations:
            org.mediate()
        m.county_centre.handle_cases(m.n_residents)
        m.court.handle_cases(m.n_residents)
        m.petition_office.handle_cases(m.n_residents)

    def start_service(self, case: int, handler: Handler) -> None:
        """A handler starts work on a case: it pays the rung's cost."""
        m = self.model
        lad = m.params.ladder
        pool = m.disputes
        pool.stage[case] = Stage.IN_SERVICE
        level = Level(int(pool.level[case]))
        in_entrusted = (isinstance(handler, Government) and handler.entrusted is not None
                        and case in handler.entrusted.in_service)
        cost = {Level.L1: lad.cost_l1, Level.L2: lad.cost_l2, Level.L3: lad.cost_l3,
                Level.PETITION: lad.cost_petition}[level]
        if in_entrusted:
            cost = lad.cost_l2
        pool.heard[case] = True
        if in_entrusted:
            pool.handler_kind[case] = HandlerKind.ENTRUSTED
        elif isinstance(handler, Government):
            pool.handler_kind[case] = _KIND_OF_ROLE[handler.role]
        elif isinstance(handler, SocialOrganisation):
            pool.handler_kind[case] = HandlerKind.SOCIAL_ORGANISATION
        else:
            pool.handler_kind[case] = HandlerKind.PARTY_CELL
        pool.cost[case] += cost
        m.case_costs_this_week += cost

    def success_probability(self, case: int, handler: Handler, entrusted: bool) -> float:
        """Chance a finished case ends in agreement (or a ruling that is accepted)."""
        m = self.model
        pool, lad, ef, lv = m.disputes, m.params.ladder, m.params.effects, m.lever
        level = Level(int(pool.level[case]))
        if level == Level.L3 and not entrusted:
            return lad.success_l3
        if level == Level.PETITION:
            trust = m.residents.trust[int(pool.party[case])]
            return float(logistic(logit(lad.success_petition)
                                  + ef.trust_success * (trust - 0.5)
                                  - ef.severity_success * (pool.severity[case] - 0.5)))
        party, other = int(pool.party[case]), int(pool.other[case])
        trust = m.residents.trust[party]
        if other >= 0:
            trust = (trust + m.residents.trust[other]) / 2
        base = {Level.L1: lad.success_l1, Level.L2: lad.success_l2, Level.L3: lad.success_l2}
        x = (logit(base[level]) + ef.trust_success * (trust - 0.5)
             - ef.severity_success * (pool.severity[case] - 0.5)
             + ef.legal_advice_success * lv["legal_services"])
        if level == Level.L1:
            # Resident councils work fully where a party cell convenes them (党建引领
            # 自治); elsewhere at half strength.
            convened = 0.5 + 0.5 * bool(m.cell_active[int(pool.grid[case])])
            x += ef.councils_l1_success * lv["councils"] * convened
        if level in accountability.RATED_LEVELS:
            x += accountability.effort_log_odds(m)  # rated handlers try harder (三率考评)
        if entrusted:
            x += 0.5  # the court's authority behind entrusted mediation (assumed)
        if isinstance(handler, SocialOrganisation) and pool.kind[case] in (
            DisputeType.PROPERTY_LAND, DisputeType.LABOUR_WAGES, DisputeType.CONSUMER_MARKET
        ):
            x += PROFESSIONAL_BONUS
        return float(logistic(x))

    def conclude(self, case: int, handler: Handler, entrusted: bool = False) -> None:
        """A handler finishes a case: agreement, or referral up the ladder, or an end."""
        m = self.model
        pool = m.disputes
        self.handler_of.pop(case, None)
        self.queue_of.pop(case, None)
        level = Level(int(pool.level[case]))
        if m.rng.random() < self.success_probability(case, handler, entrusted):
            self.resolve(case, level, ruling=(level == Level.L3 and not entrusted))
            return
        if accountability.closes_unresolved(m, level):
            self.close_unresolved(case)  # gaming the ratings instead of failing or referring
            return
        if level == Level.PETITION:
            self.petition_not_resolved(case, handler)
        elif level == Level.L1:
            self.send(case, Level.L2, source=handler)
        elif level == Level.L2:
            self.send(case, Level.L3, source=handler)
        elif entrusted:
            # Failed entrusted mediation goes to litigation in the same court: no loss.
            pool.stage[case] = Stage.QUEUED
            m.court.queue.enqueue(case)
            self.handler_of[case] = m.court
            self.queue_of[case] = m.court.queue
        else:
            self.give_up_or_escalate(case)  # a ruling the party does not accept

    # ------------------------------------------------------------------ endings

    def resolve(self, case: int, level: Level, *, ruling: bool = False) -> None:
        """An agreement or ruling: it holds, or it relapses into a follow-up dispute.

        Relapse and the parties' experience quality (`satisfaction`) follow
        `simulation.experience`: a court ruling (`ruling`) is fair only as far as a party
        expects to win it.
        """
        m = self.model
        pool = m.disputes
        party, other = int(pool.party[case]), int(pool.other[case])
        norm = m.residents.norm[party]
        if other >= 0:
            norm = (norm + m.residents.norm[other]) / 2
        p_relapse = relapse_probability(m, level, float(norm))
        pool.level[case] = level
        fair = m.params.behaviour.ruling_fairness if ruling else 1.0
        if m.rng.random() < p_relapse:
            pool.satisfaction[case] = experience_quality(m, case, resolved=False, fair=fair)
            self._end(case, Outcome.RELAPSED)
            self.spawn_follow_up(case)
        else:
            pool.satisfaction[case] = experience_quality(m, case, resolved=True, fair=fair)
            self._end(case, Outcome.RESOLVED)

    def close_unresolved(self, case: int) -> None:
        """A rated handler records a case it did not resolve as done (gaming the ratings,
        `simulation.accountability`): the dispute ends CLOSED_UNRESOLVED, and the party
        takes it as unfair (fairness 0 in its experience quality)."""
        pool = self.model.disputes
        pool.satisfaction[case] = experience_quality(self.model, case, resolved=False,
                                                     fair=0.0)
        self._end(case, Outcome.CLOSED_UNRESOLVED)

    def spawn_follow_up(self, case: int) -> None:
        """A broken agreement: the same parties' dispute comes back, a little graver."""
        m = self.model
        pool = m.disputes
        party = pool.party[[case]]
        other = pool.other[[case]]
        pool.add(
            m.week, pool.kind[[case]], np.minimum(1.0, pool.severity[[case]] * 1.2),
            party, other, pool.grid[[case]], self.new_patience(party),
            np.zeros(1, dtype=bool), parent=np.array([case]),
        )
        m._count_open(party, other, +1)

    def give_up_or_escalate(self, case: int) -> None:
        """The party stops waiting: it petitions if its grievance is high enough.

        A party already at the petition office that stops waiting leaves with its
        petition unresolved (ESCALATED).
        """
        m = self.model
        pool = m.disputes
        self.handler_of.pop(case, None)
        self.queue_of.pop(case, None)
        if pool.level[case] == Level.PETITION:
            self._end_unresolved_petition(case)
            return
        escalate = bool(will_escalate(m, pool.party[[case]], pool.severity[[case]])[0])
        if escalate:
            self.petition(case)
        else:
            pool.satisfaction[case] = experience_quality(m, case, resolved=False)
            self._end(case, Outcome.ABANDONED)

    # ------------------------------------------------------------------ petitions

    def petition(self, case: int, repeat: bool = False) -> None:
        """The party petitions (信访): the case joins the petition office's queue.

        A repeat petition arrives after a delay (mean `ladder.repeat_delay_weeks`). The
        party's patience starts afresh at the office.
        """
        m = self.model
        pool = m.disputes
        lad = m.params.ladder
        pool.petitions[case] += 1
        if repeat:
            self.repeat_petitions += 1
        else:
            self.first_petitions += 1
        pool.level[case] = Level.PETITION
        pool.stage[case] = Stage.QUEUED
        pool.waited[case] = 0.0
        pool.patience[case] = self.new_patience(pool.party[[case]])[0]
        ready = m.week + int(m.rng.poisson(lad.repeat_delay_weeks)) if repeat else m.week
        office = m.petition_office
        office.queue.enqueue(case, ready if ready > m.week else None)
        self.handler_of[case] = office
        self.queue_of[case] = office.queue

    def petition_not_resolved(self, case: int, office: Handler) -> None:
        """A petition the office did not resolve: returned to the ladder, petitioned
        again, or the end of the road.

        With chance `ladder.petition_return_share` it is returned (访诉分离): grave,
        law-related cases to the court, the rest to the county centre, as a hand-off.
        Otherwise the party petitions again with chance base × decay^(petitions − 1) ×
        grievance / threshold (capped at 1), up to `ladder.max_repeat_petitions` repeats;
        else the dispute ends as an unresolved petition (ESCALATED).
        """
        m = self.model
        pool = m.disputes
        lad = m.params.ladder
        if m.rng.random() < lad.petition_return_share:
            grave = pool.severity[case] >= RUNG_BY_SEVERITY[1][0]
            self.send(case, Level.L3 if grave else Level.L2, walk_in=True, source=office)
            return
        lodged = int(pool.petitions[case])
        if lodged - 1 < lad.max_repeat_petitions:
            g = float(grievance(m, pool.party[[case]], pool.severity[[case]])[0])
            threshold = max(m.params.disputes.escalation_threshold, 1e-9)
            p = min(1.0, lad.repeat_petition_base * lad.repeat_petition_decay ** (lodged - 1)
                    * g / threshold)
            if m.rng.random() < p:
                self.petition(case, repeat=True)
                return
        self._end_unresolved_petition(case)

    def _end_unresolved_petition(self, case: int) -> None:
        self.model.disputes.satisfaction[case] = experience_quality(self.model, case,
                                                                    resolved=False)
        self._end(case, Outcome.ESCALATED)

    def _end(self, case: int, outcome: Outcome) -> None:
        m = self.model
        m.disputes.end_one(case, outcome, m.week)
        self.ended_this_week.append(case)

    # ------------------------------------------------------------------ impatience

    def run_out_of_patience(self) -> None:
        """Waiting parties count another week; those past their patience leave the ladder.

        Time in service does not count: a party whose case is being worked on waits. A
        grievance never taken in is lumped (`lump`).
        """
        m = self.model
        pool = m.disputes
        ids = pool.open_ids
        if len(ids) == 0:
            return
        waiting = ids[(pool.outcome[ids] == Outcome.OPEN) & (pool.stage[ids] != Stage.IN_SERVICE)]
        pool.waited[waiting] += 1.0
        out = waiting[pool.waited[waiting] > pool.patience[waiting]]
        for case in out.tolist():
            if pool.stage[case] == Stage.AWAITING_INTAKE:
                self.lump(case)  # never taken in: endured (simulation.reporting)
                continue
            queue = self.queue_of.get(case)
            if queue is not None:
                queue.remove(case)  # waiting, not in service: service time is not waiting
            self.give_up_or_escalate(case)

    def new_patience(self, parties: np.ndarray) -> np.ndarray:
        return draw_patience(self.model, parties)


__all__ = ["HandlingLadder", "Role", "correct_rung"]
