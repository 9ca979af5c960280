"""Notes on valid scenarios that may not do what their author expects.

A note is not an error: the scenario runs. `cogov validate`, `run` and `compare` print
them. Two cases:

- a file without `extends:` starts from the scenario type's defaults (the priors in
  `schema.py`), not from the calibrated county `default` that every bundled scenario
  extends;
- a shock or a ramp that falls wholly outside the weeks a run steps through (weeks 1 to
  `run.steps`, or `--steps`) has no effect on that run. It is kept, not refused, because
  the same scenario run longer would reach it.
"""

from __future__ import annotations

from pathlib import Path

from simulation.scenario.errors import ScenarioError
from simulation.scenario.loader import BUNDLED_DIR, resolve_name
from simulation.scenario.schema import Scenario
from simulation.scenario.yaml_safe import read_yaml_mapping

CALIBRATED_BASE = "default"


def no_extends_note() -> str:
    """What a scenario without `extends:` starts from (the one place this is worded)."""
    return (f"no extends: this scenario starts from the scenario type's priors "
            f"(`cogov params`), not from the calibrated county `{CALIBRATED_BASE}`; add "
            f"`extends: {CALIBRATED_BASE}` to start from it")


def base_notes(name_or_path: str | Path) -> list[str]:
    """A note when the scenario file has no `extends:` (the bundled default itself aside)."""
    path = resolve_name(str(name_or_path))
    if path is None or path.resolve() == (BUNDLED_DIR / f"{CALIBRATED_BASE}.yaml").resolve():
        return []
    try:
        data, _ = read_yaml_mapping(path)
    except ScenarioError:  # reported when the scenario was loaded
        return []
    return [] if data.get("extends") is not None else [no_extends_note()]


def timing_notes(scenario: Scenario, steps: int | None = None) -> list[str]:
    """A note for each shock or ramp that has no effect in a run of `steps` weeks.

    A run steps through weeks 1 to `steps`: a shock is in force from `week` for
    `duration_weeks` weeks; a ramp changes its lever in the weeks after `start_week` and
    from `end_week` on."""
    steps = scenario.run.steps if steps is None else steps
    span = f"the run steps through weeks 1 to {steps}"
    notes = []
    for i, shock in enumerate(scenario.shocks):
        last = shock.week + shock.duration_weeks - 1
        if shock.week > steps:
            notes.append(f"shocks[{i}] ({shock.kind}, from week {shock.week}) starts after "
                         f"the run ends and has no effect: {span}; lower its week or raise "
                         "run.steps")
        elif last < 1:
            notes.append(f"shocks[{i}] ({shock.kind}, week {shock.week}) ends before the "
                         f"first step and has no effect: {span}; set its week to 1 or later")
    for i, ramp in enumerate(scenario.schedules):
        if steps <= ramp.start_week and steps < ramp.end_week:
            notes.append(f"schedules[{i}] ({ramp.parameter}, from week {ramp.start_week}) "
                         f"only moves its lever after the run ends and has no effect: "
                         f"{span}; lower its start_week or raise run.steps")
    return notes


def scenario_notes(name_or_path: str | Path, scenario: Scenario,
                   steps: int | None = None) -> list[str]:
    """Every note on a loaded scenario, for a run of `steps` weeks (default its own)."""
    return base_notes(name_or_path) + timing_notes(scenario, steps)
