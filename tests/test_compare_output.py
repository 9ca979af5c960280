"""What `cogov compare` prints and writes, checked against intervals computed here.

A tiny compare (two mixes, four seeds, 1,000 residents, 20 weeks) runs once; its per-run
results (runs.csv) are then summarised independently with scipy, and the printed table,
summary.csv and differences.csv must agree: the ± is the half-width of the 95% interval
of the mean (t × standard error), and differences are paired by seed.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cli.compare import print_comparison
from cli.main import main

REPS = 4
LABELS = ("baseline", "fengqiao")
# Outcomes whose cells print with three decimals (shares and 0-1 scales under 100).
SHOWN = ("resolution_rate", "trust", "norm", "welfare_gini", "bottom20_share")


def t_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% interval of the mean, by scipy (of width 0 when every value is the
    same, where scipy's is undefined)."""
    x = values.to_numpy(dtype=float)
    if np.all(x == x[0]):
        return float(x[0]), float(x[0]), float(x[0])
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    return float(x.mean()), float(lo), float(hi)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("compare") / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        code = main(["compare", *LABELS, "--reps", str(REPS), "--steps", "20",
                     "--set", "population.residents=1000", "--workers", "1",
                     "--no-progress", "--out", str(out)])
    assert code == 0
    return out, stdout.getvalue()


def row_cells(stdout: str, outcome: str) -> list[str]:
    """The cells of an outcome's row in the first (mean ± half-width) table."""
    table = stdout.split("Difference from")[0]
    line = next(ln for ln in table.splitlines() if ln.split()[:1] == [outcome])
    return re.findall(r"-?[\d,.]+(?: ±[\d,.]+)?", line[len(outcome) + 2:])


def test_printed_plus_minus_is_the_half_width_of_the_interval(compared) -> None:
    out, stdout = compared
    runs = pd.read_csv(out / "runs.csv")
    assert "over 4 seeds" in stdout
    for outcome in SHOWN:
        cells = row_cells(stdout, outcome)
        assert len(cells) == len(LABELS), (outcome, cells)
        for label, cell in zip(LABELS, cells, strict=True):
            m, lo, hi = t_interval(runs.loc[runs.scenario == label, outcome])
            assert cell == f"{m:.3f} ±{(hi - lo) / 2:.3f}", (label, outcome)


def test_summary_csv_has_the_t_interval_of_each_mean(compared) -> None:
    out, _ = compared
    runs = pd.read_csv(out / "runs.csv")
    summary = pd.read_csv(out / "summary.csv").set_index(["scenario", "outcome"])
    for label in LABELS:
        for outcome in SHOWN:
            values = runs.loc[runs.scenario == label, outcome]
            m, lo, hi = t_interval(values)
            row = summary.loc[(label, outcome)]
            assert row["n"] == REPS
            assert row["sd"] == pytest.approx(values.std(ddof=1))
            assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((m, lo, hi))


def test_differences_csv_pairs_the_runs_by_seed(compared) -> None:
    out, stdout = compared
    runs = pd.read_csv(out / "runs.csv")
    diffs = pd.read_csv(out / "differences.csv").set_index(["scenario", "outcome"])
    assert set(diffs.index.get_level_values("scenario")) == {"fengqiao"}
    wide = runs.pivot(index="seed", columns="scenario")
    assert list(wide.index) == list(range(REPS))
    for outcome in (*SHOWN, "escalations_per_10k", "spending_per_resident"):
        per_seed = wide[(outcome, "fengqiao")] - wide[(outcome, "baseline")]
        m, lo, hi = t_interval(per_seed)
        row = diffs.loc[("fengqiao", outcome)]
        assert row["n"] == REPS
        assert (row["difference"], row["ci_low"], row["ci_high"]) == pytest.approx((m, lo, hi))
        if outcome in ("trust", "welfare_gini"):  # shown in the printed differences too
            line = next(ln for ln in stdout.split("Difference from")[1].splitlines()
                        if ln.split()[:1] == [outcome])
            star = "*" if lo > 0 or hi < 0 else ""
            assert line.split()[1] == f"{m:+.3f}{star}"


def test_print_comparison_of_a_hand_made_table(capsys) -> None:
    table = pd.DataFrame([
        ("a", "trust", 5, 0.5, 0.1, 0.4, 0.6),
        ("b", "trust", 1, 0.7, math.nan, math.nan, math.nan),  # one seed: no interval
        ("a", "spending_per_resident", 5, 1234.0, 40.0, 1200.0, 1268.0),
        ("b", "spending_per_resident", 5, 99.0, 3.0, 98.5, 99.5),
    ], columns=["scenario", "outcome", "n", "mean", "sd", "ci_low", "ci_high"])
    print_comparison(table, ["a", "b"], 5)
    out = capsys.readouterr().out
    assert "0.500 ±0.100" in out  # half of the interval's width 0.2
    assert "1,234 ±34" in out and "99 ±0" in out  # yuan: whole numbers
    trust_line = next(ln for ln in out.splitlines() if ln.split()[:1] == ["trust"])
    assert trust_line.split()[1:] == ["0.500", "±0.100", "0.700"]


def test_differences_md_holds_each_paired_interval(compared) -> None:
    """differences.md: the headline outcomes, each cell the paired mean difference and its
    t interval recomputed here from runs.csv."""
    out, _ = compared
    runs = pd.read_csv(out / "runs.csv")
    wide = runs.pivot(index="seed", columns="scenario")
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1].rstrip(" |")
            for line in (out / "differences.md").read_text().splitlines()
            if line.startswith("| ") and not line.startswith("| outcome")}
    for outcome in ("resolution_rate", "trust", "welfare_gini"):
        m, lo, hi = t_interval(wide[(outcome, "fengqiao")] - wide[(outcome, "baseline")])
        assert rows[outcome] == f"{m:+,.3f} [{lo:+,.3f}, {hi:+,.3f}]"


def test_compare_shows_the_outcomes_asked_for(tmp_path, capsys) -> None:
    code = main(["compare", "baseline", "fengqiao", "--reps", "2", "--steps", "4",
                 "--set", "population.residents=300", "--workers", "1", "--no-progress",
                 "--out", str(tmp_path / "o"),
                 "--outcomes", "petitions_per_10k,trust_last_year"])
    assert code == 0
    shown = capsys.readouterr().out.split("Difference from")[1]
    names = [ln.split()[0] for ln in shown.splitlines()[3:] if ln.strip()][:2]
    assert names == ["petitions_per_10k", "trust_last_year"]
    md = (tmp_path / "o" / "differences.md").read_text()
    assert "| petitions_per_10k |" in md and "| resolution_rate |" not in md


def test_compare_refuses_an_unknown_outcome_before_running(tmp_path, capsys) -> None:
    code = main(["compare", "baseline", "fengqiao", "--out", str(tmp_path / "o"),
                 "--outcomes", "resolutoin_rate"])
    assert code != 0
    err = capsys.readouterr().err
    assert "unknown outcome 'resolutoin_rate'" in err and "resolution_rate" in err
    assert not (tmp_path / "o").exists()
