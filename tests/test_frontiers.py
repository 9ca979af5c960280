"""Cost-outcome frontiers: non-lead levers stay at the baseline, the lead levers are
scaled to the spending level, staff and volunteer time are costed; the sweep and its
table checked on a stub model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from experiments import execute, frontiers
from experiments.runner import RunResult
from experiments.store import read_store
from experiments.sweep import run_sweep
from simulation.scenario import load_scenario

BASELINE = load_scenario("baseline")
SG = "levers.self_governance."


def test_the_lead_levers_are_scaled_and_the_others_kept_by_hand() -> None:
    mix = load_scenario("self_governance")  # councils and incentives 0.9; baseline 0.05
    base_cost = frontiers.lever_cost(BASELINE, frontiers.levers_of(BASELINE))
    values, reached = frontiers.at_spending(mix, BASELINE, base_cost + 10.0)
    # 10 more yuan over councils (8) and incentives (12): s × 0.85 × 20 = 10, so each
    # lever rises by 0.5 from 0.05.
    assert values[SG + "councils"] == pytest.approx(0.55, abs=1e-5)
    assert values[SG + "volunteer_incentives"] == pytest.approx(0.55, abs=1e-5)
    base = frontiers.levers_of(BASELINE)
    for path, v in values.items():
        if not path.startswith(SG):
            assert v == base[path], path
    assert reached == pytest.approx(base_cost + 10.0, abs=1e-3)


def test_an_integrated_mix_cuts_nothing_below_the_baseline() -> None:
    mix = load_scenario("four_governances")  # offline channels 0.8, below the baseline 0.9
    values, reached = frontiers.at_spending(mix, BASELINE, 36.0)
    assert values["levers.smart_governance.offline_channels"] == 0.9
    assert values["levers.rule_of_law.enforcement"] >= 0.5
    assert reached == pytest.approx(36.0, abs=1e-3)


def test_unreachable_levels_say_so() -> None:
    mix = load_scenario("rule_of_virtue")
    _, too_low = frontiers.at_spending(mix, BASELINE, 1.0)
    assert too_low == pytest.approx(frontiers.lever_cost(BASELINE, frontiers.levers_of(
        BASELINE)))
    values, too_high = frontiers.at_spending(mix, BASELINE, 10_000.0)
    assert too_high < 10_000.0
    assert all(values[p] == 1.0 for p in frontiers.lead_levers(mix, BASELINE))


def test_staff_cost_by_hand() -> None:
    s = load_scenario("default")
    per_resident = (s.ladder.grid_workers_per_1000 / 1000
                    + s.ladder.county_centre_staff_per_10000 / 10_000
                    + s.ladder.social_organisation_staff_per_10000 / 10_000)
    assert frontiers.staff_cost(s) == pytest.approx(per_resident * 68_340.0)


def stub_run(spec, keep_series=False):
    """Outcome = the councils lever; spending = the levers' cost; 2 volunteer hours."""
    s = spec.scenario
    spent = frontiers.lever_cost(s, frontiers.levers_of(s))
    return RunResult(spec, {"resolution_rate": s.levers.self_governance.councils,
                            "spending_per_resident": spent, "volunteer_hours": 2.0}, None)


def test_the_frontier_sweep_and_table(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(execute, "run_one", stub_run)
    base_cost = frontiers.lever_cost(BASELINE, frontiers.levers_of(BASELINE))
    levels = [base_cost + 10.0, 1000.0]
    exp, reached = frontiers.frontier_experiment(
        ["self_governance", "rule_of_law"], levels, replications=2, steps=1,
        outcomes=("resolution_rate",))
    assert exp.n_runs == 2 * 2 * 2
    run_sweep(exp, tmp_path / "f.duckdb", workers=1, progress=False)
    _, runs, _ = read_store(tmp_path / "f.duckdb")
    table = frontiers.frontier_table(runs, ["resolution_rate"], exp.bases, reached)
    row = table[(table["mix"] == "self_governance")
                & (table["lever_spending"] == levels[0])].iloc[0]
    assert row["reachable"] and row["resolution_rate"] == pytest.approx(0.55, abs=1e-5)
    staff = frontiers.staff_cost(exp.bases["self_governance"])
    assert row["full_cost"] == pytest.approx(levels[0] + staff + 2.0 * 25.0, abs=1e-3)
    # Rule of law leaves councils at the baseline; 1,000 yuan is beyond any mix.
    law = table[table["mix"] == "rule_of_law"]
    assert law["resolution_rate"].tolist() == pytest.approx([0.05, 0.05])
    assert not table[table["lever_spending"] == 1000.0]["reachable"].any()
    best = frontiers.best_by_level(table, ["resolution_rate"])
    assert best.iloc[0]["best"] == "self_governance"


def test_the_command_writes_its_report(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(execute, "run_one", stub_run)
    code = main(["frontiers", "--mixes", "self_governance,rule_of_law", "--levels", "30,40",
                 "--outcomes", "resolution_rate", "--reps", "1", "--steps", "1",
                 "--workers", "1", "--store", str(tmp_path / "f.duckdb"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "self_governance" in out and "non-lead levers at the baseline" in out
    for name in ("frontiers.csv", "frontiers_best.csv", "frontiers.png", "frontiers.html"):
        assert (tmp_path / "f_report" / name).is_file(), name


def test_equal_cost_scenarios_cut_no_lever_below_the_baseline() -> None:
    """Each bundled equal-cost mix raises only its lead levers; none is below the
    baseline, and each spends 36 yuan."""
    from simulation.scenario import BUNDLED_DIR

    base = frontiers.levers_of(BASELINE)
    names = sorted(p.stem for p in BUNDLED_DIR.glob("equal_cost_*.yaml"))
    assert len(names) == 6
    for name in names:
        s = load_scenario(name)
        values = frontiers.levers_of(s)
        assert all(values[p] >= base[p] for p in values), name
        assert frontiers.lever_cost(s, values) == pytest.approx(36.0, abs=0.01), name
        mix = load_scenario(name.removeprefix("equal_cost_"))
        assert set(frontiers.lead_levers(s, BASELINE)) == set(
            frontiers.lead_levers(mix, BASELINE)), name
