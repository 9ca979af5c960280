"""The targets check and the calibration procedure (validation issue)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cli.main import main
from experiments import calibrate, targets
from simulation.scenario import ScenarioError
from simulation.scenario.calibration import read_calibration

TARGETS = """\
gini:
  meaning: income Gini
  values:
    - {figure: 0.468, note: "NBS 2020"}
  kind: target
  check: {outcome: income_gini, scenario: default, range: [0.40, 0.52]}
elderly:
  meaning: elderly share
  values: [{figure: 0.22, note: "2024"}]
  kind: input
  check: {outcome: elderly_share, scenario: default, range: [0.0, 0.01]}
jobs:
  meaning: not in the model
  not_modelled: "no employment types"
info_only:
  meaning: a figure without a check is information only
  values: [{figure: 1.0}]
"""


def test_bundled_targets_file_lists_every_shared_figure() -> None:
    checks, skipped = targets.read_targets()
    keys = {c.key for c in checks} | {s.key for s in skipped}
    for key in ("grassroots_mediation_success", "settled_at_township_or_below",
                "income_gini", "urban_rural_income_ratio", "top_bottom_quintile_ratio"):
        assert key in keys
    assert all(c.low <= c.high for c in checks)
    assert all(c.figures for c in checks)  # every check keeps its sourced figures


def test_a_new_target_is_a_new_row_with_no_code_change(tmp_path: Path, capsys) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS)
    code = main(["targets", "--file", str(path), "--reps", "2", "--steps", "1",
                 "--workers", "1", "--no-progress"])
    out = capsys.readouterr().out
    assert "gini" in out and "elderly" in out and "not modelled" in out
    # The elderly range is set to fail on purpose: one MISS means exit 1.
    assert "MISS" in out and "1 of 2 checks pass" in out
    assert code == 1


def test_targets_json_rows_have_intervals(tmp_path: Path, capsys) -> None:
    import json

    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("range: [0.0, 0.01]", "range: [0.15, 0.30]"))
    code = main(["targets", "--file", str(path), "--reps", "3", "--steps", "1",
                 "--workers", "1", "--no-progress", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {r["target"] for r in rows} == {"gini", "elderly"}
    for r in rows:
        assert r["n"] == 3 and r["result"] == "PASS"
        assert r["ci_low"] <= r["mean"] <= r["ci_high"]


def test_a_bad_range_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("range: [0.40, 0.52]", "range: [0.52, 0.40]"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)
    problem = info.value.problems[0]
    assert problem.path == "gini.check.range" and problem.line == 6


def test_an_unknown_outcome_is_named_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("outcome: income_gini", "outcome: income_gin"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)  # before any run
    [p] = info.value.problems
    assert p.path == "gini.check.outcome" and p.line == 6 and p.file == str(path)
    assert p.suggestion == "income_gini" and p.value == "income_gin"


def test_a_bad_targets_file_gets_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    """The same messages as a bad scenario: an unknown key with the nearest one, a value of
    the wrong type, a choice out of its list, each with file, line and field."""
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("  kind: target\n  check:", "  kind: traget\n  chek:")
                    .replace("{figure: 0.22,", "{figure: high,"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)
    found = {p.path: p for p in info.value.problems}
    assert list(found) == ["gini.kind", "gini.chek", "elderly.values[0].figure"]
    assert [p.line for p in info.value.problems] == [5, 6, 9]
    assert found["gini.kind"].suggestion == "target"
    assert found["gini.chek"].suggestion == "check"
    assert "unknown key 'chek'" in found["gini.chek"].message
    figure = found["elderly.values[0].figure"]
    assert figure.value == "high" and "expected a number" in figure.message
    assert all(p.file == str(path) for p in info.value.problems)


def test_an_unknown_scenario_in_a_check_is_named(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("scenario: default, range: [0.40",
                                    "scenario: fengqaio, range: [0.40"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)
    [p] = info.value.problems
    assert p.path == "gini.check.scenario" and p.suggestion == "fengqiao" and p.line == 6


def test_loss_is_zero_at_the_centre_and_one_at_an_edge() -> None:
    check = targets.Check("x", "", "target", "o", "default", 0.4, 0.6, ())
    assert calibrate.loss([0.5, 0.5], check) == pytest.approx(0.0)
    assert calibrate.loss([0.6], check) == pytest.approx(1.0)
    assert calibrate.loss([math.nan], check) == math.inf


def test_parameters_with_an_empirical_source_are_never_tuned() -> None:
    block = calibrate.Block("bad", {"population.elderly_share": (0.2, 0.3)}, (), 0)
    with pytest.raises(ValueError, match="empirical source"):
        block.check_tunable()
    for b in calibrate.BLOCKS:
        b.check_tunable()


def test_calibrated_values_are_written_with_what_they_fit(tmp_path: Path) -> None:
    path = tmp_path / "calibrated.yaml"
    fitted = {"welfare.income_dispersion": 0.74, "ladder.success_l1": 0.55}
    against = {"welfare.income_dispersion": ("income_gini",),
               "ladder.success_l1": ("grassroots_mediation_success",)}
    calibrate.write_calibrated(fitted, against, path)
    calibrate.write_calibrated({**fitted, "ladder.success_l1": 0.6}, against, path,
                               template=path)  # again, over the file just written
    text = path.read_text()
    assert text.count("ladder.success_l1:") == 1  # rewritten in place, not appended
    line = next(x for x in text.splitlines() if x.startswith("welfare.income_dispersion:"))
    assert "targets: [income_gini]" in line and "reps: 10" in line
    values = read_calibration(path)
    assert values["welfare.income_dispersion"].value == 0.74
    assert values["ladder.success_l1"].value == 0.6


def test_the_search_starts_from_the_priors(monkeypatch) -> None:
    """Each block is searched with the calibrated parameters not yet fitted at their priors,
    so a fit does not depend on the calibration it replaces."""
    seen = []

    def record(block, fitted, checks, reps, workers, progress):
        seen.append(dict(fitted))
        return {p: block.grid[p][0] for p in block.grid}, 0.0, []

    monkeypatch.setattr(calibrate, "search_block", record)
    calibrate.calibrate(reps=calibrate.MIN_REPS)
    first = seen[0]
    assert first["ladder.success_l1"] == 0.65  # the value declared in schema.py
    assert first["welfare.income_dispersion"] == 0.80
    # The second block sees the first block's fit, the rest still at their priors.
    assert seen[1]["welfare.income_dispersion"] == calibrate.BLOCKS[0].grid[
        "welfare.income_dispersion"][0]


def test_the_search_picks_the_candidate_nearest_the_target(monkeypatch) -> None:
    """A one-parameter block over income spread: the chosen value has the least loss."""
    block = calibrate.Block("spread", {"welfare.income_dispersion": (0.3, 0.8, 1.4)},
                            ("income_gini",), steps=0)
    checks = {c.key: c for c in targets.read_targets()[0]}
    best, best_loss, rows = calibrate.search_block(block, {}, checks, reps=2, workers=1,
                                                   progress=False)
    assert best == {"welfare.income_dispersion": 0.8}
    assert best_loss == min(r[1] for r in rows) < 1.0
