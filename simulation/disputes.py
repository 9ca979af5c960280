"""Disputes (矛盾纠纷) as events in a columnar pool.

A dispute is not an agent: it is a row in a set of numpy columns owned by the model. Only
open rows are touched each step, so the cost of the dispute phases follows the number of
disputes, not the population. Every dispute ends exactly once, in one `Outcome`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

import numpy as np


class DisputeType(IntEnum):
    """The kinds of dispute the seed articles name."""

    NEIGHBOUR_FAMILY = 0  # 邻里、婚姻家庭
    PROPERTY_LAND = 1  # 房产、土地
    LABOUR_WAGES = 2  # 劳动、欠薪
    CONSUMER_MARKET = 3  # 消费、市场
    PUBLIC_SERVICE = 4  # 民生诉求 (the other party is the government)


class Level(IntEnum):
    """Rungs of the handling ladder."""

    L0 = 0  # the parties settle it themselves
    L1 = 1  # grid / community: volunteers, grid workers, party cell, resident council
    L2 = 2  # town mediation, social organisations, county one-stop centre
    L3 = 3  # formal law: arbitration, litigation, court-entrusted mediation
    PETITION = 4  # the petition office (信访): outside the ladder, handles petitions


class HandlerKind(IntEnum):
    """Which kind of handler last worked on a dispute (NONE: never taken up)."""

    NONE = 0
    PARTY_CELL = 1  # the grid's mediation convened by its party cell (L1)
    TOWN_OFFICE = 2  # town mediation (L2)
    SOCIAL_ORGANISATION = 3  # contracted social organisation (L2)
    COUNTY_CENTRE = 4  # county one-stop centre (L2)
    ENTRUSTED = 5  # court-entrusted mediation (L3)
    COURT = 6  # litigation (L3)
    PETITION_OFFICE = 7  # the petition office


class Stage(IntEnum):
    """Where an open dispute is now."""

    AWAITING_INTAKE = 0  # not yet reported or detected
    QUEUED = 1  # waiting in a handler's queue (or in a hand-off on the way to it)
    IN_SERVICE = 2  # being mediated or tried
    ENDED = 3


class Outcome(IntEnum):
    """How a dispute ended; exactly one per dispute."""

    OPEN = 0
    RESOLVED = 1  # an agreement or ruling that holds
    RELAPSED = 2  # an agreement that was not kept (a follow-up dispute arises)
    ABANDONED = 3  # the party gave up
    ESCALATED = 4  # the party petitioned (信访/上访): the dispute left the ladder upward
    LUMPED = 5  # never brought forward nor found: the party endured it (not a ladder failure)
    CLOSED_UNRESOLVED = 6  # recorded as resolved by the handler, the grievance not met


# Endings in which the party's grievance was left unmet outside a ruling or agreement.
UNRESOLVED_EXITS = (Outcome.ABANDONED, Outcome.ESCALATED, Outcome.LUMPED,
                    Outcome.CLOSED_UNRESOLVED)

# Each outcome's value and its name in the counts (`DisputePool.counts`): "resolved", ...
_OUTCOME_NAMES = tuple((int(o), o.name.lower()) for o in Outcome)


# Types whose other party is a resident (a tie neighbour); the rest face a firm or office.
RESIDENT_VS_RESIDENT = (DisputeType.NEIGHBOUR_FAMILY, DisputeType.PROPERTY_LAND)
# The same as a lookup table by type, for arrays of kinds: IS_RESIDENT_VS_RESIDENT[kind].
IS_RESIDENT_VS_RESIDENT = np.isin(np.arange(len(DisputeType)), RESIDENT_VS_RESIDENT)


class DisputePool:
    """Columns of every dispute that has arisen in a run, open or ended.

    Columns grow by doubling. `open_ids` lists the rows still open, in order of arising.
    """

    _COLUMNS: ClassVar[dict[str, tuple[type, object]]] = {
        "kind": (np.int8, 0),
        "severity": (np.float64, 0),
        "party": (np.int32, -1),
        "other": (np.int32, -1),  # -1: a firm, a market or a government office
        "grid": (np.int32, -1),
        "arose": (np.int32, -1),  # week
        "ended": (np.int32, -1),  # week
        # Days are continuous: week w spans days [7 (w - 1), 7 w), so week 1 starts at day
        # 0 and the warm-up's days are negative.
        "arose_day": (np.float64, np.nan),  # day it arose
        "intake_day": (np.float64, np.nan),  # day it was taken up by the ladder
        "ended_day": (np.float64, np.nan),  # day it ended
        "waited_days": (np.float64, 0),  # days spent waiting on the ladder, not worked on
        "heard": (np.bool_, False),  # a handler worked on it (the party was heard)
        "handler_kind": (np.int8, 0),  # HandlerKind of the last handler that worked on it
        "petitions": (np.int8, 0),  # petitions lodged for this dispute
        "stage": (np.int8, 0),
        "level": (np.int8, 0),  # current rung (or the rung it ended at)
        "outcome": (np.int8, 0),
        "patience": (np.float64, 0),  # weeks the party will wait in the ladder
        "waited": (np.float64, 0),  # weeks spent waiting so far
        "handoffs": (np.int8, 0),
        "cost": (np.float64, 0),  # public cost spent on this dispute, yuan
        "satisfaction": (np.float64, np.nan),
        "early": (np.bool_, False),  # risk detected early by patrol or data (源头治理)
        "parent": (np.int32, -1),  # the relapsed dispute this one follows up
        "departments": (np.int8, 0),  # government departments it needs (0: not yet known)
        "trips": (np.int16, 0),  # visits and hand-offs the party made in person
        "pre_litigation": (np.bool_, False),  # headed for court, mediated at the centre first
    }

    # The columns of _COLUMNS, one array each (declared for the type checker).
    kind: np.ndarray
    severity: np.ndarray
    party: np.ndarray
    other: np.ndarray
    grid: np.ndarray
    arose: np.ndarray
    ended: np.ndarray
    arose_day: np.ndarray
    intake_day: np.ndarray
    ended_day: np.ndarray
    waited_days: np.ndarray
    heard: np.ndarray
    handler_kind: np.ndarray
    petitions: np.ndarray
    stage: np.ndarray
    level: np.ndarray
    outcome: np.ndarray
    patience: np.ndarray
    waited: np.ndarray
    handoffs: np.ndarray
    cost: np.ndarray
    satisfaction: np.ndarray
    early: np.ndarray
    parent: np.ndarray
    departments: np.ndarray
    trips: np.ndarray
    pre_litigation: np.ndarray

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._cap = max(16, capacity)
        for name, (dtype, fill) in self._COLUMNS.items():
            setattr(self, name, np.full(self._cap, fill, dtype=dtype))
        self._open: list[int] = []
        self._open_ids: np.ndarray | None = None  # `_open` as an array, until it changes
        self.ended_by_outcome = np.zeros(len(Outcome), dtype=np.int64)
        self.resolved_by_level = np.zeros(len(Level), dtype=np.int64)
        self.first_id = 0  # the first dispute of the measured run (after the warm-up)
        self._open_at_start = 0  # disputes open when measuring started

    # ------------------------------------------------------------------ growth

    def _grow(self, need: int) -> None:
        cap = self._cap
        while cap < need:
            cap *= 2
        for name, (dtype, fill) in self._COLUMNS.items():
            old = getattr(self, name)
            new: np.ndarray = np.full(cap, fill, dtype=dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)
        self._cap = cap

    def add(
        self,
        week: int,
        kind: np.ndarray,
        severity: np.ndarray,
        party: np.ndarray,
        other: np.ndarray,
        grid: np.ndarray,
        patience: np.ndarray,
        early: np.ndarray,
        parent: np.ndarray | None = None,
        arose_day: np.ndarray | None = None,
    ) -> np.ndarray:
        """Append new open disputes; returns their ids.

        `arose_day` is the continuous day each arose (default: the first day of `week`).
        """
        n = len(kind)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        if self.size + n > self._cap:
            self._grow(self.size + n)
        ids = np.arange(self.size, self.size + n)
        rows = slice(self.size, self.size + n)  # the ids, as a slice: cheaper to assign
        self.kind[rows] = kind
        self.severity[rows] = severity
        self.party[rows] = party
        self.other[rows] = other
        self.grid[rows] = grid
        self.arose[rows] = week
        self.arose_day[rows] = (week - 1) * 7.0 if arose_day is None else arose_day
        self.patience[rows] = patience
        self.early[rows] = early
        self.stage[rows] = Stage.AWAITING_INTAKE
        self.outcome[rows] = Outcome.OPEN
        if parent is not None:
            self.parent[rows] = parent
        self.size += n
        self._open.extend(ids.tolist())
        self._open_ids = None
        return ids

    # ------------------------------------------------------------------ queries

    @property
    def open_ids(self) -> np.ndarray:
        """Ids of open disputes, oldest first (read-only; disputes ended this week stay in
        it until `compact`). Made from the open list once each time the list changes: the
        week's phases ask for it five times."""
        if self._open_ids is None:
            self._open_ids = np.asarray(self._open, dtype=np.int64)
            self._open_ids.flags.writeable = False
        return self._open_ids

    def end(self, ids: np.ndarray | list[int], outcome: Outcome, week: int,
            day: float | None = None) -> None:
        """End disputes with one outcome on `day` (default: the first day of `week`).

        Ending an already ended dispute is a bug.
        """
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if (self.outcome[ids] != Outcome.OPEN).any():
            raise RuntimeError("a dispute cannot end twice")
        self.outcome[ids] = outcome
        self.stage[ids] = Stage.ENDED
        self.ended[ids] = week
        self.ended_day[ids] = (week - 1) * 7.0 if day is None else day
        # Running tallies, so that the weekly record does not rescan the whole pool.
        self.ended_by_outcome[outcome] += len(ids)
        if outcome == Outcome.RESOLVED:
            self.resolved_by_level += np.bincount(self.level[ids], minlength=len(Level))

    def end_one(self, case: int, outcome: Outcome, week: int,
                day: float | None = None) -> None:
        """`end` for a single dispute (the ladder ends them one at a time)."""
        if int(self.outcome[case]) != Outcome.OPEN:  # int(): see experience_quality
            raise RuntimeError("a dispute cannot end twice")
        self.outcome[case] = outcome
        self.stage[case] = Stage.ENDED
        self.ended[case] = week
        self.ended_day[case] = (week - 1) * 7.0 if day is None else day
        self.ended_by_outcome[outcome] += 1
        if outcome == Outcome.RESOLVED:
            self.resolved_by_level[self.level[case]] += 1

    def compact(self) -> None:
        """Drop ended disputes from the open list (called once a step)."""
        if self._open:
            arr = self.open_ids
            self._open = arr[self.outcome[arr] == Outcome.OPEN].tolist()
            self._open_ids = None

    def start_window(self) -> None:
        """Count from here (week 0 after a warm-up): tallies restart at zero, disputes
        still open stay open and count among `open`, not among those arisen."""
        self._open_at_start = int(self.size - self.ended_by_outcome.sum())
        self.first_id = self.size
        self.ended_by_outcome[:] = 0
        self.resolved_by_level[:] = 0

    def counts(self) -> dict[str, int]:
        """Numbers of disputes by outcome since measuring started (from the tallies):
        each ending, those arisen, and those open now."""
        c = self.ended_by_outcome.copy()
        arisen = self.size - self.first_id
        c[Outcome.OPEN] = arisen + self._open_at_start - c.sum()
        values = c.tolist()
        return {name: values[o] for o, name in _OUTCOME_NAMES} | {"arisen": int(arisen)}
