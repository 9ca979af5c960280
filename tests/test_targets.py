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
  role: fitted
  kind: cross_sectional
  check: {outcome: income_gini, scenario: default, range: [0.40, 0.52]}
elderly:
  meaning: elderly share
  values: [{figure: 0.22, note: "2024"}]
  role: echo
  kind: cross_sectional
  check: {outcome: elderly_share, scenario: default, range: [0.0, 0.01]}
jobs:
  meaning: not in the model
  role: checked
  kind: cross_sectional
  not_modelled: "no employment types"
info_only:
  meaning: a figure without a check is information only
  values: [{figure: 1.0}]
  role: checked
  kind: trend
"""


def test_bundled_targets_file_lists_every_shared_figure() -> None:
    checks, skipped = targets.read_targets()
    keys = {c.key for c in checks} | {s.key for s in skipped}
    for key in ("grassroots_mediation_success", "centre_rollout_keeps_disputes_below_court",
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
    assert problem.path == "gini.check.range" and problem.line == 7


def test_an_unknown_outcome_is_named_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("outcome: income_gini", "outcome: income_gin"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)  # before any run
    [p] = info.value.problems
    assert p.path == "gini.check.outcome" and p.line == 7 and p.file == str(path)
    assert p.suggestion == "income_gini" and p.value == "income_gin"


def test_a_bad_targets_file_gets_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    """The same messages as a bad scenario: an unknown key with the nearest one, a value of
    the wrong type, a choice out of its list, each with file, line and field."""
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("  kind: cross_sectional\n  check: {outcome: income",
                                    "  kind: cross_sectionl\n  chek: {outcome: income")
                    .replace("{figure: 0.22,", "{figure: high,"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)
    found = {p.path: p for p in info.value.problems}
    assert list(found) == ["gini.kind", "gini.chek", "elderly.values[0].figure"]
    assert [p.line for p in info.value.problems] == [6, 7, 10]
    assert found["gini.kind"].suggestion == "cross_sectional"
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
    assert p.path == "gini.check.scenario" and p.suggestion == "fengqiao" and p.line == 7


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


def test_every_block_runs_on_scenarios_it_can_load(monkeypatch) -> None:
    """A fitted figure checked on a scenario written for the checks
    (experiments/data/scenarios/) is run from that file by the calibration too."""
    checks = {c.key: c for c in targets.read_targets()[0]}
    loaded = []
    monkeypatch.setattr(calibrate, "map_runs", lambda fn, specs, **kw: (
        loaded.extend(specs) or iter(())))
    for block in calibrate.BLOCKS:
        try:
            calibrate.search_block(block, {}, checks, reps=1, workers=1, progress=False)
        except (ValueError, KeyError, ZeroDivisionError, IndexError):
            pass  # no outputs from the stubbed runs: only the loading is tested here
    assert {spec.label.split("|")[1] for spec in loaded} >= {
        checks[t].scenario for b in calibrate.BLOCKS for t in b.targets if b.steps}


# ------------------------------------------------------------------ roles and kinds


def test_the_cli_reports_three_groups_and_counts_only_held_out_checks(tmp_path: Path,
                                                                     capsys) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS + """\
held:
  meaning: elderly share again, held out
  role: checked
  kind: cross_sectional
  check: {outcome: elderly_share, scenario: default, range: [0.15, 0.30]}
""")
    code = main(["targets", "--file", str(path), "--reps", "2", "--steps", "1",
                 "--workers", "1", "--no-progress"])
    out = capsys.readouterr().out
    fitted, held, echo = (out.index("Fitted"), out.index("Held out"), out.index("Echoes"))
    assert fitted < held < echo
    assert out.index("gini") < held < out.index("  held ") < echo < out.index("elderly ")
    # The echo misses on purpose; it is no evidence either way.
    assert "Evidence: 1 of 1 held-out checks pass" in out
    assert code == 1


def test_a_fitted_figure_must_be_a_cross_sectional_level(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS.replace("  role: fitted\n  kind: cross_sectional",
                                    "  role: fitted\n  kind: before_after"))
    with pytest.raises(ScenarioError) as info:
        targets.read_targets(path)
    [p] = info.value.problems
    assert p.path == "gini.role" and "before_after figure cannot be fitted" in p.message


def test_the_calibration_refuses_figures_not_marked_fitted() -> None:
    checks = {c.key: c for c in targets.read_targets()[0]}
    block = calibrate.Block("held out", {"ladder.success_l1": (0.8,)},
                            ("mediations_per_10k",), steps=1)
    with pytest.raises(ValueError, match="role: checked, not fitted"):
        block.check_fittable(checks)
    ramp = calibrate.Block("reform", {"ladder.success_l1": (0.8,)},
                           ("hotline_reform_raises_resolution",), steps=1)
    with pytest.raises(ValueError, match="before/after figure"):
        ramp.check_fittable(checks)
    for b in calibrate.BLOCKS:  # the bundled blocks fit fitted figures only
        b.check_fittable(checks)


def test_the_calibration_refuses_before_running_anything(monkeypatch) -> None:
    ran = []
    monkeypatch.setattr(calibrate, "search_block", lambda *a: ran.append(a))
    trend = calibrate.Block("trend", {"ladder.success_l1": (0.8,)},
                            ("volunteering_does_not_drift_without_policy",), steps=1)
    with pytest.raises(ValueError, match="held out"):
        calibrate.calibrate(reps=calibrate.MIN_REPS, blocks=(*calibrate.BLOCKS, trend))
    assert ran == []


def test_every_bundled_figure_has_a_role_and_only_levels_are_fitted() -> None:
    checks, _ = targets.read_targets()
    roles = {c.role for c in checks}
    assert roles == {"fitted", "checked", "echo"}
    for c in checks:
        if c.role == "fitted":
            assert c.kind == "cross_sectional" and c.window == "run" and c.versus is None
        if c.kind != "cross_sectional":
            assert c.role == "checked"
    fitted = {t for b in calibrate.BLOCKS for t in b.targets}
    assert fitted == {c.key for c in checks if c.role == "fitted"}


def test_a_year_of_the_record_by_hand() -> None:
    """Counts are cumulative: a year's rates come from differences; states are averaged
    over the year's weeks. A 60-week record, figures chosen so every value is exact."""
    def row(week: int) -> dict[str, float]:
        # 2 disputes arise a week; 1 resolved at L1, half a petition a week after week 8.
        esc = max(0, week - 8) // 2
        return {"week": week, "arisen": 2 * week, "resolved": week, "relapsed": 0,
                "abandoned": 0, "escalated": esc, "prevented": 0, "resolved_l0": 0,
                "resolved_l1": week, "resolved_l2": 0, "resolved_l3": 0,
                "lumped": 0, "closed_unresolved": 0, "resolved_petition": 0,
                "first_petitions": esc, "repeat_petitions": 0,
                "volunteer_share": 0.01 * (week >= 30), "trust": 0.5, "norm": 0.5,
                "welfare_gini": 0.4, "welfare_mean": 1.0}

    record = [row(w) for w in range(61)]
    first = targets.year_measures(record, 1000, first=True)
    last = targets.year_measures(record, 1000, first=False)
    # First year, weeks 0-52: 52 resolved, 22 petitions (weeks 9-52).
    assert first["resolution_rate"] == pytest.approx(52 / 74)
    assert first["escalations_per_10k"] == pytest.approx(22 / 1000 * 1e4)
    assert first["mediations_per_10k"] == pytest.approx(52 / 1000 * 1e4)
    assert first["petition_share"] == pytest.approx(22 / 74)
    # Weeks 1-52 averaged: 23 of them (30-52) at 1%.
    assert first["volunteer_share"] == pytest.approx(0.01 * 23 / 52)
    # Last year, weeks 8-60: 52 resolved, 26 petitions.
    assert last["resolution_rate"] == pytest.approx(52 / 78)
    assert last["volunteer_share"] == pytest.approx(0.01 * 31 / 52)
    assert targets.value_of({"last_year:trust": 0.6, "first_year:trust": 0.5}, "trust",
                            "change") == pytest.approx(0.1)


def test_derived_measures_by_hand() -> None:
    counts = {"resolved": 80, "relapsed": 5, "abandoned": 10, "escalated": 5,
              "resolved_l0": 30, "resolved_l1": 30, "resolved_l2": 15, "resolved_l3": 5}
    d = targets.derived(counts, residents=2000, weeks=104)
    assert d["mediations_per_10k"] == pytest.approx(45 / 2000 * 1e4 / 2)
    assert d["taken_in_per_1000"] == pytest.approx(70 / 2000 * 1e3 / 2)
    assert d["petition_share"] == pytest.approx(0.05)


def test_set_changes_every_scenario_the_checks_run(tmp_path: Path, capsys) -> None:
    """`--set` runs the checks with a parameter changed: the elderly share read back at
    0.005 passes the range [0, 0.01] that the calibrated 0.22 misses."""
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS)
    argv = ["targets", "--file", str(path), "--reps", "2", "--steps", "1", "--workers", "1",
            "--no-progress"]
    assert main(argv) == 1
    capsys.readouterr()
    # No warm-up: a year of ageing would lift the elderly share read back above 0.01.
    assert main([*argv, "--set", "population.elderly_share=0.005",
                 "--set", "run.warmup_weeks=0"]) == 0
    out = capsys.readouterr().out
    assert "with population.elderly_share=0.005, run.warmup_weeks=0 in every scenario" in out
    assert "2 of 2 checks pass" in out


def test_set_is_refused_with_report_and_checked_before_any_run(tmp_path: Path,
                                                                capsys) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS)
    argv = ["targets", "--file", str(path), "--reps", "2", "--steps", "1", "--workers", "1",
            "--no-progress"]
    assert main([*argv, "--set", "run.warmup_weeks=4", "--report",
                 str(tmp_path / "v.md")]) == 2
    assert "--report" in capsys.readouterr().err and not (tmp_path / "v.md").exists()
    assert main([*argv, "--set", "population.elderly_share=2"]) == 2
    assert "elderly_share" in capsys.readouterr().err
