"""`run_model(**params)`: the model as a plain function, for EMA Workbench, SALib and notebooks.

    from experiments.api import run_model
    run_model(seed=1, steps=52, **{"levers.rule_of_law.enforcement": 0.8})
    run_model(seed=1, steps=52, levers__rule_of_law__enforcement=0.8)   # same run

Parameters are the scenario's dotted paths (`cogov params` lists them). A dotted name is
not a Python identifier, so keyword-only callers such as the EMA Workbench, which calls
`function(**{name: value})` with the names of its uncertainties and levers, can use the
double-underscore spelling instead: `levers__rule_of_law__enforcement`. Both spellings
may be mixed; giving one parameter twice is an error.

Also accepted: `seed` (default 0), `steps` (default: the scenario's run.steps),
`scenario` (a bundled name or a .yaml path; default "default") and `outcomes` (a list of
names to return; default all). Returns {name: float} for the run's counts and every
outcome (docs/ODD.md, `simulation.metrics.OUTCOMES`); an undefined share is NaN.

Samplers hand over numpy numbers and floats: they are converted, and a whole-number
parameter (population.residents, say) is rounded to the nearest whole number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from experiments.runner import RunSpec, run_one
from simulation.metrics import COUNT_NAMES, OUTCOME_NAMES
from simulation.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    iter_parameters,
    load_scenario,
    scenario_dir,
    with_values,
)
from simulation.scenario.errors import nearest_name, nearest_path


@lru_cache(maxsize=32)
def _base(name: str) -> tuple[Scenario, str]:
    return load_scenario(name), str(scenario_dir(name))


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    return {p.path: p.kind for p in iter_parameters()}


def parameter_name(name: str) -> str:
    """`levers__rule_of_law__enforcement` -> `levers.rule_of_law.enforcement`."""
    return name.replace("__", ".")


def _plain(value: Any, kind: str) -> Any:
    """numpy scalars to Python; whole-number parameters rounded."""
    if hasattr(value, "item"):
        value = value.item()
    if kind == "int" and isinstance(value, float) and math.isfinite(value):
        return round(value)
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def scenario_with(params: dict[str, Any], scenario: str | Scenario = "default"
                  ) -> tuple[Scenario, str | None]:
    """The scenario a `run_model` call runs: the base with the parameters set."""
    kinds = _kinds()
    updates: dict[str, Any] = {}
    problems: list[Problem] = []
    for raw, value in params.items():
        path = parameter_name(raw)
        if path not in kinds:
            problems.append(Problem(
                f"unknown parameter {raw!r}", path=raw, value=value,
                allowed="a dotted path from `cogov params` (or with __ for the dots)",
                suggestion=nearest_path(path, list(kinds))))
            continue
        if path in updates:
            problems.append(Problem(f"parameter {path!r} is given twice", path=raw))
            continue
        updates[path] = _plain(value, kinds[path])
    if problems:
        raise ScenarioError(problems)
    if isinstance(scenario, Scenario):
        base, folder = scenario, None
    else:
        base, folder = _base(str(scenario))
    return (with_values(base, updates) if updates else base), folder


def run_model(*, seed: int = 0, steps: int | None = None, scenario: str | Scenario = "default",
              outcomes: Iterable[str] | None = None, **params: Any) -> dict[str, float]:
    """Run the model once and return its outcomes; see the module docstring."""
    chosen = _check_outcomes(outcomes)
    sc, folder = scenario_with(params, scenario)
    seed = int(_plain(seed, "int"))
    n = int(_plain(steps, "int")) if steps is not None else sc.run.steps
    result = run_one(RunSpec(sc, seed, n, folder), keep_series=False)
    return {k: float(result.summary[k]) for k in chosen}


def _check_outcomes(outcomes: Iterable[str] | None) -> tuple[str, ...]:
    every = COUNT_NAMES + OUTCOME_NAMES
    if outcomes is None:
        return every
    chosen = tuple([outcomes] if isinstance(outcomes, str) else outcomes)
    bad = [o for o in chosen if o not in every]
    if bad:
        raise ScenarioError([Problem(f"unknown outcome {o!r}", path="outcomes", value=o,
                                     allowed="one of: " + ", ".join(every),
                                     suggestion=nearest_name(o, every)) for o in bad])
    return chosen
