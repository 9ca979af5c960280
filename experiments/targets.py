"""Checking the model against real figures (`cogov targets`).

Reads `experiments/data/targets.yaml`: every entry with a `check:` names an outcome, the
scenario it applies to and a range. The scenarios are run over N seeds and each check
gets the model's mean, its 95% confidence interval and PASS (mean inside the range) or
MISS. Entries marked `not_modelled` are listed with their reason and not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from experiments.runner import RunSpec, map_runs, simulate
from experiments.stats import mean_ci
from simulation.metrics import COUNT_NAMES, OUTCOME_NAMES, OUTCOMES
from simulation.numbers import format_number
from simulation.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    bundled_names,
    load_scenario,
    resolve_name,
    scenario_dir,
)
from simulation.scenario.errors import nearest_name
from simulation.scenario.validation import Invalid, read_file

# The bundled targets file is package data of the experiment library.
TARGETS_FILE = Path(str(resources.files("experiments") / "data" / "targets.yaml"))


@dataclass(frozen=True)
class Check:
    """One figure to reproduce: an outcome of a scenario that must fall in a range."""

    key: str
    meaning: str
    kind: str  # "target" or "input"
    outcome: str
    scenario: str
    low: float
    high: float
    figures: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class NotModelled:
    """A figure the model does not reproduce, and why."""

    key: str
    meaning: str
    reason: str


@dataclass
class CheckResult:
    """A check's values over seeds; it passes when their mean lies in the range."""

    check: Check
    values: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        """The mean over seeds (NaNs left out)."""
        return mean_ci(self.values)[0]

    @property
    def ci(self) -> tuple[float, float]:
        """The mean's 95% Student-t confidence interval."""
        _, lo, hi = mean_ci(self.values)
        return lo, hi

    @property
    def passed(self) -> bool:
        """PASS: the mean lies inside the target range (a NaN mean never passes)."""
        m = self.mean
        return not math.isnan(m) and self.check.low <= m <= self.check.high


# ------------------------------------------------------------------ the file


# What a run reports besides its summary: figures the model is built from, as realised
# (see `profile`), for `kind: input` checks.
PROFILE_NAMES = ("elderly_share", "urban_share", "migrant_share", "digital_share",
                 "volunteer_share_initial", "hours_per_volunteer", "grid_workers_per_1000")
CHECKABLE = COUNT_NAMES + OUTCOME_NAMES + PROFILE_NAMES  # what a check may name


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Part):
    """One published figure and where it comes from."""

    figure: float = Field(strict=True, description="The figure.")
    note: str = Field("", description="Its source.")


class CheckSpec(_Part):
    """Which outcome reproduces a figure, in which scenario, within what range."""

    outcome: str = Field(description="An outcome of a run's summary (or of its profile).")
    scenario: str = Field("default", description="The scenario the figure applies to.")
    range: tuple[float, float] = Field(description="[low, high]: PASS if the model's mean "
                                       "falls inside.")

    @field_validator("outcome")
    @classmethod
    def _known(cls, outcome: str) -> str:
        if outcome not in CHECKABLE:
            raise Invalid(f"unknown outcome {outcome!r}", value=outcome,
                          allowed="an outcome of `cogov run --json`, or one of: "
                          + ", ".join(PROFILE_NAMES),
                          suggestion=nearest_name(outcome, CHECKABLE))
        return outcome

    @field_validator("scenario")
    @classmethod
    def _exists(cls, scenario: str) -> str:
        if resolve_name(scenario) is None:
            names = bundled_names()
            raise Invalid(f"no scenario named {scenario!r}", value=scenario,
                          allowed="a scenario file, or one of: " + ", ".join(names),
                          suggestion=nearest_name(Path(scenario).stem, names))
        return scenario

    @model_validator(mode="after")
    def _ordered(self) -> CheckSpec:
        low, high = self.range
        if not low <= high:
            raise Invalid("range must be [low, high] with low <= high", path="range",
                          value=list(self.range), allowed="[low, high] with low <= high")
        return self


class Target(_Part):
    """One entry of the targets file."""

    meaning: str = Field("", description="What the figure measures.")
    values: list[Figure] = Field(default_factory=list, description="The published figures.")
    target_range: tuple[float, float] | None = Field(None, description="The range the "
                                                     "shared targets file gives.")
    caution: str = Field("", description="What to keep in mind.")
    note: str = Field("", description="How the model relates to the figure.")
    kind: Literal["target", "input"] = Field(
        "target", description="A pattern the model must reproduce, or a figure it is built "
        "from.")
    check: CheckSpec | None = Field(None, description="How the model is checked against it.")
    not_modelled: str | None = Field(None, description="Why the model does not reproduce it.")


class TargetsFile(RootModel[dict[str, Target]]):
    """A targets file: name -> figure."""


def read_targets(path: Path = TARGETS_FILE) -> tuple[list[Check], list[NotModelled]]:
    """Read and check a targets file like a scenario file (file, line, field, value, what
    is allowed, the nearest name; every problem at once).

    Returns:
        The checks (entries with a `check:`) and the entries not modelled.

    Raises:
        ScenarioError: every problem of the file, in line order.
    """
    checks: list[Check] = []
    skipped: list[NotModelled] = []
    for key, entry in read_file(TargetsFile, path).root.items():
        if entry.not_modelled is not None:
            skipped.append(NotModelled(key, entry.meaning, entry.not_modelled))
        elif entry.check is not None:  # a figure without a check is information only
            c = entry.check
            checks.append(Check(key, entry.meaning, entry.kind, c.outcome, c.scenario,
                                float(c.range[0]), float(c.range[1]),
                                tuple((f.figure, f.note) for f in entry.values)))
    return checks, skipped


# ------------------------------------------------------------------ measuring


def profile(model) -> dict[str, float]:
    """Figures the model is built from, as realised in a run (for `kind: input` checks)."""
    res = model.residents
    beh = model.params.behaviour
    return {
        "elderly_share": float(res.elderly.mean()),
        "urban_share": float(res.urban.mean()),
        "migrant_share": float(res.migrant.mean()),
        "digital_share": float(res.digital.mean()),
        "volunteer_share_initial": float(model.record[0]["volunteer_share"]),
        "hours_per_volunteer": beh.volunteer_hours * 52.0,
        "grid_workers_per_1000": model.params.ladder.grid_workers_per_1000,
    }


def run_with_profile(spec: RunSpec) -> dict[str, float]:
    """One run's summary and profile: everything a check may name."""
    model = simulate(spec.scenario, spec.seed, spec.steps, spec.scenario_dir)
    return {**model.summary(), **profile(model)}


def measure(checks: list[Check], reps: int, *, scenario_override: str | None = None,
            workers: int | None = None, steps: int | None = None, progress: bool = True,
            first_seed: int = 0) -> list[CheckResult]:
    """Run every scenario the checks need over the same seeds and collect each outcome.

    Args:
        checks: what to measure (`read_targets`).
        reps: seeds per scenario, from `first_seed` on.
        scenario_override: run every check on this scenario instead of its own.
        workers: processes (default: all cores).
        steps: weeks per run (default: each scenario's run.steps).
        progress: show a progress bar.
        first_seed: the first seed.

    Returns:
        One result per check, in the checks' order.

    Raises:
        ScenarioError: a check names an outcome the runs do not report.
    """
    names = sorted({scenario_override or c.scenario for c in checks})
    scenarios: dict[str, tuple[Scenario, str]] = {
        n: (load_scenario(n), str(scenario_dir(n))) for n in names}
    specs = [RunSpec(s, seed, steps or s.run.steps, d, label=n)
             for n, (s, d) in scenarios.items() for seed in range(first_seed,
                                                                  first_seed + reps)]
    outputs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    for spec, out in map_runs(run_with_profile, specs, workers=workers, progress=progress,
                              description="targets"):
        outputs[spec.label].append(out)
    results = []
    for c in checks:
        rows = outputs[scenario_override or c.scenario]
        if rows and c.outcome not in rows[0]:
            raise ScenarioError([Problem(
                f"unknown outcome {c.outcome!r} in the check of {c.key}",
                file=str(TARGETS_FILE), path=f"{c.key}.check.outcome",
                suggestion=nearest_name(c.outcome, rows[0]))])
        results.append(CheckResult(c, [r[c.outcome] for r in rows]))
    return results


# ------------------------------------------------------------------ reporting


UNITS = {o.name: o.unit for o in OUTCOMES}


def fmt(x: float, outcome: str = "") -> str:
    """A measured value of a check, in its outcome's unit (simulation.numbers)."""
    return format_number(x, UNITS.get(outcome, ""), measured=True)


def result_rows(results: list[CheckResult]) -> list[dict[str, Any]]:
    """The checks' results as plain rows (`cogov targets --json`)."""
    rows = []
    for r in results:
        lo, hi = r.ci
        rows.append({
            "target": r.check.key, "kind": r.check.kind, "scenario": r.check.scenario,
            "outcome": r.check.outcome, "mean": r.mean, "ci_low": lo, "ci_high": hi,
            "low": r.check.low, "high": r.check.high, "n": len(r.values),
            "result": "PASS" if r.passed else "MISS",
        })
    return rows


__all__ = ["Check", "CheckResult", "measure", "read_targets"]
