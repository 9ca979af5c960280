"""Norms, trust and discontent: what residents learn each week and from their disputes.

The model's phases `learn_norms_and_trust` and `feed_back_endings` (docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    # In place, in work arrays, each update rearranged to as few passes over the county
    # as it takes (at a million residents a pass costs about a millisecond).
    state, w1, w2 = model._learning_state, model._work[0], model._work[1]
    state[:, 0] = res.norm
    state[:, 1] = res.trust
    np.multiply(res.discontent, 0.97, out=state[:, 2])  # discontent decays
    # Everyone learns from last week's state: the three neighbour means in one product.
    nb_norm, nb_trust, nb_disc = model.network.neighbour_mean(state).T
    pull = ef.campaign_norm_rate * lv["norm_campaigns"] + ef.credit_norm_rate * lv[
        "credit_system"]
    decay = p.behaviour.norm_decay
    # norm + a (N̄(norm) − norm) + pull (1 − norm) + decay (initial − norm)
    #   = (1 − a − pull − decay) norm + a N̄(norm) + decay initial + pull
    norm = res.norm
    np.multiply(norm, 1 - a - pull - decay, out=w1)
    np.multiply(nb_norm, a, out=w2)
    w1 += w2
    np.multiply(res.initial_norm, decay, out=w2)
    w1 += w2
    w1 += pull
    np.clip(w1, 0, 1, out=norm)
    # displayed = norm + c (1 − norm) = (1 − c) norm + c, c = credit_display × credit_system
    c = ef.credit_display * lv["credit_system"]
    np.multiply(norm, 1 - c, out=res.norm_displayed)
    res.norm_displayed += c

    # x += 0.02 (target − x), target = initial + g (1 − initial):
    #   x = 0.98 x + 0.02 (1 − g) initial + 0.02 g
    for x, initial, g in (
        (res.legal_awareness, res.initial_legal,
         ef.legal_awareness_gain * lv["legal_services"]),
        (res.participation, res.initial_participation,
         ef.councils_participation * lv["councils"]),
    ):
        x *= 0.98
        np.multiply(initial, 0.02 * (1 - g), out=w1)
        x += w1
        x += 0.02 * g

    # trust + a (N̄(trust) − trust) + r (initial − trust), eroded by 0.01 × discontent:
    #   [(1 − a − r) trust + a N̄(trust) + r initial] × (1 − 0.01 discontent)
    r = p.behaviour.trust_recovery
    trust = w1
    np.multiply(res.trust, 1 - a - r, out=trust)
    np.multiply(nb_trust, a, out=w2)
    trust += w2
    np.multiply(res.initial_trust, r, out=w2)
    trust += w2
    np.multiply(res.discontent, -0.01, out=w2)
    w2 += 1
    trust *= w2
    for group, drop in model.shock.trust_drop.items():
        mask = group_mask(res, group)
        trust[mask] *= 1 - drop
    np.clip(trust, 0, 1, out=res.trust)
    # discontent: d + a (N̄(d) − d), d = 0.97 × discontent
    #   = (1 − a) 0.97 discontent + a N̄(d)
    res.discontent *= (1 - a) * 0.97
    np.multiply(nb_disc, a, out=w2)
    res.discontent += w2


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
