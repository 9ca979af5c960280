"""Accountability: handlers rated on response, resolution and satisfaction.

接诉即办's three rates (三率考评: 响应率、解决率、满意率, seed 004) rate the handlers that
work on residents' requests: here the rated handlers are those of L1 and L2 (the grid's
mediation, town offices, contracted social organisations, the county centre); courts and
the petition office are not rated. Ratings at intensity r (`levers.smart_governance.
ratings`):

- effort: success log-odds + `effects.ratings_effort` × r (`effort_log_odds`);
- speed: service time × (1 − `effects.ratings_speed` × r) (`speed_factor`);
- gaming (what is measured is gamed: Bevan & Hood 2006, Public Administration 84:517;
  Campbell's law): a share `effects.ratings_gaming` × r of the cases a rated handler
  would have failed or referred it closes unresolved instead (`closes_unresolved`): the
  administration records them as done, the party's grievance is not met; and rated
  handlers discourage requests (`simulation.reporting.voice_propensity`).

See docs/ODD.md §3.4.20.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.disputes import Level

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel

# The rungs whose handlers are rated.
RATED_LEVELS = (Level.L1, Level.L2)


def speed_factor(model: CoGovernanceModel) -> float:
    """Multiplier of a rated handler's service time: 1 − ratings_speed × ratings."""
    return 1.0 - model.params.effects.ratings_speed * model.lever["ratings"]


def effort_log_odds(model: CoGovernanceModel) -> float:
    """What ratings add to a rated handler's success log-odds: ratings_effort × ratings."""
    return model.params.effects.ratings_effort * model.lever["ratings"]


def gaming_share(model: CoGovernanceModel) -> float:
    """Share of its would-be failures and referrals a rated handler closes unresolved."""
    return model.params.effects.ratings_gaming * model.lever["ratings"]


def closes_unresolved(model: CoGovernanceModel, level: Level) -> bool:
    """Whether a rated handler closes a case it did not resolve instead of failing or
    referring it. Draws from the model's RNG only when there is gaming to draw."""
    if level not in RATED_LEVELS:
        return False
    share = gaming_share(model)
    return share > 0 and bool(model.rng.random() < share)
