"""Policy levers over time: schedules (reform ramps), shocks, and what the levers cost."""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

from simulation.scenario.schema import LEVER_PATHS, Scenario


def lever_name(path: str) -> str:
    """'levers.rule_of_law.enforcement' -> 'enforcement' (lever names are unique)."""
    return path.rsplit(".", 1)[1]


LEVER_NAMES: tuple[str, ...] = tuple(lever_name(p) for p in LEVER_PATHS)


def scenario_levers(scenario: Scenario) -> dict[str, float]:
    """The scenario's lever values by short name (a new dict, the caller's to change)."""
    # A scenario is immutable (frozen), and the model asks for its levers every week:
    # they are read once per scenario and copied.
    kept = _LEVERS_OF.get(id(scenario))
    if kept is None or kept[0] is not scenario:
        out: dict[str, float] = {}
        for group in type(scenario.levers).model_fields:
            section = getattr(scenario.levers, group)
            for name in type(section).model_fields:
                out[name] = float(getattr(section, name))
        if len(_LEVERS_OF) >= _LEVERS_KEPT:
            # The oldest goes; the browser view's sessions share this from threads, so
            # another may have taken it out first.
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                del _LEVERS_OF[next(iter(_LEVERS_OF))]
        _LEVERS_OF[id(scenario)] = kept = (scenario, out)
    return dict(kept[1])


# The lever values of the last few scenarios read, by id; each entry keeps its scenario,
# so the id cannot be reused by another while the entry is there.
_LEVERS_OF: dict[int, tuple[Scenario, dict[str, float]]] = {}
_LEVERS_KEPT = 8


def status_quo_levers() -> dict[str, float]:
    """The calibrated county's own levers (the `default` scenario's: every lever at its
    declared default): the policy a pre-policy warm-up runs under (`run.warmup_levers`)."""
    return dict(_status_quo_items())


@functools.cache
def _status_quo_items() -> tuple[tuple[str, float], ...]:
    return tuple(scenario_levers(Scenario()).items())


def levers_at(scenario: Scenario, week: int) -> dict[str, float]:
    """Lever values in force in `week`, after any ramps and the spending rule.

    A ramp moves its lever linearly from the value in force when it starts to `to` at
    `end_week`; ramps apply in the order listed, so a later ramp of the same lever starts
    from where the earlier one left it. With `budget.lever_spending` set, the levers are
    then scaled to spend exactly that (see `scale_to_spending`).
    """
    values = _ramped(scenario, week)
    if scenario.budget.lever_spending is not None:
        values = _scaled_cached(scenario, tuple(values.items()))
    return values


@functools.lru_cache(maxsize=256)
def _scaled_cached(scenario: Scenario, items: tuple[tuple[str, float], ...]
                   ) -> dict[str, float]:
    """`scale_to_spending` remembered per scenario and lever values (weeks repeat them)."""
    assert scenario.budget.lever_spending is not None
    return scale_to_spending(scenario, dict(items), scenario.budget.lever_spending)


def _annual_cost(scenario: Scenario, levers: dict[str, float]) -> float:
    costs = scenario.budget.lever_costs
    return sum(levers[name] * getattr(costs, name) for name in LEVER_NAMES)


def scale_to_spending(scenario: Scenario, levers: dict[str, float],
                      target: float) -> dict[str, float]:
    """Levers multiplied by one factor s (each capped at 1) to cost `target` a year.

    Spending rises continuously and monotonically with s, so bisection finds it; a mix
    that cannot reach the target (checked when the scenario is validated) spends what it
    can with every lever it uses at 1.
    """
    def scaled(s: float) -> dict[str, float]:
        return {k: min(1.0, v * s) for k, v in levers.items()}

    hi = 1.0
    while _annual_cost(scenario, scaled(hi)) < target and hi < 1e6:
        hi *= 2.0
    lo = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _annual_cost(scenario, scaled(mid)) < target:
            lo = mid
        else:
            hi = mid
    return scaled(hi)


def max_lever_spending(scenario: Scenario) -> float:
    """What the scenario's mix spends a year with every lever it uses (> 0) at 1."""
    used = {k: (1.0 if v > 0 else 0.0) for k, v in _ramped(scenario, 0).items()}
    return _annual_cost(scenario, used)


def lever_spending_problem(scenario: Scenario) -> str | None:
    """Why `budget.lever_spending` cannot be spent by the scenario's mix, or None.

    A check across the whole scenario that needs the levers' arithmetic, so it runs after
    the declaration's own validation: the loader calls it for every scenario it reads or
    changes (`load_scenario_file`, `with_values`)."""
    target = scenario.budget.lever_spending
    if target is None:
        return None
    most = max_lever_spending(scenario)
    if target <= most + 1e-9:
        return None
    return (f"{target:g} yuan is more than this mix can spend with every lever it uses at 1 "
            f"({most:.1f} yuan per resident-year)")


def _ramped(scenario: Scenario, week: int, upto: int | None = None) -> dict[str, float]:
    """Lever values in `week` after the first `upto` ramps (all by default).

    Each ramp runs linearly from the lever's value in force at its start_week (with the
    earlier ramps applied) to `to` at end_week; from end_week on the lever is `to`.
    """
    values = scenario_levers(scenario)
    ramps = scenario.schedules if upto is None else scenario.schedules[:upto]
    for i, ramp in enumerate(ramps):
        if ramp.parameter not in LEVER_PATHS:
            continue  # a ladder parameter or the budget: see `parameters_at`
        name = lever_name(ramp.parameter)
        if week >= ramp.end_week:
            values[name] = ramp.to
        elif week > ramp.start_week:
            start = _ramped(scenario, ramp.start_week, upto=i)[name]
            frac = (week - ramp.start_week) / (ramp.end_week - ramp.start_week)
            values[name] = start + frac * (ramp.to - start)
    return values


def parameters_at(scenario: Scenario, week: int, upto: int | None = None
                  ) -> dict[str, float]:
    """Values in `week` of the ladder parameters and budget that ramps move, by dotted path
    (only those some ramp moves; the first `upto` ramps, all by default).

    As for levers (`levers_at`): each ramp runs linearly from the value in force at its
    start_week (earlier ramps applied) to `to` at end_week, and stays at `to` after.
    """
    ramps = scenario.schedules if upto is None else scenario.schedules[:upto]
    values: dict[str, float] = {}
    for i, ramp in enumerate(ramps):
        path = ramp.parameter
        if path in LEVER_PATHS:
            continue
        if path not in values:
            values[path] = _value_at_path(scenario, path)
        if week >= ramp.end_week:
            values[path] = ramp.to
        elif week > ramp.start_week:
            start = parameters_at(scenario, ramp.start_week, upto=i).get(
                path, _value_at_path(scenario, path))
            frac = (week - ramp.start_week) / (ramp.end_week - ramp.start_week)
            values[path] = start + frac * (ramp.to - start)
    return values


def _value_at_path(scenario: Scenario, path: str) -> float:
    value: object = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return float(value)  # type: ignore[arg-type]


def with_parameters(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with the given dotted-path values put in (no validation: the values
    come from ramps, whose targets were checked against the declared bounds)."""
    sections: dict[str, dict[str, float]] = {}
    for path, value in values.items():
        section, name = path.split(".")
        sections.setdefault(section, {})[name] = value
    return scenario.model_copy(update={
        section: getattr(scenario, section).model_copy(update=update)
        for section, update in sections.items()})


def lever_cost_per_week(scenario: Scenario, levers: dict[str, float], residents: int) -> float:
    """Yuan spent this week on the levers: Σ intensity × unit cost × residents / 52."""
    return _annual_cost(scenario, levers) * residents / 52.0


def lever_cost_per_resident_year(scenario: Scenario, week: int = 0) -> float:
    """Annual lever spending per resident at `week` (used to build equal-cost mixes)."""
    return lever_cost_per_week(scenario, levers_at(scenario, week), 52)


@dataclass(frozen=True)
class ShockEffects:
    """What the shocks in force do this week."""

    arising_multiplier: dict[str, float]  # group -> factor on the arising hazard this week
    trust_drop: dict[str, float]  # group -> share of trust removed this week
    income_multiplier: dict[str, float]  # group -> income factor this week


NO_SHOCK = ShockEffects({}, {}, {})  # a week without shocks (the warm-up)


def shocks_at(scenario: Scenario, week: int) -> ShockEffects:
    """Combine the shocks in force in `week`.

    A legitimacy shock removes `magnitude` of trust spread evenly over its duration (a
    sudden shock has duration 1); an income shock scales incomes while it lasts; a dispute
    surge multiplies the arising hazard of its group's residents. Each applies to its
    `group` (a resident in two hit groups gets both).
    """
    arising: dict[str, float] = {}
    trust: dict[str, float] = {}
    income: dict[str, float] = {}
    for shock in scenario.shocks:
        if not shock.week <= week < shock.week + shock.duration_weeks:
            continue
        if shock.kind == "dispute_surge":
            arising[shock.group] = arising.get(shock.group, 1.0) * (1.0 + shock.magnitude)
        elif shock.kind == "legitimacy":
            # Remove the share m over d weeks: each week keeps (1 - m)^(1/d).
            per_week = 1.0 - (1.0 - shock.magnitude) ** (1.0 / shock.duration_weeks)
            trust[shock.group] = 1.0 - (1.0 - trust.get(shock.group, 0.0)) * (1.0 - per_week)
        elif shock.kind == "income":
            income[shock.group] = income.get(shock.group, 1.0) * (1.0 - shock.magnitude)
    return ShockEffects(arising, trust, income)
