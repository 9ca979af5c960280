"""The page's controls, derived from the scenario declarations.

Every lever slider takes its bounds, label and help text from
`simulation.scenario.iter_parameters()` and its position from the loaded scenario, so the
page holds no second copy of a default or a bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from simulation.scenario import ParameterSpec, Scenario, iter_parameters, parameter_spec
from simulation.scenario.paths import get_path

LEVER_PREFIX = "levers."
SLIDER_STEPS = 100  # positions between a lever's bounds (0.01 for a 0-1 intensity)
SEED_RANGE = (0, 2**31 - 1)
RESIDENTS_PATH = "population.residents"


@dataclass(frozen=True)
class LeverControl:
    """One lever slider: the declaration it is drawn from, and its slider step."""

    spec: ParameterSpec
    group: str  # "self_governance", ... (the section under `levers:`)
    step: float

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def minimum(self) -> float:
        assert self.spec.minimum is not None
        return float(self.spec.minimum)

    @property
    def maximum(self) -> float:
        assert self.spec.maximum is not None
        return float(self.spec.maximum)


@cache
def lever_controls() -> tuple[LeverControl, ...]:
    """A slider for every lever (parameters under `levers.`), in declaration order."""
    out = []
    for spec in iter_parameters():
        if not spec.path.startswith(LEVER_PREFIX):
            continue
        if spec.kind not in ("float", "int") or spec.minimum is None or spec.maximum is None:
            raise ValueError(f"lever {spec.path} needs numeric bounds for a slider")
        step = (spec.maximum - spec.minimum) / SLIDER_STEPS
        if spec.kind == "int":
            step = max(1.0, round(step))
        out.append(LeverControl(spec, spec.path.split(".")[1], step))
    return tuple(out)


def lever_groups() -> list[tuple[str, list[LeverControl]]]:
    """The lever sliders grouped by governance, in declaration order."""
    groups: dict[str, list[LeverControl]] = {}
    for control in lever_controls():
        groups.setdefault(control.group, []).append(control)
    return list(groups.items())


def value_at(scenario: Scenario, path: str) -> Any:
    """The value of a dotted-path parameter in a scenario."""
    return get_path(scenario, path)


def snap(control: LeverControl, value: float) -> float:
    """A slider value rounded to the slider's step and kept within the lever's bounds."""
    value = min(max(float(value), control.minimum), control.maximum)
    steps = round((value - control.minimum) / control.step)
    snapped = control.minimum + steps * control.step
    return round(min(snapped, control.maximum), 6)


def residents_spec() -> ParameterSpec:
    """The declaration of the county's population (the page's 'residents' box)."""
    return parameter_spec(RESIDENTS_PATH)
