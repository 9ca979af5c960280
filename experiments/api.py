"""`run_model(**params)`: the model as a plain function, for EMA Workbench, SALib and notebooks.

    from experiments.api import run_model
    run_model(seed=1, steps=52, **{"levers.rule_of_law.enforcement": 0.8})
    run_model(seed=1, steps=52, levers__rule_of_law__enforcement=0.8)   # same run
    run_model(seed=1, steps=52, series=["trust"])["trust"]             # week by week

`help(run_model)` describes every argument and what comes back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from experiments.runner import RunSpec, run_one
from simulation.metrics import COUNT_NAMES, OUTCOME_NAMES, STEP_METRICS
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
from simulation.scenario.memory import check_fits_in_memory

NUMBERS = COUNT_NAMES + OUTCOME_NAMES  # what a run returns as one number each
SERIES = STEP_METRICS  # what it can return week by week


class OutcomeError(ScenarioError, LookupError):
    """An outcome asked of `run_model`'s result that it does not hold.

    Deliberately not a KeyError: clients that turn a KeyError into a missing value (the
    EMA Workbench records None for an outcome it cannot find) stop with this message
    instead of filling a results table with None."""


class Outcomes(dict):
    """What `run_model` returns: a dict of outcome name to number (or weekly array).

    Looking up a name it does not hold raises `OutcomeError` naming it, with the nearest
    valid name for a typo. (`.get()` keeps the dict meaning and returns None.)"""

    def __missing__(self, name: object) -> Any:
        every = NUMBERS + tuple(n for n in SERIES if n not in NUMBERS)
        if name in every:
            raise OutcomeError([Problem(
                f"outcome {name!r} was not asked for in this run", path="outcomes",
                value=name, allowed="the names given to run_model(outcomes=..., "
                "series=...): " + ", ".join(map(str, self)))])
        raise OutcomeError([Problem(
            f"unknown outcome {name!r}", path="outcomes", value=name,
            allowed="a name from simulation.metrics (COUNT_NAMES, OUTCOME_NAMES, or "
            "STEP_METRICS for series)", suggestion=nearest_name(str(name), every))])


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
              outcomes: Iterable[str] | None = None, series: Iterable[str] | None = None,
              **params: Any) -> Outcomes:
    """Run the model once and return its outcomes.

    Args:
        seed: the run's seed: the same arguments and seed give the same numbers, bit for
            bit.
        steps: weeks to run (default: the scenario's `run.steps`, 260 = five years).
        scenario: the base the parameters change: a bundled scenario name ("fengqiao"),
            a path to a .yaml file, or a `Scenario` object. The default, "default", is
            the calibrated county, as `Scenario()` is.
        outcomes: names to return as one number each (default: all of them). The names
            are `simulation.metrics.COUNT_NAMES` (residents, weeks, arisen, resolved, ...)
            and `OUTCOME_NAMES` (resolution_rate, trust, welfare_gini, ...; meanings and
            units in `simulation.metrics.OUTCOMES` and docs/ODD.md §6). A single name may
            be given as a string. An undefined share (no dispute ended, say) is NaN.
        series: names to return week by week, each as a numpy array of `steps + 1` floats
            (week 0, the county as built, then every week): any of
            `simulation.metrics.STEP_METRICS` (open, trust, resolution_rate, welfare_gini,
            queued_l1, ...). Cumulative rates such as resolution_rate are "so far" at each
            week. A name in `series` is returned as its series even where it is also a
            number (trust, say); naming it in `outcomes` too is an error.
        **params: any scenario parameter, by its dotted path (`cogov params` lists them
            all, with bounds and units) or with `__` for the dots, so that keyword-only
            callers such as the EMA Workbench can pass it:
            `levers__rule_of_law__enforcement=0.8`. numpy numbers are accepted;
            whole-number parameters (population.residents) are rounded. Giving a
            parameter twice (both spellings) is an error.

    Returns:
        Outcomes: a dict {name: float, or numpy array for a series}. Looking up a name it
        does not hold raises `OutcomeError` (a LookupError, not a KeyError) naming it,
        with the nearest valid name for a typo.

    Raises:
        ScenarioError: for an unknown or doubled parameter, a value out of bounds, an
            unknown outcome or series name (each with the nearest valid name), a bad
            scenario file, or a county larger than this machine can hold.

    Examples:
    >>> run_model(seed=1, steps=52, levers__rule_of_law__enforcement=0.8)["resolution_rate"]
    >>> run_model(seed=1, steps=52, **{"levers.rule_of_law.enforcement": 0.8})  # same run
    >>> run_model(scenario="fengqiao", outcomes=["trust", "escalations_per_10k"])
    >>> run_model(steps=104, series=["trust", "open"])["trust"].shape      # (105,)

    SALib: `Y = [run_model(seed=7, outcomes=["trust"], **dict(zip(names, x)))["trust"]
    for x in X]`. The EMA Workbench: `Model("cogov", function=run_model)` with
    uncertainties named like `levers__rule_of_law__enforcement`, `ScalarOutcome`s named
    as in `outcomes` and `TimeSeriesOutcome`s named as in `series` (pass the series
    names with `Constant("series", [...])`). More in docs/sweeps.md.
    """
    numbers = _chosen(outcomes, NUMBERS, "outcome", "outcomes", "COUNT_NAMES or OUTCOME_NAMES")
    weekly = _chosen(series, SERIES, "series", "series", "STEP_METRICS") if series else ()
    if outcomes is None:
        numbers = tuple(n for n in numbers if n not in weekly)
    both = [n for n in weekly if n in numbers]
    if both:
        raise ScenarioError([Problem(
            f"{n!r} is asked for both as a number (outcomes) and as a series", path="series",
            value=n) for n in both])
    sc, folder = scenario_with(params, scenario)
    check_fits_in_memory(sc)
    seed = int(_plain(seed, "int"))
    n = int(_plain(steps, "int")) if steps is not None else sc.run.steps
    result = run_one(RunSpec(sc, seed, n, folder), keep_series=weekly or False)
    out = Outcomes((k, float(result.summary[k])) for k in numbers)
    for name in weekly:
        assert result.series is not None
        out[name] = result.series[name].to_numpy(dtype=np.float64)
    return out


def _chosen(names: Iterable[str] | None, every: tuple[str, ...], what: str, argument: str,
            where: str) -> tuple[str, ...]:
    """The names asked for (all of `every` when None), each checked."""
    if names is None:
        return every
    chosen = tuple([names] if isinstance(names, str) else names)
    bad = [o for o in chosen if o not in every]
    if bad:
        raise ScenarioError([Problem(
            f"unknown {what} {o!r}", path=argument, value=o,
            allowed=f"one of simulation.metrics.{where}: " + ", ".join(every),
            suggestion=nearest_name(str(o), every)) for o in bad])
    return chosen
