"""Experiment files: what a sweep runs, read and checked like scenario files.

An experiment file names a base scenario, the factors to vary (scenario parameters by
dotted path), a design that picks the factors' values, replications, steps, the outcomes
to keep and an experiment seed. See docs/sweeps.md for the format; every problem is
reported with the file, line, field path, bad value, what is allowed and, for a typo, the
nearest valid name, all at once, before anything runs.

Seeds. Every run's seed comes from the experiment seed through numpy's SeedSequence:
replication r of every design point runs with

    int(SeedSequence(seed, spawn_key=(r,)).generate_state(1)[0])      (uint32)

which is the seed of child r of `SeedSequence(seed).spawn(...)`. Replication r therefore
has the same seed at every design point (common random numbers: the same residents,
network and draws, so differences between points are differences of the levers, not of
luck). With `common_random_numbers: false` each run gets its own stream,
spawn_key=(point, r). Latin hypercube and Sobol samples are drawn with the seed
`SeedSequence(seed).generate_state(1)[0]`. Seeds depend only on (point, replication),
never on the order runs finish in, so a resumed sweep gives the same numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from experiments.execute import RunTask
from experiments.experiment_file import (
    DESIGNS,
    FACTOR_KEYS,
    MAX_RUNS,
    SCENARIO_FACTOR,
    TOP_KEYS,
    ExperimentFile,
    resolve_name,
)
from experiments.points import (
    Design,
    Factor,
    FactorialDesign,
    OneAtATimeDesign,
    latin_hypercube,
    morris_design,
    sobol,
)
from experiments.runner import scenario_hash
from simulation import __version__
from simulation.fingerprint import model_fingerprint
from simulation.scenario import Problem, Scenario, ScenarioError, load_scenario_file, with_values
from simulation.scenario.errors import nearest_name
from simulation.scenario.paths import flatten, get_path
from simulation.scenario.validation import (
    Origin,
    locate,
    origin_of,
    read_checked,
    validate_data,
)
from simulation.scenario.yaml_safe import read_yaml_mapping

# The bundled experiment files are package data of this package.
BUNDLED_EXPERIMENTS = Path(str(resources.files("experiments")))
__all__ = ["DESIGNS", "FACTOR_KEYS", "MAX_RUNS", "TOP_KEYS", "Experiment", "load_experiment"]


@dataclass
class Experiment:
    """A checked experiment file with its design points."""

    name: str
    file: str
    text: str
    description: str
    base: str | None
    bases: dict[str, Scenario]  # scenario name -> scenario with `set:` applied
    base_dirs: dict[str, str]
    overrides: dict[str, Any]
    factors: tuple[Factor, ...]
    design: str
    samples: int | None
    replications: int
    steps: int | None
    outcomes: tuple[str, ...]
    seed: int
    common_random_numbers: bool
    series: bool
    points: Design = field(default_factory=lambda: FactorialDesign(()))
    notes: list[str] = field(default_factory=list)  # advice that does not stop the sweep

    # ---------------------------------------------------------------- identity

    @property
    def n_points(self) -> int:
        """Design points."""
        return len(self.points)

    @property
    def n_runs(self) -> int:
        """Runs: design points times replications."""
        return self.n_points * self.replications

    def salib_problem(self) -> dict[str, Any]:
        """The design as SALib's `problem` (a factor with levels is sampled as an index)."""
        return {"num_vars": len(self.factors), "names": [f.name for f in self.factors],
                "bounds": [f.salib_bounds() for f in self.factors]}

    @cached_property
    def definition(self) -> dict[str, Any]:
        """Everything that decides a run's numbers, as plain data (stored with the results)."""
        return {
            "name": self.name,
            "base": self.base,
            "base_hashes": {n: scenario_hash(s) for n, s in sorted(self.bases.items())},
            "set": self.overrides,
            "factors": [f.describe() for f in self.factors],
            "design": self.design,
            "samples": self.samples,
            "replications": self.replications,
            "steps": self.steps,
            "outcomes": list(self.outcomes),
            "seed": self.seed,
            "common_random_numbers": self.common_random_numbers,
            "series": self.series,
            "n_points": self.n_points,
            "points_hash": self.points.digest(),
            # the model that computes the runs: a store of another model is not resumed
            "model": {"cogov_version": __version__, "code": model_fingerprint()},
            "salib_problem": self.salib_problem() if self.design in ("sobol", "morris")
            else None,
        }

    @property
    def model_code(self) -> str:
        """The fingerprint of the model code this experiment's runs must come from."""
        return self.definition["model"]["code"]

    @cached_property
    def definition_hash(self) -> str:
        """16 hex digits identifying the definition (a store holds one definition)."""
        text = json.dumps(self.definition, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ---------------------------------------------------------------- runs

    def run_id(self, point: int, replication: int) -> str:
        """Deterministic: the definition's hash, the design point and the replication."""
        return f"{self.definition_hash[:8]}-p{point:06d}-r{replication:04d}"

    def seed_for(self, point: int, replication: int) -> int:
        """The run's seed: of the replication alone with common random numbers, of the
        point and the replication otherwise (see the module docstring)."""
        key = (replication,) if self.common_random_numbers else (point, replication)
        return run_seed(self.seed, key)

    def base_name(self, point: int) -> str:
        """The scenario a design point starts from (the scenario factor's level, or
        `base`)."""
        if any(f.kind == "scenario" for f in self.factors):
            return str(self.points[point][SCENARIO_FACTOR])
        assert self.base is not None
        return self.base

    def parameter_values(self, point: int) -> dict[str, Any]:
        """Parameter path -> value at a design point (what the worker sets)."""
        out: dict[str, Any] = {}
        values = self.points[point]
        for f in self.factors:
            if f.kind == "scenario" or values.get(f.name) is None:
                continue
            for path in f.parameters:
                out[path] = values[f.name]
        return out

    def task(self, point: int, replication: int) -> RunTask:
        """Everything a worker needs for one run of the design, picklable."""
        name = self.base_name(point)
        return RunTask(
            run_id=self.run_id(point, replication),
            point=point,
            replication=replication,
            seed=self.seed_for(point, replication),
            steps=self.steps,
            scenario=self.bases[name],
            scenario_dir=self.base_dirs[name],
            values=tuple(self.parameter_values(point).items()),
            outcomes=self.outcomes,
            keep_series=self.series,
        )


def run_seed(seed: int, spawn_key: tuple[int, ...]) -> int:
    """The uint32 seed of one run; see the module docstring."""
    ss = np.random.SeedSequence(seed, spawn_key=spawn_key)
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def design_seed(seed: int) -> int:
    """The seed sampled designs (Latin hypercube, Sobol) are drawn with."""
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0])


# ------------------------------------------------------------------ finding files


def bundled_experiments() -> list[str]:
    """Names of the bundled experiment files (package data of `experiments`)."""
    return sorted(p.stem for p in BUNDLED_EXPERIMENTS.glob("*.yaml"))


def resolve_experiment(name: str) -> Path:
    """The experiment file `name` means: a path as given (with or without .yaml), or the
    name of a bundled experiment (`smoke`).

    Raises:
        ScenarioError: there is none, with the nearest bundled name.
    """
    raw = Path(name)
    for cand in (raw, raw.with_suffix(".yaml"), BUNDLED_EXPERIMENTS / raw,
                 BUNDLED_EXPERIMENTS / raw.with_suffix(".yaml")):
        if cand.is_file():
            return cand
    names = bundled_experiments()
    raise ScenarioError([Problem(
        f"no experiment file or bundled experiment named {name!r}",
        allowed="a path to a .yaml file, or one of: " + ", ".join(names),
        suggestion=nearest_name(raw.stem, names))])


# ------------------------------------------------------------------ reading


def load_experiment(path: str | Path, shown: str | None = None,
                    extra_set: Mapping[str, Any] | None = None,
                    seed: int | None = None) -> Experiment:
    """Read and check an experiment file (see `experiments.experiment_file`), load its
    base scenarios and compute its design.

    `extra_set` holds parameter values set on top of the file's `set:` (`cogov sweep
    --set`), a later value for the same path winning: the same file then runs under a
    changed assumption (a mechanism switched off, another start) without a copy of it.
    `seed` replaces the file's experiment seed (`cogov sweep --seed`): the same design
    on other draws. Both are checked as the file's own values are, and are part of the
    experiment's definition (stored with its results, and told apart from the file's own
    design).

    Raises:
        ScenarioError: every problem found, located in the file (those of the base
            scenario files after, located in them; those of `extra_set` and `seed`
            named `--set` and `--seed`).
    """
    path = Path(path)
    shown = shown or str(path)
    beside = path.resolve().parent
    checked, lines = read_checked(ExperimentFile, path, shown, context={"beside": beside})
    if extra_set or seed is not None:
        checked = _with_command_line(path, lines, shown, beside, dict(extra_set or {}), seed)
    text = path.read_text(encoding="utf-8")
    factors = tuple(checked.factors.values())
    scenario_factor = next((f for f in factors if f.kind == "scenario"), None)
    base = checked.base if checked.base is not None or scenario_factor else "default"
    names = list(scenario_factor.levels or ()) if scenario_factor else [base]
    origin = origin_of(lines, shown)
    problems: list[Problem] = []
    bases: dict[str, Scenario] = {}
    base_dirs: dict[str, str] = {}
    for n in names:
        found = resolve_name(str(n), beside)
        assert found is not None  # checked with the file
        try:
            scenario = load_scenario_file(found)
            if checked.overrides:
                scenario = with_values(scenario, checked.overrides)
        except ScenarioError as exc:
            problems.extend(p if p.file else _in_set(p, n, origin, shown, extra_set or {})
                            for p in exc.problems)
            continue
        bases[str(n)] = scenario
        base_dirs[str(n)] = str(found.parent)
    if problems:
        # This file's problems in line order, then those found in scenario files.
        raise ScenarioError(sorted(problems, key=lambda p: (p.file != shown, p.line or 0)))
    exp = Experiment(
        name=path.stem, file=shown, text=text, description=checked.description, base=base,
        bases=bases, base_dirs=base_dirs, overrides=checked.overrides, factors=factors,
        design=checked.design, samples=checked.samples, replications=checked.replications,
        steps=checked.steps, outcomes=checked.outcomes, seed=checked.seed,
        common_random_numbers=checked.common_random_numbers, series=checked.series,
    )
    build_design(exp)
    return exp


def _with_command_line(path: Path, lines: dict[str, int], shown: str, beside: Path,
                       extra: dict[str, Any], seed: int | None) -> ExperimentFile:
    """The experiment file checked again with `extra` added to its `set:` and `seed` (if
    given) in place of its seed (it has already been read and checked once as it is, so
    reading it cannot fail here)."""
    data, _ = read_yaml_mapping(path)
    data = {**data, "set": {**flatten(data.get("set") or {}), **extra}}
    if seed is not None:
        data["seed"] = seed
    checked, found = validate_data(ExperimentFile, data, lines, shown, {"beside": beside})
    if found:
        raise ScenarioError([_from_command_line(p, extra, seed is not None) for p in found])
    assert checked is not None
    return checked


def _from_command_line(problem: Problem, extra: dict[str, Any], seed: bool) -> Problem:
    """A problem of a value given with `--set` or `--seed`, named by the option, not by
    the file."""
    if seed and problem.path == "seed":
        return Problem(problem.message, path="--seed", value=problem.value,
                       allowed=problem.allowed)
    path = (problem.path or "").removeprefix("set.")
    if path not in extra:
        return problem
    message = problem.message.replace("is under `set:`", "is given with --set")
    return Problem(message, path=f"--set {path}", value=problem.value,
                   allowed=problem.allowed, suggestion=problem.suggestion)


def _in_set(problem: Problem, base: str, origin: Origin, shown: str,
            extra: Mapping[str, Any]) -> Problem:
    """A value under `set:` that the base scenario refuses (a lever spending it cannot
    reach), located at its line under `set:`, or named `--set` if it came from there."""
    if problem.path in extra:
        return Problem(f"with {base}: {problem.message}", path=f"--set {problem.path}",
                       value=problem.value, allowed=problem.allowed)
    path = f"set.{problem.path}" if problem.path else "set"
    file, line = locate(path, origin, shown)
    return Problem(f"with {base}: {problem.message}", file=file, line=line, path=path,
                   value=problem.value, allowed=problem.allowed)


# ------------------------------------------------------------------ designs


def build_design(exp: Experiment) -> None:
    """Set exp.points; the file's check has already counted it within the limits, so a
    design is built lazily (see experiments.points) and never one the limits refuse."""
    factors = exp.factors
    if exp.design == "full_factorial":
        exp.points = FactorialDesign(factors)
    elif exp.design == "one_at_a_time":
        exp.points = OneAtATimeDesign(factors, {f.name: _baseline(exp, f) for f in factors})
    else:
        assert exp.samples is not None
        make = {"sobol": sobol, "morris": morris_design}.get(exp.design, latin_hypercube)
        exp.points = make(factors, exp.samples, design_seed(exp.seed))
        if exp.design == "sobol" and exp.samples & (exp.samples - 1):
            exp.notes.append(f"samples: {exp.samples} is not a power of 2; Sobol indices "
                             "converge best with 2^k samples (e.g. 64, 128, 256)")


def _baseline(exp: Experiment, f: Factor) -> Any:
    """A factor's value in the base scenario (one-at-a-time designs start there).

    A factor whose parameters differ in the base, or the scenario factor, starts at its
    first level."""
    if f.kind == "scenario" or not exp.bases:
        return f.level(0)
    scenario = next(iter(exp.bases.values()))
    values = {get_path(scenario, p) for p in f.parameters}
    return values.pop() if len(values) == 1 else f.level(0)
