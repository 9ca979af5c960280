"""Reading scenario files: `extends:` chains, merging, validation with precise messages.

A scenario file holds only what differs from the scenario it `extends:` (a name resolved
beside the file first, then among the bundled scenarios in `scenarios/`); a file without
`extends:` changes the defaults, which are the calibrated county (as `extends: default`
is). Which files a scenario may read (its
parents, its network file) is decided by a policy from `simulation.scenario.files`: any
scenario file on the command line, only bundled and uploaded ones in the browser view.
Mappings merge key by key; lists (`schedules`, `shocks`) replace the parent's list whole.
`name`, `description` and `description_zh` are never inherited: the name is the file's
stem.

Every problem is reported as a `Problem` with the file, line, field path, bad value, what
is allowed and, for a typo, the nearest valid name; nothing is run until the whole chain
is valid.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulation.scenario import validation
from simulation.scenario.errors import (
    Problem,
    ScenarioError,
    nearest_name,
    nearest_path,
    short_repr,
)
from simulation.scenario.files import (
    SCENARIO_SUFFIXES,
    FileAccess,
    LocalFiles,
    Refused,
    bundled_names,
)
from simulation.scenario.paths import get_path, set_path
from simulation.scenario.schema import Caps, Scenario
from simulation.scenario.validation import Origin, sorted_problems
from simulation.scenario.yaml_safe import PartialYaml, read_yaml_mapping

NOT_INHERITED = ("name", "description", "description_zh", "extends")
MAX_EXTENDS_DEPTH = 32

LOCAL = LocalFiles()


def resolve_name(name: str, beside: Path | None = None,
                 files: FileAccess = LOCAL) -> Path | None:
    """Find a scenario by name or path: beside `beside` first, then among the bundled;
    None if there is none or `files` does not allow it."""
    try:
        return files.scenario(name, beside)
    except Refused:
        return None


# ------------------------------------------------------------------ merging


def _deep_merge(base: dict, top: dict, top_file: str, top_lines: dict[str, int],
                origin: Origin, prefix: str = "") -> dict:
    out = copy.deepcopy(base)
    for key, value in top.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            origin.setdefault(path, (top_file, top_lines.get(path)))
            out[key] = _deep_merge(out[key], value, top_file, top_lines, origin, path + ".")
        else:
            out[key] = copy.deepcopy(value)
            # This file now owns the path and everything under it.
            for p in [p for p in origin if p == path or p.startswith(path + ".")
                      or p.startswith(path + "[")]:
                del origin[p]
            for p, line in top_lines.items():
                if p == path or p.startswith(path + ".") or p.startswith(path + "["):
                    origin[p] = (top_file, line)
    return out


def _read_chain(path: Path, shown: str, seen: list[Path],
                files: FileAccess, problems: list[Problem]) -> tuple[dict, Origin]:
    """Merged data of a file and its ancestors, with where each path was set.

    Problems are added to `problems` and reading goes on as far as it can: a value with a
    problem is left out, and a file whose `extends:` cannot be followed starts from the
    scenario type's defaults, so one run reports every problem of the chain."""
    try:
        data, lines = read_yaml_mapping(path)
    except PartialYaml as exc:  # the rest of the file is still read
        problems.extend(dataclasses.replace(p, file=shown) for p in exc.problems)
        data, lines = exc.data, exc.lines
    except ScenarioError as exc:  # name the file as the user gave it
        problems.extend(dataclasses.replace(p, file=shown) for p in exc.problems)
        return {}, {}
    parent_name = data.get("extends")
    own = {k: v for k, v in data.items() if k != "extends"}
    origin: Origin = {}
    base: dict = {}
    if parent_name is not None:
        parent = _parent_file(parent_name, path, shown, lines.get("extends"), seen, files,
                              problems)
        if parent is not None:
            base, origin = _read_chain(parent, files.shown(parent), [*seen, parent], files,
                                       problems)
            for key in NOT_INHERITED:
                base.pop(key, None)
                origin.pop(key, None)
    merged = _deep_merge(base, own, shown, lines, origin)
    return merged, origin


def _parent_file(parent_name: Any, path: Path, shown: str, line: int | None,
                 seen: list[Path], files: FileAccess,
                 problems: list[Problem]) -> Path | None:
    """The file `extends:` names, or None with a problem added."""
    where = {"file": shown, "line": line, "path": "extends", "value": parent_name}
    if not isinstance(parent_name, str) or not parent_name.strip():
        problems.append(Problem(
            "extends must name a scenario", **where,
            allowed="a scenario name, e.g. one of: " + ", ".join(bundled_names())))
        return None
    try:
        parent = files.scenario(parent_name, beside=path.parent)
    except Refused as exc:
        problems.append(Problem(str(exc), **where, allowed=files.allowed(path)))
        return None
    if parent is None:
        problems.append(Problem(
            f"extends names a scenario that does not exist: {parent_name!r}", **where,
            allowed=files.allowed(path),
            suggestion=nearest_name(Path(parent_name).stem, bundled_names())))
        return None
    parent = parent.resolve()
    if parent in seen or len(seen) > MAX_EXTENDS_DEPTH:
        cycle = " -> ".join(p.name for p in [*seen, parent])
        problems.append(Problem(f"extends makes a cycle: {cycle}", **where))
        return None
    return parent


def _check_network_file(scenario: Scenario, folder: Path, files: FileAccess, origin: Origin,
                        shown: str, parse: bool) -> None:
    """The scenario's network file may be read, is a regular file of a sane size and, with
    `parse`, can be read as a network. Only stat() is called unless `parse`."""
    if scenario.network.generator != "file" or not scenario.network.file:
        return
    from simulation.tie_file import NetworkFileError, read_tie_file, tie_file_problem

    name = scenario.network.file
    file, line = validation.locate("network.file", origin, shown)

    def refused(message: str) -> ScenarioError:
        return ScenarioError([Problem(message, file=file, line=line, path="network.file",
                                      value=name)])

    try:
        target = files.network_file(name, folder)
    except Refused as exc:
        raise refused(str(exc)) from None
    problem = tie_file_problem(target)
    if problem:
        raise refused(f"{files.shown(target)}: {problem}")
    if parse:
        try:
            read_tie_file(target, shown=files.shown(target))
        except NetworkFileError as exc:
            raise refused(str(exc)) from None


# ------------------------------------------------------------------ validation messages


def problems_from_validation(exc: ValidationError, origin: Origin,
                             default_file: str | None, data: Any = None) -> list[Problem]:
    """Pydantic's errors for a scenario as Problems that point at the file and line (see
    `simulation.scenario.validation`)."""
    problems = validation.problems_from_validation(exc, Scenario, origin, default_file, data)
    return _without_ramp_targets_of_non_levers(problems)


def _without_ramp_targets_of_non_levers(problems: list[Problem]) -> list[Problem]:
    """A ramp of something that is not a lever is reported as that alone: its `to` is out
    of the levers' range only because the parameter is wrong."""
    wrong = {p.path.removesuffix(".parameter") for p in problems
             if p.path and p.path.startswith("schedules[") and p.path.endswith(".parameter")}
    return [p for p in problems if not (p.path and p.path.endswith(".to")
                                        and p.path.removesuffix(".to") in wrong)]


# ------------------------------------------------------------------ public API


def load_scenario(name_or_path: str | Path, *, files: FileAccess = LOCAL,
                  caps: Caps | None = None) -> Scenario:
    """Load and validate a scenario by bundled name ('fengqiao') or by file path.

    Args:
        name_or_path: a bundled name, or a scenario file (relative to the working folder).
        files: which files the scenario may read (`Sandbox` in the browser view).
        caps: lower upper bounds than the declared ones (the browser view's).

    Raises:
        ScenarioError: listing every problem found, each with file, line and field.
    """
    text = str(name_or_path)
    names = bundled_names()
    try:
        path = files.scenario(text, None)
    except Refused as exc:
        raise ScenarioError([Problem(f"cannot load the scenario {short_repr(text)}: {exc}",
                                     allowed="a scenario file (.yaml), or one of: "
                                     + ", ".join(names))]) from None
    if path is None:
        raise ScenarioError([Problem(
            f"no scenario file or bundled scenario named {text!r}",
            allowed="a path to a .yaml file, or one of: " + ", ".join(names),
            suggestion=nearest_name(Path(text).stem, names))])
    if isinstance(files, LocalFiles):
        shown = text if Path(text).suffix.lower() in SCENARIO_SUFFIXES else str(path)
    else:
        shown = files.shown(path)
    return load_scenario_file(path, shown=shown, files=files, caps=caps)


def load_scenario_file(path: Path, shown: str | None = None, *, files: FileAccess = LOCAL,
                       caps: Caps | None = None, parse_network: bool = False) -> Scenario:
    """Load and validate one scenario file (see `load_scenario`); every problem of its
    chain is reported at once. With `parse_network` its network file is read through, not
    only looked at.

    Raises:
        ScenarioError: listing every problem found, sorted by file and line.
    """
    path = Path(path)
    shown = shown or files.shown(path)
    if path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError([Problem(
            "not a scenario file (a scenario file's name ends in .yaml or .yml)",
            file=shown)])
    problems: list[Problem] = []
    data, origin = _read_chain(path.resolve(), shown, [path.resolve()], files, problems)
    data["name"] = path.stem
    try:
        scenario = Scenario.model_validate(data, context={"caps": caps})
        problems.extend(_feasibility(scenario, origin, shown))
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, origin, shown, data))
    if problems:
        raise ScenarioError(sorted_problems(problems))
    _check_network_file(scenario, path.parent, files, origin, shown, parse_network)
    return scenario


def scenario_dir(name_or_path: str | Path, files: FileAccess = LOCAL) -> Path:
    """The folder a scenario's relative paths (a network file) are read from."""
    path = resolve_name(str(name_or_path), files=files)
    return path.parent if path is not None else Path.cwd()


def with_values(scenario: Scenario, updates: dict[str, Any],
                caps: Caps | None = None) -> Scenario:
    """A copy of `scenario` with dotted-path parameters changed, validated again (against
    `caps` too, when given).

    >>> with_values(Scenario(), {"levers.rule_of_law.enforcement": 0.9})
    """
    data = scenario.model_dump()
    for path, value in updates.items():
        try:
            set_path(data, path, value)
        except KeyError:
            raise _unknown_parameter(path) from None
    try:
        changed = Scenario.model_validate(data, context={"caps": caps})
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, {}, None, data)) from None
    problems = _feasibility(changed, {}, None)
    if problems:
        raise ScenarioError(problems)
    return changed


def _feasibility(scenario: Scenario, origin: Origin, shown: str | None) -> list[Problem]:
    """Checks across a valid scenario that need the model's arithmetic (the declaration
    holds none): can its mix spend `budget.lever_spending`?"""
    # Imported when first needed: simulation.levers imports this package (for the
    # declarations), whose __init__ imports this module. The dependency runs one way,
    # loader -> levers -> schema.
    from simulation.levers import lever_spending_problem

    message = lever_spending_problem(scenario)
    if message is None:
        return []
    file, line = validation.locate("budget.lever_spending", origin, shown)
    return [Problem(message, file=file, line=line, path="budget.lever_spending",
                    value=scenario.budget.lever_spending)]


def _unknown_parameter(path: str) -> ScenarioError:
    return ScenarioError([Problem(
        f"unknown parameter {path!r}", path=path,
        allowed="a parameter's full dotted path (`cogov params` lists them)",
        suggestion=nearest_path(path, _all_paths()))])


def _all_paths() -> list[str]:
    from simulation.scenario.schema import iter_parameters

    return [p.path for p in iter_parameters()]


def validate_files(paths: list[str]) -> dict[str, list[Problem]]:
    """Check scenario files, and read their network files through; returns the problems
    found in each (empty when valid)."""
    out: dict[str, list[Problem]] = {}
    for p in paths:
        try:
            if not Path(p).is_file():
                raise ScenarioError([Problem("no such file", file=p)])
            load_scenario_file(Path(p), shown=p, parse_network=True)
            out[p] = []
        except ScenarioError as exc:
            out[p] = exc.problems
        except OSError as exc:  # a name the file system cannot hold
            out[p] = [Problem(f"cannot be read ({exc.strerror or exc})", file=p)]
    return out


def changed_values(scenario: Scenario) -> dict[str, Any]:
    """The parameters where `scenario` differs from the defaults (the calibrated county)."""
    from simulation.scenario.schema import iter_parameters

    out: dict[str, Any] = {}
    for spec in iter_parameters():
        value = get_path(scenario, spec.path)
        if value != spec.default:
            out[spec.path] = value
    return out
