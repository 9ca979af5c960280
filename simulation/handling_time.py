"""How long a handler works on a case, in calendar days, and grid workers' free hours.

Each rung has a declared mean service time in days (`ladder.service_days_*`). The number
of servers a handler has comes from its staffing and the declared mean
(`base_service_days`); the time actually drawn for each case (`service_days`) is that
mean × every factor that speeds handling, so a faster handler finishes more cases with
the same staff. Two factors apply: data sharing between departments (online case
transfer, documents not collected twice) cuts the time by
`effects.data_sharing_service × data_sharing`, and rated handlers (接诉即办's ratings,
`simulation.accountability`) work faster by `effects.ratings_speed × ratings`.

Grid workers spend a share of their hours on forms and reporting (`ladder.grid_admin_share`);
data integration frees part of it (`freed_hours_share`). The freed hours are split by
`ladder.freed_hours_patrol`: that share goes to patrol and household visits, which find
grievances early (`grid_patrol_hours`), the rest to cases (`grid_case_hours_factor`).
Ordos reports form-filling time "greatly shortened" by data integration and grid workers
who "walk the grid" (人在格中走) (seed 004); Jiaxing's grid workers visit every household
and collect every request (走访连心全覆盖、问题诉求全收集, seed 001). The sizes are assumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.accountability import speed_factor
from simulation.disputes import Level

if TYPE_CHECKING:
    from simulation.model import CoGovernanceModel


# The ladder parameter holding each rung's declared mean service days.
_SERVICE_DAYS_OF = {Level.L1: "service_days_l1", Level.L2: "service_days_l2",
                    Level.L3: "service_days_l3", Level.PETITION: "service_days_petition"}


def base_service_days(model: CoGovernanceModel, level: Level) -> float:
    """The declared mean days one case at `level` takes a server (in force this week)."""
    return getattr(model.params.ladder, _SERVICE_DAYS_OF[level])


def service_days(model: CoGovernanceModel, level: Level, rated: bool = False) -> float:
    """Mean days a server spends on one case at `level`: the declared mean × the factors
    that speed handling. Every speed factor on service time is applied here.

    days = base × (1 − effects.data_sharing_service × data_sharing)
                × (1 − effects.ratings_speed × ratings)   for a rated handler
                  (`simulation.accountability.speed_factor`)
    """
    cut = model.params.effects.data_sharing_service * model.lever["data_sharing"]
    days = base_service_days(model, level) * max(0.0, 1.0 - cut)
    return days * speed_factor(model) if rated else days


def admin_burden(model: CoGovernanceModel) -> float:
    """Share of grid workers' hours on forms and reporting this week:
    grid_admin_share × (1 − data_sharing_admin × data_sharing × platform_coverage)."""
    lv = model.lever
    integration = model.params.effects.data_sharing_admin * lv["data_sharing"] * lv[
        "platform_coverage"]
    return model.params.ladder.grid_admin_share * (1.0 - integration)


def freed_hours_share(model: CoGovernanceModel) -> float:
    """Share of grid workers' hours data integration frees this week:
    grid_admin_share − burden."""
    return model.params.ladder.grid_admin_share - admin_burden(model)


def grid_case_hours_factor(model: CoGovernanceModel) -> float:
    """Grid workers' case hours relative to those with no data integration:
    (1 − grid_admin_share + (1 − freed_hours_patrol) × freed) / (1 − grid_admin_share).
    `ladder.grid_worker_cases` is the capacity at the full burden, so this is 1 without
    data sharing or platforms, and 1 whatever is freed if it all goes to patrol."""
    lad = model.params.ladder
    to_cases = (1.0 - lad.freed_hours_patrol) * freed_hours_share(model)
    return (1.0 - lad.grid_admin_share + to_cases) / max(1.0 - lad.grid_admin_share, 1e-9)


def grid_patrol_hours(model: CoGovernanceModel) -> float:
    """Hours a grid worker patrols and visits households a week:
    grid_worker_patrol_hours + freed_hours_patrol × freed × grid_worker_hours."""
    lad = model.params.ladder
    freed_hours = freed_hours_share(model) * lad.grid_worker_hours
    return lad.grid_worker_patrol_hours + lad.freed_hours_patrol * freed_hours
