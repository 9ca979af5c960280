"""`cogov analyze`: main effects, Sobol indices, interactions, best levels and the report.

Each store comes from a tiny sweep run in this process (a county of 500 residents for a
few weeks). The interaction fit is also checked on made-up data with a known answer.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from experiments.analyze import analyze, ols, verdict, write_outputs
from experiments.design import load_experiment
from experiments.sweep import run_sweep

BASE = """\
base: default
set:
  population.residents: 500
steps: 8
seed: 3
outcomes: [resolution_rate, trust, welfare_gini, welfare_mean]
"""
FACTORIAL = BASE + """\
factors:
  self_governance:
    parameters: [levers.self_governance.councils, levers.self_governance.volunteer_incentives]
    levels: [0.1, 0.9]
  rule_of_law:
    parameters: [levers.rule_of_law.legal_services, levers.rule_of_law.enforcement]
    levels: [0.1, 0.9]
  levers.rule_of_virtue.norm_campaigns:
    levels: [0.1, 0.9]
design: full_factorial
replications: 3
"""
SOBOL = BASE + """\
factors:
  levers.rule_of_law.enforcement: {low: 0.0, high: 1.0}
  levers.self_governance.councils: {low: 0.0, high: 1.0}
  levers.smart_governance.platform_coverage: {low: 0.0, high: 1.0}
design: sobol
samples: 8
replications: 1
"""
SCENARIOS = """\
steps: 8
seed: 4
outcomes: [resolution_rate, trust, welfare_mean]
set:
  population.residents: 500
factors:
  scenario:
    levels: [baseline, three_governances, four_governances]
  budget.per_resident_year:
    levels: [1400, 5600]
design: full_factorial
replications: 3
"""


def sweep(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    store = tmp_path / f"{name}.duckdb"
    run_sweep(load_experiment(path), store, workers=1, progress=False)
    return store


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("analyze")
    return {
        "factorial": sweep(tmp, "factorial", FACTORIAL),
        "sobol": sweep(tmp, "sobol", SOBOL),
        "scenarios": sweep(tmp, "scenarios", SCENARIOS),
    }


def test_main_effects_have_a_mean_and_interval_per_level(stores) -> None:
    a = analyze(stores["factorial"])
    me = a.main_effects
    assert set(me.factor) == {"self_governance", "rule_of_law",
                              "levers.rule_of_virtue.norm_campaigns"}
    assert set(me.outcome) == {"resolution_rate", "trust", "welfare_gini", "welfare_mean"}
    trust = me[(me.factor == "rule_of_law") & (me.outcome == "trust")]
    assert list(trust.level) == ["0.1", "0.9"] and (trust.n == 12).all()
    runs = a.study.ok
    expected = runs[runs.rule_of_law == 0.9].trust.mean()
    assert trust[trust.level == "0.9"]["mean"].iloc[0] == pytest.approx(expected)
    assert (trust.ci_low < trust["mean"]).all() and (trust["mean"] < trust.ci_high).all()


def test_factorial_interactions_have_intervals_and_verdicts(stores) -> None:
    a = analyze(stores["factorial"])
    inter = a.interactions
    assert inter is not None and len(inter) == 3 * 4  # 3 pairs x 4 outcomes
    assert {(r.factor_a, r.factor_b) for r in inter.itertuples()} == {
        ("self_governance", "rule_of_law"),
        ("self_governance", "levers.rule_of_virtue.norm_campaigns"),
        ("rule_of_law", "levers.rule_of_virtue.norm_campaigns")}
    finite = inter.dropna(subset=["interaction"])
    assert (finite.ci_low <= finite.interaction).all()
    assert (finite.interaction <= finite.ci_high).all()
    assert inter.verdict.str.len().gt(0).all()
    # The family's correction: each adjusted p at least the raw one, the count in a note.
    assert (inter.p_holm >= inter.p_value - 1e-15).all()
    assert (inter.holds_after_correction == (inter.p_holm < 0.05)).all()
    assert any(f"Holm's correction for the {len(inter)} tests" in n for n in a.study.notes)
    assert a.ols_terms is not None and "intercept" in set(a.ols_terms.term)
    assert not a.ols_terms.term.str.startswith("replication=").any()


def test_interaction_is_the_difference_of_differences() -> None:
    """On noiseless 2x2 data the fitted interaction is y(++) - y(+-) - y(-+) + y(--)."""
    rng = np.random.default_rng(0)
    a = np.repeat([-1.0, -1, 1, 1], 5)
    b = np.tile(np.repeat([-1.0, 1], 5), 2)
    y = 1 + 2 * a + 3 * b + 0.5 * a * b + rng.normal(0, 1e-6, a.size)
    X = np.column_stack([np.ones_like(a), a, b, a * b])
    coef, se, dof = ols(X, y)
    cell = {(i, j): y[(a == i) & (b == j)].mean() for i in (-1, 1) for j in (-1, 1)}
    dod = cell[1, 1] - cell[1, -1] - cell[-1, 1] + cell[-1, -1]
    assert 4 * coef[3] == pytest.approx(dod, abs=1e-5)
    assert dof == a.size - 4 and (se < 1e-5).all()


def test_verdict_follows_the_outcome_direction() -> None:
    assert verdict("resolution_rate", 0.1, 0.05, 0.15).startswith("complements")
    assert verdict("resolution_rate", -0.1, -0.15, -0.05).startswith("substitutes")
    assert verdict("welfare_gini", -0.1, -0.15, -0.05).startswith("complements")
    assert verdict("trust", 0.1, -0.05, 0.25).startswith("no clear")
    assert verdict("arisen", 2.0, 1.0, 3.0) == "positive interaction"


def test_sobol_indices_are_finite_with_intervals(stores) -> None:
    a = analyze(stores["sobol"])
    s = a.sobol
    assert s is not None
    assert set(s.factor) == {"levers.rule_of_law.enforcement",
                             "levers.self_governance.councils",
                             "levers.smart_governance.platform_coverage"}
    for outcome in ("welfare_mean", "welfare_gini"):
        rows = s[s.outcome == outcome]
        assert len(rows) == 3
        assert np.isfinite(rows[["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]]
                           ).all(axis=None)
        assert (rows.S1_low <= rows.S1).all() and (rows.ST <= rows.ST_high).all()
    # an outcome that is undefined everywhere in so short a run is skipped with a note
    if "resolution_rate" not in set(s.outcome):
        assert any("resolution_rate" in n for n in a.study.notes)
    # sampled ranges are shown in five bins
    me = a.main_effects
    assert me[(me.factor == "levers.rule_of_law.enforcement")
              & (me.outcome == "trust")].level.nunique() == 5
    assert a.interactions is None and a.best is None


def test_best_level_per_budget(stores) -> None:
    a = analyze(stores["scenarios"])
    best = a.best
    assert best is not None
    assert set(best.given) == {"budget.per_resident_year=1400",
                               "budget.per_resident_year=5600"}
    row = best[(best.outcome == "welfare_mean")
               & (best.given == "budget.per_resident_year=5600")].iloc[0]
    runs = a.study.ok
    at = runs[runs["budget.per_resident_year"] == 5600]
    means = at.groupby("scenario").welfare_mean.mean()
    assert row.best == means.idxmax() and row["mean"] == pytest.approx(means.max())
    assert row.difference >= 0 and row.diff_ci_low <= row.difference <= row.diff_ci_high
    assert a.interactions is None  # only one numeric factor


def test_report_and_csv_files(stores, tmp_path: Path) -> None:
    for name, store in stores.items():
        out = tmp_path / name
        written = write_outputs(analyze(store), out)
        assert (out / "report.html") in written
        names = {p.name for p in written}
        assert {"main_effects.csv", "point_means.csv", "runs.csv"} <= names
        assert ("sobol.csv" in names) == (name == "sobol")
        assert ("interactions.csv" in names) == (name == "factorial")
        assert ("best_levels.csv" in names) == (name == "scenarios")
        page = (out / "report.html").read_text(encoding="utf-8")
        assert page.count("data:image/png;base64,") >= 4
        # self-contained: no scripts, no styles or images from elsewhere
        assert "<script" not in page
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
        pd.read_csv(out / "main_effects.csv")


def test_cli_analyze(stores, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert main(["analyze", str(stores["sobol"]), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "report:" in text and "sobol.csv" in text
    assert (out / "report.html").is_file()
    assert main(["analyze", str(tmp_path / "missing.duckdb")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_default_output_is_beside_the_store(stores, tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "copy.duckdb"
    shutil.copy(stores["factorial"], store)
    assert main(["analyze", str(store)]) == 0
    assert (tmp_path / "copy_report" / "report.html").is_file()


def test_partial_sweep_is_analysed_with_a_note(tmp_path: Path) -> None:
    import duckdb

    store = sweep(tmp_path, "partial", FACTORIAL)
    con = duckdb.connect(str(store))
    con.execute("DELETE FROM runs WHERE replication = 2")
    con.close()
    a = analyze(store)
    assert any("16 of 24 runs" in n for n in a.study.notes)
    assert len(a.study.ok) == 16 and math.isfinite(a.main_effects["mean"].iloc[0])


def test_one_at_a_time_effects_use_each_factors_points_and_the_base(tmp_path: Path) -> None:
    text = BASE + """\
factors:
  levers.rule_of_law.enforcement: {levels: [0.1, 0.9]}
  levers.self_governance.councils: {low: 0.0, high: 1.0, points: 3}
design: one_at_a_time
replications: 2
"""
    a = analyze(sweep(tmp_path, "oat", text))
    me = a.main_effects
    law = me[(me.factor == "levers.rule_of_law.enforcement") & (me.outcome == "trust")]
    assert list(law.level) == ["0.1", "0.3", "0.9"]  # 0.3: the base scenario's value
    assert (law.n == 2).all()  # only the points that move this factor, and the base
    councils = me[(me.factor == "levers.self_governance.councils") & (me.outcome == "trust")]
    assert list(councils.level) == ["0", "0.3", "0.5", "1"]
    assert a.interactions is None
