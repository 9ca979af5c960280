"""Who hears of the week's endings on the ladder: the parties and their tie neighbours.

Trust (`simulation.trust.feed_back_endings`) and remembered experience
(`simulation.reporting.remember_endings`) both move each party towards the ending's
experience quality q and each of its tie neighbours by `behaviour.vicarious_weight` of
that step (word of mouth: Rosenbaum, Schuck, Costello, Hawkins & Ring 2005, Police
Quarterly 8:343). Both spread over the same people with the same q, so the spread is
worked out once a week (`hearing`) and each update reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.disputes import Level

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


@dataclass(frozen=True)
class Hearing:
    """The week's endings on the ladder as heard: one entry per party, then one per tie
    neighbour of each party, in that order.

    `touched` are the residents reached (ascending, each once) and `slot` each entry's
    index into `touched`; `quality` is each entry's q and `weight` 1 for a party,
    `vicarious_weight` for a neighbour; `parties` is the number of party entries.
    """

    touched: np.ndarray
    slot: np.ndarray
    quality: np.ndarray
    weight: np.ndarray
    parties: int


def hearing(model: CoGovernanceModel, ended: np.ndarray) -> Hearing | None:
    """Who hears of the disputes `ended` (ids) that ended on the ladder (not at L0): each
    resident party (first parties, then second parties) and its tie neighbours. None if
    no resident party ended on the ladder."""
    pool = model.disputes
    ended = ended[pool.level[ended] != Level.L0]
    who = np.concatenate([pool.party[ended], pool.other[ended]])
    q = np.concatenate([pool.satisfaction[ended]] * 2)
    keep = who >= 0
    who, q = who[keep], q[keep]
    if len(who) == 0:
        return None
    adj = model.network.adjacency
    start, end = adj.indptr[who], adj.indptr[who + 1]
    counts = end - start
    # Positions start..end−1 of every party, in one vector.
    offsets = np.arange(int(counts.sum())) - (counts.cumsum() - counts).repeat(counts)
    heard_by = adj.indices[start.repeat(counts) + offsets]
    weight = np.concatenate([np.ones(len(who)),
                             np.full(len(heard_by), model.params.behaviour.vicarious_weight)])
    everyone = np.concatenate([who, heard_by])
    # np.unique(everyone, return_inverse=True) in cheaper steps, the same arrays: the
    # distinct rows in order, and each entry's place among them.
    ordered = np.sort(everyone)
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    touched = ordered[first]
    slot = touched.searchsorted(everyone)
    return Hearing(touched, slot, np.concatenate([q, q.repeat(counts)]), weight, len(who))
