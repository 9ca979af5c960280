"""Means over seeds of the key outcomes, to show a change kept their distributions.

A change that alters random streams or rounding (a faster generator, a different order of
summation) cannot keep a run bit for bit; what it must keep is the distribution of
outcomes. Run this before and after the change and compare:

    .venv/bin/python benchmarks/seed_means.py --out before.json
    .venv/bin/python benchmarks/seed_means.py --out after.json
    .venv/bin/python benchmarks/seed_means.py --compare before.json after.json

Each outcome's mean over seeds is printed with its 95% confidence interval (t, seeds − 1
degrees of freedom); the comparison says whether the difference of the means is within
what seed-to-seed noise gives (Welch's t-test at 1%, Bonferroni-free: a few of many
outcomes may miss by chance, a systematic change misses in many).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

_REPO_ROOT = Path(__file__).resolve().parent.parent
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

KEY_OUTCOMES = (
    "resolution_rate", "grassroots_share", "township_share", "escalations_per_10k",
    "litigation_share", "relapse_rate", "abandon_rate", "grassroots_mediation_success",
    "median_weeks", "p90_weeks", "satisfaction", "trust", "norm", "disputes_per_1000",
    "prevented_share", "welfare_mean", "welfare_gini", "welfare_theil", "bottom20_share",
    "urban_rural_ratio", "digital_gap", "volunteer_share", "handoff_loss_rate",
    "cost_per_resolved",
)


def run_seeds(scenario_name: str, seeds: range, residents: int, weeks: int
              ) -> dict[str, list[float]]:
    """Every key outcome of `scenario_name` for each seed: {outcome: [value per seed]}."""
    from simulation.model import CoGovernanceModel
    from simulation.scenario.loader import load_scenario, with_values

    scenario = with_values(load_scenario(scenario_name),
                           {"population.residents": residents, "run.steps": weeks})
    values: dict[str, list[float]] = {k: [] for k in KEY_OUTCOMES}
    for seed in seeds:
        model = CoGovernanceModel(scenario, rng=seed)
        for _ in range(weeks):
            model.step()
        summary = model.summary()
        for k in KEY_OUTCOMES:
            values[k].append(float(summary[k]))
    return values


def t_quantile_975(dof: int) -> float:
    """Two-sided 95% quantile of Student's t (scipy when present, else a close fit)."""
    try:
        from scipy.stats import t

        return float(t.ppf(0.975, dof))
    except ImportError:  # pragma: no cover - scipy is a dependency of the model
        return 1.96 + 2.4 / max(dof, 1)


def mean_and_interval(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2:
        return (float(arr.mean()) if arr.size else math.nan), math.nan
    half = t_quantile_975(arr.size - 1) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
    return float(arr.mean()), half


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of Welch's t-test; 1.0 when both samples are constant and equal."""
    from scipy.stats import ttest_ind

    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.std() == 0 and y.std() == 0:
        return 1.0 if x.mean() == y.mean() else 0.0
    with warnings.catch_warnings():  # near-constant samples (a median in whole weeks)
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(ttest_ind(x, y, equal_var=False).pvalue)


def compare(before: dict[str, Any], after: dict[str, Any], level: float = 0.01) -> int:
    """Print each outcome's means before and after; returns how many differ at `level`."""
    misses = 0
    for name in before["scenarios"]:
        print(f"\n{name} ({before['seeds']} seeds before, {after['seeds']} after; "
              f"{before['residents']:,} residents x {before['weeks']} weeks)")
        print(f"  {'outcome':30s} {'before':>24s} {'after':>24s} {'p':>6s}")
        for k in KEY_OUTCOMES:
            a, b = before["scenarios"][name][k], after["scenarios"][name][k]
            (ma, ha), (mb, hb) = mean_and_interval(a), mean_and_interval(b)
            p = welch_p(a, b)
            flag = "  DIFFERS" if p < level else ""
            misses += p < level
            print(f"  {k:30s} {ma:>13.5g} ± {ha:<8.3g} {mb:>13.5g} ± {hb:<8.3g} {p:6.3f}{flag}")
    print(f"\n{misses} outcome(s) differ at p < {level}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["default", "baseline", "fengqiao"])
    parser.add_argument("--seeds", type=int, default=30, help="how many seeds (default 30)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--out", type=Path, help="write the values per seed as JSON")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                        help="compare two files written with --out")
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.compare)
        compare(before, after)
        return 0
    t0 = time.perf_counter()
    report: dict[str, Any] = {"seeds": args.seeds, "residents": args.residents,
                              "weeks": args.weeks, "scenarios": {}}
    for name in args.scenarios:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        values = run_seeds(name, seeds, args.residents, args.weeks)
        report["scenarios"][name] = values
        print(f"\n{name}: {args.seeds} seeds, {args.residents:,} residents x {args.weeks} weeks")
        for k in KEY_OUTCOMES:
            mean, half = mean_and_interval(values[k])
            print(f"  {k:30s} {mean:>13.5g} ± {half:.3g}")
    print(f"\n{time.perf_counter() - t0:.0f} s")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
