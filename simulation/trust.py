"""Norms, trust and discontent: what residents learn each week and from their disputes.

The model's phases `learn_norms_and_trust` and `feed_back_endings` (docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from simulation.disputes import Outcome
from simulation.population import group_mask
from simulation.reporting import discontent_share

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.word_of_mouth import Hearing


def learn_norms_and_trust(model: CoGovernanceModel) -> None:
    """德治 and social learning: norms, legal awareness, participation and trust move.

    - internal norms move towards the neighbours' mean (social learning), towards 1
      under norm campaigns and, slowly, the credit system, and erode back towards their
      initial level (`norm_decay`);
    - displayed compliance exceeds internal norms under the credit system (false
      compliance);
    - legal awareness and participation approach targets raised by legal services and
      resident councils;
    - trust moves towards the neighbours' mean, recovers towards the resident's initial
      trust (its predisposition) at `trust_recovery`, is eroded by carried discontent,
      and falls under legitimacy shocks; discontent decays and spreads along ties.
    """
    res, p, lv, ef = model.residents, model.params, model.lever, model.params.effects
    a = p.behaviour.social_learning
    pull = ef.campaign_norm_rate * lv["norm_campaigns"] + ef.credit_norm_rate * lv[
        "credit_system"]
    decay = p.behaviour.norm_decay
    c = ef.credit_display * lv["credit_system"]
    g_legal = ef.legal_awareness_gain * lv["legal_services"]
    g_part = ef.councils_participation * lv["councils"]
    r = p.behaviour.trust_recovery
    shocked = bool(model.shock.trust_drop)
    adjacency = model.network.adjacency
    if adjacency.shape != (len(res), len(res)):  # compiled code does not check its indices
        raise ValueError(f"the tie network has {adjacency.shape[0]} rows for "
                         f"{len(res)} residents")
    # Every resident learns from last week's state; the week's trust goes to a work array
    # first when a legitimacy shock scales it before it is clipped.
    trust_out = model._work[0] if shocked else res.trust
    _learn_week(
        adjacency.indptr, adjacency.indices, adjacency.data,
        res.norm, res.initial_norm, res.norm_displayed, res.trust, res.initial_trust,
        res.discontent, res.legal_awareness, res.initial_legal, res.participation,
        res.initial_participation, model._learning_state, trust_out,
        a, 1 - a - pull - decay, decay, pull, 1 - c, c,
        0.02 * (1 - g_legal), 0.02 * g_legal, 0.02 * (1 - g_part), 0.02 * g_part,
        1 - a - r, r, (1 - a) * 0.97, not shocked)
    if shocked:
        for group, drop in model.shock.trust_drop.items():
            mask = group_mask(res, group)
            trust_out[mask] *= 1 - drop
        np.clip(trust_out, 0, 1, out=res.trust)


@numba.njit(cache=True, nogil=True)
def _learn_week(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
                norm: np.ndarray, initial_norm: np.ndarray, norm_displayed: np.ndarray,
                trust: np.ndarray, initial_trust: np.ndarray, discontent: np.ndarray,
                legal: np.ndarray, initial_legal: np.ndarray, participation: np.ndarray,
                initial_participation: np.ndarray, state: np.ndarray,
                trust_out: np.ndarray, a: float, k_norm: float, decay: float, pull: float,
                k_displayed: float, c: float, k_legal: float, c_legal: float,
                k_part: float, c_part: float, k_trust: float, r: float,
                k_discontent: float, clip_trust: bool) -> None:  # pragma: no cover
    """`learn_norms_and_trust`'s arithmetic, the same operations in the same order as the
    formulas in its docstring written with numpy (tests/test_trust.py checks the two bit
    for bit):

    1. last week's norm, trust and decayed discontent (0.97 × discontent) side by side in
       `state` (n × 3), so that a neighbour's three values are read together;
    2. for each resident, the tie means of the three, each added up along the row from 0
       as the sparse product adds them (the resident's own values if it has no ties), and
       then its update (a = social learning):
       norm ← clip((1 − a − pull − decay) norm + a N̄(norm) + decay initial + pull);
       displayed ← (1 − c) norm + c;
       legal awareness, participation ← 0.98 x + 0.02 (1 − g) initial + 0.02 g;
       trust ← [(1 − a − r) trust + a N̄(trust) + r initial] × (1 − 0.01 discontent),
       clipped to [0, 1] when `clip_trust` (else left in `trust_out` unclipped);
       discontent ← (1 − a) 0.97 discontent + a N̄(0.97 discontent).
       Neighbours are read from `state`, so updating a resident never changes what the
       residents after it learn from.
    """
    n = norm.shape[0]
    for i in range(n):
        state[i, 0] = norm[i]
        state[i, 1] = trust[i]
        state[i, 2] = discontent[i] * 0.97
    for i in range(n):
        lo, hi = indptr[i], indptr[i + 1]
        if lo == hi:
            nb_norm, nb_trust, nb_disc = state[i, 0], state[i, 1], state[i, 2]
        else:
            nb_norm = 0.0
            nb_trust = 0.0
            nb_disc = 0.0
            for k in range(lo, hi):
                j = indices[k]
                w = weights[k]
                nb_norm += w * state[j, 0]
                nb_trust += w * state[j, 1]
                nb_disc += w * state[j, 2]
        x = state[i, 0] * k_norm + nb_norm * a
        x = x + initial_norm[i] * decay
        x = x + pull
        x = min(max(x, 0.0), 1.0)
        norm[i] = x
        norm_displayed[i] = x * k_displayed + c
        legal[i] = (legal[i] * 0.98 + initial_legal[i] * k_legal) + c_legal
        participation[i] = (participation[i] * 0.98 + initial_participation[i] * k_part
                            ) + c_part
        d = discontent[i]
        t = state[i, 1] * k_trust + nb_trust * a
        t = (t + initial_trust[i] * r) * (d * -0.01 + 1.0)
        trust_out[i] = min(max(t, 0.0), 1.0) if clip_trust else t
        discontent[i] = d * k_discontent + nb_disc * a


def feed_back_endings(model: CoGovernanceModel, heard: Hearing | None) -> None:
    """Parties learn from how their disputes ended this week.

    Each resident party's trust moves towards the ending's experience quality q
    (`pool.satisfaction`, see `simulation.experience.experience_quality`): by
    `trust_rate_up × (q − trust)` when q is above its trust, by `trust_rate_down × (q −
    trust)` when below (negativity bias: Kampen, Van de Walle & Bouckaert 2006), summed
    over its endings this week; its tie neighbours hear of it and take `vicarious_weight`
    of that step each (vicarious experience: Rosenbaum, Schuck, Costello, Hawkins & Ring
    2005, Police Quarterly 8:343). Endings the parties reached alone (L0, held or broken)
    involve no institution and leave trust as it is. A resolution halves the parties'
    discontent; any other ending adds the dispute's severity to it, which then spreads to
    neighbours (see `learn_norms_and_trust`; cf. Epstein 2002).

    `heard`: who hears of the week's endings (`simulation.word_of_mouth.hearing`).
    """
    ended = np.asarray(model.ladder.ended_this_week, dtype=np.int64)
    model.disputes.compact()
    if len(ended) == 0:
        return
    pool, res, beh = model.disputes, model.residents, model.params.behaviour
    parties = np.concatenate([pool.party[ended], pool.other[ended]])
    outcome = np.concatenate([pool.outcome[ended]] * 2)
    severity = np.concatenate([pool.severity[ended]] * 2)
    keep = parties >= 0
    parties, outcome, severity = parties[keep], outcome[keep], severity[keep]
    good = outcome == Outcome.RESOLVED
    # Everyone else's trust is unchanged: sums over the parties touched this week only
    # (`heard`: the parties of endings on the ladder and their tie neighbours).
    if heard is not None:
        touched, slot = heard.touched, heard.slot
        before = res.trust[touched]
        gap = heard.quality - before[slot]
        rate = np.where(gap > 0, beh.trust_rate_up, beh.trust_rate_down)
        # Each touched resident's steps added in order, as np.add.at into zeros adds them.
        step = np.bincount(slot, weights=heard.weight * rate * gap, minlength=len(touched))
        res.trust[touched] = np.clip(before + step, 0, 1)
    res.discontent[parties[good]] *= 0.5
    # A lumped grievance leaves less than a failure (simulation.reporting).
    np.add.at(res.discontent, parties[~good],
              severity[~good] * discontent_share(model, outcome[~good]))
    model._count_open(pool.party[ended], pool.other[ended], -1)
