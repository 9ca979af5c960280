"""What an ending leaves with the parties: its experience quality, and whether an
agreement holds.

Experience quality q in [0, 1] is what a party takes away from the way its dispute ended
(procedural justice, Tyler 2006; expectancy disconfirmation, Van Ryzin 2006): a weighted
mean of the outcome, of being heard, of timeliness and of fairness. Trust and the
`satisfaction` outcome follow q (see `simulation.trust.feed_back_endings` and
docs/ODD.md §3.4.6). Relapse depends on whether an agreement can be enforced, not on the
rung that reached it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulation.disputes import Level
from simulation.queueing import DAYS_PER_WEEK

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


def experience_quality(model: CoGovernanceModel, case: int, *, resolved: bool,
                       fair: float = 1.0) -> float:
    """Experience quality q of an ending, the same for both parties.

    q = (w_o·outcome + w_v·heard + w_s·timely + w_f·fair) / (w_o + w_v + w_s + w_f)

    - outcome: 1 if the dispute is resolved (the agreement holds), else 0;
    - heard: 1 if a handler worked on the case (it has cost something) or the parties
      settled it themselves (L0), else 0 (it waited and was never taken up);
    - timely: clip(1 − days / (7·m·patience), 0, 1), days from intake to the ending
      (as `days_to_resolution_*` count them; from arising for a dispute the ladder never
      took in: settled by the parties, lumped), the party's own patience (weeks) and m =
      `behaviour.timely_patience_multiple`;
    - fair: 1, or less as the caller says (a court ruling: `behaviour.ruling_fairness`,
      the chance of being on the winning side as each party sees it in advance).
    """
    pool, beh = model.disputes, model.params.behaviour
    # int(): an IntEnum compared with a numpy scalar costs a microsecond, with an int
    # a tenth of that (the ladder asks for every ending).
    heard = 1.0 if (pool.cost[case] > 0 or int(pool.level[case]) == Level.L0) else 0.0
    elapsed = handling_days(model, case)
    horizon = DAYS_PER_WEEK * beh.timely_patience_multiple * float(pool.patience[case])
    timely = 1.0 if elapsed <= 0 else (max(0.0, 1.0 - elapsed / horizon) if horizon > 0
                                       else 0.0)
    w_o, w_v, w_s, w_f = (beh.weight_outcome, beh.weight_voice, beh.weight_speed,
                          beh.weight_fair)
    # sum(), not +: Python's sum of floats compensates rounding (Neumaier).
    total = sum((w_o, w_v, w_s, w_f))
    if total <= 0:
        return 0.0
    outcome = 1.0 if resolved else 0.0
    return sum((w_o * outcome, w_v * heard, w_s * timely, w_f * fair)) / total


def handling_days(model: CoGovernanceModel, case: int) -> float:
    """Days from the case's intake to today's ending (`HandlingLadder.today`), or from
    the day it arose if the ladder never took it in."""
    pool = model.disputes
    start = pool.intake_day[case]
    if math.isnan(start):  # of one value: math's, not numpy's ufunc
        start = pool.arose_day[case]
    return float(model.ladder.today() - start)


def enforceability(model: CoGovernanceModel, level: Level) -> float:
    """How far an agreement reached at `level` can be enforced (0-1).

    Court rulings and court mediation documents (调解书) are enforceable (1); mediation
    agreements at L1-L2 are enforceable once judicially confirmed (司法确认), which
    needs mediation-litigation linkage: `disputes.judicial_confirmation × court_linkage`;
    agreements the parties reach alone (L0) are not (0).
    """
    if level == Level.L3:
        return 1.0
    if level == Level.L0:
        return 0.0
    return model.params.disputes.judicial_confirmation * model.lever["court_linkage"]


def relapse_probability(model: CoGovernanceModel, level: Level, norm: float) -> float:
    """Chance an agreement or ruling is broken.

    relapse_base × (1 − enforceability × enforcement_relapse × enforcement) × (1.5 − norm),
    norm the parties' mean internal norm.
    """
    p = model.params
    e = enforceability(model, level)
    return (p.disputes.relapse_base
            * (1 - e * p.effects.enforcement_relapse * model.lever["enforcement"])
            * (1.5 - norm))
