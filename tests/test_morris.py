"""Morris screening in the sweep machinery: `assumptions: all` expands from the
declarations, the design is SALib's, and μ* is what a known linear stub says it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments import execute
from experiments.analyze import analyze
from experiments.design import load_experiment
from experiments.runner import RunResult
from experiments.sweep import run_sweep
from simulation.scenario import ScenarioError, iter_assumptions

EXPERIMENT = """\
base: default
factors:
  assumptions: [ladder.handoff_loss, ladder.handoff_delay_weeks]
design: morris
samples: 6
steps: 1
seed: 5
outcomes: [resolution_rate]
"""


def stub_run(spec, keep_series=False):
    """resolution_rate = 3 × handoff_loss's position in its range; the delay does nothing."""
    x = spec.scenario.ladder.handoff_loss
    return RunResult(spec, {"resolution_rate": 3 * (x - 0.125) / 0.25}, None)


def test_assumptions_all_is_every_declared_range(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(EXPERIMENT.replace("[ladder.handoff_loss, ladder.handoff_delay_weeks]",
                                       "all"))
    exp = load_experiment(path)
    assert [f.name for f in exp.factors] == [p.path for p in iter_assumptions()]
    f = next(f for f in exp.factors if f.name == "ladder.grid_worker_cases")
    assert (f.low, f.high) == (0.02, 0.3)  # the declared range
    assert exp.n_points == 6 * (len(exp.factors) + 1)


def test_an_unknown_assumption_is_named(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(EXPERIMENT.replace("ladder.handoff_loss,", "ladder.handof_loss,"))
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    [p] = info.value.problems
    assert "no uncertain assumption named 'ladder.handof_loss'" in p.message
    assert p.suggestion == "ladder.handoff_loss"


def test_mu_star_of_a_linear_stub(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(execute, "run_one", stub_run)
    path = tmp_path / "m.yaml"
    path.write_text(EXPERIMENT)
    exp = load_experiment(path)
    assert exp.n_points == 6 * 3
    run_sweep(exp, tmp_path / "m.duckdb", workers=1, progress=False)
    a = analyze(tmp_path / "m.duckdb")
    m = a.morris.set_index("factor")
    # Each grid step moves the outcome by 3 × the step's share of the range: μ* = 3.
    assert m.loc["ladder.handoff_loss", "mu_star"] == pytest.approx(3.0)
    assert m.loc["ladder.handoff_loss", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert m.loc["ladder.handoff_delay_weeks", "mu_star"] == pytest.approx(0.0)
    assert next(iter(m.index)) == "ladder.handoff_loss"  # sorted by μ*
    from experiments.analyze import write_outputs

    written = {p.name for p in write_outputs(a, tmp_path / "report")}
    assert "morris.csv" in written
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Morris screening" in html and "μ*" in html
