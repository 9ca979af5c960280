"""Notes on valid scenarios that may not do what their author expects.

A note is not an error: the scenario runs. `cogov validate`, `run` and `compare` print
them: a shock or a ramp that falls wholly outside the weeks a run steps through (weeks 1
to `run.steps`, or `--steps`) has no effect on that run. It is kept, not refused, because
the same scenario run longer would reach it.

(A file without `extends:` needs no note: it starts from the calibrated county, as
`extends: default` does.)
"""

from __future__ import annotations

from pathlib import Path

from simulation.scenario.schema import Scenario


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
    return timing_notes(scenario, steps)
