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
from typing import Any

from experiments.runner import RunSpec, map_runs
from experiments.stats import mean_ci
from simulation.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_dir
from simulation.scenario.errors import nearest_name
from simulation.scenario.yaml_safe import read_yaml_mapping

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
    key: str
    meaning: str
    reason: str


@dataclass
class CheckResult:
    check: Check
    values: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return mean_ci(self.values)[0]

    @property
    def ci(self) -> tuple[float, float]:
        _, lo, hi = mean_ci(self.values)
        return lo, hi

    @property
    def passed(self) -> bool:
        m = self.mean
        return not math.isnan(m) and self.check.low <= m <= self.check.high


# ------------------------------------------------------------------ reading the file


def read_targets(path: Path = TARGETS_FILE) -> tuple[list[Check], list[NotModelled]]:
    """Parse the targets file; problems are reported like scenario problems."""
    data, lines = read_yaml_mapping(path)
    checks: list[Check] = []
    skipped: list[NotModelled] = []
    problems: list[Problem] = []
    for key, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(Problem("each target must be a mapping", file=str(path),
                                    line=lines.get(key), path=key))
            continue
        meaning = str(entry.get("meaning", ""))
        if "not_modelled" in entry:
            skipped.append(NotModelled(key, meaning, str(entry["not_modelled"])))
            continue
        check = entry.get("check")
        if not isinstance(check, dict):
            continue  # a figure without a check is information only
        rng = check.get("range")
        where = f"{key}.check"
        if not (isinstance(rng, list) and len(rng) == 2
                and all(isinstance(x, int | float) for x in rng) and rng[0] <= rng[1]):
            problems.append(Problem("range must be [low, high] with low <= high",
                                    file=str(path), line=lines.get(f"{where}.range"),
                                    path=f"{where}.range", value=rng))
            continue
        figures = tuple((float(v.get("figure", math.nan)), str(v.get("note", "")))
                        for v in entry.get("values", []) if isinstance(v, dict))
        checks.append(Check(key, meaning, str(entry.get("kind", "target")),
                            str(check.get("outcome")), str(check.get("scenario", "default")),
                            float(rng[0]), float(rng[1]), figures))
    if problems:
        raise ScenarioError(problems)
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


def _run_with_profile(spec: RunSpec) -> dict[str, float]:
    from experiments.runner import run_model

    model = run_model(spec.scenario, spec.seed, spec.steps, spec.scenario_dir)
    return {**model.summary(), **profile(model)}


def measure(checks: list[Check], reps: int, *, scenario_override: str | None = None,
            workers: int | None = None, steps: int | None = None, progress: bool = True,
            first_seed: int = 0) -> list[CheckResult]:
    """Run every scenario the checks need over `reps` seeds and collect each outcome."""
    names = sorted({scenario_override or c.scenario for c in checks})
    scenarios: dict[str, tuple[Scenario, str]] = {
        n: (load_scenario(n), str(scenario_dir(n))) for n in names}
    specs = [RunSpec(s, seed, steps or s.run.steps, d, label=n)
             for n, (s, d) in scenarios.items() for seed in range(first_seed,
                                                                  first_seed + reps)]
    outputs: dict[str, list[dict[str, float]]] = {n: [] for n in names}
    for spec, out in map_runs(_run_with_profile, specs, workers=workers, progress=progress,
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


def fmt(x: float) -> str:
    if math.isnan(x):
        return "—"
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:.3f}"


def result_rows(results: list[CheckResult]) -> list[dict[str, Any]]:
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
