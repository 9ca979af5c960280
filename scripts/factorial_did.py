"""Does a year under the status quo change what one channel adds to an interaction of the
four-governance factorial? A paired difference-in-differences over replications.

    .venv/bin/python scripts/factorial_did.py STORE [STORE ...]

Each STORE is a `cogov sweep experiments/four_governances_factorial.yaml` store, after the
warm-up or from the cold start (`--set run.warmup_weeks=0`), with every channel or with
one switched off (`--set PATH=VALUE`), at the file's seed or another (`--seed N`); the
script reads which from the store's definition. For example (docs/sensitivity.md §1):

    for seed in 20240401 20240411 20240421; do
      for cold in "" "--set run.warmup_weeks=0"; do
        for off in "" "--set effects.legal_advice_success=0" "--set disputes.relapse_base=0"; do
          cogov sweep experiments/four_governances_factorial.yaml --seed $seed $cold $off \\
              --store "results/did/$seed${cold:+-cold}${off:+-${off##*.}}.duckdb" --no-progress
        done; done; done
    .venv/bin/python scripts/factorial_did.py results/did/*.duckdb

Replication r of experiment seed s runs under the same seed in every store (common random
numbers: the seed depends only on s and r, experiments/design.py), so (s, r) pairs the
stores. For each replication the law × virtue interaction on the resolution rate is the
contrast of its 16 runs y(++) - y(+-) - y(-+) + y(--), each term the mean of the 4 runs
with the two governances at those levels; over the replications its mean is the
interaction `cogov analyze` fits (4 b_ij, tests/test_factorial_did.py). A channel's part
is the interaction with every channel minus that without the channel, and the
difference-in-differences is its part after the warm-up minus its part from the cold
start, replication by replication. Printed: the mean over replications of each, with its
95% t interval; then the same for each of the two governances' own effects (mean of the
runs with it high minus with it low, per replication).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

# Run as a file from the checkout: the repository's root holds the `experiments` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from experiments.store import read_store

WARMUP = "run.warmup_weeks"


def replication_interactions(runs: pd.DataFrame, a: str, b: str, outcome: str) -> pd.Series:
    """The a × b interaction on `outcome` of each replication of a two-level factorial.

    Args:
        runs: the runs of one store (status 'ok'), with columns a, b (the factors' levels),
            `replication` and `outcome`.

    Returns:
        y(++) - y(+-) - y(-+) + y(--) per replication (index: replication), each y the mean
        of the replication's runs with a and b at those levels (high = the larger level).

    Raises:
        ValueError: a replication lacks a cell of the 2 x 2 or a factor has not two levels.
    """
    for f in (a, b):
        if runs[f].nunique() != 2:
            raise ValueError(f"factor {f} has {runs[f].nunique()} levels, not 2")
    high_a = runs[a] == runs[a].max()
    high_b = runs[b] == runs[b].max()
    cells = runs.assign(high_a=high_a, high_b=high_b)
    means = cells.groupby(["replication", "high_a", "high_b"])[outcome].mean().unstack(
        ["high_a", "high_b"])
    if means.shape[1] != 4 or means.isna().any().any():
        raise ValueError("a replication lacks runs at some levels of the two factors")
    return (means[(True, True)] - means[(True, False)] - means[(False, True)]
            + means[(False, False)])


def replication_effects(runs: pd.DataFrame, f: str, outcome: str) -> pd.Series:
    """Factor f's own effect on `outcome` in each replication: the mean of its runs with f
    high minus the mean with f low (over the replications, analyze's `effect_a`)."""
    high = runs[f] == runs[f].max()
    means = runs.assign(high=high).groupby(["replication", "high"])[outcome].mean().unstack()
    return means[True] - means[False]


def describe(definition: dict) -> tuple[int, str, str]:
    """(experiment seed, start, channels) of a store, from its definition's `set`."""
    overrides = dict(definition.get("set") or {})
    start = "cold" if overrides.pop(WARMUP, None) == 0 else "warm"
    channels = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "all"
    return int(definition["seed"]), start, channels


def load(paths: list[str], a: str, b: str, outcome: str) -> pd.DataFrame:
    """One row per (store, replication): seed, replication, start, channels, and the
    replication's a × b interaction and a's and b's own effects (columns
    "interaction", a, b).

    Raises:
        SystemExit: two stores of the same kind, a store that is not complete, or stores
            of one experiment seed whose replications do not share their run seeds.
    """
    frames, seen, run_seeds = [], set(), {}
    for path in paths:
        experiment, runs, _ = read_store(path)
        definition = experiment["definition"]
        seed, start, channels = describe(definition)
        if (seed, start, channels) in seen:
            sys.exit(f"{path}: a second store of seed {seed}, {start}, {channels}")
        seen.add((seed, start, channels))
        ok = runs[runs.status == "ok"]
        if len(ok) != int(experiment["n_runs"]):
            sys.exit(f"{path}: {len(ok)} of {experiment['n_runs']} runs are ok; finish the "
                     "sweep first")
        # Pairing by replication is only sound if replication r ran under one seed in
        # every store of this experiment seed (common random numbers).
        by_rep = ok.groupby("replication")["seed"].unique()
        for r, s in by_rep.items():
            if len(s) != 1 or run_seeds.setdefault((seed, r), s[0]) != s[0]:
                sys.exit(f"{path}: replication {r} does not share its run seed with the "
                         "other design points or stores")
        inter = replication_interactions(ok, a, b, outcome)
        frames.append(pd.DataFrame({"seed": seed, "replication": inter.index,
                                    "start": start, "channels": channels,
                                    "interaction": inter.to_numpy(),
                                    a: replication_effects(ok, a, outcome).loc[inter.index],
                                    b: replication_effects(ok, b, outcome).loc[inter.index]}))
    return pd.concat(frames, ignore_index=True)


def mean_interval(x: pd.Series | np.ndarray) -> tuple[float, float, float, int]:
    """Mean, the ends of its 95% t interval, and the number of values."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    m = float(x.mean())
    return m, m - half, m + half, n


def _fmt(x: pd.Series | np.ndarray) -> str:
    m, lo, hi, n = mean_interval(x)
    return f"{m:+.4f} [{lo:+.4f}, {hi:+.4f}] (n={n})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("stores", nargs="+")
    parser.add_argument("--a", default="rule_of_law")
    parser.add_argument("--b", default="rule_of_virtue")
    parser.add_argument("--outcome", default="resolution_rate")
    args = parser.parse_args(argv)
    rows = load(args.stores, args.a, args.b, args.outcome)
    for measure, title in (("interaction", f"{args.a} × {args.b}"),
                           (args.a, f"{args.a}'s own effect"),
                           (args.b, f"{args.b}'s own effect")):
        print_tables(rows, measure, f"{title} on {args.outcome}")


def print_tables(rows: pd.DataFrame, measure: str, title: str) -> None:
    """The measure per store kind, then each channel's part in it and the part's
    difference-in-differences, as Markdown tables."""
    wide = rows.pivot_table(index=["seed", "replication"], columns=["start", "channels"],
                            values=measure)
    print(f"\n{title}: mean over replications [95% t interval]\n")
    print("| start | channels | mean |")
    print("|---|---|---|")
    for start, channels in sorted(wide.columns, key=lambda c: (c[0] != "warm", c[1] != "all",
                                                             c[1])):
        print(f"| {start} | {channels} | {_fmt(wide[(start, channels)].dropna())} |")
    knockouts = sorted({c for _, c in wide.columns} - {"all"})
    if not knockouts:
        return
    print("\nA channel's part in it (every channel minus without it) and the difference-in-"
          "differences (part after the warm-up minus part from the cold start), paired by "
          "replication:\n")
    print("| channel off | part after the warm-up | part from the cold start | "
          "difference-in-differences |")
    print("|---|---|---|---|")
    for off in knockouts:
        parts = {}
        for start in ("warm", "cold"):
            if (start, "all") in wide and (start, off) in wide:
                parts[start] = (wide[(start, "all")] - wide[(start, off)]).dropna()
        cells = [_fmt(parts[s]) if s in parts else "–" for s in ("warm", "cold")]
        did = (parts["warm"] - parts["cold"]).dropna() if len(parts) == 2 else None
        print(f"| {off} | {cells[0]} | {cells[1]} | "
              f"{_fmt(did) if did is not None and len(did) else '–'} |")

if __name__ == "__main__":
    main()
