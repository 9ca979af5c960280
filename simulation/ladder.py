"""The handling ladder: intake, routing, hand-offs, the outcome of a case, and impatience.

The rules here move disputes between the handlers (party cells at L1, town offices, the
county centre and social organisations at L2, the court at L3). The handlers decide how
many cases they can take (their `ServiceQueue` servers); this module decides where a case
goes, whether a hand-off loses it, and how a finished case ends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation import accountability
from simulation.agents.government import Government, Role
from simulation.agents.party_cell import PartyCell, council_convened
from simulation.agents.resident import (
    draw_patience,
    grievance,
    logistic_of,
    logit,
    will_escalate,
)
from simulation.agents.social_organisation import SPECIALISED_TYPES, SocialOrganisation
from simulation.disputes import DisputeType, HandlerKind, Level, Outcome, Stage
from simulation.experience import experience_quality, relapse_probability
from simulation.handling_time import grid_case_hours_factor, service_days
from simulation.queueing import DAYS_PER_WEEK, ServiceQueue
from simulation.reporting import report_probability

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.scenario.schema import Ladder

Handler = PartyCell | Government | SocialOrganisation

# The rungs by value: a case's `Level` from its stored rung (cheaper than calling Level).
_LEVELS: tuple[Level, ...] = tuple(Level)

# The ladder parameters of each rung's cost of a case, and of its base chance of success
# in mediation (court-entrusted mediation at L3 succeeds as L2 mediation does).
_COST_OF: dict[int, str] = {Level.L1: "cost_l1", Level.L2: "cost_l2", Level.L3: "cost_l3",
                            Level.PETITION: "cost_petition"}
_SUCCESS_OF = {Level.L1: "success_l1", Level.L2: "success_l2", Level.L3: "success_l2"}

# Dispute types that may need more than one government department (assumed): public
# services, land and labour cases involve several offices (housing, land, labour, social
# security), the others one.
MULTI_DEPARTMENT_TYPES = np.isin(np.arange(len(DisputeType)), (
    DisputeType.PUBLIC_SERVICE, DisputeType.PROPERTY_LAND, DisputeType.LABOUR_WAGES))

# The kind of each government office, as recorded on the disputes it works on.
_KIND_OF_ROLE = {Role.TOWN_OFFICE: HandlerKind.TOWN_OFFICE,
                 Role.COUNTY_CENTRE: HandlerKind.COUNTY_CENTRE,
                 Role.COURT: HandlerKind.COURT,
                 Role.PETITION_OFFICE: HandlerKind.PETITION_OFFICE}


def correct_rung(severity: float, lad: Ladder) -> Level:
    """The rung triage sends a case to (assumed bounds, `ladder.rung_l1_severity_max` and
    `ladder.rung_l2_severity_max`): small matters to the grid, larger ones to the town or
    centre, the gravest to formal law; each bound belongs to the higher rung."""
    if severity < lad.rung_l1_severity_max:
        return Level.L1
    if severity < lad.rung_l2_severity_max:
        return Level.L2
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
        self.court_filings = 0  # cases entered into the court's litigation queue (立案)
        self.prelitigation_diversions = 0  # cases headed for court settled before filing
        self.taken_in = 0  # grievances taken in by the ladder (found or brought forward)
        self._contracted_share = 0.0
        self._contracted_share_week = -1  # the week it was computed for
        # Inside the week: the day a handler is at while it concludes a case (None outside
        # the handlers' work, when events fall on the week's first day), and the days each
        # case was worked on this week (the rest of the week it waits).
        self.day: float | None = None
        self.worked_this_week: dict[int, float] = {}
        # While the handlers work the week (`handle_week`): the mean service days by
        # (rung, rated), the same for every handler of a rung that week.
        self._mean_days: dict[tuple[Level, bool], float] | None = None

    def reset_tallies(self) -> None:
        """Hand-off, petition and intake counts start from zero (at week 0, after the
        warm-up)."""
        self.handoffs_lost = 0
        self.handoffs = 0
        self.first_petitions = 0
        self.repeat_petitions = 0
        self.court_filings = 0
        self.prelitigation_diversions = 0
        self.taken_in = 0

    def first_day(self) -> float:
        """The first day of this week: week w spans days [7(w − 1), 7w)."""
        return (self.model.week - 1) * DAYS_PER_WEEK

    def today(self) -> float:
        """The day events happen on now: the day a handler concluded a case, else the
        first day of the week (`first_day`)."""
        return (self.model.week - 1) * DAYS_PER_WEEK if self.day is None else self.day

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
        channel = (u[:, None] > weights.cumsum(axis=1)).sum(axis=1)
        triaged = m.rng.random(len(weights)) < m.lever["triage"]
        to_court = m.rng.random(len(weights))
        for case, ch, tri, u in zip(ids[reported].tolist(), channel.tolist(), triaged.tolist(),
                                    to_court.tolist(), strict=True):
            severity = pool.severity[case]
            if tri:
                level = correct_rung(severity, m.params.ladder)
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
        if walk_in and m.county_centre.is_open():
            return m.county_centre  # a closed centre's walk-ins go to the town instead
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

        A case headed for court may first be mediated at the county centre
        (`goes_to_centre_first`). From another handler this is a hand-off: it may be lost
        (the party gives up or escalates) with chance `handoff_loss`, reduced by
        coordination where the two actors are tied in the coordination layer and by
        mediation-litigation linkage on the way to court; it arrives after a delay
        shortened by data sharing and coordination. A multi-department case at a town
        office or social organisation makes one further hand-off per extra department
        (`department_handoffs`); at the centre the departments sit together. `entrusted`:
        the case skips court-entrusted mediation (it had its mediation before court).
        """
        m = self.model
        pool = m.disputes
        self.count_trips(case, level, walk_in, source)
        if level == Level.L3 and self.goes_to_centre_first(case, source):
            pool.pre_litigation[case] = True
            level, walk_in = Level.L2, True
        target = self.handler_for(case, level, walk_in)
        ready = self.today()  # the day it reaches the target's queue (hand-off: later)
        if source is None and math.isnan(pool.intake_day[case]):
            pool.intake_day[case] = ready
        if source is not None:
            lad, ef, lv = m.params.ladder, m.params.effects, m.lever
            coordinated = m.network.coordination.has_edge(source.unique_id, target.unique_id)
            loss, delay = lad.handoff_loss, self.handoff_delay()
            if coordinated:
                loss *= 1 - ef.coordination_loss * lv["coordination"]
                delay *= 1 - ef.coordination_delay * lv["coordination"]
            if level == Level.L3 or pool.pre_litigation[case]:
                loss *= 1 - lv["court_linkage"]  # on the way to court (诉调对接)
            if self.hand_off_lost(case, loss):
                return
            # [service/day] the hand-off takes exponential days with the mean delay.
            ready += float(m.rng.exponential(delay * DAYS_PER_WEEK)) if delay > 0 else 0.0
        if isinstance(target, SocialOrganisation) or (
                isinstance(target, Government) and target.role is Role.TOWN_OFFICE):
            extra = self.department_handoffs(case)
            if extra is None:
                return  # lost between departments
            ready += extra
        pool.level[case] = level
        pool.stage[case] = Stage.QUEUED
        queue = target.queue
        if level == Level.L3 and not entrusted and m.court.entrusted is not None:
            # Cases reaching court try court-entrusted mediation first, as far as the
            # linkage reaches (诉调对接).
            if m.rng.random() < m.lever["court_linkage"]:
                queue = m.court.entrusted
        if queue is m.court.queue:
            self.court_filings += 1
        queue.enqueue(case, ready)
        self.handler_of[case] = target
        self.queue_of[case] = queue

    def goes_to_centre_first(self, case: int, source: Handler | None) -> bool:
        """Whether a case headed for court is mediated at the county centre first.

        诉源治理 / 诉前调解: a case triaged to court or filed directly (no `source`), or
        failed at town mediation or a social organisation, goes to the centre with chance
        `ladder.centre_filter` when the centre has staff. Not a case the centre has
        already mediated, nor one returned by the petition office.
        """
        m = self.model
        if not m.county_centre.is_open() or m.disputes.pre_litigation[case]:
            return False
        failed_at_l2 = isinstance(source, SocialOrganisation) or (
            isinstance(source, Government) and source.role is Role.TOWN_OFFICE)
        if source is not None and not failed_at_l2:
            return False
        return bool(m.rng.random() < m.params.ladder.centre_filter)

    def handoff_delay(self) -> float:
        """Mean delay of a hand-off in weeks, shortened by data sharing."""
        m = self.model
        return m.params.ladder.handoff_delay_weeks * (
            1 - m.params.effects.data_sharing_delay * m.lever["data_sharing"])

    def hand_off_lost(self, case: int, loss: float) -> bool:
        """Count one hand-off; with chance `loss` the case is lost on the way."""
        self.handoffs += 1
        self.model.disputes.handoffs[case] += 1
        if self.model.rng.random() < loss:
            self.handoffs_lost += 1
            self.give_up_or_escalate(case)
            return True
        return False

    def departments(self, case: int) -> int:
        """Government departments the case needs (1-3), drawn the first time it matters:
        public-service, land and labour cases need 2+ with chance
        `ladder.multi_department_share`, 3 with `ladder.three_department_share` of those."""
        m = self.model
        pool = m.disputes
        if pool.departments[case] == 0:
            lad = m.params.ladder
            n = 1
            multi = (MULTI_DEPARTMENT_TYPES[pool.kind[case]]
                     and m.rng.random() < lad.multi_department_share)
            if multi:
                n = 3 if m.rng.random() < lad.three_department_share else 2
            pool.departments[case] = n
        return int(pool.departments[case])

    def department_handoffs(self, case: int) -> float | None:
        """Outside the centre each extra department is a further hand-off for the party:
        a trip, a chance of losing the case, a delay — those of a hand-off between two
        institutions tied in the coordination layer (all government offices are).
        Returns the days of delay, or None if the case was lost."""
        m = self.model
        ef, lv = m.params.effects, m.lever
        loss = m.params.ladder.handoff_loss * (1 - ef.coordination_loss * lv["coordination"])
        delay = self.handoff_delay() * (1 - ef.coordination_delay * lv["coordination"])
        days = 0.0
        for _ in range(self.departments(case) - 1):
            m.disputes.trips[case] += 1
            if self.hand_off_lost(case, loss):
                return None
            # as a hand-off between institutions: exponential days with the mean delay
            days += float(m.rng.exponential(delay * DAYS_PER_WEEK)) if delay > 0 else 0.0
        return days

    def count_trips(self, case: int, level: Level, walk_in: bool,
                    source: Handler | None) -> None:
        """Trips the party makes in person (最多跑一次): reporting by walking in, taking a
        case to court itself, and each hand-off; patrol, hotline and online reports and
        triage to the grid or town cost none."""
        if source is not None or walk_in or level == Level.L3:
            self.model.disputes.trips[case] += 1

    # ------------------------------------------------------------------ service

    def handle_week(self) -> None:
        """Each handler works its queue for a week, in days: L1 in every grid, then L2,
        then L3, then the petition office, so a referral made early in the week can be
        worked on at the next rung the same week."""
        m = self.model
        self.worked_this_week = {}
        case_hours = grid_case_hours_factor(m)  # the same in every grid this week
        self._mean_days = {}
        try:
            for cell in m.party_cells:
                if len(cell.queue):
                    cell.convene_mediation(m.volunteers_per_grid[cell.grid],
                                           int(m.grid_population[cell.grid]), case_hours)
            for office in m.town_offices:
                office.handle_cases(int(m.town_population[office.town]))
            for org in m.social_organisations:
                org.mediate()
            m.county_centre.handle_cases(m.n_residents)
            m.court.handle_cases(m.n_residents)
            m.petition_office.handle_cases(m.n_residents)
        finally:
            self._mean_days = None

    def work_queue(self, handler: Handler, queue: ServiceQueue, level: Level,
                   entrusted: bool = False) -> None:
        """One week of `handler` working `queue` in days (`ServiceQueue.work_week`), each
        case taking a mean of `service_days(model, level)`; a case finished on day d is
        concluded on day d."""
        m = self.model
        if not len(queue):
            return

        def start(case: int, day: float) -> None:
            self.start_service(case, handler, entrusted)

        def finish(case: int, day: float) -> None:
            self.day = day
            self.conclude(case, handler, entrusted=entrusted)

        # Rated handlers (the grid, town offices, social organisations, the centre) work
        # faster; court-entrusted mediation and the petition office are not rated.
        rated = level in accountability.RATED_LEVELS and not entrusted
        known = self._mean_days
        mean_days = known.get((level, rated)) if known is not None else None
        if mean_days is None:
            mean_days = service_days(m, level, rated)
            if known is not None:
                known[level, rated] = mean_days
        queue.work_week(self.first_day(), m.rng, mean_days, start, finish,
                        self.worked_this_week)
        self.day = None

    def start_service(self, case: int, handler: Handler, in_entrusted: bool = False) -> None:
        """A handler starts work on a case: it pays the rung's cost."""
        m = self.model
        lad = m.params.ladder
        pool = m.disputes
        pool.stage[case] = Stage.IN_SERVICE
        cost = lad.cost_l2 if in_entrusted else getattr(lad, _COST_OF[int(pool.level[case])])
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
        level = _LEVELS[pool.level[case]]
        if level == Level.L3 and not entrusted:
            return lad.success_l3
        if level == Level.PETITION:
            trust = m.residents.trust[int(pool.party[case])]
            return logistic_of(logit(lad.success_petition)
                               + ef.trust_success * (trust - 0.5)
                               - ef.severity_success * (pool.severity[case] - 0.5))
        party, other = int(pool.party[case]), int(pool.other[case])
        trust = m.residents.trust[party]
        if other >= 0:
            trust = (trust + m.residents.trust[other]) / 2
        # Lever effects delivered in the case's town (the grid, the town office) work as
        # well as the town implements them (`CoGovernanceModel.grid_lever_reach`); the
        # county's own handlers (centre, court, contracted organisations) at full reach.
        grid = int(pool.grid[case])
        local = level == Level.L1 or (isinstance(handler, Government)
                                      and handler.role is Role.TOWN_OFFICE)
        reach = float(m.grid_lever_reach()[grid]) if local else 1.0
        x = (logit(getattr(lad, _SUCCESS_OF[level])) + ef.trust_success * (trust - 0.5)
             - ef.severity_success * (pool.severity[case] - 0.5)
             + ef.legal_advice_success * lv["legal_services"] * reach)
        if level == Level.L1:
            # Resident councils work fully where a party cell convenes them (党建引领
            # 自治); elsewhere as far as they do not depend on its convening.
            convened = council_convened(m, bool(m.cell_active[grid]))
            x += ef.councils_l1_success * lv["councils"] * convened * reach
        if level in accountability.RATED_LEVELS:
            x += accountability.effort_log_odds(m)  # rated handlers try harder (三率考评)
        if self.court_backed(case, handler, entrusted):
            x += ef.court_authority  # the court's authority behind the mediation
        if isinstance(handler, SocialOrganisation) and int(pool.kind[case]) in SPECIALISED_TYPES:
            x += ef.professional_bonus
        return logistic_of(x)

    def court_backed(self, case: int, handler: Handler, entrusted: bool) -> bool:
        """Mediation before filing with the court behind it: court-entrusted mediation, or
        a case headed for court mediated at the county centre (诉前调解)."""
        return entrusted or (handler is self.model.county_centre
                             and bool(self.model.disputes.pre_litigation[case]))

    def conclude(self, case: int, handler: Handler, entrusted: bool = False) -> None:
        """A handler finishes a case: agreement, or referral up the ladder, or an end."""
        m = self.model
        pool = m.disputes
        self.handler_of.pop(case, None)
        self.queue_of.pop(case, None)
        level = _LEVELS[pool.level[case]]
        if m.rng.random() < self.success_probability(case, handler, entrusted):
            if self.court_backed(case, handler, entrusted):
                self.prelitigation_diversions += 1  # settled before filing at court
            self.resolve(case, level, ruling=(level == Level.L3 and not entrusted))
            return
        if accountability.closes_unresolved(m, level):
            self.close_unresolved(case)  # gaming the ratings instead of failing or referring
            return
        if level == Level.PETITION:
            self.petition_not_resolved(case, handler)
        elif level == Level.L1:
            self.send(case, Level.L2, source=handler)
        elif self.court_backed(case, handler, entrusted):
            self.file_at_court(case)
        elif level == Level.L2:
            self.send(case, Level.L3, source=handler)
        else:
            self.give_up_or_escalate(case)  # a ruling the party does not accept

    def file_at_court(self, case: int) -> None:
        """Mediation before filing failed (court-entrusted, or pre-litigation at the
        centre): the case is filed for litigation at once, with no hand-off to lose it
        (the court stands behind the mediation)."""
        m = self.model
        pool = m.disputes
        pool.level[case] = Level.L3
        pool.stage[case] = Stage.QUEUED
        self.court_filings += 1
        m.court.queue.enqueue(case, self.today())
        self.handler_of[case] = m.court
        self.queue_of[case] = m.court.queue

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
            arose_day=np.array([self.today()]),
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
        if int(pool.level[case]) == Level.PETITION:
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
        ready = self.today()
        if repeat and lad.repeat_delay_weeks > 0:
            ready += float(m.rng.exponential(lad.repeat_delay_weeks * DAYS_PER_WEEK))
        office = m.petition_office
        office.queue.enqueue(case, ready)
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
            grave = pool.severity[case] >= lad.rung_l2_severity_max
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
        m.disputes.end_one(case, outcome, m.week, day=self.today())
        self.ended_this_week.append(case)

    # ------------------------------------------------------------------ impatience

    def run_out_of_patience(self) -> None:
        """Parties count the part of the week their case was not worked on as waiting;
        those past their patience leave the ladder.

        Only days a server worked on the case do not count (`worked_this_week`): a case
        queued, on its way in a hand-off, or held by a part-time (fractional) server
        outside its hours uses up patience. A party that leaves does so on the day its
        patience ran out, taking the unworked days as the week's last.
        A grievance never taken in is lumped (`lump`).
        """
        m = self.model
        pool = m.disputes
        ids = pool.open_ids
        if len(ids) == 0:
            return
        ids = ids[pool.outcome[ids] == Outcome.OPEN]
        if len(ids) == 0:
            return
        unworked = np.full(len(ids), DAYS_PER_WEEK)
        if self.worked_this_week:
            cases = np.fromiter(self.worked_this_week.keys(), dtype=np.int64,
                                count=len(self.worked_this_week))
            days = np.fromiter(self.worked_this_week.values(), dtype=np.float64,
                               count=len(cases))
            pos = np.minimum(ids.searchsorted(cases), len(ids) - 1)
            hit = ids[pos] == cases
            unworked[pos[hit]] -= days[hit]
            np.maximum(unworked, 0.0, out=unworked)
        stage = pool.stage[ids]
        on_ladder = (stage == Stage.QUEUED) | (stage == Stage.IN_SERVICE)
        pool.waited_days[ids[on_ladder]] += unworked[on_ladder]
        pool.waited[ids] += unworked / DAYS_PER_WEEK
        over = pool.waited[ids] - pool.patience[ids]
        leave = over > 0
        end_of_week = self.first_day() + DAYS_PER_WEEK
        for case, extra in zip(ids[leave].tolist(), over[leave].tolist(), strict=True):
            self.day = max(self.first_day(), end_of_week - extra * DAYS_PER_WEEK)
            if int(pool.stage[case]) == Stage.AWAITING_INTAKE:
                self.lump(case)  # never taken in: endured (simulation.reporting)
                continue
            queue = self.queue_of.get(case)
            if queue is not None:
                queue.remove(case)
            self.give_up_or_escalate(case)
        self.day = None

    def new_patience(self, parties: np.ndarray) -> np.ndarray:
        return draw_patience(self.model, parties)


__all__ = ["HandlingLadder", "Role", "correct_rung"]
