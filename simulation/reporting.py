"""Voice: grievances found, brought forward, or endured (lumped).

A dispute the parties do not settle alone (L0) is a grievance whether or not anyone
brings it forward. Each week an unreported grievance enters the ladder if it is *found*
(patrol or data alerts: proactive governance, 主动治理/未诉先办) or if its party *brings
it forward* through a channel it can use (voice); one neither found nor brought forward
within the party's patience is *lumped*: endured (Felstiner, Abel & Sarat 1980, "naming,
blaming, claiming"; the dispute pyramid of Miller & Sarat 1980; for China the dispute
pagoda of Michelson 2007, ASR 72:459). See docs/ODD.md §3.4.19.

    p_voice    = propensity × channel_access
    propensity = logistic(logit(report_base) + report_trust (trust − ½)
                          + report_legal (legal awareness − ½)
                          + report_severity (severity − ½)
                          + report_experience (experience − ½)
                          − ratings_discourage × ratings)
    channel_access = 1 − (1 − online)(1 − offline)
    online  = platform_intake × platform_coverage   (residents online: digital or assisted)
    offline = walk_in_intake × (0.3 + 0.7 offline_channels)

`experience` is each resident's remembered quality of past contacts with the ladder, own
and neighbours' (`remember_endings`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.resident import logistic, logit
from simulation.disputes import Outcome

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel
    from simulation.word_of_mouth import Hearing


def voice_propensity(model: CoGovernanceModel, party: np.ndarray,
                     severity: np.ndarray) -> np.ndarray:
    """Chance each party would bring its grievance forward given a channel (0-1)."""
    res, d = model.residents, model.params.disputes
    x = (logit(d.report_base)
         + d.report_trust * (res.trust[party] - 0.5)
         + d.report_legal * (res.legal_awareness[party] - 0.5)
         + d.report_severity * (severity - 0.5)
         + d.report_experience * (res.experience[party] - 0.5)
         - model.params.effects.ratings_discourage * model.lever["ratings"])
    return logistic(x)


def channel_chances(model: CoGovernanceModel, party: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Weekly chance each party reaches an official online (hotline/app) and offline
    (walking in), were it to try."""
    lv, ef = model.lever, model.params.effects
    online = np.where(model.online[party], ef.platform_intake * lv["platform_coverage"], 0.0)
    offline = np.full(len(party), ef.walk_in_intake * (0.3 + 0.7 * lv["offline_channels"]))
    return online, offline


def voice_chances(model: CoGovernanceModel, party: np.ndarray, severity: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Weekly chance of voice through the platform and by walking in.

    The two add up to p_voice = propensity × (1 − (1 − online)(1 − offline)), split in
    proportion to the two channels' chances.
    """
    online, offline = channel_chances(model, party)
    access = 1 - (1 - online) * (1 - offline)
    p_voice = voice_propensity(model, party, severity) * access
    either = online + offline
    share_online = np.divide(online, either, out=np.zeros(len(party)), where=either > 0)
    return p_voice * share_online, p_voice * (1 - share_online)


def report_probability(model: CoGovernanceModel, party: np.ndarray, grid: np.ndarray,
                       early: np.ndarray, severity: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly chance an open, unreported grievance enters the ladder, by route.

    Returns (patrol, platform, walk_in). Patrol (grid workers, volunteers and data
    alerts) finds it with chance `disputes.patrol_find_rate` × the grid's detection
    coverage (certainly if its risk was detected early): proactive governance,
    主动治理/未诉先办. Platform and walk-in are the party's voice (`voice_chances`;
    severity 0.5 if not given). The grievance enters with chance
    1 − (1 − patrol)(1 − platform − walk_in).
    """
    patrol = np.where(early, 1.0,
                      model.params.disputes.patrol_find_rate * model.detection_coverage[grid])
    if severity is None:
        severity = np.full(len(party), 0.5)
    platform, walk_in = voice_chances(model, party, severity)
    return patrol, platform, walk_in


def remember_endings(model: CoGovernanceModel, heard: Hearing | None) -> None:
    """Parties remember how their disputes ended on the ladder this week.

    Each resident party's `experience` moves towards the ending's experience quality q by
    `disputes.experience_rate × (q − experience)`, and each of its tie neighbours by
    `behaviour.vicarious_weight` of that step (word of mouth), summed over the week's
    endings. Endings off the ladder (settled alone, or lumped) leave it as it is.
    `heard`: who hears of the week's endings (`simulation.word_of_mouth.hearing`).
    """
    if heard is None:
        return
    res = model.residents
    touched, slot = heard.touched, heard.slot
    before = res.experience[touched]
    # Each touched resident's steps added in order, as np.add.at into zeros adds them.
    step = np.bincount(slot, weights=heard.weight * model.params.disputes.experience_rate
                       * (heard.quality - before[slot]), minlength=len(touched))
    res.experience[touched] = np.clip(before + step, 0, 1)


def discontent_share(model: CoGovernanceModel, outcome: np.ndarray) -> np.ndarray:
    """Share of its severity an unresolved ending adds to its parties' discontent: a
    lumped grievance `disputes.lumped_discontent`, any other 1."""
    return np.where(outcome == Outcome.LUMPED, model.params.disputes.lumped_discontent, 1.0)
