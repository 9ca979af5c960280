"""An optional record of every dispute's path up the ladder, week by week.

The dispute pool keeps where a dispute is now (stage, rung) and how it ended, not the way
it went. A `DisputeTrail` notes, each time `observe()` is called, every dispute whose place
changed since the last call: its stage, rung, handler and outcome. Whoever steps the model
calls `observe()` after each `model.step()`; the model does not know the trail exists, so
a run without one costs nothing and gives the same results (nothing here draws from
`model.rng` or changes the model). A trail started on a model that has already run (after
its warm-up, say) notes the disputes it finds where they stand then, with the week each
arose and, for those that ended, the week each ended.

Granularity is the week: a dispute handed from the grid to the town and on to court within
one week shows only where it stood at the week's end (its hand-off count says how many
hand-offs it took).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.disputes import Outcome, Stage

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


@dataclass(frozen=True)
class Place:
    """Where a dispute stood at the end of a week.

    `handler` names who holds the case: "party_cell" (with the grid as `index`),
    "town_office" (the town), "social_organisation" (its number), "county_centre",
    "court", "court_entrusted" (court-entrusted mediation), or "" when no handler holds it
    (not yet reported, or ended).
    """

    week: int
    stage: Stage
    level: int
    outcome: Outcome
    handler: str = ""
    index: int = -1


class DisputeTrail:
    """Each dispute's places, from the week it arose to the week it ended."""

    def __init__(self, model: CoGovernanceModel) -> None:
        self.model = model
        self.places: dict[int, list[Place]] = {}
        self._seen = 0  # pool rows noted so far
        self._open = np.empty(0, dtype=np.int64)  # noted rows still open
        self._state = np.empty((0, 3), dtype=np.int64)  # their last (stage, level, outcome)
        self.observe()

    def path(self, case: int) -> list[Place]:
        """The places of one dispute, oldest first (empty if it has not arisen)."""
        return list(self.places.get(int(case), ()))

    def observe(self) -> None:
        """Note every dispute that arose or moved since the last call."""
        pool = self.model.disputes
        new = np.arange(self._seen, pool.size, dtype=np.int64)
        self._seen = pool.size
        ids = np.concatenate([self._open, new])
        if len(ids) == 0:
            return
        state = np.column_stack([pool.stage[ids], pool.level[ids], pool.outcome[ids]])
        arising = Place(0, Stage.AWAITING_INTAKE, 0, Outcome.OPEN)
        for case in new.tolist():  # every path starts where the dispute arose
            self.places[case] = [Place(int(pool.arose[case]), arising.stage, 0, arising.outcome)]
        start = np.array([arising.stage, 0, arising.outcome], dtype=np.int64)
        before = np.concatenate([self._state, np.tile(start, (len(new), 1))])
        moved = np.flatnonzero((state != before).any(axis=1))
        week = self.model.week
        for row in moved.tolist():
            case = int(ids[row])
            stage, level, outcome = (int(v) for v in state[row])
            handler, index = holder_of(self.model, case)
            # An ending is dated by the pool: a trail started after a warm-up (or observed
            # less often than weekly) still puts it in the week it happened.
            when = int(self.model.disputes.ended[case]) if stage == Stage.ENDED else week
            self.places[case].append(
                Place(when, Stage(stage), level, Outcome(outcome), handler, index))
        still = state[:, 2] == Outcome.OPEN
        self._open, self._state = ids[still], state[still].astype(np.int64)


def holder_of(model: CoGovernanceModel, case: int) -> tuple[str, int]:
    """Who holds an open case now, as (kind, index) (see `Place`)."""
    handler = model.ladder.handler_of.get(case)
    if handler is None:
        return "", -1
    if handler is model.court:
        queue = model.ladder.queue_of.get(case)
        entrusted = queue is not None and queue is model.court.entrusted
        return ("court_entrusted" if entrusted else "court"), -1
    if handler is model.county_centre:
        return "county_centre", -1
    if handler is model.petition_office:
        return "petition_office", -1
    grid = getattr(handler, "grid", None)
    if grid is not None:
        return "party_cell", int(grid)
    if handler in model.town_offices:
        return "town_office", int(handler.town)
    return "social_organisation", model.social_organisations.index(handler)
