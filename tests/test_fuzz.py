"""Fuzzing scenario and experiment files: a valid object or located problems, nothing else.

Hypothesis mutates the bundled files (values swapped for odd ones, lines dropped,
repeated, re-indented or cut short, bytes inserted) and builds random structures from
the files' own keys and odd values. Whatever it writes, reading the file must give a
Scenario or Experiment, or a ScenarioError whose every problem names the file and a line
or a field; any other exception is a bug. The budget is fixed and the search
derandomised, so the suite's time and results do not vary from run to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.design import BUNDLED_EXPERIMENTS, FACTOR_KEYS, TOP_KEYS, load_experiment
from simulation.scenario import (
    BUNDLED_DIR,
    ScenarioError,
    iter_parameters,
    load_scenario_file,
)

FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

SCENARIO_TEXTS = {p.name: p.read_text(encoding="utf-8")
                  for p in sorted(BUNDLED_DIR.glob("*.yaml"))}
EXPERIMENT_TEXTS = {p.name: p.read_text(encoding="utf-8")
                    for p in sorted(BUNDLED_EXPERIMENTS.glob("*.yaml"))}
PATHS = [p.path for p in iter_parameters()]
SECTIONS = sorted({p.split(".")[0] for p in PATHS})

# Values chosen to break things: wrong types, bounds, huge and tiny numbers, odd text.
ODD_SCALARS = st.one_of(
    st.sampled_from([0, -1, 1, 2, 7, 0.5, -0.0, 1e-300, 1e308, 2**31, 2**63, 2000000000,
                     10**30, True, False, None, "", "nan", ".inf", "-.inf", "~", "null",
                     "yes", "0x1F", "1_000", "default", "baseline", "../x", "/", "*a",
                     "&a", "!!python/object:os.system", "[", "{", "'", '"', ":", "- -",
                     "枫桥", "\t", "a" * 300]),
    st.integers(min_value=-10**6, max_value=10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


def odd_token() -> st.SearchStrategy[str]:
    """A scalar as YAML text (some of it not valid YAML on its own)."""
    return ODD_SCALARS.map(lambda v: v if isinstance(v, str) else yaml.safe_dump(v).split(
        "\n...")[0].strip())


@st.composite
def mutated(draw: st.DrawFn, texts: dict[str, str]) -> str:
    """A bundled file with a few random edits."""
    name = draw(st.sampled_from(sorted(texts)))
    lines = texts[name].splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = draw(st.sampled_from(["value", "drop", "repeat", "indent", "dedent", "cut",
                                     "insert", "key"]))
        line = lines[i]
        if edit == "value" and ":" in line:
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: {draw(odd_token())}"
        elif edit == "drop":
            del lines[i]
        elif edit == "repeat":
            lines.insert(i, line)
        elif edit == "indent":
            lines[i] = "  " + line
        elif edit == "dedent":
            lines[i] = line.lstrip()
        elif edit == "cut":
            cut = draw(st.integers(min_value=0, max_value=len(line)))
            lines = [*lines[:i], line[:cut]]
        elif edit == "insert":
            lines.insert(i, draw(st.text(max_size=30)))
        elif edit == "key" and ":" in line:
            indent = line[:len(line) - len(line.lstrip())]
            key = draw(st.sampled_from([*SECTIONS, *TOP_KEYS, *FACTOR_KEYS, "extends",
                                        "levels", "xyz"]))
            lines[i] = f"{indent}{key}: {line.split(':', 1)[1].strip()}"
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def structures(keys: list[str]) -> st.SearchStrategy[Any]:
    """Nested mappings and lists built from the files' own keys and odd values."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=12))
    inner = st.recursive(
        ODD_SCALARS,
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(key, children, max_size=5)),
        max_leaves=25,
    )
    return st.dictionaries(key, inner, max_size=6)  # (other tops: the mutated files)


def dumped(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def check_located(exc: ScenarioError, path: Path) -> None:
    assert exc.problems, "a ScenarioError without problems"
    for p in exc.problems:
        assert p.file, p.format()
        assert p.line is not None or p.path is not None, p.format()
        assert p.message and "Traceback" not in p.format()


def read_scenario(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        load_scenario_file(path)
    except ScenarioError as exc:
        check_located(exc, path)


def read_experiment(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        exp = load_experiment(path)
    except ScenarioError as exc:
        check_located(exc, path)
        return
    assert exp.n_runs == exp.n_points * exp.replications > 0
    exp.task(exp.n_points - 1, exp.replications - 1)  # the last run can be set up


# ------------------------------------------------------------------ scenarios


@FUZZ
@given(text=mutated(SCENARIO_TEXTS))
def test_mutated_scenario_files(tmp_path: Path, text: str) -> None:
    read_scenario(tmp_path, text)


SCENARIO_KEYS = [*SECTIONS, *(p.split(".")[-1] for p in PATHS), "extends", "name",
                 "schedules", "shocks", "parameter", "week", "kind", "magnitude"]


@FUZZ
@given(value=structures(SCENARIO_KEYS))
def test_random_scenario_structures(tmp_path: Path, value: Any) -> None:
    read_scenario(tmp_path, dumped(value))


@FUZZ
@given(values=st.dictionaries(st.sampled_from(PATHS), ODD_SCALARS, min_size=1, max_size=6))
def test_real_parameters_with_odd_values(tmp_path: Path, values: dict[str, Any]) -> None:
    nested: dict[str, Any] = {"extends": "default"}
    for path, v in values.items():
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = v
    read_scenario(tmp_path, dumped(nested))


# ------------------------------------------------------------------ experiments


@FUZZ
@given(text=mutated(EXPERIMENT_TEXTS))
def test_mutated_experiment_files(tmp_path: Path, text: str) -> None:
    read_experiment(tmp_path, text)


EXPERIMENT_KEYS = [*TOP_KEYS, *FACTOR_KEYS, *PATHS[:40], "scenario", "full_factorial",
                   "sobol", "latin_hypercube", "one_at_a_time"]


@FUZZ
@given(value=structures(EXPERIMENT_KEYS))
def test_random_experiment_structures(tmp_path: Path, value: Any) -> None:
    read_experiment(tmp_path, dumped(value))


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a sensible value, sometimes an odd one (one_of picks branches evenly)."""
    return st.one_of(valid, valid, valid, ODD_SCALARS)


NUMBERS = mostly(st.one_of(st.floats(min_value=0, max_value=1), st.integers(0, 3000),
                           st.floats(min_value=-1, max_value=2)))
FACTOR_SPEC = st.one_of(
    st.fixed_dictionaries({"levels": st.lists(NUMBERS, min_size=1, max_size=4)}),
    st.fixed_dictionaries({"low": NUMBERS, "high": NUMBERS}),
    st.fixed_dictionaries({"low": NUMBERS, "high": NUMBERS,
                           "points": mostly(st.integers(2, 50))}),
    st.lists(NUMBERS, max_size=3),
    st.dictionaries(st.sampled_from(FACTOR_KEYS), ODD_SCALARS, max_size=3),
)
CHOICE_VALUES = sorted({c for p in iter_parameters() if p.kind == "choice" for c in p.choices})
FACTORS = st.dictionaries(
    st.one_of(st.sampled_from([*PATHS, "scenario"]), st.sampled_from(PATHS),
              st.text(max_size=10)),
    st.one_of(FACTOR_SPEC,
              st.fixed_dictionaries({"levels": st.lists(st.sampled_from(
                  ["baseline", "fengqiao", "default", "nope", *CHOICE_VALUES]),
                  min_size=1, max_size=3, unique=True)})),
    min_size=1, max_size=3)
EXPERIMENTS = st.fixed_dictionaries(
    {"factors": FACTORS},
    optional={
        "base": mostly(st.sampled_from(["default", "baseline", "nope", "/", ""])),
        "design": mostly(st.sampled_from(["full_factorial", "one_at_a_time", "sobol",
                                          "latin_hypercube"])),
        "samples": mostly(st.integers(1, 70)),
        "replications": mostly(st.integers(1, 5)),
        "steps": mostly(st.integers(1, 6000)),
        "seed": mostly(st.integers(0, 2**63)),
        "outcomes": mostly(st.lists(st.sampled_from(["trust", "arisen", "nope", "all"]),
                                    min_size=1, max_size=3, unique=True)),
        "common_random_numbers": mostly(st.booleans()),
        "series": mostly(st.booleans()),
    })


@FUZZ
@given(exp=EXPERIMENTS)
def test_experiment_structures_with_odd_values(tmp_path: Path, exp: dict[str, Any]) -> None:
    exp.setdefault("set", {"population.residents": 200})
    read_experiment(tmp_path, dumped(exp))


def test_the_fuzzers_reach_both_outcomes(tmp_path: Path) -> None:
    """The strategies are not all-invalid: bundled files unmutated load."""
    for name, text in SCENARIO_TEXTS.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        load_scenario_file(path)
    for name, text in EXPERIMENT_TEXTS.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        load_experiment(path)


pytestmark = pytest.mark.filterwarnings("ignore")
