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

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from experiments.execute import RunTask
from experiments.points import (
    Design,
    Factor,
    FactorialDesign,
    OneAtATimeDesign,
    count,
    latin_hypercube,
    sobol,
    stored_values,
)
from experiments.runner import scenario_hash
from simulation import __version__
from simulation.fingerprint import model_fingerprint
from simulation.metrics import COUNT_NAMES, OUTCOME_NAMES
from simulation.scenario import (
    ParameterSpec,
    Problem,
    Scenario,
    ScenarioError,
    bundled_names,
    iter_parameters,
    load_scenario_file,
    parameter_spec,
    with_values,
)
from simulation.scenario.errors import nearest_name
from simulation.scenario.loader import resolve_name as _resolve_scenario_name
from simulation.scenario.yaml_safe import read_yaml_mapping

# The bundled experiment files are package data of this package.
BUNDLED_EXPERIMENTS = Path(str(resources.files("experiments")))
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "one_at_a_time")
SAMPLED = ("latin_hypercube", "sobol")  # designs that need `samples`
TOP_KEYS = ("description", "base", "set", "factors", "design", "samples", "replications",
            "steps", "outcomes", "seed", "common_random_numbers", "series")
FACTOR_KEYS = ("parameter", "parameters", "low", "high", "levels", "points")
SCENARIO_FACTOR = "scenario"
KEEPABLE = OUTCOME_NAMES + COUNT_NAMES  # names `outcomes:` may list
# Columns of the `runs` table that are not factors or outcomes (a factor may not use them).
RUN_COLUMNS = ("run_id", "point", "replication", "seed", "base_scenario", "steps",
               "scenario_hash", "cogov_version", "model_code", "status", "error", "traceback",
               "started", "finished", "duration_s", "host", "varied")
MAX_RUNS = 10_000_000
# A sampled design holds one float per sample and factor (Sobol: two): at most 256 MB.
MAX_DESIGN_VALUES = 32_000_000
MAX_STEPS = int(parameter_spec("run.steps").maximum or 0)  # the bound of run.steps


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
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    def salib_problem(self) -> dict[str, Any]:
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
            "salib_problem": self.salib_problem() if self.design == "sobol" else None,
        }

    @property
    def model_code(self) -> str:
        return self.definition["model"]["code"]

    @cached_property
    def definition_hash(self) -> str:
        text = json.dumps(self.definition, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ---------------------------------------------------------------- runs

    def run_id(self, point: int, replication: int) -> str:
        """Deterministic: the definition's hash, the design point and the replication."""
        return f"{self.definition_hash[:8]}-p{point:06d}-r{replication:04d}"

    def seed_for(self, point: int, replication: int) -> int:
        key = (replication,) if self.common_random_numbers else (point, replication)
        return run_seed(self.seed, key)

    def base_name(self, point: int) -> str:
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

    def all_runs(self) -> Iterator[tuple[int, int]]:
        """(point, replication) of every run, in run_id order."""
        for p in range(self.n_points):
            for r in range(self.replications):
                yield p, r


def run_seed(seed: int, spawn_key: tuple[int, ...]) -> int:
    """The uint32 seed of one run; see the module docstring."""
    ss = np.random.SeedSequence(seed, spawn_key=spawn_key)
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def design_seed(seed: int) -> int:
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0])


# ------------------------------------------------------------------ finding files


def bundled_experiments() -> list[str]:
    return sorted(p.stem for p in BUNDLED_EXPERIMENTS.glob("*.yaml"))


def resolve_name(name: str, beside: Path) -> Path | None:
    """A scenario file by name or path, or None when there is none: a name that is no
    file name at all ("/", "", one too long for the file system) is simply not found."""
    try:
        return _resolve_scenario_name(name, beside=beside)
    except (ValueError, OSError):
        return None


def resolve_experiment(name: str) -> Path:
    """A path as given, or the name of a bundled experiment (`smoke`)."""
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


# ------------------------------------------------------------------ reading and checking


def _params() -> dict[str, ParameterSpec]:
    return {p.path: p for p in iter_parameters()}


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _allowed(spec: ParameterSpec) -> str:
    if spec.kind == "choice":
        return "one of: " + ", ".join(spec.choices)
    kind = "a whole number" if spec.kind == "int" else "a number"
    unit = f" ({spec.unit})" if spec.unit else ""
    if spec.minimum is not None and spec.maximum is not None:
        return f"{kind} from {_num(spec.minimum)} to {_num(spec.maximum)}{unit}"
    return kind + unit


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """`{levers: {rule_of_law: {enforcement: 0.8}}}` and `{levers.rule_of_law.enforcement:
    0.8}` both become {"levers.rule_of_law.enforcement": 0.8}."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


class _Checker:
    """Collects the problems of one experiment file, each located at its line."""

    def __init__(self, shown: str, lines: dict[str, int]):
        self.shown = shown
        self.lines = lines
        self.problems: list[Problem] = []
        self.params = _params()

    def line(self, path: str) -> int | None:
        probe = path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.lines.get("")

    def sorted(self) -> list[Problem]:
        """This file's problems in line order, then those found in scenario files."""
        return sorted(self.problems, key=lambda p: (p.file != self.shown, p.line or 0))

    def add(self, message: str, path: str, **kw: Any) -> None:
        self.problems.append(Problem(message, file=self.shown, line=self.line(path),
                                     path=path, **kw))

    # ------------------------------------------------------------ scalars

    def whole(self, data: dict, key: str, default: int | None, lo: int, hi: int | None,
              what: str) -> int | None:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        allowed = f"a whole number from {lo:,}" + (f" to {hi:,}" if hi else " up")
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(f"{what} must be a whole number", key, value=value, allowed=allowed)
            return default
        if value < lo or (hi is not None and value > hi):
            self.add(f"{what} out of range", key, value=value, allowed=allowed)
            return default
        return value

    def flag(self, data: dict, key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{key} must be true or false", key, value=value, allowed="true or false")
            return default
        return value

    # ------------------------------------------------------------ parameters

    def parameter(self, path: str, where: str) -> ParameterSpec | None:
        spec = self.params.get(path) if isinstance(path, str) else None
        if spec is None:
            self.add(f"unknown parameter {path!r}", where, value=path,
                     allowed="a parameter's dotted path (`cogov params` lists them)",
                     suggestion=nearest_name(str(path), self._parameter_names(str(path))))
            return None
        if spec.kind == "text":
            self.add(f"{path} is not a number or a choice, so it cannot be a factor", where,
                     value=path)
            return None
        return spec

    def _parameter_names(self, typed: str) -> list[str]:
        """Dotted paths; a bare name ('enforcement') is matched against their last parts."""
        if "." not in typed:
            leaves: dict[str, str] = {}
            for p in self.params:  # the first declared wins: a lever before its cost
                leaves.setdefault(p.rsplit(".", 1)[-1], p)
            hit = nearest_name(typed, leaves)
            if hit is not None:
                return [leaves[hit]]
        return list(self.params)

    def value_fits(self, value: Any, spec: ParameterSpec, where: str) -> bool:
        """Is `value` allowed for the parameter? Reports the problem if not."""
        if spec.kind == "choice":
            if value not in spec.choices:
                self.add(f"{value!r} is not a choice of {spec.path}", where, value=value,
                         allowed=_allowed(spec),
                         suggestion=nearest_name(str(value), spec.choices))
                return False
            return True
        if not _is_number(value):
            self.add(f"expected a number for {spec.path}", where, value=value,
                     allowed=_allowed(spec))
            return False
        if spec.kind == "int" and not float(value).is_integer():
            self.add(f"{spec.path} takes whole numbers", where, value=value,
                     allowed=_allowed(spec))
            return False
        if spec.minimum is not None and value < spec.minimum:
            self.add(f"{_num(value)} is below the declared lower bound of {spec.path}", where,
                     value=value, allowed=_allowed(spec))
            return False
        if spec.maximum is not None and value > spec.maximum:
            self.add(f"{_num(value)} is above the declared upper bound of {spec.path}", where,
                     value=value, allowed=_allowed(spec))
            return False
        return True

    # ------------------------------------------------------------ factors

    def factor(self, name: Any, spec: Any, beside: Path) -> Factor | None:
        where = f"factors.{name}"
        if not isinstance(name, str) or not name.strip():
            self.add("a factor needs a name", where, value=name)
            return None
        if name.lower() in {c.lower() for c in (*RUN_COLUMNS, *KEEPABLE)}:  # SQL ignores case
            self.add(f"{name!r} is the name of a column of the results; name the factor "
                     "otherwise", where, value=name)
            return None
        if isinstance(spec, list):  # shorthand: `path: [a, b, c]` means levels
            spec = {"levels": spec}
        if not isinstance(spec, dict):
            self.add("a factor is a mapping with `levels: [...]` or `low:` and `high:`",
                     where, value=spec,
                     allowed="e.g. {low: 0.1, high: 0.9} or {levels: [0.1, 0.5, 0.9]}")
            return None
        for key in spec:
            if key not in FACTOR_KEYS:
                self.add(f"unknown key {key!r} in a factor", f"{where}.{key}",
                         allowed="one of: " + ", ".join(FACTOR_KEYS),
                         suggestion=nearest_name(str(key), FACTOR_KEYS))
        if name == SCENARIO_FACTOR and "parameter" not in spec and "parameters" not in spec:
            return self.scenario_factor(spec, where, beside)
        paths = self.factor_parameters(name, spec, where)
        if not paths:
            return None
        if "parameters" in spec:
            spots = [f"{where}.parameters[{i}]" for i in range(len(paths))]
        else:
            spots = [f"{where}.parameter" if "parameter" in spec else where]
        specs = [self.parameter(p, spot) for p, spot in zip(paths, spots, strict=True)]
        if any(s is None for s in specs):
            return None
        kinds = {("choice" if s.kind == "choice" else "number") for s in specs}  # type: ignore
        if len(kinds) > 1:
            self.add("the parameters of one factor must all be numbers or all be choices",
                     where, value=list(paths))
            return None
        if kinds == {"choice"}:
            if len({s.choices for s in specs}) > 1:  # type: ignore[union-attr]
                self.add("choice parameters of one factor must share their choices", where,
                         value=list(paths))
                return None
            kind = "choice"
        else:
            kind = "integer" if any(s.kind == "int" for s in specs) else "number"  # type: ignore
        return self.values(name, spec, where, paths, specs, kind)  # type: ignore[arg-type]

    def factor_parameters(self, name: str, spec: dict, where: str) -> tuple[str, ...]:
        if "parameter" in spec and "parameters" in spec:
            self.add("give `parameter:` or `parameters:`, not both", where)
            return ()
        if "parameter" in spec:
            raw = spec["parameter"]
            if not isinstance(raw, str):
                self.add("parameter must be a dotted path", f"{where}.parameter", value=raw)
                return ()
            return (raw,)
        if "parameters" in spec:
            raw = spec["parameters"]
            if (not isinstance(raw, list) or not raw
                    or not all(isinstance(p, str) for p in raw)):
                self.add("parameters must be a list of dotted paths", f"{where}.parameters",
                         value=raw, allowed="e.g. [levers.rule_of_law.legal_services, "
                         "levers.rule_of_law.enforcement]")
                return ()
            if len(set(raw)) != len(raw):
                self.add("a parameter is listed twice", f"{where}.parameters", value=raw)
                return ()
            return tuple(raw)
        if name not in self.params:
            hint = "" if "." in name else (" (a factor not named by its parameter needs "
                                           "`parameters: [...]`)")
            self.add(f"unknown parameter {name!r}{hint}", where, value=name,
                     allowed="a parameter's dotted path (`cogov params` lists them), "
                     "or `scenario`",
                     suggestion=nearest_name(name, [*self._parameter_names(name),
                                                    SCENARIO_FACTOR]))
            return ()
        return (name,)

    def values(self, name: str, spec: dict, where: str, paths: tuple[str, ...],
               specs: list[ParameterSpec], kind: str) -> Factor | None:
        has_range = "low" in spec or "high" in spec
        if has_range and "levels" in spec:
            self.add("give `levels:` or `low:` and `high:`, not both", where)
            return None
        if "levels" in spec:
            levels = spec["levels"]
            if not isinstance(levels, list) or not levels:
                self.add("levels must be a non-empty list", f"{where}.levels", value=levels,
                         allowed="e.g. [0.1, 0.5, 0.9]")
                return None
            ok = True
            for i, v in enumerate(levels):  # all() stops at the first refusal: one message
                ok = all(self.value_fits(v, s, f"{where}.levels[{i}]") for s in specs) and ok
            if ok and len(set(map(repr, levels))) != len(levels):
                self.add("a level is listed twice", f"{where}.levels", value=levels)
                ok = False
            if "points" in spec:
                self.add("points only applies to a range (low, high)", f"{where}.points")
                ok = False
            if not ok:
                return None
            if kind == "integer":
                levels = [round(v) for v in levels]
            elif kind == "number":
                levels = [float(v) for v in levels]
            return Factor(name, paths, kind, levels=tuple(levels))
        if not has_range:
            self.add("a factor needs `levels: [...]` or `low:` and `high:`", where,
                     allowed="e.g. {low: 0.1, high: 0.9} or {levels: [0.1, 0.5, 0.9]}")
            return None
        if kind == "choice":
            self.add("a choice parameter takes `levels: [...]`, not a range", where,
                     allowed=_allowed(specs[0]))
            return None
        ok = True
        for key in ("low", "high"):
            if key not in spec:
                self.add(f"a range needs `{key}:`", where)
                ok = False
                continue
            ok = all(self.value_fits(spec[key], s, f"{where}.{key}") for s in specs) and ok
        if not ok:
            return None
        low, high = spec["low"], spec["high"]
        if low > high:
            self.add(f"low ({_num(low)}) is above high ({_num(high)})", f"{where}.low",
                     value={"low": low, "high": high}, allowed="low < high")
            return None
        if low == high:
            self.add("low and high are equal: a constant belongs under `set:`", f"{where}.low",
                     value={"low": low, "high": high}, allowed="low < high")
            return None
        points = spec.get("points")
        if points is not None and (not isinstance(points, int) or isinstance(points, bool)
                                   or not 2 <= points <= MAX_RUNS):
            self.add(f"points must be a whole number from 2 to {MAX_RUNS:,}",
                     f"{where}.points", value=points,
                     allowed=f"a whole number from 2 to {MAX_RUNS:,}")
            return None
        return Factor(name, paths, kind, low=float(low), high=float(high), points=points)

    def scenario_factor(self, spec: dict, where: str, beside: Path) -> Factor | None:
        levels = spec.get("levels")
        if "low" in spec or "high" in spec or not isinstance(levels, list) or not levels:
            self.add("the scenario factor takes `levels:`, a list of scenario names",
                     f"{where}.levels", value=levels,
                     allowed="scenario names, e.g. [" + ", ".join(bundled_names()[:3]) + "]")
            return None
        ok = True
        for i, lev in enumerate(levels):
            if not isinstance(lev, str) or resolve_name(lev, beside) is None:
                names = bundled_names()
                self.add(f"no scenario named {lev!r}", f"{where}.levels[{i}]", value=lev,
                         allowed="a .yaml file beside the experiment, or one of: "
                         + ", ".join(names),
                         suggestion=nearest_name(Path(str(lev)).stem, names))
                ok = False
        if ok and len(set(levels)) != len(levels):
            self.add("a scenario is listed twice", f"{where}.levels", value=levels)
            ok = False
        return Factor(SCENARIO_FACTOR, (), "scenario", levels=tuple(levels)) if ok else None


def load_experiment(path: str | Path, shown: str | None = None) -> Experiment:
    """Read and check an experiment file and compute its design.

    Raises ScenarioError with every problem found, located in the file."""
    path = Path(path)
    shown = shown or str(path)
    try:
        data, lines = read_yaml_mapping(path)
    except ScenarioError as exc:
        raise ScenarioError([dataclasses.replace(p, file=shown) for p in exc.problems]) from None
    text = path.read_text(encoding="utf-8")
    beside = path.resolve().parent
    c = _Checker(shown, lines)

    for key in data:
        if key not in TOP_KEYS:
            c.add(f"unknown key {key!r}", key, allowed="one of: " + ", ".join(TOP_KEYS),
                  suggestion=nearest_name(str(key), TOP_KEYS))
    description = data.get("description") or ""
    if not isinstance(description, str):
        c.add("description must be text", "description", value=description)
        description = ""

    # ---- factors first: a `scenario` factor replaces `base`
    raw_factors = data.get("factors")
    factors: list[Factor] = []
    if not isinstance(raw_factors, dict) or not raw_factors:
        c.add("an experiment needs `factors:`, a mapping of factor names to their values",
              "factors", value=raw_factors,
              allowed="e.g. factors: {levers.rule_of_law.enforcement: {low: 0.1, high: 0.9}}")
    else:
        for name, spec in raw_factors.items():
            f = c.factor(name, spec, beside)
            if f is not None:
                factors.append(f)
    by_lower: dict[str, str] = {}
    for f in factors:  # DuckDB column names ignore case
        if f.name.lower() in by_lower:
            c.add(f"factor names {by_lower[f.name.lower()]!r} and {f.name!r} differ only in "
                  "case; column names in the results ignore case", f"factors.{f.name}")
        by_lower[f.name.lower()] = f.name
    seen: dict[str, str] = {}
    for f in factors:
        for p in f.parameters:
            if p in seen:
                c.add(f"{p} is set by two factors ({seen[p]!r} and {f.name!r})",
                      f"factors.{f.name}", value=p)
            seen[p] = f.name
    scenario_factor = next((f for f in factors if f.kind == "scenario"), None)

    # ---- base scenario(s) and `set:`
    base = data.get("base")
    if scenario_factor is not None and base is not None:
        c.add("`base:` and a `scenario` factor both choose the scenario; drop `base:`", "base",
              value=base)
    if base is None and scenario_factor is None:
        base = "default"
    raw_set = data.get("set") or {}
    overrides: dict[str, Any] = {}
    if not isinstance(raw_set, dict):
        c.add("set must be a mapping of parameter paths to values", "set", value=raw_set,
              allowed="e.g. set: {population.residents: 2000}")
    else:
        for p, v in _flatten(raw_set).items():
            spec = c.parameter(p, f"set.{p}")
            if spec is not None and c.value_fits(v, spec, f"set.{p}"):
                overrides[p] = v
                if p in seen:
                    c.add(f"{p} is under `set:` and in factor {seen[p]!r}; the factor would "
                          "replace it: keep one", f"set.{p}", value=v)
    names = list(scenario_factor.levels) if scenario_factor else [base]
    bases: dict[str, Scenario] = {}
    base_dirs: dict[str, str] = {}
    if base is not None and (not isinstance(base, str) or not base.strip()):
        c.add("base must name a scenario", "base", value=base,
              allowed="a scenario name or a path to a .yaml file")
        names = []
    for n in names:
        where = "base" if scenario_factor is None else "factors.scenario.levels"
        found = resolve_name(str(n), beside)
        if found is None:
            if scenario_factor is None:
                all_names = bundled_names()
                c.add(f"no scenario named {n!r}", where, value=n,
                      allowed="a .yaml file beside the experiment, or one of: "
                      + ", ".join(all_names),
                      suggestion=nearest_name(Path(str(n)).stem, all_names))
            continue
        try:
            scenario = load_scenario_file(found)
        except ScenarioError as exc:  # the scenario file's own problems, located there
            c.problems.extend(exc.problems)
            continue
        if overrides:
            try:
                scenario = with_values(scenario, overrides)
            except ScenarioError as exc:
                for p in exc.problems:
                    c.add(f"with {n}: {p.message}", f"set.{p.path}" if p.path else "set",
                          value=p.value, allowed=p.allowed)
                continue
        bases[str(n)] = scenario
        base_dirs[str(n)] = str(found.parent)

    # ---- design
    design = data.get("design", "full_factorial")
    if design not in DESIGNS:
        c.add(f"unknown design {design!r}", "design", value=design,
              allowed="one of: " + ", ".join(DESIGNS),
              suggestion=nearest_name(str(design), DESIGNS))
        design = None
    samples = c.whole(data, "samples", None, 1, MAX_RUNS, "samples")
    if design in SAMPLED and samples is None and "samples" not in data:
        c.add(f"the {design} design needs `samples:`", "design",
              allowed="a whole number (sobol: a power of 2 such as 64 or 256)")
    if design in ("full_factorial", "one_at_a_time") and "samples" in data:
        c.add(f"samples only applies to latin_hypercube and sobol, not {design}", "samples",
              value=data["samples"])
    replications = c.whole(data, "replications", 1, 1, 100_000, "replications") or 1
    steps = c.whole(data, "steps", None, 1, MAX_STEPS, "steps")
    seed = c.whole(data, "seed", 0, 0, 2**63 - 1, "seed")
    crn = c.flag(data, "common_random_numbers", True)
    series = c.flag(data, "series", False)
    if design == "sobol" and len(factors) < 2 and not c.problems:
        c.add("a Sobol design needs at least two factors", "factors")

    outcomes = _outcomes(c, data.get("outcomes"))

    if c.problems:
        raise ScenarioError(c.sorted())
    exp = Experiment(
        name=path.stem, file=shown, text=text, description=description.strip(), base=base,
        bases=bases, base_dirs=base_dirs, overrides=overrides, factors=tuple(factors),
        design=str(design), samples=samples, replications=replications, steps=steps,
        outcomes=outcomes, seed=int(seed or 0), common_random_numbers=crn, series=series,
    )
    build_design(exp, c)
    if c.problems:
        raise ScenarioError(c.sorted())
    return exp


def _outcomes(c: _Checker, raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "all":
        return OUTCOME_NAMES
    if not isinstance(raw, list) or not raw:
        c.add("outcomes must be a list of outcome names (or `all`)", "outcomes", value=raw,
              allowed="names from: " + ", ".join(OUTCOME_NAMES))
        return ()
    out: list[str] = []
    for i, name in enumerate(raw):
        if name not in KEEPABLE:
            c.add(f"unknown outcome {name!r}", f"outcomes[{i}]", value=name,
                  allowed="one of: " + ", ".join(KEEPABLE),
                  suggestion=nearest_name(str(name), KEEPABLE))
        elif name in out:
            c.add(f"outcome {name!r} is listed twice", f"outcomes[{i}]", value=name)
        else:
            out.append(name)
    return tuple(out)


# ------------------------------------------------------------------ designs


def build_design(exp: Experiment, c: _Checker) -> None:
    """Set exp.points, once the run count is known to be within the limits.

    Counts come first, by arithmetic: a design the limits refuse is never built, and one
    they accept is built lazily (see experiments.points)."""
    factors = exp.factors
    points = count(exp.design, factors, exp.samples)
    total = points * exp.replications
    if total > MAX_RUNS:
        what = {"full_factorial": "the full factorial", "one_at_a_time": "the design"}.get(
            exp.design, f"the {exp.design} design")
        if exp.design == "full_factorial":
            how = " x ".join(f"{f.n_levels:,}" for f in factors) + " levels"
        elif exp.design == "one_at_a_time":
            how = "1 + " + " + ".join(f"{f.n_levels:,}" for f in factors) + " points"
        elif exp.design == "sobol":
            how = f"{exp.samples:,} samples x ({len(factors)} factors + 2)"
        else:
            how = f"{exp.samples:,} samples"
        c.add(f"{what} has {total:,} runs ({how} x {exp.replications:,} replications), "
              f"more than {MAX_RUNS:,}", _count_blame(exp),
              allowed="fewer levels, points, samples or replications"
              + (", or a latin_hypercube or sobol design"
                 if exp.design == "full_factorial" else ""))
        return
    held = stored_values(exp.design, factors, exp.samples)
    if held > MAX_DESIGN_VALUES:
        c.add(f"the {exp.design} design holds {held:,} numbers ({exp.samples:,} samples x "
              f"{len(factors)} factors{' x 2' if exp.design == 'sobol' else ''}), more than "
              f"{MAX_DESIGN_VALUES:,}", "samples", value=exp.samples,
              allowed="fewer samples or factors")
        return
    if exp.design == "full_factorial":
        exp.points = FactorialDesign(factors)
    elif exp.design == "one_at_a_time":
        exp.points = OneAtATimeDesign(factors, {f.name: _baseline(exp, f) for f in factors})
    else:
        assert exp.samples is not None
        make = sobol if exp.design == "sobol" else latin_hypercube
        exp.points = make(factors, exp.samples, design_seed(exp.seed))
        if exp.design == "sobol" and exp.samples & (exp.samples - 1):
            exp.notes.append(f"samples: {exp.samples} is not a power of 2; Sobol indices "
                             "converge best with 2^k samples (e.g. 64, 128, 256)")


def _count_blame(exp: Experiment) -> str:
    """Where to point a too-large run count: `samples`, the factor with the most levels
    taken from `points:`, or the factors."""
    if exp.design in ("sobol", "latin_hypercube"):
        return "samples"
    ranged = [f for f in exp.factors if f.points]
    if ranged:
        return f"factors.{max(ranged, key=lambda f: f.points or 0).name}.points"
    return "factors"


def _baseline(exp: Experiment, f: Factor) -> Any:
    """A factor's value in the base scenario (one-at-a-time designs start there).

    A factor whose parameters differ in the base, or the scenario factor, starts at its
    first level."""
    if f.kind == "scenario" or not exp.bases:
        return f.level(0)
    scenario = next(iter(exp.bases.values()))
    values = set()
    for p in f.parameters:
        node: Any = scenario
        for part in p.split("."):
            node = getattr(node, part)
        values.add(node)
    return values.pop() if len(values) == 1 else f.level(0)
