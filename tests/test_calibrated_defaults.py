"""One meaning of "default": the calibrated values, wherever no scenario says otherwise.

The oracle is the calibration file itself, read with plain yaml.safe_load, and the priors
typed here as declared in simulation/scenario/schema.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli.main import main
from simulation.scenario import (
    Scenario,
    ScenarioError,
    iter_parameters,
    load_scenario,
    load_scenario_file,
    parameter_spec,
)
from simulation.scenario.calibration import CALIBRATION_FILE, read_calibration
from simulation.scenario.paths import get_path
from simulation.scenario.schema import Effects, Ladder, Welfare

ROOT = Path(__file__).resolve().parents[1]
FILE = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))
CALIBRATED = {path: entry["value"] for path, entry in FILE.items()}
# The values declared in schema.py for the calibrated parameters.
PRIORS = {"welfare.income_dispersion": 0.80, "welfare.elderly_income_factor": 0.75,
          "ladder.success_l1": 0.65, "ladder.success_l2": 0.75,
          "effects.ratings_gaming": 0.5}


def test_the_calibration_file_holds_the_fitted_values() -> None:
    assert set(CALIBRATED) == set(PRIORS)
    assert CALIBRATED["ladder.success_l1"] == 0.75  # the fit moved it from its prior
    for entry in FILE.values():
        assert entry["targets"] and entry["reps"] >= 10 and entry["date"]


def test_the_model_with_no_scenario_is_the_calibrated_county() -> None:
    code = ("from simulation import CoGovernanceModel as M\n"
            "m = M()\n"
            "print(m.params.ladder.success_l1, m.params.welfare.income_dispersion)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert [float(x) for x in out] == [CALIBRATED["ladder.success_l1"],
                                       CALIBRATED["welfare.income_dispersion"]]


@pytest.mark.parametrize("path", sorted(CALIBRATED))
def test_every_entry_point_starts_from_the_calibrated_value(path: str,
                                                           tmp_path: Path) -> None:
    from experiments.api import scenario_with

    bare = tmp_path / "bare.yaml"
    bare.write_text("description: no extends\n", encoding="utf-8")
    section = {"welfare": Welfare, "ladder": Ladder, "effects": Effects}[path.split(".")[0]]
    found = {
        "Scenario()": get_path(Scenario(), path),
        "section()": getattr(section(), path.split(".")[1]),
        "validate({})": get_path(Scenario.model_validate({}), path),
        "default": get_path(load_scenario("default"), path),
        "no extends": get_path(load_scenario_file(bare), path),
        "run_model base": get_path(scenario_with({})[0], path),
        "spec": parameter_spec(path).default,
    }
    assert found == dict.fromkeys(found, CALIBRATED[path])


def test_priors_stay_reachable() -> None:
    priors = Scenario.priors()
    for path, prior in PRIORS.items():
        assert get_path(priors, path) == prior
        spec = parameter_spec(path)
        assert spec.prior == prior and spec.calibrated
        assert spec.calibrated_against == tuple(FILE[path]["targets"])
    # Everything else is the same county.
    ours = {s.path: get_path(Scenario(), s.path) for s in iter_parameters()}
    theirs = {s.path: get_path(priors, s.path) for s in iter_parameters()}
    assert {p for p in ours if ours[p] != theirs[p]} == {
        p for p in PRIORS if PRIORS[p] != CALIBRATED[p]}
    grid = parameter_spec("ladder.grid_workers_per_1000")
    assert not grid.calibrated and grid.prior == grid.default == 5.1


def test_params_shows_prior_and_calibrated_side_by_side(capsys) -> None:
    assert main(["params"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["parameter", "prior", "calibrated"]
    row = next(line for line in lines if line.startswith("ladder.success_l1 "))
    assert row.split()[1:3] == ["0.65", f"{CALIBRATED['ladder.success_l1']:g}"]
    row = next(line for line in lines if line.startswith("ladder.grid_workers_per_1000 "))
    assert row.split()[1] == "5.1" and row.split()[2].startswith("[")


# ------------------------------------------------------------------ a bad calibration file


def problems(tmp_path: Path, text: str) -> list:
    path = tmp_path / "calibrated.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_calibration(path)
    return info.value.problems


GOOD_LINE = ("ladder.success_l1: {value: 0.8, targets: [grassroots_mediation_success], "
             "reps: 10, date: 2026-01-02}\n")


def test_an_unknown_parameter_is_named_with_its_line_and_the_nearest(tmp_path: Path) -> None:
    [p] = problems(tmp_path, GOOD_LINE + GOOD_LINE.replace("ladder.success_l1",
                                                           "ladder.sucess_l2"))
    assert p.line == 2 and p.path == "ladder.sucess_l2"
    assert p.suggestion == "ladder.success_l2" and "unknown parameter" in p.message


def test_a_value_out_of_the_declared_range_is_refused_with_its_line(tmp_path: Path) -> None:
    [p] = problems(tmp_path, "\n" + GOOD_LINE.replace("0.8", "1.5"))
    assert p.line == 2 and p.path == "ladder.success_l1.value" and p.value == 1.5
    assert p.allowed == "a number from 0 to 1 (probability)"


def test_a_value_of_the_wrong_type_and_a_missing_field(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD_LINE.replace("0.8", "high").replace("reps: 10, ", ""))
    by_path = {p.path: p for p in found}
    assert "expected a number" in by_path["ladder.success_l1.value"].message
    assert "required" in by_path["ladder.success_l1.reps"].message
    assert all(p.line == 1 for p in found)


def test_a_new_calibrated_value_needs_only_its_line(tmp_path: Path) -> None:
    extra = tmp_path / "calibrated.yaml"
    extra.write_text(CALIBRATION_FILE.read_text(encoding="utf-8")
                     + "disputes.base_rate: {value: 0.05, targets: [x], reps: 10, "
                     "date: 2026-01-02}\n", encoding="utf-8")
    code = ("from pathlib import Path\n"
            "from simulation.scenario import Scenario, parameter_spec\n"
            "from simulation.scenario.calibration import read_calibration, use_calibration\n"
            f"use_calibration(read_calibration(Path({str(extra)!r})))\n"
            "s = parameter_spec('disputes.base_rate')\n"
            "print(Scenario().disputes.base_rate, s.prior, s.calibrated)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out == ["0.05", "0.04", "True"]


def test_the_model_fingerprint_covers_the_calibrated_values(tmp_path: Path,
                                                            monkeypatch) -> None:
    from simulation import fingerprint

    core = tmp_path / "simulation"
    shutil.copytree(ROOT / "simulation", core,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "CORE", core)
    before = fingerprint.model_fingerprint.__wrapped__()
    (core / "scenario" / "calibrated.yaml").write_text("# refitted\n", encoding="utf-8")
    assert fingerprint.model_fingerprint.__wrapped__() != before
