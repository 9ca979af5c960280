"""Volunteering: residents join or quit each week; early detection follows.

The model's phase `recruit_volunteers` (docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.agents.volunteer import update_volunteers

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


def recruit_volunteers(model: CoGovernanceModel) -> None:
    """自治 and 党建: residents join or quit volunteering; early detection follows."""
    update_volunteers(model)
    model._update_detection()
    n_vol = np.count_nonzero(model.residents.volunteer)
    model.volunteer_hours_total += n_vol * model.params.behaviour.volunteer_hours
