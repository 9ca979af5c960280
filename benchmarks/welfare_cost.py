"""Cost per week of each welfare mechanism (simulation/welfare.py, simulation/assisted.py,
simulation/demography.py, simulation/employment.py).

Run: .venv/bin/python benchmarks/welfare_cost.py [RESIDENTS] [WEEKS]   (default 100000 52)

Times the whole weekly step of `default` (with assisted access at 0.5, so every mechanism
runs) and, inside it, the welfare functions: ageing and migration, employment shocks,
incomes (growth and dispute losses), the
means-test review (amortised over the weeks between reviews), assisted access and paying
out 低保 and services. The machine is shared: read the shares of the step, not the times.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import simulation.welfare as welfare
from simulation.model import CoGovernanceModel
from simulation.scenario import load_scenario, with_values

TIMED = ("age_and_move", "update_employment", "update_incomes", "review_means_test",
         "update_assisted", "pay_out")


def timed(spent: dict[str, float], name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t0
    return run


def main(residents: int = 100_000, weeks: int = 52) -> None:
    spent: dict[str, float] = defaultdict(float)
    for name in TIMED:
        setattr(welfare, name, timed(spent, name, getattr(welfare, name)))
    scenario = with_values(load_scenario("default"), {
        "population.residents": residents, "levers.smart_governance.assisted_access": 0.5})
    model = CoGovernanceModel(scenario, rng=1)
    spent.clear()
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    step = (time.perf_counter() - t0) / weeks
    print(f"{residents:,} residents, {weeks} weeks: {1000 * step:.1f} ms per week")
    for name in TIMED:
        per_week = spent[name] / weeks
        print(f"  {name:<18} {1000 * per_week:7.2f} ms per week  {per_week / step:6.1%}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
