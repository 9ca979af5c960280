"""The co-governance model: one county, one week a step.

`CoGovernanceModel.step()` follows the schedule in docs/ODD.md ("Process overview and
scheduling"): levers and shocks for the week, norms and trust, volunteers, disputes
arising, settling alone, intake, handling on the ladder, impatience, feedback from the
week's endings, welfare, and the record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

import mesa
import numpy as np
from mesa.agent import AgentSet

from simulation import metrics, reporting, trust, volunteering, word_of_mouth
from simulation.agents.government import Government, Role
from simulation.agents.party_cell import PartyCell
from simulation.agents.resident import Resident, settle_alone_probability
from simulation.agents.social_organisation import SocialOrganisation
from simulation.agents.volunteer import Volunteer
from simulation.assisted import assistance_rank
from simulation.disputes import (
    IS_RESIDENT_VS_RESIDENT,
    DisputePool,
    DisputeType,
    Level,
    Stage,
)
from simulation.draws import draw_rows
from simulation.handling_time import grid_patrol_hours
from simulation.ladder import HandlingLadder
from simulation.levers import (
    NO_SHOCK,
    lever_cost_per_week,
    levers_at,
    parameters_at,
    shocks_at,
    status_quo_levers,
    with_parameters,
)
from simulation.network import (
    FlaggedTieShare,
    MultilayerNetwork,
    read_tie_file,
    small_world_ties,
    ties_from_edges,
)
from simulation.places import lever_reach
from simulation.population import build_residents, build_territory, group_mask
from simulation.scenario.schema import DISPUTE_SHARE_FIELDS, Scenario
from simulation.welfare import start_welfare, update_welfare

if TYPE_CHECKING:
    import pandas as pd

WEEKS_PER_YEAR = 52.0


class CoGovernanceModel(mesa.Model):
    """Multi-actor co-governance of one county under a scenario's policy mix.

    `week` is the model's clock, named in its unit: it equals Mesa's `steps` (which counts
    calls to `step()`), and is the name the schedule, the record and docs/ODD.md use.

    Args:
        scenario: the validated scenario (default `Scenario()`, the calibrated county).
        rng: seed (or numpy Generator) for every random draw in the run.
        scenario_dir: folder that relative paths in the scenario (a network file) are
            read from; defaults to the working directory.
        seed: an integer seed, used instead of `rng` when given (Mesa's older keyword,
            which benchmarks/throughput.py passes).
        max_residents: most residents a network file may hold (default: the scenario
            type's cap); the browser view passes its own, lower one.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        rng: int | np.random.Generator | None = 0,
        *,
        scenario_dir: str | Path | None = None,
        seed: int | None = None,
        max_residents: int | None = None,
    ) -> None:
        super().__init__(rng=rng if seed is None else seed)
        # Births, deaths, migration and jobs draw from their own stream, spawned from the
        # model's seed: the population evolves alike under every mix run with the same
        # seed (common random numbers), whatever the disputes draw from `rng`. Each of its
        # draws is made for rows that do not depend on the disputes (`simulation.draws.
        # draw_rows` over every row, or every row due), so it stays in step between mixes.
        # Who turns 60 in a week can differ (a party to an open dispute stays instead of
        # leaving, so its row is not renewed), so the draws at retirement (a pension, spare
        # hours) have a stream of their own, whose count may then differ freely.
        population_seq, retirement_seq = self.rng.bit_generator.seed_seq.spawn(2)
        self.population_rng = np.random.default_rng(population_seq)
        self.retirement_rng = np.random.default_rng(retirement_seq)
        # The scenario as given, and `params`: the same with the ladder parameters and
        # budget that ramps move put at their values in force this week (see
        # `follow_ramps`). Everything reads parameters from `params`.
        self.base_scenario = scenario if scenario is not None else Scenario()
        self.params = self.base_scenario
        self._ramped_values: dict[str, float] = {}
        self.week = 0
        self.follow_ramps()
        p = self.params
        # Set-up and any warm-up run with the warm-up's levers (`run.warmup_levers`).
        self._warmup_lever = (status_quo_levers() if p.run.warmup_weeks
                              and p.run.warmup_levers == "status_quo" else levers_at(p, 0))
        self.lever = self._warmup_lever
        self.shock = shocks_at(p, 0)

        # --- structure and residents
        grid_of = None
        tie_edges = None
        if p.network.generator == "file":
            assert p.network.file is not None
            path = Path(scenario_dir or ".") / p.network.file
            # Messages name the file as the scenario does, never by a server-side folder.
            n_file, tie_edges, grid_of = read_tie_file(path, shown=p.network.file,
                                                       max_residents=max_residents)
            if grid_of is None:
                grid_of = np.arange(n_file) // p.population.residents_per_grid
        self.territory = build_territory(p, grid_of)
        self.residents = build_residents(p, self.territory, self.rng)
        n = len(self.residents)
        self.n_residents = n
        if tie_edges is not None:
            self.network: MultilayerNetwork = ties_from_edges(n, tie_edges)
        else:
            net = p.network
            self.network = small_world_ties(
                self.territory, net.ties_urban, net.ties_rural, net.rewiring,
                net.cross_grid_share, self.rng,
            )
        # Residents and volunteers as Mesa agents are handles onto rows, made when something
        # lists the model's agents (see `agents`): the weekly rules work on the columns.
        self._resident_handles: list[Resident] | None = None
        self.volunteer_handles: dict[int, Volunteer] = {}
        # 1 + party mobilisation per resident, and what it was computed for (see
        # `simulation.agents.volunteer.mobilisation_lift`).
        self.mobilisation_lift_for: tuple[tuple, np.ndarray] | None = None

        # --- institutional actors
        terr = self.territory
        self.grid_population = terr.grid_size.astype(np.int64)
        self.town_population = np.bincount(terr.town_of_grid, weights=terr.grid_size,
                                           minlength=terr.n_towns).astype(np.int64)
        # Each grid's multiplier on the dispute-side lever effects in its town, and the
        # elasticity it was computed for (`grid_lever_reach`).
        self._grid_reach = np.ones(terr.n_grids)
        self._reach_for: float | None = None
        # Each resident's town, as the index type np.bincount works in (rows keep their
        # grid for the whole run: newcomers take rows over where they are).
        self.town_of_resident = terr.town_of_grid[self.residents.grid].astype(np.intp)
        priorities = self.rng.random(terr.n_grids)
        self.party_cells = [PartyCell(self, g) for g in range(terr.n_grids)]
        # Grids in the order their cells switch on (lowest priority draw first), so a ramp
        # of cell_coverage adds cells rather than reshuffling them.
        self._cell_order = np.argsort(priorities, kind="stable")
        self.town_offices = [Government(self, Role.TOWN_OFFICE, t) for t in range(terr.n_towns)]
        self.county_centre = Government(self, Role.COUNTY_CENTRE)
        self.court = Government(self, Role.COURT)
        self.social_organisations = [
            SocialOrganisation(self) for _ in range(p.ladder.social_organisations)
        ]
        self.petition_office = Government(self, Role.PETITION_OFFICE)
        self.cell_active = np.zeros(terr.n_grids, dtype=bool)
        # How many cells `_activate_party_cells` last made active, and the flags it left.
        self._cells_activated: tuple[int, bytes] | None = None
        self._build_service_layer()
        self._activate_party_cells()
        self._build_coordination_layer()  # also when no cell is active yet
        # Spare time, and the first volunteers among those who have it.
        self.spare_hours = np.zeros(n)
        volunteering.place_initial_volunteers(self)
        # Each resident's share of ties who volunteer, followed as volunteers come and go.
        self.volunteer_ties = FlaggedTieShare(self.network, self.residents.volunteer)

        # --- disputes, ladder, bookkeeping
        self.disputes = DisputePool(capacity=max(1024, n // 4))
        self.ladder = HandlingLadder(self)
        self.detection_coverage = np.zeros(terr.n_grids)
        self.volunteers_per_grid = np.zeros(terr.n_grids)
        self.deprivation = np.zeros(n)
        # `deprivation.max()`, and the array it was taken of (`_deprivation_max`).
        self._deprivation_max_value = 0.0
        self._deprivation_max_of: np.ndarray | None = None
        # Work arrays of the weekly updates (see `learn_norms_and_trust`).
        self._learning_state = np.empty((n, 3))
        self._work = np.empty((2, n))
        self.poorest = np.zeros(n, dtype=bool)  # the poorest 40% by income
        # Each resident's share of the week's services, and the (targeted share, offline
        # reach) it was computed for: it changes only with those levers or with incomes.
        self._service_shares = np.zeros(n)
        self._service_shares_total = 1.0
        self._shares_for: tuple[float, float] | None = None
        self.case_costs_this_week = 0.0
        self.lever_costs_this_week = 0.0
        # The week's lever cost, and the (parameters, levers) it was worked out for.
        self._lever_cost = 0.0
        self._levers_paid_for: tuple[Scenario, dict[str, float]] | None = None
        self.services_this_week = 0.0
        self._restart_totals()
        type_shares = np.array([getattr(p.disputes, f) for f in DISPUTE_SHARE_FIELDS])
        type_shares = type_shares / type_shares.sum()
        # Cumulative type weights for each (rural, migrant) pair, row 2 × rural + migrant
        # (see `_draw_types`).
        w = np.tile(type_shares, (2, 2, 1))
        w[1, :, DisputeType.PROPERTY_LAND] *= 2
        w[:, 1, DisputeType.LABOUR_WAGES] *= 2
        self._type_cumulative = np.cumsum(w, axis=2).reshape(4, len(DisputeType))
        budget_year = p.budget.per_resident_year
        lever_year = lever_cost_per_week(p, self.lever, 52)
        # 低保 and the means test (simulation.welfare): the income shock in force, the share
        # of 低保 due that the budget paid this week, and the targeting achieved.
        # Assisted access (simulation.assisted): who is helped online now.
        self.assistance_rank = assistance_rank(self.residents)
        self.assisted = np.zeros(n, dtype=bool)
        self.online = self.residents.digital.copy()  # digital access or assisted
        self.assisted_for = -1.0  # the lever value the assisted set was last made for
        # Ageing and migration (simulation.demography): whether groups changed since the
        # last means-test review.
        self.demography_changed = False
        self.income_shock_in_force: tuple[tuple[str, float], ...] = ()
        self.dibao_paid_share = 1.0
        # Pensions as paid this week (grown with the area's incomes, `update_incomes`):
        # what separates income before transfers from income.
        self.pension_in_payment = self.residents.pension.copy()
        self.dibao_this_week = 0.0
        self.dibao_coverage = float("nan")
        self.dibao_inclusion = float("nan")
        start_welfare(self, max(0.0, budget_year - lever_year))
        self._update_detection()
        self.warming_up = False
        if p.run.warmup_weeks:
            self.warm_up(p.run.warmup_weeks)

        # The weekly record is Mesa's DataCollector, one column per value of the week's
        # snapshot (metrics.step_snapshot); `record` and `dataframe()` read it.
        self._snapshot = metrics.step_snapshot(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in self._snapshot}
        )
        self.datacollector.collect(self)
        # The running totals at the end of each week (index = week), whose differences
        # give any window's counts (see `simulation.metrics.outcomes_between`).
        self.tallies_by_week = [metrics.tallies(self, self._snapshot)]

    # ================================================================== the schedule

    def step(self) -> None:
        """One week, in the order of the ODD schedule.

        After `run.steps` weeks the model sets `running` to False, so Mesa's
        `model.run_model()` (which steps while `running`) stops there; calling `step()`
        again still runs a further week. Warm-up weeks (`warm_up`) are not recorded.
        """
        self.week += 1
        self.set_levers_and_shocks()
        self.pay_for_levers()
        self.learn_norms_and_trust()
        self.recruit_volunteers()
        self.arise_disputes()
        self.take_in_disputes()
        self.handle_disputes()
        self.run_out_of_patience()
        self.feed_back_endings()
        self.update_welfare()
        if self.warming_up:
            return
        self.collect()
        if self.week >= self.params.run.steps:
            self.running = False

    def warm_up(self, weeks: int) -> None:
        """Run `weeks` weeks before week 0, then start measuring afresh (spin-up).

        The warm-up weeks are numbered 1 − weeks … 0 and run without shocks, with the
        levers of `run.warmup_levers`: the status quo's (the calibrated county's own, so
        the scenario's policy starts at week 0: a pre-policy warm-up) or the scenario's in
        force at week 0 (before any ramp moves them). So the county reaches its own state
        (disputes open in the queues, trust and norms after learning) before the run.
        Every counter and tally then restarts from zero: outcomes never include warm-up
        weeks; the pool keeps its open disputes and residents keep their state.
        Initial-transient deletion (Law 2015, Simulation Modeling and Analysis, ch. 9).
        """
        self.warming_up = True
        self.week = -weeks
        for _ in range(weeks):
            self.step()
        self.warming_up = False
        self.week = 0
        self.follow_ramps()
        self.lever = levers_at(self.base_scenario, 0)
        self.shock = shocks_at(self.base_scenario, 0)
        self._restart_totals()
        self.ladder.reset_tallies()
        self.disputes.start_window()

    def _restart_totals(self) -> None:
        """The model's running totals from zero: at set-up and after the warm-up."""
        self.prevented = 0
        self.spent_total = 0.0
        self.lever_spent_total = 0.0
        self.case_spent_total = 0.0
        self.services_total = 0.0
        self.overspent_total = 0.0
        self.volunteer_hours_total = 0.0
        self.dibao_total = 0.0

    # ================================================================== phases

    def set_levers_and_shocks(self) -> None:
        """Levers in force this week (reform ramps) and the shocks that hit.

        In the warm-up (weeks up to 0) the levers are the warm-up's (`warm_up`) and no
        shock hits.
        """
        self.follow_ramps()
        self.lever = (self._warmup_lever if self.warming_up
                      else levers_at(self.base_scenario, max(self.week, 0)))
        self.shock = shocks_at(self.base_scenario, self.week) if self.week > 0 else NO_SHOCK
        self._activate_party_cells()
        self.case_costs_this_week = 0.0
        self.ladder.ended_this_week = []

    def follow_ramps(self) -> None:
        """Put the ramped ladder parameters and budget at their values this week.

        `params` is rebuilt only when a ramp changes a value (`simulation.levers.
        parameters_at`); the handlers read staffing, cases per staff, service times and
        success rates from it every week, so a centre can open mid-run.
        """
        values = parameters_at(self.base_scenario, max(self.week, 0))
        if values != self._ramped_values:
            self.params = with_parameters(self.base_scenario, values)
            self._ramped_values = values

    def grid_lever_reach(self) -> np.ndarray:
        """Each grid's multiplier on the effects of the dispute-side levers acting in its
        town: its town's implementation quality to the power
        `effects.implementation_elasticity`, over the county's mean
        (`simulation.places.lever_reach`); recomputed when a ramp moves the elasticity."""
        elasticity = self.params.effects.implementation_elasticity
        if elasticity != self._reach_for:
            terr = self.territory
            quality = (np.ones(terr.n_towns) if terr.town_quality is None
                       else terr.town_quality)
            town = lever_reach(quality, self.town_population.astype(np.float64), elasticity)
            self._grid_reach = town[terr.town_of_grid]
            self._reach_for = elasticity
        return self._grid_reach

    def param(self, path: str) -> float:
        """A parameter's value in force this week, by dotted path
        ("ladder.county_centre_staff_per_10000")."""
        value: object = self.params
        for part in path.split("."):
            value = getattr(value, part)
        return float(value)  # type: ignore[arg-type]

    def pay_for_levers(self) -> None:
        # Worked out again only when the levers or the parameters change (ramps).
        paid_for = (self.params, dict(self.lever))
        if (self._levers_paid_for is None or paid_for[0] is not self._levers_paid_for[0]
                or paid_for[1] != self._levers_paid_for[1]):
            self._lever_cost = lever_cost_per_week(self.params, self.lever, self.n_residents)
            self._levers_paid_for = paid_for
        self.lever_costs_this_week = self._lever_cost

    def learn_norms_and_trust(self) -> None:
        """德治 and social learning (see `simulation.trust.learn_norms_and_trust`)."""
        trust.learn_norms_and_trust(self)

    def recruit_volunteers(self) -> None:
        """自治 and 党建 (see `simulation.volunteering.recruit_volunteers`)."""
        volunteering.recruit_volunteers(self)

    def arising_hazard(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Each resident's chance this week of becoming the first party of a dispute.

        base_rate / 52 × dispute surge of the resident's groups × (1 + deprivation effect
        × relative deprivation + discontent / 2) × (1 − norm effect × norm) / (1 − norm
        effect / 2) × (1 − deterrence effect × enforcement × (0.5 + legal awareness / 2)).
        For the given rows only, or for every resident.
        """
        res, p, lv = self.residents, self.params, self.lever
        d = p.disputes

        def of(column: np.ndarray) -> np.ndarray:
            return column if rows is None else column[rows]

        surge: float | np.ndarray = self.shock.arising_multiplier.get("all", 1.0)
        for group, factor in self.shock.arising_multiplier.items():
            if group != "all":
                surge = surge * np.where(of(group_mask(res, group)), factor, 1.0)
        return (
            d.base_rate / WEEKS_PER_YEAR
            * surge
            * (1 + d.deprivation_effect * of(self.deprivation) + 0.5 * of(res.discontent))
            * (1 - d.norm_effect * of(res.norm)) / (1 - d.norm_effect * 0.5)
            * (1 - d.deterrence_effect * lv["enforcement"]
               * (0.5 + 0.5 * of(res.legal_awareness)))
        )

    def arising_bound(self) -> float:
        """An upper bound of `arising_hazard` over residents: each factor at its largest."""
        res, d, lv = self.residents, self.params.disputes, self.lever
        if self.n_residents == 0:
            return 0.0
        surge = self.shock.arising_multiplier.get("all", 1.0)
        for group, factor in self.shock.arising_multiplier.items():
            if group != "all":
                surge *= max(1.0, factor)
        return (
            d.base_rate / WEEKS_PER_YEAR
            * surge
            * (1 + d.deprivation_effect * self._deprivation_max()
               + 0.5 * float(res.discontent.max()))
            * (1 - d.norm_effect * float(res.norm.min())) / (1 - d.norm_effect * 0.5)
            * (1 - d.deterrence_effect * lv["enforcement"]
               * (0.5 + 0.5 * float(res.legal_awareness.min())))
        )

    def _deprivation_max(self) -> float:
        """The largest relative deprivation: computed once each time `_follow_income`
        makes the deprivation anew (it changes nowhere else)."""
        if self._deprivation_max_of is not self.deprivation:
            self._deprivation_max_value = float(self.deprivation.max())
            self._deprivation_max_of = self.deprivation
        return self._deprivation_max_value

    def arise_disputes(self) -> None:
        """New disputes arise; some are defused early; some are settled by the parties.

        Each resident becomes a party with the week's `arising_hazard` (drawn by thinning
        from `arising_bound`: `simulation.draws.draw_rows`). A candidate's risk is
        detected early with the grid's coverage (源头治理) and then defused with chance
        `prevention_effect`; the rest arise, and the parties settle some themselves (L0).
        """
        res, p = self.residents, self.params
        d = p.disputes
        party = draw_rows(self.rng, self.n_residents, self.arising_bound(),
                          self.arising_hazard)
        if len(party) == 0:
            return
        grid = res.grid[party]
        early = self.rng.random(len(party)) < self.detection_coverage[grid]
        defused = early & (self.rng.random(len(party)) < d.prevention_effect)
        self.prevented += int(defused.sum())
        party, grid, early = party[~defused], grid[~defused], early[~defused]
        if len(party) == 0:
            return
        kind = self._draw_types(party)
        severity = self._draw_severity(kind)
        other = self._draw_other_party(party, kind)
        ids = self.disputes.add(
            self.week, kind, severity, party, other, grid,
            self.ladder.new_patience(party), early,
        )
        self._count_open(party, other, +1)
        # L0: the parties settle it themselves.
        settle = self.rng.random(len(ids)) < settle_alone_probability(self, party, other,
                                                                      severity)
        for case in ids[settle].tolist():
            self.ladder.resolve(case, Level.L0)

    def take_in_disputes(self) -> None:
        """Intake and routing: `HandlingLadder.intake`."""
        self.ladder.intake()

    def handle_disputes(self) -> None:
        """Every handler works its queue for a week: `HandlingLadder.handle_week`."""
        self.ladder.handle_week()

    def run_out_of_patience(self) -> None:
        """Impatience: `HandlingLadder.run_out_of_patience`."""
        self.ladder.run_out_of_patience()

    def feed_back_endings(self) -> None:
        """Parties learn from how their disputes ended (see
        `simulation.trust.feed_back_endings`)."""
        ended = np.asarray(self.ladder.ended_this_week, dtype=np.int64)
        heard = word_of_mouth.hearing(self, ended) if len(ended) else None
        trust.feed_back_endings(self, heard)
        reporting.remember_endings(self, heard)  # remembered experience, for voice

    def update_welfare(self) -> None:
        """共享: incomes, dispute losses and public services (see `simulation.welfare`)."""
        update_welfare(self)

    def collect(self) -> None:
        self._snapshot = snapshot = metrics.step_snapshot(self)
        # What `DataCollector.collect` does with our reporters (each reads the snapshot),
        # without its deep copy of each value (they are numbers) nor its checks, which
        # were made at set-up: a tenth of the week's recording at 10,000 residents.
        columns = self.datacollector.model_vars
        for name, value in snapshot.items():
            columns[name].append(value)
        self.datacollector._collection_steps.append(self.time)
        self.tallies_by_week.append(metrics.tallies(self, snapshot))

    # ================================================================== Mesa's agent sets

    @property
    def agents(self) -> AgentSet:
        """Every agent, residents and volunteers included (see `sync_agent_handles`)."""
        self.sync_agent_handles()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], AgentSet]:
        self.sync_agent_handles()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self.sync_agent_handles()
        return super().agent_types

    def sync_agent_handles(self) -> None:
        """Make the residents' Mesa handles, and one `Volunteer` per volunteer now.

        A `Resident` only points at its row of the columns, and the weekly rules never
        list agents, so the handles are made the first time something lists them (Mesa's
        `agents`, `agents_by_type`, `agent_types`) and volunteers' handles are brought in
        step with the volunteer flags each time: a county of a million residents does not
        hold a million Python objects it never uses.
        """
        if "_resident_handles" not in self.__dict__:
            return  # Mesa asks before the residents exist
        if self._resident_handles is None:
            self._resident_handles = [Resident(self, row) for row in range(self.n_residents)]
        rows = set(np.flatnonzero(self.residents.volunteer).tolist())
        for row in [r for r in self.volunteer_handles if r not in rows]:
            self.volunteer_handles.pop(row).remove()
        for row in sorted(rows.difference(self.volunteer_handles)):
            self.volunteer_handles[row] = Volunteer(self, row)

    # ================================================================== helpers

    def _activate_party_cells(self) -> None:
        """Cells with the lowest priority draws are active, up to the coverage share."""
        n_active = round(self.lever["cell_coverage"] * len(self.party_cells))
        if (n_active, self.cell_active.tobytes()) == self._cells_activated:
            return  # the same cells as last time, and none switched since (most weeks)
        active = np.zeros(len(self.party_cells), dtype=bool)
        active[self._cell_order[:n_active]] = True
        changed = np.flatnonzero(active != self.cell_active)
        if len(changed):
            self.cell_active[:] = active
            for grid in changed.tolist():
                self.party_cells[grid].active = bool(active[grid])
            self._build_coordination_layer()
        self._cells_activated = (n_active, self.cell_active.tobytes())

    def _build_service_layer(self) -> None:
        """Service ties: each grid to its party cell, town office and the county centre."""
        g = self.network.service
        terr = self.territory
        for cell in self.party_cells:
            grid_node = ("grid", cell.grid)
            g.add_edge(grid_node, cell.unique_id)
            g.add_edge(grid_node, self.town_offices[terr.town_of_grid[cell.grid]].unique_id)
            g.add_edge(grid_node, self.county_centre.unique_id)
            g.add_edge(grid_node, self.court.unique_id)

    def _build_coordination_layer(self) -> None:
        """Coordination ties along which hand-offs are coordinated.

        Active party cells tie to their town office; town offices, social organisations,
        the county centre and the court are tied to each other (the one-stop centre's
        integration). Active cells also tie to the contracted social organisations, which
        take cases on their towns' behalf. Inactive cells have no tie: their grids'
        hand-offs are uncoordinated.
        """
        g = self.network.coordination
        g.clear()
        institutions: list[mesa.Agent] = [*self.town_offices, self.county_centre, self.court,
                                          *self.social_organisations]
        ids = [a.unique_id for a in institutions]
        g.add_nodes_from(ids)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                g.add_edge(a, b)
        for cell in self.party_cells:
            g.add_node(cell.unique_id)
            if cell.active:
                town = self.town_offices[self.territory.town_of_grid[cell.grid]]
                g.add_edge(cell.unique_id, town.unique_id)
                for org in self.social_organisations:
                    g.add_edge(cell.unique_id, org.unique_id)

    def _follow_income(self) -> None:
        """What depends on incomes alone, updated when they change (income shocks).

        Relative deprivation is each resident's shortfall of income below the grid's
        mean, as a share; the poorest 40% by income receive targeted transfers. The income
        measures are of disposable income, income plus the 低保 paid (NBS's 人均可支配收入
        counts net transfers), beside the Gini of income before pensions and 低保.
        """
        res = self.residents
        sums = np.bincount(res.grid, weights=res.income, minlength=self.territory.n_grids)
        mean = sums / np.maximum(self.grid_population, 1)
        mine = mean[res.grid]
        self.deprivation = np.maximum(0.0, mine - res.income) / np.maximum(mine, 1e-9)
        k = int(0.4 * (self.n_residents - 1))
        self.poorest = res.income <= np.partition(res.income, k)[k]
        disposable = res.income + res.dibao * self.dibao_paid_share
        market = np.maximum(res.income - self.pension_in_payment, 0.0)
        self.income_measures = metrics.income_measures(
            disposable, market, res.urban, self.params.welfare.poverty_line_share)
        self._shares_for = None  # the services shares follow the poorest: recompute them

    def _update_detection(self) -> None:
        """Early-detection coverage per grid from patrol hours and shared data.

        Grid workers patrol their declared hours and the share of the hours data
        integration frees that goes to patrol (`simulation.handling_time.grid_patrol_hours`).

        coverage = 1 − exp(−hours per resident / hours for detection), combined with the
        data-sharing alert rate, scaled by the grid's town's lever reach.
        """
        p, lv = self.params, self.lever
        res = self.residents
        vol = np.bincount(res.grid[res.volunteer], minlength=self.territory.n_grids).astype(float)
        self.volunteers_per_grid = vol  # the grids' volunteers this week (L1 capacity too)
        pop = np.maximum(self.grid_population, 1)
        hours = (vol * p.behaviour.volunteer_hours
                 + p.ladder.grid_workers_per_1000 * pop / 1000 * grid_patrol_hours(self))
        patrol = 1 - np.exp(-(hours / pop) / p.ladder.patrol_hours_for_detection)
        data = p.effects.data_sharing_detection * lv["data_sharing"] * lv["platform_coverage"]
        # Alerts are acted on as well as the town implements (`grid_lever_reach`).
        alerts = np.minimum(data * self.grid_lever_reach(), 1.0)
        self.detection_coverage = 1 - (1 - patrol) * (1 - alerts)

    def _draw_types(self, party: np.ndarray) -> np.ndarray:
        """Dispute type by the scenario's shares; land disputes twice as likely for rural
        residents and wage disputes twice as likely for migrants (assumed)."""
        res = self.residents
        cum = self._type_cumulative[2 * ~res.urban[party] + res.migrant[party]]
        u = self.rng.random(len(party)) * cum[:, -1]
        return (u[:, None] > cum).sum(axis=1).astype(np.int8)

    def _draw_severity(self, kind: np.ndarray) -> np.ndarray:
        """Severity in [0, 1]: Beta(2, 4) (mean 1/3), graver for land and wage disputes."""
        sev = self.rng.beta(2.0, 4.0, size=len(kind))
        grave = (kind == DisputeType.PROPERTY_LAND) | (kind == DisputeType.LABOUR_WAGES)
        return np.clip(sev + 0.15 * grave, 0.0, 1.0)

    def _draw_other_party(self, party: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """A tie neighbour for disputes between residents; -1 (firm or office) otherwise.

        The neighbour is drawn uniformly from the party's ties (none: -1).
        """
        other = np.full(len(party), -1, dtype=np.int32)
        adj = self.network.adjacency
        start, end = adj.indptr[party], adj.indptr[party + 1]
        chosen = (IS_RESIDENT_VS_RESIDENT[kind] & (end > start)).nonzero()[0]
        if len(chosen):
            pick = start[chosen] + self.rng.integers(end[chosen] - start[chosen])
            other[chosen] = adj.indices[pick]
        return other

    def _count_open(self, party: np.ndarray, other: np.ndarray, delta: int) -> None:
        np.add.at(self.residents.open_disputes, party, delta)
        o = other[other >= 0]
        np.add.at(self.residents.open_disputes, o, delta)

    # ================================================================== results

    def summary(self) -> dict[str, float]:
        """Every outcome for the run so far (see `simulation.metrics.summary`)."""
        return metrics.summary(self)

    def yearly(self) -> pd.DataFrame:
        """Every windowed outcome year by year, one row per year of the run (the last
        may be part of a year): see `simulation.metrics.yearly`."""
        import pandas as pd

        return pd.DataFrame(metrics.yearly(self)).set_index("year")

    @property
    def record(self) -> WeeklyRecord:
        """The weekly record, week by week: `record[w]` is week w's values by name (week 0
        is the county as built). A view of the DataCollector, which holds the values."""
        return WeeklyRecord(self.datacollector.model_vars)

    def dataframe(self) -> pd.DataFrame:
        """The weekly record as a pandas DataFrame indexed by week."""
        return self.datacollector.get_model_vars_dataframe().set_index("week")


class WeeklyRecord(Sequence[dict[str, float]]):
    """The DataCollector's columns read as one mapping per week (nothing is copied until
    a week is asked for)."""

    def __init__(self, columns: dict[str, list[float]]) -> None:
        self._columns = columns
        self._weeks = len(columns["week"])

    def __len__(self) -> int:
        return self._weeks

    @overload
    def __getitem__(self, week: int) -> dict[str, float]: ...

    @overload
    def __getitem__(self, weeks: slice) -> list[dict[str, float]]: ...

    def __getitem__(self, week: int | slice) -> dict[str, float] | list[dict[str, float]]:
        if isinstance(week, slice):
            return [self[w] for w in range(*week.indices(self._weeks))]
        return {name: values[week] for name, values in self._columns.items()}


def _reporter(name: str) -> Callable[[CoGovernanceModel], float]:
    def report(model: CoGovernanceModel) -> float:
        return model._snapshot[name]

    report.__name__ = name
    return report


__all__ = ["CoGovernanceModel", "Stage"]
