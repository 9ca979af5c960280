"""The experiment file's declaration: what a sweep runs, checked like a scenario file.

`ExperimentFile` is a pydantic model validated through the scenario files' machinery
(`simulation.scenario.validation`): every problem is reported with the file, line, field
path, bad value, what is allowed and the nearest valid name, all at once, before anything
runs. The fields' own types and bounds are declared on the fields; the rules that need the
model's parameters (a factor's values within its parameter's declared bounds), a file
(the base scenario exists) or several fields (a Sobol design needs two factors, the
design's size stays within the limits) are validators that name the field they object to.
See docs/sweeps.md for the format.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from experiments.points import Factor, count, stored_values
from simulation.metrics import COUNT_NAMES, OUTCOME_NAMES
from simulation.numbers import format_number
from simulation.scenario import (
    ParameterSpec,
    bundled_names,
    iter_assumptions,
    iter_parameters,
    parameter_spec,
)
from simulation.scenario.errors import nearest_name, nearest_path
from simulation.scenario.loader import resolve_name as _resolve_scenario_name
from simulation.scenario.paths import flatten
from simulation.scenario.validation import Invalid, allowed_text, invalid_from, raise_found

Design = Literal["full_factorial", "latin_hypercube", "sobol", "one_at_a_time", "morris"]
DESIGNS: tuple[str, ...] = Design.__args__  # type: ignore[attr-defined]
SAMPLED = ("latin_hypercube", "sobol", "morris")  # designs that need `samples`
# `factors: {assumptions: all}` (or a list of paths or prefixes) stands for one factor per
# uncertain assumption over its plausible range (simulation.scenario.iter_assumptions).
ASSUMPTIONS_GROUP = "assumptions"
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
RANGE_EXAMPLE = "e.g. {low: 0.1, high: 0.9} or {levels: [0.1, 0.5, 0.9]}"


class FileSection(BaseModel):
    """Base of the file's parts: no unknown keys, no silent coercion of text to numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class FactorSpec(FileSection):
    """One factor as written: its parameter(s) and its values (a range or levels)."""

    parameter: str | None = Field(None, strict=True, description="The parameter's dotted "
                                  "path, when the factor is not named by it.")
    parameters: list[str] | None = Field(None, description="Several parameters that take "
                                         "the factor's value together.")
    low: Any = Field(None, description="The range's lower end.")
    high: Any = Field(None, description="The range's upper end.")
    levels: list[Any] | None = Field(None, description="The values, listed.")
    points: int | None = Field(None, ge=2, le=MAX_RUNS, strict=True,
                               description="Levels taken from the range (full factorial, "
                               "one at a time); 2 when not given.")


class ExperimentFile(FileSection):
    """An experiment file. A key left out (or null) takes the default shown."""

    description: str = Field("", description="What the experiment asks.")
    base: str | None = Field(None, strict=True, description="The scenario every point "
                             "starts from (default: `default`, the calibrated county).")
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set",
                                      description="Parameters set at every point.")
    factors: dict[str, Any] = Field(default_factory=dict, description="What varies: factor "
                                    "name -> range or levels.")
    design: Design = Field("full_factorial", description="How the points are chosen.")
    samples: int | None = Field(None, ge=1, le=MAX_RUNS, strict=True,
                                description="Samples of a latin_hypercube or sobol design; "
                                "trajectories of a morris design.")
    replications: int = Field(1, ge=1, le=100_000, strict=True,
                              description="Runs per design point.")
    steps: int | None = Field(None, ge=1, le=MAX_STEPS, strict=True,
                              description="Weeks per run (default: each scenario's).")
    outcomes: Any = Field(None, description="Outcomes kept (default: all).")
    seed: int = Field(0, ge=0, le=2**63 - 1, strict=True, description="The experiment's "
                      "seed; every run's seed derives from it.")
    common_random_numbers: bool = Field(True, strict=True, description="Replication r uses "
                                        "the same seed at every point.")
    series: bool = Field(False, strict=True, description="Keep every run's weekly series.")

    # ---------------------------------------------------------------- one field at a time

    @model_validator(mode="before")
    @classmethod
    def _null_is_default(cls, data: Any) -> Any:
        """`key:` with no value means the default, as leaving the key out does."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("base")
    @classmethod
    def _base_exists(cls, base: str | None, info: ValidationInfo) -> str | None:
        if base is None:
            return None
        if not base.strip():
            raise Invalid("base must name a scenario",
                          allowed="a scenario name or a path to a .yaml file")
        if resolve_name(base, _beside(info)) is None:
            names = bundled_names()
            raise Invalid(f"no scenario named {base!r}",
                          allowed="a .yaml file beside the experiment, or one of: "
                          + ", ".join(names), suggestion=nearest_name(Path(base).stem, names))
        return base

    @field_validator("overrides")
    @classmethod
    def _set_values_fit(cls, raw: dict[str, Any]) -> dict[str, Any]:
        found: list[Invalid] = []
        out: dict[str, Any] = {}
        for path, value in flatten(raw).items():
            spec = _parameter(path, path, found)
            if spec is not None and _fits(value, spec, path, found):
                out[path] = value
        raise_found(found)
        return out

    @field_validator("factors")
    @classmethod
    def _factors(cls, raw: dict[str, Any], info: ValidationInfo) -> dict[str, Factor]:
        if not raw:
            raise Invalid("an experiment needs `factors:`, a mapping of factor names to "
                          "their values", value=None, allowed="e.g. factors: "
                          "{levers.rule_of_law.enforcement: {low: 0.1, high: 0.9}}")
        found: list[Invalid] = []
        factors: dict[str, Factor] = {}
        for name, spec in raw.items():
            if name == ASSUMPTIONS_GROUP:
                for factor in _assumption_factors(spec, found):
                    factors[factor.name] = factor
                continue
            factor = _factor(name, spec, _beside(info), found)
            if factor is not None:
                factors[name] = factor
        by_lower: dict[str, str] = {}
        for f in factors.values():  # DuckDB column names ignore case
            if f.name.lower() in by_lower:
                found.append(Invalid(
                    f"factor names {by_lower[f.name.lower()]!r} and {f.name!r} differ only "
                    "in case; column names in the results ignore case", path=f.name,
                    value=None))
            by_lower[f.name.lower()] = f.name
        seen: dict[str, str] = {}
        for f in factors.values():
            for p in f.parameters:
                if p in seen:
                    found.append(Invalid(f"{p} is set by two factors ({seen[p]!r} and "
                                         f"{f.name!r})", path=f.name, value=p))
                seen[p] = f.name
        raise_found(found)
        return factors

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, raw: Any) -> tuple[str, ...]:
        if raw is None or raw == "all":
            return OUTCOME_NAMES
        if not isinstance(raw, list) or not raw:
            raise Invalid("outcomes must be a list of outcome names (or `all`)",
                          allowed="names from: " + ", ".join(OUTCOME_NAMES))
        found: list[Invalid] = []
        out: list[str] = []
        for i, name in enumerate(raw):
            if name not in KEEPABLE:
                found.append(Invalid(f"unknown outcome {name!r}", path=f"[{i}]", value=name,
                                     allowed="one of: " + ", ".join(KEEPABLE),
                                     suggestion=nearest_name(str(name), KEEPABLE)))
            elif name in out:
                found.append(Invalid(f"outcome {name!r} is listed twice", path=f"[{i}]",
                                     value=name))
            else:
                out.append(name)
        raise_found(found)
        return tuple(out)

    # ---------------------------------------------------------------- across fields

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentFile:
        found: list[Invalid] = []
        factors: dict[str, Factor] = self.factors
        scenario = SCENARIO_FACTOR in factors and factors[SCENARIO_FACTOR].kind == "scenario"
        if scenario and self.base is not None:
            found.append(Invalid("`base:` and a `scenario` factor both choose the scenario; "
                                 "drop `base:`", path="base"))
        in_factors = {p: f.name for f in factors.values() for p in f.parameters}
        for path, value in self.overrides.items():
            if path in in_factors:
                found.append(Invalid(f"{path} is under `set:` and in factor "
                                     f"{in_factors[path]!r}; the factor would replace it: "
                                     "keep one", path=f"set.{path}", value=value))
        if self.design in SAMPLED and self.samples is None:
            found.append(Invalid(f"the {self.design} design needs `samples:`", path="design",
                                 allowed="a whole number (sobol: a power of 2 such as 64 or "
                                 "256)"))
        if self.design not in SAMPLED and self.samples is not None:
            found.append(Invalid(f"samples only applies to latin_hypercube, sobol and morris, not "
                                 f"{self.design}", path="samples"))
        if self.design == "sobol" and len(factors) < 2:
            found.append(Invalid("a Sobol design needs at least two factors", path="factors",
                                 value=None))
        if not found:
            found.extend(_size_problems(self))
        raise_found(found)
        return self


# ------------------------------------------------------------------ names and parameters


def _beside(info: ValidationInfo) -> Path:
    """The folder a file's scenario names are looked for in first (the file's own)."""
    return Path((info.context or {}).get("beside") or Path.cwd())


def resolve_name(name: str, beside: Path) -> Path | None:
    """A scenario file by name or path, or None when there is none: a name that is no
    file name at all ("/", "", one too long for the file system) is simply not found."""
    try:
        return _resolve_scenario_name(name, beside=beside)
    except (ValueError, OSError):
        return None


@cache
def _params() -> dict[str, ParameterSpec]:
    return {p.path: p for p in iter_parameters()}


def _parameter(path: Any, where: str, found: list[Invalid]) -> ParameterSpec | None:
    """The declared parameter at `path`, or None with the problem added."""
    spec = _params().get(path) if isinstance(path, str) else None
    if spec is None:
        found.append(Invalid(f"unknown parameter {path!r}", path=where, value=path,
                             allowed="a parameter's dotted path (`cogov params` lists them)",
                             suggestion=nearest_path(str(path), _params())))
        return None
    if spec.kind == "text":
        found.append(Invalid(f"{path} is not a number or a choice, so it cannot be a factor",
                             path=where, value=path))
        return None
    return spec


def _allowed(spec: ParameterSpec) -> str | None:
    return allowed_text(spec.kind, spec.minimum, spec.maximum, spec.unit, spec.choices)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _fits(value: Any, spec: ParameterSpec, where: str, found: list[Invalid]) -> bool:
    """Is `value` allowed for the parameter? Adds the problem if not."""
    def refuse(message: str, **kw: Any) -> bool:
        found.append(Invalid(message, path=where, value=value, allowed=_allowed(spec), **kw))
        return False

    if spec.kind == "choice":
        if value not in spec.choices:
            return refuse(f"{value!r} is not a choice of {spec.path}",
                          suggestion=nearest_name(str(value), spec.choices))
        return True
    if not _is_number(value):
        return refuse(f"expected a number for {spec.path}")
    if spec.kind == "int" and not float(value).is_integer():
        return refuse(f"{spec.path} takes whole numbers")
    if spec.minimum is not None and value < spec.minimum:
        return refuse(f"{format_number(value)} is below the declared lower bound of "
                      f"{spec.path}")
    if spec.maximum is not None and value > spec.maximum:
        return refuse(f"{format_number(value)} is above the declared upper bound of "
                      f"{spec.path}")
    return True


# ------------------------------------------------------------------ factors


def _assumption_factors(raw: Any, found: list[Invalid]) -> list[Factor]:
    """`assumptions: all` (or a list of paths or prefixes): one factor per uncertain
    assumption over its plausible range, named by its path."""
    every = iter_assumptions()
    if raw == "all":
        chosen = every
    elif isinstance(raw, list) and raw and all(isinstance(n, str) for n in raw):
        chosen = [p for p in every if any(p.path == n or p.path.startswith(n + ".")
                                          for n in raw)]
        for i, n in enumerate(raw):
            if not any(p.path == n or p.path.startswith(n + ".") for p in every):
                found.append(Invalid(f"no uncertain assumption named {n!r}",
                                     path=f"{ASSUMPTIONS_GROUP}[{i}]", value=n,
                                     allowed="a parameter path or prefix with a plausible "
                                     "range (`cogov robustness --list`)",
                                     suggestion=nearest_name(n, [p.path for p in every])))
    else:
        found.append(Invalid("assumptions takes `all` or a list of parameter paths or "
                             "prefixes", path=ASSUMPTIONS_GROUP, value=raw,
                             allowed="all, or e.g. [budget.lever_costs, ladder]"))
        return []
    out = []
    for p in chosen:
        assert p.plausible is not None
        out.append(Factor(p.path, (p.path,), "integer" if p.kind == "int" else "number",
                          low=p.plausible[0], high=p.plausible[1]))
    return out


def _factor(name: str, raw: Any, beside: Path, found: list[Invalid]) -> Factor | None:
    """One factor, checked against its parameters' declarations; None with the problems
    added when it has any."""
    if not name.strip():
        found.append(Invalid("a factor needs a name", path=name, value=name))
        return None
    if name.lower() in {c.lower() for c in (*RUN_COLUMNS, *KEEPABLE)}:  # SQL ignores case
        found.append(Invalid(f"{name!r} is the name of a column of the results; name the "
                             "factor otherwise", path=name, value=name))
        return None
    if isinstance(raw, list):  # shorthand: `path: [a, b, c]` means levels
        raw = {"levels": raw}
    if not isinstance(raw, dict):
        found.append(Invalid("a factor is a mapping with `levels: [...]` or `low:` and "
                             "`high:`", path=name, value=raw, allowed=RANGE_EXAMPLE))
        return None
    try:
        spec = FactorSpec.model_validate(raw)
    except ValidationError as exc:
        found.extend(invalid_from(exc, FactorSpec, name, raw))
        return None
    if name == SCENARIO_FACTOR and spec.parameter is None and spec.parameters is None:
        return _scenario_factor(spec, name, beside, found)
    paths = _factor_parameters(name, spec, found)
    if not paths:
        return None
    if spec.parameters is not None:
        spots = [f"{name}.parameters[{i}]" for i in range(len(paths))]
    else:
        spots = [f"{name}.parameter" if spec.parameter is not None else name]
    specs = [_parameter(p, spot, found) for p, spot in zip(paths, spots, strict=True)]
    known = [s for s in specs if s is not None]
    if len(known) < len(specs):
        return None
    kinds = {"choice" if s.kind == "choice" else "number" for s in known}
    if len(kinds) > 1:
        found.append(Invalid("the parameters of one factor must all be numbers or all be "
                             "choices", path=name, value=list(paths)))
        return None
    if kinds == {"choice"}:
        if len({s.choices for s in known}) > 1:
            found.append(Invalid("choice parameters of one factor must share their choices",
                                 path=name, value=list(paths)))
            return None
        kind = "choice"
    else:
        kind = "integer" if any(s.kind == "int" for s in known) else "number"
    return _values(name, spec, paths, known, kind, found)


def _factor_parameters(name: str, spec: FactorSpec, found: list[Invalid]
                       ) -> tuple[str, ...]:
    if spec.parameter is not None and spec.parameters is not None:
        found.append(Invalid("give `parameter:` or `parameters:`, not both", path=name,
                             value=None))
        return ()
    if spec.parameter is not None:
        return (spec.parameter,)
    if spec.parameters is not None:
        if not spec.parameters:
            found.append(Invalid("parameters must be a list of dotted paths",
                                 path=f"{name}.parameters", value=[],
                                 allowed="e.g. [levers.rule_of_law.legal_services, "
                                 "levers.rule_of_law.enforcement]"))
            return ()
        if len(set(spec.parameters)) != len(spec.parameters):
            found.append(Invalid("a parameter is listed twice", path=f"{name}.parameters",
                                 value=spec.parameters))
            return ()
        return tuple(spec.parameters)
    if name not in _params():
        hint = "" if "." in name else (" (a factor not named by its parameter needs "
                                       "`parameters: [...]`)")
        found.append(Invalid(f"unknown parameter {name!r}{hint}", path=name, value=name,
                             allowed="a parameter's dotted path (`cogov params` lists "
                             "them), or `scenario`",
                             suggestion=nearest_path(name, [*_params(), SCENARIO_FACTOR])))
        return ()
    return (name,)


def _values(name: str, spec: FactorSpec, paths: tuple[str, ...], specs: list[ParameterSpec],
            kind: str, found: list[Invalid]) -> Factor | None:
    has_range = spec.low is not None or spec.high is not None
    if has_range and spec.levels is not None:
        found.append(Invalid("give `levels:` or `low:` and `high:`, not both", path=name,
                             value=None))
        return None
    if spec.levels is not None:
        return _levels(name, spec, paths, specs, kind, found)
    if not has_range:
        found.append(Invalid("a factor needs `levels: [...]` or `low:` and `high:`",
                             path=name, value=None, allowed=RANGE_EXAMPLE))
        return None
    if kind == "choice":
        found.append(Invalid("a choice parameter takes `levels: [...]`, not a range",
                             path=name, value=None, allowed=_allowed(specs[0])))
        return None
    ok = True
    for key in ("low", "high"):
        value = getattr(spec, key)
        if value is None:
            found.append(Invalid(f"a range needs `{key}:`", path=name, value=None))
            ok = False
            continue
        # all() stops at the first refusal: one message per value
        ok = all(_fits(value, s, f"{name}.{key}", found) for s in specs) and ok
    if not ok:
        return None
    low, high = spec.low, spec.high
    if low > high:
        found.append(Invalid(f"low ({format_number(low)}) is above high "
                             f"({format_number(high)})", path=f"{name}.low",
                             value={"low": low, "high": high}, allowed="low < high"))
        return None
    if low == high:
        found.append(Invalid("low and high are equal: a constant belongs under `set:`",
                             path=f"{name}.low", value={"low": low, "high": high},
                             allowed="low < high"))
        return None
    return Factor(name, paths, kind, low=float(low), high=float(high), points=spec.points)


def _levels(name: str, spec: FactorSpec, paths: tuple[str, ...], specs: list[ParameterSpec],
            kind: str, found: list[Invalid]) -> Factor | None:
    levels = spec.levels or []
    where = f"{name}.levels"
    if not levels:
        found.append(Invalid("levels must be a non-empty list", path=where, value=levels,
                             allowed="e.g. [0.1, 0.5, 0.9]"))
        return None
    ok = True
    for i, v in enumerate(levels):  # all() stops at the first refusal: one message
        ok = all(_fits(v, s, f"{where}[{i}]", found) for s in specs) and ok
    if ok and len(set(map(repr, levels))) != len(levels):
        found.append(Invalid("a level is listed twice", path=where, value=levels))
        ok = False
    if spec.points is not None:
        found.append(Invalid("points only applies to a range (low, high)",
                             path=f"{name}.points", value=spec.points))
        ok = False
    if not ok:
        return None
    if kind == "integer":
        levels = [round(v) for v in levels]
    elif kind == "number":
        levels = [float(v) for v in levels]
    return Factor(name, paths, kind, levels=tuple(levels))


def _scenario_factor(spec: FactorSpec, name: str, beside: Path, found: list[Invalid]
                     ) -> Factor | None:
    levels = spec.levels
    where = f"{name}.levels"
    if spec.low is not None or spec.high is not None or not levels:
        found.append(Invalid("the scenario factor takes `levels:`, a list of scenario names",
                             path=where, value=levels, allowed="scenario names, e.g. ["
                             + ", ".join(bundled_names()[:3]) + "]"))
        return None
    ok = True
    for i, lev in enumerate(levels):
        if not isinstance(lev, str) or resolve_name(lev, beside) is None:
            names = bundled_names()
            found.append(Invalid(f"no scenario named {lev!r}", path=f"{where}[{i}]",
                                 value=lev, allowed="a .yaml file beside the experiment, or "
                                 "one of: " + ", ".join(names),
                                 suggestion=nearest_name(Path(str(lev)).stem, names)))
            ok = False
    if ok and len(set(levels)) != len(levels):
        found.append(Invalid("a scenario is listed twice", path=where, value=levels))
        ok = False
    return Factor(SCENARIO_FACTOR, (), "scenario", levels=tuple(levels)) if ok else None


# ------------------------------------------------------------------ the design's size


def _size_problems(exp: ExperimentFile) -> list[Invalid]:
    """A design the limits refuse, counted by arithmetic before anything is built."""
    factors = tuple(exp.factors.values())
    total = count(exp.design, factors, exp.samples) * exp.replications
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
        return [Invalid(f"{what} has {total:,} runs ({how} x {exp.replications:,} "
                        f"replications), more than {MAX_RUNS:,}", path=_count_blame(exp),
                        allowed="fewer levels, points, samples or replications"
                        + (", or a latin_hypercube or sobol design"
                           if exp.design == "full_factorial" else ""))]
    held = stored_values(exp.design, factors, exp.samples)
    if held > MAX_DESIGN_VALUES:
        return [Invalid(f"the {exp.design} design holds {held:,} numbers "
                        f"({exp.samples:,} samples x {len(factors)} factors"
                        f"{' x 2' if exp.design == 'sobol' else ''}), more than "
                        f"{MAX_DESIGN_VALUES:,}", path="samples", value=exp.samples,
                        allowed="fewer samples or factors")]
    return []


def _count_blame(exp: ExperimentFile) -> str:
    """Where to point a too-large run count: `samples`, the factor with the most levels
    taken from `points:`, or the factors."""
    if exp.design in SAMPLED:
        return "samples"
    ranged = [f for f in exp.factors.values() if f.points]
    if ranged:
        return f"factors.{max(ranged, key=lambda f: f.points or 0).name}.points"
    return "factors"


TOP_KEYS = tuple(field.alias or name for name, field in ExperimentFile.model_fields.items())
FACTOR_KEYS = tuple(FactorSpec.model_fields)
