"""Checking the model against real figures (`cogov targets`).

Reads `experiments/data/targets.yaml`: every entry with a `check:` names an outcome, the
scenario it applies to and a range. The scenarios are run over N seeds and each check
gets the model's mean, its 95% confidence interval and PASS (mean inside the range) or
MISS. Entries marked `not_modelled` are listed with their reason and not counted.

Each figure has a role, and the three roles are reported apart: `fitted` (the
calibration tunes parameters to it), `checked` (held out: the only evidence) and `echo`
(an input read back). Its kind says what sort of figure it is: `cross_sectional` (a
level at one time), `before_after` (a reform and its effect) or `trend`; only
cross-sectional figures may be fitted (`Check.fittable`).

A check may read the whole run (`window: run`), its first or last year, or the change
from the first year to the last (`window: change`, for reform ramps), and may compare
with another scenario on the same seeds (`versus:`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from experiments.runner import RunSpec, map_runs, simulate
from experiments.stats import mean_ci
from simulation.metrics import (
    COUNT_NAMES,
    OUTCOME_NAMES,
    OUTCOMES,
    TALLY_COUNTS,
    resolution_shares,
)
from simulation.numbers import format_number
from simulation.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    bundled_names,
    load_scenario,
    resolve_name,
    scenario_dir,
    with_values,
)
from simulation.scenario.errors import nearest_name
from simulation.scenario.validation import Invalid, read_file

# The bundled targets file is package data of the experiment library.
TARGETS_FILE = Path(str(resources.files("experiments") / "data" / "targets.yaml"))
# Scenarios written for the checks (reform ramps), looked up after the bundled ones.
CHECK_SCENARIOS = TARGETS_FILE.parent / "scenarios"

Role = Literal["fitted", "checked", "echo"]
Kind = Literal["cross_sectional", "before_after", "trend"]
Window = Literal["run", "first_year", "last_year", "change"]
ROLES: tuple[str, ...] = ("fitted", "checked", "echo")
ROLE_TITLES = {"fitted": "Fitted (the calibration tunes parameters to these)",
               "checked": "Held out (nothing was fitted to these: the evidence)",
               "echo": "Echoes (inputs read back)"}


@dataclass(frozen=True)
class Check:
    """One figure to reproduce: an outcome of a scenario that must fall in a range."""

    key: str
    meaning: str
    role: str  # "fitted", "checked" or "echo"
    outcome: str
    scenario: str
    low: float
    high: float
    figures: tuple[tuple[float, str], ...]
    kind: str = "cross_sectional"  # or "before_after", "trend"
    window: str = "run"  # "run", "first_year", "last_year" or "change"
    versus: str | None = None  # compared with this scenario on the same seeds
    caution: str = ""  # what to keep in mind when reading it

    @property
    def fittable(self) -> bool:
        """May the calibration fit this figure? Only when marked fitted, and never a
        before/after or trend figure, nor a comparison of runs."""
        return (self.role == "fitted" and self.kind == "cross_sectional"
                and self.window == "run" and self.versus is None)

    def scenarios(self) -> tuple[str, ...]:
        """The scenarios this check runs (its own, and the one it is compared with)."""
        return (self.scenario,) if self.versus is None else (self.scenario, self.versus)


@dataclass(frozen=True)
class NotModelled:
    """A figure the model does not reproduce, and why."""

    key: str
    meaning: str
    reason: str
    role: str = "checked"


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
# Measures derived here from a run's counts (see `derived`), for checks the summary's
# outcomes do not express directly.
DERIVED_NAMES = ("mediations_per_10k", "taken_in_per_1000", "petition_share",
                 "reported_resolution_gap")
CHECKABLE = COUNT_NAMES + OUTCOME_NAMES + PROFILE_NAMES + DERIVED_NAMES
# What a check may read for one year of a run (`window:` first_year, last_year, change):
# rates from the year's counts, and states averaged over its weeks.
RATE_NAMES = ("resolution_rate", "grassroots_share", "township_share",
              "escalations_per_10k", "litigation_share", "relapse_rate", "abandon_rate",
              "disputes_per_1000", "prevented_share", *DERIVED_NAMES)
STATE_NAMES = ("trust", "norm", "volunteer_share", "welfare_gini", "welfare_mean")
WINDOWED = RATE_NAMES + STATE_NAMES


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
    window: Window = Field("run", description="The whole run, its first or last year, or "
                           "the change from the first year to the last.")
    versus: str | None = Field(None, description="Compare with this scenario on the same "
                               "seeds: the value is the difference.")

    @field_validator("outcome")
    @classmethod
    def _known(cls, outcome: str) -> str:
        if outcome not in CHECKABLE:
            raise Invalid(f"unknown outcome {outcome!r}", value=outcome,
                          allowed="an outcome of `cogov run --json`, or one of: "
                          + ", ".join(PROFILE_NAMES),
                          suggestion=nearest_name(outcome, CHECKABLE))
        return outcome

    @field_validator("scenario", "versus")
    @classmethod
    def _exists(cls, scenario: str | None) -> str | None:
        if scenario is not None and scenario_source(scenario) is None:
            names = bundled_names() + check_scenario_names()
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
        if self.window != "run" and self.outcome not in WINDOWED:
            raise Invalid(f"{self.outcome!r} cannot be read for one year", path="window",
                          value=self.window, allowed="window: run, or an outcome among: "
                          + ", ".join(WINDOWED))
        return self


class Target(_Part):
    """One entry of the targets file."""

    meaning: str = Field("", description="What the figure measures.")
    values: list[Figure] = Field(default_factory=list, description="The published figures.")
    target_range: tuple[float, float] | None = Field(None, description="The range the "
                                                     "shared targets file gives.")
    caution: str = Field("", description="What to keep in mind.")
    note: str = Field("", description="How the model relates to the figure.")
    role: Role = Field(description="fitted (the calibration tunes to it), checked (held "
                       "out: the evidence) or echo (an input read back).")
    kind: Kind = Field(description="cross_sectional (a level at one time), before_after (a "
                       "reform and its effect) or trend (change over time).")
    check: CheckSpec | None = Field(None, description="How the model is checked against it.")
    not_modelled: str | None = Field(None, description="Why the model does not reproduce it.")

    @model_validator(mode="after")
    def _fit_only_levels(self) -> Target:
        if self.role == "fitted" and self.kind != "cross_sectional":
            raise Invalid(f"a {self.kind} figure cannot be fitted: a reform and its effect, "
                          "or a trend, stays held out", path="role", value=self.role,
                          allowed="role: checked")
        if self.role == "fitted" and self.check is not None and (
                self.check.window != "run" or self.check.versus is not None):
            raise Invalid("a fitted figure is a level of one scenario over the whole run",
                          path="role", value=self.role, allowed="role: checked")
        return self


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
            skipped.append(NotModelled(key, entry.meaning, entry.not_modelled, entry.role))
        elif entry.check is not None:  # a figure without a check is information only
            c = entry.check
            checks.append(Check(key, entry.meaning, entry.role, c.outcome, c.scenario,
                                float(c.range[0]), float(c.range[1]),
                                tuple((f.figure, f.note) for f in entry.values),
                                kind=entry.kind, window=c.window, versus=c.versus,
                                caution=entry.caution))
    return checks, skipped


def check_scenario_names() -> list[str]:
    """The scenarios written for the checks (experiments/data/scenarios/)."""
    return sorted(p.stem for p in CHECK_SCENARIOS.glob("*.yaml"))


def scenario_source(name: str) -> str | None:
    """What `load_scenario` needs for a check's scenario: a bundled name or a file in the
    working folder as given, else a file written for the checks; None if there is none."""
    if resolve_name(name) is not None:
        return name
    path = CHECK_SCENARIOS / f"{name}.yaml"
    return str(path) if path.is_file() else None


# ------------------------------------------------------------------ measuring


def profile(model) -> dict[str, float]:
    """Figures the model is built from, as realised in a run (for `kind: input` checks).
    The elderly share is the county's as built (week 0): the population ages in a run."""
    res = model.residents
    beh = model.params.behaviour
    return {
        "elderly_share": float(model.record[0]["elderly_share"]),
        "urban_share": float(res.urban.mean()),
        "migrant_share": float(res.migrant.mean()),
        "digital_share": float(res.digital.mean()),
        "volunteer_share_initial": float(model.record[0]["volunteer_share"]),
        "hours_per_volunteer": beh.volunteer_hours * 52.0,
        "grid_workers_per_1000": model.params.ladder.grid_workers_per_1000,
    }


def derived(counts: dict[str, float], residents: float, weeks: float) -> dict[str, float]:
    """Measures derived from a run's (or a year's) cumulative counts:

    - mediations_per_10k: disputes resolved at L1-L2 (grid, village, township and county
      mediation) per 10,000 residents per year;
    - taken_in_per_1000: disputes that ended other than by the parties settling them
      or enduring them (resolved at L1-L3, relapsed, abandoned, petitioned or closed
      unresolved) per 1,000 residents per year, a proxy for requests taken in;
    - petition_share: petitions as a share of the disputes that ended;
    - reported_resolution_gap: what handlers record as resolved minus what was (the
      reported minus the true resolution rate): disputes closed unresolved as a share
      of the disputes that ended.
    """
    years = max(weeks, 1) / 52.0
    ended = (counts["resolved"] + counts["relapsed"] + counts["abandoned"] + counts["escalated"]
             + counts.get("lumped", 0) + counts.get("closed_unresolved", 0))
    return {
        "mediations_per_10k": (counts["resolved_l1"] + counts["resolved_l2"])
        / residents * 10_000 / years,
        "taken_in_per_1000": (ended - counts["resolved_l0"] - counts.get("lumped", 0))
        / residents * 1000 / years,
        "petition_share": counts["escalated"] / ended if ended else math.nan,
        "reported_resolution_gap": (counts.get("closed_unresolved", 0) / ended if ended
                                    else math.nan),
    }


# The running totals of the weekly record (one declaration: `simulation.metrics`).
COUNTS = TALLY_COUNTS


def year_measures(record: list[dict[str, float]], residents: float, first: bool
                  ) -> dict[str, float]:
    """Every `WINDOWED` measure for the first or the last 52 weeks of a run (the whole run
    when it is shorter): rates from the counts of those weeks, states averaged over them.

    `record` is the weekly record (`model.record`): cumulative counts and current states,
    one row per week from week 0.
    """
    end = len(record) - 1
    span = min(52, end)
    lo, hi = (0, span) if first else (end - span, end)
    counts = {k: float(record[hi][k]) - float(record[lo][k]) for k in COUNTS}
    out = resolution_shares({k: int(v) for k, v in counts.items()}, int(residents), span)
    out.update(derived(counts, residents, span))
    rows = record[lo + 1: hi + 1] or record[hi:hi + 1]
    for name in STATE_NAMES:
        out[name] = float(np.mean([float(r[name]) for r in rows]))
    return {k: float(out[k]) for k in WINDOWED}


def run_with_profile(spec: RunSpec) -> dict[str, float]:
    """One run's summary and profile: everything a check may name, for the whole run and
    (as `first_year:NAME`, `last_year:NAME`) for its first and last years."""
    model = simulate(spec.scenario, spec.seed, spec.steps, spec.scenario_dir)
    summary = model.summary()
    out = {**summary, **profile(model)}
    out.update(derived(summary, summary["residents"], summary["weeks"]))
    for first, prefix in ((True, "first_year"), (False, "last_year")):
        for name, value in year_measures(model.record, summary["residents"], first).items():
            out[f"{prefix}:{name}"] = value
    return out


def value_of(row: dict[str, float], outcome: str, window: str) -> float:
    """A check's value in one run's output (`run_with_profile`)."""
    if window == "run":
        return row[outcome]
    if window == "change":
        return row[f"last_year:{outcome}"] - row[f"first_year:{outcome}"]
    return row[f"{window}:{outcome}"]


def measure(checks: list[Check], reps: int, *, scenario_override: str | None = None,
            workers: int | None = None, steps: int | None = None, progress: bool = True,
            first_seed: int = 0, overrides: Mapping[str, Any] | None = None
            ) -> list[CheckResult]:
    """Run every scenario the checks need over the same seeds and collect each outcome.

    Args:
        checks: what to measure (`read_targets`).
        reps: seeds per scenario, from `first_seed` on.
        scenario_override: run every check on this scenario instead of its own.
        workers: processes (default: all cores).
        steps: weeks per run (default: each scenario's run.steps).
        progress: show a progress bar.
        first_seed: the first seed.
        overrides: parameter values (dotted paths) set in every scenario, as `--set`
            does: does the validation hold under another assumption?

    Returns:
        One result per check, in the checks' order.

    Raises:
        ScenarioError: a check names an outcome the runs do not report.
    """
    names = sorted({scenario_override or s for c in checks for s in c.scenarios()})
    sources = {n: scenario_source(n) or n for n in names}
    scenarios: dict[str, tuple[Scenario, str]] = {
        n: (_with(load_scenario(sources[n]), overrides), str(scenario_dir(sources[n])))
        for n in names}
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
        values = [value_of(r, c.outcome, c.window) for r in rows]
        if c.versus is not None:  # the same seeds in both: a paired difference
            other = outputs[scenario_override or c.versus]
            values = [v - value_of(r, c.outcome, c.window)
                      for v, r in zip(values, other, strict=True)]
        results.append(CheckResult(c, values))
    return results


def _with(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    return with_values(scenario, dict(overrides)) if overrides else scenario


# ------------------------------------------------------------------ reporting


UNITS = {o.name: o.unit for o in OUTCOMES} | {
    "mediations_per_10k": "per 10,000 per year", "taken_in_per_1000": "per 1,000 per year",
    "petition_share": "share"}


def fmt(x: float, outcome: str = "") -> str:
    """A measured value of a check, in its outcome's unit (simulation.numbers)."""
    return format_number(x, UNITS.get(outcome, ""), measured=True)


def result_rows(results: list[CheckResult]) -> list[dict[str, Any]]:
    """The checks' results as plain rows (`cogov targets --json`)."""
    rows = []
    for r in results:
        lo, hi = r.ci
        rows.append({
            "target": r.check.key, "role": r.check.role, "kind": r.check.kind,
            "scenario": r.check.scenario, "versus": r.check.versus,
            "window": r.check.window, "outcome": r.check.outcome, "mean": r.mean,
            "ci_low": lo, "ci_high": hi,
            "low": r.check.low, "high": r.check.high, "n": len(r.values),
            "result": "PASS" if r.passed else "MISS",
        })
    return rows


def evidence(results: list[CheckResult]) -> tuple[int, int]:
    """(passed, total) over the held-out checks: the only ones that count as evidence."""
    held_out = [r for r in results if r.check.role == "checked"]
    return sum(r.passed for r in held_out), len(held_out)


__all__ = ["Check", "CheckResult", "evidence", "measure", "read_targets"]
