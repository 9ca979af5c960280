"""`cogov robustness` on a stub model whose answer is known by construction: mix A beats
mix B exactly when an assumption (ladder.handoff_loss) exceeds a threshold."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from experiments import execute, robustness
from experiments.runner import RunResult
from experiments.sweep import run_sweep

A, B = "fengqiao", "baseline"
THRESHOLD = 0.3  # handoff_loss ranges over 0.125-0.375 (0.25 × 0.5 to × 1.5)
SAMPLES = 40  # Latin hypercube strata of 0.00625: exactly 12 of 40 lie above 0.3


def stub_run(spec, keep_series=False):
    """A beats B iff handoff_loss > THRESHOLD; the other assumption does nothing."""
    x = spec.scenario.ladder.handoff_loss
    value = x if spec.scenario.name == A else THRESHOLD
    return RunResult(spec, {"resolution_rate": value, "escalations_per_10k": 1.0}, None)


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setattr(execute, "run_one", stub_run)


def experiment(seed: int = 0):
    chosen = robustness.choose_assumptions(["ladder.handoff_loss",
                                            "ladder.handoff_delay_weeks"])
    return robustness.robustness_experiment(
        [A, B], chosen, samples=SAMPLES, replications=2, steps=1,
        outcomes=("resolution_rate", "escalations_per_10k"), seed=seed)


def test_the_known_answer_is_found(stub, tmp_path: Path) -> None:
    exp = experiment()
    assert exp.n_runs == 2 * SAMPLES * 2
    # Common random numbers: replication r has one seed at every point.
    assert exp.seed_for(0, 1) == exp.seed_for(7, 1) != exp.seed_for(0, 0)
    report = run_sweep(exp, tmp_path / "r.duckdb", workers=1, progress=False)
    assert report.failed == 0 and report.ran == exp.n_runs
    study = robustness.read_study(tmp_path / "r.duckdb")
    r = next(x for x in study.rankings if x.outcome == "resolution_rate")
    first = r.first.set_index("mix")
    assert first.loc[A, "p_first"] == pytest.approx(12 / 40)
    assert first.loc[B, "p_first"] == pytest.approx(28 / 40)
    lo, hi = robustness.wilson(12, 40)
    assert (first.loc[A, "low"], first.loc[A, "high"]) == pytest.approx((lo, hi))
    pairs = r.pairwise.set_index(["a", "b"])
    assert pairs.loc[(A, B), "p_a_beats_b"] == pytest.approx(0.3)
    # What flips it: handoff_loss above the threshold, and nothing else.
    f = r.flip
    assert (f.leader, f.runner_up) == (B, A)
    assert set(f.box) == {"ladder.handoff_loss"}
    low, high = f.box["ladder.handoff_loss"]
    assert THRESHOLD - 0.01 < low <= THRESHOLD + 0.01 and high == pytest.approx(0.375, abs=0.01)
    assert f.density == 1.0 and f.coverage == 1.0
    assert f.correlations[0][0] == "ladder.handoff_loss" and f.correlations[0][1] < -0.8
    # A tie in every sample (escalations equal): each mix first half the time.
    t = next(x for x in study.rankings if x.outcome == "escalations_per_10k")
    assert t.first["p_first"].tolist() == [0.5, 0.5]


def test_a_study_resumes_and_runs_nothing_twice(stub, tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    run_sweep(experiment(), store, workers=1, progress=False)
    again = run_sweep(experiment(), store, workers=1, progress=False)
    assert again.ran == 0 and again.already == again.total


def test_the_command_prints_and_writes_the_study(stub, tmp_path: Path, capsys) -> None:
    store = tmp_path / "r.duckdb"
    code = main(["robustness", "--mixes", f"{A},{B}", "--outcomes", "resolution_rate",
                 "--assumptions", "ladder.handoff_loss,ladder.handoff_delay_weeks",
                 "--samples", str(SAMPLES), "--reps", "1", "--steps", "1", "--workers", "1",
                 "--store", str(store), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{A}" in out and "0.30 [" in out and "ladder.handoff_loss in [" in out
    folder = tmp_path / "r_report"
    for name in ("robustness_first.csv", "robustness_pairwise.csv", "robustness.png",
                 "robustness.html"):
        assert (folder / name).is_file(), name
    html = (folder / "robustness.html").read_text(encoding="utf-8")
    assert "Robust rankings" in html and "What flips the ranking" in html


def test_unknown_assumptions_and_outcomes_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["robustness", "--assumptions", "ladder.handof", "--no-progress"]) == 2
    assert "no uncertain assumption named ladder.handof" in capsys.readouterr().err
    code = main(["robustness", "--outcomes", "resolution_rat", "--store",
                 str(tmp_path / "x.duckdb"), "--no-progress"])
    assert code == 2 and "resolution_rate" in capsys.readouterr().err


def test_wilson_interval_by_hand() -> None:
    lo, hi = robustness.wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = robustness.wilson(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert all(math.isnan(v) for v in robustness.wilson(0, 0))


def test_prim_finds_a_box_on_one_input_of_two() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((400, 2))
    y = x[:, 1] > 0.7
    box, coverage, density = robustness.prim_box(x, y, ["noise", "signal"])
    assert set(box) == {"signal"}
    assert box["signal"][0] == pytest.approx(0.7, abs=0.03)
    assert density > 0.95 and coverage > 0.9
