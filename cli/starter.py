"""Scenario files for students: a commented starter (`cogov new`) and what two scenarios
set differently (`cogov diff`).

Both read the parameter declaration (`simulation.scenario.iter_parameters`), so a lever
added to the model appears in every new starter file and in every diff without a change
here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from simulation.numbers import format_number
from simulation.scenario import ParameterSpec, Scenario, iter_parameters
from simulation.scenario.paths import get_path
from simulation.scenario.schema import Levers

# Besides every lever, what a student most often changes: the county's size, the run's
# length and the staff of each rung (the parameters declared as people per residents).
EXTRA_STARTER_PATHS = ("population.residents", "run.steps")
STAFFING_UNIT = re.compile(r"^(workers|mediators|staff|judges) per ")


def starter_parameters() -> list[ParameterSpec]:
    """The parameters a starter file lists: every lever, every staffing level, and the
    county's size and the run's length."""
    return [s for s in iter_parameters()
            if s.path.startswith("levers.") or s.path in EXTRA_STARTER_PATHS
            or STAFFING_UNIT.match(s.unit) is not None]


def _group_heading(path: str) -> str:
    """A comment for a group of parameters: the governance a lever group belongs to."""
    field = Levers.model_fields.get(path.removeprefix("levers."))
    if path.startswith("levers.") and field is not None and isinstance(field.annotation, type):
        return (field.annotation.__doc__ or "").strip().splitlines()[0]
    return ""


def _range(spec: ParameterSpec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        low = format_number(spec.minimum, grouped=False)
        high = format_number(spec.maximum, grouped=False)
        return f"{low} to {high} {spec.unit}".rstrip()
    return "/".join(spec.choices) or spec.kind


def _yaml_value(value: Any) -> str:
    return "null" if value is None else format_number(value, grouped=False)


def starter_text(file_name: str, mix: str, extends: str, scenario: Scenario) -> str:
    """A scenario file that extends `mix` and changes nothing yet.

    Every parameter of `starter_parameters` is listed, commented out, at its value in the
    mix (after the mix's own `extends:` chain), with its range, unit, Chinese label and
    meaning: a student removes the `# ` in front of a line and changes the value.

    Args:
        file_name: the new file's name as the student will type it in commands.
        mix: the scenario it starts from, as the student named it.
        extends: what its `extends:` line says (a bundled name or a path from the file).
        scenario: the mix, loaded.
    """
    lines = [
        f"# {file_name}: a scenario that starts from {mix} and changes what you set below.",
        "#",
        "# To change a parameter, delete the '# ' in front of its line (keep the spaces",
        "# before it: they place it in its group) and write a value in its range.",
        "# Then:",
        f"#   cogov validate {file_name}                  check it",
        f"#   cogov diff {mix} {file_name}          what it sets differently from {mix}",
        f"#   cogov compare {mix} {file_name} --reps 5   both, 5 seeds each, 95% intervals",
        "# Every parameter, with its meaning and source: cogov params -v",
        f"extends: {extends}",
        f"description: Starts from {mix}; say here what you changed and why.",
        f"description_zh: 以 {mix} 为基础；在此写明改了什么、为什么。",
    ]
    open_groups: list[str] = []
    for spec in starter_parameters():
        *groups, key = spec.path.split(".")
        shared = 0
        while (shared < min(len(groups), len(open_groups))
               and groups[shared] == open_groups[shared]):
            shared += 1
        for depth in range(shared, len(groups)):
            if depth == 0:
                lines.append("")
            heading = _group_heading(".".join(groups[:depth + 1]))
            lines.append("  " * depth + f"{groups[depth]}:"
                         + (f"   # {heading}" if heading else ""))
        open_groups = groups
        indent = "  " * len(groups)
        label = f"{spec.label_zh} — " if spec.label_zh else ""
        lines.append(f"{indent}# {label}{spec.meaning} [{_range(spec)}]")
        lines.append(f"{indent}# {key}: {_yaml_value(get_path(scenario, spec.path))}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Difference:
    """One parameter two scenarios set differently, or a schedule or shock only one has."""

    path: str
    first: Any
    second: Any
    unit: str = ""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def differences(first: Scenario, second: Scenario) -> list[Difference]:
    """What `first` and `second` set differently after `extends:` is resolved: every
    declared parameter in declaration order, then the schedules and shocks one of them
    has and the other has not (name and descriptions are not compared)."""
    out = [Difference(s.path, get_path(first, s.path), get_path(second, s.path), s.unit)
           for s in iter_parameters()
           if not _same(get_path(first, s.path), get_path(second, s.path))]
    for kind in ("schedules", "shocks"):
        mine, theirs = getattr(first, kind), getattr(second, kind)
        for event in mine:
            if event not in theirs:
                out.append(Difference(kind, _event_text(event), None))
        for event in theirs:
            if event not in mine:
                out.append(Difference(kind, None, _event_text(event)))
    return out


def _event_text(event: Any) -> str:
    return ", ".join(f"{k}: {format_number(v, grouped=False)}"
                     for k, v in event.model_dump().items() if v is not None)
