"""What `cogov compare` prints and writes, checked against intervals computed here.

A tiny compare (two mixes, four seeds, 1,000 residents, 20 weeks) runs once; its per-run
results (runs.csv) are then summarised independently with scipy, and the printed table,
summary.csv and differences.csv must agree: the ± is the half-width of the 95% interval
of the mean (t × standard error), and differences are paired by seed. Their p-values are
scipy's paired t-tests, and which hold after the correction for the family of comparisons
is decided by Holm's procedure as he stated it (reject the smallest p while it is below
α / (tests left)), not by the adjusted p-values compare computes.
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

from cli.compare import (
    HEADLINE,
    correct_for_family,
    differences_markdown,
    print_comparison,
    print_differences,
)
from cli.main import main
from experiments.stats import paired_differences

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


def paired_p(per_seed: pd.Series) -> float:
    """The paired t-test's two-sided p, by scipy; where every seed moved alike scipy has
    none, and the exact sign test is read instead: 2 / 2^n off zero, 1 at zero."""
    x = per_seed.to_numpy(dtype=float)
    if np.all(x == x[0]):
        return 2.0 / 2 ** len(x) if x[0] != 0 else 1.0
    return float(stats.ttest_1samp(x, 0.0).pvalue)


def holm_holds(p: dict, alpha: float = 0.05) -> set:
    """Holm's (1979) step-down procedure: order the m p-values; reject the smallest while
    it is below α / m, then the next while below α / (m − 1), ..., stopping at the first
    that is not."""
    held = set()
    ordered = sorted(p.items(), key=lambda kv: kv[1])
    for i, (key, value) in enumerate(ordered):
        if value >= alpha / (len(ordered) - i):
            break
        held.add(key)
    return held


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


def expected_marks(runs: pd.DataFrame) -> dict[str, str]:
    """The headline outcomes' marks, from runs.csv: '**' held after Holm's procedure over
    the family (fengqiao on every headline outcome), '*' its own test alone below 0.05."""
    wide = runs.pivot(index="seed", columns="scenario")
    per_seed = {o: wide[(o, "fengqiao")] - wide[(o, "baseline")] for o in HEADLINE}
    held = holm_holds({o: paired_p(d) for o, d in per_seed.items()})
    marks = {}
    for o, d in per_seed.items():
        marks[o] = "**" if o in held else "*" if paired_p(d) < 0.05 else ""
    return marks


def test_differences_csv_pairs_the_runs_by_seed(compared) -> None:
    out, stdout = compared
    marks = expected_marks(pd.read_csv(out / "runs.csv"))
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
            assert line.split()[1] == f"{m:+.3f}{marks[outcome]}"


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
    marks = expected_marks(runs)
    wide = runs.pivot(index="seed", columns="scenario")
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1].rstrip(" |")
            for line in (out / "differences.md").read_text().splitlines()
            if line.startswith("| ") and not line.startswith("| outcome")}
    for outcome in ("resolution_rate", "trust", "welfare_gini"):
        m, lo, hi = t_interval(wide[(outcome, "fengqiao")] - wide[(outcome, "baseline")])
        assert rows[outcome] == f"{m:+,.3f} [{lo:+,.3f}, {hi:+,.3f}]{marks[outcome]}"


def test_differences_csv_has_p_values_and_the_familys_correction(compared) -> None:
    """p_value for every outcome; p_holm and holds_after_correction for the family (the
    headline outcomes the table shows), empty for the rest; the printed and Markdown
    counts agree with the marks."""
    out, stdout = compared
    runs = pd.read_csv(out / "runs.csv")
    diffs = pd.read_csv(out / "differences.csv").set_index(["scenario", "outcome"])
    assert list(diffs.columns[-3:]) == ["p_value", "p_holm", "holds_after_correction"]
    wide = runs.pivot(index="seed", columns="scenario")
    for outcome in (*HEADLINE, "escalations_per_10k", "norm"):
        per_seed = (wide[(outcome, "fengqiao")] - wide[(outcome, "baseline")]).dropna()
        row = diffs.loc[("fengqiao", outcome)]
        if len(per_seed) < 2:
            assert math.isnan(row["p_value"])
        else:
            assert row["p_value"] == pytest.approx(paired_p(per_seed), rel=1e-9, abs=1e-12)
    family = diffs.loc["fengqiao"].loc[list(HEADLINE)]
    held = holm_holds(family["p_value"].dropna().to_dict())
    assert {o for o, r in family.iterrows() if r["holds_after_correction"] is True} == held
    assert (family["p_holm"] >= family["p_value"]).all()
    others = diffs.loc["fengqiao"].drop(index=list(HEADLINE))
    assert others["p_holm"].isna().all() and others["holds_after_correction"].isna().all()
    marks = expected_marks(runs)
    clear = sum(m != "" for m in marks.values())
    m = int(family["p_value"].notna().sum())
    count = (f"{clear} of {m} differences are clear at 95%; {len(held)} hold "
             f"after Holm's correction for the {m} comparisons")
    assert count in stdout
    assert count + "." in (out / "differences.md").read_text()


def constructed_runs() -> pd.DataFrame:
    """Three scenarios over five seeds whose paired differences from `ref` are set:

    | difference | x                         | y                          | z (not shown)   |
    | b          | 1 1.1 0.9 1.05 0.95: 1e-5 | 0.2 .. 1.0: p = 0.01324   | +5: p = 1/16    |
    | c          | 0.5 1.5 0.2 1 0.3: 0.0449 | 1 −1 2 −2 0: p = 1         | 0.2 .. 1.0      |

    The family shown is x and y for b and c, m = 4: Holm multiplies the sorted p-values
    0.00001, 0.01324, 0.0449, 1 by 4, 3, 2, 1: 0.00004, 0.0397, 0.0899, 1. So b's x and y
    hold, c's x is clear only on its own, c's y is not clear. Were z counted in the family (m = 6),
    b's y would be 0.01324 × 4 = 0.053 and would not hold.
    """
    seeds = range(5)
    base = [10.0 * s for s in seeds]
    steps = [0.2, 0.4, 0.6, 0.8, 1.0]
    shifts = {"ref": ([0.0] * 5, [0.0] * 5, [0.0] * 5),
              "b": ([1.0, 1.1, 0.9, 1.05, 0.95], steps, [5.0] * 5),
              "c": ([0.5, 1.5, 0.2, 1.0, 0.3], [1.0, -1.0, 2.0, -2.0, 0.0], steps)}
    rows = [{"scenario": label, "seed": s, "x": base[s] + dx[s], "y": base[s] + dy[s],
             "z": base[s] + dz[s]}
            for label, (dx, dy, dz) in shifts.items() for s in seeds]
    return pd.DataFrame(rows)


def constructed_differences() -> pd.DataFrame:
    diffs = paired_differences(constructed_runs(), "scenario", "ref", ["x", "y", "z"])
    return correct_for_family(diffs, ("x", "y"))


def test_the_family_is_the_table_shown() -> None:
    d = constructed_differences().set_index(["scenario", "outcome"])
    p_by = stats.ttest_1samp([0.2, 0.4, 0.6, 0.8, 1.0], 0.0).pvalue  # 0.01324
    p_cx = stats.ttest_1samp([0.5, 1.5, 0.2, 1.0, 0.3], 0.0).pvalue  # 0.0449
    p_bx = stats.ttest_1samp([1.0, 1.1, 0.9, 1.05, 0.95], 0.0).pvalue
    assert (p_by, p_cx) == pytest.approx((0.01323559956368269, 0.04492922575367646))
    expected = {("b", "x"): (p_bx, 4 * p_bx, True), ("b", "y"): (p_by, 3 * p_by, True),
                ("c", "x"): (p_cx, 2 * p_cx, False), ("c", "y"): (1.0, 1.0, False)}
    for key, (p, p_holm, holds) in expected.items():
        row = d.loc[key]
        assert (row["p_value"], row["p_holm"]) == pytest.approx((p, p_holm), rel=1e-6), key
        assert row["holds_after_correction"] is holds, key
    for key in (("b", "z"), ("c", "z")):  # not shown: outside the family
        assert math.isnan(d.loc[key, "p_holm"])
        assert d.loc[key, "holds_after_correction"] is None


def test_marks_and_count_of_the_printed_table(capsys) -> None:
    print_differences(constructed_differences(), "ref", ["b", "c"], ("x", "y"))
    out = capsys.readouterr().out
    assert "** : holds after Holm's correction" in out
    assert "* : only its own 95% interval excludes 0" in out
    cells = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines()
             if ln.split()[:1] in (["x"], ["y"])}
    assert cells == {"x": ["+1.000**", "+0.700*"], "y": ["+0.600**", "+0.000"]}
    assert ("3 of 4 differences are clear at 95%; 2 hold after Holm's correction for the "
            "4 comparisons") in out


def test_marks_and_count_of_the_markdown_table() -> None:
    md = differences_markdown(constructed_differences(), "ref", ["b", "c"], ("x", "y"), 5)
    rows = {line.split(" | ")[0].lstrip("| "): line.rstrip(" |").split(" | ")[1:]
            for line in md.splitlines()
            if line.startswith("| ") and not line.startswith("| outcome")}
    assert [c[c.index("]") + 1:] for c in rows["x"]] == ["**", "*"]
    assert [c[c.index("]") + 1:] for c in rows["y"]] == ["**", ""]
    assert rows["x"][0] == "+1.000 [+0.902, +1.098]**"
    assert "`**` holds after Holm's correction" in md
    assert md.rstrip().endswith("3 of 4 differences are clear at 95%; 2 hold after Holm's "
                                "correction for the 4 comparisons.")


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
