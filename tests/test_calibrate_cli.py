"""`cogov calibrate` leaves the bundled calibration alone unless told to replace it, shows
what a fit changes, and refuses fits with too few seeds to mean anything."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cli.main import main
from experiments import calibrate
from simulation.scenario.calibration import read_calibration

FITTED = {"welfare.income_dispersion": 0.76, "welfare.elderly_income_factor": 0.7,
          "ladder.success_l1": 0.8, "ladder.success_l2": 0.75}
AGAINST = {p: ("income_gini",) if p.startswith("welfare") else
           ("grassroots_mediation_success",) for p in FITTED}


@pytest.fixture
def fake_fit(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """calibrate() returns fixed values at once; the list records the reps it was given."""
    calls: list[int] = []

    def fit(reps, workers, progress, blocks=calibrate.BLOCKS, report=None):
        calls.append(reps)
        return dict(FITTED), dict(AGAINST)

    monkeypatch.setattr(calibrate, "calibrate", fit)
    return calls


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_write_makes_a_new_file_and_leaves_the_bundled_calibration_alone(
        fake_fit: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = calibrate.DEFAULT_FILE.read_bytes()
    monkeypatch.chdir(tmp_path)
    code, out, err = call(["calibrate", "--write", "--no-progress"])
    assert code == 0, err
    assert fake_fit == [10]
    written = tmp_path / "runs" / "calibrate" / "calibrated.yaml"
    assert f"written to {Path('runs/calibrate/calibrated.yaml')}" in out
    assert calibrate.DEFAULT_FILE.read_bytes() == before
    values = read_calibration(written)  # a valid calibration file
    assert values["ladder.success_l1"].value == 0.8
    assert values["ladder.success_l1"].targets == ("grassroots_mediation_success",)
    assert values["ladder.success_l1"].reps == 10
    assert values["welfare.income_dispersion"].value == 0.76
    # The change table: the bundled calibration has success_l1 0.75 and success_l2 0.7.
    lines = out.splitlines()
    assert any(line.split() == ["ladder.success_l1", "0.75", "→", "0.8", "changed"]
               for line in lines), out
    assert any(line.split() == ["ladder.success_l2", "0.7", "→", "0.75", "changed"]
               for line in lines), out


def test_a_written_file_keeps_the_bundled_values_it_did_not_fit(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.yaml"
    calibrate.write_calibrated({"ladder.success_l1": 0.6},
                               {"ladder.success_l1": ("grassroots_mediation_success",)}, out,
                               reps=12)
    values = read_calibration(out)
    bundled = read_calibration()
    assert values["ladder.success_l1"].value == 0.6 and values["ladder.success_l1"].reps == 12
    assert values["ladder.success_l2"] == bundled["ladder.success_l2"]
    assert list(values) == list(bundled)  # one line per value, in the bundled order


def test_an_existing_output_is_never_overwritten(fake_fit: list[int], tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    out.write_text("extends: default\n", encoding="utf-8")
    code, _, err = call(["calibrate", "--out", str(out), "--no-progress"])
    assert code == 2 and f"{out} exists" in err
    assert out.read_text(encoding="utf-8") == "extends: default\n"
    assert fake_fit == []  # refused before any run


def test_replace_rewrites_the_bundled_calibration(fake_fit: list[int], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "calibrated.yaml"
    copy.write_bytes(calibrate.DEFAULT_FILE.read_bytes())
    monkeypatch.setattr(calibrate, "DEFAULT_FILE", copy)
    code, out, err = call(["calibrate", "--replace", "--no-progress"])
    assert code == 0, err
    assert f"written into {copy}" in out
    assert read_calibration(copy)["ladder.success_l1"].value == 0.8


def test_too_few_seeds_are_refused_before_running(fake_fit: list[int]) -> None:
    code, _, err = call(["calibrate", "--reps", "2", "--write"])
    assert code == 2
    assert f"at least {calibrate.MIN_REPS} are needed" in err
    assert fake_fit == []


def test_the_fit_itself_refuses_too_few_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_runs(*args, **kwargs):
        pytest.fail("a candidate was run")

    monkeypatch.setattr(calibrate, "search_block", no_runs)
    with pytest.raises(ValueError, match=f"at least {calibrate.MIN_REPS}"):
        calibrate.calibrate(reps=calibrate.MIN_REPS - 1)
    assert calibrate.too_few_seeds(calibrate.MIN_REPS) is None


def test_without_write_nothing_is_written(fake_fit: list[int], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = call(["calibrate", "--no-progress"])
    assert code == 0 and "nothing written" in out
    assert not (tmp_path / "runs").exists()
