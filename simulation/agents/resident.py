"""Resident (居民): a light handle onto one row of the model's resident columns.

Residents' decisions about disputes are rules applied to many residents at once (numpy
over the rows concerned), so that a population of 10,000 steps in milliseconds:
settling alone (L0) and what to do when patience runs out (reporting: `simulation.reporting`).
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


class ResidentState(IntEnum):
    """What the browser view colours a resident by."""

    CALM = 0  # no open dispute
    IN_DISPUTE = 1  # at least one open dispute
    DISCONTENTED = 2  # no open dispute, but carries grievance from a bad experience


def logistic(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + e^−x), element by element."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def logistic_of(x: float) -> float:
    """`logistic` of one number, as a float: the same bits (numpy's exp, IEEE arithmetic)
    without the arrays (the ladder asks once per case)."""
    return 1.0 / (1.0 + float(np.exp(-float(x))))


@functools.lru_cache(maxsize=256)
def logit(p: float) -> float:
    """ln(p / (1 − p)) of a probability kept off 0 and 1. Remembered: it is taken of
    parameters (base rates), the same few values every week."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


class Resident(mesa.Agent):
    """A resident; its attributes are read from the model's columns by `row`."""

    model: CoGovernanceModel

    def __init__(self, model: CoGovernanceModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    def __getattr__(self, name: str) -> Any:  # e.g. resident.trust, resident.income
        model = self.__dict__.get("model")
        cols = model.residents if model is not None else None
        if cols is not None and hasattr(cols, name):
            return getattr(cols, name)[self.row]
        raise AttributeError(name)

    @property
    def state(self) -> ResidentState:
        return ResidentState(int(resident_states(self.model)[self.row]))


# ------------------------------------------------------------------ decisions (vectorised)


def resident_states(model: CoGovernanceModel) -> np.ndarray:
    """ResidentState of every resident."""
    res = model.residents
    state = np.where(res.discontent > 0.3, ResidentState.DISCONTENTED, ResidentState.CALM)
    return np.where(res.open_disputes > 0, ResidentState.IN_DISPUTE, state).astype(np.int8)


def settle_alone_probability(
    model: CoGovernanceModel, party: np.ndarray, other: np.ndarray, severity: np.ndarray
) -> np.ndarray:
    """Chance the parties settle a new dispute themselves (L0).

    Log-odds rise with the parties' internal norms and trust in each other (approximated
    by their trust and the tie between them: residents of one grid share village norms)
    and fall with severity. Disputes with a firm or office have only the party's side.
    """
    res = model.residents
    p = model.params
    has_other = other >= 0
    other_safe = np.where(has_other, other, party)
    norm = np.where(has_other, (res.norm[party] + res.norm[other_safe]) / 2, res.norm[party])
    trust = np.where(has_other, (res.trust[party] + res.trust[other_safe]) / 2, res.trust[party])
    same_grid = has_other & (res.grid[party] == res.grid[other_safe])
    x = (
        logit(p.ladder.l0_settle_base)
        + 2.0 * (norm - 0.5)
        + 1.0 * (trust - 0.5)
        + 0.5 * same_grid
        - p.effects.severity_success * (severity - 0.5)
    )
    return logistic(x)


def will_escalate(model: CoGovernanceModel, party: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Whether parties whose patience ran out petition (True) or give up (False).

    Epstein (2002): grievance G = hardship × (1 − legitimacy); a party acts when
    G − perceived deterrence > threshold T. Hardship here is the dispute's severity plus the
    party's carried discontent and relative deprivation; legitimacy is its trust;
    deterrence is `effects.enforcement_escalation × enforcement` when
    `disputes.enforcement_deters_petitions` is on, none otherwise (the default).
    """
    res = model.residents
    hardship = np.clip(severity + 0.5 * res.discontent[party]
                       + 0.5 * model.deprivation[party], 0, 2)
    grievance = hardship * (1.0 - res.trust[party])
    deterrence = 0.0
    if model.params.disputes.enforcement_deters_petitions:
        deterrence = model.params.effects.enforcement_escalation * model.lever["enforcement"]
    return grievance - deterrence > model.params.disputes.escalation_threshold


def grievance(model: CoGovernanceModel, party: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Epstein's grievance G = hardship × (1 − trust), as in `will_escalate`."""
    res = model.residents
    hardship = np.clip(severity + 0.5 * res.discontent[party]
                       + 0.5 * model.deprivation[party], 0, 2)
    return hardship * (1.0 - res.trust[party])


def draw_patience(model: CoGovernanceModel, party: np.ndarray) -> np.ndarray:
    """Weeks each party will wait: exponential, mean `patience_weeks × (0.5 + trust)`."""
    mean = model.params.disputes.patience_weeks * (0.5 + model.residents.trust[party])
    # rng.exponential(mean) draws mean × a standard exponential for each mean in turn:
    # the same numbers, without numpy's checks of an array of means (a few microseconds
    # a call; the ladder asks for one party at a time).
    return mean * model.rng.standard_exponential(np.shape(mean))
