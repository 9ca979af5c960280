"""Tests for the `cogov` command line, called in-process through `cli.main.main`.

Bad input must give a plain message on stderr and exit code 2, never a traceback, and must
not start a simulation; good input must write the files the README promises. One test runs
`python -m cli` in a subprocess to check the real entry point.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from simulation.metrics import OUTCOME_NAMES
from simulation.scenario import (
    BUNDLED_DIR,
    bundled_names,
    iter_parameters,
    load_scenario,
    load_scenario_file,
    with_values,
)

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SMALL = ["--set", "population.residents=1000"]


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line in this process; (exit code, stdout, stderr).

    argparse errors exit through SystemExit; its code is returned like main's."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any model is built (bad input must be refused before that)."""
    from simulation.model import CoGovernanceModel

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a model was built although the input was refused")

    monkeypatch.setattr(CoGovernanceModel, "__init__", refuse)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ validate


def test_validate_accepts_every_bundled_file() -> None:
    files = [str(BUNDLED_DIR / f"{n}.yaml") for n in bundled_names()]
    code, out, err = call(["validate", *files])
    assert code == 0, err
    assert err == ""
    for f in files:
        assert f"{f}: ok" in out


def test_validate_bad_file_exits_2_with_the_message_on_stderr(tmp_path: Path,
                                                              no_model: None) -> None:
    good = write(tmp_path, "good", "extends: baseline\n")
    bad = write(tmp_path, "bad", "levres: 1\npopulation:\n  residents: 5\n")
    code, out, err = call(["validate", str(good), str(bad)])
    assert code == 2
    assert f"{good}: ok" in out
    assert f"{bad}:1: levres: unknown key 'levres' (did you mean 'levers'?)" in err
    assert f"{bad}:3: population.residents: out of range" in err
    assert "allowed: a whole number from 100 to 1,000,000" in err and "got: 5" in err
    assert "1 of 2 file(s) have problems" in err
    assert "Traceback" not in out + err


def test_validate_nonexistent_path_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = call(["validate", str(missing)])
    assert code == 2
    assert str(missing) in err and "no such file" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("text", [
    "description: !!python/object/apply:os.system ['echo hi']\n",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "",
    "description: x\ndescription: y\n",
    "levers:\n\trule_of_law: 1\n",
    "extends: baselin\n",
])
def test_validate_never_shows_a_traceback(tmp_path: Path, text: str) -> None:
    bad = write(tmp_path, "bad", text)
    code, out, err = call(["validate", str(bad)])
    assert code == 2
    assert err.startswith(str(bad))
    assert "Traceback" not in out + err


def test_validate_shock_error_in_the_second_item_is_a_message(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "shocks:\n  - kind: income\n    magnitude: 0.1\n"
                "  - kind: legitimacy\n    magnitude: 2\n")
    code, out, err = call(["validate", str(bad)])
    assert code == 2
    assert f"{bad}:5: shocks[1].magnitude" in err
    assert "Traceback" not in out + err


def test_python_m_cli_validate_in_a_subprocess(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "levers:\n  rule_of_law:\n    enforcment: 0.5\n")
    good = BUNDLED_DIR / "fengqiao.yaml"
    proc = subprocess.run([sys.executable, "-m", "cli", "validate", str(good), str(bad)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"{good}: ok" in proc.stdout
    assert (f"{bad}:3: levers.rule_of_law.enforcment: unknown key 'enforcment' "
            "(did you mean 'enforcement'?)") in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_python_m_simulation_points_to_the_command_line() -> None:
    """The model core does not start the command line (it imports nothing above it)."""
    proc = subprocess.run([sys.executable, "-m", "simulation"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "`cogov`" in proc.stderr and "python -m cli" in proc.stderr


# ------------------------------------------------------------------ run


RUN_STEPS = 20
RUN_SEED = 3


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One small `run --json`, shared by the tests of its outputs."""
    out = tmp_path_factory.mktemp("run") / "out"
    code, stdout, err = call(["run", "baseline", *SMALL, "--steps", str(RUN_STEPS),
                              "--seed", str(RUN_SEED), "--out", str(out), "--json"])
    assert code == 0, err
    return out, stdout


def expected_run_scenario():
    return with_values(load_scenario("baseline"), {"population.residents": 1000})


def test_run_writes_every_output(run_out: tuple[Path, str]) -> None:
    out, _ = run_out
    for name in ("series.csv", "series.parquet", "summary.json", "scenario.yaml", "run.json",
                 "years.csv"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    series = pd.read_parquet(out / "series.parquet")
    assert len(series) in (RUN_STEPS, RUN_STEPS + 1)
    assert len(pd.read_csv(out / "series.csv")) == len(series)
    years = pd.read_csv(out / "years.csv")
    assert len(years) == 1 and years["last_week"].tolist() == [RUN_STEPS]  # part of a year


def test_run_json_prints_the_summary(run_out: tuple[Path, str]) -> None:
    out, stdout = run_out
    summary = json.loads(stdout)
    assert summary["residents"] == 1000
    assert summary["weeks"] == RUN_STEPS
    assert set(OUTCOME_NAMES) <= set(summary)
    saved = json.loads((out / "summary.json").read_text())
    assert saved.keys() == summary.keys()
    for key, value in summary.items():
        assert value == saved[key] or (math.isnan(value) and math.isnan(saved[key])), key


def test_run_records_seed_steps_and_hash(run_out: tuple[Path, str]) -> None:
    from experiments.runner import scenario_hash

    out, _ = run_out
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == RUN_SEED
    assert meta["steps"] == RUN_STEPS
    assert meta["scenario"] == "baseline"
    assert meta["scenario_hash"] == scenario_hash(expected_run_scenario())


def test_run_scenario_yaml_loads_back_to_the_same_scenario(run_out: tuple[Path, str]) -> None:
    out, _ = run_out
    expected = expected_run_scenario()
    loaded = load_scenario_file(out / "scenario.yaml")
    assert loaded.name == "scenario"  # the file's stem
    assert loaded.levers == expected.levers
    assert loaded.population == expected.population
    assert loaded.model_copy(update={"name": expected.name}) == expected


def test_run_series_csv_has_unique_column_names(run_out: tuple[Path, str]) -> None:
    out, _ = run_out
    header = (out / "series.csv").read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)), [h for h in header if header.count(h) > 1]


def test_run_json_records_the_command_that_was_run(run_out: tuple[Path, str]) -> None:
    out, _ = run_out
    command = json.loads((out / "run.json").read_text())["command"]
    assert command.startswith("cogov run baseline --set population.residents=1000"), command


def test_run_plain_output(tmp_path: Path) -> None:
    code, out, err = call(["run", "fengqiao", *SMALL, "--steps", "3", "--out",
                           str(tmp_path / "o")])
    assert code == 0, err
    assert out.startswith("fengqiao: seed 0, 3 weeks, 1,000 residents")
    assert "resolution_rate" in out and str(tmp_path / "o") in out


def test_run_unknown_scenario_suggests_a_name(tmp_path: Path, no_model: None) -> None:
    code, out, err = call(["run", "fengqaio", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "did you mean 'fengqiao'?" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("setting, words", [
    ("levers.rule_of_law.enforcment=0.5", "did you mean 'levers.rule_of_law.enforcement'?"),
    ("population.residents=5", "allowed: a whole number from 100 to 1,000,000"),
    ("population.residents=many", "population.residents"),
    ("levers.rule_of_law.enforcement=1.5", "allowed: a number from 0 to 1"),
    ("foo", "--set needs PATH=VALUE"),
])
def test_run_bad_set_exits_2(tmp_path: Path, no_model: None, setting: str, words: str) -> None:
    code, out, err = call(["run", "baseline", "--set", setting, "--out", str(tmp_path / "o")])
    assert code == 2
    assert words in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("argv", [
    ["run", "baseline", "--steps", "0"],
    ["run", "baseline", "--steps", "-3"],
    ["compare", "baseline", "--reps", "0"],
    ["compare", "baseline", "--workers", "0"],
    ["run", "baseline", "--steps", "ten"],
    ["frobnicate"],
])
def test_bad_arguments_are_argparse_errors(no_model: None, argv: list[str]) -> None:
    code, out, err = call(argv)
    assert code == 2
    assert "usage: cogov" in err
    assert "Traceback" not in out + err


def test_compare_refuses_before_running_anything(tmp_path: Path, no_model: None) -> None:
    code, _, err = call(["compare", "baseline", "fengqaio", "--reps", "2", "--no-progress",
                         "--out", str(tmp_path / "o")])
    assert code == 2
    assert "did you mean 'fengqiao'?" in err
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ compare


def compare_argv(out: Path, workers: int) -> list[str]:
    return ["compare", "baseline", "fengqiao", "--reps", "3", "--steps", "30", *SMALL,
            "--workers", str(workers), "--no-progress", "--out", str(out), "--json"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("compare") / "w1"
    code, stdout, err = call(compare_argv(out, 1))
    assert code == 0, err
    return out, stdout


def test_compare_json_has_every_outcome_with_an_interval(compared: tuple[Path, str]) -> None:
    _, stdout = compared
    table = json.loads(stdout)
    assert list(table) == ["baseline", "fengqiao"]
    for label, outcomes in table.items():
        missing = set(OUTCOME_NAMES) - set(outcomes)
        assert not missing, (label, missing)
        for name in OUTCOME_NAMES:
            row = outcomes[name]
            if row["n"] >= 2:
                assert row["ci_low"] <= row["mean"] <= row["ci_high"], (label, name, row)
            else:  # a rate with no events in all but one run: no interval from one value
                assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"]), row


def test_compare_json_gives_each_later_scenario_its_paired_differences(
        compared: tuple[Path, str]) -> None:
    """The first scenario is the reference: only the others carry `paired_difference`,
    each its row of differences.csv (p-values and the family's correction included)."""
    out, stdout = compared
    table = json.loads(stdout)
    assert not any("paired_difference" in row for row in table["baseline"].values())
    diffs = pd.read_csv(out / "differences.csv").set_index(["scenario", "outcome"])
    for name in OUTCOME_NAMES:
        got = table["fengqiao"][name]["paired_difference"]
        row = diffs.loc[("fengqiao", name)]
        assert got["n"] == row["n"]
        for key in ("difference", "ci_low", "ci_high", "p_value", "p_holm"):
            assert got[key] == pytest.approx(row[key], nan_ok=True), (name, key)
        held = row["holds_after_correction"]
        assert got["holds_after_correction"] == (None if pd.isna(held) else held), name
    assert table["fengqiao"]["trust"]["paired_difference"]["holds_after_correction"] in (
        True, False)  # a headline outcome: in the family


def test_compare_writes_tables_and_charts(compared: tuple[Path, str]) -> None:
    out, _ = compared
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6
    assert sorted(map(tuple, runs[["scenario", "seed"]].to_numpy().tolist())) == [
        ("baseline", 0), ("baseline", 1), ("baseline", 2),
        ("fengqiao", 0), ("fengqiao", 1), ("fengqiao", 2)]
    assert (runs["residents"] == 1000).all() and (runs["weeks"] == 30).all()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["scenario"]) == {"baseline", "fengqiao"}
    assert set(OUTCOME_NAMES) <= set(summary["outcome"])
    for chart in ("timeseries.png", "funnel.png"):
        data = (out / chart).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 1000, chart


def test_compare_in_a_process_pool_gives_the_same_runs(
        compared: tuple[Path, str], tmp_path: Path) -> None:
    out1, stdout1 = compared
    out2 = tmp_path / "w2"
    code, stdout2, err = call(compare_argv(out2, 2))
    assert code == 0, err
    assert (out2 / "runs.csv").read_text() == (out1 / "runs.csv").read_text()
    assert stdout2 == stdout1


# ------------------------------------------------------------------ params and schema


def test_params_json_lists_every_parameter() -> None:
    code, out, _ = call(["params", "--json"])
    assert code == 0
    listed = json.loads(out)
    assert [p["path"] for p in listed] == [s.path for s in iter_parameters()]
    first = listed[0]
    assert {"path", "kind", "default", "minimum", "maximum", "unit"} <= set(first)


def test_params_plain_lists_every_path() -> None:
    code, out, _ = call(["params"])
    assert code == 0
    for spec in iter_parameters():
        assert spec.path in out


def test_schema_command_writes_the_generated_schema(tmp_path: Path) -> None:
    from simulation.scenario.jsonschema import schema_text

    target = tmp_path / "s.json"
    code, out, _ = call(["schema", "--out", str(target)])
    assert code == 0 and str(target) in out
    assert target.read_text(encoding="utf-8") == schema_text()


# ------------------------------------------------------------------ headless model core


CORE_FILES = sorted((ROOT / "simulation").rglob("*.py"))
UI_MODULES = ("solara", "matplotlib", "altair", "plotly", "seaborn", "experiments")
IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+(.+))")
GLOBAL_RNG = re.compile(
    r"\b(?:np|numpy)\.random\.(?:seed|rand|randint|random|choice|normal|uniform)\s*\("
    r"|^\s*import\s+random\b|^\s*from\s+random\s+import\b")


def test_core_files_found() -> None:
    assert ROOT / "simulation" / "model.py" in CORE_FILES


def test_model_core_imports_no_ui_plotting_or_experiments() -> None:
    offending = []
    for path in CORE_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = IMPORT_LINE.match(line)
            if not m:
                continue
            modules = [m.group(1)] if m.group(1) else [
                part.split(" as ")[0].strip() for part in m.group(2).split(",")]
            if any(mod.split(".")[0] in UI_MODULES for mod in modules):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offending == []


def test_model_core_uses_no_global_random_state() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in CORE_FILES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if GLOBAL_RNG.search(line)
    ]
    assert offending == []


@pytest.mark.parametrize("line, bad", [
    ("import matplotlib.pyplot as plt", True),
    ("    from experiments.plots import band", True),
    ("import numpy as np, seaborn", True),
    ("from solara import component", True),
    ("import numpy as np", False),
    ("# import matplotlib", False),
])
def test_headless_regex_catches_imports(line: str, bad: bool) -> None:
    m = IMPORT_LINE.match(line)
    modules = [] if not m else [m.group(1)] if m.group(1) else [
        p.split(" as ")[0].strip() for p in m.group(2).split(",")]
    assert any(mod.split(".")[0] in UI_MODULES for mod in modules) == bad


@pytest.mark.parametrize("line, bad", [
    ("x = np.random.rand(3)", True),
    ("np.random.seed(0)", True),
    ("import random", True),
    ("from random import choice", True),
    ("rng = np.random.default_rng(seed)", False),
    ("x = self.rng.random(3)", False),
])
def test_global_rng_regex(line: str, bad: bool) -> None:
    assert bool(GLOBAL_RNG.search(line)) == bad
